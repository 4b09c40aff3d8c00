"""Writing brat: ``<id>.txt``, ``<id>.ann`` and ``<id>.corpus.json`` per document, and the
collection's configuration, into a folder published in one step (see
:mod:`corpus.formats.brat` for what each line holds and what cannot be written)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Location, Problem
from corpus.formats.brat.config import (
    ANN_SUFFIX,
    COREF,
    NOTE_PREFIX,
    SIDECAR_FORMAT,
    SIDECAR_SUFFIX,
    SIDECAR_VERSION,
    TEXT_SUFFIX,
    annotation_conf,
    visual_conf,
)
from corpus.fsutil import atomic_write_bytes, atomic_write_text, publish_dir, staging_dir
from corpus.model import Document
from corpus.paths import refuse_output_folder

_ENTITY_ID = re.compile(r"T[0-9]+")
_RELATION_ID = re.compile(r"R[0-9]+")
_LINE_BREAKS = "\n"


def _brat_ids(ids: Sequence[str], pattern: re.Pattern[str], prefix: str) -> dict[str, str]:
    """corpus id -> brat id: brat-shaped ids kept, the others numbered after the largest."""
    used = {int(i[1:]) for i in ids if pattern.fullmatch(i)}
    next_number = max(used, default=0) + 1
    mapping = {}
    for corpus_id in ids:
        if pattern.fullmatch(corpus_id):
            mapping[corpus_id] = corpus_id
        else:
            mapping[corpus_id] = f"{prefix}{next_number}"
            next_number += 1
    return mapping


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span split at line breaks: brat lines cannot hold a newline."""
    fragments = []
    position = start
    while position < end:
        while position < end and text[position] in _LINE_BREAKS:
            position += 1
        stop = position
        while stop < end and text[stop] not in _LINE_BREAKS:
            stop += 1
        if stop > position:
            fragments.append((position, stop))
        position = stop
    return fragments


def _export_problems(document: Document, ann_name: str) -> list[Problem]:
    problems = []
    if "\r" in document.text:
        at = document.text.index("\r")
        problems.append(
            Problem(
                ann_name,
                document.id,
                Location.at("text"),
                "CARRIAGE_RETURN",
                f"the text has a carriage return at character {at}; brat "
                "reads text with universal newlines, so offsets would shift",
            )
        )
    for index, entity in enumerate(document.entities):
        if entity.text[:1] in _LINE_BREAKS or entity.text[-1:] in _LINE_BREAKS:
            problems.append(
                Problem(
                    ann_name,
                    document.id,
                    Location.at("entities", index),
                    "SPAN_EDGE_NEWLINE",
                    f"entity {entity.id} starts or ends with a line break, "
                    "which a brat span cannot express",
                )
            )
    return problems


def to_ann(document: Document) -> str:
    """The ``.ann`` text of one document (see the module docstring for the line kinds)."""
    entity_ids = _brat_ids([e.id for e in document.entities], _ENTITY_ID, "T")
    relation_ids = _brat_ids([r.id for r in document.relations], _RELATION_ID, "R")
    lines = []
    notes = []
    for entity in document.entities:
        brat_id = entity_ids[entity.id]
        fragments = _fragments(document.text, entity.start, entity.end)
        offsets = ";".join(f"{start} {end}" for start, end in fragments)
        surface = " ".join(document.text[start:end] for start, end in fragments)
        lines.append(f"{brat_id}\t{entity.type} {offsets}\t{surface}")
        if brat_id != entity.id:
            notes.append((brat_id, entity.id))
    for relation in document.relations:
        brat_id = relation_ids[relation.id]
        head = entity_ids.get(relation.head, relation.head)
        tail = entity_ids.get(relation.tail, relation.tail)
        lines.append(f"{brat_id}\t{relation.type} Arg1:{head} Arg2:{tail}")
        if brat_id != relation.id:
            notes.append((brat_id, relation.id))
    for cluster in document.clusters:
        members = " ".join(entity_ids.get(member, member) for member in cluster.entities)
        lines.append(f"*\t{COREF} {members}")
    for number, (brat_id, corpus_id) in enumerate(notes, start=1):
        lines.append(f"#{number}\tAnnotatorNotes {brat_id}\t{NOTE_PREFIX}{corpus_id}")
    return "".join(line + "\n" for line in lines)


def sidecar(document: Document) -> str:
    data: dict[str, Any] = {
        "format": SIDECAR_FORMAT,
        "version": SIDECAR_VERSION,
        "id": document.id,
        "seed": (
            None
            if document.seed is None
            else {"path": document.seed.path, "sha256": document.seed.sha256}
        ),
        "metadata": dict(document.metadata),
        "clusters": [cluster.id for cluster in document.clusters],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _write_files(documents: Sequence[Document], folder: Path) -> list[Path]:
    """Write the documents and the configuration files into ``folder`` (which may exist)."""
    problems = [p for d in documents for p in _export_problems(d, f"{d.id}{ANN_SUFFIX}")]
    if problems:
        raise CorpusError(problems)
    written = []
    used = {relation.type for document in documents for relation in document.relations}
    configs = (("annotation.conf", annotation_conf(used=used)), ("visual.conf", visual_conf()))
    for name, content in configs:
        atomic_write_text(folder / name, content)
        written.append(folder / name)
    for document in documents:
        text_path = folder / f"{document.id}{TEXT_SUFFIX}"
        atomic_write_bytes(text_path, document.text.encode("utf-8"))
        ann_path = folder / f"{document.id}{ANN_SUFFIX}"
        atomic_write_text(ann_path, to_ann(document))
        side_path = folder / f"{document.id}{SIDECAR_SUFFIX}"
        atomic_write_text(side_path, sidecar(document))
        written += [text_path, ann_path, side_path]
    return written


def write(documents: Sequence[Document], output: Path, *, replace: bool = False) -> list[Path]:
    """Write a complete brat collection to ``output`` in one step.

    The files are written into a staging folder beside ``output`` and renamed into place,
    so a failure leaves nothing behind. An existing non-empty ``output`` is refused
    (``OUTPUT_EXISTS``) unless ``replace`` is true; a release never is (``OUTPUT_IN_RELEASE``).
    """
    refuse_output_folder(output, replace=replace)
    staged = staging_dir(output)
    try:
        files = _write_files(documents, staged)
        if output.is_dir() and not any(output.iterdir()):
            output.rmdir()
        publish_dir(staged, output, replace=output.exists())
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return [output / path.name for path in files]

"""Label Studio work on the project's files: which documents to export, what the
importer compares against (seeds, base documents, reserved ids), and writing the
imported documents as working annotations. The conversion is
:mod:`corpus.formats.labelstudio`; the server is :mod:`corpus.lsserver`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus import release
from corpus.errors import CorpusError, Problem
from corpus.formats import labelstudio, native
from corpus.fsutil import sha256_file
from corpus.model import Document
from corpus.paths import project_root, refuse_release_output, working_dir
from corpus.validate import validate_document

WORKING = "working"
SEEDS_DIR = "seeds"


def export_tasks(
    version: str | None, mode: labelstudio.ExportMode, root: Path | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The version exported (default: latest release, else the working copy) and its tasks."""

    root = root or project_root()
    resolved = release.resolve(version, root)
    documents = release.load(resolved, root)
    return resolved, labelstudio.documents_to_tasks(documents, version=resolved, mode=mode)


def _display(path: Path, root: Path) -> str:
    try:
        # realpath, unlike Path.resolve, does not raise on a symlink loop
        return str(Path(os.path.realpath(path)).relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _raw_ids(path: Path) -> set[str]:
    """Every annotation id in a native JSON file, valid or not (for id reservation)."""
    try:
        data = native.read_json(path)
    except CorpusError:
        return set()
    ids: set[str] = set()
    if isinstance(data, dict):
        for key in ("entities", "relations", "clusters"):
            items = data.get(key)
            for item in items if isinstance(items, list) else []:  # any shape, never a crash
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    ids.add(item["id"])
    return ids


@dataclass
class Corpus:
    """What the importer compares a Label Studio export against."""

    seeds: dict[str, labelstudio.SeedText]
    bases: dict[tuple[str, str], Document]
    reserved: dict[str, set[str]]


def _seed(root: Path, relative: str) -> labelstudio.SeedText | None:
    path = root / relative
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return labelstudio.SeedText(relative, text, sha256_file(path))


def load_corpus(document_ids: Iterable[str], root: Path | None = None) -> Corpus:
    """Seeds, base documents (every release and the working copy) and reserved ids."""

    root = root or project_root()
    wanted = set(document_ids)
    bases: dict[tuple[str, str], Document] = {}
    reserved: dict[str, set[str]] = {d: set() for d in wanted}
    versions = release.list_versions(root)
    for version in versions:
        for document in release.load_release(version, root):
            if document.id in wanted:
                bases[(document.id, version)] = document
                reserved[document.id] |= labelstudio.document_ids(document)
    working_files = {p.stem: p for p in native.document_files(working_dir(root))}
    for document_id in wanted & set(working_files):
        reserved[document_id] |= _raw_ids(working_files[document_id])
    if wanted & set(working_files):
        try:
            working = release.load_working(root)
        except CorpusError:
            working = []  # a broken working copy is no base; its ids stay reserved
        for document in working:
            if document.id in wanted:
                bases[(document.id, WORKING)] = document
    seeds: dict[str, labelstudio.SeedText] = {}
    for document_id in wanted:
        fallback = bases.get((document_id, WORKING)) or next(
            (bases[(document_id, v)] for v in reversed(versions) if (document_id, v) in bases),
            None,
        )
        if fallback is not None:
            bases[(document_id, "")] = fallback
        relative = fallback.seed.path if fallback and fallback.seed else None
        seed = _seed(root, relative or f"{SEEDS_DIR}/{document_id}.txt")
        if seed is not None:
            seeds[document_id] = seed
    return Corpus(seeds, bases, reserved)


def check_output_dir(out_dir: Path, root: Path) -> None:
    """Refuse to write into a release (or the releases folder)."""
    refuse_release_output(
        out_dir,
        root,
        message="imports are written as working annotations, never into a release; "
        "choose another -o",
    )


def _slug(name: str) -> str:
    """A folder name for an annotator: never ``.``/``..`` (which would write beside or above
    the output folder) nor hidden."""
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", name).strip("_.") or "annotator"


@dataclass(frozen=True)
class Written:
    path: Path
    item: labelstudio.ImportedDocument


def import_export(
    tasks: Any,
    *,
    file: str,
    out_dir: Path | None = None,
    selection: labelstudio.Selection | None = None,
    root: Path | None = None,
) -> list[Written]:
    """Check a parsed Label Studio export and write its documents; nothing written on error.

    Documents go to ``out_dir/<id>.json`` (``out_dir/<annotator>/<id>.json`` with
    ``selection.by_annotator``); every document is also run through ``corpus validate``'s
    checks before anything is written.
    """

    root = root or project_root()
    target_dir = out_dir or working_dir(root)
    check_output_dir(target_dir, root)
    choice = selection or labelstudio.Selection()
    corpus = load_corpus(labelstudio.task_document_ids(tasks), root)
    imported, problems = labelstudio.tasks_to_documents(
        tasks,
        file=file,
        seeds=corpus.seeds,
        bases=corpus.bases,
        reserved_ids=corpus.reserved,
        selection=choice,
    )
    if problems:
        raise CorpusError(problems)
    planned: list[Written] = []
    by_path: dict[Path, str] = {}
    for item in imported:
        folder = target_dir / _slug(item.annotator) if choice.by_annotator else target_dir
        path = folder / f"{item.document.id}{native.SUFFIX}"
        if path in by_path:  # two annotator names with one folder name: one would be lost
            problems.append(
                Problem(
                    _display(path, root),
                    item.document.id,
                    "",
                    "DUPLICATE_DOCUMENT",
                    f"annotators {by_path[path]!r} and {item.annotator!r} would both be "
                    f"written to {folder.name}/; import them one at a time with --annotator",
                )
            )
            continue
        by_path[path] = item.annotator
        planned.append(Written(path, item))
        problems += validate_document(
            native.to_dict(item.document), file=_display(path, root), root=root
        )
    if problems:
        raise CorpusError(problems)
    for written in planned:
        native.write_document(written.item.document, written.path)
    return planned

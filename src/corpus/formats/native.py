"""The native format: one JSON file per document, as defined by ``schema/document.schema.json``.

Verbs: :func:`write` (documents to ``<folder>/<id>.json``), and reading in two steps so
that validation can see the raw JSON: :func:`read_json` (file to JSON value, or a located
``NOT_FOUND`` / ``NOT_JSON`` problem) and :func:`from_dict` (a JSON value already known to be
valid, to a :class:`Document`). The validated ``read`` of this format is
:func:`corpus.sources.load` (a file, a folder or a release, both validation layers): the
validator sits above the formats, so a reader here cannot call it.
Writing is lossless: ``from_dict(to_dict(doc)) == doc``; the format carries everything
the model holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from json.encoder import encode_basestring as _string  # C; non-ASCII kept
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Location, Problem
from corpus.fsutil import atomic_write_text
from corpus.inputs import MAX_DOCUMENT_BYTES, read_input
from corpus.model import Cluster, Document, Entity, Relation, Seed

SUFFIX = ".json"


def read_json(path: Path, *, display: str | None = None, limit: int = MAX_DOCUMENT_BYTES) -> Any:
    """Parse a JSON file; a missing, special (FIFO, device), too large (over ``limit``
    bytes, :mod:`corpus.inputs`) or unparsable file is a :class:`CorpusError` (exit 2)."""
    name = display or str(path)
    return parse_json(read_bytes(path, display=name, limit=limit), display=name)


def read_bytes(path: Path, *, display: str | None = None, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of a document file (the failures of :func:`read_json` but the parsing)."""
    return read_input(path, limit=limit, name=display or str(path))


def parse_json(raw: bytes, *, display: str) -> Any:
    """Parse the bytes of a JSON file named ``display``: ``NOT_UTF8`` / ``NOT_JSON``
    problems as :func:`read_json`."""
    name = display
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            [Problem(name, None, Location(byte=exc.start), "NOT_UTF8", "the file is not UTF-8")]
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(
            [
                Problem(
                    name,
                    None,
                    Location(line=exc.lineno, column=exc.colno),
                    "NOT_JSON",
                    f"not valid JSON: {exc.msg}",
                )
            ]
        ) from None
    except (RecursionError, ValueError) as exc:  # nesting too deep, a number too long
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise CorpusError(
            [
                Problem(
                    name, None, Location(), "NOT_JSON", f"not usable JSON: {reason.splitlines()[0]}"
                )
            ]
        ) from None
    except MemoryError:
        raise CorpusError(
            [Problem(name, None, Location(), "TOO_LARGE", "not enough memory to parse it")]
        ) from None


def from_dict(data: dict[str, Any]) -> Document:
    """A Document from a JSON object that passed schema validation."""
    seed = data.get("seed")
    return Document(
        id=data["id"],
        text=data["text"],
        metadata=data.get("metadata", {}),
        entities=tuple(
            Entity(id=e["id"], type=e["type"], start=e["start"], end=e["end"], text=e["text"])
            for e in data.get("entities", [])
        ),
        relations=tuple(
            Relation(id=r["id"], type=r["type"], head=r["head"], tail=r["tail"])
            for r in data.get("relations", [])
        ),
        clusters=tuple(
            Cluster(id=c["id"], entities=tuple(c["entities"])) for c in data.get("clusters", [])
        ),
        seed=Seed(path=seed["path"], sha256=seed["sha256"]) if seed else None,
    )


def to_dict(document: Document) -> dict[str, Any]:
    """The JSON object for a document, keys in a stable order."""
    data: dict[str, Any] = {"id": document.id}
    if document.seed is not None:
        data["seed"] = {"path": document.seed.path, "sha256": document.seed.sha256}
    data["metadata"] = dict(document.metadata)
    data["text"] = document.text
    data["entities"] = [
        {"id": e.id, "type": e.type, "start": e.start, "end": e.end, "text": e.text}
        for e in document.entities
    ]
    data["relations"] = [
        {"id": r.id, "type": r.type, "head": r.head, "tail": r.tail} for r in document.relations
    ]
    data["clusters"] = [{"id": c.id, "entities": list(c.entities)} for c in document.clusters]
    return data


def _json(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)``, without its per-call set-up for the values
    an annotation holds (strings, integers, lists of strings): the same text."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    if (kind is list or kind is tuple) and all(type(item) is str for item in value):
        return "[" + ", ".join(map(_string, value)) + "]"
    return json.dumps(value, ensure_ascii=False)


def _line(item: dict[str, Any]) -> str:
    """One annotation as ``json.dumps(item, ensure_ascii=False)`` writes it."""
    return "{" + ", ".join(f"{_string(key)}: {_json(value)}" for key, value in item.items()) + "}"


def _entity_line(e: Entity) -> str:
    if type(e.id) is str and type(e.type) is str and type(e.start) is int:
        if type(e.end) is int and type(e.text) is str:  # what a valid document holds
            return (
                f'{{"id": {_string(e.id)}, "type": {_string(e.type)}, "start": {e.start}, '
                f'"end": {e.end}, "text": {_string(e.text)}}}'
            )
    return _line({"id": e.id, "type": e.type, "start": e.start, "end": e.end, "text": e.text})


def _relation_line(r: Relation) -> str:
    if type(r.id) is str and type(r.type) is str and type(r.head) is str and type(r.tail) is str:
        return (
            f'{{"id": {_string(r.id)}, "type": {_string(r.type)}, "head": {_string(r.head)}, '
            f'"tail": {_string(r.tail)}}}'
        )
    return _line({"id": r.id, "type": r.type, "head": r.head, "tail": r.tail})


def _cluster_line(c: Cluster) -> str:
    return _line({"id": c.id, "entities": list(c.entities)})


def dumps(document: Document) -> str:
    """Serialise one document: UTF-8 JSON, non-ASCII kept literal, one annotation per line
    (each written as ``json.dumps(item, ensure_ascii=False)`` would)."""
    data = to_dict(document)
    written = {
        "entities": [_entity_line(e) for e in document.entities],
        "relations": [_relation_line(r) for r in document.relations],
        "clusters": [_cluster_line(c) for c in document.clusters],
    }
    lines = ["{"]
    keys = list(data)
    for index, key in enumerate(keys):
        comma = "," if index < len(keys) - 1 else ""
        value = data[key]
        if key in written and value:
            items = ",\n".join("    " + line for line in written[key])
            lines.append(f'  "{key}": [\n{items}\n  ]{comma}')
        else:
            rendered = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            lines.append(f'  "{key}": {rendered}{comma}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def is_document_name(name: str) -> bool:
    """Whether a file of this name in a documents folder is a document (``*.json``, not
    hidden)."""
    return name.endswith(SUFFIX) and not name.startswith(".")


def document_files(folder: Path) -> list[Path]:
    """The document files of a folder, sorted by name."""
    files = (p for p in folder.glob(f"*{SUFFIX}") if p.is_file() and is_document_name(p.name))
    return sorted(files)


def write_document(document: Document, path: Path) -> None:
    atomic_write_text(path, dumps(document))


def write(documents: Iterable[Document], folder: Path) -> list[Path]:
    """Write each document to ``folder/<id>.json`` (each file atomically)."""
    written = []
    for document in documents:
        path = folder / f"{document.id}{SUFFIX}"
        write_document(document, path)
        written.append(path)
    return written

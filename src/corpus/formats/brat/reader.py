"""Reading brat: ``<id>.txt``, ``<id>.ann`` and the ``<id>.corpus.json`` sidecar back into
documents, every problem located at its ``.ann`` line (see :mod:`corpus.formats.brat`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Location, Problem
from corpus.formats.brat.config import (
    ANN_SUFFIX,
    COREF,
    DEFAULT_METADATA,
    NOTE_PREFIX,
    SIDECAR_FORMAT,
    SIDECAR_SUFFIX,
    TEXT_SUFFIX,
)
from corpus.formats.native import to_dict
from corpus.formats.shape import BRAT_SIDECAR, shape_errors
from corpus.inputs import MAX_DOCUMENT_BYTES, Refused, read_input, read_limited
from corpus.model import Cluster, Document, Entity, Relation, Seed
from corpus.paths import project_root
from corpus.schema import inventory
from corpus.validate import validate_document

_LINE_BREAKS = "\n"
BOM = "\ufeff"
#: an item of a document: ``("entities", 3)``
_Item = tuple[str, int | str]


@dataclass
class _EntityLine:
    line: int
    brat_id: str
    type: str
    start: int
    end: int


@dataclass
class _RelationLine:
    line: int
    brat_id: str
    type: str
    head: str
    tail: str


@dataclass
class _Ann:
    """The parsed ``.ann`` of one document, with the line number of everything."""

    name: str
    document: str
    text: str
    entities: list[_EntityLine] = field(default_factory=list)
    relations: list[_RelationLine] = field(default_factory=list)
    clusters: list[tuple[int, list[str]]] = field(default_factory=list)
    notes: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: every id that has a T line, even one with problems (no cascade of dangling arguments)
    declared: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int, code: str, message: str) -> None:
        self.problems.append(Problem(self.name, self.document, Location(line=line), code, message))


def _parse_offsets(field_text: str) -> list[tuple[int, int]] | None:
    fragments = []
    for part in field_text.split(";"):
        pieces = part.split(" ")
        if len(pieces) != 2 or not all(p.isdigit() and p.isascii() for p in pieces):
            return None
        fragments.append((int(pieces[0]), int(pieces[1])))
    return fragments


def _parse_entity(ann: _Ann, number: int, brat_id: str, fields: list[str]) -> None:
    if len(fields) != 3:
        ann.problem(
            number,
            "MALFORMED_LINE",
            f"text-bound annotation {brat_id} needs three "
            "tab-separated fields: id, 'TYPE START END', text",
        )
        return
    head = fields[1].split(" ", 1)
    fragments = _parse_offsets(head[1]) if len(head) == 2 else None
    if not head[0] or fragments is None:
        ann.problem(
            number,
            "MALFORMED_LINE",
            f"{brat_id}: expected 'TYPE START END[;START END...]', got {fields[1]!r}",
        )
        return
    if head[0] not in inventory().entity_types:
        ann.problem(
            number,
            "UNKNOWN_ENTITY_TYPE",
            f"{brat_id}: {head[0]!r} is not an entity type of the inventory "
            f"({', '.join(inventory().entity_types)})",
        )
        return
    text = ann.text
    for start, end in fragments:
        if not 0 <= start < end <= len(text):
            ann.problem(
                number,
                "BAD_OFFSETS",
                f"{brat_id}: span {start} {end} is empty, reversed or outside the text "
                f"({len(text)} characters)",
            )
            return
    surface = " ".join(text[start:end] for start, end in fragments)
    if fields[2] != surface:
        ann.problem(
            number,
            "TEXT_MISMATCH",
            f"{brat_id}: the line says {fields[2]!r} but the text at {head[1]} is {surface!r}",
        )
        return
    for (_, end), (start, _) in zip(fragments, fragments[1:], strict=False):
        if start < end or text[end:start].strip(_LINE_BREAKS):
            ann.problem(
                number,
                "DISCONTINUOUS_SPAN",
                f"{brat_id}: fragments {head[1]!r} are separated by more than line "
                "breaks; discontinuous mentions cannot be represented",
            )
            return
    ann.entities.append(_EntityLine(number, brat_id, head[0], fragments[0][0], fragments[-1][1]))


def _parse_relation(ann: _Ann, number: int, brat_id: str, fields: list[str]) -> None:
    parts = fields[1].split(" ") if len(fields) >= 2 else []
    if len(fields) not in (2, 3) or len(parts) != 3 or not parts[0]:
        ann.problem(
            number,
            "MALFORMED_LINE",
            f"relation {brat_id} needs 'TYPE Arg1:T.. Arg2:T..' in its second field",
        )
        return
    if parts[0] not in inventory().relation_types:
        ann.problem(
            number,
            "UNKNOWN_RELATION_TYPE",
            f"relation {brat_id}: {parts[0]!r} is not a relation type of the inventory",
        )
        return
    roles = [part.split(":", 1) for part in parts[1:]]
    if any(len(role) != 2 for role in roles) or [r[0] for r in roles] != ["Arg1", "Arg2"]:
        ann.problem(
            number,
            "BAD_ARGUMENT_ROLES",
            f"relation {brat_id}: arguments must be 'Arg1:<id> Arg2:<id>', "
            f"got {' '.join(parts[1:])!r}",
        )
        return
    ann.relations.append(_RelationLine(number, brat_id, parts[0], roles[0][1], roles[1][1]))


def _parse_line(ann: _Ann, number: int, line: str) -> None:
    fields = line.split("\t", 2)
    brat_id = fields[0]
    kind = brat_id[:1]
    if kind == "T" and brat_id[1:].isdigit():
        ann.declared.add(brat_id)
        _parse_entity(ann, number, brat_id, fields)
    elif kind == "R" and brat_id[1:].isdigit():
        _parse_relation(ann, number, brat_id, fields)
    elif brat_id == "*":
        members = fields[1].split(" ") if len(fields) == 2 else []
        if len(members) < 3 or members[0] != COREF or not all(members):
            ann.problem(
                number,
                "MALFORMED_LINE",
                f"an equivalence must read '*<TAB>{COREF} T1 T2 ...' with at least two members",
            )
            return
        ann.clusters.append((number, members[1:]))
    elif kind == "#":
        if (
            len(fields) == 3
            and fields[1].startswith("AnnotatorNotes ")
            and fields[2].startswith(NOTE_PREFIX)
        ):
            target = fields[1].split(" ", 1)[1]
            ann.notes[target] = (number, fields[2][len(NOTE_PREFIX) :])
    elif kind in ("E", "A", "M", "N") and brat_id[1:].isdigit():
        names = {"E": "events", "A": "attributes", "M": "attributes", "N": "normalisations"}
        ann.problem(
            number,
            "UNSUPPORTED_ANNOTATION",
            f"{brat_id}: brat {names[kind]} have no place in this corpus's model",
        )
    else:
        ann.problem(
            number,
            "MALFORMED_LINE",
            f"{line[:40]!r} does not start with a brat id (T1, R1, *, #1) and a tab",
        )


def _read_text(path: Path, name: str, document: str) -> str:
    # a folder named like the file is UNREADABLE; a FIFO or device NOT_A_FILE (never opened
    # for blocking reads); a file over MAX_DOCUMENT_BYTES TOO_LARGE
    raw = read_input(path, limit=MAX_DOCUMENT_BYTES, name=name, document=document)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            [Problem(name, document, Location(byte=exc.start), "NOT_UTF8", "the file is not UTF-8")]
        ) from None


def _line_end_problem(
    text: str, raw: str, text_name: str, ann_name: str, document: str
) -> list[Problem]:
    """One problem naming the cause when the files were saved in a way that shifts or breaks
    every line: a byte order mark at the start of the ``.txt`` (every offset one off), a
    carriage return in the ``.txt`` (brat reads it as a line break; documents store LF) or
    CRLF line ends in the ``.ann`` (every line's last field would end in ``\r``)."""
    for name, content in ((text_name, text), (ann_name, raw)):
        if not content.startswith(BOM):
            continue
        return [
            Problem(
                name,
                document,
                Location(byte=0),
                "BYTE_ORDER_MARK",
                "the file starts with a UTF-8 byte order mark (U+FEFF), which shifts every "
                "brat offset of the text by one; save it as UTF-8 without BOM",
            )
        ]
    for name, content, what in ((text_name, text, "text"), (ann_name, raw, ".ann")):
        if "\r" in content:
            line = content.count("\n", 0, content.index("\r")) + 1
            return [
                Problem(
                    name,
                    document,
                    Location(line=line),
                    "CARRIAGE_RETURN",
                    f"the {what} has Windows (CRLF) or CR line ends, first on line {line}; "
                    "brat and this corpus use LF: convert the file (e.g. `dos2unix`)",
                )
            ]
    return []


def _read_sidecar(path: Path, document: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    if not path.exists():
        return None, []
    name = path.name
    try:
        data = json.loads(read_limited(path, MAX_DOCUMENT_BYTES).decode("utf-8"))
    except Refused as refused:
        return None, [Problem(name, document, Location(), refused.code, refused.message)]
    except OSError as exc:
        return None, [
            Problem(name, document, Location(), "BAD_SIDECAR", f"cannot read: {exc.strerror}")
        ]
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, nested too deeply
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return None, [
            Problem(name, document, Location(), "BAD_SIDECAR", f"not UTF-8 JSON: {reason}")
        ]
    errors = shape_errors(BRAT_SIDECAR, data)
    if not isinstance(data, dict) or any(e.path in ((), ("format",)) for e in errors):
        where = Location.at("format")
        return None, [Problem(name, document, where, "BAD_SIDECAR", f"not a {SIDECAR_FORMAT} file")]
    problems = [
        Problem(name, document, Location(json_path=e.path), "BAD_SIDECAR", e.message)
        for e in errors
    ]
    if data.get("id") != document:
        problems.append(
            Problem(
                name,
                document,
                Location.at("id"),
                "BAD_SIDECAR",
                f"the sidecar is for document {data.get('id')!r}",
            )
        )
    return (None if problems else data), problems


def _fresh(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    taken.add(f"{prefix}{number}")
    return f"{prefix}{number}"


def _build(ann: _Ann, side: dict[str, Any] | None) -> tuple[Document, dict[_Item, int]]:
    """The document, and a map from its items (``("entities", 3)``) to ``.ann`` line numbers."""
    lines: dict[_Item, int] = {}
    corpus_id = {brat: note for brat, (_, note) in ann.notes.items()}
    brat_entities = ann.declared
    seen: dict[str, int] = {}
    items: list[tuple[str, int]] = [(e.brat_id, e.line) for e in ann.entities]
    items += [(r.brat_id, r.line) for r in ann.relations]
    for brat_id, line in items:
        if brat_id in seen:
            ann.problem(line, "DUPLICATE_ID", f"{brat_id} is already used on line {seen[brat_id]}")
        seen.setdefault(brat_id, line)
    for target, (line, _) in ann.notes.items():
        if target not in seen:
            ann.problem(
                line,
                "DANGLING_ARGUMENT",
                f"the note is about {target}, which is no annotation of this file",
            )
    entities = []
    for index, entity in enumerate(ann.entities):
        lines["entities", index] = entity.line
        entities.append(
            Entity(
                corpus_id.get(entity.brat_id, entity.brat_id),
                entity.type,
                entity.start,
                entity.end,
                ann.text[entity.start : entity.end],
            )
        )
    relations = []
    for index, relation in enumerate(ann.relations):
        lines["relations", index] = relation.line
        for role, target in (("Arg1", relation.head), ("Arg2", relation.tail)):
            if target not in brat_entities:
                ann.problem(
                    relation.line,
                    "DANGLING_ARGUMENT",
                    f"relation {relation.brat_id}: {role} {target} is no text-bound "
                    "annotation of this file",
                )
        relations.append(
            Relation(
                corpus_id.get(relation.brat_id, relation.brat_id),
                relation.type,
                corpus_id.get(relation.head, relation.head),
                corpus_id.get(relation.tail, relation.tail),
            )
        )
    cluster_ids = list(side["clusters"]) if side is not None else []
    if len(cluster_ids) != len(ann.clusters) or not all(isinstance(c, str) for c in cluster_ids):
        taken = {e.id for e in entities} | {r.id for r in relations}
        cluster_ids = [_fresh("C", taken) for _ in ann.clusters]
    clusters = []
    for index, ((line, members), cluster_id) in enumerate(
        zip(ann.clusters, cluster_ids, strict=True)
    ):
        lines["clusters", index] = line
        for member in members:
            if member not in brat_entities:
                ann.problem(
                    line,
                    "DANGLING_ARGUMENT",
                    f"coreference member {member} is no text-bound annotation",
                )
        clusters.append(Cluster(cluster_id, tuple(corpus_id.get(m, m) for m in members)))
    seed = side.get("seed") if side is not None else None
    document = Document(
        id=ann.document,
        text=ann.text,
        metadata=dict(side["metadata"])
        if side is not None
        else json.loads(json.dumps(DEFAULT_METADATA)),
        entities=tuple(entities),
        relations=tuple(relations),
        clusters=tuple(clusters),
        seed=Seed(seed["path"], seed["sha256"]) if seed else None,
    )
    return document, lines


def _locate(problem: Problem, ann: _Ann, lines: dict[_Item, int]) -> Problem:
    """A validation problem (at a JSON path) moved to the ``.ann`` line it comes from."""
    path = problem.location.json_path or ()
    line = lines.get((str(path[0]), path[1])) if len(path) >= 2 else None
    location = Location(line=line) if line is not None else problem.location
    return Problem(ann.name, ann.document, location, problem.code, problem.message)


def _line_number(problem: Problem) -> int:
    return problem.location.line or 0


def read_document(
    folder: Path, document_id: str, *, root: Path | None = None, validate: bool = True
) -> tuple[Document | None, list[Problem]]:
    """Read ``<id>.txt``, ``<id>.ann`` (if any) and ``<id>.corpus.json`` (if any)."""

    ann_path = folder / f"{document_id}{ANN_SUFFIX}"
    text_path = folder / f"{document_id}{TEXT_SUFFIX}"
    if not text_path.exists():
        return None, [
            Problem(
                ann_path.name,
                document_id,
                Location(),
                "MISSING_TEXT",
                f"{text_path.name} is missing: brat offsets need the text",
            )
        ]
    try:
        text = _read_text(text_path, text_path.name, document_id)
        raw = _read_text(ann_path, ann_path.name, document_id) if ann_path.exists() else ""
    except CorpusError as error:
        return None, error.problems
    line_ends = _line_end_problem(text, raw, text_path.name, ann_path.name, document_id)
    if line_ends:
        return None, line_ends
    ann = _Ann(ann_path.name, document_id, text)
    body = raw[:-1] if raw.endswith("\n") else raw
    for number, line in enumerate(body.split("\n") if body else [], start=1):
        if line.strip():
            _parse_line(ann, number, line)
    side, side_problems = _read_sidecar(folder / f"{document_id}{SIDECAR_SUFFIX}", document_id)
    document, lines = _build(ann, side)
    problems = sorted(ann.problems, key=_line_number) + side_problems
    if problems:
        return None, problems
    if validate:
        found = validate_document(to_dict(document), file=ann.name, root=root or project_root())
        if found:
            return None, [_locate(problem, ann, lines) for problem in found]
    return document, []


def document_ids(folder: Path) -> list[str]:
    """The documents of a brat folder: every ``.txt`` and ``.ann`` stem, sorted."""
    stems = {p.name[: -len(ANN_SUFFIX)] for p in folder.glob(f"*{ANN_SUFFIX}")}
    stems |= {p.name[: -len(TEXT_SUFFIX)] for p in folder.glob(f"*{TEXT_SUFFIX}")}
    return sorted(stem for stem in stems if stem and not stem.startswith("."))


def read(folder: Path, *, root: Path | None = None, validate: bool = True) -> list[Document]:
    """Every document of a brat folder, or a CorpusError with every problem found."""
    if not folder.is_dir():
        raise CorpusError([Problem(str(folder), None, Location(), "NOT_FOUND", "no such folder")])
    ids = document_ids(folder)
    if not ids:
        raise CorpusError(
            [
                Problem(
                    str(folder),
                    None,
                    Location(),
                    "NO_DOCUMENTS",
                    "the folder holds no .txt/.ann files",
                )
            ]
        )
    documents: list[Document] = []
    problems: list[Problem] = []
    for document_id in ids:
        document, found = read_document(folder, document_id, root=root, validate=validate)
        problems += [_prefixed(problem, folder) for problem in found]
        if document is not None:
            documents.append(document)
    if problems:
        raise CorpusError(problems)
    return documents


def _prefixed(problem: Problem, folder: Path) -> Problem:
    return Problem(
        str(folder / problem.file),
        problem.document,
        problem.location,
        problem.code,
        problem.message,
    )

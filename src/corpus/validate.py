"""Validate annotated documents in two layers and report every problem in one run.

1. **Schema layer**: ``schema/document.schema.json`` through
   :func:`corpus.schema.document_validator`. Each jsonschema error becomes one
   :class:`~corpus.errors.Problem` located by the RFC 6901 pointer of the offending value,
   with a code derived from the failing keyword.
2. **Semantic layer**: what a schema cannot say (offsets inside the text, span text, the seed,
   unique ids, relation arguments, clusters, spans that cross). A check that needs a field the
   schema layer already rejected is skipped for that field, so odd input (strings for offsets,
   a list instead of an object) gives schema problems and never a traceback.

Problem codes (stable; the README has the same table):

==========================  ==============================================================
code                        meaning
==========================  ==============================================================
UNKNOWN_ENTITY_TYPE         ``/entities/N/type`` is not a label of the inventory
UNKNOWN_RELATION_TYPE       ``/relations/N/type`` is not a label of the inventory
SCHEMA_REQUIRED             a required property is missing (pointer: the object)
SCHEMA_TYPE                 a value has the wrong JSON type
SCHEMA_ADDITIONAL_PROPERTY  a property the format does not define (pointer: the property)
SCHEMA_PATTERN              a string does not match its pattern (ids, language, sha256)
SCHEMA_MINIMUM              a number is below its minimum (negative offsets)
SCHEMA_MIN_LENGTH           a string is too short (empty span text)
SCHEMA_MIN_ITEMS            an array is too short (a cluster with fewer than two members)
SCHEMA_<KEYWORD>            any other keyword, upper snake case (``SCHEMA_ONE_OF``, ...)
OFFSET_NOT_INTEGER          an offset written as a float (``3.0``)
OFFSET_OUT_OF_RANGE         end beyond the text, or start >= end
SPAN_TEXT_MISMATCH          ``text[start:end]`` differs from the entity's ``text``
SPAN_WHITESPACE             a span starts or ends with whitespace
SEED_HASH_MISMATCH          sha256 of the UTF-8 text differs from ``seed.sha256``
SEED_MISSING                the seed file named by ``seed.path`` does not exist
SEED_TEXT_MISMATCH          the seed file's bytes differ from the UTF-8 text
DUPLICATE_ID                an id used twice in a document (entities, relations and clusters
                            share one id space), or a document id used twice in a set
DANGLING_HEAD               a relation head that is no entity of the document
DANGLING_TAIL               a relation tail that is no entity of the document
SELF_RELATION               a relation whose head and tail are the same entity
RELATION_TYPE_NOT_ALLOWED   argument types the inventory does not allow (symmetric types
                            accept either order)
DUPLICATE_RELATION          same type, head and tail twice (symmetric: either order)
CLUSTER_UNKNOWN_ENTITY      a cluster member that is no entity of the document
CLUSTER_DUPLICATE_MEMBER    an entity listed twice in one cluster
ENTITY_IN_SEVERAL_CLUSTERS  an entity that is a member of more than one cluster
CLUSTER_MIXED_TYPES         a cluster whose members have different entity types
DUPLICATE_SPAN              two entities with the same type, start and end
CROSSING_SPANS              two spans that overlap while neither contains the other
FILE_NAME_MISMATCH          a document file not named ``<document id>.json``
INVALID_UNICODE             a string with a lone surrogate escape (``"\\ud800"``)
CHANGELOG_ENTRY_MISSING     a release without its entry in ``annotations/CHANGELOG.md``
NOT_FOUND / NOT_JSON /      unusable input (exit status 2): missing path, unparsable file,
NOT_UTF8 / UNREADABLE /     a folder without documents
NO_DOCUMENTS
==========================  ==============================================================

Releases add their own codes (``CHECKSUM_MISMATCH``, ``RELEASE_FILE_MISSING``, ...), see
:mod:`corpus.manifest`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import manifest
from corpus.errors import CorpusError, Problem, json_pointer
from corpus.formats import native
from corpus.fsutil import sha256_text
from corpus.model import Document
from corpus.paths import changelog_path, project_root, releases_dir, working_dir
from corpus.schema import document_validator, inventory

#: codes meaning the input could not be used at all (exit status 2)
UNUSABLE_CODES = frozenset({"NOT_FOUND", "NOT_JSON", "NOT_UTF8", "UNREADABLE", "NO_DOCUMENTS"})

#: jsonschema keyword -> problem code; other keywords become ``SCHEMA_<UPPER_SNAKE>``
KEYWORD_CODES = {
    "required": "SCHEMA_REQUIRED",
    "type": "SCHEMA_TYPE",
    "additionalProperties": "SCHEMA_ADDITIONAL_PROPERTY",
    "pattern": "SCHEMA_PATTERN",
    "minimum": "SCHEMA_MINIMUM",
    "minLength": "SCHEMA_MIN_LENGTH",
    "minItems": "SCHEMA_MIN_ITEMS",
}

_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def show(value: Any, limit: int = 60) -> str:
    """A short, unambiguous rendering of a JSON value for a message."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (dict, list)):
        text = "an object" if isinstance(value, dict) else f"an array of {len(value)} items"
        return text
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_type(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return _JSON_TYPES[type(value)]
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def pointer_key(pointer: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key for pointers: array indexes compare as numbers."""
    parts = pointer.split("/")[1:] if pointer else []
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


# --------------------------------------------------------------------------- schema layer


def _keyword_code(keyword: str) -> str:
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", keyword).upper()
    return KEYWORD_CODES.get(keyword) or f"SCHEMA_{snake}"


def _schema_problems(data: Any, file: str, document: str | None) -> Iterator[Problem]:
    labels = inventory()
    for error in document_validator().iter_errors(data):
        path = list(error.absolute_path)
        pointer = json_pointer(*path)
        keyword = str(error.validator)
        value = error.instance
        if keyword == "oneOf" and len(path) == 3 and path[0] in ("entities", "relations") \
                and path[2] == "type":
            kind = "entity" if path[0] == "entities" else "relation"
            allowed = labels.entity_types if kind == "entity" else labels.relation_types
            code = f"UNKNOWN_{kind.upper()}_TYPE"
            yield Problem(file, document, pointer, code,
                          f"unknown {kind} type {show(value)}; allowed: {', '.join(allowed)}")
        elif keyword == "required" and isinstance(value, dict):
            for name in error.validator_value:
                if name not in value:
                    yield Problem(file, document, pointer, "SCHEMA_REQUIRED",
                                  f"missing required property {name!r}")
        elif keyword == "additionalProperties" and isinstance(value, dict):
            known = error.schema.get("properties", {})
            for name in value:
                if name not in known:
                    yield Problem(file, document, json_pointer(*path, name),
                                  "SCHEMA_ADDITIONAL_PROPERTY",
                                  f"unexpected property {name!r}; allowed: {', '.join(known)}")
        elif keyword == "type":
            expected = error.validator_value
            expected_text = " or ".join(expected) if isinstance(expected, list) else expected
            yield Problem(file, document, pointer, "SCHEMA_TYPE",
                          f"expected {expected_text}, found {json_type(value)} {show(value)}")
        elif keyword == "pattern":
            yield Problem(file, document, pointer, "SCHEMA_PATTERN",
                          f"{show(value)} does not match the pattern {error.validator_value}")
        elif keyword == "minimum":
            yield Problem(file, document, pointer, "SCHEMA_MINIMUM",
                          f"{show(value)} is below the minimum {error.validator_value}")
        elif keyword == "minLength":
            yield Problem(file, document, pointer, "SCHEMA_MIN_LENGTH",
                          f"{show(value)} is shorter than {error.validator_value} character(s)")
        elif keyword == "minItems":
            count = len(value) if isinstance(value, list) else 0
            yield Problem(file, document, pointer, "SCHEMA_MIN_ITEMS",
                          f"has {count} item(s); at least {error.validator_value} required")
        else:
            detail = " ".join(error.message.split())
            detail = detail if len(detail) <= 200 else detail[:197] + "..."
            yield Problem(file, document, pointer, _keyword_code(keyword),
                          f"{show(value)}: {detail}")


# --------------------------------------------------------------------------- semantic layer


@dataclass
class _Entity:
    index: int
    id: str | None
    type: str | None  # a known label, else None
    start: int | None
    end: int | None
    text: str | None
    valid_span: bool = False  # 0 <= start < end (<= len(text) when the text is known)

    @property
    def pointer(self) -> str:
        return json_pointer("entities", self.index)

    def name(self) -> str:
        return f"entity {self.id}" if self.id is not None else f"entity #{self.index}"


class _Checker:
    """The semantic checks of one document; ``bad`` holds pointers the schema layer rejected."""

    def __init__(self, data: dict[str, Any], file: str, root: Path, bad: set[str]) -> None:
        self.data = data
        self.file = file
        self.root = root
        # every rejected pointer and its ancestors: a field is unusable when it or a part of
        # it was rejected
        self.bad = {p[:i] for p in bad for i in range(len(p) + 1) if i == len(p) or p[i] == "/"}
        self.document = data["id"] if isinstance(data.get("id"), str) else None
        self.problems: list[Problem] = []
        self.text: str | None = self._get(data, "text", str, "")

    def report(self, pointer: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.document, pointer, code, message))

    def usable(self, pointer: str) -> bool:
        return pointer not in self.bad

    def _get(self, obj: Any, key: str, kind: type, parent: str) -> Any:
        """``obj[key]`` if present, of exactly this type and not rejected by the schema."""
        if not isinstance(obj, dict) or key not in obj:
            return None
        value = obj[key]
        if kind is int and isinstance(value, bool):
            return None
        if not isinstance(value, kind) or not self.usable(f"{parent}/{key}"):
            return None
        return value

    def _items(self, key: str) -> list[tuple[int, dict[str, Any]]]:
        items = self.data.get(key)
        if not isinstance(items, list):
            return []
        return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]

    def run(self) -> list[Problem]:
        entities = self.collect_entities()
        self.check_seed()
        self.check_ids()
        self.check_spans(entities)
        self.check_relations(entities)
        self.check_clusters(entities)
        return self.problems

    # -- entities and spans

    def collect_entities(self) -> list[_Entity]:
        known = set(inventory().entity_types)
        entities = []
        for index, item in self._items("entities"):
            base = json_pointer("entities", index)
            for key in ("start", "end"):
                value = item.get(key)
                if isinstance(value, float) and value.is_integer() and self.usable(f"{base}/{key}"):
                    self.report(f"{base}/{key}", "OFFSET_NOT_INTEGER",
                                f"{key} {value!r} must be written as an integer ({int(value)})")
            kind = self._get(item, "type", str, base)
            entities.append(_Entity(
                index=index,
                id=item["id"] if isinstance(item.get("id"), str) else None,
                type=kind if kind in known else None,
                start=self._get(item, "start", int, base),
                end=self._get(item, "end", int, base),
                text=self._get(item, "text", str, base),
            ))
        return entities

    def check_spans(self, entities: list[_Entity]) -> None:
        text = self.text
        for entity in entities:
            start, end = entity.start, entity.end
            if start is None or end is None:
                continue
            if start >= end:
                self.report(f"{entity.pointer}/end", "OFFSET_OUT_OF_RANGE",
                            f"{entity.name()} span [{start}:{end}] is empty or reversed "
                            "(start must be less than end)")
                continue
            if text is not None and end > len(text):
                self.report(f"{entity.pointer}/end", "OFFSET_OUT_OF_RANGE",
                            f"{entity.name()} end {end} is beyond the end of the text "
                            f"(length {len(text)})")
                continue
            entity.valid_span = start >= 0
            if text is None or not entity.valid_span:
                continue
            covered = text[start:end]
            if entity.text is not None and covered != entity.text:
                self.report(f"{entity.pointer}/text", "SPAN_TEXT_MISMATCH",
                            f"{entity.name()} text {entity.text!r} differs from "
                            f"text[{start}:{end}] {covered!r}")
            elif covered != covered.strip():
                self.report(entity.pointer, "SPAN_WHITESPACE",
                            f"{entity.name()} span [{start}:{end}] {covered!r} starts or ends "
                            "with whitespace")
        self.check_duplicate_spans(entities)
        self.check_crossing_spans(entities)

    def check_duplicate_spans(self, entities: list[_Entity]) -> None:
        seen: dict[tuple[str, int, int], _Entity] = {}
        for entity in entities:
            if not entity.valid_span or entity.type is None:
                continue
            assert entity.start is not None and entity.end is not None
            key = (entity.type, entity.start, entity.end)
            first = seen.setdefault(key, entity)
            if first is not entity:
                self.report(entity.pointer, "DUPLICATE_SPAN",
                            f"{entity.name()} repeats {first.name()} "
                            f"({entity.type} [{entity.start}:{entity.end}])")

    def check_crossing_spans(self, entities: list[_Entity]) -> None:
        spans = sorted(
            (e for e in entities if e.valid_span),
            key=lambda e: (e.start or 0, -(e.end or 0), e.index),
        )
        for i, outer in enumerate(spans):
            assert outer.start is not None and outer.end is not None
            for inner in spans[i + 1:]:
                assert inner.start is not None and inner.end is not None
                if inner.start >= outer.end:
                    break
                if inner.end > outer.end and inner.start > outer.start:
                    later = max(outer, inner, key=lambda e: e.index)
                    other = inner if later is outer else outer
                    self.report(later.pointer, "CROSSING_SPANS",
                                f"{later.name()} [{later.start}:{later.end}] crosses "
                                f"{other.name()} [{other.start}:{other.end}]: they overlap "
                                "but neither contains the other")

    # -- seed and ids

    def check_seed(self) -> None:
        seed = self._get(self.data, "seed", dict, "")
        if seed is None or self.text is None:
            return
        recorded = self._get(seed, "sha256", str, "/seed")
        actual = sha256_text(self.text)
        if recorded is not None and recorded != actual:
            self.report("/seed/sha256", "SEED_HASH_MISMATCH",
                        f"seed.sha256 {recorded} differs from the sha256 of the text {actual}")
        path = self._get(seed, "path", str, "/seed")
        if path is None:
            return
        seed_file = self.root / path
        try:
            stored = seed_file.read_bytes()
        except (OSError, ValueError):  # ValueError: a NUL in the path
            self.report("/seed/path", "SEED_MISSING",
                        f"seed file {path!r} does not exist under {self.root}")
            return
        encoded = self.text.encode("utf-8")
        if stored != encoded:
            self.report("/text", "SEED_TEXT_MISMATCH", _text_difference(path, stored, self.text))

    def check_ids(self) -> None:
        first: dict[str, str] = {}
        for key in ("entities", "relations", "clusters"):
            for index, item in self._items(key):
                value = self._get(item, "id", str, json_pointer(key, index))
                if value is None:
                    continue
                pointer = json_pointer(key, index, "id")
                if value in first:
                    self.report(pointer, "DUPLICATE_ID",
                                f"id {value!r} is already used at {first[value]}")
                else:
                    first[value] = pointer

    # -- relations and clusters

    def check_relations(self, entities: list[_Entity]) -> None:
        by_id: dict[str, _Entity] = {}
        for entity in entities:
            if entity.id is not None:
                by_id.setdefault(entity.id, entity)
        labels = inventory()
        seen: dict[tuple[str, Any], str] = {}
        for index, item in self._items("relations"):
            base = json_pointer("relations", index)
            name = f"relation {item['id']}" if isinstance(item.get("id"), str) else \
                f"relation #{index}"
            kind = self._get(item, "type", str, base)
            label = labels.relation(kind) if kind in labels.relation_types else None
            head = self._get(item, "head", str, base)
            tail = self._get(item, "tail", str, base)
            for role, value in (("head", head), ("tail", tail)):
                if value is not None and value not in by_id:
                    self.report(f"{base}/{role}", f"DANGLING_{role.upper()}",
                                f"{name} {role} {value!r} is not the id of an entity "
                                "in this document")
            if head is None or tail is None:
                continue
            if head == tail:
                self.report(f"{base}/tail", "SELF_RELATION",
                            f"{name} links {head!r} to itself")
            if label is not None and head in by_id and tail in by_id:
                head_type, tail_type = by_id[head].type, by_id[tail].type
                if head_type is not None and tail_type is not None \
                        and not label.allows(head_type, tail_type):
                    either = " (either order)" if label.symmetric else ""
                    self.report(f"{base}/type", "RELATION_TYPE_NOT_ALLOWED",
                                f"{name} {kind} does not allow {head_type} -> {tail_type}; "
                                f"allowed: head {'/'.join(label.head)}, tail "
                                f"{'/'.join(label.tail)}{either}")
            if kind is not None:
                args: Any = frozenset((head, tail)) if label and label.symmetric else (head, tail)
                key = (kind, args)
                if key in seen:
                    self.report(base, "DUPLICATE_RELATION",
                                f"{name} repeats {seen[key]} ({kind} {head} -> {tail})")
                else:
                    seen[key] = name

    def check_clusters(self, entities: list[_Entity]) -> None:
        by_id = {e.id: e for e in reversed(entities) if e.id is not None}
        owner: dict[str, str] = {}
        for index, item in self._items("clusters"):
            base = json_pointer("clusters", index)
            name = f"cluster {item['id']}" if isinstance(item.get("id"), str) else \
                f"cluster #{index}"
            members = item.get("entities")
            if not isinstance(members, list):
                continue  # each member is checked for usability below
            types: dict[str, list[str]] = {}
            here: set[str] = set()
            for position, member in enumerate(members):
                pointer = json_pointer("clusters", index, "entities", position)
                if not isinstance(member, str) or not self.usable(pointer):
                    continue
                if member not in by_id:
                    self.report(pointer, "CLUSTER_UNKNOWN_ENTITY",
                                f"{name} member {member!r} is not the id of an entity "
                                "in this document")
                    continue
                if member in here:
                    self.report(pointer, "CLUSTER_DUPLICATE_MEMBER",
                                f"{name} lists entity {member!r} twice")
                    continue
                here.add(member)
                if member in owner:
                    self.report(pointer, "ENTITY_IN_SEVERAL_CLUSTERS",
                                f"entity {member!r} of {name} is already in {owner[member]}")
                else:
                    owner[member] = name
                member_type = by_id[member].type
                if member_type is not None:
                    types.setdefault(member_type, []).append(member)
            if len(types) > 1:
                detail = "; ".join(f"{t} ({', '.join(ids)})" for t, ids in types.items())
                self.report(f"{base}/entities", "CLUSTER_MIXED_TYPES",
                            f"{name} mixes entity types: {detail}")


def _text_difference(path: str, stored: bytes, text: str) -> str:
    try:
        seed_text = stored.decode("utf-8")
    except UnicodeDecodeError:
        return f"seed file {path!r} is not UTF-8, so it cannot equal the text"
    limit = min(len(seed_text), len(text))
    at = next((i for i in range(limit) if seed_text[i] != text[i]), limit)
    return (f"the text differs from seed file {path!r} at character {at}: "
            f"text has {text[at:at + 20]!r}, seed has {seed_text[at:at + 20]!r} "
            f"(lengths {len(text)} and {len(seed_text)})")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogates(text: str) -> str:
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _without_surrogates(value: Any, path: tuple[str | int, ...], found: list[str]) -> Any:
    """``value`` with lone surrogates (JSON ``\\ud800`` escapes, which are not characters)
    written out as text; the pointers of the strings that held them go to ``found``."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            found.append(json_pointer(*path))
            return _escape_surrogates(value)
        return value
    if isinstance(value, list):
        return [_without_surrogates(item, (*path, i), found) for i, item in enumerate(value)]
    if isinstance(value, dict):
        clean = {}
        for key, item in value.items():
            name = _escape_surrogates(key) if isinstance(key, str) else key
            if name != key:
                found.append(json_pointer(*path, name))
            clean[name] = _without_surrogates(item, (*path, name), found)
        return clean
    return value


def validate_document(data: Any, *, file: str, root: Path) -> list[Problem]:
    """Every problem of one parsed JSON document, schema layer then semantic layer,
    sorted by location. ``root`` is the project root the seed path is relative to."""
    surrogates: list[str] = []
    data = _without_surrogates(data, (), surrogates)
    document = data.get("id") if isinstance(data, dict) else None
    document = document if isinstance(document, str) else None
    problems = [Problem(file, document, pointer, "INVALID_UNICODE",
                        "the string holds a lone surrogate (a \\ud800-\\udfff escape), "
                        "which is not a Unicode character") for pointer in surrogates]
    problems += dict.fromkeys(_schema_problems(data, file, document))
    if isinstance(data, dict):
        bad = {p.pointer for p in problems}
        problems += _Checker(data, file, root, bad).run()
    return sorted(problems, key=lambda p: (pointer_key(p.pointer), p.code, p.message))


# --------------------------------------------------------------------------- sets of documents


@dataclass
class SetReport:
    """The outcome of validating one set: a folder of documents, a release, or one file."""

    label: str
    kind: str  # "working", "folder", "release" or "file"
    problems: list[Problem] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    files: int = 0
    checksums: int = 0  # release files whose sha256 was verified

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unusable(self) -> bool:
        return any(p.code in UNUSABLE_CODES for p in self.problems)

    def summary(self) -> str:
        counts = manifest.count(self.documents)
        status = "ok" if self.ok else "FAIL"
        text = (f"{status} {self.label} ({self.kind}): {self.files} document file(s), "
                f"{sum(counts.entities.values())} entities, "
                f"{sum(counts.relations.values())} relations, {counts.clusters} clusters")
        if self.kind == "release":
            text += f", {self.checksums} checksum(s) verified"
        if self.problems:
            text += f"; {len(self.problems)} problem(s)"
        return text

    def to_dict(self) -> dict[str, Any]:
        counts = manifest.count(self.documents)
        return {"path": self.label, "kind": self.kind, "ok": self.ok, "files": self.files,
                "documents": [d.id for d in self.documents], "checksums": self.checksums,
                "entities": sum(counts.entities.values()),
                "relations": sum(counts.relations.values()), "clusters": counts.clusters,
                "problems": len(self.problems)}


def display(path: Path, root: Path) -> str:
    """``path`` relative to the project root when it lies inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass
class FileResult:
    """One checked file: its document id (if it has one), the document when it is valid."""

    id: str | None
    document: Document | None
    problems: list[Problem]


def check_file(path: Path, *, root: Path) -> FileResult:
    """Read, validate and (when clean) parse one document file."""
    name = display(path, root)
    try:
        data = native.read_json(path, display=name)
    except CorpusError as error:
        return FileResult(None, None, error.problems)
    problems = validate_document(data, file=name, root=root)
    document_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(document_id, str):
        return FileResult(None, None, problems)
    if path.suffix == native.SUFFIX and path.stem != document_id:
        problems.append(Problem(name, document_id, "/id", "FILE_NAME_MISMATCH",
                                f"document id {document_id!r} differs from the file name "
                                f"{path.name!r} (expected {document_id}.json)"))
    if problems:
        return FileResult(document_id, None, problems)
    return FileResult(document_id, native.from_dict(data), [])


def check_files(report: SetReport, files: Iterable[Path], root: Path) -> SetReport:
    seen: dict[str, str] = {}
    for path in files:
        report.files += 1
        result = check_file(path, root=root)
        report.problems += result.problems
        if result.id is None:
            continue
        name = display(path, root)
        if result.id in seen:
            report.problems.append(Problem(name, result.id, "/id", "DUPLICATE_ID",
                                           f"document id {result.id!r} is already used by "
                                           f"{seen[result.id]}"))
            continue
        seen[result.id] = name
        if result.document is not None:
            report.documents.append(result.document)
    return report


def check_folder(folder: Path, *, root: Path, kind: str = "folder",
                 allow_empty: bool = False) -> SetReport:
    """Validate every ``*.json`` document of a folder, and document ids across it."""
    report = SetReport(display(folder, root), kind)
    files = native.document_files(folder)
    if not files and not allow_empty:
        report.problems.append(Problem(report.label, None, "", "NO_DOCUMENTS",
                                       "the folder holds no *.json document files"))
        return report
    return check_files(report, files, root)


def check_release(folder: Path, *, root: Path) -> SetReport:
    """Validate a release folder: its manifest, its checksums and its documents."""
    report = SetReport(display(folder, root), "release")
    data, problems = manifest.read_manifest(folder, display=report.label)
    report.problems += problems
    if data is not None:
        checked = manifest.verify_checksums(folder, data, display=report.label)
        report.problems += checked.problems
        report.checksums = checked.verified
    documents_dir = folder / manifest.DOCUMENTS
    check_files(report, native.document_files(documents_dir), root)
    if data is not None and report.ok:
        report.problems += manifest.verify_counts(data, report.documents, display=report.label)
    return report


def is_release_dir(path: Path) -> bool:
    return (path / manifest.MANIFEST).is_file() or (path / manifest.DOCUMENTS).is_dir()


def release_folders(folder: Path) -> list[Path]:
    """The release folders inside ``folder`` (hidden staging folders left out)."""
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: manifest.version_key(p.name),
    )


def check_target(path: Path, *, root: Path) -> list[SetReport]:
    """Reports for one command-line path: a file, a document folder, a release folder,
    or a folder of releases (``annotations/releases``). A bare version (``1.0.0``) or
    ``working`` that is not a path names that release or the working copy."""
    if not path.exists() and len(path.parts) == 1:  # a version or "working" stands for its set
        if manifest.parse_version(path.name) and (releases_dir(root) / path.name).is_dir():
            return [check_release(releases_dir(root) / path.name, root=root)]
        if path.name == "working":
            return [check_folder(working_dir(root), root=root, kind="working")]
    if path.name == manifest.MANIFEST and path.is_file() and is_release_dir(path.parent):
        return [check_release(path.parent, root=root)]
    if path.is_file():
        report = check_files(SetReport(display(path, root), "file"), [path], root)
        folder = manifest.release_of(path)
        if folder is not None:
            report.problems += manifest.verify_member(
                path, folder, display=report.label, release_display=display(folder, root))
        return [report]
    if not path.is_dir():
        name = display(path, root)
        return [SetReport(name, "file", [Problem(name, None, "", "NOT_FOUND", "no such file "
                                                 "or folder")])]
    if is_release_dir(path):
        return [check_release(path, root=root)]
    if not native.document_files(path):
        releases = [p for p in release_folders(path) if is_release_dir(p)]
        if releases:
            return [check_release(p, root=root) for p in releases]
    return [check_folder(path, root=root)]


def check_default(root: Path) -> list[SetReport]:
    """The working copy (may be empty or absent) and every release, with its changelog entry."""
    reports = [check_folder(working_dir(root), root=root, kind="working", allow_empty=True)]
    changelog = changelog_path(root)
    headings = changelog.read_text(encoding="utf-8", errors="replace").splitlines() \
        if changelog.is_file() else []
    for folder in release_folders(releases_dir(root)):
        report = check_release(folder, root=root)
        named = manifest.parse_version(folder.name) is not None
        if named and not any(line.startswith(f"## {folder.name} ") for line in headings):
            report.problems.append(Problem(display(changelog, root), None, "",
                                           "CHANGELOG_ENTRY_MISSING",
                                           f"no entry '## {folder.name} - DATE' for release "
                                           f"{folder.name}"))
        reports.append(report)
    return reports


def check_paths(paths: Sequence[str | Path] | None = None, *, root: Path | None = None) \
        -> list[SetReport]:
    """Reports for these paths, or for the default sets when none are given."""
    root = root or project_root()
    if not paths:
        return check_default(root)
    return [report for path in paths for report in check_target(Path(path), root=root)]


def validate_paths(paths: Sequence[str | Path] | None = None, *, root: Path | None = None) \
        -> list[Problem]:
    """Every problem of these paths (default: the working copy and every release)."""
    return [problem for report in check_paths(paths, root=root) for problem in report.problems]

"""The semantic layer of validation: what the document JSON Schema cannot say.

Offsets inside the text, span text, the seed file and hash, unique ids, relation arguments
(existing, typed as the inventory allows, not duplicated), clusters (existing members, one
cluster per entity, one type per cluster), duplicate and crossing spans. The codes are
documented in :mod:`corpus.validate`.

It runs after the schema layer and receives the JSON paths that layer rejected: a check that
needs a rejected field, or a field of the wrong JSON type, is skipped for that field, so odd
input never raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from corpus.errors import Location, Problem, json_pointer
from corpus.fsutil import sha256_text
from corpus.schema import inventory

JsonPath = tuple[str | int, ...]


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
    def path(self) -> JsonPath:
        return ("entities", self.index)

    def name(self) -> str:
        return f"entity {self.id}" if self.id is not None else f"entity #{self.index}"


class _Checker:
    """The semantic checks of one document; ``bad`` holds JSON paths the schema layer rejected."""

    def __init__(self, data: dict[str, Any], file: str, root: Path, bad: set[JsonPath]) -> None:
        self.data = data
        self.file = file
        self.root = root
        # every rejected path and its ancestors: a field is unusable when it or a part of
        # it was rejected
        self.bad = {p[:i] for p in bad for i in range(len(p) + 1)}
        self.document = data["id"] if isinstance(data.get("id"), str) else None
        self.problems: list[Problem] = []
        self.text: str | None = self._get(data, "text", str, ())

    def report(self, path: JsonPath, code: str, message: str) -> None:
        location = Location(json_path=path)
        self.problems.append(Problem(self.file, self.document, location, code, message))

    def usable(self, path: JsonPath) -> bool:
        return not self.bad or path not in self.bad

    def _get(self, obj: Any, key: str, kind: type, parent: JsonPath) -> Any:
        """``obj[key]`` if present, of exactly this type and not rejected by the schema."""
        value = obj.get(key) if isinstance(obj, dict) else None  # None is no kind we ask for
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return None
        if self.bad and not self.usable((*parent, key)):  # no tuple built for a clean document
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
            base: JsonPath = ("entities", index)
            for key in ("start", "end"):
                value = item.get(key)
                if isinstance(value, float) and value.is_integer() and self.usable((*base, key)):
                    self.report(
                        (*base, key),
                        "OFFSET_NOT_INTEGER",
                        f"{key} {value!r} must be written as an integer ({int(value)})",
                    )
            kind = self._get(item, "type", str, base)
            entities.append(
                _Entity(
                    index=index,
                    id=item["id"] if isinstance(item.get("id"), str) else None,
                    type=kind if kind in known else None,
                    start=self._get(item, "start", int, base),
                    end=self._get(item, "end", int, base),
                    text=self._get(item, "text", str, base),
                )
            )
        return entities

    def check_spans(self, entities: list[_Entity]) -> None:
        text = self.text
        for entity in entities:
            start, end = entity.start, entity.end
            if start is None or end is None:
                continue
            if start >= end:
                self.report(
                    (*entity.path, "end"),
                    "OFFSET_OUT_OF_RANGE",
                    f"{entity.name()} span [{start}:{end}] is empty or reversed "
                    "(start must be less than end)",
                )
                continue
            if text is not None and end > len(text):
                self.report(
                    (*entity.path, "end"),
                    "OFFSET_OUT_OF_RANGE",
                    f"{entity.name()} end {end} is beyond the end of the text (length {len(text)})",
                )
                continue
            entity.valid_span = start >= 0
            if text is None or not entity.valid_span:
                continue
            covered = text[start:end]
            if entity.text is not None and covered != entity.text:
                self.report(
                    (*entity.path, "text"),
                    "SPAN_TEXT_MISMATCH",
                    f"{entity.name()} text {entity.text!r} differs from "
                    f"text[{start}:{end}] {covered!r}",
                )
            elif covered != covered.strip():
                self.report(
                    entity.path,
                    "SPAN_WHITESPACE",
                    f"{entity.name()} span [{start}:{end}] {covered!r} starts or ends "
                    "with whitespace",
                )
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
                self.report(
                    entity.path,
                    "DUPLICATE_SPAN",
                    f"{entity.name()} repeats {first.name()} "
                    f"({entity.type} [{entity.start}:{entity.end}])",
                )

    def check_crossing_spans(self, entities: list[_Entity]) -> None:
        spans = sorted(
            (e for e in entities if e.valid_span),
            key=lambda e: (e.start or 0, -(e.end or 0), e.index),
        )
        for i, outer in enumerate(spans):
            assert outer.start is not None and outer.end is not None
            for inner in spans[i + 1 :]:
                assert inner.start is not None and inner.end is not None
                if inner.start >= outer.end:
                    break
                if inner.end > outer.end and inner.start > outer.start:
                    later = max(outer, inner, key=lambda e: e.index)
                    other = inner if later is outer else outer
                    self.report(
                        later.path,
                        "CROSSING_SPANS",
                        f"{later.name()} [{later.start}:{later.end}] crosses "
                        f"{other.name()} [{other.start}:{other.end}]: they overlap "
                        "but neither contains the other",
                    )

    # -- seed and ids

    def check_seed(self) -> None:
        seed = self._get(self.data, "seed", dict, ())
        if seed is None or self.text is None:
            return
        recorded = self._get(seed, "sha256", str, ("seed",))
        actual = sha256_text(self.text)
        if recorded is not None and recorded != actual:
            self.report(
                ("seed", "sha256"),
                "SEED_HASH_MISMATCH",
                f"seed.sha256 {recorded} differs from the sha256 of the text {actual}",
            )
        path = self._get(seed, "path", str, ("seed",))
        if path is None:
            return
        seed_file = self.root / path
        try:
            stored = seed_file.read_bytes()
        except (OSError, ValueError):  # ValueError: a NUL in the path
            self.report(
                ("seed", "path"),
                "SEED_MISSING",
                f"seed file {path!r} does not exist under {self.root}",
            )
            return
        encoded = self.text.encode("utf-8")
        if stored != encoded:
            self.report(("text",), "SEED_TEXT_MISMATCH", _text_difference(path, stored, self.text))

    def check_ids(self) -> None:
        first: dict[str, str] = {}
        for key in ("entities", "relations", "clusters"):
            for index, item in self._items(key):
                value = self._get(item, "id", str, (key, index))
                if value is None:
                    continue
                path: JsonPath = (key, index, "id")
                if value in first:
                    self.report(
                        path, "DUPLICATE_ID", f"id {value!r} is already used at {first[value]}"
                    )
                else:
                    first[value] = json_pointer(*path)

    # -- relations and clusters

    def check_relations(self, entities: list[_Entity]) -> None:
        by_id: dict[str, _Entity] = {}
        for entity in entities:
            if entity.id is not None:
                by_id.setdefault(entity.id, entity)
        labels = {label.name: label for label in inventory().relations}
        seen: dict[tuple[str, Any], str] = {}
        for index, item in self._items("relations"):
            base = ("relations", index)
            name = (
                f"relation {item['id']}"
                if isinstance(item.get("id"), str)
                else f"relation #{index}"
            )
            kind = self._get(item, "type", str, base)
            label = labels.get(kind) if kind is not None else None
            head = self._get(item, "head", str, base)
            tail = self._get(item, "tail", str, base)
            for role, value in (("head", head), ("tail", tail)):
                if value is not None and value not in by_id:
                    self.report(
                        (*base, role),
                        f"DANGLING_{role.upper()}",
                        f"{name} {role} {value!r} is not the id of an entity in this document",
                    )
            if head is None or tail is None:
                continue
            if head == tail:
                self.report((*base, "tail"), "SELF_RELATION", f"{name} links {head!r} to itself")
            if label is not None and head in by_id and tail in by_id:
                head_type, tail_type = by_id[head].type, by_id[tail].type
                if (
                    head_type is not None
                    and tail_type is not None
                    and not label.allows(head_type, tail_type)
                ):
                    either = " (either order)" if label.symmetric else ""
                    self.report(
                        (*base, "type"),
                        "RELATION_TYPE_NOT_ALLOWED",
                        f"{name} {kind} does not allow {head_type} -> {tail_type}; "
                        f"allowed: head {'/'.join(label.head)}, tail "
                        f"{'/'.join(label.tail)}{either}",
                    )
            if kind is not None:
                args: Any = frozenset((head, tail)) if label and label.symmetric else (head, tail)
                key = (kind, args)
                if key in seen:
                    self.report(
                        base,
                        "DUPLICATE_RELATION",
                        f"{name} repeats {seen[key]} ({kind} {head} -> {tail})",
                    )
                else:
                    seen[key] = name

    def check_clusters(self, entities: list[_Entity]) -> None:
        by_id = {e.id: e for e in reversed(entities) if e.id is not None}
        owner: dict[str, str] = {}
        for index, item in self._items("clusters"):
            base = ("clusters", index)
            name = (
                f"cluster {item['id']}" if isinstance(item.get("id"), str) else f"cluster #{index}"
            )
            members = item.get("entities")
            if not isinstance(members, list):
                continue  # each member is checked for usability below
            types: dict[str, list[str]] = {}
            here: set[str] = set()
            for position, member in enumerate(members):
                path = ("clusters", index, "entities", position)
                if not isinstance(member, str) or not self.usable(path):
                    continue
                if member not in by_id:
                    self.report(
                        path,
                        "CLUSTER_UNKNOWN_ENTITY",
                        f"{name} member {member!r} is not the id of an entity in this document",
                    )
                    continue
                if member in here:
                    self.report(
                        path, "CLUSTER_DUPLICATE_MEMBER", f"{name} lists entity {member!r} twice"
                    )
                    continue
                here.add(member)
                if member in owner:
                    self.report(
                        path,
                        "ENTITY_IN_SEVERAL_CLUSTERS",
                        f"entity {member!r} of {name} is already in {owner[member]}",
                    )
                else:
                    owner[member] = name
                member_type = by_id[member].type
                if member_type is not None:
                    types.setdefault(member_type, []).append(member)
            if len(types) > 1:
                detail = "; ".join(f"{t} ({', '.join(ids)})" for t, ids in types.items())
                self.report(
                    (*base, "entities"),
                    "CLUSTER_MIXED_TYPES",
                    f"{name} mixes entity types: {detail}",
                )


def _text_difference(path: str, stored: bytes, text: str) -> str:
    try:
        seed_text = stored.decode("utf-8")
    except UnicodeDecodeError:
        return f"seed file {path!r} is not UTF-8, so it cannot equal the text"
    limit = min(len(seed_text), len(text))
    at = next((i for i in range(limit) if seed_text[i] != text[i]), limit)
    return (
        f"the text differs from seed file {path!r} at character {at}: "
        f"text has {text[at : at + 20]!r}, seed has {seed_text[at : at + 20]!r} "
        f"(lengths {len(text)} and {len(seed_text)})"
    )


def is_clean(data: dict[str, Any], root: Path) -> bool:
    """True only when :func:`check_semantics` would find nothing in ``data``, a document
    the schema layer accepted: every check of :class:`_Checker`, in one pass that builds
    no problem, no path and no object per annotation. False means "ask the checker" (it
    may still find nothing), so a wrong False costs time and a True is never wrong:
    ``tests/core/test_fast_path.py`` runs both over corrupted documents.

    About a fifth of the checker's time on a valid document; it raises nothing on the
    shapes the schema allows (and returns False on any other)."""
    try:
        return _clean(data, root)
    except (KeyError, TypeError, AttributeError, ValueError, OSError):
        return False


_ENTITY_FIELDS = itemgetter("start", "end", "type", "id", "text")
_RELATION_FIELDS = itemgetter("id", "type", "head", "tail")


def _clean(data: dict[str, Any], root: Path) -> bool:
    text = data["text"]
    if type(text) is not str:
        return False
    labels = inventory()
    known = labels.entity_type_set
    length = len(text)
    types: dict[str, str] = {}  # entity id -> type
    spans: set[tuple[str, int, int]] = set()
    bounds: list[tuple[int, int]] = []
    entities = data["entities"]
    for start, end, kind, ident, written in map(_ENTITY_FIELDS, entities):
        if type(start) is not int or type(end) is not int or not 0 <= start < end <= length:
            return False
        covered = text[start:end]
        if covered != written or covered[0].isspace() or covered[-1].isspace():
            return False
        if kind not in known or type(ident) is not str or ident in types:
            return False
        types[ident] = kind
        spans.add((kind, start, end))
        bounds.append((start, -end))
    if len(spans) != len(entities):  # a duplicate span
        return False
    bounds.sort()
    open_ends: list[int] = []  # ends of the spans containing the current start, nested
    for start, negative_end in bounds:
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        if open_ends and -negative_end > open_ends[-1]:  # overlaps, neither contains
            return False
        open_ends.append(-negative_end)
    ids = set(types)
    relations = labels.relation_by_name
    seen: set[tuple[str, Any]] = set()
    for ident, kind, head, tail in map(_RELATION_FIELDS, data["relations"]):
        if type(ident) is not str or ident in ids:
            return False
        ids.add(ident)
        label = relations.get(kind)
        head_type, tail_type = types.get(head), types.get(tail)
        if label is None or head_type is None or tail_type is None or head == tail:
            return False
        if not label.allows(head_type, tail_type):
            return False
        key = (kind, frozenset((head, tail)) if label.symmetric else (head, tail))
        if key in seen:
            return False
        seen.add(key)
    owned: set[str] = set()
    for cluster in data["clusters"]:
        ident, members = cluster["id"], cluster["entities"]
        if type(ident) is not str or ident in ids:
            return False
        ids.add(ident)
        member_types = set()
        for member in members:
            if member in owned:  # twice in this cluster or already in another one
                return False
            owned.add(member)
            member_types.add(types[member])  # KeyError (unknown member): not clean
        if len(member_types) > 1:
            return False
    seed = data.get("seed")
    if seed is not None:
        if type(seed) is not dict or seed["sha256"] != sha256_text(text):
            return False
        if (root / seed["path"]).read_bytes() != text.encode("utf-8"):
            return False
    return True


def check_semantics(
    data: dict[str, Any], *, file: str, root: Path, rejected: set[JsonPath]
) -> list[Problem]:
    """The semantic problems of one JSON document; ``rejected`` holds the JSON paths the
    schema layer reported (those fields are not checked again)."""
    return _Checker(data, file, root, rejected).run()

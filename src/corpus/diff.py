"""What changed between two versions of the corpus (releases or the working copy).

Documents are matched by id, and within a document entities, relations and clusters are
matched by id. An entity changed when its type, offsets or text did; a relation when its
type, head or tail did; a cluster when its members did. Each change is a :class:`Change`
(``+`` added, ``-`` removed, ``~`` changed) rendered as one line::

    + entity T12 PER [15:29] "Emomali Rahmon"
    ~ entity T3 end 40 -> 42
    - relation R4 has_title T1 "Emomali Rahmon" -> T2 "President"
    ~ cluster C2 members +T14 -T15
    ~ document d1 metadata.annotation changed: annotators ["a"] -> ["b"]; origin changed

A metadata value that is a record is summarised by the keys that changed; a value longer
than :data:`SHOWN_VALUE` characters is only said to have changed (``--format json`` keeps
both whole values).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from corpus.fsutil import sha256_text
from corpus.model import Cluster, Document, Entity, Relation

KINDS = ("entity", "relation", "cluster")
OPS = {"+": "added", "-": "removed", "~": "changed"}


def quote(text: str) -> str:
    """A double-quoted rendering that keeps letters readable but shows invisible spaces."""
    rendered = json.dumps(text, ensure_ascii=False)
    return rendered.replace("\u00a0", "\\u00a0").replace("\u2009", "\\u2009")


@dataclass(frozen=True)
class Change:
    """One added (``+``), removed (``-``) or changed (``~``) annotation or document field."""

    op: str
    kind: str  # "entity", "relation", "cluster" or "document"
    id: str
    description: str
    fields: tuple[tuple[str, Any, Any], ...] = ()  # (field, old, new) for "~"

    def line(self) -> str:
        return f"{self.op} {self.kind} {self.id} {self.description}".rstrip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": OPS[self.op],
            "kind": self.kind,
            "id": self.id,
            "description": self.description,
            "fields": [{"field": f, "old": old, "new": new} for f, old, new in self.fields],
        }


@dataclass(frozen=True)
class DocumentDiff:
    id: str
    status: str  # "added", "removed" or "changed"
    changes: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "changes": [change.to_dict() for change in self.changes],
        }


@dataclass(frozen=True)
class CorpusDiff:
    old: str
    new: str
    documents: tuple[DocumentDiff, ...] = field(default=())

    @property
    def changes(self) -> list[Change]:
        return [change for document in self.documents for change in document.changes]

    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {"added": n, "removed": n, "changed": n}}`` per annotation kind."""
        totals = {kind: dict.fromkeys(OPS.values(), 0) for kind in KINDS}
        for change in self.changes:
            if change.kind in totals:
                totals[change.kind][OPS[change.op]] += 1
        return totals

    def render(self) -> str:
        if not self.documents:
            return f"no differences between {self.old} and {self.new}\n"
        lines = [f"--- {self.old}", f"+++ {self.new}"]
        for document in self.documents:
            lines.append(f"document {document.id} ({document.status})")
            lines += [f"  {change.line()}" for change in document.changes]
        summary = "; ".join(
            f"{kind} {c['added']} added, {c['removed']} removed, {c['changed']} changed"
            for kind, c in self.counts().items()
        )
        lines.append(f"summary: {summary}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "counts": self.counts(),
            "documents": [document.to_dict() for document in self.documents],
        }


def describe_entity(entity: Entity) -> str:
    return f"{entity.type} [{entity.start}:{entity.end}] {quote(entity.text)}"


def _argument(document: Document, entity_id: str) -> str:
    found = document.entities_by_id.get(entity_id)
    return f"{entity_id} {quote(found.text)}" if found else entity_id


def describe_relation(relation: Relation, document: Document) -> str:
    return (
        f"{relation.type} {_argument(document, relation.head)} -> "
        f"{_argument(document, relation.tail)}"
    )


def describe_cluster(cluster: Cluster) -> str:
    return "{" + ", ".join(cluster.entities) + "}"


def _show(value: Any) -> str:
    return quote(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _field_changes(old: Any, new: Any, names: Sequence[str]) -> tuple[tuple[str, Any, Any], ...]:
    return tuple(
        (name, getattr(old, name), getattr(new, name))
        for name in names
        if getattr(old, name) != getattr(new, name)
    )


def _changed(kind: str, item_id: str, fields: tuple[tuple[str, Any, Any], ...]) -> Change:
    text = ", ".join(f"{name} {_show(a)} -> {_show(b)}" for name, a, b in fields)
    return Change("~", kind, item_id, text, fields)


def _all(op: str, document: Document) -> list[Change]:
    """Every annotation of a document that was added or removed as a whole."""
    return (
        [Change(op, "entity", e.id, describe_entity(e)) for e in document.entities]
        + [Change(op, "relation", r.id, describe_relation(r, document)) for r in document.relations]
        + [Change(op, "cluster", c.id, describe_cluster(c)) for c in document.clusters]
    )


def _document_fields(old: Document, new: Document) -> list[Change]:
    changes = []
    if old.text != new.text:
        changes.append(
            Change(
                "~",
                "document",
                new.id,
                f"text sha256 {sha256_text(old.text)[:12]} -> "
                f"{sha256_text(new.text)[:12]} (length {len(old.text)} -> "
                f"{len(new.text)})",
                (("text", old.text, new.text),),
            )
        )
    if old.seed != new.seed:
        changes.append(
            Change("~", "document", new.id, "seed changed", (("seed", _seed(old), _seed(new)),))
        )
    keys = list(dict.fromkeys([*old.metadata, *new.metadata]))
    for key in keys:
        a, b = old.metadata.get(key), new.metadata.get(key)
        if a != b:
            changes.append(
                Change(
                    "~",
                    "document",
                    new.id,
                    f"metadata.{key} {_summary(a, b)}",
                    ((f"metadata.{key}", a, b),),
                )
            )
    return changes


#: the longest value a metadata change line shows; a longer one is only said to have changed
SHOWN_VALUE = 40


def _fits(value: Any) -> bool:
    return len(_show(value)) <= SHOWN_VALUE


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested mapping flattened to dotted keys (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``)."""
    if not isinstance(value, Mapping) or not value:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        flat.update(_leaves(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _summary(old: Any, new: Any) -> str:
    """What changed in one metadata value, short: the changed keys of a mapping with their
    old and new values when these are short (at most :data:`SHOWN_VALUE` characters), never
    the whole record twice. The full values stay in the change's ``fields`` (JSON output)."""
    if not (isinstance(old, Mapping) and isinstance(new, Mapping)):
        return f"{_show(old)} -> {_show(new)}" if _fits(old) and _fits(new) else "changed"
    before, after = _leaves(old), _leaves(new)
    parts = []
    for key in dict.fromkeys([*before, *after]):
        if key not in after:
            parts.append(f"{key} removed")
        elif key not in before:
            parts.append(f"{key} added" + (f" {_show(after[key])}" if _fits(after[key]) else ""))
        elif before[key] != after[key]:
            shown = _fits(before[key]) and _fits(after[key])
            parts.append(
                f"{key} {_show(before[key])} -> {_show(after[key])}" if shown else f"{key} changed"
            )
    return "changed: " + "; ".join(parts)


def _seed(document: Document) -> dict[str, str] | None:
    seed = document.seed
    return {"path": seed.path, "sha256": seed.sha256} if seed else None


def _by_id(items: Sequence[Any]) -> dict[str, Any]:
    return {item.id: item for item in items}


def _cluster_change(before: Cluster, after: Cluster) -> Change | None:
    if set(before.entities) == set(after.entities):
        return None
    added = [f"+{m}" for m in after.entities if m not in before.entities]
    removed = [f"-{m}" for m in before.entities if m not in after.entities]
    return Change(
        "~",
        "cluster",
        after.id,
        "members " + " ".join(added + removed),
        (("entities", list(before.entities), list(after.entities)),),
    )


def _diff_items(
    kind: str,
    olds: Sequence[Any],
    news: Sequence[Any],
    describe_old: Callable[[Any], str],
    describe_new: Callable[[Any], str],
    change: Callable[[Any, Any], Change | None],
) -> list[Change]:
    """Removed (``-``), then added (``+``) or changed (``~``) items of one kind, matched by id."""
    old_by_id, new_by_id = _by_id(olds), _by_id(news)
    changes = [
        Change("-", kind, item_id, describe_old(item))
        for item_id, item in old_by_id.items()
        if item_id not in new_by_id
    ]
    for item_id, item in new_by_id.items():
        if item_id not in old_by_id:
            changes.append(Change("+", kind, item_id, describe_new(item)))
        elif (changed := change(old_by_id[item_id], item)) is not None:
            changes.append(changed)
    return changes


def _field_change(kind: str, names: Sequence[str]) -> Callable[[Any, Any], Change | None]:
    def change(before: Any, after: Any) -> Change | None:
        fields = _field_changes(before, after, names)
        return _changed(kind, after.id, fields) if fields else None

    return change


def diff_documents(old: Document, new: Document) -> list[Change]:
    """The changes from ``old`` to ``new`` (two versions of one document)."""
    return (
        _document_fields(old, new)
        + _diff_items(
            "entity",
            old.entities,
            new.entities,
            describe_entity,
            describe_entity,
            _field_change("entity", ("type", "start", "end", "text")),
        )
        + _diff_items(
            "relation",
            old.relations,
            new.relations,
            lambda r: describe_relation(r, old),
            lambda r: describe_relation(r, new),
            _field_change("relation", ("type", "head", "tail")),
        )
        + _diff_items(
            "cluster",
            old.clusters,
            new.clusters,
            describe_cluster,
            describe_cluster,
            _cluster_change,
        )
    )


def diff(
    old: Sequence[Document],
    new: Sequence[Document],
    *,
    old_name: str = "old",
    new_name: str = "new",
) -> CorpusDiff:
    """The differences between two sets of documents, matched by document id."""
    olds: Mapping[str, Document] = _by_id(old)
    news: Mapping[str, Document] = _by_id(new)
    documents = []
    for document_id in sorted(set(olds) | set(news)):
        if document_id not in news:
            documents.append(
                DocumentDiff(document_id, "removed", tuple(_all("-", olds[document_id])))
            )
        elif document_id not in olds:
            documents.append(
                DocumentDiff(document_id, "added", tuple(_all("+", news[document_id])))
            )
        else:
            changes = diff_documents(olds[document_id], news[document_id])
            if changes:
                documents.append(DocumentDiff(document_id, "changed", tuple(changes)))
    return CorpusDiff(old_name, new_name, tuple(documents))

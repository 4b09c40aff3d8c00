"""The document model: frozen dataclasses for documents and their annotations.

Offsets everywhere in this package are 0-based, end-exclusive Unicode code points
of the stored text, i.e. ``document.text[entity.start:entity.end] == entity.text``.
This is what Python slicing and Label Studio use. The text is kept exactly as it
was stored (NBSP, curly quotes and dashes included); nothing is ever normalised.

This module imports nothing of ours, so every other module can depend on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entity:
    """A mention: a typed span of the document text."""

    id: str
    type: str
    start: int
    end: int
    text: str

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    def sort_key(self) -> tuple[int, int, str, str]:
        """Reading order: by start, longer (outer) spans first, then type and id."""
        return (self.start, -self.end, self.type, self.id)


@dataclass(frozen=True)
class Relation:
    """A typed, directed link from a head mention to a tail mention (by entity id)."""

    id: str
    type: str
    head: str
    tail: str


@dataclass(frozen=True)
class Cluster:
    """A coreference cluster: the ids of mentions that refer to one entity."""

    id: str
    entities: tuple[str, ...]


@dataclass(frozen=True)
class Seed:
    """The file the text was copied from, and the sha256 of its bytes."""

    path: str
    sha256: str


@dataclass(frozen=True)
class Document:
    """An annotated document. Equality compares every field, metadata included."""

    id: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    seed: Seed | None = None

    def entity(self, entity_id: str) -> Entity:
        """The entity with this id (KeyError if there is none)."""
        for entity in self.entities:
            if entity.id == entity_id:
                return entity
        raise KeyError(entity_id)

    @property
    def entities_by_id(self) -> dict[str, Entity]:
        return {entity.id: entity for entity in self.entities}

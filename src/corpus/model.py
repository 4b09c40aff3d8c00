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
from typing import Any, NoReturn


def _read_only(*args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError("document metadata is read-only; build a new Document instead")


class FrozenDict(dict[str, Any]):
    """A read-only, hashable ``dict`` (a JSON object of document metadata).

    A ``dict`` subclass so that it equals plain dicts, and ``json.dumps`` writes it as an
    object; every method that would change it raises ``TypeError``."""

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self


class FrozenList(list[Any]):
    """A read-only, hashable ``list`` (a JSON array inside document metadata)."""

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenList, (list(self),))

    def __copy__(self) -> FrozenList:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenList:
        return self


def freeze(value: Any) -> Any:
    """A JSON value with every object and array made read-only (and hashable)."""
    if isinstance(value, FrozenDict | FrozenList):
        return value
    if isinstance(value, Mapping):
        return FrozenDict((key, freeze(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return FrozenList(freeze(item) for item in value)
    return value


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
    """An annotated document. Equality compares every field, metadata included.

    ``metadata`` is stored read-only (a :class:`FrozenDict`, equal to the plain dict it was
    built from), so a document is immutable all the way down and hashable."""

    id: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    seed: Seed | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", freeze(self.metadata))

    def entity(self, entity_id: str) -> Entity:
        """The entity with this id (KeyError if there is none)."""
        for entity in self.entities:
            if entity.id == entity_id:
                return entity
        raise KeyError(entity_id)

    @property
    def entities_by_id(self) -> dict[str, Entity]:
        return {entity.id: entity for entity in self.entities}

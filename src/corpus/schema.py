"""The label inventory and the document JSON Schema, loaded from ``schema/``.

The schema files are the single source of labels: every other module (Label Studio
config, Hugging Face class labels, brat config, HTML legend) asks this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

LABELS_FILE = "labels.schema.json"
DOCUMENT_FILE = "document.schema.json"


def schema_dir() -> Path:
    """The folder with the schema files: packaged in a wheel, or the checkout's ``schema/``."""
    packaged = resources.files("corpus") / "_schema"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "schema"


@dataclass(frozen=True)
class EntityLabel:
    name: str
    title: str
    description: str
    color: str
    sources: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class RelationLabel:
    name: str
    title: str
    description: str
    head: tuple[str, ...]
    tail: tuple[str, ...]
    symmetric: bool
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    #: kept only so that older releases stay valid; the guidelines no longer annotate it
    deprecated: bool = False

    def allows(self, head_type: str, tail_type: str) -> bool:
        """Whether the inventory allows these argument types (either order if symmetric)."""
        if head_type in self.head and tail_type in self.tail:
            return True
        return self.symmetric and tail_type in self.head and head_type in self.tail


@dataclass(frozen=True)
class Inventory:
    """Entity and relation labels in their stable, schema-defined order."""

    version: str
    entities: tuple[EntityLabel, ...]
    relations: tuple[RelationLabel, ...]

    @property
    def entity_types(self) -> list[str]:
        return [label.name for label in self.entities]

    @property
    def relation_types(self) -> list[str]:
        return [label.name for label in self.relations]

    @cached_property
    def entity_type_set(self) -> frozenset[str]:
        """The entity labels, for membership tests."""
        return frozenset(label.name for label in self.entities)

    @cached_property
    def relation_by_name(self) -> dict[str, RelationLabel]:
        """Each relation label by its name (the first of a name, as :meth:`relation`)."""
        labels: dict[str, RelationLabel] = {}
        for label in self.relations:
            labels.setdefault(label.name, label)
        return labels

    @property
    def current_relation_types(self) -> list[str]:
        """Relation types the guidelines still annotate (schema order, deprecated ones left out)."""
        return [label.name for label in self.relations if not label.deprecated]

    def entity(self, name: str) -> EntityLabel:
        for label in self.entities:
            if label.name == name:
                return label
        raise KeyError(name)

    def relation(self, name: str) -> RelationLabel:
        return self.relation_by_name[name]


def load_schema_file(name: str) -> dict[str, Any]:
    with (schema_dir() / name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def inventory() -> Inventory:
    """The label inventory from ``schema/labels.schema.json``."""
    labels = load_schema_file(LABELS_FILE)
    defs = labels["$defs"]
    entities = tuple(
        EntityLabel(
            name=item["const"],
            title=item["title"],
            description=item["description"],
            color=item["x-color"],
            sources=dict(item.get("x-sources", {})),
        )
        for item in defs["EntityType"]["oneOf"]
    )
    relations = tuple(
        RelationLabel(
            name=item["const"],
            title=item["title"],
            description=item["description"],
            head=tuple(item["x-head"]),
            tail=tuple(item["x-tail"]),
            symmetric=bool(item["x-symmetric"]),
            sources=dict(item.get("x-sources", {})),
            deprecated=bool(item.get("x-deprecated", False)),
        )
        for item in defs["RelationType"]["oneOf"]
    )
    return Inventory(version=str(labels["x-version"]), entities=entities, relations=relations)


def schema_version() -> str:
    """The version of the document schema (``x-version``)."""
    return str(load_schema_file(DOCUMENT_FILE)["x-version"])


@cache
def document_validator() -> Any:
    """A draft 2020-12 validator for one document, with the label schema registered."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    labels = load_schema_file(LABELS_FILE)
    document = load_schema_file(DOCUMENT_FILE)
    registry: Registry[Any] = Registry().with_resources(
        [(schema["$id"], Resource.from_contents(schema)) for schema in (labels, document)]
    )
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document, registry=registry)


def compiled_check(
    schema: dict[str, Any], resources: tuple[dict[str, Any], ...] = ()
) -> Callable[[Any], bool]:
    """A yes/no check of ``schema`` compiled by ``jsonschema-rs`` (``resources``: schemas
    it refers to by ``$id``), a first pass in front of ``jsonschema``, the authority for
    every message. A value the compiled validator cannot take (a lone surrogate, a key that
    is not a string, ...) counts as not passed, so the verdict only errs towards the full
    pass."""
    import jsonschema_rs

    registry = jsonschema_rs.Registry([(r["$id"], r) for r in resources]) if resources else None
    validator = (
        jsonschema_rs.Draft202012Validator(schema, registry=registry)
        if registry is not None
        else jsonschema_rs.Draft202012Validator(schema)
    )

    def passes(data: Any) -> bool:
        try:
            return bool(validator.is_valid(data))
        except Exception:  # anything it cannot convert is for jsonschema to judge
            return False

    return passes


@cache
def fast_document_check() -> Callable[[Any], bool]:
    """A first pass compiled once per process (:func:`compiled_check`): ``True`` only for
    a document that satisfies the document schema; :func:`document_validator`
    (``jsonschema``) checks in full a document this does not pass."""
    return compiled_check(load_schema_file(DOCUMENT_FILE), (load_schema_file(LABELS_FILE),))

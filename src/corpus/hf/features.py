"""The configs of the built dataset and their declared ``datasets.Features``.

Class-label names come from the schema, in schema order, so a label appended to the
schema gets a new id and never renumbers the old ones. ``datasets`` is imported only by
:func:`features`.
"""

from __future__ import annotations

from typing import Any

from corpus.schema import Inventory, inventory
from corpus.tagging import ner_tag_names

CONFIGS = ("documents", "ner", "relations")
DEFAULT_CONFIG = "documents"
NO_RELATION = "no_relation"


def relation_label_names(labels: Inventory | None = None) -> list[str]:
    """``no_relation``, then the relation types in schema order (the ``relations`` config)."""
    labels = labels or inventory()
    return [NO_RELATION, *labels.relation_types]


def features(config: str, labels: Inventory | None = None) -> Any:
    """The ``datasets.Features`` of a config."""
    from datasets import ClassLabel, Features, List, Value

    labels = labels or inventory()
    entity_type = ClassLabel(names=labels.entity_types)
    if config == "documents":
        return Features(
            {
                "id": Value("string"),
                "version": Value("string"),
                "text": Value("string"),
                "entities": List(
                    {
                        "id": Value("string"),
                        "type": entity_type,
                        "start": Value("int32"),
                        "end": Value("int32"),
                        "text": Value("string"),
                    }
                ),
                "relations": List(
                    {
                        "id": Value("string"),
                        "type": ClassLabel(names=labels.relation_types),
                        "head": Value("string"),
                        "tail": Value("string"),
                    }
                ),
                "clusters": List({"id": Value("string"), "entities": List(Value("string"))}),
                "metadata": Value("string"),
                "seed": {"path": Value("string"), "sha256": Value("string")},
            }
        )
    if config == "ner":
        return Features(
            {
                "id": Value("string"),
                "document_id": Value("string"),
                "sentence": Value("int32"),
                "tokens": List(Value("string")),
                "ner_tags": List(ClassLabel(names=ner_tag_names(labels))),
                "token_starts": List(Value("int32")),
                "token_ends": List(Value("int32")),
            }
        )
    if config == "relations":
        return Features(
            {
                "id": Value("string"),
                "document_id": Value("string"),
                "sentence": Value("int32"),
                "tokens": List(Value("string")),
                "subj_start": Value("int32"),
                "subj_end": Value("int32"),
                "obj_start": Value("int32"),
                "obj_end": Value("int32"),
                "subj_type": entity_type,
                "obj_type": entity_type,
                "relation": ClassLabel(names=relation_label_names(labels)),
                "subj_id": Value("string"),
                "obj_id": Value("string"),
                "relation_id": Value("string"),
            }
        )
    raise ValueError(f"unknown config {config!r}; expected one of {', '.join(CONFIGS)}")

"""brat's collection files and names: ``annotation.conf``, ``visual.conf``, the suffixes and
the sidecar's identity, all generated from the schema (see :mod:`corpus.formats.brat`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from corpus.schema import Inventory, inventory

TEXT_SUFFIX = ".txt"
ANN_SUFFIX = ".ann"
SIDECAR_SUFFIX = ".corpus.json"
SIDECAR_FORMAT = "corpus-brat-sidecar"
SIDECAR_VERSION = 1
#: the brat equivalence type used for coreference clusters
COREF = "Coref"
NOTE_PREFIX = "corpus-id: "
DEFAULT_METADATA: dict[str, Any] = {
    "language": "und",
    "split": "train",
    "source": {
        "outlet": None,
        "url": None,
        "note": "imported from brat without a .corpus.json sidecar",
    },
}


def annotation_conf(labels: Inventory | None = None, used: Iterable[str] = ()) -> str:
    """brat's ``annotation.conf`` for the inventory.

    Relation types are the current ones (deprecated ones are not offered to annotators) and
    the deprecated ones in ``used`` (the types of the documents written), so that brat does
    not flag the relations of a release 1.x as unknown."""
    labels = labels or inventory()
    used = set(used)
    if COREF in labels.relation_types:
        raise ValueError(f"the relation type {COREF!r} clashes with the coreference equivalence")
    lines = [
        f"# Generated from schema/labels.schema.json (labels {labels.version}) by"
        " `corpus export brat`; edit the schema, not this file.",
        "[entities]",
        *labels.entity_types,
        "",
        "[relations]",
        "# Mentions may nest or share a span; they never cross.",
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:contain|equal",
        "# Coreference clusters are written as equivalences: '*<TAB>Coref T1 T2 ...'",
        f"{COREF}\tArg1:<ENTITY>, Arg2:<ENTITY>, <REL-TYPE>:symmetric-transitive",
    ]
    for relation in labels.relations:
        if relation.deprecated and relation.name not in used:
            continue
        args = f"Arg1:{'|'.join(relation.head)}, Arg2:{'|'.join(relation.tail)}"
        if relation.symmetric:
            args += ", <REL-TYPE>:symmetric"
        lines.append(f"{relation.name}\t{args}")
    lines += ["", "[events]", "", "[attributes]", ""]
    return "\n".join(lines)


def visual_conf(labels: Inventory | None = None) -> str:
    """brat's ``visual.conf``: each label's title and the schema's colour."""
    labels = labels or inventory()
    lines = ["# Generated from schema/labels.schema.json by `corpus export brat`.", "[labels]"]
    lines += [f"{label.name} | {label.title}" for label in labels.entities]
    lines += [f"{label.name} | {label.title}" for label in labels.relations]
    lines += [f"{COREF} | Coreference", "", "[drawing]"]
    lines += [f"{label.name}\tbgColor:{label.color}" for label in labels.entities]
    lines += [f"{COREF}\tdashArray:3-3, arrowHead:none", ""]
    return "\n".join(lines)

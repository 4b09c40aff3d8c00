"""The Label Studio labeling config generated from the label inventory, and the names the
config gives its controls (the ``from_name`` / ``to_name`` of every result item); see
:mod:`corpus.formats.labelstudio`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Literal

from corpus.schema import Inventory, inventory

#: names in the generated config (``from_name`` / ``to_name`` of results)
LABELS_NAME = "label"
TEXT_NAME = "text"
CLUSTER_NAME = "cluster"

ExportMode = Literal["predictions", "annotations", "none"]
EXPORT_MODES: tuple[ExportMode, ...] = ("predictions", "annotations", "none")


def label_config(labels: Inventory | None = None) -> str:
    """The labeling config XML for the inventory: spans, relations, clusters."""
    inv = labels or inventory()
    view = ET.Element("View")
    ET.SubElement(
        view,
        "Header",
        value="Select a label, then mark a span. Relations: select a mention, then the "
        "relation button. Coreference: give every mention of one entity the same cluster id.",
    )
    labels_tag = ET.SubElement(
        view, "Labels", name=LABELS_NAME, toName=TEXT_NAME, showInline="true"
    )
    for label in inv.entities:
        ET.SubElement(
            labels_tag,
            "Label",
            value=label.name,
            background=label.color,
            hint=f"{label.title}: {label.description}",
        )
    ET.SubElement(view, "Text", name=TEXT_NAME, value="$" + TEXT_NAME)
    relations_tag = ET.SubElement(view, "Relations")
    for relation in inv.relations:
        ET.SubElement(relations_tag, "Relation", value=relation.name)
    cluster_view = ET.SubElement(view, "View", visibleWhen="region-selected")
    ET.SubElement(cluster_view, "Header", value="Coreference cluster id of this mention")
    ET.SubElement(
        cluster_view,
        "TextArea",
        name=CLUSTER_NAME,
        toName=TEXT_NAME,
        perRegion="true",
        editable="true",
        maxSubmissions="1",
        rows="1",
        placeholder="e.g. C3 (same id = same entity)",
    )
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"

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
    """The labeling config XML for the inventory: spans, relations, clusters.

    Relations offer the types the guidelines still annotate (deprecated ones left out); the
    importer reads every type of the inventory, so releases 1.x round-trip unchanged."""
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
    # annotators are offered the current types only; a deprecated type still imports and shows
    for name in inv.current_relation_types:
        ET.SubElement(relations_tag, "Relation", value=name)
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

"""The generated labeling config: complete, escaped, and valid for the SDK's parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from label_studio_sdk.label_interface import LabelInterface

from corpus.formats import labelstudio
from corpus.schema import EntityLabel, Inventory, RelationLabel, inventory
from tests.labelstudio.ls_helpers import load_gold


def test_config_lists_every_label_with_colour_and_hint() -> None:
    root = ET.fromstring(labelstudio.label_config())
    labels = root.find("Labels")
    assert labels is not None and labels.get("name") == "label"
    inv = inventory()
    assert [x.get("value") for x in labels] == inv.entity_types
    for element, label in zip(labels, inv.entities, strict=True):
        assert element.get("background") == label.color
        assert label.description in (element.get("hint") or "")
    relations = root.find("Relations")
    assert relations is not None
    assert [x.get("value") for x in relations] == inv.current_relation_types
    cluster = root.find(".//TextArea")
    assert cluster is not None and cluster.get("perRegion") == "true"
    assert cluster.get("name") == labelstudio.CLUSTER_NAME


def test_config_is_valid_for_label_interface() -> None:
    interface = LabelInterface(labelstudio.label_config())
    interface.validate()
    assert list(interface.get_control("label").labels) == inventory().entity_types
    task = labelstudio.document_to_task(load_gold(), version="1.0.0", mode="predictions")
    assert interface.validate_prediction(task["predictions"][0], return_errors=True) == []
    assert interface.validate_annotation(
        labelstudio.document_to_task(load_gold(), version="1.0.0", mode="annotations")[
            "annotations"
        ][0]
    )


def test_label_names_are_xml_escaped() -> None:
    hostile = Inventory(
        version="0",
        entities=(EntityLabel('A<B & "C"', "T", "desc with <tags> & 'quotes'", "#000000"),),
        relations=(RelationLabel("r<&>", "R", "d", ('A<B & "C"',), ('A<B & "C"',), False),),
    )
    xml = labelstudio.label_config(hostile)
    root = ET.fromstring(xml)  # well-formed
    label = root.find("Labels/Label")
    assert label is not None and label.get("value") == 'A<B & "C"'
    relation = root.find("Relations/Relation")
    assert relation is not None and relation.get("value") == "r<&>"
    assert "&lt;B &amp; &quot;C&quot;" in xml


def test_deprecated_relation_types_are_not_offered_but_a_1x_task_still_validates() -> None:
    """Annotators pick from the current types; release 1.0.0's retired types still load.

    (Their import is the lossless round trip of test_convert, which reads release 1.0.0.)"""
    deprecated = {r.name for r in inventory().relations if r.deprecated}
    relations = ET.fromstring(labelstudio.label_config()).find("Relations")
    assert relations is not None
    assert deprecated and deprecated.isdisjoint(x.get("value") for x in relations)
    gold = load_gold()
    assert deprecated & {r.type for r in gold.relations}  # release 1.0.0 uses them
    task = labelstudio.document_to_task(gold, version="1.0.0", mode="predictions")
    interface = LabelInterface(labelstudio.label_config())
    assert interface.validate_prediction(task["predictions"][0], return_errors=True) == []

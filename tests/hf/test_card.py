"""The dataset card: its YAML validates with huggingface_hub's card classes and is what
``datasets`` reads; its body states provenance, licence, labels and counts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from string import Template
from typing import Any

from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, DatasetCardData

from corpus.hf import CONFIGS, DEFAULT_CONFIG, build_rows, features
from corpus.hf.card import TEMPLATE, CardFacts, card_body, card_fields
from corpus.model import Document
from corpus.schema import inventory


def card(built: tuple[Path, Any]) -> DatasetCard:
    folder, _ = built
    return DatasetCard.load(folder / "README.md")


def test_yaml_metadata_validates_with_the_card_classes(built: tuple[Path, Any]) -> None:
    data = card(built).data
    assert isinstance(data, DatasetCardData)
    again = DatasetCardData(**data.to_dict())  # raises on malformed metadata
    assert again.to_dict() == data.to_dict()
    assert data.language == ["en"]
    assert data.license == "other" and data.license_name and data.license_details
    assert data.pretty_name


def test_configs_and_features_are_what_datasets_reads(built: tuple[Path, Any]) -> None:
    folder, report = built
    data = card(built).data
    configs = MetadataConfigs.from_dataset_card_data(data)
    assert sorted(configs) == sorted(CONFIGS)
    assert [name for name, c in configs.items() if c.get("default")] == [DEFAULT_CONFIG]
    for name, config in configs.items():
        for entry in config["data_files"]:
            assert (folder / entry["path"]).is_file()
        assert [e["split"] for e in config["data_files"]] == list(report.rows[name])
    infos = DatasetInfosDict.from_dataset_card_data(data)
    for name in CONFIGS:
        assert infos[name].features == features(name)
        assert {s: infos[name].splits[s].num_examples for s in infos[name].splits} == report.rows[
            name
        ]


def test_body_states_provenance_licence_labels_counts_and_release(
    built: tuple[Path, Any], gold: list[Document], gold_version: str
) -> None:
    folder, report = built
    text = card(built).text
    for section in (
        "## Dataset Details",
        "## Uses",
        "### Out-of-Scope Use",
        "## Dataset Structure",
        "## Dataset Creation",
        "### Annotations",
        "#### Personal and Sensitive Information",
        "## Bias, Risks, and Limitations",
        "## Citation",
    ):
        assert section in text, section
    assert "**unknown**" in text  # outlet / URL of the article
    for document in gold:
        if document.metadata["source"]["outlet"] is None:
            assert f"`{document.id}`: outlet **unknown**; URL **unknown**" in text
    assert "MIT" in text and "copyright belongs" in text
    assert "annotations/GUIDELINES.md" in text
    assert gold_version in text
    labels = inventory()
    for label in labels.entities:
        count = sum(e.type == label.name for d in gold for e in d.entities)
        assert f"| `{label.name}` | {label.title} | {label.description} | {count} |" in text
    for relation in labels.relations:
        assert f"| `{relation.name}` | {relation.description} |" in text
    assert "appended" in text  # how label ids evolve
    assert str(folder) not in text  # no machine-specific path


def _annotated(document: Document, new_id: str, **annotation: object) -> Document:
    metadata = dict(document.metadata)
    metadata["annotation"] = {**dict(metadata.get("annotation") or {}), **annotation}
    return replace(document, id=new_id, metadata=metadata)


def test_body_facts_come_from_the_documents_not_the_template(gold: list[Document]) -> None:
    """Size, year, annotators and agreement are read from the data: three documents
    annotated in 2031 by two people, one with an agreement figure recorded."""
    documents = [
        _annotated(gold[0], "a", annotated_at="2031-03-04", annotators=["Ann", "Bo"]),
        _annotated(gold[0], "b", annotated_at="2030-12-31", annotators=["Bo"]),
        _annotated(gold[0], "c", agreement="kappa 0.81 on tokens"),
    ]
    _, report = build_rows(documents, "working")
    text = card_body(report, documents)
    assert "3 document(s)" in text and "one article" not in text
    assert "year   = {2031}" in text and "2026" not in text
    assert "Ann, Bo" in text
    assert "kappa 0.81 on tokens" in text
    assert "no inter-annotator agreement has been measured" not in text.lower()
    # a release is cited by its manifest's year
    assert "year   = {2029}" in card_body(report, documents, "2029-06-30")
    # nothing recorded: said to be unrecorded, and no year is made up
    bare = [replace(gold[0], id="x", metadata={"language": "en"})]
    _, bare_report = build_rows(bare, "working")
    bare_text = card_body(bare_report, bare)
    assert "year" not in bare_text.split("```bibtex")[1].split("```")[0]
    assert "No inter-annotator agreement is recorded" in bare_text
    assert "Not recorded in the documents' metadata." in bare_text


def test_the_facts_gathered_one_document_at_a_time_do_not_depend_on_their_order(
    gold: list[Document],
) -> None:
    """The build gathers the card's facts as documents come (CardFacts, never holding
    them): any arrival order gives the card a pass over the documents in id order gives."""
    documents = [
        _annotated(gold[0], "c", annotated_at="2031-03-04", annotators=["Cy", "Ann"]),
        _annotated(gold[0], "a", annotators=["Bo", "Ann"], agreement="kappa 0.7"),
        _annotated(gold[0], "b", annotated_at="2030-12-31", annotators=["Bo", "Di"]),
    ]
    _, report = build_rows(sorted(documents, key=lambda d: d.id), "working")
    expected = card_body(report, sorted(documents, key=lambda d: d.id))
    facts = CardFacts()
    for document in documents:  # c, a, b
        facts.add(document)
    assert facts.recorded("annotators") == ["Bo", "Ann", "Di", "Cy"]  # a's, then b's, c's
    assert card_body(report, facts) == expected
    assert card_body(report, reversed(documents)) == expected


def test_every_template_field_is_filled(built: tuple[Path, Any], gold: list[Document]) -> None:
    _, report = built
    assert "${" not in card(built).text
    fields = set(card_fields(report, gold))
    matches = Template.pattern.finditer(TEMPLATE.read_text(encoding="utf-8"))
    used = {m["named"] or m["braced"] for m in matches if m["named"] or m["braced"]}
    assert used == fields  # no field computed for nothing, none missing

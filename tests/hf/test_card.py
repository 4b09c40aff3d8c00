"""The dataset card: its YAML validates with huggingface_hub's card classes and is what
``datasets`` reads; its body states provenance, licence, labels and counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, DatasetCardData

from corpus.hf import CONFIGS, DEFAULT_CONFIG, features
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

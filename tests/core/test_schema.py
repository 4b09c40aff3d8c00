"""The label schema: deprecation, append-only growth and its version against every release."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from corpus import schema
from corpus.manifest import parse_version
from corpus.schema import LABELS_FILE, inventory
from tests.core.core_helpers import REPO

RELEASES = REPO / "annotations" / "releases"


def manifests() -> list[dict[str, Any]]:
    return [
        json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for folder in sorted(RELEASES.iterdir())
        if (folder / "manifest.json").is_file()
    ]


def load_inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Any) -> Any:
    """The inventory parsed from an edited copy of the real schema folder (cache bypassed)."""
    folder = tmp_path / "schema"
    shutil.copytree(schema.schema_dir(), folder)
    labels = json.loads((folder / LABELS_FILE).read_text(encoding="utf-8"))
    edit(labels["$defs"]["RelationType"]["oneOf"])
    (folder / LABELS_FILE).write_text(json.dumps(labels), encoding="utf-8")
    monkeypatch.setattr(schema, "schema_dir", lambda: folder)
    return schema.inventory.__wrapped__()


def test_deprecated_flag_is_read_and_leaves_current_relation_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def flip(relations: list[dict[str, Any]]) -> None:
        for item in relations:
            item.pop("x-deprecated", None)
        relations[0]["x-deprecated"] = True

    labels = load_inventory(tmp_path, monkeypatch, flip)
    first = labels.relations[0]
    assert first.deprecated and not any(r.deprecated for r in labels.relations[1:])
    assert labels.current_relation_types == labels.relation_types[1:]
    assert labels.relation_types == inventory().relation_types  # order and ids untouched


def test_current_relation_types_follow_the_schema_file() -> None:
    raw = json.loads((schema.schema_dir() / LABELS_FILE).read_text(encoding="utf-8"))
    deprecated = {
        item["const"] for item in raw["$defs"]["RelationType"]["oneOf"] if item.get("x-deprecated")
    }
    labels = inventory()
    assert [r.name for r in labels.relations if r.deprecated] == [
        name for name in labels.relation_types if name in deprecated
    ]
    assert set(labels.current_relation_types) == set(labels.relation_types) - deprecated


@pytest.mark.skipif(not RELEASES.is_dir(), reason="no release made yet")
@pytest.mark.parametrize("kind", ["entities", "relations"])
def test_labels_of_every_release_are_a_prefix_of_the_schema(kind: str) -> None:
    """Labels are only appended: a release's labels keep their class ids in the newest schema."""
    labels = inventory()
    current = labels.entity_types if kind == "entities" else labels.relation_types
    for manifest in manifests():
        recorded = list(manifest["counts"][kind])
        assert recorded == current[: len(recorded)], manifest["version"]


@pytest.mark.skipif(not RELEASES.is_dir(), reason="no release made yet")
def test_schema_version_is_not_older_than_any_release_and_keeps_its_major() -> None:
    """Every release validates against the newest schema, so no release can need a newer major."""
    current = parse_version(inventory().version)
    assert current is not None
    for manifest in manifests():
        recorded = parse_version(manifest["labels_version"])
        assert recorded is not None and recorded <= current, manifest["version"]
        assert recorded[0] == current[0], manifest["version"]

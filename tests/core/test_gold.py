"""The real gold release 1.0.0: it validates, and corrupted copies of it fail with located
one-line problems (the copies live in tmp folders; the real release is only read)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from corpus import release
from corpus.cli import main
from corpus.sources import validate_paths
from tests.core.core_helpers import DOC_ID, REPO, rewrite

GOLD = REPO / "annotations" / "releases" / "1.0.0"
pytestmark = pytest.mark.skipif(not GOLD.is_dir(), reason="release 1.0.0 not made yet")


def test_real_annotations_validate() -> None:
    assert validate_paths(root=REPO) == []
    documents = release.load_release("1.0.0", root=REPO)
    assert [d.id for d in documents] == [DOC_ID]
    manifest = json.loads((GOLD / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["entities"]["PER"] == sum(
        e.type == "PER" for e in documents[0].entities
    )


@pytest.fixture
def gold_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "seeds", root / "seeds")
    shutil.copytree(GOLD, root / "annotations" / "releases" / "1.0.0")
    shutil.copy(REPO / "annotations" / "CHANGELOG.md", root / "annotations" / "CHANGELOG.md")
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    return root


def gold_doc(root: Path) -> Path:
    return root / "annotations" / "releases" / "1.0.0" / "documents" / f"{DOC_ID}.json"


def first(data: dict[str, Any], key: str, **where: str) -> dict[str, Any]:
    return next(x for x in data[key] if all(x.get(k) == v for k, v in where.items()))


def wrong_offset(data: dict[str, Any]) -> None:
    data["entities"][0]["end"] += 1


def unknown_label(data: dict[str, Any]) -> None:
    data["entities"][0]["type"] = "PERSON"


def dangling(data: dict[str, Any]) -> None:
    data["relations"][0]["tail"] = "T9999"


def ill_typed(data: dict[str, Any]) -> None:
    relation = first(data, "relations", type="has_title")
    relation["tail"] = relation["head"]  # PER has_title PER
    relation["head"] = first(data, "entities", type="GPE")["id"]


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (wrong_offset, "SPAN_TEXT_MISMATCH"),
        (unknown_label, "UNKNOWN_ENTITY_TYPE"),
        (dangling, "DANGLING_TAIL"),
        (ill_typed, "RELATION_TYPE_NOT_ALLOWED"),
    ],
)
def test_corrupted_gold(
    gold_copy: Path, mutate: Any, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rewrite(gold_doc(gold_copy), mutate)
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert f": {code}: " in out and "CHECKSUM_MISMATCH" in out
    assert "Traceback" not in out


def test_gold_broken_json_and_changed_seed(
    gold_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = gold_copy / "seeds" / f"{DOC_ID}.txt"
    seed.write_bytes(seed.read_bytes().replace(b"\xe2\x80\x94", b"-"))  # em dash
    assert main(["validate"]) == 1
    assert "/text: SEED_TEXT_MISMATCH: " in capsys.readouterr().out
    gold_doc(gold_copy).write_text('{"id": ', encoding="utf-8")
    assert main(["validate"]) == 2
    assert ": NOT_JSON: " in capsys.readouterr().out

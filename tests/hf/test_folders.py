"""Builds never mix: ``build/dataset/`` holds releases only (and says which), a working-copy
build goes to ``build/dataset-working/``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import corpus
from corpus.cli import main
from corpus.hf import BUILD_INFO_FILE, default_output
from corpus.release import latest_version


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project_root: Path) -> Path:
    """A copy of the project (schema, seeds, working copy and releases)."""
    root = tmp_path / "project"
    for part in ("schema", "seeds", "annotations"):
        shutil.copytree(project_root / part, root / part)
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    monkeypatch.chdir(tmp_path)
    return root


def build_info(folder: Path) -> dict[str, object]:
    info: dict[str, object] = json.loads((folder / BUILD_INFO_FILE).read_text(encoding="utf-8"))
    return info


def test_the_working_copy_builds_beside_the_release_build(project: Path) -> None:
    """`corpus.load_dataset(..., version="working")` used to rebuild build/dataset from the
    working copy, so `load_dataset("build/dataset", "ner")` got unreleased data."""
    released = latest_version()
    assert released is not None
    releases, working = project / "build" / "dataset", project / "build" / "dataset-working"
    assert default_output() == default_output(released) == releases
    assert default_output("working") == working

    corpus.load_dataset("ner")
    assert build_info(releases)["version"] == released and build_info(releases)["release"]
    card = (releases / "README.md").read_text(encoding="utf-8")
    assert f"from release **{released}**" in card
    before = {p: p.read_bytes() for p in releases.rglob("*") if p.is_file()}

    corpus.load_dataset("documents", version="working")
    assert build_info(working)["version"] == "working" and not build_info(working)["release"]
    assert "the **working copy** (not a release" in (working / "README.md").read_text("utf-8")
    assert {p: p.read_bytes() for p in releases.rglob("*") if p.is_file()} == before


def test_build_dataset_refuses_anything_but_a_release(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    releases = project / "build" / "dataset"
    assert main(["build"]) == 0
    before = {p: p.read_bytes() for p in releases.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main(["build", "--version", "working", "-o", str(releases)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and ": OUTPUT_RELEASES_ONLY: " in err[0]
    assert str(project / "build" / "dataset-working") in err[0]
    assert {p: p.read_bytes() for p in releases.rglob("*") if p.is_file()} == before

    assert main(["build", "--version", "working"]) == 0
    out = capsys.readouterr().out
    assert f"output: {project / 'build' / 'dataset-working'}" in out
    assert {p: p.read_bytes() for p in releases.rglob("*") if p.is_file()} == before

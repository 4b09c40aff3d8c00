"""Fixtures of the grow tests: a throw-away copy of the project (schema, seeds, the gold
working copy, the releases and the changelog).

Every test works in ``tmp_path`` with ``CORPUS_ROOT`` pointing at it, so the real
``annotations/`` and ``seeds/`` are never touched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.grow.grow_helpers import REPO


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root holding the real schema, seeds, working copy and releases."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "schema", root / "schema")
    shutil.copytree(REPO / "seeds", root / "seeds")
    shutil.copytree(REPO / "annotations", root / "annotations")
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    monkeypatch.chdir(tmp_path)
    return root

"""Fixtures of the core tests: a throw-away copy of the project with one valid document.

Every test works in ``tmp_path`` with ``CORPUS_ROOT`` pointing at it, so the real
``annotations/`` is never touched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.core.core_helpers import FIXTURE, REPO


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A minimal project root: schema, seeds, and a working copy holding the fixture."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "schema", root / "schema")
    shutil.copytree(REPO / "seeds", root / "seeds")
    (root / "annotations" / "working").mkdir(parents=True)
    shutil.copy(FIXTURE, root / "annotations" / "working" / FIXTURE.name)
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    monkeypatch.chdir(tmp_path)
    return root


@pytest.fixture
def working_doc(project: Path) -> Path:
    return project / "annotations" / "working" / FIXTURE.name

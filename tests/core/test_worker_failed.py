"""A worker process that dies (killed, out of memory) ends the command with one problem line
and exit status 2, never a traceback, and nothing half-made is left behind."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from corpus import validate
from corpus.cli import main
from corpus.hf import pipeline
from tests.core.core_helpers import fixture_data

LINE = (
    "-: -: /: WORKER_FAILED: a worker process stopped before its work was done (killed, or out "
    "of memory); nothing was published: run the command again, or with CORPUS_JOBS=1 in one "
    "process\n"
)


def _die(*_: Any, **__: Any) -> Any:
    os._exit(9)  # as a worker killed by the system: no exception, no clean-up


def _documents(folder: Path, count: int) -> None:
    gold = fixture_data()
    for index in range(count):
        data = json.loads(json.dumps(gold))
        data["id"] = f"doc_{index:03d}"
        (folder / f"{data['id']}.json").write_text(json.dumps(data), encoding="utf-8")


def test_validate(
    working_doc: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _documents(working_doc.parent, 6)
    monkeypatch.setenv("CORPUS_JOBS", "2")
    monkeypatch.setattr(validate, "_check_named", _die)  # the forked workers inherit it
    assert main(["validate", str(working_doc.parent)]) == 2
    assert capsys.readouterr().err == LINE


def test_build_publishes_nothing(
    project: Path,
    working_doc: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _documents(working_doc.parent, 6)
    working_doc.unlink()
    monkeypatch.setenv("CORPUS_JOBS", "2")
    monkeypatch.setattr(pipeline, "_rows_of", _die)
    output = project / "out"
    assert main(["build", "--version", "working", "-o", str(output)]) == 2
    assert capsys.readouterr().err == LINE
    assert not output.exists()
    assert [p.name for p in project.iterdir() if p.name.startswith(".")] == []

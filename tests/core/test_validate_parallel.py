"""Many files are checked in several processes, with the same reports as in one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpus.validate import PARALLEL_FROM, _jobs, check_folder
from corpus.workers import cores
from tests.core.core_helpers import fixture_data


def test_jobs_follow_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORPUS_JOBS", raising=False)
    # by default, one process per core only for a large check that keeps no document
    assert _jobs(3) == 1 and _jobs(100_000) == 1
    assert _jobs(3, documents=False) == 1
    assert _jobs(PARALLEL_FROM - 1, documents=False) == 1
    assert _jobs(PARALLEL_FROM, documents=False) == min(cores(), 8)
    monkeypatch.setattr("corpus.workers.cores", lambda: 32)
    assert _jobs(100_000, documents=False) == 8
    monkeypatch.setenv("CORPUS_JOBS", "1")
    assert _jobs(100_000, documents=False) == 1
    monkeypatch.setenv("CORPUS_JOBS", "2")
    assert _jobs(3) == 2 and _jobs(1) == 1
    monkeypatch.setenv("CORPUS_JOBS", "1")
    assert _jobs(100_000) == 1
    monkeypatch.setenv("CORPUS_JOBS", "many")
    assert _jobs(100_000) == 1


def test_processes_give_the_same_report(
    project: Path, working_doc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = working_doc.parent
    gold = fixture_data()
    for index in range(40):
        data = json.loads(json.dumps(gold))
        data["id"] = f"doc_{index:03d}"
        if index % 7 == 3:
            data["entities"][index % 10]["type"] = "PERSON"
        if index % 11 == 5:
            data["relations"][0]["head"] = "T99"
        (folder / f"{data['id']}.json").write_text(json.dumps(data), encoding="utf-8")
    shutil.copy(folder / "doc_001.json", folder / "doc_001_copy.json")  # a duplicate id
    (folder / "doc_broken.json").write_text("{", encoding="utf-8")

    monkeypatch.setenv("CORPUS_JOBS", "1")
    serial = check_folder(folder, root=project)
    monkeypatch.setenv("CORPUS_JOBS", "2")
    parallel = check_folder(folder, root=project)
    assert {p.code for p in serial.problems} >= {
        "UNKNOWN_ENTITY_TYPE",
        "DANGLING_HEAD",
        "DUPLICATE_ID",
        "FILE_NAME_MISMATCH",
        "NOT_JSON",
    }
    assert parallel.problems == serial.problems
    assert parallel.ids == serial.ids and len(serial.ids) > 30
    assert parallel.tally.counts() == serial.tally.counts()
    assert parallel.files == serial.files == 43

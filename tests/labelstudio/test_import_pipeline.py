"""The import's second pass: what it computes once instead of per document gives what it
gave per document."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from corpus import ls_project, release
from corpus.formats import labelstudio
from corpus.fsutil import FileSet
from corpus.ls_project import ExportFile, _display, _displays, import_export
from corpus.model import Document
from tests.labelstudio.ls_helpers import add_ui_region, as_export
from tests.labelstudio.test_scale import many_documents
from tests.labelstudio.test_stream import outcome, renamed


def test_displays_of_many_files_are_the_display_of_each(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "annotations" / "working").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "annotations" / "linked").symlink_to(outside)  # a folder out of the project
    (root / "annotations" / "inside").symlink_to(root / "annotations" / "working")
    (root / "annotations" / "working" / "b.json").symlink_to(outside / "b.json")
    (root / "annotations" / "working" / "a.json").write_text("{}")
    paths = [
        root / "annotations" / "working" / "a.json",  # a file
        root / "annotations" / "working" / "new.json",  # not yet written
        root / "annotations" / "working" / "b.json",  # a symlink out of the project
        root / "annotations" / "linked" / "c.json",  # in a folder linked out
        root / "annotations" / "inside" / "d.json",  # in a folder linked in
        outside / "e.json",
        root / "annotations" / "working" / "sub" / ".." / "f.json",
    ]
    display = _displays(root)
    for path in paths * 2:  # the second time from what was kept
        assert display(path) == _display(path, root), path
    assert display(paths[0]) == os.path.join("annotations", "working", "a.json")


# --------------------------------------------------------------------------- workers


def import_with(
    jobs: int,
    export: Any,
    tmp_path: Path,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
    **options: Any,
) -> tuple[Any, ...]:
    """What importing ``export`` (from a file) did with ``jobs`` processes: its problems or
    what it wrote, and how many documents this process checked itself."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / f"{name}-{jobs}"
    if options.pop("adjudicate", False):
        options["adjudication_dir"] = out / "adjudication"
    checked_here: list[str] = []
    real_check = ls_project._check

    def check(document: Document, *args: Any) -> Any:
        checked_here.append(document.id)
        return real_check(document, *args)

    with monkeypatch.context() as patch:
        patch.setenv("CORPUS_JOBS", str(jobs))
        patch.setattr(ls_project, "_check", check)  # the workers fork with their own count
        done = outcome(
            lambda: import_export(ExportFile(path), file=str(path), out_dir=out, **options), out
        )
    return renamed(done, f"{name}-{jobs}", "OUT"), len(checked_here)


@pytest.fixture
def many_tasks(project: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """An export of 30 tasks, sent to the workers 3 at a time (10 chunks)."""
    monkeypatch.setattr(ls_project, "CHUNK_TASKS", 3)
    documents = many_documents(project, 30)
    return as_export(labelstudio.write(documents, version="working", mode="annotations"))


def test_workers_write_what_one_process_writes(
    many_tasks: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_ui_region(many_tasks[7])  # a region drawn in the UI: a fresh id
    one, checked_by_one = import_with(1, many_tasks, tmp_path, "export", monkeypatch)
    two, checked_by_two = import_with(2, many_tasks, tmp_path, "export", monkeypatch)
    assert one[0] == "written" and len(one[2]) == 30
    assert two == one
    assert (checked_by_one, checked_by_two) == (30, 0)  # the workers checked every document
    dry_one, _ = import_with(1, many_tasks, tmp_path, "dry", monkeypatch, dry_run=True)
    dry_two, _ = import_with(2, many_tasks, tmp_path, "dry", monkeypatch, dry_run=True)
    assert dry_one[0] == "written" and dry_two == dry_one


def test_workers_report_what_one_process_reports(
    many_tasks: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Problems in the middle, at the ends and across chunks; a document given twice; a
    document validation refuses; an overwrite refused: the same problems, in the same
    order, and nothing written."""

    def offset(index: int) -> Callable[[list[Any]], None]:
        def edit(export: list[Any]) -> None:
            export[index]["annotations"][0]["result"][0]["value"]["end"] = 10**6

        return edit

    def twice(export: list[Any]) -> None:
        export[20] = copy.deepcopy(export[4])

    def crossing(export: list[Any]) -> None:  # only validation sees crossing spans
        result = export[13]["annotations"][0]["result"]
        first = next(i for i in result if i["type"] == "labels")
        text = export[13]["data"]["text"]
        start, end = first["value"]["start"] + 1, first["value"]["end"] + 3
        result.append(
            {
                **copy.deepcopy(first),
                "id": "crossing",
                "value": {
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "labels": first["value"]["labels"],
                },
            }
        )

    def seed_missing(export: list[Any]) -> None:
        export[16]["data"]["document_id"] = "nowhere"

    cases: dict[str, list[Callable[[list[Any]], None]]] = {
        "middle": [offset(15)],
        "first and last": [offset(0), offset(29)],
        "one per chunk": [offset(n) for n in range(1, 30, 3)],
        "a document twice": [twice],
        "validation": [crossing],
        "validation and the reader": [crossing, seed_missing],
    }
    for name, edits in cases.items():
        broken = copy.deepcopy(many_tasks)
        for edit in edits:
            edit(broken)
        one, _ = import_with(1, broken, tmp_path, name.replace(" ", "_"), monkeypatch)
        two, _ = import_with(2, broken, tmp_path, name.replace(" ", "_"), monkeypatch)
        assert one[0] == "problems" and one[2] == {}, name
        assert two == one, name


def test_workers_raise_what_one_process_raises_for_a_broken_release(
    many_tasks: list[dict[str, Any]],
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A release document the import reads that is not what the release says raises its
    problems when its task is read, in one process or in a worker."""
    release.create_release("2.0.0", "for the broken one", root=project, date="2026-11-27")
    broken = project / "annotations" / "releases" / "2.0.0" / "documents" / "many_0012.json"
    broken.write_text(broken.read_text(encoding="utf-8").replace('"PER"', '"NOPE"', 1))
    one, _ = import_with(1, many_tasks, tmp_path, "release", monkeypatch)
    two, _ = import_with(2, many_tasks, tmp_path, "release", monkeypatch)
    assert one[0] == "problems" and one[2] == {}
    assert two == one


def test_workers_route_each_annotator_for_adjudication_as_one_process_does(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ls_project, "CHUNK_TASKS", 2)
    documents = many_documents(project, 6)
    export = as_export(
        labelstudio.write(documents, version="working", mode="annotations"), annotators=(1, 2)
    )
    del export[2]["annotations"][1]  # one annotator only: to the working copy
    one, _ = import_with(1, export, tmp_path, "adjudicate", monkeypatch, adjudicate=True)
    two, _ = import_with(2, export, tmp_path, "adjudicate", monkeypatch, adjudicate=True)
    assert one[0] == "written" and two == one
    assert sum("/OUT/adjudication/" in repr(w) for w in one[1]) == 10


def test_import_jobs() -> None:
    assert ls_project.import_jobs(1) == 1
    assert ls_project.import_jobs(ls_project.PARALLEL_FROM_TASKS - 1) == 1
    assert 1 <= ls_project.import_jobs(ls_project.PARALLEL_FROM_TASKS) <= 2


def test_workers_name_the_annotators_they_met(
    many_tasks: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--annotator`` naming nobody: the message lists the annotators every worker met."""
    for number, task in enumerate(many_tasks):
        task["annotations"][0]["completed_by"] = {"id": number % 4, "email": f"a{number % 4}@x"}
    nobody = labelstudio.Selection(annotator="nobody")
    one, _ = import_with(1, many_tasks, tmp_path, "who", monkeypatch, selection=nobody)
    two, _ = import_with(2, many_tasks, tmp_path, "who", monkeypatch, selection=nobody)
    assert one[0] == "problems" and two == one
    assert "a0@x, a1@x, a2@x, a3@x" in repr(one[1])


# --------------------------------------------------------------------------- staging


def test_staging_in_its_own_thread_stops_at_the_first_failure_as_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are staged in the order given; the first that fails (here: its folder is a
    file) is the failure, and nothing after it is staged, as when each is staged in turn."""
    monkeypatch.setattr(ls_project._Stager, "AHEAD", 2)  # the bound is reached
    for name in ("blocked", "blocked-too"):
        (tmp_path / name).write_text("a file, not a folder")
    paths = [tmp_path / "out" / f"{n}.json" for n in range(5)]
    paths[3] = tmp_path / "blocked" / "3.json"
    staged = FileSet()
    stager = ls_project._Stager(staged)
    for path in [*paths, tmp_path / "blocked-too" / "5.json"]:
        stager.stage(path, path.name.encode())
    failure = stager.wait()
    assert failure is not None and os.fsdecode(failure.filename) == str(tmp_path / "blocked")
    assert [target for _, target in staged.staged] == paths[:3]
    staged.commit()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.json", "1.json", "2.json"]
    assert (tmp_path / "out" / "2.json").read_bytes() == b"2.json"

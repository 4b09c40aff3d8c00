"""What ``corpus ls import`` says and records when the export names no task, annotation or
annotator: our own ``ls export --as annotations`` output, imported as it is (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.cli import main
from tests.labelstudio.ls_helpers import GOLD_ID, as_export


def own_export(tmp_path: Path) -> Path:
    target = tmp_path / "tasks.json"
    assert main(["ls", "export", "--as", "annotations", "-o", str(target)]) == 0
    tasks = json.loads(target.read_text(encoding="utf-8"))
    assert all("id" not in t and "completed_by" not in t["annotations"][0] for t in tasks)
    return target


def test_importing_our_own_export_names_nothing_it_does_not_have(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to print "task None annotation None by user None" and record the annotator
    "user None", no date and the origin "Label Studio task None annotation None"."""
    export = own_export(tmp_path)
    capsys.readouterr()
    assert main(["ls", "import", str(export)]) == 0
    out = capsys.readouterr().out
    assert "None" not in out
    first = out.splitlines()[0]
    assert first.startswith(
        f"wrote annotations/working/{GOLD_ID}.json: an annotation with no task id, "
        "annotation id or annotator: "
    )
    # what the annotation does not say stays as recorded: the round trip changes nothing
    released = project / "annotations" / "releases" / "1.0.0" / "documents" / f"{GOLD_ID}.json"
    working = project / "annotations" / "working" / f"{GOLD_ID}.json"
    assert working.read_bytes() == released.read_bytes()


def test_what_the_export_has_is_named(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = json.loads(own_export(tmp_path).read_text(encoding="utf-8"))
    export = as_export(tasks)  # task and annotation ids, completed_by, timestamps
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    capsys.readouterr()
    assert main(["ls", "import", str(path)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"wrote annotations/working/{GOLD_ID}.json: task 1 annotation 101 by ")
    document = json.loads(
        (project / "annotations" / "working" / f"{GOLD_ID}.json").read_text(encoding="utf-8")
    )
    record = document["metadata"]["annotation"]
    assert record["annotators"] == ["user 1"]
    assert record["origin"] == "Label Studio task 1 annotation 101"
    assert record["annotated_at"] == export[0]["annotations"][0]["updated_at"]


def test_a_problem_in_an_export_without_ids_is_located_by_its_pointer(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = own_export(tmp_path)
    tasks = json.loads(export.read_text(encoding="utf-8"))
    tasks[0]["annotations"][0]["result"][0]["value"]["end"] = 99999
    export.write_text(json.dumps(tasks), encoding="utf-8")
    capsys.readouterr()
    assert main(["ls", "import", str(export)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "OFFSET_OUT_OF_RANGE" in err[0]
    assert "None" not in err[0] and "/0/annotations/0/result/0" in err[0]

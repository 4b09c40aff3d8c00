"""Label Studio at project scale, without a server: pre-annotated tasks for documents not
annotated yet, an importer that never takes predictions for annotations, and documents
annotated by several people kept per annotator for adjudication.

The new texts are written by the tests themselves (short sentences reusing names of the
gold article, so that the gazetteer has something to find)."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from corpus import sources
from corpus.cli import main
from corpus.errors import CorpusError, Location, Problem
from corpus.formats import labelstudio
from corpus.ls_project import _in_export, import_export, submitted
from corpus.model import Document
from corpus.preannotate import Gazetteer
from corpus.release import load_release
from tests.labelstudio.ls_helpers import GOLD_ID, as_export, load_gold, snapshot

NEW_ID = "visit_note"
NEW_TEXT = "Eskandar Momeni met the Tajik president in Dushanbe to discuss drug trafficking.\n"


def add_text(root: Path, tmp_path: Path, doc_id: str = NEW_ID, text: str = NEW_TEXT) -> None:
    source = tmp_path / f"{doc_id}.txt"
    source.write_text(text, encoding="utf-8")
    assert main(["add", str(source), "--id", doc_id]) == 0


def exported(tmp_path: Path, *options: str) -> list[dict[str, Any]]:
    out = tmp_path / "tasks.json"
    assert main(["ls", "export", "--version", "working", "-o", str(out), *options]) == 0
    tasks: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
    return tasks


def task_of(tasks: list[dict[str, Any]], document_id: str) -> dict[str, Any]:
    return next(t for t in tasks if t["data"]["document_id"] == document_id)


# --------------------------------------------------------------------------- the writer


def test_a_document_not_annotated_yet_sends_no_empty_annotation() -> None:
    blank = Document(NEW_ID, NEW_TEXT, metadata={"annotation": {"annotators": []}})
    prediction = {"model_version": "m", "score": 0.5, "result": []}
    assert not labelstudio.is_annotated(blank)
    for mode in labelstudio.EXPORT_MODES:
        task = labelstudio.document_to_task(blank, version="working", mode=mode)
        assert "predictions" not in task and "annotations" not in task, mode
    for mode in ("predictions", "annotations"):
        task = labelstudio.document_to_task(
            blank, version="working", mode=mode, prediction=prediction
        )
        assert task["predictions"] == [prediction] and "annotations" not in task
    blank_task = labelstudio.document_to_task(
        blank, version="working", mode="none", prediction=prediction
    )
    assert "predictions" not in blank_task
    # someone annotated it and found nothing: that empty annotation travels as one
    nothing = Document(NEW_ID, NEW_TEXT, metadata={"annotation": {"annotators": ["ann"]}})
    assert labelstudio.is_annotated(nothing)
    task = labelstudio.document_to_task(
        nothing, version="working", mode="annotations", prediction=prediction
    )
    assert task["annotations"] == [{"result": [], "ground_truth": False}]
    assert "predictions" not in task
    gold = load_gold()
    task = labelstudio.document_to_task(
        gold, version="1.0.0", mode="predictions", prediction=prediction
    )
    assert task["predictions"][0]["model_version"] == "1.0.0"  # its own annotations


def test_write_asks_for_predictions_only_of_documents_not_annotated_yet() -> None:
    asked: list[str] = []

    def predict(document: Document) -> dict[str, Any]:
        asked.append(document.id)
        return {"model_version": "m", "score": 1.0, "result": []}

    blank = Document(NEW_ID, NEW_TEXT, metadata={})
    tasks = labelstudio.write(
        [load_gold(), blank], version="w", mode="predictions", predict=predict
    )
    assert asked == [NEW_ID]
    assert tasks[1]["predictions"][0]["model_version"] == "m"
    labelstudio.write([load_gold(), blank], version="w", mode="none", predict=predict)
    assert asked == [NEW_ID]


# --------------------------------------------------------------------------- ls export


def test_export_pre_annotates_new_documents_with_the_gazetteer(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_text(project, tmp_path)
    before = snapshot(project)
    capsys.readouterr()
    tasks = exported(tmp_path)
    err = capsys.readouterr().err
    assert "1 document(s) not annotated yet carry predictions of gazetteer-1.0.0" in err
    assert snapshot(project) == before  # predictions are never written to annotations/
    new = task_of(tasks, NEW_ID)
    assert "annotations" not in new
    (prediction,) = new["predictions"]
    assert prediction["model_version"] == "gazetteer-1.0.0"
    expected = Gazetteer.from_documents(load_release("1.0.0", project))(NEW_TEXT)
    regions = prediction["result"]
    assert [(r["value"]["start"], r["value"]["end"], r["value"]["labels"]) for r in regions] == [
        (p.start, p.end, [p.type]) for p in expected
    ]
    assert ("Dushanbe", ["GPE"]) in [(r["value"]["text"], r["value"]["labels"]) for r in regions]
    assert prediction["score"] == pytest.approx(sum(p.score for p in expected) / len(expected))
    # the annotated gold travels as its own annotations, not pre-annotated
    gold = task_of(tasks, GOLD_ID)
    assert [p["model_version"] for p in gold["predictions"]] == ["working"]
    assert gold["predictions"][0]["result"] == labelstudio.document_result(load_gold())


HOOK = textwrap.dedent(
    """
    from corpus.preannotate import Prediction

    def predict(text):
        start = text.index("Dushanbe")
        return [Prediction("LOC", start, start + 8, "Dushanbe", 0.25)]

    predict.model_version = "capital-finder-0.1"
    """
)


def test_pre_annotator_options(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_text(project, tmp_path)
    assert "predictions" not in task_of(exported(tmp_path, "--pre-annotator", "none"), NEW_ID)
    blank = task_of(exported(tmp_path, "--as", "none"), NEW_ID)
    assert "predictions" not in blank and "annotations" not in blank
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "capital_hook.py").write_text(HOOK, encoding="utf-8")
    monkeypatch.syspath_prepend(str(hooks))
    task = task_of(exported(tmp_path, "--pre-annotator", "capital_hook:predict"), NEW_ID)
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == "capital-finder-0.1"
    assert prediction["score"] == 0.25
    assert [(r["value"]["text"], r["value"]["labels"]) for r in prediction["result"]] == [
        ("Dushanbe", ["LOC"])
    ]
    # annotations mode: the annotated gold is a submitted annotation, the new text predictions
    tasks = exported(tmp_path, "--as", "annotations", "--pre-annotator", "capital_hook:predict")
    assert "annotations" not in task_of(tasks, NEW_ID)
    assert "predictions" not in task_of(tasks, GOLD_ID)
    out = tmp_path / "refused.json"
    capsys.readouterr()
    assert main(["ls", "export", "--pre-annotator", "no_such_module:f", "-o", str(out)]) == 0
    capsys.readouterr()  # the default version is release 1.0.0: nothing to pre-annotate
    assert (
        main(["ls", "export", "--version", "working", "--pre-annotator", "nope:f", "-o", str(out)])
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "PREANNOTATOR_INVALID" in err[0]


# --------------------------------------------------------------------------- the importer


def test_the_importer_never_takes_predictions_for_annotations(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_text(project, tmp_path)
    task = task_of(exported(tmp_path), NEW_ID)
    predicted = task["predictions"][0]["result"]
    assert predicted
    export = [{"id": 7, "data": task["data"], "predictions": task["predictions"]}]
    export_file = tmp_path / "export.json"
    export_file.write_text(json.dumps(export), encoding="utf-8")
    before = snapshot(project)
    capsys.readouterr()
    assert main(["ls", "import", str(export_file)]) == 1
    assert "NOTHING_TO_IMPORT" in capsys.readouterr().err
    assert snapshot(project) == before
    # an annotator kept one suggestion: only that one is imported
    kept = copy.deepcopy(predicted[0])
    export[0]["annotations"] = [
        {"id": 1, "completed_by": 3, "result": [kept], "was_cancelled": False}
    ]
    export_file.write_text(json.dumps(export), encoding="utf-8")
    assert main(["ls", "import", str(export_file)]) == 0
    (document,) = sources.load(project / "annotations" / "working" / f"{NEW_ID}.json", root=project)
    value = kept["value"]
    assert [(e.type, e.start, e.end) for e in document.entities] == [
        (value["labels"][0], value["start"], value["end"])
    ]
    assert document.metadata["annotation"]["annotators"] == ["user 3"]


# --------------------------------------------------------------------------- adjudication


def two_annotators_export(root: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """The gold task annotated by users 1 and 2 (user 2 dropped T28 "radicalism"), and the
    new text's task annotated by user 1 alone."""
    add_text(root, tmp_path)
    gold_task = labelstudio.document_to_task(load_gold(), version="1.0.0", mode="annotations")
    export = as_export([gold_task], annotators=(1, 2))
    second = export[0]["annotations"][1]
    second["result"] = [i for i in second["result"] if i.get("id") != "T28"]  # no relation
    new_task = task_of(exported(tmp_path), NEW_ID)
    region = copy.deepcopy(new_task["predictions"][0]["result"][0])
    export.append(
        {
            "id": 2,
            "data": new_task["data"],
            "annotations": [
                {"id": 301, "completed_by": 1, "result": [region], "was_cancelled": False}
            ],
            "predictions": [],
        }
    )
    return export


def test_several_annotators_are_kept_per_annotator_for_adjudication(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = two_annotators_export(project, tmp_path)
    working = project / "annotations" / "working"
    gold_before = (working / f"{GOLD_ID}.json").read_bytes()
    waiting = project / "annotations" / "adjudication"
    written = import_export(export, file="export", adjudication_dir=waiting, root=project)
    assert sorted((str(w.path.relative_to(project)), w.adjudicate) for w in written) == [
        (f"annotations/adjudication/{GOLD_ID}/user_1/{GOLD_ID}.json", True),
        (f"annotations/adjudication/{GOLD_ID}/user_2/{GOLD_ID}.json", True),
        (f"annotations/working/{NEW_ID}.json", False),
    ]
    assert (working / f"{GOLD_ID}.json").read_bytes() == gold_before  # neither merged nor picked
    capsys.readouterr()
    assert main(["validate", str(waiting / GOLD_ID / "user_2")]) == 0
    assert main(["agreement", str(waiting / GOLD_ID)]) == 0
    table = capsys.readouterr().out
    assert "disagreements user_1 vs user_2: 1" in table
    dropped = load_gold().entity("T28")
    shown = f"{dropped.type} [{dropped.start}, {dropped.end}) {dropped.text!r}"
    assert f"only user_1  {shown}" in table
    # `ls import` (no adjudication folder) still asks for a choice
    with pytest.raises(CorpusError) as caught:
        import_export(export, file="export", root=project)
    assert [p.code for p in caught.value.problems] == ["SEVERAL_ANNOTATORS"]


def test_adjudication_never_goes_into_a_release(project: Path, tmp_path: Path) -> None:
    export = two_annotators_export(project, tmp_path)
    before = snapshot(project)
    with pytest.raises(CorpusError) as caught:
        import_export(
            export,
            file="export",
            adjudication_dir=project / "annotations" / "releases" / "x",
            root=project,
        )
    assert [p.code for p in caught.value.problems] == ["OUTPUT_IN_RELEASE"]
    assert snapshot(project) == before


# --------------------------------------------------------------------------- pull's choice


@pytest.mark.parametrize(
    ("annotations", "plain", "with_cancelled"),
    [
        (None, False, False),
        ([], False, False),
        ([{"was_cancelled": True}], False, True),
        ([{"was_cancelled": True}, {"was_cancelled": False}], True, True),
        ([{"result": []}], True, True),
        (5, True, True),  # not a list: the import reports it
    ],
)
def test_which_tasks_have_a_submitted_annotation(
    annotations: Any, plain: bool, with_cancelled: bool
) -> None:
    task: dict[str, Any] = {"data": {}, "predictions": [{"result": []}]}
    if annotations is not None:
        task["annotations"] = annotations
    assert submitted(task) is plain
    assert submitted(task, include_cancelled=True) is with_cancelled


def test_problems_are_located_in_the_whole_export() -> None:
    """``ls pull`` imports only the submitted tasks (here the export's tasks 1 and 3);
    a problem keeps the task's position in the export the user can save."""
    found = Problem("pulled", "d", Location(task="9", json_path=(1, "annotations", 0)), "X", "m")
    other = Problem("elsewhere", "d", Location(json_path=(0,)), "Y", "m")
    moved, kept = _in_export([found, other], "pulled", [1, 3])
    assert moved.location.json_path == (3, "annotations", 0)
    assert moved.location.task == "9" and kept == other


def test_a_hooks_bad_prediction_is_refused_before_any_task(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook's predictions are checked (``PREDICTION_INVALID``) before a task is made."""
    from corpus.ls_project import export

    add_text(project, tmp_path)
    hooks = tmp_path / "bad_hooks"
    hooks.mkdir()
    (hooks / "bad_hook.py").write_text(
        "from corpus.model import Entity\n\n"
        "def predict(text):\n    return [Entity('x', 'IDEOLOGY', 0, 3, text[:3])]\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(hooks))
    with pytest.raises(CorpusError) as caught:
        export("working", "predictions", pre_annotation="bad_hook:predict", root=project)
    assert [p.code for p in caught.value.problems] == ["PREDICTION_INVALID"]
    assert caught.value.problems[0].document == NEW_ID


# --------------------------------------------------------------------------- the docs


def test_the_documented_steps_are_commands_the_cli_accepts() -> None:
    """Every command of docs/labelstudio.md's "Growing the corpus in Label Studio" block parses, and
    adding an article is one of its steps."""
    import shlex

    from corpus.cli import build_parser
    from tests.labelstudio.ls_helpers import REPO

    readme = (REPO / "docs" / "labelstudio.md").read_text(encoding="utf-8")
    section = readme.split("## Growing the corpus in Label Studio", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [
        part.strip()
        for line in block.splitlines()
        for part in line.split("#", 1)[0].split("&&")
        if part.strip()
    ]
    assert commands[0].startswith("corpus add ")
    assert {c.split()[1] for c in commands} >= {"add", "split", "ls", "validate", "release"}
    parser = build_parser()
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "corpus"
        parser.parse_args(argv[1:])  # exits (status 2) on an unknown option

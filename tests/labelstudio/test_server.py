"""Against a real Label Studio server (one per test session, see conftest.py): our config,
our tasks, edits submitted through the API as a person would, the export brought back with
the importer, and ``corpus diff`` showing exactly those edits."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from corpus import diff as corpus_diff
from corpus import lsserver
from corpus.cli import main
from corpus.errors import CorpusError
from corpus.formats import labelstudio
from corpus.ls_project import export_tasks, import_export
from corpus.release import load_release, load_working
from corpus.schema import inventory
from corpus.sources import validate_paths
from tests.labelstudio.ls_helpers import (
    EMOJI_ID,
    GOLD_ID,
    LiveServer,
    add_emoji_document,
    load_gold,
    snapshot,
)

#: a region id as Label Studio's UI makes them (random, not a corpus id)
UI_REGION_ID = "wJ4h_Xq2Zk"


def new_project(server: LiveServer, title: str) -> int:
    config = labelstudio.label_config()
    project = server.client.create_project(title, config)
    server.client.validate_config(project, config)
    return project


def prediction_result(server: LiveServer, task_id: int) -> list[dict[str, Any]]:
    (prediction,) = server.client.sdk.predictions.list(task=task_id)
    return copy.deepcopy(list(prediction.result))


def pulled(server: LiveServer, project: int) -> Any:
    return lsserver.name_annotators(server.client.export(project), server.client.user_emails())


def user(server: LiveServer, name: str) -> int:
    created = server.client.sdk.users.create(
        username=name, email=f"{name}@example.com", password=f"{name}-password-123"
    )
    return int(created.id)


def test_server_accepts_our_config(ls_server: LiveServer) -> None:
    project = new_project(ls_server, "config check")
    interface = ls_server.client.sdk.projects.get(id=project).get_label_interface()
    assert list(interface.get_control("label").labels) == inventory().entity_types
    with pytest.raises(CorpusError) as caught:
        ls_server.client.validate_config(project, "<View><Labels name='x'/></View>")
    assert caught.value.problems[0].code == "LS_API_ERROR"


def test_a_persons_edits_show_exactly_in_the_diff(
    ls_server: LiveServer, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    version, tasks = export_tasks(None, "predictions", project)
    assert version == "1.0.0"
    project_id = new_project(ls_server, "edit through the API")
    (task_id,) = ls_server.client.import_tasks(project_id, tasks)
    result = prediction_result(ls_server, task_id)
    text = load_gold().text
    # move a boundary: "Tuesday April 22" -> "April 22"
    date = next(i for i in result if i["id"] == "T1" and i["type"] == "labels")
    date["value"].update(start=11, text=text[11:19])
    # delete an entity (no relation, no cluster): "radicalism"
    result = [i for i in result if i.get("id") != "T28"]
    # add an entity and a relation, as the UI makes them (random id, relation without id)
    start = text.index("operational information exchange")
    end = start + len("operational information exchange")
    result.append(
        {
            "id": UI_REGION_ID,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": ["EVENT"]},
        }
    )
    result.append(
        {
            "from_id": "T44",
            "to_id": UI_REGION_ID,
            "type": "relation",
            "direction": "right",
            "labels": ["participant_in"],
        }
    )
    ls_server.client.sdk.annotations.create(
        id=task_id, result=result, ground_truth=True, lead_time=42.0
    )

    written = import_export(pulled(ls_server, project_id), file="export", root=project)
    assert [w.path for w in written] == [project / "annotations" / "working" / f"{GOLD_ID}.json"]
    assert validate_paths(root=project) == []
    changes = corpus_diff.diff(load_release("1.0.0", project), load_working(project)).changes
    annotation_changes = {(c.op, c.kind, c.id) for c in changes if c.kind != "document"}
    assert annotation_changes == {
        ("~", "entity", "T1"),
        ("-", "entity", "T28"),
        ("+", "entity", "T76"),
        ("+", "relation", "R44"),
    }
    moved = next(c for c in changes if c.id == "T1")
    assert set(moved.fields) == {("start", 3, 11), ("text", "Tuesday April 22", "April 22")}
    document_changes = [c for c in changes if c.kind == "document"]
    assert [c.fields[0][0] for c in document_changes] == ["metadata.annotation"]
    new = load_working(project)[0]
    assert new.metadata["annotation"]["annotators"] == ["tester@example.com"]
    assert new.entity("T76").text == "operational information exchange"
    assert any(
        r.id == "R44" and (r.type, r.head, r.tail) == ("participant_in", "T44", "T76")
        for r in new.relations
    )
    capsys.readouterr()
    assert main(["diff", "1.0.0", "working"]) == 0
    out = capsys.readouterr().out
    assert "+ entity T76 EVENT" in out and "- entity T28 THREAT" in out


def test_lossless_round_trip_through_the_server(ls_server: LiveServer, project: Path) -> None:
    _, tasks = export_tasks("1.0.0", "annotations", project)
    project_id = new_project(ls_server, "round trip")
    ls_server.client.import_tasks(project_id, tasks)
    export = pulled(ls_server, project_id)
    assert export[0]["annotations"][0]["result"] == tasks[0]["annotations"][0]["result"]
    import_export(export, file="export", root=project)
    (before,), (after,) = load_release("1.0.0", project), load_working(project)
    assert after.entities == before.entities
    assert after.relations == before.relations
    assert after.clusters == before.clusters
    assert after.text == before.text and after.seed == before.seed
    changes = corpus_diff.diff([before], [after]).changes
    assert [c.fields[0][0] for c in changes] == ["metadata.annotation"]


def test_blank_tasks_for_learners(ls_server: LiveServer, project: Path) -> None:
    _, tasks = export_tasks("1.0.0", "none", project)
    project_id = new_project(ls_server, "blank")
    (task_id,) = ls_server.client.import_tasks(project_id, tasks)
    text = load_gold().text
    start = text.index("Emomali Rahmon")
    other = text.index("bilateral relations")
    ls_server.client.sdk.annotations.create(
        id=task_id,
        result=[
            {
                "id": "aB3dE_x9kL",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {
                    "start": start,
                    "end": start + 14,
                    "text": "Emomali Rahmon",
                    "labels": ["PER"],
                },
            },
            {
                "id": "-Zx9_kk2Pq",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {
                    "start": other,
                    "end": other + 19,
                    "text": "bilateral relations",
                    "labels": ["EVENT"],
                },
            },
        ],
    )
    out = project / "learner"
    import_export(pulled(ls_server, project_id), file="export", out_dir=out, root=project)
    assert main(["validate", str(out)]) == 0
    document = json.loads((out / f"{GOLD_ID}.json").read_text(encoding="utf-8"))
    # identical to the gold T4 (type and offsets), so it is T4: a diff against the gold
    # shows agreement, not a removal and an addition
    assert [(e["id"], e["text"]) for e in document["entities"]] == [
        ("T4", "Emomali Rahmon"),
        ("T76", "bilateral relations"),
    ]


def test_emoji_before_the_spans(ls_server: LiveServer, project: Path) -> None:
    emoji = add_emoji_document(project)
    version, tasks = export_tasks("working", "predictions", project)
    project_id = new_project(ls_server, "emoji")
    task_ids = ls_server.client.import_tasks(project_id, tasks)
    task_id = next(
        t
        for t, task in zip(task_ids, tasks, strict=True)
        if task["data"]["document_id"] == EMOJI_ID
    )
    result = prediction_result(ls_server, task_id)
    rahmon = next(
        i for i in result if i["type"] == "labels" and i["value"]["text"] == "Emomali Rahmon"
    )
    rahmon["value"]["start"] += len("Emomali ")
    rahmon["value"]["text"] = "Rahmon"
    ls_server.client.sdk.annotations.create(id=task_id, result=result)
    written = import_export(pulled(ls_server, project_id), file="export", root=project)
    assert [w.item.document.id for w in written] == [EMOJI_ID]
    assert validate_paths(root=project) == []
    after = next(d for d in load_working(project) if d.id == EMOJI_ID)
    entity = after.entity(rahmon["id"])
    assert after.text[entity.start : entity.end] == "Rahmon" == entity.text
    assert entity.start == emoji.entity(rahmon["id"]).start + len("Emomali ")
    changes = corpus_diff.diff([emoji], [after]).changes
    assert {(c.op, c.id) for c in changes if c.kind == "entity"} == {("~", rahmon["id"])}


def test_several_annotators_and_a_cancelled_annotation(
    ls_server: LiveServer,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, tasks = export_tasks("1.0.0", "predictions", project)
    project_id = new_project(ls_server, "three annotators")
    (task_id,) = ls_server.client.import_tasks(project_id, tasks)
    full = prediction_result(ls_server, task_id)
    bob, carol = user(ls_server, "bob"), user(ls_server, "carol")
    ls_server.client.sdk.annotations.create(id=task_id, result=full, completed_by=bob)
    without_r1 = [i for i in full if i.get("id") != "R1"]
    ls_server.client.sdk.annotations.create(
        id=task_id, result=without_r1, completed_by=carol, ground_truth=True
    )
    ls_server.client.sdk.annotations.create(id=task_id, result=[], was_cancelled=True)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", ls_server.token)
    pull = ["ls", "pull", "--url", ls_server.url, "--project", str(project_id)]
    working = project / "annotations" / "working"
    before = {p.name: p.read_bytes() for p in working.iterdir()}
    capsys.readouterr()
    # two people annotated it: each version is kept for adjudication, none merged or picked
    assert main(pull) == 0
    captured = capsys.readouterr()
    assert (
        f"to adjudicate: {GOLD_ID} was annotated by bob@example.com, carol@example.com"
        in captured.out
    )
    assert ls_server.token not in captured.out + captured.err
    assert {p.name: p.read_bytes() for p in working.iterdir()} == before
    waiting = project / "annotations" / "adjudication" / GOLD_ID
    assert sorted(p.parent.name for p in waiting.rglob("*.json")) == [
        "bob@example.com",
        "carol@example.com",
    ]
    assert main(["agreement", str(waiting)]) == 0
    assert "relation only bob@example.com" in capsys.readouterr().out

    assert main([*pull, "--annotator", "bob@example.com"]) == 0
    assert f"note: {GOLD_ID} is settled" in capsys.readouterr().out
    (bob_doc,) = load_working(project)
    assert bob_doc.metadata["annotation"]["annotators"] == ["bob@example.com"]
    assert bob_doc.relations == load_gold().relations
    assert main([*pull, "--ground-truth"]) == 0
    (carol_doc,) = load_working(project)
    assert carol_doc.metadata["annotation"]["annotators"] == ["carol@example.com"]
    assert "R1" not in {r.id for r in carol_doc.relations}

    out = project / "by-annotator"
    assert main([*pull, "--by-annotator", "-o", str(out)]) == 0
    assert sorted(p.parent.name for p in out.rglob("*.json")) == [
        "bob@example.com",
        "carol@example.com",
    ]
    # the cancelled one (by the tester) is skipped unless asked for
    assert main([*pull, "--annotator", "tester@example.com"]) == 1
    assert "NOTHING_TO_IMPORT" in capsys.readouterr().err
    cancelled = project / "cancelled"
    assert (
        main(
            [
                *pull,
                "--annotator",
                "tester@example.com",
                "--include-cancelled",
                "-o",
                str(cancelled),
            ]
        )
        == 0
    )
    document = json.loads((cancelled / f"{GOLD_ID}.json").read_text(encoding="utf-8"))
    assert (
        document["entities"] == []
        and "(cancelled)" in (document["metadata"]["annotation"]["origin"])
    )


def test_connection_errors_are_one_line(
    ls_server: LiveServer,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "f" * 40)
    assert main(["ls", "pull", "--url", ls_server.url, "--project", "1"]) == 2
    assert "LS_AUTH" in capsys.readouterr().err
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", ls_server.token)
    assert main(["ls", "pull", "--url", ls_server.url, "--project", "99999"]) == 2
    err = capsys.readouterr().err
    assert "LS_NO_PROJECT" in err and len(err.strip().splitlines()) == 1
    assert main(["ls", "push", "--url", ls_server.url, "--project", "99999"]) == 2
    assert "LS_NO_PROJECT" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["ls", "push", "--url", ls_server.url, "--as", "none"]) == 0
    out = capsys.readouterr().out
    created = int(out.split("created project ")[1].split(":")[0])
    assert main(["ls", "push", "--url", ls_server.url, "--project", str(created)]) == 0
    assert "1 already in the project" in capsys.readouterr().out


# --------------------------------------------------------------------------- bad exports


def _gold_result() -> list[dict[str, Any]]:
    return labelstudio.document_result(load_gold())


def _with(region_id: str, **value: Any) -> list[dict[str, Any]]:
    result = _gold_result()
    for item in result:
        if item.get("id") == region_id and item["type"] == "labels":
            item["value"].update(value)
    return result


def _relation(**fields: Any) -> list[dict[str, Any]]:
    result = _gold_result()
    next(i for i in result if i["type"] == "relation").update(fields)
    return result


#: code -> (task text change, result) submitted to the server, which stores them as sent
BAD_SUBMISSIONS: dict[str, tuple[bool, list[dict[str, Any]]]] = {
    "UNKNOWN_LABEL": (False, _with("T28", labels=["IDEOLOGY"])),
    "OFFSET_OUT_OF_RANGE": (False, _with("T75", end=5000)),
    "OFFSET_NOT_INTEGER": (False, _with("T28", start="925")),
    "EMPTY_SPAN": (False, _with("T28", start=935, end=925)),
    "TEXT_MISMATCH": (False, _with("T28", text="Radicalism")),
    "RELATION_MISSING_REGION": (False, _relation(to_id="nowhere")),
    "RELATION_NOT_ALLOWED": (False, _relation(labels=["signed"])),
    "UNKNOWN_RELATION": (False, _relation(labels=["likes"])),
    "UNKNOWN_CONTROL": (False, [{**_gold_result()[0], "from_name": "ner"}]),
    "TEXT_DIFFERS_FROM_SEED": (True, _gold_result()),
}


@pytest.fixture(scope="module")
def bad_export(ls_server: LiveServer) -> dict[str, dict[str, Any]]:
    """One task per bad submission in one project, exported once: code -> exported task."""
    project_id = new_project(ls_server, "bad submissions")
    base = labelstudio.document_to_task(load_gold(), version="1.0.0", mode="none")
    codes = list(BAD_SUBMISSIONS)
    tasks = []
    for code in codes:
        task = copy.deepcopy(base)
        task["data"]["case"] = code
        if BAD_SUBMISSIONS[code][0]:
            task["data"]["text"] = task["data"]["text"].replace("Dushanbe", "Dushanbe ", 1)
        tasks.append(task)
    task_ids = ls_server.client.import_tasks(project_id, tasks)
    for code, task_id in zip(codes, task_ids, strict=True):
        ls_server.client.sdk.annotations.create(id=task_id, result=BAD_SUBMISSIONS[code][1])
    return {task["data"]["case"]: task for task in ls_server.client.export(project_id)}


@pytest.mark.parametrize("code", sorted(BAD_SUBMISSIONS))
def test_bad_submissions_fail_cleanly(
    code: str, bad_export: dict[str, dict[str, Any]], project: Path
) -> None:
    before = snapshot(project)
    with pytest.raises(CorpusError) as caught:
        import_export([bad_export[code]], file="export.json", root=project)
    problems = caught.value.problems
    assert [p.code for p in problems] == [code]
    assert problems[0].pointer.startswith(f"task {bad_export[code]['id']}")
    assert snapshot(project) == before

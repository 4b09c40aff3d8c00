"""Growing the corpus through a real Label Studio server, end to end (issue 13).

In a throw-away copy of the project (schema, seeds, working copy, releases, changelog): two
short texts are added (the test writes them itself, below: short sentences that reuse names
of the gold article, so that the gazetteer has something to suggest), they get splits, their
tasks are pushed with the gazetteer's predictions (twice: the second push adds only the new
document's task), a person annotates them through the API (accepting suggestions, fixing one,
adding a relation), the work is pulled, validated, released and built; the dataset then holds
the three documents across the three splits and ``corpus diff`` shows exactly what was added.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from corpus import diff as corpus_diff
from corpus.cli import main
from corpus.formats import native
from corpus.release import load_release
from corpus.sources import latest_version
from tests.labelstudio.ls_helpers import REPO, LiveServer

#: the two texts the test adds (written here, not taken from anywhere)
VISIT_ID = "visit_dushanbe"
VISIT_TEXT = "The Tajik president Emomali Rahmon received Eskandar Momeni in Dushanbe.\n"
MOU_ID = "mou_drugs"
MOU_TEXT = "Iran and Tajikistan signed a memorandum of understanding on drug trafficking.\n"
#: a region id as Label Studio's UI makes them
UI_REGION_ID = "Xk3_pQ9zTw"


@pytest.fixture
def full_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's project: schema, seeds and all of annotations/."""
    root = tmp_path / "project"
    for part in ("schema", "seeds", "annotations"):
        shutil.copytree(REPO / part, root / part)
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    monkeypatch.chdir(tmp_path)
    return root


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    status = main(list(argv))
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out + captured.err


def next_minor(version: str) -> str:
    major, minor, _ = version.split(".")
    return f"{major}.{int(minor) + 1}.0"


def project_tasks(server: LiveServer, project: int) -> dict[str, dict[str, Any]]:
    """The project's tasks by document id (each document has exactly one task)."""
    tasks = server.client.export(project)
    by_document = {t["data"]["document_id"]: t for t in tasks}
    assert len(by_document) == len(tasks), "a document has two tasks"
    return by_document


def suggestions(server: LiveServer, task_id: int) -> tuple[str, list[dict[str, Any]]]:
    (prediction,) = server.client.sdk.predictions.list(task=task_id)
    return str(prediction.model_version), copy.deepcopy(list(prediction.result))


def region(text: str, surface: str, label: str, region_id: str) -> dict[str, Any]:
    start = text.index(surface)
    return {
        "id": region_id,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
        "value": {"start": start, "end": start + len(surface), "text": surface, "labels": [label]},
    }


def test_grow_the_corpus_through_label_studio(
    ls_server: LiveServer,
    full_project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = full_project
    released = latest_version(root)
    assert released is not None
    releases_before = files(root / "annotations" / "releases")
    (gold,) = load_release(released, root)
    # the working copy may be ahead of the latest release (guidelines 2.0 before 2.0.0): the
    # new release is compared with the working copy as it was before the two texts came in
    working_before = tmp_path / "working-before"
    shutil.copytree(root / "annotations" / "working", working_before)
    gazetteer = f"gazetteer-{released}"
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", ls_server.token)
    server = ["--url", ls_server.url]

    # add the first text with its split, and push: a new project with two tasks
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "visit.txt").write_text(VISIT_TEXT, encoding="utf-8")
    (incoming / "mou.txt").write_text(MOU_TEXT, encoding="utf-8")
    run(capsys, "add", str(incoming / "visit.txt"), "--id", VISIT_ID, "--split", "validation")
    out = run(capsys, "ls", "push", *server, "--version", "working")
    project = int(out.split("created project ")[1].split(":")[0])
    assert "imported 2 task(s) of working as predictions" in out
    assert f"1 document(s) not annotated yet carry predictions of {gazetteer}" in out

    # add the second text, give it a split with `corpus split`, push again: only it is added
    run(capsys, "add", str(incoming / "mou.txt"), "--id", MOU_ID)
    out = run(capsys, "split", "--ratios", "0.34,0.33,0.33")
    assert f"assigned test to {MOU_ID}" in out
    push_again = ["ls", "push", *server, "--project", str(project), "--version", "working"]
    out = run(capsys, *push_again)
    assert "imported 1 task(s)" in out and "2 already in the project" in out
    assert "imported 0 task(s)" in run(capsys, *push_again)  # idempotent by document id
    tasks = project_tasks(ls_server, project)
    assert sorted(tasks) == sorted([gold.id, VISIT_ID, MOU_ID])
    for document_id in (VISIT_ID, MOU_ID):
        assert tasks[document_id]["annotations"] == []  # suggestions are predictions only
    # the annotated article travels as its own annotations (a prediction of "working")
    assert suggestions(ls_server, tasks[gold.id]["id"])[0] == "working"

    # a person annotates the first text: accepts the suggestions but one, fixes that one
    # ("Tajik president" PER -> "president" TITLE) and adds a relation
    model_version, visit = suggestions(ls_server, tasks[VISIT_ID]["id"])
    assert model_version == gazetteer
    by_text = {item["value"]["text"]: item for item in visit}
    assert by_text["Tajik president"]["value"]["labels"] == ["PER"]
    assert by_text["Emomali Rahmon"]["value"]["labels"] == ["PER"]
    result = [item for item in visit if item["value"]["text"] != "Tajik president"]
    result.append(region(VISIT_TEXT, "president", "TITLE", UI_REGION_ID))
    rahmon = by_text["Emomali Rahmon"]["id"]
    result.append(
        {
            "from_id": rahmon,
            "to_id": UI_REGION_ID,
            "type": "relation",
            "direction": "right",
            "labels": ["has_title"],
        }
    )
    ls_server.client.sdk.annotations.create(id=tasks[VISIT_ID]["id"], result=result)
    # ... and accepts every suggestion on the second text
    model_version, mou = suggestions(ls_server, tasks[MOU_ID]["id"])
    assert model_version == gazetteer and mou
    ls_server.client.sdk.annotations.create(id=tasks[MOU_ID]["id"], result=mou)

    # pull: the two annotated texts come back; the article's task is still unannotated
    working = root / "annotations" / "working"
    gold_file = (working / f"{gold.id}.json").read_bytes()
    out = run(capsys, "ls", "pull", *server, "--project", str(project))
    assert f"wrote annotations/working/{VISIT_ID}.json" in out
    assert f"wrote annotations/working/{MOU_ID}.json" in out
    assert f"still unannotated: 1 task(s): task {tasks[gold.id]['id']} ({gold.id})" in out
    assert (working / f"{gold.id}.json").read_bytes() == gold_file
    run(capsys, "validate")

    # release, build, load
    version = next_minor(released)
    run(capsys, "release", version, "-m", "two texts annotated in Label Studio")
    built = tmp_path / "dataset"
    run(capsys, "build", "--version", version, "-o", str(built))
    import datasets

    documents = datasets.load_dataset(str(built), "documents", cache_dir=str(tmp_path / "hf-cache"))
    assert {split: documents[split]["id"] for split in documents} == {
        "train": [gold.id],
        "validation": [VISIT_ID],
        "test": [MOU_ID],
    }

    # the diff shows exactly the two added documents and what was submitted for them
    before = native.document_files(working_before)
    baseline = [native.from_dict(native.read_json(path)) for path in before]
    difference = corpus_diff.diff(baseline, load_release(version, root))
    assert {(d.id, d.status) for d in difference.documents} == {
        (VISIT_ID, "added"),
        (MOU_ID, "added"),
    }
    new = {d.id: d for d in load_release(version, root)}
    visit_entities = {(e.text, e.type) for e in new[VISIT_ID].entities}
    assert visit_entities == {
        (i["value"]["text"], i["value"]["labels"][0]) for i in result if i["type"] == "labels"
    }
    (relation,) = new[VISIT_ID].relations
    head, tail = new[VISIT_ID].entity(relation.head), new[VISIT_ID].entity(relation.tail)
    assert (relation.type, head.text, tail.text) == ("has_title", "Emomali Rahmon", "president")
    assert {(e.text, e.type, e.start, e.end) for e in new[MOU_ID].entities} == {
        (
            i["value"]["text"],
            i["value"]["labels"][0],
            i["value"]["start"],
            i["value"]["end"],
        )
        for i in mou
    }
    added = {(c.op, c.kind) for c in difference.changes}
    assert added == {("+", "entity"), ("+", "relation")}
    assert len(difference.changes) == len(new[VISIT_ID].entities) + len(new[MOU_ID].entities) + len(
        new[VISIT_ID].relations
    )
    for document_id, text in ((VISIT_ID, VISIT_TEXT), (MOU_ID, MOU_TEXT)):
        document = new[document_id]
        assert document.metadata["annotation"]["annotators"] == ["tester@example.com"]
        assert document.seed is not None and document.text == text
        assert (root / document.seed.path).read_text(encoding="utf-8") == text
    out = run(capsys, "diff", str(working_before), version)
    assert f"document {VISIT_ID} (added)" in out and f"document {MOU_ID} (added)" in out
    assert gold.id not in out
    assert f"+ relation {relation.id} has_title" in out

    # the released versions were never touched
    after = files(root / "annotations" / "releases")
    assert {k: v for k, v in after.items() if not k.startswith(f"{version}/")} == releases_before

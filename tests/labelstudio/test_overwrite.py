"""``ls import`` never silently erases work (issue 10, cases 5, 8, 9, 11, 13, 14): what it
refuses, what it reports, and that a set of documents is written all or none."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import corpus
from corpus import sources
from corpus.cli import main
from corpus.formats import labelstudio, native
from corpus.model import Document
from tests.labelstudio.ls_helpers import EMOJI_ID, GOLD_ID, add_emoji_document, as_export, snapshot


def read_document(path: Path, root: Path) -> Document:
    """The one document of ``path``, checked by both validation layers."""
    [document] = sources.load(path, root=root)
    return document


def exported(
    tmp_path: Path, *, annotators: tuple[int, ...] = (1,), version: str = "working"
) -> list[dict[str, Any]]:
    tasks_file = tmp_path / "tasks.json"
    argv = ["ls", "export", "--version", version, "--as", "annotations", "-o", str(tasks_file)]
    assert main(argv) == 0
    return as_export(json.loads(tasks_file.read_text(encoding="utf-8")), annotators=annotators)


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def working(root: Path, document_id: str = GOLD_ID) -> Path:
    return root / "annotations" / "working" / f"{document_id}.json"


def corpus_command(root: Path, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """``python -m corpus.cli ARGS`` as a real process on the project ``root``."""
    env = {
        **os.environ,
        "CORPUS_ROOT": str(root),
        "PYTHONPATH": str(Path(corpus.__file__).resolve().parents[1]),  # the code under test
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "-c", "from corpus.cli import entry; entry()", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        **options,
    )


# ------------------------------------------------------------------- case 5: erasing everything


def test_an_empty_result_does_not_erase_a_document(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = exported(tmp_path)
    export[0]["annotations"][0]["result"] = []
    source = str(write(tmp_path / "empty.json", export))
    before = snapshot(project)
    gold = read_document(working(project), project)
    entities, relations, clusters = len(gold.entities), len(gold.relations), len(gold.clusters)
    assert entities and relations and clusters
    capsys.readouterr()
    assert main(["ls", "import", source]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"annotations/working/{GOLD_ID}.json: {GOLD_ID}: /: WOULD_ERASE_ANNOTATIONS: the import "
        f"has no annotation and would remove all {entities} entities, {relations} relations "
        f"and {clusters} clusters of this document; pass --allow-erase if that is intended"
    ]
    assert snapshot(project) == before
    assert main(["ls", "import", source, "--allow-erase"]) == 0
    assert f"changed: entity 0 added, {entities} removed, 0 changed" in capsys.readouterr().out
    erased = native.from_dict(json.loads(working(project).read_text(encoding="utf-8")))
    assert (erased.entities, erased.relations, erased.clusters) == ((), (), ())


# ------------------------------------------------- case 8: a hand-edited working document


def test_overwriting_a_hand_edited_document_prints_what_changes(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(write(tmp_path / "export.json", exported(tmp_path, version="1.0.0")))
    # the working copy is edited by hand after the export: an entity in no relation or
    # cluster is removed
    data = json.loads(working(project).read_text(encoding="utf-8"))
    used = {r[k] for r in data["relations"] for k in ("head", "tail")}
    used |= {m for c in data["clusters"] for m in c["entities"]}
    removed = next(e for e in data["entities"] if e["id"] not in used)
    data["entities"].remove(removed)
    working(project).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    edited = working(project).read_bytes()
    capsys.readouterr()

    assert main(["ls", "import", source, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert working(project).read_bytes() == edited  # a dry run writes nothing
    assert (
        f"  annotations/working/{GOLD_ID}.json: changed: entity 1 added, 0 removed, 0 changed; "
        "relation 0 added, 0 removed, 0 changed; cluster 0 added, 0 removed, 0 changed; "
        "document metadata.annotation"
    ) in out.splitlines()
    shown = f'{removed["type"]} [{removed["start"]}:{removed["end"]}] "{removed["text"]}"'
    assert f"    + entity {removed['id']} {shown}" in out.splitlines()
    assert out.endswith("dry run: nothing was written\n")

    assert main(["ls", "import", source]) == 0
    out = capsys.readouterr().out
    assert f"annotations/working/{GOLD_ID}.json: changed: entity 1 added" in out
    assert f"+ entity {removed['id']}" not in out  # the details only with --dry-run
    assert working(project).read_bytes() != edited


def test_an_unchanged_document_is_named_as_such(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(write(tmp_path / "export.json", exported(tmp_path)))
    assert main(["ls", "import", source]) == 0
    written = working(project).read_bytes()
    capsys.readouterr()
    assert main(["ls", "import", source]) == 0
    assert f"  annotations/working/{GOLD_ID}.json: unchanged" in capsys.readouterr().out
    assert working(project).read_bytes() == written


# ---------------------------------------------------------- case 13: choosing annotators


def test_an_unknown_annotator_lists_those_present(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(write(tmp_path / "two.json", exported(tmp_path, annotators=(1, 2))))
    capsys.readouterr()
    assert main(["ls", "import", source, "--annotator", "nobody"]) == 1
    assert capsys.readouterr().err == (
        f"{source}: -: /: UNKNOWN_ANNOTATOR: no annotation by 'nobody'; annotators in this "
        "export: user 1, user 2 (e-mail, numeric user id or 'user N')\n"
    )
    assert main(["ls", "import", source, "--annotator", "2"]) == 0


@pytest.mark.parametrize("output", [None, "annotations/working/by"])
def test_by_annotator_needs_an_output_outside_the_working_copy(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str | None
) -> None:
    source = str(write(tmp_path / "two.json", exported(tmp_path, annotators=(1, 2))))
    before = snapshot(project)
    capsys.readouterr()
    extra = ["-o", str(project / output)] if output else []
    assert main(["ls", "import", source, "--by-annotator", *extra]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and ": BY_ANNOTATOR_NEEDS_OUTPUT: " in err
    assert "give -o DIR outside it" in err
    assert snapshot(project) == before
    assert main(["ls", "import", source, "--by-annotator", "-o", str(tmp_path / "by")]) == 0
    assert main(["validate", str(tmp_path / "by" / "user_1")]) == 0


# ---------------------------------------------------- case 14: Label Studio's other exports


JSON_MIN = [
    {
        "id": 1,
        "text": "On Tuesday April 22, Tajikistan's President",
        "document_id": GOLD_ID,
        "label": [{"start": 3, "end": 19, "text": "Tuesday April 22", "labels": ["DATE"]}],
        "annotator": 1,
        "annotation_id": 101,
        "created_at": "2026-11-26T18:00:00Z",
        "updated_at": "2026-11-26T18:05:00Z",
        "lead_time": 12.5,
    }
]
CONLL = "-DOCSTART- -X- O\n\nOn -X- _ O\nTuesday -X- _ B-DATE\nApril -X- _ I-DATE\n"


@pytest.mark.parametrize(("name", "content"), [("JSON_MIN", JSON_MIN), ("CoNLL", CONLL)])
def test_other_export_formats_say_export_as_json(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: Any,
) -> None:
    path = tmp_path / "export.json"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        write(path, content)
    assert main(["ls", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"{path}: -: /: LS_EXPORT_FORMAT: this is Label Studio's {name} export, which has no "
        'relations, region ids or annotators: export as "JSON" (full) instead (Export > '
        "JSON), or use `corpus ls pull`\n"
    )


# -------------------------------------------- case 9: special files and the size limit


def test_a_fifo_or_device_is_refused_without_hanging(project: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "export.fifo"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        done = corpus_command(project, "ls", "import", str(path), timeout=60)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"{path}: -: /: NOT_A_FILE: ")
        assert len(done.stderr.splitlines()) == 1
    done = corpus_command(project, "validate", str(fifo), timeout=60)
    assert (done.returncode, done.stderr) == (2, "")
    assert ": NOT_A_FILE: a FIFO (named pipe), not a regular file or folder" in done.stdout


def test_an_export_over_the_limit_is_one_line_under_a_memory_limit(
    project: Path, tmp_path: Path
) -> None:
    """``ls import`` reads an export one task at a time, so its limit is the streamed one
    (4 GiB), refused before anything is read; a file over the limit for a whole read
    (256 MiB) that is no JSON array is one NOT_JSON line, read without holding it."""
    from corpus.inputs import MAX_EXPORT_BYTES
    from corpus.ls_project import MAX_STREAMED_EXPORT_BYTES

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000 * 1024, 1_500_000 * 1024))

    for size, line in (
        (
            MAX_STREAMED_EXPORT_BYTES + 1,
            f"TOO_LARGE: {MAX_STREAMED_EXPORT_BYTES + 1} bytes, over the limit of 4096 MiB "
            "for this input",
        ),
        (
            MAX_EXPORT_BYTES + 1,
            "NOT_JSON: not a JSON array of tasks (a file this large is read one task at a "
            "time, and the JSON parser could not read it as one)",
        ),
    ):
        big = tmp_path / f"big-{size}.json"
        with big.open("wb") as handle:
            handle.truncate(size)  # sparse: no disk space used
        done = corpus_command(
            project, "ls", "import", str(big), timeout=120, preexec_fn=limit_memory
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr == f"{big}: -: /: {line}\n"


# ------------------------------------------------ the set of documents: all or none (case 11)


def test_a_failure_after_some_documents_writes_none(project: Path, tmp_path: Path) -> None:
    """A real write failure (the file-size limit, as a full disk would) on the second of
    two documents: before, the first was left written; now neither is, and the previous
    file is unchanged."""
    add_emoji_document(project)
    export = exported(tmp_path)
    export.sort(key=lambda task: task["data"]["document_id"] != EMOJI_ID)  # small one first
    source = write(tmp_path / "export.json", export)
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{EMOJI_ID}.json").write_text("previous", encoding="utf-8")
    sizes = {
        task["data"]["document_id"]: len(json.dumps(task, ensure_ascii=False).encode())
        for task in export
    }
    assert sizes[EMOJI_ID] < 8192 < sizes[GOLD_ID]

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    done = corpus_command(
        project, "ls", "import", str(source), "-o", str(out), preexec_fn=limit_file_size
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"{out / GOLD_ID}.json: {GOLD_ID}: /: OS_ERROR: File too large; nothing was written "
        "(the 2 document(s) of this import are written all or none; the previous files are "
        "unchanged)\n"
    )
    assert sorted(p.name for p in out.iterdir()) == [f"{EMOJI_ID}.json"]  # no temporary left
    assert (out / f"{EMOJI_ID}.json").read_text(encoding="utf-8") == "previous"
    # the same import without the limit writes both
    assert corpus_command(project, "ls", "import", str(source), "-o", str(out)).returncode == 0
    assert {p.name for p in out.iterdir()} == {f"{EMOJI_ID}.json", f"{GOLD_ID}.json"}


def test_documents_keep_their_seed(project: Path, tmp_path: Path) -> None:
    source = write(tmp_path / "export.json", exported(tmp_path))
    assert main(["ls", "import", str(source), "-o", str(tmp_path / "out")]) == 0
    document = read_document(tmp_path / "out" / f"{GOLD_ID}.json", project)
    assert document.seed is not None and document.seed.path == f"seeds/{GOLD_ID}.txt"
    assert labelstudio.task_document_ids(json.loads(source.read_text("utf-8"))) == {GOLD_ID}

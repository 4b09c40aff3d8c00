"""``corpus ls export`` and ``ls import`` at more than one document: streamed, checked the
same way, quiet in pipes, and nothing written from bad input."""

from __future__ import annotations

import dataclasses
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from corpus import ls_project
from corpus import progress as progress_module
from corpus import validate as validate_module
from corpus.cli import main
from corpus.errors import CorpusError
from corpus.formats import labelstudio, native
from corpus.formats.shape import LABEL_STUDIO_EXPORT, conforms, shape_errors
from corpus.ls_project import import_export
from corpus.model import Document
from tests.labelstudio.ls_helpers import GOLD_ID, as_export, load_gold, make_project

MANY = 200


def many_documents(root: Path, count: int) -> list[Document]:
    """``count`` documents in the working copy, each the gold with its own id and seed file
    and one relation left out (a different one each), so no two are equal."""
    gold = load_gold()
    seed = (root / "seeds" / f"{GOLD_ID}.txt").read_bytes()
    working = root / "annotations" / "working"
    documents = []
    for number in range(count):
        document_id = f"many_{number:04d}"
        (root / "seeds" / f"{document_id}.txt").write_bytes(seed)
        left_out = number % len(gold.relations)
        document = dataclasses.replace(
            gold,
            id=document_id,
            seed=dataclasses.replace(gold.seed, path=f"seeds/{document_id}.txt"),
            relations=gold.relations[:left_out] + gold.relations[left_out + 1 :],
        )
        native.write_document(document, working / f"{document_id}.json")
        documents.append(document)
    (working / f"{GOLD_ID}.json").unlink()
    return documents


@pytest.fixture
def many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[Document]]:
    root = make_project(tmp_path / "project", with_release=False)
    documents = many_documents(root, MANY)
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    monkeypatch.chdir(tmp_path)
    return root, documents


def without_annotation_record(document: Document) -> dict[str, Any]:
    data = native.to_dict(document)
    data["metadata"].pop("annotation", None)
    return data


def test_import_of_an_export_of_many_documents_gives_them_back(
    many: tuple[Path, list[Document]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, documents = many
    tasks_file = tmp_path / "tasks.json"
    assert main(["ls", "export", "--as", "annotations", "-o", str(tasks_file)]) == 0
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert len(tasks) == MANY
    export = tmp_path / "export.json"
    export.write_text(json.dumps(as_export(tasks), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["ls", "import", str(export), "-o", str(out)]) == 0
    assert capsys.readouterr().out.count("wrote ") == MANY
    back = {p.stem: native.from_dict(native.read_json(p)) for p in sorted(out.glob("*.json"))}
    assert sorted(back) == [d.id for d in documents]
    for document in documents:
        imported = back[document.id]
        assert imported.metadata["annotation"]["annotators"] == ["user 1"]
        assert without_annotation_record(imported) == without_annotation_record(document)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_bad_last_task_writes_none_of_the_documents_before_it(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = many_documents(project, 20)
    tasks = labelstudio.write(documents, version="working", mode="annotations")
    export = as_export(tasks)
    export[-1]["annotations"][0]["result"][0]["value"]["end"] = 99999
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["ls", "import", str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and f"task {len(documents)} annotation" in err[0]
    assert "OFFSET_OUT_OF_RANGE" in err[0]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("count", [0, 1, 3])
def test_dump_tasks_writes_one_task_per_line_of_a_json_array(count: int) -> None:
    gold = load_gold()
    tasks = [
        {**labelstudio.document_to_task(gold, version="1.0.0", mode=mode), "n": "a\nb «é»"}
        for mode in ("predictions", "annotations", "none")[:count]
    ]
    handle = io.StringIO()
    assert labelstudio.dump_tasks(iter(tasks), handle) == count
    text = handle.getvalue()
    assert json.loads(text) == tasks
    lines = text.splitlines()
    assert lines == (
        ["[]"]
        if not count
        else [
            "[",
            *[json.dumps(t, ensure_ascii=False) + "," for t in tasks][:-1],
            json.dumps(tasks[-1], ensure_ascii=False),
            "]",
        ]
    )


def broken_last(root: Path) -> None:
    """A working copy whose last document (in reading order) is invalid."""
    working = root / "annotations" / "working"
    data = json.loads((working / f"{GOLD_ID}.json").read_text(encoding="utf-8"))
    data["id"] = "zz_broken"
    data["entities"][0]["end"] = 99999
    (working / "zz_broken.json").write_text(json.dumps(data), encoding="utf-8")


def test_export_of_a_set_with_a_bad_document_writes_nothing(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken_last(project)
    target = tmp_path / "tasks.json"
    assert main(["ls", "export", "--version", "working", "-o", str(target)]) == 1
    assert main(["ls", "export", "--version", "working"]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # stdout too: spooled until the last document was read
    assert "zz_broken" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert not target.exists()


def test_export_to_stdout_is_the_file(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "tasks.json"
    assert main(["ls", "export", "-o", str(target)]) == 0
    capsys.readouterr()
    assert main(["ls", "export"]) == 0
    out, err = capsys.readouterr()
    assert out == target.read_text(encoding="utf-8")
    assert err == "1 task(s) of 1.0.0, annotations as predictions\n"


# --------------------------------------------------------------------------- streaming


def test_scan_finds_the_task_count_and_the_highest_fresh_id_number() -> None:
    tasks = [
        {"id": n, "data": {"document_id": f"d{n}"}, "annotations": [{"result": [{"id": f"T{n}"}]}]}
        for n in range(5)
    ]
    tasks.append({"predictions": [{"result": [{"id": "R7"}, {"id": "Tx"}]}]})
    found = labelstudio.scan(iter(tasks))
    assert found.tasks == 6
    assert found.document_ids == {f"d{n}" for n in range(5)}
    assert found.highest == {"T": 4, "R": 7}


def test_each_imported_document_is_validated_once(
    many: tuple[Path, list[Document]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, documents = many
    documents = documents[:5]
    tasks = labelstudio.write(documents, version="working", mode="annotations")
    validated: list[str] = []
    real = validate_module.validate_document

    def counting(data: Any, **kwargs: Any) -> Any:
        validated.append(str(kwargs["file"]))
        return real(data, **kwargs)

    monkeypatch.setattr(validate_module, "validate_document", counting)
    # where the import calls it (imported at module level) and where check_file does
    monkeypatch.setattr(ls_project, "validate_document", counting)
    written = import_export(as_export(tasks), file="export.json", out_dir=tmp_path / "out")
    assert sorted(w.item.document.id for w in written) == sorted(d.id for d in documents)
    # each file once: the imported document and the working document it was exported from
    assert sorted(validated) == sorted(set(validated))
    assert sorted(v for v in validated if "out" in Path(v).parts) == sorted(
        str(w.path) for w in written
    )


def test_an_export_that_is_not_a_list_is_reported_as_before(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "e.json"
    path.write_text('{"data": {}}', encoding="utf-8")
    assert main(["ls", "import", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"{path}: -: /: LS_MALFORMED: a Label Studio JSON export is a list of tasks\n"
    )


def test_a_task_that_passes_the_whole_task_check_has_no_part_that_fails() -> None:
    """The compiled whole-task check only ever skips checks that would find nothing."""
    task = as_export(labelstudio.write([load_gold()], version="1.0.0", mode="annotations"))[0]
    assert conforms(LABEL_STUDIO_EXPORT, task, "whole-task")
    variants: list[Any] = [task, 5, {}, {"data": 1}, {**task, "annotations": None}]
    for key, value in [("annotations", 5), ("annotations", [5]), ("annotations", [{}])]:
        variants.append({**task, key: value})
    for item in (5, {"type": "relation"}, {"id": "", "value": {}}, {"id": "x"}):
        broken = json.loads(json.dumps(task))
        broken["annotations"][0]["result"].append(item)
        variants.append(broken)
    cluster = json.loads(json.dumps(task))
    region = next(i for i in cluster["annotations"][0]["result"] if i["from_name"] == "cluster")
    region["value"]["text"] = "C1"
    variants.append(cluster)
    for variant in variants:
        parts = [("task", variant)]
        annotations = variant.get("annotations") if isinstance(variant, dict) else None
        if annotations:
            parts.append(("annotations", annotations))
            for annotation in annotations if isinstance(annotations, list) else []:
                parts.append(("annotation", annotation))
                result = annotation.get("result") if isinstance(annotation, dict) else None
                for item in result if isinstance(result, list) else []:
                    parts.append(("item", item))
        failing = [name for name, value in parts if shape_errors(LABEL_STUDIO_EXPORT, value, name)]
        assert conforms(LABEL_STUDIO_EXPORT, variant, "whole-task") == (not failing), variant


# --------------------------------------------------------------------------- progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Terminal]:
    """Makes stderr a terminal (call it in the test, after pytest set up its capture), with
    a bar that appears at once instead of after 2 s."""
    monkeypatch.setattr(progress_module, "DELAY_SECONDS", 0.0)

    def make() -> Terminal:
        stream = Terminal()
        monkeypatch.setattr(sys, "stderr", stream)
        return stream

    return make


def test_export_and_import_show_a_bar_on_a_terminal_unless_quiet(
    project: Path, tmp_path: Path, terminal: Callable[[], Terminal]
) -> None:
    tasks_file = tmp_path / "tasks.json"
    export = tmp_path / "export.json"
    export.write_text(json.dumps(as_export([])), encoding="utf-8")
    for quiet in ([], ["--quiet"]):
        stream = terminal()
        assert main(["ls", "export", "--as", "annotations", "-o", str(tasks_file), *quiet]) == 0
        tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
        export.write_text(json.dumps(as_export(tasks)), encoding="utf-8")
        assert main(["ls", "import", str(export), "-o", str(tmp_path / "out"), *quiet]) == 0
        shown = stream.getvalue()
        assert ("ls export 1.0.0" in shown and "ls import" in shown) is not bool(quiet), shown


def test_no_bar_in_a_pipe(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks_file = tmp_path / "tasks.json"
    assert main(["ls", "export", "--as", "annotations", "-o", str(tasks_file)]) == 0
    assert capsys.readouterr().err == (
        f"wrote {tasks_file}\n1 task(s) of 1.0.0, annotations as annotations\n"
    )


def test_a_broken_release_document_is_reported_when_the_import_reads_it(
    project: Path, tmp_path: Path
) -> None:
    tasks = labelstudio.write([load_gold()], version="1.0.0", mode="annotations")
    path = tmp_path / "export.json"
    released = project / "annotations" / "releases" / "1.0.0" / "documents" / f"{GOLD_ID}.json"
    released.chmod(0o644)
    released.write_bytes(released.read_bytes() + b" ")
    with pytest.raises(CorpusError) as caught:
        import_export(as_export(tasks), file=str(path), out_dir=tmp_path / "out")
    assert [p.code for p in caught.value.problems] == ["CHECKSUM_MISMATCH"]
    assert not (tmp_path / "out").exists()


def test_export_of_a_verified_release_does_not_validate_it_again(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its checksums match: the documents are the bytes validated when it was made. A
    changed byte fails the checksum, and then it is validated in full and refused."""
    expected = tmp_path / "expected.json"
    assert main(["ls", "export", "--version", "working", "-o", str(expected)]) == 0
    out = tmp_path / "tasks.json"
    with monkeypatch.context() as patch:
        patch.setattr(
            validate_module,
            "check_file",
            lambda *a, **k: pytest.fail("a verified release was validated again"),
        )
        assert main(["ls", "export", "--version", "1.0.0", "-o", str(out)]) == 0
    assert out.read_bytes() == expected.read_bytes().replace(b'"working"', b'"1.0.0"')
    document = project / "annotations" / "releases" / "1.0.0" / "documents" / f"{GOLD_ID}.json"
    document.write_bytes(document.read_bytes() + b" ")
    changed = tmp_path / "changed.json"
    assert main(["ls", "export", "--version", "1.0.0", "-o", str(changed)]) == 1
    assert not changed.exists()

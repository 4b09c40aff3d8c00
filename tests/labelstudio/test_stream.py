"""``corpus ls import`` reads an export file one task at a time (:class:`ExportFile`): the
same documents and the same problems as the parsed export gives, nothing written when
anything is wrong, and memory that does not grow with the number of tasks."""

from __future__ import annotations

import copy
import io
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import ls_project
from corpus.errors import CorpusError
from corpus.formats import labelstudio, native
from corpus.ls_project import ExportFile, Written, import_export, read_export
from tests.labelstudio.ls_helpers import (
    GOLD_ID,
    add_ui_region,
    as_export,
    gold_export,
    make_project,
)
from tests.labelstudio.test_convert import BAD, MALFORMED, corrupt
from tests.labelstudio.test_scale import many_documents

# ------------------------------------------------------------------ the array reader


def elements(text: str | bytes, chunk: int) -> list[Any]:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return list(ls_project._json_array_elements(io.BytesIO(raw), chunk))


def same_json(a: Any, b: Any) -> bool:
    """Equal, NaN included (NaN != NaN)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(json_values, max_size=6),
    st.sampled_from(["", " ", "\n", " \t\r\n "]),
    st.integers(min_value=1, max_value=9),
    st.booleans(),
)
def test_the_array_reader_reads_what_json_reads(
    values: list[Any], space: str, chunk: int, ascii_only: bool
) -> None:
    """Any JSON array, any whitespace, any chunk size (a character, a number or an escape
    cut between two reads): the elements ``json.loads`` gives."""
    separators = ("," + space, ":" + space)
    text = space + json.dumps(values, ensure_ascii=ascii_only, separators=separators) + space
    assert same_json(elements(text, chunk), json.loads(text))


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        " [ ] ",
        "[1,22,333]",
        "[1.5e10, -0.0, 12345678901234567890123]",
        '["\\ud83d\\ude00", "\\ud800", "é€😀"]',  # a pair, a lone surrogate, UTF-8 of 2-4 bytes
        "[NaN, Infinity, -Infinity]",
        '[{"a": [1, {"b": null}]}, true, false, null]',
    ],
)
@pytest.mark.parametrize("chunk", [1, 2, 3, 1 << 20])
def test_the_array_reader_on_the_edges_json_allows(text: str, chunk: int) -> None:
    assert same_json(elements(text, chunk), json.loads(text))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{}",
        b"1",
        b"[1,",
        b"[1 2]",
        b"[1,]",
        b"[1] x",
        b"[1][2]",
        b"\xef\xbb\xbf[1]",  # a byte order mark: json.loads of the text refuses it too
        b'["\xff"]',  # not UTF-8
        b"[1.5e]",
        b"\x00" * 10,
    ],
)
def test_what_is_no_json_array_is_not_streamed(raw: bytes) -> None:
    with pytest.raises(ls_project._NotStreamable):
        elements(raw, 2)


# ------------------------------------------------------------------ the same import


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def outcome(run: Callable[[], list[Written]], out: Path) -> tuple[Any, ...]:
    """What an import did: its problems, or what it wrote (summaries and bytes)."""
    try:
        written = run()
    except CorpusError as error:
        return ("problems", error.problems, snapshot(out) if out.exists() else {})
    return (
        "written",
        [(w.path.name, w.annotator, w.task_id, w.annotation_id, w.planned) for w in written],
        {p.name: p.read_bytes() for p in sorted(out.glob("*.json"))},
    )


def both_ways(export: Any, tmp_path: Path, name: str, **options: Any) -> tuple[Any, Any]:
    """The import of ``export`` from its file, streamed, and from the parsed value."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    streamed_out, parsed_out = tmp_path / f"{name}-streamed", tmp_path / f"{name}-parsed"
    streamed = outcome(
        lambda: import_export(ExportFile(path), file=str(path), out_dir=streamed_out, **options),
        streamed_out,
    )
    parsed = outcome(
        lambda: import_export(
            json.loads(path.read_text(encoding="utf-8")),
            file=str(path),
            out_dir=parsed_out,
            **options,
        ),
        parsed_out,
    )
    return streamed, parsed


def renamed(outcome: tuple[Any, ...], old: str, new: str) -> Any:
    return json.loads(json.dumps(outcome, default=repr).replace(old, new))


@pytest.mark.parametrize("case", sorted(BAD) + sorted(MALFORMED))
def test_a_streamed_import_reports_what_the_parsed_export_reports(
    case: str, project: Path, tmp_path: Path
) -> None:
    export = corrupt(BAD[case]) if case in BAD else gold_export()
    if case in MALFORMED:
        MALFORMED[case](export)
    streamed, parsed = both_ways(export, tmp_path, "export")
    assert streamed[0] == "problems"
    assert renamed(streamed, "export-streamed", "OUT") == renamed(parsed, "export-parsed", "OUT")


def test_a_streamed_import_of_many_tasks_writes_what_the_parsed_one_writes(
    project: Path, tmp_path: Path
) -> None:
    documents = many_documents(project, 12)
    export = as_export(labelstudio.write(documents, version="working", mode="annotations"))
    add_ui_region(export[3])  # a region drawn in the UI: a fresh id
    streamed, parsed = both_ways(export, tmp_path, "export")
    assert streamed[0] == "written" and len(streamed[2]) == 12
    assert renamed(streamed, "export-streamed", "OUT") == renamed(parsed, "export-parsed", "OUT")
    # and every task's problem, wherever it is, the same way
    for index in (0, 6, 11):
        broken = copy.deepcopy(export)
        broken[index]["annotations"][0]["result"][0]["value"]["end"] = 10**6
        streamed, parsed = both_ways(broken, tmp_path, f"broken-{index}")
        assert streamed[0] == "problems" and streamed[2] == {}
        assert renamed(streamed, f"broken-{index}-streamed", "OUT") == renamed(
            parsed, f"broken-{index}-parsed", "OUT"
        )


def test_a_file_that_is_no_streamable_export_gives_the_problems_of_a_whole_read(
    project: Path, tmp_path: Path
) -> None:
    """Not JSON, a byte order mark, Label Studio's CSV, CoNLL and JSON_MIN exports, an
    object: each is the problem a whole read names (and LS_MALFORMED for the object)."""
    files = {
        "truncated": b'[{"data": {}}',
        "bom": b'\xef\xbb\xbf[{"data": {}}]',
        "latin1": b'[{"data": {"text": "caf\xe9"}}]',
        "csv": b"id,annotator,annotation_id,text\n1,a,2,x\n",
        "conll": b"-DOCSTART- -X- O\nTajik O\n",
        "json_min": json.dumps([{"id": 1, "text": "x", "annotator": 1}]).encode(),
    }
    for name, raw in files.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(raw)
        with pytest.raises(CorpusError) as whole:
            read_export(path)
        with pytest.raises(CorpusError) as streamed:
            import_export(ExportFile(path), file=str(path), out_dir=tmp_path / "out")
        assert streamed.value.problems == whole.value.problems, name
    path = tmp_path / "object.json"
    path.write_text('{"data": {}}', encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        import_export(ExportFile(path), file=str(path), out_dir=tmp_path / "out")
    assert [p.code for p in error.value.problems] == ["LS_MALFORMED"]
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ all or none


def test_a_failed_import_writes_nothing_over_existing_documents(
    project: Path, tmp_path: Path
) -> None:
    """Documents are staged as their tasks come; a problem in the last task, or a refusal
    of the overwrite policy there, leaves the earlier targets as they were and no
    temporary file behind."""
    documents = many_documents(project, 6)
    export = as_export(labelstudio.write(documents, version="working", mode="annotations"))
    out = tmp_path / "out"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    first = import_export(ExportFile(path), file=str(path), out_dir=out)
    assert len(first) == 6
    before = snapshot(out)

    renamed_annotator = copy.deepcopy(export)
    for task in renamed_annotator:  # every document changes (another annotator)...
        task["annotations"][0]["completed_by"] = 2
    bad = copy.deepcopy(renamed_annotator)
    bad[-1]["annotations"][0]["result"][0]["value"]["end"] = 10**6  # ...the last is wrong
    erasing = copy.deepcopy(renamed_annotator)
    erasing[-1]["annotations"][0]["result"] = []  # ...the last would erase its annotations
    for broken, code in ((bad, "OFFSET_OUT_OF_RANGE"), (erasing, "WOULD_ERASE_ANNOTATIONS")):
        path.write_text(json.dumps(broken), encoding="utf-8")
        with pytest.raises(CorpusError) as error:
            import_export(ExportFile(path), file=str(path), out_dir=out)
        assert [p.code for p in error.value.problems] == [code]
        assert snapshot(out) == before  # the same files (no temporary one), unchanged

    path.write_text(json.dumps(renamed_annotator), encoding="utf-8")
    written = import_export(ExportFile(path), file=str(path), out_dir=out)
    assert [w.planned.status for w in written if w.planned] == ["changed"] * 6
    assert snapshot(out) != before
    assert written[0].document == native.from_dict(native.read_json(written[0].path))


def test_without_a_spool_the_file_is_read_again_and_a_change_meanwhile_is_a_problem(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spool is a speed-up: without one (no temporary space) the tasks are parsed
    again from the file, and a file that changed after the scan is one NOT_JSON problem."""
    monkeypatch.setattr(ExportFile, "_new_spool", staticmethod(lambda: None))
    export = gold_export()
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    written = import_export(ExportFile(path), file=str(path), out_dir=tmp_path / "out")
    assert [w.document_id for w in written] == [GOLD_ID]

    class Changing(ExportFile):
        def tasks(self) -> Any:
            self.path.write_text(json.dumps(export + export), encoding="utf-8")
            return super().tasks()

    with pytest.raises(CorpusError) as error:
        import_export(Changing(path), file=str(path), out_dir=tmp_path / "other")
    assert [(p.file, p.code, p.message) for p in error.value.problems] == [
        (str(path), "NOT_JSON", "the file changed while it was read")
    ]
    assert not (tmp_path / "other").exists()


# ------------------------------------------------------------------ memory


def peak_of_import(tmp_path: Path, count: int) -> int:
    root = make_project(tmp_path / f"project-{count}", with_release=False)
    documents = many_documents(root, count)
    export = as_export(labelstudio.write(documents, version="working", mode="annotations"))
    path = tmp_path / f"export-{count}.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    del export, documents
    import_export(ExportFile(path), file=str(path), out_dir=tmp_path / f"warm-{count}", root=root)
    tracemalloc.start()
    try:
        import_export(
            ExportFile(path), file=str(path), out_dir=tmp_path / f"out-{count}", root=root
        )
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_memory_of_an_import_does_not_grow_with_the_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three times the tasks, the same peak but for a summary of each document: one task,
    its document and the few corpus documents it is compared with (at most
    ``Corpus.KEEP``) are held at a time. Holding the parsed export and its documents, as
    the import did before, costs about 150 kB more per task of the gold's size. The file
    is read in chunks of ``ExportFile.CHUNK`` bytes (a bounded buffer): made smaller than
    both exports here, so that the buffer is full in both runs and only growth per task
    can differ."""
    monkeypatch.setattr(ExportFile, "CHUNK", 1 << 16)
    small = peak_of_import(tmp_path, 20)
    large = peak_of_import(tmp_path, 60)
    assert (large - small) / 40 < 10_000, (small, large)

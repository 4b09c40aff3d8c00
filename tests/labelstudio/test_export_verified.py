"""``corpus ls export`` of a verified release: each task written straight from its file's
JSON (:func:`corpus.formats.labelstudio.task_json`), in this process or in worker
processes, gives the bytes the validated path gives (documents, then tasks, then
``json.dumps``), and a file changed after the release gives the same error and no file."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import ls_project, release, workers
from corpus.cli import main
from corpus.errors import CorpusError
from corpus.formats import labelstudio, native
from corpus.fsutil import sha256_file
from corpus.model import Document
from tests.labelstudio.ls_helpers import GOLD_ID, gold_file, load_gold, make_project

# --------------------------------------------------------------------------- task_json

odd = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.integers())
name = st.text(max_size=6)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


@st.composite
def document_json(draw: st.DrawFn) -> dict[str, Any]:
    """A document's JSON object as :func:`native.from_dict` reads it: mostly what a valid
    document holds, sometimes a value of another type (written by ``json.dumps`` then)."""
    value = st.one_of(name, odd) if draw(st.booleans()) else name
    number = st.one_of(st.integers(), odd) if draw(st.booleans()) else st.integers()
    entities = draw(
        st.lists(
            st.fixed_dictionaries(
                {"id": value, "type": value, "start": number, "end": number, "text": value}
            ),
            max_size=4,
        )
    )
    ids = [entity["id"] for entity in entities]
    data: dict[str, Any] = {"id": draw(st.text()), "text": draw(st.text())}
    if draw(st.booleans()):
        data["seed"] = draw(
            st.one_of(st.just({}), st.fixed_dictionaries({"path": name, "sha256": value}))
        )
    metadata = draw(st.dictionaries(st.text(max_size=4), json_values, max_size=3))
    annotators = draw(st.sampled_from([None, [], ["a@example.org"], "someone", {"x": 1}]))
    if annotators is not None:
        metadata["annotation"] = {"annotators": annotators}
    if draw(st.booleans()):
        data["metadata"] = metadata
    if entities or draw(st.booleans()):
        data["entities"] = entities
    if ids and draw(st.booleans()):
        data["clusters"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"id": value, "entities": st.lists(st.sampled_from(ids), max_size=3)}
                ),
                max_size=2,
            )
        )
    if draw(st.booleans()):
        data["relations"] = draw(
            st.lists(
                st.fixed_dictionaries({"id": value, "type": value, "head": value, "tail": value}),
                max_size=3,
            )
        )
    return data


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(document_json(), st.sampled_from(labelstudio.EXPORT_MODES), st.text(max_size=8))
def test_task_json_is_the_text_json_dumps_writes_of_the_task(
    data: dict[str, Any], mode: labelstudio.ExportMode, version: str
) -> None:
    document = native.from_dict(data)
    text = labelstudio.task_json(data, version=version, mode=mode)
    if text is None:  # a document not annotated yet: its task is the pre-annotator's
        assert mode != "none" and not labelstudio.is_annotated(document)
        return
    task = labelstudio.document_to_task(document, version=version, mode=mode)
    assert text == json.dumps(task, ensure_ascii=False)


def test_task_json_of_the_gold_in_every_mode() -> None:
    data = native.read_json(gold_file())
    for mode in labelstudio.EXPORT_MODES:
        task = labelstudio.document_to_task(native.from_dict(data), version="1.0.0", mode=mode)
        assert labelstudio.task_json(data, version="1.0.0", mode=mode) == json.dumps(
            task, ensure_ascii=False
        )


# --------------------------------------------------------------------------- a release

COUNT = 41
NEW_ID = "visit_note"
NEW_TEXT = "Eskandar Momeni met the Tajik president in Dushanbe to discuss drug trafficking.\n"


def varied_documents(root: Path, count: int) -> None:
    """``count`` distinct annotated documents in the working copy (the gold with its own id
    and seed, one relation and one cluster left out, a metadata value of its own), and one
    document not annotated yet."""
    gold = load_gold()
    seed = (root / "seeds" / f"{GOLD_ID}.txt").read_bytes()
    working = root / "annotations" / "working"
    for number in range(count):
        document_id = f"many_{number:04d}"
        (root / "seeds" / f"{document_id}.txt").write_bytes(seed)
        relation = number % len(gold.relations)
        cluster = number % max(1, len(gold.clusters))
        document = dataclasses.replace(
            gold,
            id=document_id,
            seed=dataclasses.replace(gold.seed, path=f"seeds/{document_id}.txt")
            if gold.seed
            else None,
            metadata={**gold.metadata, "note": f'«{number}» \u2028 \\ "x"'},
            relations=gold.relations[:relation] + gold.relations[relation + 1 :],
            clusters=gold.clusters[:cluster] + gold.clusters[cluster + 1 :],
        )
        native.write_document(document, working / f"{document_id}.json")
    source = root.parent / f"{NEW_ID}.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    assert main(["add", str(source), "--id", NEW_ID, "--split", "train"]) == 0


@pytest.fixture
def released(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose release 1.0.0 holds :func:`varied_documents`, exported in chunks of 4
    documents (so a few documents make many chunks)."""
    root = make_project(tmp_path / "project", with_release=False)
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    monkeypatch.chdir(tmp_path)
    varied_documents(root, COUNT)
    release.create_release("1.0.0", "many", root=root, date="2026-11-28")
    monkeypatch.setattr(ls_project, "EXPORT_CHUNK", 4)
    return root


def export_bytes(
    monkeypatch: pytest.MonkeyPatch,
    mode: labelstudio.ExportMode,
    jobs: str,
    *,
    verified: bool,
    pre_annotation: str = ls_project.GAZETTEER,
) -> tuple[bytes, ls_project.Dumped]:
    """The bytes ``dump_export`` writes to a file, by the verified path in ``jobs`` processes
    or (``verified=False``) by the validated path of any other set of documents."""
    with monkeypatch.context() as patch:
        patch.setenv("CORPUS_JOBS", jobs)
        if not verified:
            patch.setattr(release, "recorded_files", lambda *a, **k: None)
        handle = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
        dumped = ls_project.dump_export(
            "1.0.0", mode, handle, pre_annotation=pre_annotation, quiet=True
        )
        handle.flush()
        raw = handle.buffer
        assert isinstance(raw, io.BytesIO)
        return raw.getvalue(), dumped


@pytest.mark.parametrize("mode", labelstudio.EXPORT_MODES)
def test_a_verified_export_in_one_process_or_several_is_the_validated_one(
    released: Path, monkeypatch: pytest.MonkeyPatch, mode: labelstudio.ExportMode
) -> None:
    expected, expected_dumped = export_bytes(monkeypatch, mode, "1", verified=False)
    tasks = json.loads(expected)
    assert len(tasks) == COUNT + 2 and expected_dumped.count == COUNT + 2
    if mode != "none":  # the document not annotated yet carries the gazetteer's predictions
        assert expected_dumped.pre_annotated == (NEW_ID,)
        (new,) = [t for t in tasks if t["data"]["document_id"] == NEW_ID]
        assert new["predictions"][0]["model_version"] == expected_dumped.model_version
    for jobs in ("1", "2"):
        written, dumped = export_bytes(monkeypatch, mode, jobs, verified=True)
        assert written == expected, jobs
        assert dumped == expected_dumped


def test_a_verified_export_through_a_text_handle_without_a_buffer_is_the_same(
    released: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected, _ = export_bytes(monkeypatch, "annotations", "1", verified=False)
    handle = io.StringIO()
    ls_project.dump_export("1.0.0", "annotations", handle, quiet=True)
    assert handle.getvalue().encode("utf-8") == expected


def test_a_verified_release_is_read_once_and_never_validated(
    released: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each document file's checksum is taken from the bytes the export parses: no pass
    that reads every file to checksum it first, no validation (the gazetteer, which reads
    the release its own way, is left out)."""
    unannotated = ls_project.NO_PRE_ANNOTATION
    expected, _ = export_bytes(
        monkeypatch, "annotations", "1", verified=False, pre_annotation=unannotated
    )
    monkeypatch.setattr(
        release, "sha256_file", lambda path: pytest.fail(f"{path} was read to checksum it")
    )
    monkeypatch.setattr(
        "corpus.validate.check_file", lambda *a, **k: pytest.fail("validated again")
    )
    written, _ = export_bytes(
        monkeypatch, "annotations", "1", verified=True, pre_annotation=unannotated
    )
    assert written == expected


def change_a_document_in_the_middle(root: Path) -> Path:
    documents = sorted((root / "annotations" / "releases" / "1.0.0" / "documents").iterdir())
    middle = documents[len(documents) // 2]
    middle.chmod(0o644)
    middle.write_bytes(middle.read_bytes().replace(b'"text"', b'"text" ', 1))
    return middle


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_changed_in_the_middle_gives_the_validated_error_and_no_file(
    released: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    jobs: str,
) -> None:
    changed = change_a_document_in_the_middle(released)
    # no gazetteer: it reads the release its own way, and would report the change itself
    export = ["ls", "export", "--version", "1.0.0", "--pre-annotator", "none"]
    with monkeypatch.context() as patch:  # what the validated path says of it
        patch.setattr(release, "recorded_files", lambda *a, **k: None)
        assert main([*export, "-o", str(tmp_path / "x.json")]) == 1
    expected = capsys.readouterr()
    assert "CHECKSUM_MISMATCH" in expected.err and changed.name in expected.err
    monkeypatch.setenv("CORPUS_JOBS", jobs)
    target = tmp_path / "tasks.json"
    assert main([*export, "-o", str(target)]) == 1
    assert capsys.readouterr() == expected
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert main(export) == 1  # to stdout: nothing
    out, err = capsys.readouterr()
    assert out == "" and err == expected.err


def test_a_file_a_worker_cannot_read_is_the_same_problem_as_in_one_process(
    released: Path,
) -> None:
    files = release.recorded_files("1.0.0", released)
    assert files is not None
    gone = released / "gone.json"
    files.insert(len(files) // 2, (gone, "0" * 64))
    problems = []
    for jobs in (1, 2):
        with pytest.raises(CorpusError) as caught:
            list(ls_project._task_lines(files, "1.0.0", "annotations", jobs))
        problems.append(caught.value.problems)
    assert problems[0] == problems[1]
    assert [(p.file, p.code) for p in problems[0]] == [(str(gone), "NOT_FOUND")]


# --------------------------------------------------------------------------- workers


def test_workers_start_from_the_threshold_unless_corpus_jobs_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CORPUS_JOBS", raising=False)
    threshold = ls_project.EXPORT_PARALLEL_FROM
    assert ls_project.export_jobs(threshold - 1) == 1
    assert ls_project.export_jobs(threshold) == min(2, workers.cores())
    monkeypatch.setenv("CORPUS_JOBS", "1")
    assert ls_project.export_jobs(100 * threshold) == 1
    monkeypatch.setenv("CORPUS_JOBS", "3")
    assert ls_project.export_jobs(100 * threshold) == 3
    assert ls_project.export_jobs(ls_project.EXPORT_CHUNK + 1) == 2  # one per chunk at most


def test_recorded_files_are_the_documents_with_their_manifest_checksums(
    released: Path,
) -> None:
    folder = released / "annotations" / "releases" / "1.0.0"
    files = release.recorded_files("1.0.0", released)
    listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert files == [
        (path, listed[f"documents/{path.name}"])
        for path in sorted((folder / "documents").glob("*.json"))
    ]
    assert release.recorded_files("working", released) is None
    extra = folder / "documents" / "notes.txt"  # a file the manifest does not list
    extra.write_text("x", encoding="utf-8")
    assert release.recorded_files("1.0.0", released) is None
    assert release.verified_files("1.0.0", released) is None
    extra.unlink()
    assert release.verified_files("1.0.0", released) == [path for path, _ in files]


def no_mentions(text: str) -> list[Any]:
    """A pre-annotator that reads no release (the gazetteer reads one its own way)."""
    return []


def test_an_export_builds_no_document_of_a_verified_release_but_to_pre_annotate_it(
    released: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the document not annotated yet becomes a Document (its prediction needs one)."""
    built: list[str] = []
    from_dict = native.from_dict

    def counted(data: dict[str, Any]) -> Document:
        built.append(data["id"])
        return from_dict(data)

    monkeypatch.setattr(native, "from_dict", counted)
    hook = f"{__name__}:no_mentions"
    _, dumped = export_bytes(monkeypatch, "predictions", "1", verified=True, pre_annotation=hook)
    assert built == [NEW_ID] and dumped.pre_annotated == (NEW_ID,)


def test_recorded_files_are_the_files_native_reads_as_documents(
    released: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Taken from the release's listing, they are what ``native.document_files`` finds: a
    hidden file, another suffix or a nested folder is a release file but no document."""
    folder = released / "annotations" / "releases" / "1.0.0"
    manifest_path = folder / "manifest.json"
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name in ("documents/.hidden.json", "documents/notes.txt", "documents/sub/x.json"):
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text("{}", encoding="utf-8")
        data["files"][name] = sha256_file(folder / name)
    manifest_path.chmod(0o644)
    manifest_path.write_text(json.dumps(data), encoding="utf-8")
    # the manifest changed, so its record in the index no longer matches: not what is tested
    monkeypatch.setattr("corpus.manifest.release_record_problems", lambda *a, **k: [], raising=True)
    files = release.recorded_files("1.0.0", released)
    assert files is not None
    assert [path for path, _ in files] == native.document_files(folder / "documents")

"""brat standoff: lossless round trip, generated configuration, and clean failures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from corpus.errors import CorpusError
from corpus.formats import brat
from corpus.model import Cluster, Document, Entity, Relation
from corpus.schema import inventory
from tests.teach.teach_helpers import HERE, corpora, documents

CORPORA = corpora()
BAD = HERE / "fixtures" / "brat_bad"


@pytest.mark.parametrize(("name", "documents"), CORPORA, ids=[name for name, _ in CORPORA])
def test_round_trip_equals_the_documents(
    name: str, documents: list[Document], tmp_path: Path
) -> None:
    folder = tmp_path / "brat"
    brat.write(documents, folder)
    assert brat.read(folder) == documents
    for document in documents:
        assert (folder / f"{document.id}.txt").read_bytes() == document.text.encode("utf-8")


def test_ann_lines_follow_the_spec() -> None:
    (_, [document]) = CORPORA[0]
    lines = brat.to_ann(document).splitlines()
    entity = document.entities[0]
    assert lines[0] == f"{entity.id}\t{entity.type} {entity.start} {entity.end}\t{entity.text}"
    relation = document.relations[0]
    assert f"{relation.id}\t{relation.type} Arg1:{relation.head} Arg2:{relation.tail}" in lines
    cluster = document.clusters[0]
    assert f"*\tCoref {' '.join(cluster.entities)}" in lines
    assert not any(line.startswith("#") for line in lines)  # ids are brat-shaped already


def test_annotation_conf_comes_from_the_schema() -> None:
    conf = brat.annotation_conf()
    sections = re.split(r"^\[(\w+)\]$", conf, flags=re.M)
    entities = [line for line in sections[sections.index("entities") + 1].splitlines() if line]
    assert entities == inventory().entity_types
    relations = {
        line.split("\t")[0]: line.split("\t")[1]
        for line in sections[sections.index("relations") + 1].splitlines()
        if line and not line.startswith("#")
    }
    listed = [name for name in relations if name not in ("<OVERLAP>", brat.COREF)]
    assert listed == inventory().current_relation_types
    for label in inventory().relations:
        if label.deprecated:
            continue
        assert relations[label.name].startswith(
            f"Arg1:{'|'.join(label.head)}, Arg2:{'|'.join(label.tail)}"
        )
        assert relations[label.name].endswith("<REL-TYPE>:symmetric") == label.symmetric
    assert "contain|equal" in relations["<OVERLAP>"]
    visual = brat.visual_conf()
    for label in inventory().entities:
        assert f"{label.name}\tbgColor:{label.color}" in visual


def test_a_deprecated_relation_type_is_in_the_conf_only_when_the_documents_use_it(
    tmp_path: Path,
) -> None:
    """brat would flag a release 1.x relation of a retired type; new work is not offered it."""
    retired = next(label for label in inventory().relations if label.deprecated)
    text = "Rahmon met Momeni."
    entities = (Entity("T1", "PER", 0, 6, "Rahmon"), Entity("T2", "PER", 11, 17, "Momeni"))
    metadata = {"language": "en", "split": "test", "source": {"outlet": None, "url": None}}
    plain = Document(id="doc-a", text=text, metadata=metadata, entities=entities)
    old = Document(
        id="doc-b",
        text=text,
        metadata=metadata,
        entities=entities,
        relations=(Relation("R1", retired.name, "T1", "T2"),),
    )
    for written, expected in (([plain], False), ([plain, old], True)):
        folder = tmp_path / written[-1].id
        brat.write(written, folder)
        conf = (folder / "annotation.conf").read_text(encoding="utf-8")
        assert (f"\n{retired.name}\t" in conf) is expected
        assert brat.read(folder) == written


def test_foreign_ids_survive_through_annotator_notes(tmp_path: Path) -> None:
    text = "Rahmon met Momeni in Dushanbe.\nThen Momeni left."
    document = Document(
        id="doc-x",
        text=text,
        metadata={"language": "en", "split": "test", "source": {"outlet": None, "url": None}},
        entities=(
            Entity("ent-a", "PER", 0, 6, "Rahmon"),
            Entity("T2", "PER", 11, 17, "Momeni"),
            Entity("ls_9", "GPE", 21, 29, "Dushanbe"),
            Entity("T7", "PER", 36, 42, "Momeni"),
        ),
        relations=(
            Relation("rel-1", "met_with", "ent-a", "T2"),
            Relation("R1", "visited", "T2", "ls_9"),
        ),
        clusters=(Cluster("momeni", ("T2", "T7")),),
    )
    ann = brat.to_ann(document)
    assert "T8\tPER 0 6\tRahmon" in ann and "#1\tAnnotatorNotes T8\tcorpus-id: ent-a" in ann
    assert "R2\tmet_with Arg1:T8 Arg2:T2" in ann
    brat.write([document], tmp_path / "out")
    assert brat.read(tmp_path / "out") == [document]


def test_span_across_a_line_break_is_a_brat_fragment_list(tmp_path: Path) -> None:
    text = "the Minister of\nInternal Affairs said"
    document = Document(
        id="d",
        text=text,
        metadata={"language": "en", "split": "train", "source": {"outlet": None, "url": None}},
        entities=(Entity("T1", "TITLE", 4, 32, text[4:32]),),
    )
    assert brat.to_ann(document) == "T1\tTITLE 4 15;16 32\tMinister of Internal Affairs\n"
    brat.write([document], tmp_path / "out")
    assert brat.read(tmp_path / "out") == [document]


def test_missing_sidecar_gives_documented_defaults(tmp_path: Path) -> None:
    (_, [document]) = CORPORA[0]
    brat.write([document], tmp_path / "out")
    (tmp_path / "out" / f"{document.id}.corpus.json").unlink()
    [back] = brat.read(tmp_path / "out")
    assert back.metadata == brat.DEFAULT_METADATA and back.seed is None
    assert [c.id for c in back.clusters] == [f"C{i}" for i in range(1, len(back.clusters) + 1)] or {
        c.id for c in back.clusters
    }.isdisjoint({e.id for e in back.entities})
    assert back.entities == document.entities and back.relations == document.relations


EXPECTED_BAD = [
    ("doc1", 2, "BAD_OFFSETS"),
    ("doc1", 3, "UNKNOWN_ENTITY_TYPE"),
    ("doc1", 4, "TEXT_MISMATCH"),
    ("doc1", 5, "DANGLING_ARGUMENT"),
    ("doc1", 6, "MALFORMED_LINE"),
    ("doc1", 7, "UNSUPPORTED_ANNOTATION"),
    ("doc1", 8, "DANGLING_ARGUMENT"),
    ("doc1", 9, "BAD_OFFSETS"),
    ("doc2", 3, "RELATION_TYPE_NOT_ALLOWED"),
]


def test_hand_made_bad_folder_reports_every_problem_once() -> None:
    with pytest.raises(CorpusError) as caught:
        brat.read(BAD)
    found = [(p.document, int(p.pointer.split()[1]), p.code) for p in caught.value.problems]
    assert found == EXPECTED_BAD
    assert caught.value.exit_code == 1


def test_import_command_fails_cleanly_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus.cli import main

    output = tmp_path / "out"
    assert main(["import", "brat", str(BAD), "-o", str(output)]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == len(EXPECTED_BAD)
    pattern = re.compile(r"^\S+/(doc\d)\.ann: (doc\d): line (\d+): ([A-Z_]+): .+$")
    for line, (document, number, code) in zip(lines, EXPECTED_BAD, strict=True):
        match = pattern.match(line)
        assert match is not None, line
        assert match.groups() == (document, document, str(number), code)
    assert "Traceback" not in captured.err
    assert not output.exists()


@pytest.mark.parametrize(
    ("suffix", "damage", "line"),
    [
        (".txt", "folder", "/: UNREADABLE: cannot read the file: Is a directory"),
        (".ann", "folder", "/: UNREADABLE: cannot read the file: Is a directory"),
        (".corpus.json", "folder", "/: BAD_SIDECAR: cannot read: Is a directory"),
        (".corpus.json", "deep", "/: BAD_SIDECAR: not UTF-8 JSON: nested too deeply"),
    ],
)
def test_unreadable_folder_files_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str, damage: str, line: str
) -> None:
    from corpus.cli import main

    (_, [document]) = CORPORA[0]
    folder = tmp_path / "brat"
    brat.write([document], folder)
    path = folder / f"{document.id}{suffix}"
    path.unlink()
    if damage == "folder":
        path.mkdir()
    else:
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    # a file that cannot be read is unusable input (exit 2), a bad sidecar a problem (exit 1)
    expected = 2 if "UNREADABLE" in line else 1
    assert main(["import", "brat", str(folder), "-o", str(tmp_path / "out")]) == expected
    assert capsys.readouterr().err == f"{path}: {document.id}: {line}\n"
    assert not (tmp_path / "out").exists()


def test_export_command_refuses_a_non_empty_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus.cli import main

    output = tmp_path / "out"
    output.mkdir()
    (output / "keep.txt").write_text("mine")
    assert main(["export", "brat", "-o", str(output)]) == 2
    assert "OUTPUT_EXISTS" in capsys.readouterr().err
    assert [p.name for p in output.iterdir()] == ["keep.txt"]
    assert main(["export", "brat", "-o", str(output), "--force"]) == 0
    assert (output / "annotation.conf").exists() and not (output / "keep.txt").exists()


# ------------------------------------------------------------------ property-based round trip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=documents())
def test_round_trip_property(document: Document, tmp_path: Path) -> None:
    folder = tmp_path / "rt"
    brat.write([document], folder, replace=True)
    assert brat.read(folder) == [document]


def test_import_never_writes_into_a_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus.cli import main
    from corpus.paths import releases_dir

    (_, documents) = CORPORA[0]
    brat.write(documents, tmp_path / "brat")
    target = releases_dir() / "9.9.9-never"
    assert main(["import", "brat", str(tmp_path / "brat"), "-o", str(target)]) == 2
    assert "OUTPUT_IN_RELEASE" in capsys.readouterr().err
    assert not target.exists()


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away project (CORPUS_ROOT) with the repository's releases, schema and seeds."""
    import shutil

    from tests.teach.teach_helpers import ROOT

    root = tmp_path / "project"
    for name in ("schema", "seeds", "annotations/releases"):
        shutil.copytree(ROOT / name, root / name)
    (root / "annotations" / "working").mkdir()
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    return root


def test_exports_never_write_into_or_replace_a_release(
    project_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus.cli import main

    releases = project_copy / "annotations" / "releases"
    before = {p: p.read_bytes() for p in releases.rglob("*") if p.is_file()}
    release = sorted(releases.iterdir())[-1]
    for argv, output in (
        (["render", "-o"], release / "documents" / "page.html"),
        (["export", "conll", "-o"], release / "manifest.json"),
        (["export", "brat", "--force", "-o"], release / "documents"),
        (["export", "brat", "--force", "-o"], project_copy / "annotations"),
    ):
        assert main([*argv, str(output)]) == 2
        shown = output.relative_to(project_copy).as_posix()
        assert capsys.readouterr().err == (
            f"{shown}: -: /: OUTPUT_IN_RELEASE: releases are never modified; "
            "choose an output outside annotations/releases\n"
        )
    assert {p: p.read_bytes() for p in releases.rglob("*") if p.is_file()} == before


def test_a_file_export_into_a_folder_above_the_project_is_no_release_write(
    project_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`export conll -o /tmp` with the project under /tmp said OUTPUT_IN_RELEASE: a file
    written at a folder holding the project replaces no release. The file system's own
    refusal (a folder where a file is expected) is what the user needs to read."""
    from corpus.cli import main

    above = project_copy.parent  # holds the project, as /tmp holds a clone in /tmp
    for argv in (["export", "conll", "-o"], ["render", "-o"]):
        assert main([*argv, str(above)]) == 2
        assert capsys.readouterr().err == f"{above}: -: /: OS_ERROR: Is a directory\n"
        assert main([*argv, str(above / "out.txt")]) == 0
        assert (above / "out.txt").is_file()
    # replacing that folder as a whole would remove the releases: still refused
    assert main(["export", "brat", "--force", "-o", str(above)]) == 2
    assert ": OUTPUT_IN_RELEASE: " in capsys.readouterr().err


def test_export_force_onto_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """'-o .' has no name to rename by: it used to be a ValueError traceback."""
    from corpus.cli import main

    here = tmp_path / "here"
    here.mkdir()
    (here / "old.txt").write_text("replaced by --force", encoding="utf-8")
    monkeypatch.chdir(here)
    assert main(["export", "brat", "-o", "."]) == 2
    assert "OUTPUT_EXISTS" in capsys.readouterr().err
    assert main(["export", "brat", "-o", ".", "--force"]) == 0
    names = sorted(p.name for p in here.iterdir())
    assert "annotation.conf" in names and "old.txt" not in names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]  # nothing left beside it


def test_export_force_never_replaces_a_project_folder(
    project_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--force replaces its output folder: never seeds/, schema/, the working copy or the root."""
    from corpus.cli import main

    (project_copy / "annotations" / "working" / "keep.json").write_text("{}", encoding="utf-8")
    before = {p: p.read_bytes() for p in project_copy.rglob("*") if p.is_file()}
    for output, code in (
        ("seeds", "OUTPUT_IS_PROJECT_FOLDER"),
        ("schema", "OUTPUT_IS_PROJECT_FOLDER"),
        ("annotations/working", "OUTPUT_IS_PROJECT_FOLDER"),
        (".", "OUTPUT_IN_RELEASE"),  # the root holds the releases: that check comes first
    ):
        target = project_copy / output
        assert main(["export", "brat", "--force", "-o", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f": {code}: " in err, err
    assert {p: p.read_bytes() for p in project_copy.rglob("*") if p.is_file()} == before


# ------------------------------------------------------------- the sidecar's shape (JSON Schema)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(metadata=[]), [("/metadata", "'metadata' must be a JSON object")]),
        (lambda d: d.pop("clusters"), [("/clusters", "'clusters' must be a list")]),
        (
            lambda d: d.update(seed={"path": "seeds/x.txt"}),
            [("/seed", "'seed' must be null or {path, sha256}")],
        ),
        (lambda d: d.update(format="other"), [("/format", "not a corpus-brat-sidecar file")]),
        (lambda d: d.clear(), [("/format", "not a corpus-brat-sidecar file")]),
        (
            lambda d: d.update(id="another", clusters={}),
            [
                ("/clusters", "'clusters' must be a list"),
                ("/id", "the sidecar is for document 'another'"),
            ],
        ),
    ],
)
def test_the_sidecar_schema_locates_each_problem(
    tmp_path: Path, change: Any, expected: list[tuple[str, str]]
) -> None:
    (_, [document]) = CORPORA[0]
    folder = tmp_path / "brat"
    brat.write([document], folder)
    path = folder / f"{document.id}{brat.SIDECAR_SUFFIX}"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        brat.read(folder)
    problems = caught.value.problems
    assert {p.code for p in problems} == {"BAD_SIDECAR"}
    assert {p.file for p in problems} == {str(path)}
    assert [(p.pointer, p.message) for p in problems] == expected
    assert caught.value.exit_code == 1


def test_a_sidecar_that_is_not_an_object_is_named_as_such(tmp_path: Path) -> None:
    (_, [document]) = CORPORA[0]
    folder = tmp_path / "brat"
    brat.write([document], folder)
    (folder / f"{document.id}{brat.SIDECAR_SUFFIX}").write_text("[1, 2]", encoding="utf-8")
    _, problems = brat.read_document(folder, document.id)
    assert [str(p) for p in problems] == [
        f"{document.id}{brat.SIDECAR_SUFFIX}: {document.id}: /format: BAD_SIDECAR: "
        "not a corpus-brat-sidecar file"
    ]

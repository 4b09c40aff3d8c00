"""``corpus build``: rows of each config agree with the documents, determinism, atomicity,
the report of what flat tags and TACRED rows cannot carry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from seqeval.metrics.sequence_labeling import get_entities

from corpus import hf
from corpus.cli import main
from corpus.hf import BuildReport, build, build_rows, ner_tag_names, prepare, relation_label_names
from corpus.model import Document
from corpus.schema import inventory
from corpus.splits import SPLITS


def parquet_rows(folder: Path, config: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in sorted((folder / config).glob("*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return rows


def test_label_names_follow_the_schema_order() -> None:
    labels = inventory()
    tags = ner_tag_names()
    assert tags[0] == "O"
    assert tags[1::2] == [f"B-{t}" for t in labels.entity_types]
    assert tags[2::2] == [f"I-{t}" for t in labels.entity_types]
    assert relation_label_names() == ["no_relation", *labels.relation_types]


def test_every_config_has_a_file_per_split_and_a_card(
    built: tuple[Path, BuildReport], gold: list[Document]
) -> None:
    folder, report = built
    splits = {str(d.metadata.get("split", "train")) for d in gold}
    # documents all in one split: ner and relations offer the three teaching splits
    row_splits = set(SPLITS) if len(splits) == 1 else splits
    for config in hf.CONFIGS:
        expected = splits if config == "documents" else row_splits
        assert {p.stem for p in (folder / config).glob("*.parquet")} == expected
    assert (folder / "README.md").is_file()
    assert not list(folder.rglob("*.py")), "the package must be script-free"
    assert report.rows["documents"] == {
        s: sum(1 for d in gold if d.metadata["split"] == s) for s in splits
    }


def test_documents_rows_are_the_documents(
    built: tuple[Path, BuildReport], gold: list[Document], gold_version: str
) -> None:
    folder, _ = built
    rows = {row["id"]: row for row in parquet_rows(folder, "documents")}
    assert set(rows) == {d.id for d in gold}
    entity_types = inventory().entity_types
    for document in gold:
        row = rows[document.id]
        assert row["text"] == document.text
        assert row["version"] == gold_version
        assert [
            (e["id"], entity_types[e["type"]], e["start"], e["end"], e["text"])
            for e in row["entities"]
        ] == [(e.id, e.type, e.start, e.end, e.text) for e in document.entities]


def test_ner_tags_are_the_outermost_mentions(
    built: tuple[Path, BuildReport], gold: list[Document]
) -> None:
    folder, report = built
    names = ner_tag_names()
    by_doc = {d.id: d for d in gold}
    tagged: dict[str, set[tuple[str, int, int]]] = {d.id: set() for d in gold}
    for row in parquet_rows(folder, "ner"):
        text = by_doc[row["document_id"]].text
        starts, ends = row["token_starts"], row["token_ends"]
        assert [text[s:e] for s, e in zip(starts, ends, strict=True)] == row["tokens"]
        tags = [names[t] for t in row["ner_tags"]]
        for label, first, last in get_entities(tags):
            tagged[row["document_id"]].add((label, starts[first], ends[last]))
    dropped = 0
    for document in gold:
        spans = {(e.type, e.start, e.end) for e in document.entities}
        assert tagged[document.id] <= spans
        for entity in document.entities:
            inside_longer = any(
                o.start <= entity.start
                and entity.end <= o.end
                and o.end - o.start > entity.end - entity.start
                for o in document.entities
            )
            if (entity.type, entity.start, entity.end) not in tagged[document.id]:
                assert inside_longer, f"{entity} is missing from ner without being nested"
                dropped += 1
            else:
                assert not inside_longer
    assert sum(report.nested_dropped["outermost"].values()) == dropped
    assert not report.boundary_problems


def test_relation_rows_pair_every_two_mentions_of_a_sentence(
    built: tuple[Path, BuildReport], gold: list[Document]
) -> None:
    folder, report = built
    rows = parquet_rows(folder, "relations")
    relation_names = relation_label_names()
    expected_rows = 0
    for document in gold:
        prepared = prepare(document)
        per_sentence: dict[int, int] = {}
        for placement in prepared.placements.values():
            per_sentence[placement.sentence] = per_sentence.get(placement.sentence, 0) + 1
        expected_rows += sum(n * (n - 1) for n in per_sentence.values())
    assert len(rows) == expected_rows
    labelled = {
        (r["document_id"], r["subj_id"], r["obj_id"]): relation_names[r["relation"]] for r in rows
    }
    assert len(labelled) == len(rows)
    for document in gold:
        prepared = prepare(document)
        for relation in document.relations:
            head = prepared.placements[relation.head]
            tail = prepared.placements[relation.tail]
            if head.sentence != tail.sentence:
                assert (document.id, relation.id, relation.type) in report.cross_sentence_relations
                continue
            assert labelled[(document.id, relation.head, relation.tail)] == relation.type
            if inventory().relation(relation.type).symmetric:
                assert labelled[(document.id, relation.tail, relation.head)] == relation.type
    for row in rows:
        tokens = row["tokens"]
        assert 0 <= row["subj_start"] < row["subj_end"] <= len(tokens)
        assert 0 <= row["obj_start"] < row["obj_end"] <= len(tokens)


def test_rebuilding_gives_byte_identical_files(
    tmp_path: Path, built: tuple[Path, BuildReport], gold_version: str
) -> None:
    folder, _ = built
    again = tmp_path / "again"
    build(gold_version, again)
    first = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second
    for name in first:
        assert (folder / name).read_bytes() == (again / name).read_bytes(), name


def test_a_failed_build_leaves_the_previous_folder_untouched(
    tmp_path: Path, gold_version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "dataset"
    build(gold_version, target)
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}

    def broken(*args: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr("corpus.hf.card.render_card", broken)
    with pytest.raises(RuntimeError):
        build(gold_version, target)
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["dataset"], "staging folder left behind"


def test_the_fixture_reports_nesting_misalignment_and_cross_sentence(
    fixture_document: Document,
) -> None:
    rows, report = build_rows([fixture_document], "working")
    assert [(p.entity, p.reason.split(" falls")[0]) for p in report.boundary_problems] == [
        ("T10", "end 320")
    ]
    # ORG website contains PER Tajik president, which contains GPE Tajik and TITLE president
    assert report.nested_dropped["outermost"] == {"PER": 1, "GPE": 1, "TITLE": 1}
    assert report.nested_dropped["innermost"] == {"PER": 1, "ORG": 1}
    assert [r[1] for r in report.cross_sentence_relations] == ["R6"]
    assert [r[1] for r in report.unplaced_relations] == ["R7"]
    assert [r[1] for r in report.duplicate_pair_relations] == ["R4"]
    relation_names = relation_label_names()
    pairs = {
        (r["subj_id"], r["obj_id"]): relation_names[r["relation"]]
        for r in rows["relations"]["train"]
    }
    assert pairs[("T3", "T5")] == "received"
    assert pairs[("T5", "T3")] == "counterpart_of"  # symmetric, the reverse pair was free
    assert pairs[("T7", "T9")] == "has_title"  # nested arguments are kept
    assert not any("T10" in (s, o) for s, o in pairs)
    second_sentence = rows["ner"]["train"][1]
    assert second_sentence["tokens"][:4] == ["The", "Tajik", "president", "\u2019s"]
    tags = [ner_tag_names()[t] for t in second_sentence["ner_tags"]]
    assert tags[:6] == ["O", "B-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG"]


def test_cli_build_prints_the_summary(
    tmp_path: Path, gold_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--version", gold_version, "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "out") in out
    assert "nested spans dropped" in out and "different sentences" in out
    info = json.loads((tmp_path / "out" / hf.BUILD_INFO_FILE).read_text(encoding="utf-8"))
    assert info["report"]["version"] == gold_version


def test_cli_build_never_replaces_a_folder_it_did_not_build(
    tmp_path: Path, gold_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("keep me", encoding="utf-8")
    assert main(["build", "--version", gold_version, "-o", str(precious)]) == 2
    assert "OUTPUT_NOT_A_DATASET" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["thesis.tex"]
    assert main(["build", "--version", "9.9.9", "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "9.9.9" in err[0]
    assert not (tmp_path / "x").exists()


def test_cli_build_never_writes_into_the_releases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    root = tmp_path / "project"
    for name in ("schema", "seeds", "annotations/releases"):
        shutil.copytree(Path(__file__).resolve().parents[2] / name, root / name)
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    releases = root / "annotations" / "releases"
    before = sorted(p.relative_to(releases) for p in releases.rglob("*"))
    assert main(["build", "-o", str(releases / "9.9.9")]) == 2
    assert capsys.readouterr().err == (
        "annotations/releases/9.9.9: -: /: OUTPUT_IN_RELEASE: releases are never modified; "
        "choose an output outside annotations/releases\n"
    )
    assert sorted(p.relative_to(releases) for p in releases.rglob("*")) == before


def test_cli_build_onto_a_symlink_loop_is_one_line(
    tmp_path: Path, gold_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    assert main(["build", "--version", gold_version, "-o", str(tmp_path / "a")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'a'}: -: /: OS_ERROR: Not a directory\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # no staging folder left


def test_cli_build_without_a_release_builds_the_working_copy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    project_root: Path,
) -> None:
    """The one default of every command (corpus.sources): the latest release, or the working
    copy while there is none. `corpus build` used to refuse with NO_RELEASE."""
    shutil.copytree(project_root / "schema", tmp_path / "schema")
    shutil.copytree(project_root / "seeds", tmp_path / "seeds")
    shutil.copytree(project_root / "annotations" / "working", tmp_path / "annotations" / "working")
    monkeypatch.setenv("CORPUS_ROOT", str(tmp_path))
    assert hf.resolve_version(None) == "working"
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "dataset built from the working copy"
    # into its own folder: build/dataset holds releases only
    card = (tmp_path / "build" / "dataset-working" / "README.md").read_text(encoding="utf-8")
    assert "the **working copy** (not a release" in card
    assert not (tmp_path / "build" / "dataset").exists()

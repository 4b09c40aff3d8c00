"""A build of many documents: Parquet shards of at most ``SHARD_ROWS`` rows per file,
listed in the card, read by ``datasets`` (normal and streaming) and by DuckDB without our
code; the build reads a release by its checksums without validating it again, its files one
at a time in worker processes, and writes the same bytes as one process does."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import datasets
import duckdb
import pyarrow.parquet as pq
import pytest

from corpus.errors import CorpusError
from corpus.formats.native import dumps
from corpus.hf import (
    CONFIGS,
    BuildReport,
    LabelIds,
    TableBuffer,
    build,
    build_documents,
    document_columns,
    documents_from_dataset,
    features,
    relation_label_names,
)
from corpus.hf import folder as hf_folder
from corpus.hf import pipeline as hf_pipeline
from corpus.hf import rows as hf_rows
from corpus.model import Document
from corpus.release import load_verified

ROOT = Path(__file__).resolve().parents[2]
#: small limits, so a few dozen documents make several shards of every config
LIMITS = {"documents": 7, "ner": 50, "relations": 2_000}


def copies(gold: list[Document], count: int) -> list[Document]:
    """``count`` copies of the gold documents with distinct ids; every fifth in ``test``."""
    out = []
    for index in range(count):
        for document in gold:
            metadata = dict(document.metadata)
            metadata["split"] = "test" if index % 5 == 4 else "train"
            out.append(replace(document, id=f"{index:05d}_{document.id}", metadata=metadata))
    return out


@pytest.fixture(scope="module")
def sharded(
    tmp_path_factory: pytest.TempPathFactory, gold: list[Document], gold_version: str
) -> tuple[Path, BuildReport, list[Document]]:
    documents = copies(gold, 40)
    folder = tmp_path_factory.mktemp("sharded") / "dataset"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hf_folder, "SHARD_ROWS", LIMITS)
        report = build_documents(documents, gold_version, folder)
    return folder, report, documents


def test_splits_are_written_as_shards_listed_in_the_card(
    sharded: tuple[Path, BuildReport, list[Document]],
) -> None:
    folder, report, _ = sharded
    card = (folder / "README.md").read_text(encoding="utf-8")
    for config in CONFIGS:
        listed = datasets.load_dataset_builder(str(folder), config).config.data_files
        for split, rows in report.rows[config].items():
            files = sorted((folder / config).glob(f"{split}-*-of-*.parquet"))
            assert len(files) == -(-rows // LIMITS[config]) > 1, (config, split)
            sizes = [pq.read_metadata(path).num_rows for path in files]
            assert sizes[:-1] == [LIMITS[config]] * (len(files) - 1) and sum(sizes) == rows
            for path in files:
                assert f"{config}/{path.name}" in card
            assert sorted(Path(name).name for name in listed[split]) == [p.name for p in files]
    assert not list(folder.rglob(".*part*")), "temporary shard names left behind"


def test_datasets_loads_every_shard_normal_and_streaming(
    sharded: tuple[Path, BuildReport, list[Document]], gold: list[Document]
) -> None:
    folder, report, documents = sharded
    for config in CONFIGS:
        loaded = datasets.load_dataset(str(folder), config)
        assert {split: loaded[split].num_rows for split in loaded} == report.rows[config]
        assert all(loaded[split].features == features(config) for split in loaded)
        streamed = datasets.load_dataset(str(folder), config, streaming=True)
        for split, rows in report.rows[config].items():
            assert streamed[split].features == features(config)
            ids = [row["id"] for row in streamed[split]]
            assert ids == loaded[split]["id"] and len(ids) == rows
    back = documents_from_dataset(datasets.load_dataset(str(folder), "documents"))
    assert back == sorted(documents, key=lambda d: d.id)


def test_duckdb_reads_the_shards_without_our_code(
    sharded: tuple[Path, BuildReport, list[Document]],
) -> None:
    folder, report, _ = sharded
    names = relation_label_names()
    counts = duckdb.sql(
        f"SELECT relation, count(*) FROM '{folder}/relations/*.parquet' GROUP BY relation"
    ).fetchall()
    assert {names[label]: count for label, count in counts} == dict(report.relation_row_counts)
    distinct = duckdb.sql(f"SELECT count(DISTINCT id) FROM '{folder}/documents/*.parquet'")
    assert distinct.fetchall() == [(report.documents,)]


def test_shards_hold_the_rows_of_a_single_file_build(
    tmp_path: Path, sharded: tuple[Path, BuildReport, list[Document]], gold_version: str
) -> None:
    folder, _, documents = sharded
    whole = tmp_path / "whole"
    build_documents(documents, gold_version, whole)
    for config in CONFIGS:
        assert [p.name for p in (whole / config).glob("*.parquet")] != []
        for split in ("train", "test"):
            one = pq.read_table(whole / config / f"{split}.parquet")
            shards = sorted((folder / config).glob(f"{split}-*.parquet"))
            rows = [row for path in shards for row in pq.read_table(path).to_pylist()]
            assert rows == one.to_pylist()


def test_a_release_is_read_by_its_checksums_not_validated_again(
    tmp_path: Path, gold_version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if gold_version == "working":
        pytest.skip("no release yet")

    def no_validation(*args: object, **kwargs: object) -> None:
        raise AssertionError("a verified release was validated again")

    monkeypatch.setattr("corpus.validate.check_file", no_validation)
    report = build(gold_version, tmp_path / "out")
    assert report.documents > 0
    monkeypatch.undo()

    # a changed byte fails the checksum: then the release is checked in full, and refused
    project = tmp_path / "project"
    for name in ("schema", "seeds", "annotations/releases"):
        shutil.copytree(ROOT / name, project / name)
    document = next((project / "annotations" / "releases" / gold_version / "documents").iterdir())
    document.write_text(document.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(CorpusError) as refused:
        load_verified(gold_version, project)
    assert "CHECKSUM_MISMATCH" in {problem.code for problem in refused.value.problems}


def first_sentence(document: Document) -> Document:
    """The document cut after its first paragraph, with the annotations inside it."""
    cut = document.text.index("\n\n")
    entities = tuple(e for e in document.entities if e.end <= cut)
    kept = {e.id for e in entities}
    return replace(
        document,
        text=document.text[:cut],
        entities=entities,
        relations=tuple(r for r in document.relations if {r.head, r.tail} <= kept),
        clusters=(),
        seed=None,
    )


@pytest.mark.scale
def test_ten_thousand_documents_with_the_real_shard_limits(
    tmp_path: Path, gold: list[Document], gold_version: str
) -> None:
    """10,000 short documents (the gold's first paragraph) and the default limits: relations
    come out as several shards that datasets (normal and streaming) and DuckDB all read."""
    small = first_sentence(gold[0])
    documents = [replace(small, id=f"{index:05d}_{small.id}") for index in range(10_000)]
    folder = tmp_path / "dataset"
    report = build_documents(documents, gold_version, folder)
    rows = report.rows["relations"]["train"]
    shards = sorted((folder / "relations").glob("train-*.parquet"))
    assert rows > hf_folder.SHARD_ROWS["relations"] and len(shards) == -(
        -rows // hf_folder.SHARD_ROWS["relations"]
    )
    assert [p.name for p in (folder / "documents").glob("*.parquet")] == ["train.parquet"]

    loaded = datasets.load_dataset(str(folder), "relations", split="train")
    assert loaded.num_rows == rows and loaded.features == features("relations")
    streamed = datasets.load_dataset(str(folder), "relations", split="train", streaming=True)
    assert streamed.num_shards == len(shards)
    firsts = [next(iter(streamed.shard(len(shards), index))) for index in range(len(shards))]
    assert [row["id"] for row in firsts] == [
        pq.read_table(path, columns=["id"]).column("id")[0].as_py() for path in shards
    ]
    ner = datasets.load_dataset(str(folder), "ner", split="train", streaming=True)
    assert sum(1 for _ in ner) == report.rows["ner"]["train"] == 10_000

    counted = duckdb.sql(
        f"SELECT count(*), count(DISTINCT document_id) FROM '{folder}/relations/*.parquet'"
    )
    assert counted.fetchall() == [(rows, 10_000)]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_worker_processes_and_one_process_write_identical_files(
    tmp_path: Path,
    sharded: tuple[Path, BuildReport, list[Document]],
    gold_version: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows built in two worker processes (documents pickled to them, Arrow batches back)
    give the same bytes, card and report as rows built in this process."""
    _, _, documents = sharded
    monkeypatch.setattr(hf_pipeline, "PARALLEL_MIN_DOCUMENTS", 0)
    monkeypatch.setattr(hf_pipeline, "CHUNK_DOCUMENTS", 3)  # many tasks, out of step
    monkeypatch.setattr(hf_folder, "SHARD_ROWS", LIMITS)
    built = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("CORPUS_JOBS", jobs)
        assert hf_pipeline.build_jobs(len(documents)) == int(jobs)
        build_documents(documents, gold_version, tmp_path / jobs)
        built[jobs] = _files(tmp_path / jobs)
    assert len([name for name in built["1"] if name.endswith(".parquet")]) > 3
    assert built["1"] == built["2"]


def test_a_release_is_built_from_its_files_as_from_its_documents(
    tmp_path: Path, gold_version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``corpus build`` reads a verified release's files in the workers; the folder is the
    one its loaded documents give, fingerprint included (the files are the documents)."""
    if gold_version == "working":
        pytest.skip("no release yet")
    files = hf_folder.verified_files(gold_version)
    assert files is not None and all(path.suffix == ".json" for path in files)
    build(gold_version, tmp_path / "files")
    build_documents(load_verified(gold_version), gold_version, tmp_path / "documents")
    assert _files(tmp_path / "files") == _files(tmp_path / "documents")
    assert hf_folder.is_current(gold_version, tmp_path / "files")


def test_a_release_that_fails_a_check_is_not_read_by_its_files(
    tmp_path: Path, gold_version: str
) -> None:
    if gold_version == "working":
        pytest.skip("no release yet")
    project = tmp_path / "project"
    for name in ("schema", "seeds", "annotations/releases"):
        shutil.copytree(ROOT / name, project / name)
    assert hf_folder.verified_files(gold_version, project) is not None
    document = next((project / "annotations" / "releases" / gold_version / "documents").iterdir())
    document.write_text(document.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert hf_folder.verified_files(gold_version, project) is None
    assert hf_folder.verified_files("working", project) is None


def test_a_file_a_worker_cannot_read_is_one_problem_not_a_traceback(
    tmp_path: Path, gold: list[Document]
) -> None:
    """A file that changed after its checks (here: not JSON) fails in a worker process;
    its problem reaches the build as a CorpusError, and nothing is written."""
    good = tmp_path / f"{gold[0].id}.json"
    good.write_text(dumps(gold[0]), encoding="utf-8")
    bad = tmp_path / "zz_broken.json"
    bad.write_text("{not json", encoding="utf-8")
    written: list[str] = []
    with pytest.raises(CorpusError) as failed:
        hf_pipeline.write_tables(
            [good, bad], "working", lambda config, split, table: written.append(config), jobs=2
        )
    assert [problem.file for problem in failed.value.problems] == [str(bad)]
    assert written == []


def test_a_buffer_of_many_documents_keeps_few_blocks_and_every_row(gold: list[Document]) -> None:
    """Thousands of one-row batches (the ``documents`` rows of a large corpus) are copied
    into a few tables as they come, and the rows handed out are the rows put in."""
    ids = LabelIds.from_schema()
    buffer = TableBuffer("documents", features("documents"))
    documents = copies(gold, 2 * hf_rows.COMPACT_BATCHES + 5)
    for document in documents:
        buffer.extend(document_columns(document, "9.9.9", ids))
        assert len(buffer.batches) < hf_rows.COMPACT_BATCHES
    assert len(buffer.tables) == 2 and buffer.rows == len(documents)
    limit = hf_rows.COMPACT_BATCHES + 1
    tables = [*buffer.full_tables(limit), buffer.rest()]
    assert [t.num_rows for t in tables] == [limit, limit, len(documents) - 2 * limit]
    assert [row["id"] for t in tables for row in t.select(["id"]).to_pylist()] == [
        d.id for d in documents
    ]
    assert buffer.rows == 0


def test_files_whose_names_are_not_their_ids_are_refused(
    tmp_path: Path, gold: list[Document]
) -> None:
    """Files are built in the order of their names, which a release makes the ids; a file
    named otherwise would put the rows out of id order: FILE_NAME_MISMATCH, nothing written."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(dumps(replace(gold[0], id="zz")), encoding="utf-8")
    second.write_text(dumps(replace(gold[0], id="cc")), encoding="utf-8")
    written: list[str] = []
    with pytest.raises(CorpusError) as refused:
        hf_pipeline.write_tables(
            [second, first], "working", lambda config, split, table: written.append(config)
        )
    assert [(p.file, p.code) for p in refused.value.problems] == [
        (str(second), "FILE_NAME_MISMATCH")
    ]
    assert written == []

"""How the build splits ``ner`` and ``relations``: teaching splits by sentence while the
documents cannot be split by document (the gold article alone), by document as soon as they
can (:mod:`corpus.splits`); a split without rows is never written (``datasets`` cannot load
one)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import datasets
import pyarrow.parquet as pq

from corpus.hf import BuildReport, build_documents, build_rows, prepare
from corpus.hf.card import card_body
from corpus.model import Document
from corpus.splits import (
    BY_DOCUMENT,
    BY_SENTENCE,
    SPLITS,
    documents_to_split,
    sentence_splits,
)


def with_split(document: Document, new_id: str, split: str | None) -> Document:
    return replace(document, id=new_id, metadata={**document.metadata, "split": split})


def test_the_gold_gets_teaching_splits_by_sentence_index(
    built: tuple[Path, BuildReport], gold: list[Document]
) -> None:
    folder, report = built
    assert len({str(d.metadata.get("split") or "train") for d in gold}) == 1
    assert report.split_rule == BY_SENTENCE
    counts = [len(prepare(d).sentences) for d in sorted(gold, key=lambda d: d.id)]
    expected = dict(
        zip(
            [d.id for d in sorted(gold, key=lambda d: d.id)],
            sentence_splits(counts),
            strict=True,
        )
    )
    seen: dict[tuple[str, int], str] = {}
    for split in SPLITS:
        rows = pq.read_table(folder / "ner" / f"{split}.parquet").to_pylist()
        assert rows, f"ner has no {split} rows"
        for row in rows:
            assert expected[row["document_id"]][row["sentence"]] == split
            seen[(row["document_id"], row["sentence"])] = split
        for row in pq.read_table(folder / "relations" / f"{split}.parquet").to_pylist():
            assert seen[(row["document_id"], row["sentence"])] == split  # pairs follow
    assert len(seen) == sum(counts)  # every sentence, once
    # the documents config stays by document
    assert [p.name for p in (folder / "documents").glob("*.parquet")] == ["train.parquet"]
    assert report.rows["documents"] == {"train": len(gold)}


def test_the_card_states_the_rule_the_sizes_and_the_caveat(
    built: tuple[Path, BuildReport],
) -> None:
    folder, report = built
    card = (folder / "README.md").read_text(encoding="utf-8")
    section = card.split("### Splits\n")[1].split("\n## ")[0]
    assert "teaching splits by sentence" in section
    sizes = ", ".join(f"`{s}` {report.rows['ner'][s]}" for s in SPLITS)
    assert f"sentences {sizes};" in section
    assert "**optimistic**" in section and "not independent" in section
    assert "The `documents` config stays by document." in section
    assert "teaching splits by sentence" in report.summary()


def test_several_documents_with_splits_are_split_by_document(gold: list[Document]) -> None:
    documents = [
        with_split(gold[0], "a", "train"),
        with_split(gold[0], "b", "validation"),
        with_split(gold[0], "c", "test"),
    ]
    rows, report = build_rows(documents, "working")
    assert report.split_rule == BY_DOCUMENT
    sentences = len(prepare(gold[0]).sentences)
    split_of = {d.id: d.metadata["split"] for d in documents}
    for config in ("ner", "relations"):
        for split, split_rows in rows[config].items():
            assert {row["document_id"] for row in split_rows} == {
                d for d, s in split_of.items() if s == split
            }
    # no sentence was split off: each document's sentences are all in its split
    assert report.rows["ner"] == {s: sentences for s in SPLITS}
    card = card_body(report, documents)
    assert "Split **by document**" in card and "teaching splits" not in card


def test_enough_documents_in_one_split_are_not_split_by_sentence(gold: list[Document]) -> None:
    documents = [with_split(gold[0], f"d{n}", None) for n in range(documents_to_split())]
    rows, report = build_rows(documents, "working")
    assert report.split_rule == BY_DOCUMENT
    assert set(rows["ner"]) == {"train"}
    assert "no document in validation, test (`corpus split` assigns splits)" in report.summary()
    # one fewer: too few to split by document, so the teaching splits apply
    rows, report = build_rows(documents[1:], "working")
    assert report.split_rule == BY_SENTENCE and list(rows["ner"]) == list(SPLITS)


def test_a_split_without_rows_is_not_written_and_the_folder_loads(
    tmp_path: Path, gold: list[Document]
) -> None:
    """A test document without mentions has no relation pairs: the relations config has no
    test split (it used to be an empty Parquet file, which `datasets` refuses to load)."""
    empty = replace(with_split(gold[0], "b", "test"), entities=(), relations=(), clusters=())
    folder = tmp_path / "dataset"
    report = build_documents([with_split(gold[0], "a", "train"), empty], "working", folder)
    assert report.rows["relations"] == {"train": report.rows["relations"]["train"]}
    assert sorted(p.name for p in (folder / "relations").iterdir()) == ["train.parquet"]
    cache = str(tmp_path / "cache")
    loaded: dict[str, Any] = {
        config: datasets.load_dataset(str(folder), config, cache_dir=cache)
        for config in ("documents", "ner", "relations")
    }
    for config, dataset in loaded.items():
        assert {s: dataset[s].num_rows for s in dataset} == report.rows[config]


def test_the_documentation_states_the_sizes_this_build_has(
    built: tuple[Path, BuildReport], project_root: Path
) -> None:
    """The README (or the docs/ page it moves to) gives the gold's split sizes in words."""
    _, report = built
    pages = [project_root / "README.md", *sorted((project_root / "docs").glob("**/*.md"))]
    text = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in pages if p.is_file())
    found = re.search(
        r"the gold article gives (\d+), (\d+) and (\d+) sentences, and (\d+), (\d+) and (\d+) "
        r"pairs",
        text,
    )
    assert found, "the split sizes are no longer stated"
    numbers = [int(n) for n in found.groups()]
    assert numbers[:3] == [report.rows["ner"][s] for s in SPLITS]
    assert numbers[3:] == [report.rows["relations"][s] for s in SPLITS]
    assert f"(under {documents_to_split()})" in text

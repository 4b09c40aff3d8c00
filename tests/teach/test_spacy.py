"""spaCy export: DocBin files equal to the gold, accepted by `spacy debug data`, trainable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from seqeval.metrics.sequence_labeling import get_entities

from corpus import hf, tagging
from corpus.formats import spacy as spacy_format
from corpus.model import Document, Entity
from tests.teach.teach_helpers import corpora, documents

CORPORA = corpora()


def read_docs(path: Path) -> list[Any]:
    import spacy
    from spacy.tokens import DocBin

    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


@pytest.mark.parametrize(("name", "documents"), CORPORA, ids=[name for name, _ in CORPORA])
def test_docbin_round_trip_equals_the_gold(
    name: str, documents: list[Document], tmp_path: Path
) -> None:
    report = spacy_format.export(documents, tmp_path / "out")
    docs = read_docs(tmp_path / "out" / "train.spacy")
    assert [doc.user_data["document_id"] for doc in docs] == sorted(d.id for d in documents)
    for doc in docs:
        document = next(d for d in documents if d.id == doc.user_data["document_id"])
        prepared = hf.prepare(document)
        assert doc.text == document.text
        # tokens and sentences: the `ner` config's rows, whitespace tokens aside
        tagged_sentences, _ = tagging.tag_document(prepared)
        rows = [
            {
                "tokens": [t.text for t in ts.sentence.tokens],
                "token_starts": [t.start for t in ts.sentence.tokens],
                "token_ends": [t.end for t in ts.sentence.tokens],
                "ner_tags": list(ts.tags),
            }
            for ts in tagged_sentences
        ]
        sentences = [[t.text for t in s if not t.is_space] for s in doc.sents]
        assert [s for s in sentences if s] == [row["tokens"] for row in rows]
        # doc.ents: the `ner` config's IOB2 tags, read back by seqeval, as character spans
        tagged = {
            (label, row["token_starts"][first], row["token_ends"][last])
            for row in rows
            for label, first, last in get_entities(row["ner_tags"])
        }
        assert {(e.label_, e.start_char, e.end_char) for e in doc.ents} == tagged
        # doc.spans["sc"]: every mention that lies on token boundaries, nested ones included
        placed = {e for e in document.entities if e.id in prepared.placements}
        assert {
            Entity(s.id_, s.label_, s.start_char, s.end_char, s.text)
            for s in doc.spans[spacy_format.SPAN_KEY]
        } == placed
        # clusters as span groups, relations and clusters in user_data
        for number, cluster in enumerate(document.clusters, start=1):
            group = doc.spans[f"{spacy_format.CLUSTER_PREFIX}{number}"]
            assert [s.id_ for s in group] == [
                m for m in cluster.entities if m in prepared.placements
            ]
        assert [tuple(r) for r in doc.user_data["relations"]] == [
            (r.id, r.type, r.head, r.tail) for r in document.relations
        ]
        assert [(c, tuple(m)) for c, m in doc.user_data["clusters"]] == [
            (c.id, c.entities) for c in document.clusters
        ]
    lost = sum(report.nested_dropped.values()) + len(report.misaligned)
    assert sum(report.ents.values()) + lost == report.entities


@settings(max_examples=40, deadline=None)
@given(document=documents())
def test_spans_round_trip_property(document: Document) -> None:
    """Every mention on token boundaries comes back from the DocBin bytes as it went in."""
    from spacy.tokens import DocBin

    bins, report = spacy_format.to_docbins([document])
    (docbin,) = bins.values()
    (doc,) = DocBin().from_bytes(docbin.to_bytes()).get_docs(spacy_format.blank_pipeline().vocab)
    prepared = hf.prepare(document)
    assert doc.text == document.text
    assert {
        Entity(s.id_, s.label_, s.start_char, s.end_char, s.text)
        for s in doc.spans[spacy_format.SPAN_KEY]
    } == {e for e in document.entities if e.id in prepared.placements}
    assert {e.id_ for e in doc.ents} <= set(prepared.placements)
    assert len(report.misaligned) == len(document.entities) - len(prepared.placements)


def test_a_mention_cut_by_a_token_is_counted_as_lost(tmp_path: Path) -> None:
    text = "Tajikistan's president spoke."
    document = Document(
        "cut",
        text,
        {"split": "train"},
        (Entity("T1", "GPE", 0, 5, "Tajik"), Entity("T2", "TITLE", 13, 22, "president")),
    )
    report = spacy_format.export([document], tmp_path / "out")
    (doc,) = read_docs(tmp_path / "out" / "train.spacy")
    assert [s.id_ for s in doc.spans[spacy_format.SPAN_KEY]] == ["T2"]
    assert [e.id_ for e in doc.ents] == ["T2"]
    assert len(report.misaligned) == 1 and "T1" in report.misaligned[0]
    assert "  mentions with a boundary inside a token: 1" in report.lines()


def test_one_docbin_per_split_and_dev_from_validation(tmp_path: Path) -> None:
    (_, documents) = CORPORA[0]
    base = documents[0]
    train = replace(base, metadata={**base.metadata, "split": "train"})
    dev = replace(base, id="b-dev", metadata={**base.metadata, "split": "validation"})
    report = spacy_format.export([train, dev], tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "config.cfg",
        "train.spacy",
        "validation.spacy",
    ]
    assert [
        d.user_data["document_id"] for d in read_docs(tmp_path / "out" / "validation.spacy")
    ] == ["b-dev"]
    config = (tmp_path / "out" / "config.cfg").read_text(encoding="utf-8")
    assert 'train = "train.spacy"' in config and 'dev = "validation.spacy"' in config
    assert not report.dev_is_train and not any(line.startswith("caveat") for line in report.lines())


def test_train_only_uses_train_as_dev_and_says_so(tmp_path: Path) -> None:
    (_, documents) = CORPORA[0]
    only = [replace(d, metadata={**d.metadata, "split": "train"}) for d in documents]
    report = spacy_format.export(only, tmp_path / "out")
    config = (tmp_path / "out" / "config.cfg").read_text(encoding="utf-8")
    assert 'dev = "train.spacy"' in config and "# Caveat: the corpus has no dev split" in config
    assert report.dev_is_train
    assert any(line.startswith("caveat: there is no validation") for line in report.lines())


def test_export_command_prints_losses_and_refuses_a_non_empty_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus.cli import main

    output = tmp_path / "out"
    output.mkdir()
    (output / "keep.txt").write_text("mine")
    assert main(["export", "spacy", "-o", str(output)]) == 2
    assert "OUTPUT_EXISTS" in capsys.readouterr().err
    assert [p.name for p in output.iterdir()] == ["keep.txt"]
    assert main(["export", "spacy", "-o", str(output), "--force"]) == 0
    out = capsys.readouterr().out
    assert "not carried:" in out and "nested mentions left out of doc.ents" in out
    assert f"train: python -m spacy train {output / 'config.cfg'}" in out
    assert sorted(p.name for p in output.iterdir()) == ["config.cfg", "train.spacy"]


def _spacy(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m spacy ...`` with the venv's python (colours stripped from stdout)."""
    env = {**os.environ, "NO_COLOR": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "spacy", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    done.stdout = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", done.stdout)  # wasabi's colours
    return done


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (_, documents) = CORPORA[-1]  # the latest release when there is one
    folder = tmp_path_factory.mktemp("spacy") / "out"
    spacy_format.export(documents, folder)
    return folder


def test_spacy_debug_data_accepts_the_export(exported: Path) -> None:
    done = _spacy(
        "debug",
        "data",
        "config.cfg",
        "--paths.train",
        "train.spacy",
        "--paths.dev",
        "train.spacy",
        cwd=exported,
    )
    out = done.stdout
    for check in (
        "Pipeline can be initialized with data",
        "Corpus is loadable",
        "No entities consisting of or starting/ending with whitespace",
        "No entities crossing sentence boundaries",
    ):
        assert f"✔ {check}" in out, out
    # the only error spaCy may report is the size of a one-article corpus, not its form
    failed = [
        line
        for line in re.findall(r"^✘ (.*)$", out, flags=re.MULTILINE)
        if not re.fullmatch(r"\d+ errors?", line)  # the summary line
    ]
    assert all(line.startswith("Low number of examples to train") for line in failed), out
    assert done.returncode == (1 if failed else 0), done.stderr


def test_spacy_train_finishes_one_epoch_offline(exported: Path, tmp_path: Path) -> None:
    done = _spacy(
        "train",
        str(exported / "config.cfg"),
        "--paths.train",
        str(exported / "train.spacy"),
        "--paths.dev",
        str(exported / "train.spacy"),
        "--training.max_epochs",
        "1",
        "--output",
        str(tmp_path / "model"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "model" / "model-last" / "ner").is_dir()
    # the score table has its epoch-0 row: one full pass over the training data
    assert re.search(r"^\s*0\s+0\s+", done.stdout, flags=re.MULTILINE), done.stdout

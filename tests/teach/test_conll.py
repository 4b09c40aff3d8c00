"""CoNLL export: same tokens and tags as the `ner` config, every loss counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from seqeval.metrics.sequence_labeling import get_entities

from corpus import hf
from corpus.formats import conll
from corpus.model import Document
from tests.teach.teach_helpers import corpora

CORPORA = corpora()


@pytest.mark.parametrize(("name", "documents"), CORPORA, ids=[name for name, _ in CORPORA])
def test_conll_matches_the_ner_config(name: str, documents: list[Document]) -> None:
    text, report = conll.dumps(documents)
    sentences = conll.loads(text)
    ids, names = hf.LabelIds.from_schema(), hf.ner_tag_names()
    columns = [hf.ner_columns(hf.prepare(d), ids)[0] for d in documents]
    rows = [row for c in columns for row in zip(c["id"], c["tokens"], c["ner_tags"], strict=True)]
    assert [s["tokens"] for s in sentences] == [tokens for _, tokens, _ in rows]
    assert [s["tags"] for s in sentences] == [[names[t] for t in tags] for _, _, tags in rows]
    assert [s["id"] for s in sentences] == [row_id for row_id, _, _ in rows]
    by_id = {d.id: d for d in documents}
    for sentence in sentences:
        document = by_id[sentence["document"]]
        assert [document.text[s:e] for s, e in sentence["offsets"]] == sentence["tokens"]
    assert report.sentences == len(rows)


@pytest.mark.parametrize(("name", "documents"), CORPORA, ids=[name for name, _ in CORPORA])
def test_every_mention_is_tagged_or_counted_as_lost(name: str, documents: list[Document]) -> None:
    text, report = conll.dumps(documents)
    tagged = 0
    gold = {(d.id, e.type, e.start, e.end) for d in documents for e in d.entities}
    for sentence in conll.loads(text):
        for label, first, last in get_entities(sentence["tags"]):  # seqeval's IOB2 reading
            start, end = sentence["offsets"][first][0], sentence["offsets"][last][1]
            assert (sentence["document"], label, start, end) in gold
            tagged += 1
    assert tagged == sum(report.tagged.values())
    lost = sum(report.nested_dropped.values()) + len(report.misaligned)
    assert tagged + lost == report.entities == sum(len(d.entities) for d in documents)
    assert report.relations == sum(len(d.relations) for d in documents)
    assert report.clusters == sum(len(d.clusters) for d in documents)


def test_fixture_nesting_loss_is_counted_per_label() -> None:
    (_, documents) = CORPORA[0]  # the fixture: T9 ORG > T10 PER > T11 GPE, T2 PER > T3, T4, T5
    _, report = conll.dumps(documents)
    assert dict(report.nested_dropped) == {"GPE": 2, "PER": 2, "TITLE": 1}


def test_no_comments_gives_plain_two_columns() -> None:
    (_, documents) = CORPORA[0]
    text, _ = conll.dumps(documents, comments=False)
    lines = text.split("\n")
    assert lines[-1] == "" and lines[-2] == ""
    assert all(line == "" or len(line.split("\t")) == 2 for line in lines)
    assert not any(line.startswith("# ") for line in lines)


def test_export_conll_command_reports_losses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus.cli import main

    output = tmp_path / "ner.conll"
    assert main(["export", "conll", "-o", str(output)]) == 0
    out = capsys.readouterr().out
    for needle in (
        "not carried by CoNLL",
        "relations:",
        "coreference clusters:",
        "nested mentions dropped",
    ):
        assert needle in out
    assert conll.loads(output.read_text(encoding="utf-8"))

"""Scores of :mod:`corpus.evaluation`: gold against itself, cross-checks with nervaluate
(entities, every scheme, overall and per label) and seqeval (the ``ner`` tags), relations
and the ``corpus evaluate`` command."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

from corpus.cli import main
from corpus.errors import CorpusError
from corpus.evaluation import Counts, evaluate
from corpus.formats import native
from corpus.hf import ner_tag_names
from corpus.model import Document, Entity, Relation
from corpus.schema import inventory

#: our scheme name -> nervaluate's
NERVALUATE = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}


def perturb(document: Document, rng: random.Random) -> Document:
    """A plausible prediction: some mentions kept, retyped, shifted, dropped; some invented."""
    types = inventory().entity_types
    text_length = len(document.text)
    entities: list[Entity] = []
    for entity in document.entities:
        roll = rng.random()
        if roll < 0.15:
            continue
        if roll < 0.3:
            entity = replace(entity, type=rng.choice(types))
        elif roll < 0.5:
            start = max(0, entity.start + rng.randint(-6, 6))
            end = min(text_length, max(start + 1, entity.end + rng.randint(-6, 6)))
            entity = replace(entity, start=start, end=end, text=document.text[start:end])
        entities.append(entity)
    for index in range(rng.randint(0, 6)):
        start = rng.randrange(text_length - 20)
        end = start + rng.randint(1, 20)
        entities.append(
            Entity(f"X{index}", rng.choice(types), start, end, document.text[start:end])
        )
    return replace(document, entities=tuple(entities))


def as_nervaluate(document: Document) -> list[dict[str, Any]]:
    ordered = sorted(document.entities, key=lambda e: (e.start, e.end, e.type, e.id))
    return [{"label": e.type, "start": e.start, "end": e.end - 1} for e in ordered]


def same(ours: Counts, theirs: Any) -> None:
    assert (ours.correct, ours.incorrect, ours.partial, ours.missed, ours.spurious) == (
        theirs.correct,
        theirs.incorrect,
        theirs.partial,
        theirs.missed,
        theirs.spurious,
    )
    assert ours.precision == pytest.approx(theirs.precision)
    assert ours.recall == pytest.approx(theirs.recall)
    assert ours.f1 == pytest.approx(theirs.f1)


def test_gold_against_itself_is_perfect_in_every_scheme(gold: list[Document]) -> None:
    result = evaluate(gold, gold)
    for scheme in (*result.entities.values(), *result.relations.values()):
        assert scheme.micro.precision == scheme.micro.recall == scheme.micro.f1 == 1.0
        assert scheme.macro.f1 == 1.0
        assert all(c.f1 == 1.0 for c in scheme.per_label.values())
        assert not scheme.missed and not scheme.spurious
    assert result.entities["strict"].micro.correct == sum(len(d.entities) for d in gold)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_entity_scores_agree_with_nervaluate(gold: list[Document], seed: int) -> None:
    rng = random.Random(seed)
    predicted = [perturb(document, rng) for document in gold]
    ours = evaluate(predicted, gold)
    by_id = {d.id: d for d in predicted}
    ordered_gold = sorted(gold, key=lambda d: d.id)
    theirs = Evaluator(
        [as_nervaluate(d) for d in ordered_gold],
        [as_nervaluate(by_id[d.id]) for d in ordered_gold],
        tags=inventory().entity_types,
        loader="dict",
    ).evaluate()
    for scheme, name in NERVALUATE.items():
        same(ours.entities[scheme].micro, theirs["overall"][name])
        assert set(ours.entities[scheme].per_label) == set(theirs["entities"])
        for label, counts in ours.entities[scheme].per_label.items():
            same(counts, theirs["entities"][label][name])


#: small hand-made cases: (gold spans, predicted spans) as (type, start, end)
EDGE_CASES = [
    # one prediction overlapping two gold mentions of its type: the closest is claimed
    ([("PER", 0, 3), ("PER", 4, 7)], [("PER", 2, 7)]),
    ([("PER", 0, 3), ("PER", 4, 7)], [("PER", 1, 7), ("PER", 4, 7)]),
    # two predictions on one gold mention
    ([("PER", 0, 7)], [("PER", 0, 3), ("PER", 4, 7)]),
    # nested gold, predictions of the wrong type and of the inner span
    ([("ORG", 0, 20), ("PER", 0, 9), ("GPE", 0, 4)], [("PER", 0, 20), ("GPE", 0, 9)]),
    # exact span, wrong type; and a spurious one
    ([("DATE", 5, 9)], [("TIME", 5, 9), ("DATE", 12, 15)]),
    # nothing predicted, nothing gold
    ([("PER", 0, 3)], []),
    ([], [("PER", 0, 3)]),
]


@pytest.mark.parametrize(("gold_spans", "predicted_spans"), EDGE_CASES)
def test_edge_cases_agree_with_nervaluate(
    gold_spans: list[tuple[str, int, int]], predicted_spans: list[tuple[str, int, int]]
) -> None:
    text = "x" * 30

    def doc(spans: list[tuple[str, int, int]]) -> Document:
        return Document(
            id="d",
            text=text,
            entities=tuple(
                Entity(f"T{i}", t, s, e, text[s:e]) for i, (t, s, e) in enumerate(spans)
            ),
        )

    ours = evaluate([doc(predicted_spans)], [doc(gold_spans)])
    theirs = Evaluator(
        [as_nervaluate(doc(gold_spans))],
        [as_nervaluate(doc(predicted_spans))],
        tags=inventory().entity_types,
        loader="dict",
    ).evaluate()
    ordered_gold = sorted(doc(gold_spans).entities, key=lambda e: (e.start, e.end, e.type))
    for scheme, name in NERVALUATE.items():
        if name in theirs["overall"]:
            same(ours.entities[scheme].micro, theirs["overall"][name])
            missed = sorted(ordered_gold.index(o.gold) for o in ours.entities[scheme].missed)
            assert missed == sorted(i for _, i in theirs["overall_indices"][name].missed_indices)
        for label, counts in ours.entities[scheme].per_label.items():
            same(counts, theirs["entities"][label][name])


def test_ner_tags_scored_as_documents_agree_with_seqeval(built: tuple[Path, Any]) -> None:
    folder, _ = built
    names = ner_tag_names()
    rows = [
        row
        for path in sorted((folder / "ner").glob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]
    rng = random.Random(7)
    gold_tags, pred_tags = [], []
    for row in rows:
        tags = [names[t] for t in row["ner_tags"]]
        predicted = list(tags)
        for index, tag in enumerate(tags):
            roll = rng.random()
            if tag.startswith("B-") and roll < 0.2:
                predicted[index] = "B-" + rng.choice(inventory().entity_types)
                kind = predicted[index][2:]
                for follow in range(index + 1, len(tags)):
                    if not tags[follow].startswith("I-"):
                        break
                    predicted[follow] = "I-" + kind
            elif tag == "O" and roll < 0.05:
                predicted[index] = "B-" + rng.choice(inventory().entity_types)
                if index + 1 < len(tags) and predicted[index + 1].startswith("I-"):
                    predicted[index + 1] = "B-" + predicted[index + 1][2:]
        gold_tags.append(tags)
        pred_tags.append(predicted)

    def document(row: dict[str, Any], tags: list[str], number: int) -> Document:
        from seqeval.metrics.sequence_labeling import get_entities

        entities = tuple(
            Entity(f"T{i}", label, row["token_starts"][first], row["token_ends"][last], "x")
            for i, (label, first, last) in enumerate(get_entities(tags))
        )
        return Document(id=f"s{number:04d}", text="", entities=entities)

    gold = [
        document(row, tags, n) for n, (row, tags) in enumerate(zip(rows, gold_tags, strict=True))
    ]
    predicted = [
        document(row, tags, n) for n, (row, tags) in enumerate(zip(rows, pred_tags, strict=True))
    ]
    strict = evaluate(predicted, gold).entities["strict"]
    assert gold_tags != pred_tags
    assert strict.micro.precision == pytest.approx(precision_score(gold_tags, pred_tags))
    assert strict.micro.recall == pytest.approx(recall_score(gold_tags, pred_tags))
    assert strict.micro.f1 == pytest.approx(f1_score(gold_tags, pred_tags))
    report = classification_report(gold_tags, pred_tags, output_dict=True, zero_division=0)
    for label, counts in strict.per_label.items():
        if counts.possible:
            assert counts.recall == pytest.approx(report[label]["recall"])
            assert counts.precision == pytest.approx(report[label]["precision"])


def test_relations_strict_boundaries_and_symmetry() -> None:
    text = "Ann met Bob in Paris."
    ann, bob = Entity("T1", "PER", 0, 3, "Ann"), Entity("T2", "PER", 8, 11, "Bob")
    paris = Entity("T3", "GPE", 15, 20, "Paris")
    gold = Document(
        id="d",
        text=text,
        entities=(ann, bob, paris),
        relations=(Relation("R1", "met_with", "T1", "T2"), Relation("R2", "visited", "T1", "T3")),
    )
    reversed_symmetric = replace(
        gold,
        relations=(Relation("P1", "met_with", "T2", "T1"), Relation("P2", "visited", "T3", "T1")),
    )
    result = evaluate([reversed_symmetric], [gold]).relations["strict"]
    assert (result.micro.correct, result.micro.spurious, result.micro.missed) == (1, 1, 1)
    assert [o.gold.id for o in result.matched] == ["R1"]
    assert [o.predicted.id for o in result.spurious] == ["P2"]
    assert [o.gold.id for o in result.missed] == ["R2"]
    retyped = replace(gold, entities=(ann, bob, replace(paris, type="LOC")))
    strict = evaluate([retyped], [gold]).relations
    assert strict["strict"].micro.correct == 1 and strict["boundaries"].micro.correct == 2


def test_counts_are_integers_and_ratios_are_derived() -> None:
    counts = Counts(correct=3, incorrect=1, partial=2, missed=1, spurious=1)
    assert (counts.possible, counts.actual) == (7, 7)
    assert counts.precision == pytest.approx(4 / 7)
    assert Counts().f1 == 0.0
    assert counts + Counts(missed=1) == Counts(3, 1, 2, 2, 1)


def test_a_missing_prediction_counts_as_empty_and_an_unknown_one_is_an_error(
    gold: list[Document],
) -> None:
    result = evaluate([], gold)
    assert result.entities["strict"].micro.missed == sum(len(d.entities) for d in gold)
    assert result.unmatched_documents == tuple(sorted(d.id for d in gold))
    with pytest.raises(CorpusError, match="NO_GOLD_DOCUMENT"):
        evaluate([Document(id="other", text="x")], gold)
    with pytest.raises(CorpusError, match="TEXT_MISMATCH"):
        evaluate([replace(gold[0], text=gold[0].text.replace("\u2019", "'"))], gold)


def test_cli_evaluate_gold_against_itself(
    gold_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", gold_version, gold_version, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for group in ("entities", "relations"):
        for scheme in data[group].values():
            assert scheme["micro"]["f1"] == 1.0 and scheme["macro"]["f1"] == 1.0
            assert scheme["errors"] == []


def test_cli_evaluate_a_prediction_folder(
    tmp_path: Path, gold: list[Document], gold_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    predicted = [replace(d, entities=d.entities[1:]) for d in gold]
    native.write(predicted, tmp_path / "pred")
    assert main(["evaluate", str(tmp_path / "pred"), gold_version, "--errors"]) == 0
    out = capsys.readouterr().out
    assert "entities strict" in out and "missed:" in out


def test_cli_per_label_table_headers_sit_over_their_columns(
    tmp_path: Path, gold: list[Document], gold_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each header (scheme, gold, pred) ends where its column's numbers end; it used to be
    shifted left by the title's shortfall against the label column."""
    predicted = [replace(d, entities=d.entities[1:], relations=d.relations[1:]) for d in gold]
    native.write(predicted, tmp_path / "pred")
    assert main(["evaluate", str(tmp_path / "pred"), gold_version]) == 0
    blocks = capsys.readouterr().out.split("\n\n")
    tables = [b.splitlines() for b in blocks if ": F1 per label" in b]
    assert [t[0].split(":")[0] for t in tables] == ["entities", "relations"]
    for header, *rows in tables:
        title_end = header.index("F1 per label") + len("F1 per label")
        columns = [m.end() for m in re.finditer(r"\S+", header[title_end:])]
        assert len(columns) >= 3  # at least one scheme, gold and pred
        for row in rows:
            assert [title_end + m.end() for m in re.finditer(r"\S+", row[title_end:])] == [
                title_end + c for c in columns
            ], (header, row)
            label = row.split()[0]
            assert row.startswith("  " + label)


def test_cli_evaluate_reports_bad_input_in_one_line(
    tmp_path: Path, gold_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert main(["evaluate", str(tmp_path / "broken.json"), gold_version]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "NOT_JSON" in err[0]
    (tmp_path / "bad.json").write_text('{"id": "x"}', encoding="utf-8")
    assert main(["evaluate", str(tmp_path / "bad.json"), gold_version]) == 1
    assert "SCHEMA_REQUIRED" in capsys.readouterr().err
    assert main(["evaluate", "no-such-thing", gold_version]) == 2
    assert "NOT_FOUND" in capsys.readouterr().err


def test_cli_evaluate_json_problem_with_a_lone_surrogate_prints(
    tmp_path: Path, gold_version: str
) -> None:
    (tmp_path / "odd.json").write_text('{"id": "a\\ud800"}', encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "corpus"), "evaluate", str(tmp_path / "odd.json")]
        + [gold_version, "--format", "json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="strict",
        check=False,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    problems = json.loads(result.stdout)
    assert {p["code"] for p in problems} == {"INVALID_UNICODE", "SCHEMA_PATTERN", "SCHEMA_REQUIRED"}
    assert problems[0]["document"] == "a\\ud800"  # written out, as `corpus validate` does


def test_cli_evaluate_reports_the_codes_of_validate(
    tmp_path: Path, gold_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Predictions go through validate's schema layer: the same codes, pointers and messages
    (no bare SCHEMA), less what predictions are spared (file names, the semantic layer)."""
    odd = tmp_path / "pred.json"
    odd.write_text(
        '{"id": "x", "text": 5, "metadata": [], "entities": [{"id": "T1"}], "extra": 1}',
        encoding="utf-8",
    )
    assert main(["evaluate", str(odd), gold_version, "--format", "json"]) == 1
    predicted = json.loads(capsys.readouterr().out)
    assert main(["validate", str(odd), "--format", "json"]) == 1
    validated = json.loads(capsys.readouterr().out)["problems"]
    assert predicted == [p for p in validated if p["code"] != "FILE_NAME_MISMATCH"]
    codes = {p["code"] for p in predicted}
    assert {"SCHEMA_TYPE", "SCHEMA_REQUIRED", "SCHEMA_ADDITIONAL_PROPERTY"} <= codes
    assert "SCHEMA" not in codes


def test_cli_evaluate_refuses_two_predictions_of_one_document(
    tmp_path: Path, gold: list[Document], gold_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    native.write(gold[:1], tmp_path / "pred")
    first = tmp_path / "pred" / f"{gold[0].id}.json"
    (tmp_path / "pred" / "z-copy.json").write_bytes(first.read_bytes())
    assert main(["evaluate", str(tmp_path / "pred"), gold_version]) == 1
    assert capsys.readouterr().err == (
        f"{tmp_path / 'pred' / 'z-copy.json'}: {gold[0].id}: /id: DUPLICATE_ID: document id "
        f"{gold[0].id!r} is already used by {first}\n"
    )

"""Agreement: 1.0 with itself, hand-counted figures on a perturbed copy, kappa cross-checked."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from sklearn.metrics import cohen_kappa_score  # installed with seqeval; a cross-check only

from corpus.agreement import (
    Annotation,
    agreement,
    cohen_kappa,
    compare,
    load_annotations,
    token_tags,
)
from corpus.errors import CorpusError
from corpus.formats import labelstudio, native
from corpus.model import Document, Entity, Relation
from tests.teach.teach_helpers import corpora, documents, fixture_document

CORPORA = corpora()


def perturbed(document: Document) -> Document:
    """The fixture with four entity edits and one relation removed (see the hand count)."""
    by_id = document.entities_by_id
    assert by_id["T1"].text == "Tuesday April 22" and by_id["T7"].text == "Dushanbe"
    assert by_id["T8"].text == "working visit"
    start = document.text.index("Masoud Pizishkian")
    entities = [e for e in document.entities if e.id != "T1"]
    entities = [replace(e, type="LOC") if e.id == "T7" else e for e in entities]
    entities = [
        replace(e, start=e.start + 8, text="visit") if e.id == "T8" else e for e in entities
    ]
    entities.append(Entity("T99", "PER", start, start + 17, "Masoud Pizishkian"))
    relations = [r for r in document.relations if r.id != "R1"]
    return replace(
        document, entities=tuple(sorted(entities, key=Entity.sort_key)), relations=tuple(relations)
    )


@pytest.mark.parametrize(("name", "documents"), CORPORA, ids=[name for name, _ in CORPORA])
def test_self_agreement_is_one(name: str, documents: list[Document]) -> None:
    by_id = {d.id: d for d in documents}
    pair = compare(Annotation("a", by_id), Annotation("b", dict(by_id)))
    assert pair.entities_strict.f1 == pair.entities_partial.f1 == 1.0
    assert pair.relations.f1 == (1.0 if any(d.relations for d in documents) else None)
    assert pair.kappa == 1.0
    assert pair.disagreements == []


def test_perturbed_copy_matches_the_hand_count() -> None:
    gold = fixture_document()
    pair = compare(
        Annotation("gold", {gold.id: gold}), Annotation("learner", {gold.id: perturbed(gold)})
    )
    # entities: 15 vs 15; T1 deleted, T7 retyped, T8 shortened, one added -> 12 strict
    assert (
        pair.entities_strict.matched,
        pair.entities_strict.left,
        pair.entities_strict.right,
    ) == (12, 15, 15)
    assert pair.entities_strict.f1 == pytest.approx(24 / 30)
    # partial also accepts the shortened T8 ("visit" inside "working visit", same type)
    assert pair.entities_partial.matched == 13
    assert pair.entities_partial.f1 == pytest.approx(26 / 30)
    # relations: 5 vs 4; R1 deleted, R4 (tail T7 retyped) and R5 (tail T8 moved) no longer
    # match strictly -> R2 and R3 agree
    assert (pair.relations.matched, pair.relations.left, pair.relations.right) == (2, 5, 4)
    assert pair.relations.f1 == pytest.approx(4 / 9)
    # tokens: Tuesday April 22 (3), Dushanbe (1), working visit (2), Masoud Pizishkian (2)
    assert pair.tokens - pair.token_agreements == 8
    kinds = sorted(d.kind for d in pair.disagreements)
    # R4 and R5 pair up as "relation arguments" (same type, overlapping arguments)
    assert kinds == sorted(
        [
            "only gold",
            "type",
            "boundary",
            "only learner",
            "relation only gold",
            "relation arguments",
            "relation arguments",
        ]
    )
    expected = cohen_kappa_score(token_tags(gold), token_tags(perturbed(gold)))
    assert pair.kappa == pytest.approx(expected)
    assert 0 < pair.kappa < 1


def test_kappa_on_a_hand_worked_example() -> None:
    left = ["O", "O", "O", "O", "B-PER", "I-PER", "O", "B-LOC", "O", "O"]
    right = ["O", "O", "O", "B-PER", "I-PER", "O", "O", "B-LOC", "O", "O"]
    # positions 3, 4, 5 differ: p_o = 7/10; O 7|7, B-PER 1|1, I-PER 1|1, B-LOC 1|1
    # -> p_e = (49 + 1 + 1 + 1) / 100 = 0.52 and kappa = 0.18 / 0.48 = 0.375
    assert cohen_kappa(left, right) == pytest.approx(0.375)
    assert cohen_kappa(left, right) == pytest.approx(cohen_kappa_score(left, right))
    assert cohen_kappa(["O", "O"], ["O", "O"]) == 1.0
    assert cohen_kappa([], []) is None


def test_symmetric_relations_agree_in_either_order() -> None:
    text = "Rahmon met Momeni."
    entities = (Entity("T1", "PER", 0, 6, "Rahmon"), Entity("T2", "PER", 11, 17, "Momeni"))
    a = Document("d", text, {}, entities, (Relation("R1", "met_with", "T1", "T2"),))
    b = Document("d", text, {}, entities, (Relation("R9", "met_with", "T2", "T1"),))
    c = Document("d", text, {}, entities, (Relation("R1", "received", "T2", "T1"),))
    assert compare(Annotation("a", {"d": a}), Annotation("b", {"d": b})).relations.f1 == 1.0
    pair = compare(Annotation("a", {"d": a}), Annotation("c", {"d": c}))
    assert pair.relations.matched == 0
    assert [d.kind for d in pair.disagreements] == ["relation type"]


def label_studio_export(path: Path) -> Path:
    gold = fixture_document()
    task = labelstudio.document_to_task(gold, version="working", mode="none")
    task["id"] = 1
    task["annotations"] = [
        {
            "id": 10,
            "completed_by": {"id": 1, "email": "alice@example.org"},
            "result": labelstudio.document_result(gold),
            "was_cancelled": False,
            "ground_truth": False,
            "updated_at": "2026-11-26T18:00:00Z",
        },
        {
            "id": 11,
            "completed_by": {"id": 2, "email": "bob@example.org"},
            "result": labelstudio.document_result(perturbed(gold)),
            "was_cancelled": False,
            "ground_truth": False,
            "updated_at": "2026-11-26T18:05:00Z",
        },
    ]
    path.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    return path


def test_label_studio_export_with_two_annotators(tmp_path: Path) -> None:
    annotations = load_annotations([str(label_studio_export(tmp_path / "export.json"))])
    assert [a.annotator for a in annotations] == ["alice@example.org", "bob@example.org"]
    report = agreement(annotations)
    [pair] = report.pairs
    assert pair.entities_strict.matched == 12 and pair.relations.matched == 2
    assert pair.tokens - pair.token_agreements == 8


def test_folder_per_annotator_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from corpus.cli import main

    gold = fixture_document()
    native.write([gold], tmp_path / "ann" / "alice")
    native.write([perturbed(gold)], tmp_path / "ann" / "bob")
    native.write([gold], tmp_path / "ann" / "carol")
    report = agreement(load_annotations([str(tmp_path / "ann")]))
    assert [(p.left, p.right) for p in report.pairs] == [
        ("alice", "bob"),
        ("alice", "carol"),
        ("bob", "carol"),
    ]
    assert report.pairs[1].entities_strict.f1 == 1.0
    assert main(["agreement", str(tmp_path / "ann"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pairs"][0]["entities_strict"]["matched"] == 12
    assert main(["agreement", str(tmp_path / "ann")]) == 0
    out = capsys.readouterr().out
    assert "alice vs bob" in out and "disagreements alice vs bob: 7" in out


def test_one_annotation_is_not_enough(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from corpus.cli import main

    native.write([fixture_document()], tmp_path / "ann" / "alice")
    assert main(["agreement", str(tmp_path / "ann")]) == 2
    assert capsys.readouterr().err == (
        f"{tmp_path / 'ann'}: -: /: NEEDS_TWO_ANNOTATORS: agreement needs at least two "
        "annotations, got 1\n"
    )


def test_different_texts_are_refused() -> None:
    gold = fixture_document()
    other = replace(gold, text=gold.text.upper(), entities=(), relations=(), clusters=())
    with pytest.raises(CorpusError) as caught:
        compare(Annotation("a", {gold.id: gold}), Annotation("b", {gold.id: other}))
    assert [p.code for p in caught.value.problems] == ["TEXT_DIFFERS"]


def test_several_paths_one_per_annotator(tmp_path: Path) -> None:
    gold = fixture_document()
    (tmp_path / "alice.json").write_text(native.dumps(gold), encoding="utf-8")
    (tmp_path / "bob.json").write_text(native.dumps(perturbed(gold)), encoding="utf-8")
    annotations = load_annotations([str(tmp_path / "alice.json"), str(tmp_path / "bob.json")])
    assert [a.annotator for a in annotations] == ["alice", "bob"]
    [pair] = agreement(annotations).pairs
    assert (pair.entities_strict.matched, pair.relations.matched) == (12, 2)


@settings(max_examples=40, deadline=None)
@given(document=documents())
def test_self_agreement_property(document: Document) -> None:
    pair = compare(
        Annotation("a", {document.id: document}), Annotation("b", {document.id: document})
    )
    assert pair.kappa == 1.0 and pair.disagreements == []
    assert pair.entities_strict.f1 == (1.0 if document.entities else None)
    assert pair.relations.f1 == (1.0 if document.relations else None)

"""Pre-annotation: the gazetteer's matching, the module:function hook, Label Studio
predictions and the leave-one-sentence-out evaluation (on a hand-built case with known
precision and recall, and on the release)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.model import Document, Entity
from corpus.preannotate import (
    Gazetteer,
    Prediction,
    gazetteer_from_release,
    leave_one_sentence_out,
    load_preannotator,
    model_version_of,
    predict,
    score_preannotator,
    sentences_with_mentions,
    task_with_predictions,
)
from corpus.release import latest_version, load_release
from tests.grow.grow_helpers import REPO, run, tree_digest


def spans(predictions: list[Prediction]) -> list[tuple[str, str]]:
    return [(p.text, p.type) for p in predictions]


def test_longest_entries_win_and_never_overlap() -> None:
    gazetteer = Gazetteer.from_mentions(
        [("Ministry of Interior", "ORG"), ("Interior", "ORG"), ("Ministry", "ORG"), ("Iran", "GPE")]
    )
    text = "The Ministry of Interior of Iran thanked the Ministry."
    assert spans(gazetteer(text)) == [
        ("Ministry of Interior", "ORG"),
        ("Iran", "GPE"),
        ("Ministry", "ORG"),
    ]


def test_matches_are_exact_and_at_word_boundaries() -> None:
    gazetteer = Gazetteer.from_mentions([("Iran", "GPE"), ("he", "PER"), ("MoU", "DOC")])
    text = "Iranian officials said he (the envoy) signed the MoU; Iran's iran he."
    found = gazetteer(text)
    assert spans(found) == [("he", "PER"), ("MoU", "DOC"), ("Iran", "GPE"), ("he", "PER")]
    assert all(text[p.start : p.end] == p.text for p in found)


def test_a_string_takes_its_most_frequent_type_and_that_share_as_score() -> None:
    gazetteer = Gazetteer.from_mentions(
        [("Tajik", "GPE"), ("Tajik", "GPE"), ("Tajik", "ORG"), ("IRNA", "ORG"), ("IRNA", "PER")]
    )
    assert gazetteer.entries["Tajik"] == ("GPE", pytest.approx(2 / 3))
    assert gazetteer.entries["IRNA"] == ("PER", 0.5)  # a tie: inventory order (PER before ORG)


# A hand-built case. Sentences and gold mentions:
#   S0 "Alice met Bob in Paris."        Alice PER, Bob PER, Paris GPE
#   S1 "Bob left Paris."                Bob PER, Paris LOC
#   S2 "Carol and Bobby stayed."        Carol PER
# Held out S0: gazetteer of S1+S2 {Bob PER, Paris LOC, Carol PER} predicts Bob PER (right)
#   and Paris LOC (wrong type): 2 predicted, 1 correct, 3 gold.
# Held out S1: gazetteer of S0+S2 {Alice, Bob, Carol PER, Paris GPE} predicts Bob PER (right),
#   Paris GPE (wrong): 2 predicted, 1 correct, 2 gold.
# Held out S2: gazetteer of S0+S1 has no Carol; Bob must not match inside "Bobby":
#   0 predicted, 0 correct, 1 gold.
# Micro: 4 predicted, 2 correct, 6 gold -> precision 1/2, recall 1/3, F1 2PR/(P+R) = 0.4.
HAND_TEXT = "Alice met Bob in Paris. Bob left Paris. Carol and Bobby stayed."


def hand_document() -> Document:
    def mention(n: int, text: str, entity_type: str, occurrence: int = 0) -> Entity:
        start = -1
        for _ in range(occurrence + 1):
            start = HAND_TEXT.index(text, start + 1)
        return Entity(f"T{n}", entity_type, start, start + len(text), text)

    return Document(
        "hand",
        HAND_TEXT,
        entities=(
            mention(1, "Alice", "PER"),
            mention(2, "Bob", "PER"),
            mention(3, "Paris", "GPE"),
            mention(4, "Bob", "PER", 1),
            mention(5, "Paris", "LOC", 1),
            mention(6, "Carol", "PER"),
        ),
    )


def test_leave_one_sentence_out_on_a_hand_built_case() -> None:
    document = hand_document()
    held = sentences_with_mentions([document])
    assert [len(h.gold) for h in held] == [3, 2, 1]
    micro = leave_one_sentence_out([document]).micro
    assert (micro.actual, micro.correct, micro.possible) == (4, 2, 6)
    assert micro.precision == pytest.approx(1 / 2)
    assert micro.recall == pytest.approx(1 / 3)
    assert micro.f1 == pytest.approx(0.4)


def test_held_out_is_worse_than_memorised_on_the_release() -> None:
    documents = load_release()
    held_out = leave_one_sentence_out(documents).micro
    memorised = score_preannotator(documents, Gazetteer.from_documents(documents)).micro
    assert 0 < held_out.recall < memorised.recall
    assert held_out.possible == memorised.possible == sum(len(d.entities) for d in documents)


def test_gazetteer_of_the_release_names_its_version(project: Path) -> None:
    gazetteer = gazetteer_from_release("1.0.0")
    assert gazetteer.model_version == "gazetteer-1.0.0"
    assert gazetteer.entries["Dushanbe"][0] == "GPE"


def test_task_with_predictions_marks_them_as_predictions(project: Path) -> None:
    before = tree_digest(project / "annotations")
    gazetteer = gazetteer_from_release()
    text = "Eskandar Momeni met the Tajik president in Dushanbe."
    document = Document("new", text, metadata={"language": "en", "split": None})
    task = task_with_predictions(document, gazetteer, version="working")
    assert "annotations" not in task and task["data"]["text"] == text
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == f"gazetteer-{latest_version()}"
    regions = prediction["result"]
    found = [(r["value"]["text"], r["value"]["labels"]) for r in regions]
    assert ("Eskandar Momeni", ["PER"]) in found and ("Dushanbe", ["GPE"]) in found
    for region in regions:
        value = region["value"]
        assert text[value["start"] : value["end"]] == value["text"]
        assert 0 < region["score"] <= 1 and region["from_name"] == "label"
    mean = sum(r["score"] for r in regions) / len(regions)
    assert prediction["score"] == pytest.approx(mean)
    assert tree_digest(project / "annotations") == before  # predictions are never written


HOOK = """
    from corpus.preannotate import Prediction

    def predict(text):
        start = text.find("Momeni")
        return [Prediction("PER", start, start + 6, "Momeni", 0.7)] if start >= 0 else []

    predict.model_version = "toy-1"

    def wrong_type(text):
        return [Prediction("PERSON", 0, 2, text[:2])]

    def outside(text):
        return [Prediction("PER", 0, len(text) + 1, text)]

    def broken(text):
        raise RuntimeError("model not loaded")

    not_callable = 3
"""


@pytest.fixture
def hook_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "toy_hook.py").write_text(textwrap.dedent(HOOK), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "toy_hook"


def test_a_hook_is_loaded_and_its_output_checked(hook_module: str) -> None:
    annotator = load_preannotator(f"{hook_module}:predict")
    assert annotator.model_version == "toy-1"
    (found,) = predict("Minister Momeni", annotator)
    assert (found.start, found.end, found.type, found.score) == (9, 15, "PER", 0.7)
    for name, code in [
        ("wrong_type", "PREDICTION_INVALID"),
        ("outside", "PREDICTION_INVALID"),
        ("broken", "PREANNOTATOR_FAILED"),
    ]:
        with pytest.raises(CorpusError) as caught:
            predict("Minister Momeni", load_preannotator(f"{hook_module}:{name}"))
        assert [p.code for p in caught.value.problems] == [code]


@pytest.mark.parametrize(
    "spec", ["toy_hook", "toy_hook:missing", "toy_hook:not_callable", "no_such_module_x:f"]
)
def test_a_bad_hook_spec_is_one_problem(hook_module: str, spec: str) -> None:
    with pytest.raises(CorpusError) as caught:
        load_preannotator(spec)
    assert [p.code for p in caught.value.problems] == ["PREANNOTATOR_INVALID"]
    assert caught.value.exit_code == 2


def test_cli_preannotate_eval(
    project: Path, hook_module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "preannotate-eval", "--format", "json")
    assert code == 0
    data = json.loads(out)
    expected = leave_one_sentence_out(load_release()).micro
    assert data["precision"] == pytest.approx(expected.precision)
    assert data["recall"] == pytest.approx(expected.recall)
    assert data["counts"]["gold"] == expected.possible
    code, out, _ = run(capsys, "preannotate-eval", "--version", "1.0.0")
    assert code == 0 and out.startswith("gazetteer, leave-one-sentence-out on 1.0.0: 1 document")
    code, out, _ = run(capsys, "preannotate-eval", "--pre-annotator", f"{hook_module}:predict")
    assert code == 0 and out.startswith(f"pre-annotator toy-1 on {latest_version()}")
    code, _, err = run(capsys, "preannotate-eval", "--pre-annotator", "nope")
    assert code == 2 and err.startswith("nope: -: /: PREANNOTATOR_INVALID: ")


def test_the_docs_state_the_measured_figures() -> None:
    readme = (REPO / "docs" / "growing.md").read_text(encoding="utf-8")
    documents = load_release()
    micro = leave_one_sentence_out(documents).micro
    row = (
        f"| gazetteer, held-out sentences | {micro.precision:.3f} | {micro.recall:.3f} | "
        f"{micro.f1:.3f} | {micro.possible} | {micro.actual} | {micro.correct} |"
    )
    assert row in readme
    assert f"of the article's {len(sentences_with_mentions(documents))} sentences" in readme
    assert f"On release {latest_version()}:" in readme


def test_model_version_of_a_plain_callable_is_its_name(hook_module: str) -> None:
    import importlib

    module = importlib.import_module(hook_module)
    assert model_version_of(module.predict) == "toy-1"
    assert model_version_of(module.outside) == "toy_hook:outside"
    assert model_version_of(Gazetteer({}, "gazetteer-9.9.9")) == "gazetteer-9.9.9"
    document = Document("d", "Momeni spoke.")
    task = task_with_predictions(document, module.predict, version="working", model_version="x")
    assert task["predictions"][0]["model_version"] == "x"
    assert [r["value"]["text"] for r in task["predictions"][0]["result"]] == ["Momeni"]

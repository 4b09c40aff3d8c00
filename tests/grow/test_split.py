"""``corpus split``: deterministic splits by document, existing splits kept, written atomically.

The added texts are written by the tests themselves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corpus.add import add_texts
from corpus.errors import CorpusError
from corpus.release import create_release, latest_version, stats
from corpus.sources import validate_paths
from corpus.splits import (
    BY_DOCUMENT,
    BY_SENTENCE,
    DEFAULT_RATIOS,
    SPLITS,
    assign_splits,
    choose_splits,
    documents_to_split,
    parse_ratios,
    sentence_split_sizes,
    sentence_splits,
    split_rule,
)
from tests.grow.grow_helpers import GOLD_ID, run, tree_digest, write

IDS = [f"doc{n:02d}" for n in range(40)]


def test_choose_splits_is_deterministic_and_follows_the_ratios() -> None:
    chosen = choose_splits([], IDS[:10], seed=7, ratios=(0.8, 0.1, 0.1))
    assert chosen == choose_splits([], list(reversed(IDS[:10])), seed=7, ratios=(0.8, 0.1, 0.1))
    counts = {name: list(chosen.values()).count(name) for name in SPLITS}
    assert counts == {"train": 8, "validation": 1, "test": 1}


@pytest.mark.parametrize("ratios", [(0.8, 0.1, 0.1), (0.6, 0.2, 0.2), (0.5, 0.5, 0.0)])
def test_every_prefix_stays_within_one_document_of_the_ratios(
    ratios: tuple[float, float, float],
) -> None:
    for n in range(1, len(IDS) + 1):
        chosen = choose_splits([], IDS[:n], seed=1, ratios=ratios)
        for name, ratio in zip(SPLITS, ratios, strict=True):
            assert abs(list(chosen.values()).count(name) - ratio * n) < 1, (n, name)
    assert "test" not in choose_splits([], IDS, ratios=(0.5, 0.5, 0.0)).values()


def test_existing_splits_count_and_the_seed_matters() -> None:
    # one train document already: the next two go where the corpus is furthest below its share
    chosen = choose_splits(["train", None], ["a", "b"], ratios=(0.34, 0.33, 0.33))
    assert sorted(chosen.values()) == ["test", "validation"]
    orders = {tuple(sorted(choose_splits([], IDS[:10], seed=s).items())) for s in range(5)}
    assert len(orders) > 1


def test_parse_ratios() -> None:
    assert parse_ratios("0.8,0.1,0.1") == (0.8, 0.1, 0.1)
    for bad in ("0.8,0.2", "0.5,0.5,0.5", "a,b,c", "1.2,-0.1,-0.1", "nan,0,1"):
        with pytest.raises(CorpusError) as caught:
            parse_ratios(bad)
        assert [p.code for p in caught.value.problems] == ["RATIOS_INVALID"]
        assert caught.value.exit_code == 2


# --------------------------------------------------------------------------- teaching splits


def test_teaching_split_sizes_follow_the_ratios_with_one_sentence_at_least() -> None:
    for n in range(0, 300):
        sizes = sentence_split_sizes(n)
        assert sum(sizes) == n and len(sizes) == len(SPLITS)
        if n < len(SPLITS):
            assert sizes[1:] == (0, 0)
            continue
        for size, ratio in zip(sizes[1:], DEFAULT_RATIOS[1:], strict=True):
            assert size >= 1 and (size == 1 or abs(size - ratio * n) <= 0.5), (n, sizes)
    assert sentence_split_sizes(12) == (10, 1, 1)  # the gold article (issue 11)


def test_teaching_splits_are_contiguous_blocks_over_the_documents_in_order() -> None:
    per_document = sentence_splits([4, 12, 4])
    assert [len(splits) for splits in per_document] == [4, 12, 4]
    flat = [split for splits in per_document for split in splits]
    sizes = sentence_split_sizes(20)
    assert flat == [name for name, k in zip(SPLITS, sizes, strict=True) for _ in range(k)]
    assert per_document[0] == ["train"] * 4 and per_document[2][-1] == "test"


def test_the_split_rule_takes_sentences_only_while_documents_cannot_be_split() -> None:
    fewest = documents_to_split()
    # corpus split itself: one document fewer leaves a split empty, this many fill them all
    assert len(set(choose_splits([], IDS[: fewest - 1]).values())) < len(SPLITS)
    assert set(choose_splits([], IDS[:fewest]).values()) == set(SPLITS)
    assert split_rule(["train"]) == BY_SENTENCE
    assert split_rule(["test"] * (fewest - 1)) == BY_SENTENCE
    assert split_rule(["train"] * fewest) == BY_DOCUMENT  # enough: `corpus split` them
    assert split_rule(["train", "test"]) == BY_DOCUMENT  # split by document already
    assert split_rule([]) == BY_DOCUMENT


def working(project: Path, doc_id: str) -> dict[str, Any]:
    path = project / "annotations" / "working" / f"{doc_id}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def add_two(project: Path, tmp_path: Path) -> list[str]:
    texts = [b"Tajikistan and Iran met again.", b"The ministers signed a memorandum."]
    files = [write(tmp_path, f"t{i}.txt", text) for i, text in enumerate(texts)]
    return [added.id for added in add_texts(files)]


def test_assign_splits_keeps_the_gold_train_and_records_new_ones(
    project: Path, tmp_path: Path
) -> None:
    gold = (project / "annotations" / "working" / f"{GOLD_ID}.json").read_bytes()
    new = add_two(project, tmp_path)
    result = assign_splits(seed=0, ratios=(0.34, 0.33, 0.33))
    by_id = {a.document: a for a in result}
    assert by_id[GOLD_ID].split == "train" and not by_id[GOLD_ID].assigned
    assert sorted(by_id[d].split for d in new) == ["test", "validation"]
    for doc_id in new:
        assert working(project, doc_id)["metadata"]["split"] == by_id[doc_id].split
    assert (project / "annotations" / "working" / f"{GOLD_ID}.json").read_bytes() == gold
    assert validate_paths([project / "annotations" / "working"]) == []
    before = tree_digest(project / "annotations")
    assert not any(a.assigned for a in assign_splits(seed=99))  # stable: nothing left to do
    assert tree_digest(project / "annotations") == before


def test_a_missing_split_is_filled_in_after_the_language(project: Path, tmp_path: Path) -> None:
    (doc_id, _) = add_two(project, tmp_path)
    path = project / "annotations" / "working" / f"{doc_id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["metadata"]["split"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert [p.code for p in validate_paths([path])] == ["SCHEMA_REQUIRED"]
    assign_splits()
    metadata = working(project, doc_id)["metadata"]
    assert list(metadata)[:2] == ["language", "split"] and metadata["split"] in SPLITS
    assert validate_paths([path]) == []


def test_an_invalid_working_copy_is_refused_and_nothing_written(
    project: Path, tmp_path: Path
) -> None:
    (doc_id, _) = add_two(project, tmp_path)
    gold = project / "annotations" / "working" / f"{GOLD_ID}.json"
    data = json.loads(gold.read_text(encoding="utf-8"))
    data["entities"][0]["type"] = "DAY"
    gold.write_text(json.dumps(data), encoding="utf-8")
    before = tree_digest(project / "annotations")
    with pytest.raises(CorpusError) as caught:
        assign_splits()
    codes = [p.code for p in caught.value.problems]
    assert codes == ["UNKNOWN_ENTITY_TYPE", "WORKING_COPY_INVALID"]
    assert tree_digest(project / "annotations") == before
    assert working(project, doc_id)["metadata"]["split"] is None


def test_a_release_needs_every_split(project: Path, tmp_path: Path) -> None:
    new = add_two(project, tmp_path)
    latest = latest_version()
    version = f"{int(latest.split('.')[0]) + 1}.0.0" if latest else "1.0.0"
    with pytest.raises(CorpusError) as caught:
        create_release(version, "two new texts")
    assert [p.code for p in caught.value.problems] == ["SPLIT_UNASSIGNED"]
    assert all(doc_id in caught.value.problems[0].message for doc_id in new)
    assert stats("working").splits["unassigned"]["documents"] == 2
    assign_splits()
    create_release(version, "two new texts")
    assert "unassigned" not in stats(version).splits


def test_cli_split(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = add_two(project, tmp_path)
    code, out, _ = run(capsys, "split", "--ratios", "0.34,0.33,0.33", "--dry-run")
    assert code == 0 and out.splitlines()[-1].startswith("2 assigned, 1 kept")
    assert working(project, new[0])["metadata"]["split"] is None
    code, out, _ = run(capsys, "split", "--ratios", "0.34,0.33,0.33")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    for doc_id in new:
        split = working(project, doc_id)["metadata"]["split"]
        assert f"assigned {split} to {doc_id} (annotations/working/{doc_id}.json)" in lines
    assert lines[-1] == ("2 assigned, 1 kept; documents per split: train 1, validation 1, test 1")
    code, _, err = run(capsys, "split", "--ratios", "1,1,1")
    assert code == 2 and err.startswith("--ratios: -: /: RATIOS_INVALID: ")

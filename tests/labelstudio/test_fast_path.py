"""The import's fast path changes speed, never documents or problems.

An annotation of a well-formed task in which nothing is wrong is converted without the
item-by-item checks that locate what is wrong (``read(fast=True)``, the default); anything
else takes them (``fast=False`` always does). Every export here is the gold export with
some corruption: a fixed catalogue of what the import checks (labels, offsets, text, the
controls, missing keys and wrong types, duplicate and dangling ids, clusters, directions,
the task's own fields) and Hypothesis mutations of any part of a result item. For each one
both paths give equal documents and equal problems, in the same order; and the clean
exports (reordered, renumbered, new regions, the whitespace a UI may change) are really
taken by the fast path, so it cannot silently fall back every time.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.errors import Problem
from corpus.formats import labelstudio
from corpus.formats.labelstudio import Selection, reader
from corpus.model import Document
from tests.labelstudio.ls_helpers import GOLD_ID, gold_export, load_gold, seed_text

GOLD = load_gold()
SEED = seed_text()
Export = list[dict[str, Any]]
Edit = Callable[[Export], None]


def run(
    export: Any,
    *,
    fast: bool,
    base: Document | None = GOLD,
    selection: Selection | None = None,
) -> tuple[list[labelstudio.ImportedDocument], list[Problem]]:
    return labelstudio.read(
        export,
        file="export.json",
        seeds={GOLD_ID: SEED},
        bases={(GOLD_ID, ""): base} if base is not None else {},
        reserved_ids={GOLD_ID: set()},
        selection=selection,
        fast=fast,
    )


def assert_same(export: Any, **kwargs: Any) -> list[Problem]:
    """Both paths give the same documents and problems (returned). Without a base, the
    task carries the metadata (else each annotation is TASK_NO_METADATA)."""
    if kwargs.get("base", GOLD) is None:
        export = copy.deepcopy(export)
        for task in export if isinstance(export, list) else []:
            if isinstance(task, dict) and isinstance(task.get("data"), dict):
                task["data"]["metadata"] = dict(GOLD.metadata)
    slow = run(copy.deepcopy(export), fast=False, **kwargs)
    fast = run(copy.deepcopy(export), fast=True, **kwargs)
    assert fast[1] == slow[1]
    assert fast[0] == slow[0]
    return fast[1]


def items(export: Export) -> list[Any]:
    result: list[Any] = export[0]["annotations"][0]["result"]
    return result


def region(export: Export, region_id: str, kind: str = "labels") -> dict[str, Any]:
    return next(i for i in items(export) if i.get("id") == region_id and i["type"] == kind)


def relation(export: Export, number: int = 0) -> dict[str, Any]:
    return [i for i in items(export) if i["type"] == "relation"][number]


def relation_of(export: Export, label: str) -> dict[str, Any]:
    return next(i for i in items(export) if i["type"] == "relation" and i["labels"] == [label])


def value(region_id: str, key: str, new: Any, kind: str = "labels") -> Edit:
    def edit(export: Export) -> None:
        region(export, region_id, kind)["value"][key] = new

    return edit


def without_value(region_id: str, key: str) -> Edit:
    def edit(export: Export) -> None:
        del region(export, region_id)["value"][key]

    return edit


def field(region_id: str, key: str, new: Any, kind: str = "labels") -> Edit:
    def edit(export: Export) -> None:
        region(export, region_id, kind)[key] = new

    return edit


def without_field(region_id: str, key: str, kind: str = "labels") -> Edit:
    def edit(export: Export) -> None:
        del region(export, region_id, kind)[key]

    return edit


def relation_field(key: str, new: Any, number: int = 0) -> Edit:
    def edit(export: Export) -> None:
        relation(export, number)[key] = new

    return edit


def without_relation_field(key: str) -> Edit:
    def edit(export: Export) -> None:
        del relation(export)[key]

    return edit


def appended(item: Any) -> Edit:
    def edit(export: Export) -> None:
        items(export).append(copy.deepcopy(item))

    return edit


def copied(pick: Callable[[Export], Any], **changes: Any) -> Edit:
    """Append a copy of an item, with some keys changed (None: deleted)."""

    def edit(export: Export) -> None:
        item = copy.deepcopy(pick(export))
        for key, new in changes.items():
            if new is None:
                item.pop(key, None)
            else:
                item[key] = new
        items(export).append(item)

    return edit


def both(first: Edit, second: Edit) -> Edit:
    def edit(export: Export) -> None:
        first(export)
        second(export)

    return edit


def task_data(key: str, new: Any) -> Edit:
    def edit(export: Export) -> None:
        if new is None:
            del export[0]["data"][key]
        else:
            export[0]["data"][key] = new

    return edit


def annotation(key: str, new: Any) -> Edit:
    def edit(export: Export) -> None:
        export[0]["annotations"][0][key] = new

    return edit


def renumbered(export: Export) -> None:
    """Region ids as a UI writes them (no corpus ids), relations following them."""
    names = {}
    for item in items(export):
        if item["type"] != "relation":
            names.setdefault(item["id"], f"ui{len(names)}")
            item["id"] = names[item["id"]]
    for item in items(export):
        if item["type"] == "relation":
            item["from_id"], item["to_id"] = names[item["from_id"]], names[item["to_id"]]


def reversed_and_without_relation_ids(export: Export) -> None:
    for item in items(export):
        if item["type"] == "relation":
            del item["id"]
    items(export).reverse()


def new_region(start: int, end: int, label: str = "EVENT", region_id: str = "new1") -> Edit:
    return appended(
        {
            "id": region_id,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": end, "text": GOLD.text[start:end], "labels": [label]},
        }
    )


def cluster_item(region_id: str, keys: Any, to_name: str = "text") -> dict[str, Any]:
    return {
        "id": region_id,
        "from_name": "cluster",
        "to_name": to_name,
        "type": "textarea",
        "value": {"start": 0, "end": 2, "text": keys},
    }


def lines_apart(export: Export) -> None:
    """A region across a line break whose value.text has other whitespace (the UI's)."""
    start = GOLD.text.index("visit.\n\nThe") + len("visit.\n\n") - 3
    new_region(start, start + 7)(export)
    region(export, "new1")["value"]["text"] = ". The "


def first_relation_reversed_left(export: Export) -> None:
    item = relation(export)
    item["from_id"], item["to_id"], item["direction"] = item["to_id"], item["from_id"], "left"


SYMMETRIC = {label.name for label in reader.inventory().relations if label.symmetric}


def a_symmetric_relation(export: Export) -> dict[str, Any]:
    return next(i for i in items(export) if i["type"] == "relation" and i["labels"][0] in SYMMETRIC)


def symmetric_bi(export: Export) -> None:
    a_symmetric_relation(export)["direction"] = "bi"


def reversed_copy_of_a_symmetric_relation(export: Export) -> None:
    item = copy.deepcopy(a_symmetric_relation(export))
    item["from_id"], item["to_id"] = item["to_id"], item["from_id"]
    del item["id"]
    items(export).append(item)


#: exports in which nothing is wrong: the fast path takes every one
CLEAN: dict[str, Edit] = {
    "the gold export": lambda export: None,
    "reordered, relation ids dropped": reversed_and_without_relation_ids,
    "regions renumbered by a UI": renumbered,
    "a new region (a fresh id)": new_region(926, 935, "THREAT"),
    "value.text across a line break, other whitespace": lines_apart,
    "value.text left out": without_value("T28", "text"),
    "a relation written right to left": first_relation_reversed_left,
    "a symmetric relation with direction bi": symmetric_bi,
    "a relation with direction null": relation_field("direction", None),
    "a relation without direction": without_relation_field("direction"),
    "a relation without id": without_relation_field("id"),
    "a relation with a numeric id": relation_field("id", 7),
    "cluster keys with spaces and an empty key": value("T2", "text", [" C1 ", ""], "textarea"),
    "an empty result": annotation("result", []),
    "extra keys everywhere": lambda export: [i.update(score=0.5) for i in items(export)] and None,
    "no data.version": task_data("version", None),
    "no data.seed_sha256": task_data("seed_sha256", None),
}

OFF = len(GOLD.text)

#: exports with something wrong (or that the full path must decide): both paths agree
CORRUPT: dict[str, Edit] = {
    # labels of a region
    "unknown label": value("T28", "labels", ["IDEOLOGY"]),
    "lower-case label": value("T28", "labels", ["per"]),
    "label a number": value("T28", "labels", [3]),
    "label null": value("T28", "labels", [None]),
    "no label": value("T28", "labels", []),
    "two labels": value("T28", "labels", ["THREAT", "EVENT"]),
    "labels a string": value("T28", "labels", "THREAT"),
    "labels missing": without_value("T28", "labels"),
    # offsets
    "start a string": value("T28", "start", "925"),
    "start a float": value("T28", "start", 925.0),
    "start a boolean": value("T1", "start", True),
    "end a boolean": value("T1", "end", True),
    "start missing": without_value("T28", "start"),
    "end null": value("T28", "end", None),
    "negative start": value("T1", "start", -1),
    "end beyond the text": value("T75", "end", OFF + 5),
    "start beyond the text": value("T75", "start", OFF + 1),
    "empty span": value("T28", "end", 925),
    "reversed span": value("T28", "end", 900),
    "a span that is the whole text (text mismatch)": value("T28", "end", OFF),
    "huge end": value("T28", "end", 2**70),
    # the same without value.text (which would be a mismatch first)
    "empty span, no text": both(value("T28", "end", 925), without_value("T28", "text")),
    "reversed span, no text": both(value("T28", "end", 900), without_value("T28", "text")),
    "end beyond, no text": both(value("T75", "end", OFF + 1), without_value("T75", "text")),
    "negative start, no text": both(value("T1", "start", -1), without_value("T1", "text")),
    "start a float, no text": both(value("T1", "start", 3.0), without_value("T1", "text")),
    "text null (allowed)": value("T28", "text", None),
    # text
    "text mismatch": value("T28", "text", "Radicalism"),
    "value.text a number": value("T28", "text", 5),
    "text with other whitespace, no line break": value("T1", "text", "Tuesday  April 22"),
    # the controls
    "unknown from_name": field("T28", "from_name", "ner"),
    "unknown to_name": field("T28", "to_name", "body"),
    "unknown type": field("T28", "type", "choices"),
    "type missing": without_field("T28", "type"),
    "from_name missing": without_field("T28", "from_name"),
    "label control with the cluster type": field("T28", "type", "textarea"),
    "cluster control with the label type": field("T2", "type", "labels", "textarea"),
    "a cluster on another to_name": field("T2", "to_name", "body", "textarea"),
    # shapes (LS_MALFORMED)
    "region id missing": without_field("T28", "id"),
    "region id empty": field("T28", "id", ""),
    "region id a number": field("T28", "id", 28),
    "value not an object": field("T28", "value", [925, 935]),
    "value missing": without_field("T28", "value"),
    "item not an object": appended(7),
    "item null": appended(None),
    "item a list": appended([]),
    "cluster text a string": value("T2", "text", "C1", "textarea"),
    "cluster text with a number": value("T2", "text", ["C1", 1], "textarea"),
    "relation without to_id": without_relation_field("to_id"),
    "relation from_id a number": relation_field("from_id", 4),
    "direction up": relation_field("direction", "up"),
    "result not a list": annotation("result", {"0": 1}),
    "result missing": lambda export: export[0]["annotations"][0].pop("result") and None,
    "annotation not an object": lambda export: export[0]["annotations"].append(3),
    "annotations not a list": lambda export: export[0].update(annotations={"a": 1}),
    "data not an object": lambda export: export[0].update(data="text"),
    "task not an object": lambda export: export.append("task"),
    # ids
    "duplicate region": copied(lambda e: region(e, "T28")),
    "duplicate region id, other span": copied(
        lambda e: region(e, "T28"), value={"start": 0, "end": 2, "text": "On", "labels": ["PER"]}
    ),
    "region id with a final newline": field("T28", "id", "T28\n"),
    "dangling from_id": relation_field("from_id", "nowhere"),
    "dangling to_id": relation_field("to_id", "nowhere"),
    "relation to a rejected region": both(
        value("T4", "labels", ["NOPE"]), relation_field("from_id", "T4")
    ),
    "duplicate relation": copied(relation, id=None),
    "duplicate relation, its own id": copied(relation, id="R999"),
    "symmetric relation repeated the other way": reversed_copy_of_a_symmetric_relation,
    "two relations with one id": copied(lambda e: relation(e, 1), id=relation(gold_export())["id"]),
    # relations
    "unknown relation": relation_field("labels", ["likes"]),
    "relation not allowed": relation_field("labels", ["signed"]),
    "relation with two labels": relation_field("labels", ["has_title", "signed"]),
    "relation without labels": without_relation_field("labels"),
    "relation label a number": relation_field("labels", [1]),
    "directed relation with direction bi": relation_field("direction", "bi"),
    "self relation": lambda export: relation(export).update(to_id=relation(export)["from_id"]),
    # clusters
    "cluster singleton": value("T3", "text", ["lonely"], "textarea"),
    "cluster ambiguous": value("T2", "text", ["C1", "C2"], "textarea"),
    "cluster on a missing region": appended(cluster_item("gone", ["C1"])),
    "cluster on a rejected region": value("T2", "labels", ["NOPE"]),
    "cluster of mixed types": appended(cluster_item("T1", ["C1"])),
    "a region in two cluster items": appended(cluster_item("T2", ["C9"])),
    # the task
    "text differs from the seed": task_data("text", GOLD.text.replace("Tajik", "Tadjik", 1)),
    "seed sha differs": task_data("seed_sha256", "0" * 64),
    "no document id": task_data("document_id", None),
    "unknown document": task_data("document_id", "999_unknown"),
    "no text": task_data("text", None),
    "data.text a number": task_data("text", 7),
    "version a number": task_data("version", 3),
    # the whole export
    "same task twice": lambda export: export.append(copy.deepcopy(export[0])),
    "a second annotator": lambda export: export[0]["annotations"].append(
        {**copy.deepcopy(export[0]["annotations"][0]), "completed_by": 2, "id": 102}
    ),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_a_clean_export_is_taken_by_the_fast_path(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = gold_export()
    CLEAN[name](export)
    expected = run(copy.deepcopy(export), fast=False)
    assert expected[1] == [] and len(expected[0]) == 1

    def checked_item_by_item(*args: Any) -> None:
        raise AssertionError("the fast path let a clean annotation through to _parse_item")

    monkeypatch.setattr(reader, "_parse_item", checked_item_by_item)
    assert run(export, fast=True) == expected


def test_a_clean_export_without_a_base_is_taken_by_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    export = gold_export()
    export[0]["data"]["metadata"] = dict(GOLD.metadata)  # fresh ids for everything
    expected = run(copy.deepcopy(export), fast=False, base=None)
    assert expected[1] == []
    monkeypatch.setattr(reader, "_parse_item", None)  # a call would raise TypeError
    assert run(export, fast=True, base=None) == expected


def test_the_fast_path_is_only_for_fast_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = reader._parse_item
    monkeypatch.setattr(reader, "_parse_item", lambda *a: calls.append(1) or original(*a))
    run(gold_export(), fast=False)
    assert len(calls) == len(items(gold_export()))


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_a_corrupted_export_gives_the_same_problems_on_both_paths(name: str) -> None:
    export = gold_export()
    CORRUPT[name](export)
    assert_same(export)
    assert_same(export, base=None)
    assert_same(export, selection=Selection(by_annotator=True))


def test_the_catalogue_is_mostly_problems() -> None:
    """No test that cannot fail: most corruptions are problems (the rest are allowed)."""
    found = 0
    for edit in CORRUPT.values():
        export = gold_export()
        edit(export)
        found += bool(run(export, fast=False)[1])
    assert found >= len(CORRUPT) - 5


def test_a_problem_in_a_relation_after_the_items_falls_back() -> None:
    """The document's own checks (relations allowed, duplicates, clusters) come after the
    items: a problem there is taken back from the fast path and located by the full one."""
    export = gold_export()
    relation_field("labels", ["signed"])(export)
    problems = assert_same(export)
    assert [p.code for p in problems] == ["RELATION_NOT_ALLOWED"]
    assert "relation" in problems[0].pointer and "/result/" in problems[0].pointer


# --------------------------------------------------------------------------- mutations

#: values a mutation may write: the offsets around the text's edges, labels and names the
#: import knows and does not, ids of the gold export, and every JSON type
VALUES = st.one_of(
    st.sampled_from([0, 1, 3, 19, 925, 935, OFF - 1, OFF, OFF + 1, -1, 2**64]),
    st.integers(-5, OFF + 5),
    st.sampled_from(
        ["PER", "GPE", "TITLE", "EVENT", "THREAT", "per", "", " ", "T1", "T2", "T4", "R1", "C1"]
    ),
    st.sampled_from(["has_title", "signed", "likes", "left", "right", "bi", "up", "relation"]),
    st.sampled_from(["label", "cluster", "text", "labels", "textarea", "ner"]),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, width=32),
    st.text(max_size=4),
    st.lists(st.sampled_from(["PER", "C1", "C2", "has_title", " ", 3]), max_size=3),
)
KEYS = ["id", "type", "from_name", "to_name", "value", "labels", "direction", "from_id", "to_id"]
VALUE_KEYS = ["start", "end", "text", "labels"]


@st.composite
def mutations(draw: st.DrawFn) -> list[tuple[str, int, str, Any]]:
    """A few edits of result items: (what, item index, key, new value)."""
    count = len(items(gold_export()))
    edits = []
    for _ in range(draw(st.integers(1, 3))):
        what = draw(st.sampled_from(["set", "delete", "set value", "delete value", "copy"]))
        index = draw(st.integers(0, count - 1))
        key = draw(st.sampled_from(VALUE_KEYS if "value" in what else KEYS))
        edits.append((what, index, key, draw(VALUES) if what.startswith("set") else None))
    return edits


def mutated(edits: list[tuple[str, int, str, Any]]) -> Export:
    export = gold_export()
    result = items(export)
    for what, index, key, new in edits:
        item = result[index]
        if what == "copy":
            result.append(copy.deepcopy(item))
            continue
        target = item.get("value") if "value" in what else item
        if not isinstance(target, dict):
            continue
        if what.startswith("set"):
            target[key] = new
        else:
            target.pop(key, None)
    return export


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_exports_give_the_same_problems_on_both_paths(
    edits: list[tuple[str, int, str, Any]],
) -> None:
    export = mutated(edits)
    assert_same(export)
    assert_same(export, base=None)

"""Pure conversion: export, import, every import check with its code, id allocation."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.errors import Problem
from corpus.formats import labelstudio
from corpus.formats.labelstudio import Selection
from corpus.model import Cluster, Document, Entity, Relation
from tests.labelstudio.ls_helpers import GOLD_ID, as_export, gold_export, load_gold, seed_text

GOLD = load_gold()
SEED = seed_text()


def run(
    export: Any,
    selection: Selection | None = None,
    *,
    base: Document | None = GOLD,
    reserved: set[str] | None = None,
) -> tuple[list[labelstudio.ImportedDocument], list[Problem]]:
    bases = {(GOLD_ID, ""): base} if base is not None else {}
    return labelstudio.read(
        export,
        file="export.json",
        seeds={GOLD_ID: SEED},
        bases=bases,
        reserved_ids={GOLD_ID: reserved or set()},
        selection=selection,
    )


def only(export: Any, **kwargs: Any) -> Document:
    imported, problems = run(export, **kwargs)
    assert problems == []
    assert len(imported) == 1
    return imported[0].document


def codes(export: Any, **kwargs: Any) -> list[str]:
    imported, problems = run(export, **kwargs)
    return [p.code for p in problems]


def result(export: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = export[0]["annotations"][0]["result"]
    return items


def region(export: list[dict[str, Any]], region_id: str) -> dict[str, Any]:
    return next(i for i in result(export) if i.get("id") == region_id and i["type"] == "labels")


# --------------------------------------------------------------------------- export


def test_export_modes() -> None:
    predictions = labelstudio.document_to_task(GOLD, version="1.0.0", mode="predictions")
    assert predictions["data"]["text"] == GOLD.text
    assert predictions["data"]["document_id"] == GOLD_ID
    assert predictions["predictions"][0]["model_version"] == "1.0.0"
    regions = [i for i in predictions["predictions"][0]["result"] if i["type"] == "labels"]
    assert [r["id"] for r in regions] == [e.id for e in GOLD.entities]
    annotations = labelstudio.document_to_task(GOLD, version="1.0.0", mode="annotations")
    assert annotations["annotations"][0]["result"] == predictions["predictions"][0]["result"]
    blank = labelstudio.document_to_task(GOLD, version="1.0.0", mode="none")
    assert "annotations" not in blank and "predictions" not in blank


def test_round_trip_is_lossless() -> None:
    document = only(gold_export())
    assert document.entities == GOLD.entities
    assert document.relations == GOLD.relations
    assert document.clusters == GOLD.clusters
    assert document.seed == GOLD.seed and document.text == GOLD.text
    annotation = document.metadata["annotation"]
    assert annotation["annotators"] == ["user 1"]
    assert annotation["annotated_at"] == "2026-11-26T18:05:00Z"
    assert "task 1 annotation 101" in annotation["origin"]
    rest = {k: v for k, v in document.metadata.items() if k != "annotation"}
    assert rest == {k: v for k, v in GOLD.metadata.items() if k != "annotation"}


def test_ui_reordered_results_without_relation_ids_keep_every_id() -> None:
    export = gold_export()
    items = result(export)
    for item in items:
        if item["type"] == "relation":
            del item["id"]  # the UI does not keep relation ids
    items.reverse()
    document = only(export)
    assert document.entities == GOLD.entities
    assert document.relations == GOLD.relations
    assert document.clusters == GOLD.clusters


@st.composite
def documents(draw: st.DrawFn) -> Document:
    """Random valid annotations of the seed text (types, spans, relations, clusters)."""
    text = SEED.text
    types = ["PER", "GPE", "TITLE", "EVENT"]
    count = draw(st.integers(1, 8))
    entities = []
    for number in range(count):
        start = draw(st.integers(0, len(text) - 2))
        end = draw(st.integers(start + 1, min(len(text), start + 30)))
        entities.append(
            Entity(f"T{number + 1}", draw(st.sampled_from(types)), start, end, text[start:end])
        )
    entities.sort(key=Entity.sort_key)
    pers = [e.id for e in entities if e.type == "PER"]
    titles = [e.id for e in entities if e.type == "TITLE"]
    relations = tuple(
        Relation(f"R{n + 1}", "has_title", p, t)
        for n, (p, t) in enumerate(zip(pers, titles, strict=False))
    )
    ids = [e.id for e in entities]
    clusters = (Cluster("C1", tuple(ids[:2])),) if len(ids) >= 2 and draw(st.booleans()) else ()
    return Document(
        GOLD_ID, text, dict(GOLD.metadata), tuple(entities), relations, clusters, GOLD.seed
    )


@settings(max_examples=60, deadline=None)
@given(documents(), st.sampled_from(["1.0.0", "working"]))
def test_round_trip_property(document: Document, version: str) -> None:
    task = labelstudio.document_to_task(document, version=version, mode="annotations")
    imported = only(as_export([task]), base=document)
    assert imported.entities == document.entities
    assert imported.relations == document.relations
    assert imported.clusters == document.clusters


# --------------------------------------------------------------------------- edits and ids


def test_new_regions_get_fresh_ids_that_never_collide() -> None:
    export = gold_export()
    start = GOLD.text.index("operational information exchange")
    end = start + len("operational information exchange")
    result(export).append(
        {
            "id": "T76",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {
                "start": start,
                "end": end,
                "text": GOLD.text[start:end],
                "labels": ["EVENT"],
            },
        }
    )  # an id that looks like ours but is not in the base: still new
    result(export).append(
        {
            "type": "relation",
            "from_id": "T44",
            "to_id": "T76",
            "direction": "right",
            "labels": ["participant_in"],
        }
    )
    document = only(export, reserved={"T80", "R50"})
    new = [e for e in document.entities if e.id not in GOLD.entities_by_id]
    assert len(new) == 1 and new[0].text == "operational information exchange"
    assert new[0].id == "T81"  # above T80 (reserved) and T76 (in the task)
    added = [r for r in document.relations if r.id not in {x.id for x in GOLD.relations}]
    assert [(r.id, r.head, r.tail) for r in added] == [("R51", "T44", "T81")]


def test_directions_and_symmetric_relations() -> None:
    export = gold_export()
    relation = next(i for i in result(export) if i["type"] == "relation")
    relation["from_id"], relation["to_id"] = relation["to_id"], relation["from_id"]
    relation["direction"] = "left"
    assert only(export).relations == GOLD.relations
    relation["direction"] = "bi"
    assert codes(export) == ["RELATION_DIRECTION"]


def test_clusters_from_typed_names() -> None:
    export = gold_export()
    for item in result(export):
        if item["type"] == "textarea" and item["value"]["text"] == ["C4"]:
            item["value"]["text"] = ["  my new cluster "]  # typed by an annotator
    document = only(export)
    members = {c.entities: c.id for c in document.clusters}
    old = next(c for c in GOLD.clusters if c.id == "C4")
    assert members[old.entities] == "C18"  # fresh, not the typed name
    assert len(document.clusters) == len(GOLD.clusters)


# --------------------------------------------------------------------------- bad input


def corrupt(change: Any) -> list[dict[str, Any]]:
    export = gold_export()
    change(export)
    return export


def set_value(region_id: str, key: str, value: Any) -> Any:
    def change(export: list[dict[str, Any]]) -> None:
        region(export, region_id)["value"][key] = value

    return change


def first_relation(export: list[dict[str, Any]]) -> dict[str, Any]:
    return next(i for i in result(export) if i["type"] == "relation")


def _text(export: list[dict[str, Any]]) -> None:
    export[0]["data"]["text"] = export[0]["data"]["text"].replace("Tajik", "Tadjik", 1)


def _relation_type(export: list[dict[str, Any]]) -> None:
    first_relation(export)["labels"] = ["signed"]  # DATE ... cannot sign


def _unknown_relation(export: list[dict[str, Any]]) -> None:
    first_relation(export)["labels"] = ["likes"]


def _dangling(export: list[dict[str, Any]]) -> None:
    first_relation(export)["to_id"] = "nowhere"


def _duplicate_relation(export: list[dict[str, Any]]) -> None:
    relation = copy.deepcopy(first_relation(export))
    del relation["id"]
    result(export).append(relation)


def _duplicate_region(export: list[dict[str, Any]]) -> None:
    result(export).append(copy.deepcopy(region(export, "T28")))


def _control(export: list[dict[str, Any]]) -> None:
    region(export, "T28")["from_name"] = "ner"


def _singleton(export: list[dict[str, Any]]) -> None:
    item = next(i for i in result(export) if i["type"] == "textarea" and i["id"] == "T3")
    item["value"]["text"] = ["lonely"]


def _two_clusters(export: list[dict[str, Any]]) -> None:
    item = next(i for i in result(export) if i["type"] == "textarea" and i["id"] == "T2")
    item["value"]["text"] = ["C1", "C2"]


def _cluster_missing_region(export: list[dict[str, Any]]) -> None:
    result(export).append(
        {
            "id": "gone",
            "from_name": "cluster",
            "to_name": "text",
            "type": "textarea",
            "value": {"start": 0, "end": 2, "text": ["C1"]},
        }
    )


def _seed_sha(export: list[dict[str, Any]]) -> None:
    export[0]["data"]["seed_sha256"] = "0" * 64


def _no_document(export: list[dict[str, Any]]) -> None:
    del export[0]["data"]["document_id"]


def _unknown_document(export: list[dict[str, Any]]) -> None:
    export[0]["data"]["document_id"] = "999_unknown"


def _no_text(export: list[dict[str, Any]]) -> None:
    del export[0]["data"]["text"]


BAD = {
    "OFFSET_OUT_OF_RANGE": set_value("T75", "end", len(GOLD.text) + 5),
    "EMPTY_SPAN": set_value("T28", "end", 925),
    "OFFSET_NOT_INTEGER": set_value("T28", "start", "925"),
    "OFFSET_NOT_INTEGER ": set_value("T28", "start", 925.0),
    "TEXT_MISMATCH": set_value("T28", "text", "Radicalism"),
    "UNKNOWN_LABEL": set_value("T28", "labels", ["IDEOLOGY"]),
    "LABEL_COUNT": set_value("T28", "labels", ["THREAT", "EVENT"]),
    "TEXT_DIFFERS_FROM_SEED": _text,
    "SEED_CHANGED": _seed_sha,
    "RELATION_NOT_ALLOWED": _relation_type,
    "UNKNOWN_RELATION": _unknown_relation,
    "RELATION_MISSING_REGION": _dangling,
    "DUPLICATE_RELATION": _duplicate_relation,
    "DUPLICATE_REGION": _duplicate_region,
    "UNKNOWN_CONTROL": _control,
    "CLUSTER_SINGLETON": _singleton,
    "CLUSTER_AMBIGUOUS": _two_clusters,
    "CLUSTER_MISSING_REGION": _cluster_missing_region,
    "TASK_NO_DOCUMENT": _no_document,
    "UNKNOWN_DOCUMENT": _unknown_document,
    "TASK_NO_TEXT": _no_text,
}


@pytest.mark.parametrize("code", sorted(BAD))
def test_each_bad_input_is_one_located_problem(code: str) -> None:
    imported, problems = run(corrupt(BAD[code]))
    assert [p.code for p in problems] == [code.strip()]
    problem = problems[0]
    assert problem.file == "export.json"
    assert problem.pointer.startswith("task 1")
    line = str(problem)
    assert "\n" not in line and code.strip() in line
    if code.strip() in ("OFFSET_OUT_OF_RANGE", "TEXT_MISMATCH", "UNKNOWN_LABEL"):
        assert "annotation 101 region T" in problem.pointer
        assert "/0/annotations/0/result/" in problem.pointer


def test_not_a_list_and_not_an_object() -> None:
    assert codes({"tasks": []}) == ["LS_MALFORMED"]
    assert codes([42]) == ["LS_MALFORMED"]
    assert codes([]) == ["NOTHING_TO_IMPORT"]


def test_all_problems_are_reported_not_only_the_first() -> None:
    export = corrupt(set_value("T28", "labels", ["IDEOLOGY"]))
    set_value("T27", "end", 10_000)(export)
    _unknown_relation(export)
    assert sorted(codes(export)) == ["OFFSET_OUT_OF_RANGE", "UNKNOWN_LABEL", "UNKNOWN_RELATION"]


def test_emoji_offsets_are_code_points() -> None:
    prefix = "🇹🇯👍🏽 "
    text = prefix + "President Emomali Rahmon"
    seed = labelstudio.SeedText("seeds/e.txt", text, "a" * 64)
    start = len(prefix) + len("President ")
    export = [
        {
            "id": 1,
            "data": {"text": text, "document_id": "e", "metadata": GOLD.metadata},
            "annotations": [
                {
                    "id": 2,
                    "completed_by": 1,
                    "result": [
                        {
                            "id": "x",
                            "from_name": "label",
                            "to_name": "text",
                            "type": "labels",
                            "value": {
                                "start": start,
                                "end": len(text),
                                "text": "Emomali Rahmon",
                                "labels": ["PER"],
                            },
                        }
                    ],
                }
            ],
        }
    ]
    imported, problems = labelstudio.read(export, file="e.json", seeds={"e": seed}, bases={})
    assert problems == []
    (entity,) = imported[0].document.entities
    assert (entity.id, entity.start, entity.text) == ("T1", start, "Emomali Rahmon")
    utf16 = len(prefix.encode("utf-16-le")) // 2 + len("President ")
    export[0]["annotations"][0]["result"][0]["value"]["start"] = utf16  # a JS-style offset
    assert [
        p.code for p in labelstudio.read(export, file="e.json", seeds={"e": seed}, bases={})[1]
    ] == ["TEXT_MISMATCH"]


# --------------------------------------------------------------------------- annotators


def two_annotators(**fields: Any) -> list[dict[str, Any]]:
    export = gold_export(annotators=(1, 2), **fields)
    export[0]["annotations"][1]["completed_by"] = {"id": 2, "email": "bob@example.com"}
    del result(export)[-1]  # user 1 dropped one relation
    return export


def test_several_annotators_need_a_choice() -> None:
    assert codes(two_annotators()) == ["SEVERAL_ANNOTATORS"]
    bob = only(two_annotators(), selection=Selection(annotator="bob@example.com"))
    assert bob.metadata["annotation"]["annotators"] == ["bob@example.com"]
    assert bob.relations == GOLD.relations
    one = only(two_annotators(), selection=Selection(annotator="1"))
    assert len(one.relations) == len(GOLD.relations) - 1
    imported, problems = run(two_annotators(), Selection(by_annotator=True))
    assert problems == []
    assert sorted(i.annotator for i in imported) == ["bob@example.com", "user 1"]


def test_ground_truth_choice() -> None:
    export = two_annotators()
    export[0]["annotations"][1]["ground_truth"] = True
    chosen = only(export, selection=Selection(ground_truth=True))
    assert chosen.metadata["annotation"]["annotators"] == ["bob@example.com"]


def test_several_annotations_by_one_annotator() -> None:
    export = gold_export(annotators=(1, 1))
    assert codes(export) == ["SEVERAL_ANNOTATIONS"]


def test_cancelled_annotations_are_skipped_unless_asked() -> None:
    export = two_annotators()
    export[0]["annotations"][0]["was_cancelled"] = True
    export[0]["annotations"][0]["result"] = []
    kept = only(export)
    assert kept.metadata["annotation"]["annotators"] == ["bob@example.com"]
    imported, problems = run(export, Selection(include_cancelled=True, annotator="user 1"))
    assert problems == [] and imported[0].document.entities == ()
    assert "(cancelled)" in imported[0].document.metadata["annotation"]["origin"]
    export[0]["annotations"].pop(1)
    assert codes(export) == ["NOTHING_TO_IMPORT"]


def test_same_document_in_two_tasks() -> None:
    export = gold_export()
    export.append(copy.deepcopy(export[0]))
    export[1]["id"] = 2
    assert codes(export) == ["DUPLICATE_DOCUMENT"]


def test_renumbered_regions_keep_the_ids_of_identical_base_entities() -> None:
    export = gold_export()
    renamed = {}
    for item in result(export):
        if item["type"] != "relation" and item["id"] in ("T4", "T28"):
            renamed[item["id"]] = f"ui_{item['id']}"
            item["id"] = renamed[item["id"]]
    for item in result(export):
        if item["type"] == "relation":
            item["from_id"] = renamed.get(item["from_id"], item["from_id"])
            item["to_id"] = renamed.get(item["to_id"], item["to_id"])
    region(export, "ui_T28")["value"].update(start=926, text=GOLD.text[926:935])
    document = only(export)
    assert document.relations == GOLD.relations and document.clusters == GOLD.clusters
    ids = {e.id for e in document.entities}
    assert "T4" in ids and "T28" not in ids and "T76" in ids  # T28 moved: a new entity


def test_value_text_across_a_line_break_may_differ_in_whitespace_only() -> None:
    start = GOLD.text.index("visit.\n\nThe") + len("visit.\n\n") - 3
    end = start + 7  # ".\n\nThe "

    def with_text(claimed: str) -> list[dict[str, Any]]:
        export = gold_export()
        result(export).append(
            {
                "id": "ui1",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": start, "end": end, "text": claimed, "labels": ["EVENT"]},
            }
        )
        return export

    assert GOLD.text[start:end] == ".\n\nThe "
    document = only(with_text(". The "))  # as the UI may write it
    assert document.entity("T76").text == ".\n\nThe "
    assert codes(with_text(". Tha ")) == ["TEXT_MISMATCH"]


# ------------------------------------------------------------- the export's shape (JSON Schema)


def _item_at(export: list[dict[str, Any]], item: Any) -> str:
    return f"/0/annotations/0/result/{next(i for i, x in enumerate(result(export)) if x is item)}"


def _no_region_id(export: list[dict[str, Any]]) -> str:
    item = region(export, "T28")
    del item["id"]
    return f"task 1 annotation 101 region None at {_item_at(export, item)}/id"


def _value_not_an_object(export: list[dict[str, Any]]) -> str:
    item = region(export, "T28")
    item["value"] = [925, 935]
    return f"task 1 annotation 101 region T28 at {_item_at(export, item)}/value"


def _relation_without_to_id(export: list[dict[str, Any]]) -> str:
    item = first_relation(export)
    del item["to_id"]
    return f"task 1 annotation 101 relation {item['id']} at {_item_at(export, item)}"


def _bad_direction(export: list[dict[str, Any]]) -> str:
    item = first_relation(export)
    item["direction"] = "up"
    return f"task 1 annotation 101 relation {item['id']} at {_item_at(export, item)}/direction"


def _cluster_text(export: list[dict[str, Any]]) -> str:
    item = next(i for i in result(export) if i["type"] == "textarea")
    item["value"]["text"] = "C1"
    return f"task 1 annotation 101 region {item['id']} at {_item_at(export, item)}/value/text"


def _item_not_an_object(export: list[dict[str, Any]]) -> str:
    result(export).append(7)
    return f"task 1 annotation 101 at /0/annotations/0/result/{len(result(export)) - 1}"


def _data_not_an_object(export: list[dict[str, Any]]) -> str:
    export[0]["data"] = "text"
    return "/0/data"


MALFORMED = {
    "a region has no string id": _no_region_id,
    "a region has no value object": _value_not_an_object,
    "a relation needs from_id and to_id": _relation_without_to_id,
    "direction 'up' is not right, left or bi": _bad_direction,
    "a cluster value.text is not a list of strings": _cluster_text,
    "a result item is not an object": _item_not_an_object,
    "a task is an object with data": _data_not_an_object,
}


@pytest.mark.parametrize("message", sorted(MALFORMED))
def test_the_export_schema_locates_each_malformed_part(message: str) -> None:
    export = gold_export()
    where = MALFORMED[message](export)
    _, problems = run(export)
    assert [(p.code, p.pointer, p.message) for p in problems] == [("LS_MALFORMED", where, message)]


def test_the_export_schema_is_valid_and_shipped_with_the_package() -> None:
    from jsonschema import Draft202012Validator

    from corpus.formats.shape import LABEL_STUDIO_EXPORT
    from corpus.schema import load_schema_file

    schema = load_schema_file(LABEL_STUDIO_EXPORT)
    Draft202012Validator.check_schema(schema)
    assert Draft202012Validator(schema).is_valid(gold_export())
    assert set(schema["$defs"]) >= {"task", "annotations", "annotation", "item"}

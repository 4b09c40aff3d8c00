"""Each corruption of the fixture document gives exactly the expected (code, pointer) problems."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.errors import CorpusError
from corpus.formats.native import from_dict
from corpus.sources import check_paths, validate_paths
from corpus.validate import validate_document
from tests.core.core_helpers import DOC_ID, REPO, Mutation, codes, fixture_data, rewrite

TEXT = fixture_data()["text"]
OTHER_HASH = "0" * 64


def add_entity(entity: dict[str, Any]) -> Mutation:
    return lambda d: d["entities"].append(entity)


def set_in(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def delete(path: tuple[Any, ...]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def shift_end(index: int, by: int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["entities"][index]["end"] += by

    return mutate


def edit_text(data: dict[str, Any]) -> None:
    data["text"] = data["text"].replace("\u00a0", " ")  # NBSP "normalised" away


def add_relation(relation: dict[str, Any]) -> Mutation:
    return lambda d: d["relations"].append(relation)


def add_cluster(cluster: dict[str, Any]) -> Mutation:
    return lambda d: d["clusters"].append(cluster)


def entity(id_: str, type_: str, start: int, end: int) -> dict[str, Any]:
    return {"id": id_, "type": type_, "start": start, "end": end, "text": TEXT[start:end]}


CASES: dict[str, tuple[Mutation, set[tuple[str, str]]]] = {
    "end moved by two": (shift_end(3, 2), {("SPAN_TEXT_MISMATCH", "/entities/3/text")}),
    "end beyond the text": (
        set_in(("entities", 15, "end"), len(TEXT) + 5),
        {("OFFSET_OUT_OF_RANGE", "/entities/15/end")},
    ),
    "empty span": (set_in(("entities", 0, "end"), 3), {("OFFSET_OUT_OF_RANGE", "/entities/0/end")}),
    "reversed span": (
        set_in(("entities", 0, "start"), 30),
        {("OFFSET_OUT_OF_RANGE", "/entities/0/end")},
    ),
    "negative start": (
        set_in(("entities", 0, "start"), -1),
        {("SCHEMA_MINIMUM", "/entities/0/start")},
    ),
    "string offset": (
        set_in(("entities", 0, "start"), "3"),
        {("SCHEMA_TYPE", "/entities/0/start")},
    ),
    "boolean offset": (set_in(("entities", 0, "end"), True), {("SCHEMA_TYPE", "/entities/0/end")}),
    "float offset": (
        set_in(("entities", 0, "start"), 3.0),
        {("OFFSET_NOT_INTEGER", "/entities/0/start")},
    ),
    "unknown entity label": (
        set_in(("entities", 3, "type"), "PERSON"),
        {("UNKNOWN_ENTITY_TYPE", "/entities/3/type")},
    ),
    "label not a string": (
        set_in(("entities", 3, "type"), 7),
        {("UNKNOWN_ENTITY_TYPE", "/entities/3/type")},
    ),
    "unknown relation label": (
        set_in(("relations", 0, "type"), "holds_title"),
        {("UNKNOWN_RELATION_TYPE", "/relations/0/type")},
    ),
    "dangling head": (
        set_in(("relations", 0, "head"), "T99"),
        {("DANGLING_HEAD", "/relations/0/head")},
    ),
    "dangling tail": (
        set_in(("relations", 1, "tail"), "T99"),
        {("DANGLING_TAIL", "/relations/1/tail")},
    ),
    "ill-typed relation": (
        set_in(("relations", 0, "head"), "T2"),  # GPE has_title TITLE
        {("RELATION_TYPE_NOT_ALLOWED", "/relations/0/type")},
    ),
    "ill-typed tail": (
        set_in(("relations", 5, "tail"), "T16"),  # signed THREAT
        {("RELATION_TYPE_NOT_ALLOWED", "/relations/5/type")},
    ),
    "symmetric relation reversed is fine": (
        add_relation({"id": "R7", "type": "met_with", "head": "T12", "tail": "T7"}),
        set(),
    ),
    "duplicate relation": (
        add_relation({"id": "R7", "type": "has_title", "head": "T4", "tail": "T3"}),
        {("DUPLICATE_RELATION", "/relations/6")},
    ),
    "symmetric duplicate swapped": (
        add_relation({"id": "R7", "type": "counterpart_of", "head": "T12", "tail": "T15"}),
        {("DUPLICATE_RELATION", "/relations/6")},
    ),
    "self relation": (
        add_relation({"id": "R7", "type": "counterpart_of", "head": "T12", "tail": "T12"}),
        {("SELF_RELATION", "/relations/6/tail")},
    ),
    "duplicate entity id": (
        set_in(("entities", 1, "id"), "T1"),
        {("DUPLICATE_ID", "/entities/1/id"), ("DANGLING_TAIL", "/relations/1/tail")},
    ),
    "relation id equal to an entity id": (
        set_in(("relations", 0, "id"), "T5"),
        {("DUPLICATE_ID", "/relations/0/id")},
    ),
    "duplicate cluster id": (
        add_cluster({"id": "C1", "entities": ["T4", "T3"]}),
        {("DUPLICATE_ID", "/clusters/1/id"), ("CLUSTER_MIXED_TYPES", "/clusters/1/entities")},
    ),
    "cluster member unknown": (
        set_in(("clusters", 0, "entities", 1), "T77"),
        {("CLUSTER_UNKNOWN_ENTITY", "/clusters/0/entities/1")},
    ),
    "entity in two clusters": (
        add_cluster({"id": "C2", "entities": ["T12", "T7"]}),
        {("ENTITY_IN_SEVERAL_CLUSTERS", "/clusters/1/entities/1")},
    ),
    "cluster lists a member twice": (
        set_in(("clusters", 0, "entities"), ["T7", "T11", "T7"]),
        {("CLUSTER_DUPLICATE_MEMBER", "/clusters/0/entities/2")},
    ),
    "bad and unknown cluster members": (
        set_in(("clusters", 0, "entities"), ["T 7", "T77", "T11"]),
        {
            ("SCHEMA_PATTERN", "/clusters/0/entities/0"),
            ("CLUSTER_UNKNOWN_ENTITY", "/clusters/0/entities/1"),
        },
    ),
    "cluster of one": (
        set_in(("clusters", 0, "entities"), ["T7"]),
        {("SCHEMA_MIN_ITEMS", "/clusters/0/entities")},
    ),
    "cluster mixing types": (
        set_in(("clusters", 0, "entities"), ["T7", "T8"]),
        {("CLUSTER_MIXED_TYPES", "/clusters/0/entities")},
    ),
    "duplicate span": (
        add_entity(entity("T17", "PER", 44, 58)),
        {("DUPLICATE_SPAN", "/entities/16")},
    ),
    "same span other type is fine": (add_entity(entity("T17", "ORG", 44, 58)), set()),
    "nested span is fine": (add_entity(entity("T17", "PER", 52, 58)), set()),
    "crossing spans": (
        add_entity(entity("T17", "PER", 38, 50)),
        {("CROSSING_SPANS", "/entities/16")},
    ),
    "span with trailing space": (
        add_entity(entity("T17", "PER", 44, 59)),
        {("SPAN_WHITESPACE", "/entities/16")},
    ),
    "seed hash": (set_in(("seed", "sha256"), OTHER_HASH), {("SEED_HASH_MISMATCH", "/seed/sha256")}),
    "seed hash not hex": (set_in(("seed", "sha256"), "abc"), {("SCHEMA_PATTERN", "/seed/sha256")}),
    "text edited": (
        edit_text,
        {("SEED_HASH_MISMATCH", "/seed/sha256"), ("SEED_TEXT_MISMATCH", "/text")},
    ),
    "seed file missing": (
        set_in(("seed", "path"), "seeds/nothing.txt"),
        {("SEED_MISSING", "/seed/path")},
    ),
    "missing property": (delete(("entities", 0, "text")), {("SCHEMA_REQUIRED", "/entities/0")}),
    "missing top-level property": (delete(("relations",)), {("SCHEMA_REQUIRED", "")}),
    "extra property": (
        set_in(("entities", 0, "confidence"), 0.5),
        {("SCHEMA_ADDITIONAL_PROPERTY", "/entities/0/confidence")},
    ),
    "bad id": (set_in(("entities", 0, "id"), "T 1"), {("SCHEMA_PATTERN", "/entities/0/id")}),
    "entities not a list": (
        set_in(("entities",), {"T1": 1}),
        {
            ("SCHEMA_TYPE", "/entities"),
            *(
                (f"DANGLING_{role.upper()}", f"/relations/{i}/{role}")
                for i in range(6)
                for role in ("head", "tail")
            ),
            *(("CLUSTER_UNKNOWN_ENTITY", f"/clusters/0/entities/{i}") for i in range(3)),
        },
    ),
    "lone surrogate in the text": (
        lambda d: d.update(text="\ud800" + d["text"]),
        {("INVALID_UNICODE", "/text")},
    ),
    "lone surrogate in a key": (
        set_in(("metadata", "\udc80"), 1),
        {("INVALID_UNICODE", "/metadata/\\udc80")},
    ),
    "NUL in the seed path": (
        set_in(("seed", "path"), "seeds/\x00.txt"),
        {("SEED_MISSING", "/seed/path")},
    ),
    "document is a list": (lambda d: [d], {("SCHEMA_TYPE", "")}),
    "language tag": (
        set_in(("metadata", "language"), "English"),
        {("SCHEMA_PATTERN", "/metadata/language")},
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_corruption_gives_exact_problems(name: str, working_doc: Path, project: Path) -> None:
    mutate, expected = CASES[name]
    rewrite(working_doc, mutate)
    problems = validate_paths([working_doc], root=project)
    assert {(p.code, p.pointer) for p in problems} == expected
    for problem in problems:
        assert problem.file == f"annotations/working/{DOC_ID}.json"
        assert "\n" not in str(problem)


def test_fixture_is_clean(project: Path) -> None:
    assert validate_paths(root=project) == []


def test_messages_name_the_bad_value(working_doc: Path, project: Path) -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["entities"][3]["type"] = "PERSON"
        data["entities"][4]["end"] += 1
        data["relations"][0]["head"] = "T99"

    rewrite(working_doc, mutate)
    by_code = {p.code: p for p in validate_paths([working_doc], root=project)}
    unknown = by_code["UNKNOWN_ENTITY_TYPE"].message
    assert "'PERSON'" in unknown and "PER, ORG, GPE" in unknown and "oneOf" not in unknown
    mismatch = by_code["SPAN_TEXT_MISMATCH"].message
    assert "'Minister of Internal Affairs'" in mismatch
    assert "'Minister of Internal Affairs '" in mismatch
    assert "'T99'" in by_code["DANGLING_HEAD"].message
    assert by_code["DANGLING_HEAD"].document == DOC_ID


def test_all_problems_in_one_run(working_doc: Path, project: Path) -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["entities"][0]["type"] = "X"
        data["entities"][5]["start"] = "five"
        data["relations"][2]["tail"] = "nowhere"
        data["clusters"][0]["entities"].append("T404")

    rewrite(working_doc, mutate)
    assert sorted(codes(validate_paths([working_doc], root=project))) == [
        "CLUSTER_UNKNOWN_ENTITY",
        "DANGLING_TAIL",
        "SCHEMA_TYPE",
        "UNKNOWN_ENTITY_TYPE",
    ]


def test_changed_seed_file(project: Path) -> None:
    seed = project / "seeds" / f"{DOC_ID}.txt"
    seed.write_bytes(seed.read_bytes().replace("\u2019".encode(), b"'"))
    problems = validate_paths(root=project)
    assert {(p.code, p.pointer) for p in problems} == {("SEED_TEXT_MISMATCH", "/text")}
    assert "at character" in problems[0].message


def test_broken_json_is_unusable_but_others_are_reported(project: Path, working_doc: Path) -> None:
    other = working_doc.with_name("other.json")
    other.write_text('{"id": "other", ', encoding="utf-8")
    rewrite(working_doc, set_in(("entities", 0, "type"), "DAY"))
    reports = check_paths([working_doc.parent], root=project)
    assert sorted(codes(reports[0].problems)) == ["NOT_JSON", "UNKNOWN_ENTITY_TYPE"]
    assert CorpusError(reports[0].problems).exit_code == 2
    not_json = next(p for p in reports[0].problems if p.code == "NOT_JSON")
    assert not_json.pointer.startswith("line 1 column")


def test_duplicate_document_ids_across_a_folder(project: Path, working_doc: Path) -> None:
    shutil.copy(working_doc, working_doc.with_name("copy.json"))
    problems = validate_paths([working_doc.parent], root=project)
    assert {(p.code, p.file) for p in problems} == {
        ("FILE_NAME_MISMATCH", "annotations/working/copy.json"),
        ("DUPLICATE_ID", "annotations/working/copy.json"),
    }


def test_missing_path_and_empty_folder(project: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    reports = check_paths([tmp_path / "nothing.json", tmp_path / "empty"], root=project)
    assert [codes(r.problems) for r in reports] == [["NOT_FOUND"], ["NO_DOCUMENTS"]]
    assert all(CorpusError(r.problems).exit_code == 2 for r in reports)


def test_not_utf8(project: Path, working_doc: Path) -> None:
    working_doc.write_bytes(b'{"id": "\xff"}')
    assert codes(validate_paths([working_doc], root=project)) == ["NOT_UTF8"]


def test_default_run_without_working_copy_or_releases(project: Path) -> None:
    shutil.rmtree(project / "annotations" / "working")
    reports = check_paths(root=project)
    assert [(r.kind, r.problems) for r in reports] == [("working", [])]


# ---------------------------------------------------------------- garbage never raises

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 3000)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["id", "type", "start", "end", "text", "head", "tail", "entities", "x"]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
PATHS = st.sampled_from(
    [
        (),
        ("entities",),
        ("entities", 0),
        ("entities", 0, "start"),
        ("entities", 1, "end"),
        ("entities", 2, "type"),
        ("entities", 3, "id"),
        ("entities", 4, "text"),
        ("relations",),
        ("relations", 0),
        ("relations", 1, "head"),
        ("relations", 2, "type"),
        ("clusters",),
        ("clusters", 0, "entities"),
        ("clusters", 0, "entities", 0),
        ("seed",),
        ("seed", "path"),
        ("seed", "sha256"),
        ("text",),
        ("metadata",),
        ("id",),
    ]
)


@settings(max_examples=300, deadline=None)
@given(edits=st.lists(st.tuples(PATHS, JSON), max_size=4))
def test_garbage_never_raises(edits: list[tuple[tuple[Any, ...], Any]]) -> None:
    data: Any = fixture_data()
    for path, value in edits:
        if not path:
            data = value
            continue
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    problems = validate_document(data, file="garbage.json", root=REPO)
    assert all(isinstance(p.code, str) and p.code for p in problems)
    if not problems:  # whatever passes validation must load into the model
        from_dict(data)


@settings(max_examples=200, deadline=None)
@given(data=JSON)
def test_any_json_value_never_raises(data: Any) -> None:
    problems = validate_document(data, file="garbage.json", root=REPO)
    assert problems  # nothing random is a valid document
    json.dumps([p.to_dict() for p in problems])


@settings(max_examples=150, deadline=None)
@given(
    raw=st.binary(max_size=200)
    | st.text(max_size=200).map(str.encode)
    | JSON.map(lambda value: json.dumps(value).encode())
)
def test_any_file_content_never_raises(
    raw: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("garbage")
    path = folder / "doc.json"
    path.write_bytes(raw)
    reports = check_paths([path], root=REPO)
    assert len(reports) == 1 and reports[0].problems
    assert all("\n" not in str(problem) for problem in reports[0].problems)

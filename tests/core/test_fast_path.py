"""The compiled first pass changes speed, never problems.

Every document here is the fixture with some corruption: a fixed catalogue of the kinds
that matter (wrong types, missing and extra keys, bad labels, offsets out of range, lone
surrogates where the compiled validator looks and where it does not, numbers beyond 64
bits, strings a Rust and a Python regular expression may read differently) and Hypothesis
mutations of any field. For each one:

- ``validate_document(fast=True)`` and ``validate_document(fast=False)`` (today's path:
  the surrogate walk and jsonschema on every document) give exactly the same problems;
- the compiled validator never accepts what jsonschema rejects, and rejects what it
  accepts only where a regular expression ``$`` differs (Python's also matches before a
  final newline), which costs the full pass and changes nothing else.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.schema import document_validator, fast_document_check
from corpus.semantic import check_semantics, is_clean
from corpus.validate import _without_surrogates, validate_document
from tests.core.core_helpers import REPO, fixture_data

GOLD = fixture_data()
Edit = Callable[[Any], Any]


def at(path: tuple[Any, ...], value: Any) -> Edit:
    """Set ``path`` to ``value`` (the whole document when the path is empty)."""

    def edit(data: Any) -> Any:
        if not path:
            return value
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return data

    return edit


def without(path: tuple[Any, ...]) -> Edit:
    def edit(data: Any) -> Any:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return data

    return edit


def appended(path: tuple[Any, ...], value: Any) -> Edit:
    def edit(data: Any) -> Any:
        target = data
        for key in path:
            target = target[key]
        target.append(value)
        return data

    return edit


LONE = "\ud800"
CATALOGUE: dict[str, Edit] = {
    "valid": lambda d: d,
    "document is a list": lambda d: [d],
    "document is null": at((), None),
    "id missing": without(("id",)),
    "text missing": without(("text",)),
    "entities missing": without(("entities",)),
    "metadata missing": without(("metadata",)),
    "language missing": without(("metadata", "language")),
    "source url missing": without(("metadata", "source", "url")),
    "entity text missing": without(("entities", 2, "text")),
    "relation head missing": without(("relations", 1, "head")),
    "cluster entities missing": without(("clusters", 0, "entities")),
    "seed sha missing": without(("seed", "sha256")),
    "extra top-level key": at(("extra",), 1),
    "extra entity key": at(("entities", 0, "score"), 0.5),
    "extra seed key": at(("seed", "size"), 3),
    "extra metadata key (allowed)": at(("metadata", "extra"), [1, {"a": None}]),
    "extra source key (allowed)": at(("metadata", "source", "extra"), True),
    "unknown entity type": at(("entities", 3, "type"), "PERSON"),
    "entity type lower case": at(("entities", 3, "type"), "per"),
    "entity type number": at(("entities", 3, "type"), 7),
    "entity type null": at(("entities", 3, "type"), None),
    "unknown relation type": at(("relations", 0, "type"), "holds_title"),
    "relation type list": at(("relations", 0, "type"), ["PER"]),
    "string offset": at(("entities", 0, "start"), "3"),
    "boolean offset": at(("entities", 0, "end"), True),
    "float offset": at(("entities", 0, "start"), 3.0),
    "fractional offset": at(("entities", 0, "start"), 3.5),
    "nan offset": at(("entities", 0, "start"), float("nan")),
    "infinite offset": at(("entities", 0, "end"), float("inf")),
    "negative start": at(("entities", 0, "start"), -1),
    "zero end": at(("entities", 0, "end"), 0),
    "huge end": at(("entities", 0, "end"), 2**70),
    "huge negative start": at(("entities", 0, "start"), -(2**70)),
    "huge float start": at(("entities", 0, "start"), -1e300),
    "end beyond the text": at(("entities", 15, "end"), len(GOLD["text"]) + 5),
    "reversed span": at(("entities", 0, "start"), 30),
    "empty entity text": at(("entities", 1, "text"), ""),
    "id with space": at(("entities", 1, "id"), "T 1"),
    "id with a final newline": at(("entities", 1, "id"), "T1\n"),
    "id in Arabic digits": at(("entities", 1, "id"), "\u0663"),
    "id empty": at(("id",), ""),
    "language English": at(("metadata", "language"), "English"),
    "language with a final newline": at(("metadata", "language"), "en\n"),
    "split upper case": at(("metadata", "split"), "Train"),
    "title number": at(("metadata", "title"), 3),
    "dates value number": at(("metadata", "dates"), {"x": 3}),
    "annotators not strings": at(("metadata", "annotation"), {"annotators": [1, None]}),
    "sha256 upper case": at(("seed", "sha256"), GOLD["seed"]["sha256"].upper()),
    "sha256 short": at(("seed", "sha256"), "ab"),
    "seed path empty": at(("seed", "path"), ""),
    "seed null": at(("seed",), None),
    "cluster of one": at(("clusters", 0, "entities"), ["T1"]),
    "cluster member number": appended(("clusters", 0, "entities"), 5),
    "entities an object": at(("entities",), {"0": GOLD["entities"][0]}),
    "entity a string": at(("entities", 4), "T5"),
    "relations null": at(("relations",), None),
    "dangling head": at(("relations", 0, "head"), "T99"),
    "duplicate entity": appended(("entities",), copy.deepcopy(GOLD["entities"][0])),
    "surrogate in text": at(("text",), GOLD["text"] + LONE),
    "surrogate in an entity type": at(("entities", 0, "type"), LONE),
    "surrogate in an id": at(("entities", 0, "id"), "T" + LONE),
    "surrogate in a key": at(("entities", 0, LONE), 1),
    "surrogate in an unchecked key": at(("metadata", "source", "\udfff"), "x"),
    "surrogate in an unchecked value": at(("metadata", "extra"), [LONE]),
    "surrogate in a date key": at(("metadata", "dates"), {LONE: None}),
    "surrogate in a cluster member": appended(("clusters", 0, "entities"), LONE),
    "backslash u d in text (not a surrogate)": at(("metadata", "title"), "\\ud800"),
    "astral character in a title": at(("metadata", "title"), "\U0001f600"),
    "deeply nested metadata": at(("metadata", "extra"), [[[[[[[[[[[]]]]]]]]]]]),
}


def entity_at(start: int, end: int, kind: str = "PER", ident: str = "T99") -> dict[str, Any]:
    return {"id": ident, "type": kind, "start": start, "end": end, "text": GOLD["text"][start:end]}


def moved_start(index: int, by: int) -> Edit:
    """Entity ``index`` with its start moved (its text follows the span)."""

    def edit(data: Any) -> Any:
        entity = data["entities"][index]
        entity["start"] += by
        entity["text"] = data["text"][entity["start"] : entity["end"]]
        return data

    return edit


#: what only the semantic layer sees (the schema accepts each of these documents)
SEMANTIC: dict[str, Edit] = {
    "span text differs": at(("entities", 1, "text"), "Tajikistan!"),
    "span starts with a space": moved_start(3, -1),
    "crossing spans": appended(("entities",), entity_at(40, 50)),
    "nested span (allowed)": appended(("entities",), entity_at(44, 51)),
    "same span, another type (allowed)": appended(("entities",), entity_at(44, 58, "ORG")),
    "same span, same type": appended(("entities",), entity_at(44, 58)),
    "self relation": at(("relations", 0, "tail"), "T4"),
    "relation type not allowed": at(("relations", 0, "type"), "title_for"),
    "duplicate relation": appended(("relations",), {**GOLD["relations"][0], "id": "R99"}),
    "symmetric relation repeated in the other order": appended(
        ("relations",),
        {**GOLD["relations"][4], "id": "R99", "head": "T12", "tail": "T15"},
    ),
    "dangling tail": at(("relations", 2, "tail"), "T99"),
    "entity id reused by a relation": at(("relations", 0, "id"), "T1"),
    "relation id reused by a cluster": at(("clusters", 0, "id"), "R1"),
    "entity id reused": at(("entities", 2, "id"), "T1"),
    "cluster member twice": appended(("clusters", 0, "entities"), "T7"),
    "cluster member unknown": appended(("clusters", 0, "entities"), "T99"),
    "entity in two clusters": appended(("clusters",), {"id": "C2", "entities": ["T7", "T4"]}),
    "cluster of mixed types": appended(("clusters",), {"id": "C2", "entities": ["T4", "T3"]}),
    "another cluster (allowed)": appended(("clusters",), {"id": "C2", "entities": ["T4", "T12"]}),
    "seed hash differs": at(("seed", "sha256"), "0" * 64),
    "seed file missing": at(("seed", "path"), "seeds/no-such-seed.txt"),
    "text differs from the seed": at(("text",), GOLD["text"] + "x"),
    "no seed (allowed)": without(("seed",)),
}
CATALOGUE.update(SEMANTIC)


def schema_accepts(data: Any) -> bool:
    return not any(True for _ in document_validator().iter_errors(data))


def patterned_strings(data: Any) -> list[Any]:
    """The values the schema checks with a ``pattern`` (ids, language, split, sha256)."""

    def get(obj: Any, key: str) -> Any:
        return obj.get(key) if isinstance(obj, dict) else None

    def items(key: str) -> list[Any]:
        value = get(data, key)
        return value if isinstance(value, list) else []

    found = [
        get(data, "id"),
        get(get(data, "metadata"), "language"),
        get(get(data, "metadata"), "split"),
        get(get(data, "seed"), "sha256"),
    ]
    for item in [*items("entities"), *items("relations"), *items("clusters")]:
        found += [get(item, "id"), get(item, "head"), get(item, "tail")]
        members = get(item, "entities")
        found += members if isinstance(members, list) else []
    return found


def check_both_paths(data: Any) -> None:
    fast = validate_document(copy.deepcopy(data), file="doc.json", root=REPO)
    slow = validate_document(copy.deepcopy(data), file="doc.json", root=REPO, fast=False)
    assert fast == slow
    # the verdicts, on the document as the schema layer sees it (surrogates written out)
    seen = _without_surrogates(copy.deepcopy(data), (), [])
    compiled, authority = fast_document_check()(seen), schema_accepts(seen)
    if compiled:
        assert authority, "the compiled validator accepted what jsonschema rejects"
    elif authority:
        assert any(
            isinstance(value, str) and value.endswith("\n") for value in patterned_strings(seen)
        ), "the compiled validator rejected what jsonschema accepts"


@pytest.mark.parametrize("name", CATALOGUE)
def test_catalogue_gives_the_same_problems_on_both_paths(name: str) -> None:
    data = CATALOGUE[name](copy.deepcopy(GOLD))
    check_both_paths(data)


def test_the_catalogue_exercises_both_verdicts() -> None:
    """Not a vacuous comparison: some documents pass the first pass and most fail it."""
    verdicts = [fast_document_check()(CATALOGUE[name](copy.deepcopy(GOLD))) for name in CATALOGUE]
    assert verdicts.count(True) >= 5
    assert verdicts.count(False) >= 40


def test_the_semantic_catalogue_exercises_both_verdicts() -> None:
    """The schema accepts every document of :data:`SEMANTIC`; the semantic first pass
    (:func:`corpus.semantic.is_clean`) accepts those the checker finds clean and no other."""
    clean = []
    for name, edit in SEMANTIC.items():
        data = edit(copy.deepcopy(GOLD))
        assert fast_document_check()(data), name
        problems = check_semantics(data, file="doc.json", root=REPO, rejected=set())
        if is_clean(data, REPO):
            assert problems == [], name
            clean.append(name)
        else:
            assert problems or name.endswith("(allowed)"), name
    assert sorted(clean) == sorted(name for name in SEMANTIC if name.endswith("(allowed)"))


def test_the_final_newline_is_the_one_known_difference() -> None:
    """jsonschema (Python ``re.search``) lets ``$`` match before a final newline, the
    compiled validator does not: the document takes the full pass and has no problem."""
    data = CATALOGUE["language with a final newline"](copy.deepcopy(GOLD))
    assert schema_accepts(data) and not fast_document_check()(data)
    assert validate_document(data, file="doc.json", root=REPO) == []


# ---------------------------------------------------------------- Hypothesis mutations

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.integers(-3, 3000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=3),
    st.sampled_from(["PER", "ORG", "GPE", "located_in", "T1", "T2", "en", "train", ""]),
    st.lists(st.sampled_from(["T1", "T2", "T3", 1, None]), max_size=3),
    st.dictionaries(st.sampled_from(["id", "type", "start", "x", "\ud800"]), st.none(), max_size=2),
)
FIELDS = st.sampled_from(
    [
        ("id",),
        ("text",),
        ("seed",),
        ("seed", "path"),
        ("seed", "sha256"),
        ("metadata", "language"),
        ("metadata", "split"),
        ("metadata", "title"),
        ("metadata", "source", "url"),
        ("metadata", "dates"),
        ("metadata", "annotation"),
        ("entities", 0),
        ("entities", 1, "id"),
        ("entities", 2, "type"),
        ("entities", 3, "start"),
        ("entities", 4, "end"),
        ("entities", 5, "text"),
        ("entities", 6, "extra"),
        ("relations", 0, "type"),
        ("relations", 1, "head"),
        ("relations", 2, "tail"),
        ("relations", 3, "id"),
        ("clusters", 0, "entities"),
        ("clusters", 1, "entities", 0),
        ("clusters", 2, "id"),
        ("extra",),
    ]
)
EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), FIELDS, VALUES),
        st.tuples(st.just("delete"), FIELDS, st.none()),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(edits=EDITS)
def test_mutations_give_the_same_problems_on_both_paths(
    edits: list[tuple[str, tuple[Any, ...], Any]],
) -> None:
    data = copy.deepcopy(GOLD)
    for action, path, value in edits:
        try:
            data = (at(path, value) if action == "set" else without(path))(data)
        except (KeyError, IndexError, TypeError):
            continue
    check_both_paths(data)

"""native.dumps writes each annotation line as json.dumps would, without its per-call cost."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.formats.native import _line, dumps, to_dict
from corpus.model import Cluster, Document, Entity, Relation

VALUES = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x20)),
    st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010)),
    st.integers(-(2**80), 2**80),
    st.booleans(),
    st.none(),
    st.floats(),
    st.lists(st.text(), max_size=4),
    st.tuples(st.text(), st.text()),
    st.lists(st.one_of(st.text(), st.integers()), max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=8), VALUES, max_size=6))
def test_an_annotation_line_is_what_json_dumps_writes(item: dict[str, Any]) -> None:
    assert _line(item) == json.dumps(item, ensure_ascii=False)


IDS = st.one_of(st.text(max_size=5), st.integers(-3, 3), st.none(), st.booleans())
OFFSETS = st.one_of(st.integers(-(2**70), 2**70), st.booleans(), st.floats(), st.text(max_size=2))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(IDS, IDS, OFFSETS, OFFSETS, IDS), max_size=3),
    st.lists(st.tuples(IDS, IDS, IDS, IDS), max_size=3),
    st.lists(st.tuples(IDS, st.lists(IDS, max_size=3)), max_size=2),
)
def test_a_document_is_written_as_its_dict_with_json_dumps(
    entities: list[tuple[Any, ...]],
    relations: list[tuple[Any, ...]],
    clusters: list[tuple[Any, list[Any]]],
) -> None:
    """Whatever the model holds (even what no valid document has), each annotation line is
    json.dumps of the annotation's dict."""
    document = Document(
        id="d",
        text="t",
        entities=tuple(Entity(*fields) for fields in entities),
        relations=tuple(Relation(*fields) for fields in relations),
        clusters=tuple(Cluster(ident, tuple(members)) for ident, members in clusters),
    )
    data = to_dict(document)
    expected = [
        "    " + json.dumps(item, ensure_ascii=False)
        for key in ("entities", "relations", "clusters")
        for item in data[key]
    ]
    written = [line.rstrip(",") for line in dumps(document).split("\n") if line.startswith("    ")]
    assert written == expected

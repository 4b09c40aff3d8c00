"""native.dumps writes each annotation line as json.dumps would, without its per-call cost."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.formats.native import _line

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

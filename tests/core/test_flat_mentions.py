"""The nesting rules' token-occupancy check keeps exactly the mentions the definition keeps:
a mention is kept when it overlaps none kept before it in the rule's order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.model import Entity
from corpus.schema import inventory
from corpus.tagging import NESTED_RULES, Placement, flat_mentions


def by_definition(placements: list[Placement], rule: str) -> list[Placement]:
    """The rule as it is defined: in the rule's order, keep a mention that overlaps none
    kept so far (pairwise), then reading order."""
    order = {name: index for index, name in enumerate(inventory().entity_types)}

    def key(p: Placement) -> tuple[int, int, int, str]:
        length = p.last - p.first
        return (
            length if rule == "innermost" else -length,
            p.first,
            order[p.entity.type],
            p.entity.id,
        )

    kept: list[Placement] = []
    for candidate in sorted(placements, key=key):
        if not any(candidate.overlaps(other) for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda p: (p.first, p.last))


@st.composite
def sentence_mentions(draw: st.DrawFn) -> list[Placement]:
    types = inventory().entity_types
    spans = draw(
        st.lists(
            st.tuples(st.integers(0, 12), st.integers(1, 6), st.sampled_from(types)),
            max_size=12,
        )
    )
    return [
        Placement(Entity(f"T{i}", kind, first * 2, (first + size) * 2, "x"), 0, first, first + size)
        for i, (first, size, kind) in enumerate(spans)
    ]


@settings(max_examples=300, deadline=None)
@given(sentence_mentions())
def test_flat_mentions_keep_what_the_rule_defines(placements: list[Placement]) -> None:
    for rule in NESTED_RULES:
        assert flat_mentions(placements, rule) == by_definition(placements, rule)


def test_nested_and_crossing_mentions() -> None:
    outer = Placement(Entity("T1", "ORG", 0, 10, "x"), 0, 0, 4)
    inner = Placement(Entity("T2", "PER", 0, 4, "x"), 0, 0, 2)
    crossing = Placement(Entity("T3", "GPE", 6, 14, "x"), 0, 3, 6)
    after = Placement(Entity("T4", "GPE", 16, 18, "x"), 0, 6, 7)
    mentions = [outer, inner, crossing, after]
    assert flat_mentions(mentions, "outermost") == [outer, after]
    assert flat_mentions(mentions, "innermost") == [inner, crossing, after]
    assert flat_mentions([], "outermost") == []

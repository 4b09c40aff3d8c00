"""The gold working copy follows the guidelines' mechanical rules (annotations/GUIDELINES.md §1–6).

These checks cannot replace a reading of the guidelines, but they catch the slips a careful
annotator makes: a determiner or a possessive inside a span, a span ending in punctuation, a
relation whose arguments lie in different paragraphs, a name mentioned twice without a cluster.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from corpus.formats import native
from corpus.model import Document
from corpus.schema import inventory

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "working" / "000_d1ef755adda1dca7.json"
SEED = ROOT / "seeds" / "000_d1ef755adda1dca7.txt"


@pytest.fixture(scope="module")
def gold() -> Document:
    return native.from_dict(json.loads(GOLD.read_text(encoding="utf-8")))


def test_seed_is_the_shared_article_byte_for_byte() -> None:
    digest = hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert digest == "c8dc444c59667f39239b405f2f32cb156470763be13f7674ae93ea5f3f1c1665"


def test_text_is_the_seed_and_keeps_its_special_characters(gold: Document) -> None:
    assert gold.text == SEED.read_text(encoding="utf-8")
    for char in ("\u00a0", "\u2019", "\u2014"):
        assert char in gold.text


def test_spans_are_trimmed(gold: Document) -> None:
    for entity in gold.entities:
        assert gold.text[entity.start : entity.end] == entity.text
        assert entity.text == entity.text.strip(), entity
        assert not re.match(r"[\W_]", entity.text[0]), entity
        assert not re.search(r"[^\w]$", entity.text), entity


def test_no_leading_determiner_or_trailing_possessive(gold: Document) -> None:
    for entity in gold.entities:
        assert not re.match(r"(?i)(the|a|an)\s", entity.text), entity
        assert not re.search(r"['\u2019]s$", entity.text), entity


def test_relative_pronouns_are_not_mentions(gold: Document) -> None:
    assert not [e for e in gold.entities if e.text.lower() in {"who", "which", "where", "that"}]


def test_no_crossing_and_no_duplicate_spans(gold: Document) -> None:
    seen = Counter((e.type, e.start, e.end) for e in gold.entities)
    assert max(seen.values()) == 1
    for a in gold.entities:
        for b in gold.entities:
            assert not (a.start < b.start < a.end < b.end), (a, b)


def test_relation_arguments_are_in_one_paragraph(gold: Document) -> None:
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", gold.text)]

    def paragraph(offset: int) -> int:
        return next(i for i, (s, e) in enumerate(paragraphs) if s <= offset < e)

    by_id = gold.entities_by_id
    for relation in gold.relations:
        head, tail = by_id[relation.head], by_id[relation.tail]
        assert paragraph(head.start) == paragraph(tail.start), relation


def test_relations_are_typed_as_the_inventory_allows(gold: Document) -> None:
    by_id = gold.entities_by_id
    for relation in gold.relations:
        label = inventory().relation(relation.type)
        assert label.allows(by_id[relation.head].type, by_id[relation.tail].type), relation


def test_repeated_names_are_clustered(gold: Document) -> None:
    """Every named PER/ORG/GPE/DOC surface mentioned twice is in one cluster.

    THREAT mentions are generic (categories) and are not clustered from guidelines 2.0 on
    (section 6.4), so a repeated THREAT surface is not required to be clustered.
    """
    cluster_of = {member: c.id for c in gold.clusters for member in c.entities}
    by_surface: dict[tuple[str, str], list[str]] = {}
    for entity in gold.entities:
        named = entity.text[0].isupper() and entity.type in {"PER", "ORG", "GPE", "DOC"}
        if named:
            by_surface.setdefault((entity.type, entity.text), []).append(entity.id)
    for (_, surface), ids in by_surface.items():
        if len(ids) > 1:
            assert len({cluster_of.get(i) for i in ids}) == 1 and cluster_of.get(ids[0]), surface


def test_pronouns_are_resolved(gold: Document) -> None:
    clustered = {member for c in gold.clusters for member in c.entities}
    pronouns = [e for e in gold.entities if e.text.lower() in {"he", "his", "they", "she", "her"}]
    assert pronouns
    assert all(p.id in clustered for p in pronouns)


def test_every_entity_type_of_the_article_is_used(gold: Document) -> None:
    used = {e.type for e in gold.entities}
    assert used == set(inventory().entity_types) - {"LOC"}


def test_generic_mentions_are_not_clustered(gold: Document) -> None:
    """THREAT and TITLE mentions are generic (guidelines section 6.4): no cluster holds one."""
    by_id = gold.entities_by_id
    for cluster in gold.clusters:
        types = {by_id[member].type for member in cluster.entities}
        assert types.isdisjoint({"THREAT", "TITLE"}), cluster


def test_no_relation_of_a_retired_type(gold: Document) -> None:
    """met_with, received, visited and signed are deprecated: events with arguments say it."""
    retired = {label.name for label in inventory().relations if label.deprecated}
    assert retired
    assert not [r for r in gold.relations if r.type in retired]


Fact = tuple[str, str, str]  # (relation type, head text, tail text)


def facts(gold: Document) -> dict[str, set[Fact]]:
    """Per EVENT mention id, its relations as (type, head text, tail text), either direction."""
    by_id = gold.entities_by_id
    found: dict[str, set[Fact]] = {e.id: set() for e in gold.entities if e.type == "EVENT"}
    for r in gold.relations:
        fact = (r.type, by_id[r.head].text, by_id[r.tail].text)
        for end in (r.head, r.tail):
            if end in found:
                found[end].add(fact)
    return found


def events_with(gold: Document, trigger: str, *wanted: Fact) -> list[str]:
    """The EVENT mentions ``trigger`` whose relations include every fact of ``wanted``."""
    by_id = gold.entities_by_id
    return [
        event
        for event, have in facts(gold).items()
        if by_id[event].text == trigger and set(wanted) <= have
    ]


def test_the_facts_of_issue_12_are_relations(gold: Document) -> None:
    """Each fact that release 1.1.0 could not state (issue 12, section 1) is a relation now."""
    # the reception took place on Tuesday April 22
    received = events_with(
        gold,
        "received",
        ("participant_in", "Emomali Rahmon", "received"),
        ("participant_in", "Eskandar Momeni", "received"),
        ("date_of", "received", "Tuesday April 22"),
    )
    assert len(received) == 1
    # Momeni arrived in Dushanbe on Tuesday afternoon
    assert events_with(
        gold,
        "arrived",
        ("participant_in", "Eskandar Momeni", "arrived"),
        ("located_in", "arrived", "Dushanbe"),
        ("date_of", "arrived", "Tuesday afternoon"),
    )
    # Rahimzoda met Momeni at the airport
    assert events_with(
        gold,
        "met",
        ("participant_in", "Eskandar Momeni", "met"),
        ("participant_in", "Ramazon Rahimzoda", "met"),
        ("located_in", "met", "airport"),
    )
    # IRNA reported the signing (of the memorandum, by both ministers)
    assert events_with(
        gold,
        "signed",
        ("reported", "IRNA", "signed"),
        ("participant_in", "Eskandar Momeni", "signed"),
        ("participant_in", "Ramazon Rahimzoda", "signed"),
        ("theme_of", "memorandum of understanding", "signed"),
    )
    # the discussions get Rahmon and Momeni through their cluster with the reception
    (discussions,) = [e.id for e in gold.entities if e.text == "discussions"]
    (cluster,) = [c for c in gold.clusters if discussions in c.entities]
    assert received[0] in cluster.entities

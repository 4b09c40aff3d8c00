"""annotations/GUIDELINES.md agrees with the label schema, and its general rules stand alone.

The general rules (everything before "Appendix A") are what an independent annotator is given;
they must not quote the article, or agreement with the gold would only show that the annotator
copied the examples. The schema's label definitions are given with them, so they are held to
the same rule.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus.formats import native
from corpus.model import Document
from corpus.schema import inventory

ROOT = Path(__file__).resolve().parents[1]
GUIDELINES = ROOT / "annotations" / "GUIDELINES.md"
GOLD = ROOT / "annotations" / "working" / "000_d1ef755adda1dca7.json"
APPENDIX = "## Appendix A: this article"


@pytest.fixture(scope="module")
def text() -> str:
    return GUIDELINES.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def general(text: str) -> str:
    assert APPENDIX in text
    return text.split(APPENDIX)[0]


def section(text: str, heading: str) -> str:
    """The body of the section whose heading line starts with ``heading``."""
    match = re.search(rf"^{re.escape(heading)}.*$", text, flags=re.MULTILINE)
    assert match, heading
    rest = text[match.end() :]
    level = heading.split(" ")[0]
    following = re.search(rf"^#{{1,{len(level)}}} ", rest, flags=re.MULTILINE)
    return rest[: following.start()] if following else rest


def test_general_rules_are_numbered_sections_before_the_appendices(general: str) -> None:
    numbers = [int(n) for n in re.findall(r"^## (\d+)\. ", general, flags=re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 5


def test_every_entity_type_has_its_section(general: str) -> None:
    types = re.findall(r"^### ([A-Z]+) — ", section(general, "## 3."), flags=re.MULTILINE)
    assert types == inventory().entity_types


def test_relation_table_lists_the_current_relation_types(general: str) -> None:
    table = section(general, "### 5.2")
    rows = re.findall(r"^\| `([a-z_]+)`", table, flags=re.MULTILINE)
    assert rows == inventory().current_relation_types
    retired = table.split("**Retired relation types.**")[1].split("\n\n")[0]
    named = re.findall(r"`([a-z_]+)`", retired)
    assert sorted(named) == sorted(r.name for r in inventory().relations if r.deprecated)


def test_general_rules_and_label_definitions_do_not_quote_the_article(general: str) -> None:
    gold: Document = native.from_dict(json.loads(GOLD.read_text(encoding="utf-8")))
    quotable = {
        e.text
        for e in gold.entities
        if len(e.text.split()) > 1
        or (e.text[0].isupper() and e.type in {"PER", "ORG", "GPE", "LOC", "FAC", "DOC"})
    }
    labels = inventory()
    definitions = " ".join(label.description for label in (*labels.entities, *labels.relations))
    for where, body in (("general rules", general), ("label definitions", definitions)):
        quoted = sorted(phrase for phrase in quotable if phrase in body)
        assert not quoted, f"{where} quote the article: {quoted}"


def test_examples_in_entity_definitions_follow_the_span_rules() -> None:
    """Quoted examples of spans carry no leading determiner (the PER definition once did)."""
    for label in inventory().entities:
        for example in re.findall(r"'([^']+)'", label.description):
            assert not re.match(r"(?i)(the|a|an)\s", example), (label.name, example)


def test_hard_cases_quote_the_article_verbatim(text: str) -> None:
    article = json.loads(GOLD.read_text(encoding="utf-8"))["text"]
    cases = re.findall(r"^\d+\. `([^`]+)`", section(text, "### A.5"), flags=re.MULTILINE)
    assert cases
    for phrase in cases:
        assert phrase in article, phrase

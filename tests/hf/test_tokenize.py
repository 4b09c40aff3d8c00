"""Sentences and tokens of :mod:`corpus.tokenize` on the real seed and on generated text."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.tokenize import (
    PARAGRAPH_BREAK,
    cut_inside,
    split_sentences,
    split_sentences_reporting,
    token_span,
)
from corpus.tokenize import _pipeline as spacy_pipeline

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_d1ef755adda1dca7.txt"
TEXT = SEED.read_bytes().decode("utf-8")


def tokens_of(text: str) -> list[str]:
    return [t.text for s in split_sentences(text) for t in s.tokens]


def test_offsets_point_at_the_token_text_of_the_seed() -> None:
    sentences = split_sentences(TEXT)
    for sentence in sentences:
        for token in sentence.tokens:
            assert TEXT[token.start : token.end] == token.text
            assert token.text.strip() == token.text and token.text


def test_whitespace_is_never_a_token_but_the_text_between_tokens_is_only_whitespace() -> None:
    tokens = [t for s in split_sentences(TEXT) for t in s.tokens]
    assert "\u00a0" in TEXT
    previous = 0
    for token in tokens:
        assert TEXT[previous : token.start].strip() == "", TEXT[previous : token.start]
        previous = token.end
    assert TEXT[previous:].strip() == ""


def test_possessives_dashes_brackets_of_the_seed() -> None:
    words = tokens_of(TEXT)
    assert "president" in words and "\u2019s" in words  # president’s
    assert "Tajikistan" in words and "'s" in words  # Tajikistan's
    index = words.index("crime", words.index("narcotics"))
    assert words[index : index + 3] == ["crime", "\u2014", "classified"]
    index = words.index("MoU")
    assert words[index - 1 : index + 2] == ["(", "MoU", ")"]


def test_each_paragraph_of_the_seed_is_at_least_one_sentence() -> None:
    sentences = split_sentences(TEXT)
    paragraphs = [p for p in TEXT.split("\n\n") if p.strip()]
    assert len(sentences) >= len(paragraphs)
    starts = {s.start for s in sentences}
    offset = 0
    for paragraph in TEXT.split("\n\n"):
        stripped = paragraph.lstrip()
        if stripped.strip():
            assert offset + len(paragraph) - len(stripped) in starts
        offset += len(paragraph) + 2


def test_a_blank_line_ends_a_sentence_without_a_full_stop() -> None:
    sentences = split_sentences("A headline\n\nThe body starts here. It goes on")
    assert [s.words for s in sentences] == [
        ["A", "headline"],
        ["The", "body", "starts", "here", "."],
        ["It", "goes", "on"],
    ]


def test_a_protected_span_is_never_split_across_sentences() -> None:
    text = "It was done. Then it ended."
    plain, joins = split_sentences_reporting(text)
    assert len(plain) == 2 and joins == 0
    joined, joins = split_sentences_reporting(text, [(8, 18)])  # "done. Then"
    assert len(joined) == 1 and joins == 1


def test_token_span_and_cut_inside() -> None:
    sentence = split_sentences("Tajikistan and Iran")[0]
    assert token_span(sentence.tokens, 0, 10) == (0, 1)
    assert token_span(sentence.tokens, 0, 19) == (0, 3)
    assert token_span(sentence.tokens, 0, 5) is None
    assert cut_inside(sentence.tokens, 5) == sentence.tokens[0]
    assert cut_inside(sentence.tokens, 10) is None


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .,’—\u00a0\n(-)'")), max_size=60))
def test_tokens_cover_every_non_space_character_in_order(text: str) -> None:
    tokens = [t for s in split_sentences(text) for t in s.tokens]
    covered = "".join(text[t.start : t.end] for t in tokens)
    assert covered == "".join(ch for ch in text if not ch.isspace())
    assert all(a.end <= b.start for a, b in pairwise(tokens))
    assert all(t.text and not t.text.isspace() for t in tokens)


def spacy_sentences(text: str) -> list[list[tuple[str, int, int]]]:
    """The reference: spaCy's pipeline run in full (tokenizer, then the ``sentencizer``
    component marking ``is_sent_start``), read token object by token object, with our two
    rules (whitespace is no token; a blank line ends a sentence)."""
    groups: list[list[tuple[str, int, int]]] = []
    pending = False
    for token in spacy_pipeline()(text):
        if token.is_space:
            pending = pending or bool(PARAGRAPH_BREAK.search(token.text) or token.is_sent_start)
            continue
        item = (token.text, token.idx, token.idx + len(token.text))
        if not groups or token.is_sent_start or pending:
            groups.append([item])
        else:
            groups[-1].append(item)
        pending = False
    return groups


#: text where the sentencizer's rule matters: sentence-final characters, other punctuation,
#: brackets, quotes, abbreviations, and every kind of whitespace
SENTENCE_TEXT = st.lists(
    st.sampled_from(
        [
            *"ab .!?;:,’'\"—-()",
            "\n",
            "\n\n",
            "  ",
            "\u00a0",
            "\u3000",
            "\t",
            "U.S.",
            "e.g.",
            "...",
            "?!",
            "Mr.",
            "word",
            "A",
            "।",
            "。",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(SENTENCE_TEXT)
def test_sentences_are_spacys_sentencizer_read_from_arrays(text: str) -> None:
    """:func:`split_sentences` applies the sentencizer's rule to the token arrays rather
    than running the component: the sentences and tokens are the same."""
    ours = [[(t.text, t.start, t.end) for t in s.tokens] for s in split_sentences(text)]
    assert ours == spacy_sentences(text)


def test_the_seed_splits_as_spacys_sentencizer_does() -> None:
    ours = [[(t.text, t.start, t.end) for t in s.tokens] for s in split_sentences(TEXT)]
    assert ours == spacy_sentences(TEXT) and len(ours) > 5

"""Sentence splitting and tokenization, shared by every token-based export (``ner``,
``relations``, CoNLL).

The rule, in one place:

- Tokens come from spaCy's rule-based English tokenizer (``spacy.blank("en")``; no
  model is downloaded). It splits clitics (``Tajikistan's`` -> ``Tajikistan`` ``'s``;
  ``president’s`` -> ``president`` ``’s``), punctuation, brackets (``(MoU)`` ->
  ``(`` ``MoU`` ``)``), dashes (``crime—classified`` -> ``crime`` ``—`` ``classified``)
  and hyphens (``cross-border`` -> ``cross`` ``-`` ``border``).
- Sentences come from spaCy's rule-based ``sentencizer`` (a sentence ends after ``.``,
  ``!``, ``?`` and similar), plus one rule of ours: a blank line (a paragraph break)
  always ends a sentence, so a headline without a full stop is not glued to the next
  paragraph. Optionally, a sentence is never ended inside a protected span (a gold
  entity mention): the two parts are joined, and the number of joins is reported.
- Whitespace is never a token: spaCy's tokens for extra spaces, newlines, NBSP and
  other Unicode spaces are dropped. Every kept token has its character offsets into
  the original text (0-based, end-exclusive code points, so ``text[start:end]`` is the
  token), which lets predictions be mapped back to the document. The text is never
  normalised.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from typing import Any, NamedTuple

#: a whitespace run containing a blank line: a paragraph break
PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")


class Token(NamedTuple):
    """A token and its character offsets into the document text (a named tuple: a
    document has hundreds of tokens, and a tuple is made several times faster than a
    frozen dataclass)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence: its tokens (never empty) and the character span they cover."""

    index: int
    tokens: tuple[Token, ...]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def words(self) -> list[str]:
        return [token.text for token in self.tokens]


@cache
def _pipeline() -> Any:
    """spaCy's blank English pipeline with its rule-based ``sentencizer``: the tokenizer
    :func:`split_sentences_reporting` runs, and the sentence rule it applies."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@cache
def _tokenizer() -> tuple[Any, list[int], frozenset[str]]:
    """spaCy's English tokenizer, the token attributes read from it (start offset, length,
    whitespace, punctuation) and the sentencizer's sentence-final characters."""
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH

    nlp = _pipeline()
    punct_chars = frozenset(nlp.get_pipe("sentencizer").punct_chars)
    return nlp.tokenizer, [IDX, LENGTH, IS_SPACE, IS_PUNCT], punct_chars


def load_tokenizer() -> None:
    """Load spaCy's tokenizer now: forked worker processes then share it, loaded once."""
    _tokenizer()


def tokenizer_description() -> str:
    """Name and version of the tokenizer, for dataset cards and build reports."""
    from importlib.metadata import version

    return f"spaCy {version('spacy')} blank('en') tokenizer + rule-based sentencizer"


def split_sentences(text: str, protected: Iterable[tuple[int, int]] = ()) -> list[Sentence]:
    """The sentences of ``text`` with their tokens (whitespace dropped, offsets kept).

    ``protected`` spans (start, end) are never split across two sentences.
    """
    sentences, _ = split_sentences_reporting(text, protected)
    return sentences


def split_sentences_reporting(
    text: str, protected: Iterable[tuple[int, int]] = ()
) -> tuple[list[Sentence], int]:
    """Like :func:`split_sentences`, also returning how many sentence ends were
    suppressed because they fell inside a protected span."""
    tokenizer, attributes, punct_chars = _tokenizer()
    groups: list[list[Token]] = []
    group: list[Token] = []
    pending_start = seen_period = False
    new_token = tuple.__new__  # Token(...) without its Python-level constructor
    paragraph_break = PARAGRAPH_BREAK.search
    # the token attributes as one array, not a spaCy ``Token`` object per token
    for index, (start, length, is_space, is_punct) in enumerate(
        tokenizer(text).to_array(attributes).tolist()
    ):
        end = start + length
        word = text[start:end]
        # the sentencizer's rule (spaCy's ``Sentencizer.predict``, applied here to the
        # arrays): a sentence starts at the first token, and at a token that is neither
        # punctuation nor sentence-final after a sentence-final one (``.``, ``!``, ``?``...)
        in_punct_chars = word in punct_chars
        sentence_start = index == 0
        if seen_period and not is_punct and not in_punct_chars:
            sentence_start, seen_period = True, False
        elif in_punct_chars:
            seen_period = True
        if is_space:
            # spaCy keeps one trailing space in ``whitespace_``; extra whitespace
            # (newlines, NBSP, double spaces) becomes a token of its own, which may be
            # the one the sentencizer marked as a sentence start
            if sentence_start or paragraph_break(text, start, end):
                pending_start = True
            continue
        if sentence_start or pending_start or not group:
            group = []
            groups.append(group)
            pending_start = False
        group.append(new_token(Token, (word, start, end)))
    groups, joins = _join_across(groups, protected)
    return [Sentence(i, tuple(tokens)) for i, tokens in enumerate(groups)], joins


def _join_across(
    groups: list[list[Token]], protected: Iterable[tuple[int, int]]
) -> tuple[list[list[Token]], int]:
    spans = sorted(protected)
    if not spans or len(groups) < 2:
        return groups, 0
    starts = [start for start, _ in spans]
    # the furthest end among the spans that start before each position of ``starts``
    furthest = list(accumulate((end for _, end in spans), max))
    joined: list[list[Token]] = [groups[0]]
    joins = 0
    for group in groups[1:]:
        boundary = group[0].start
        previous_end = joined[-1][-1].end
        # a span starting before the boundary and ending after the previous sentence's end
        before = bisect_left(starts, boundary)
        if before and furthest[before - 1] > previous_end:
            joined[-1] = joined[-1] + group
            joins += 1
        else:
            joined.append(group)
    return joined, joins


def token_span(tokens: Sequence[Token], start: int, end: int) -> tuple[int, int] | None:
    """The token indices ``[first, last + 1)`` whose characters are exactly ``start:end``,
    or None when ``start`` or ``end`` falls inside a token (or outside these tokens).

    A span may begin or end with whitespace between tokens only if it also covers a
    token there; leading and trailing whitespace of the span is not allowed to hide a
    misalignment, so the first token must start at ``start`` and the last end at ``end``.
    """
    first = next((i for i, token in enumerate(tokens) if token.start == start), None)
    last = next((i for i, token in enumerate(tokens) if token.end == end), None)
    if first is None or last is None or last < first:
        return None
    return first, last + 1


def cut_inside(tokens: Sequence[Token], offset: int) -> Token | None:
    """The token that ``offset`` falls strictly inside, if any (a boundary problem)."""
    for token in tokens:
        if token.start < offset < token.end:
            return token
    return None

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

#: a whitespace run containing a blank line: a paragraph break
PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")


@dataclass(frozen=True)
class Token:
    """A token and its character offsets into the document text."""

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
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


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
    doc = _pipeline()(text)
    groups: list[list[Token]] = []
    pending_start = False
    for token in doc:
        if token.is_space:
            # spaCy keeps one trailing space in ``whitespace_``; extra whitespace
            # (newlines, NBSP, double spaces) becomes a token of its own, which may be
            # the one the sentencizer marked as a sentence start
            if PARAGRAPH_BREAK.search(token.text) or token.is_sent_start:
                pending_start = True
            continue
        starts = not groups or bool(token.is_sent_start) or pending_start
        pending_start = False
        item = Token(token.text, token.idx, token.idx + len(token.text))
        if starts:
            groups.append([item])
        else:
            groups[-1].append(item)
    groups, joins = _join_across(groups, protected)
    return [Sentence(i, tuple(tokens)) for i, tokens in enumerate(groups)], joins


def _join_across(
    groups: list[list[Token]], protected: Iterable[tuple[int, int]]
) -> tuple[list[list[Token]], int]:
    spans = sorted(protected)
    if not spans or len(groups) < 2:
        return groups, 0
    joined: list[list[Token]] = [groups[0]]
    joins = 0
    for group in groups[1:]:
        boundary = group[0].start
        previous_end = joined[-1][-1].end
        if any(start < boundary and end > previous_end for start, end in spans):
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

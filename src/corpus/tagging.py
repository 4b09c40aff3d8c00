"""Mentions on tokens: placement, the nested rule and IOB2 tags, for every token-based view.

Shared by the Hugging Face ``ner`` and ``relations`` configs (:mod:`corpus.hf`), the
CoNLL export (:mod:`corpus.formats.conll`) and token agreement (:mod:`corpus.agreement`),
so all of them see the same tokens, sentences and tags.

- :func:`prepare` splits a document into sentences (:mod:`corpus.tokenize`; never inside a
  mention) and places each mention on token indices ``[first, last)`` of one sentence. A
  mention whose start or end falls inside a token cannot be placed: it becomes a
  :class:`BoundaryProblem` (reported, never moved).
- :func:`flat_mentions` keeps one mention per token under a nesting rule: ``outermost``
  (the rule in use, :data:`NESTED_RULE`) or ``innermost``.
- :func:`tag_document` gives each sentence its IOB2 tags and returns what the rule
  kept and dropped as :class:`TagCounts`, per label.

Tag names come from the schema, in schema order: ``O``, then ``B-X``, ``I-X`` per type.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from corpus.model import Document, Entity
from corpus.schema import Inventory, inventory
from corpus.tokenize import Sentence, Token, cut_inside, split_sentences_reporting

NESTED_RULES = ("outermost", "innermost")
#: the rule applied to flat tags (``ner``, CoNLL, token agreement)
NESTED_RULE = "outermost"


#: the split of a document whose metadata has none
DEFAULT_SPLIT = "train"


def split_of(document: Document) -> str:
    """The split a document goes to: its metadata's ``split``, else ``train``."""
    return str(document.metadata.get("split") or DEFAULT_SPLIT)


def ner_tag_names(labels: Inventory | None = None) -> list[str]:
    """``O``, then ``B-X``, ``I-X`` for each entity type in schema order."""
    labels = labels or inventory()
    names = ["O"]
    for name in labels.entity_types:
        names += [f"B-{name}", f"I-{name}"]
    return names


@dataclass(frozen=True)
class Placement:
    """A mention placed on tokens: sentence index and token indices ``[first, last)``."""

    entity: Entity
    sentence: int
    first: int
    last: int

    def contains(self, other: Placement) -> bool:
        return self.first <= other.first and other.last <= self.last

    def overlaps(self, other: Placement) -> bool:
        return self.first < other.last and other.first < self.last


@dataclass(frozen=True)
class BoundaryProblem:
    """A mention that cannot be placed on tokens (left out of every token-based view)."""

    document: str
    entity: str
    type: str
    start: int
    end: int
    text: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.document}: {self.entity} {self.type} [{self.start}, {self.end}) "
            f"{self.text!r}: {self.reason}"
        )


@dataclass(frozen=True)
class PreparedDocument:
    """A document with its sentences and every mention that could be placed on them."""

    document: Document
    sentences: tuple[Sentence, ...]
    placements: Mapping[str, Placement]
    problems: tuple[BoundaryProblem, ...]
    sentence_joins: int

    def by_sentence(self) -> dict[int, list[Placement]]:
        """Placed mentions per sentence index, each list in the mentions' reading order."""
        grouped: dict[int, list[Placement]] = {}
        for placement in self.placements.values():
            grouped.setdefault(placement.sentence, []).append(placement)
        for placed in grouped.values():
            placed.sort(key=lambda p: p.entity.sort_key())
        return grouped


def prepare(document: Document) -> PreparedDocument:
    """Split a document into sentences (never inside a mention) and place its mentions."""
    spans = [entity.span for entity in document.entities]
    sentences, joins = split_sentences_reporting(document.text, spans)
    placements: dict[str, Placement] = {}
    problems: list[BoundaryProblem] = []
    boundaries = _Boundaries(sentences)
    for entity in sorted(document.entities, key=Entity.sort_key):
        placement, reason = boundaries.place(entity)
        if placement is not None:
            placements[entity.id] = placement
        else:
            problems.append(
                BoundaryProblem(
                    document.id,
                    entity.id,
                    entity.type,
                    entity.start,
                    entity.end,
                    entity.text,
                    reason,
                )
            )
    return PreparedDocument(document, tuple(sentences), placements, tuple(problems), joins)


class _Boundaries:
    """Where each sentence's tokens start and end, to place mentions by lookup (what
    :func:`~corpus.tokenize.token_span` finds by scanning, found once per sentence)."""

    def __init__(self, sentences: Sequence[Sentence]) -> None:
        self.sentences = sentences
        self.sentence_ends = [sentence.end for sentence in sentences]
        self.starts: list[dict[int, int] | None] = [None] * len(sentences)
        self.ends: list[dict[int, int] | None] = [None] * len(sentences)

    def place(self, entity: Entity) -> tuple[Placement | None, str]:
        """The first sentence the mention overlaps, and its tokens there (as
        :func:`~corpus.tokenize.token_span`); else None and why."""
        # sentences are in order and apart: the first that ends after the mention's start
        index = bisect_right(self.sentence_ends, entity.start)
        if index == len(self.sentences) or entity.end <= self.sentences[index].start:
            return None, "the mention covers no token"
        sentence = self.sentences[index]
        starts, ends = self.starts[index], self.ends[index]
        if starts is None or ends is None:
            tokens = sentence.tokens
            starts = self.starts[index] = {t.start: i for i, t in enumerate(tokens)}
            ends = self.ends[index] = {t.end: i for i, t in enumerate(tokens)}
        first, last = starts.get(entity.start), ends.get(entity.end)
        if first is not None and last is not None and first <= last:
            return Placement(entity, sentence.index, first, last + 1), ""
        return None, _misalignment(sentence.tokens, entity)


def _misalignment(tokens: Sequence[Token], entity: Entity) -> str:
    reasons = []
    for name, offset in (("start", entity.start), ("end", entity.end)):
        token = cut_inside(tokens, offset)
        if token is not None:
            reasons.append(
                f"{name} {offset} falls inside the token {token.text!r} "
                f"[{token.start}, {token.end})"
            )
    if not reasons:
        reasons.append("the span does not begin and end at token boundaries")
    return "; ".join(reasons)


@cache
def _type_order() -> dict[str, int]:
    """Each entity type's position in the schema."""
    return {name: index for index, name in enumerate(inventory().entity_types)}


def flat_mentions(placements: Iterable[Placement], rule: str = NESTED_RULE) -> list[Placement]:
    """The mentions kept as flat tags under a nesting rule, in reading order.

    ``outermost``: longer spans first; ``innermost``: shorter spans first; a mention
    overlapping one already kept is dropped. Ties go to reading order, then schema
    order of the type, then id.
    """
    order = _type_order()

    def key(p: Placement) -> tuple[int, int, int, str]:
        length = p.last - p.first
        return (
            length if rule == "innermost" else -length,
            p.first,
            order[p.entity.type],
            p.entity.id,
        )

    if rule not in NESTED_RULES:
        raise ValueError(f"unknown nesting rule {rule!r}")
    ranked = sorted(placements, key=key)
    if not ranked:
        return []
    # the tokens taken by the mentions kept so far: a candidate overlaps one of them
    # exactly when one of its tokens is taken (mentions cover at least one token)
    taken = bytearray(max(p.last for p in ranked))
    kept: list[Placement] = []
    for candidate in ranked:
        if taken.find(1, candidate.first, candidate.last) < 0:
            kept.append(candidate)
            taken[candidate.first : candidate.last] = b"\1" * (candidate.last - candidate.first)
    return sorted(kept, key=lambda p: (p.first, p.last))


def iob2(length: int, mentions: Iterable[Placement]) -> list[str]:
    """IOB2 tags of ``length`` tokens: ``B-X`` on a mention's first token, ``I-X`` after."""
    tags = ["O"] * length
    for mention in mentions:
        tags[mention.first] = f"B-{mention.entity.type}"
        for index in range(mention.first + 1, mention.last):
            tags[index] = f"I-{mention.entity.type}"
    return tags


@dataclass(frozen=True)
class TaggedSentence:
    """A sentence with one IOB2 tag per token (the mentions kept by :data:`NESTED_RULE`)."""

    sentence: Sentence
    tags: tuple[str, ...]


@dataclass
class TagCounts:
    """What flat tags kept and dropped, per label."""

    #: mentions tagged (kept by :data:`NESTED_RULE`)
    tagged: Counter[str] = field(default_factory=Counter)
    #: mentions each nesting rule drops from the flat tags
    dropped: dict[str, Counter[str]] = field(
        default_factory=lambda: {rule: Counter() for rule in NESTED_RULES}
    )

    def add(self, other: TagCounts) -> None:
        self.tagged.update(other.tagged)
        for rule in NESTED_RULES:
            self.dropped[rule].update(other.dropped[rule])


def tag_document(prepared: PreparedDocument) -> tuple[list[TaggedSentence], TagCounts]:
    """Every sentence of a prepared document with its IOB2 tags, and the counts."""
    by_sentence = prepared.by_sentence()
    tagged: list[TaggedSentence] = []
    # labels in the order they are met (the counters' order), counted once at the end
    kept_types: list[str] = []
    dropped_types: dict[str, list[str]] = {rule: [] for rule in NESTED_RULES}
    for sentence in prepared.sentences:
        placed = by_sentence.get(sentence.index, [])
        kept: list[Placement] = []
        for rule in NESTED_RULES:
            flat = flat_mentions(placed, rule)
            if rule == NESTED_RULE:
                kept = flat
            if len(flat) < len(placed):
                survivors = {p.entity.id for p in flat}
                dropped_types[rule] += [
                    p.entity.type for p in placed if p.entity.id not in survivors
                ]
        kept_types += [p.entity.type for p in kept]
        tagged.append(TaggedSentence(sentence, tuple(iob2(len(sentence.tokens), kept))))
    counts = TagCounts()
    counts.tagged.update(kept_types)
    for rule in NESTED_RULES:
        counts.dropped[rule].update(dropped_types[rule])
    return tagged, counts


def token_tags(document: Document) -> list[str]:
    """The document's IOB2 tags over all its tokens, sentence after sentence."""
    sentences, _ = tag_document(prepare(document))
    return [tag for sentence in sentences for tag in sentence.tags]

"""Scores of predicted documents against gold ones.

Entities are scored in the four schemes of SemEval 2013 task 9.1 as nervaluate
(MantisAI/nervaluate 1.x) defines them, one small class per scheme below; each
prediction is compared with the gold mentions of the same document, in reading order,
and lands in one of correct / incorrect / partial / spurious; each gold mention not
claimed by a prediction is missed. From the counts:

- possible = correct + incorrect + partial + missed (gold mentions),
- actual = correct + incorrect + partial + spurious (predicted mentions),
- precision = (correct + ½ partial) / actual, recall = (correct + ½ partial) / possible
  (``partial`` is only ever non-zero in the partial scheme).

"Overlap" is any shared character (nervaluate's default threshold of 1 % of the gold
span gives the same answer for spans up to 100 characters).

Relations are scored as sets: ``strict`` (both arguments' spans and types and the
label match), ``boundaries`` (both arguments' spans and the label; types ignored).
Symmetric relation types (``RelationLabel.symmetric``) match in either argument order.

Counts are kept apart from ratios: :class:`Counts` holds integers; precision, recall
and F1 are properties. Micro scores come from summed counts; macro scores are the
unweighted mean over labels present in gold or prediction. Per label, each scheme is run
on the mentions of that label only (as nervaluate does). Documents are matched by id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from corpus.errors import CorpusError, Location, Problem
from corpus.model import Document, Entity
from corpus.schema import inventory
from corpus.sources import open_source

# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class Counts:
    """Outcome counts of one scheme (over a label, or over everything)."""

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.correct + other.correct,
            self.incorrect + other.incorrect,
            self.partial + other.partial,
            self.missed + other.missed,
            self.spurious + other.spurious,
        )

    @property
    def possible(self) -> int:
        """Gold items: correct + incorrect + partial + missed."""
        return self.correct + self.incorrect + self.partial + self.missed

    @property
    def actual(self) -> int:
        """Predicted items: correct + incorrect + partial + spurious."""
        return self.correct + self.incorrect + self.partial + self.spurious

    @property
    def precision(self) -> float:
        return (self.correct + 0.5 * self.partial) / self.actual if self.actual else 0.0

    @property
    def recall(self) -> float:
        return (self.correct + 0.5 * self.partial) / self.possible if self.possible else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Averages:
    """Macro averages: the unweighted mean of per-label precision, recall and F1."""

    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, per_label: Mapping[str, Counts]) -> Averages:
        if not per_label:
            return cls(0.0, 0.0, 0.0)
        n = len(per_label)
        return cls(
            sum(c.precision for c in per_label.values()) / n,
            sum(c.recall for c in per_label.values()) / n,
            sum(c.f1 for c in per_label.values()) / n,
        )


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """One judged item, for error analysis: what was predicted and what gold it met."""

    kind: str  # correct | incorrect | partial | missed | spurious
    document: str
    predicted: Any | None
    gold: Any | None

    def describe(self) -> str:
        def show(item: Any | None) -> str:
            if item is None:
                return "-"
            if isinstance(item, Entity):
                return f"{item.type} [{item.start}, {item.end}) {item.text!r}"
            return str(item)

        return (
            f"{self.kind}: {self.document}: predicted {show(self.predicted)}; "
            f"gold {show(self.gold)}"
        )


def _overlap(a: Entity, b: Entity) -> bool:
    return a.start < b.end and b.start < a.end


def _same_span(a: Entity, b: Entity) -> bool:
    return a.start == b.start and a.end == b.end


class Scheme:
    """A matching scheme for entity mentions: judge predictions against gold ones."""

    name: ClassVar[str]

    def judge(
        self, document: str, predicted: Sequence[Entity], gold: Sequence[Entity]
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        claimed: set[int] = set()
        for pred in predicted:
            outcome, index = self.match(pred, gold, claimed)
            if index is not None:
                claimed.add(index)
            outcomes.append(
                Outcome(outcome, document, pred, gold[index] if index is not None else None)
            )
        outcomes += [
            Outcome("missed", document, None, item)
            for index, item in enumerate(gold)
            if index not in claimed
        ]
        return outcomes

    def match(
        self, pred: Entity, gold: Sequence[Entity], claimed: set[int]
    ) -> tuple[str, int | None]:
        raise NotImplementedError


class Exact(Scheme):
    """Exact boundary: correct when the span is exactly right, whatever the type; an
    overlap without the exact span is incorrect (the first such unclaimed gold mention is
    claimed); no overlap is spurious."""

    name = "exact"

    def is_correct(self, pred: Entity, item: Entity) -> bool:
        return _same_span(pred, item)

    def match(
        self, pred: Entity, gold: Sequence[Entity], claimed: set[int]
    ) -> tuple[str, int | None]:
        incorrect = None
        for index, item in enumerate(gold):
            if index in claimed:
                continue
            if self.is_correct(pred, item):
                return "correct", index
            if incorrect is None and _overlap(pred, item):
                incorrect = index
        return ("incorrect", incorrect) if incorrect is not None else ("spurious", None)


class Strict(Exact):
    """Strict: as :class:`Exact`, but correct only when the type is right as well; an exact
    span with the wrong type is incorrect."""

    name = "strict"

    def is_correct(self, pred: Entity, item: Entity) -> bool:
        return _same_span(pred, item) and pred.type == item.type


class Partial(Scheme):
    """Partial boundary: correct when the span is exactly right, partial (half credit)
    when it only overlaps, whatever the type; never incorrect; no overlap is spurious."""

    name = "partial"

    def match(
        self, pred: Entity, gold: Sequence[Entity], claimed: set[int]
    ) -> tuple[str, int | None]:
        partial = None
        for index, item in enumerate(gold):
            if index in claimed or not _overlap(pred, item):
                continue
            if _same_span(pred, item):
                return "correct", index
            if partial is None:
                partial = index
        return ("partial", partial) if partial is not None else ("spurious", None)


class TypeOnly(Scheme):
    """Type: correct when the prediction overlaps a gold mention of the same type (the
    one with the closest boundaries is claimed); incorrect when it overlaps only mentions
    of other types; no overlap is spurious."""

    name = "type"

    def match(
        self, pred: Entity, gold: Sequence[Entity], claimed: set[int]
    ) -> tuple[str, int | None]:
        best: tuple[int, int] | None = None
        incorrect = None
        for index, item in enumerate(gold):
            if index in claimed or not _overlap(pred, item):
                continue
            if pred.type == item.type:
                distance = abs(pred.start - item.start) + abs(pred.end - item.end)
                if best is None or distance < best[0]:
                    best = (distance, index)
            elif incorrect is None:
                incorrect = index
        if best is not None:
            return "correct", best[1]
        return ("incorrect", incorrect) if incorrect is not None else ("spurious", None)


ENTITY_SCHEMES: tuple[Scheme, ...] = (Strict(), Exact(), Partial(), TypeOnly())


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SchemeResult:
    """One scheme's counts (micro, per label) and its judged items."""

    scheme: str
    micro: Counts
    per_label: Mapping[str, Counts]
    outcomes: tuple[Outcome, ...]

    @property
    def macro(self) -> Averages:
        return Averages.of(self.per_label)

    def items(self, kind: str) -> list[Outcome]:
        """The outcomes of one kind (``missed``, ``spurious``, ``correct``, …)."""
        return [outcome for outcome in self.outcomes if outcome.kind == kind]

    @property
    def matched(self) -> list[Outcome]:
        return self.items("correct")

    @property
    def missed(self) -> list[Outcome]:
        return self.items("missed")

    @property
    def spurious(self) -> list[Outcome]:
        return self.items("spurious")


@dataclass(frozen=True)
class Evaluation:
    """Entity results per scheme and relation results per scheme."""

    entities: Mapping[str, SchemeResult]
    relations: Mapping[str, SchemeResult]
    documents: int
    unmatched_documents: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        def scheme_json(result: SchemeResult) -> dict[str, Any]:
            def counts(c: Counts) -> dict[str, Any]:
                return {
                    "correct": c.correct,
                    "incorrect": c.incorrect,
                    "partial": c.partial,
                    "missed": c.missed,
                    "spurious": c.spurious,
                    "possible": c.possible,
                    "actual": c.actual,
                    "precision": c.precision,
                    "recall": c.recall,
                    "f1": c.f1,
                }

            macro = result.macro
            return {
                "micro": counts(result.micro),
                "macro": {"precision": macro.precision, "recall": macro.recall, "f1": macro.f1},
                "per_label": {label: counts(c) for label, c in result.per_label.items()},
                "errors": [o.describe() for o in result.outcomes if o.kind != "correct"],
            }

        return {
            "documents": self.documents,
            "entities": {name: scheme_json(r) for name, r in self.entities.items()},
            "relations": {name: scheme_json(r) for name, r in self.relations.items()},
        }

    def table(self) -> str:
        """A plain-text table: one row per scheme, micro and macro P/R/F1 and counts."""
        head = (
            f"{'':<22}{'cor':>5}{'inc':>5}{'par':>5}{'mis':>5}{'spu':>5}"
            f"{'P':>8}{'R':>8}{'F1':>8}{'macroF1':>9}"
        )
        lines = [f"{self.documents} document(s)", head]
        for group, results in (("entities", self.entities), ("relations", self.relations)):
            for name, result in results.items():
                c = result.micro
                lines.append(
                    f"{group + ' ' + name:<22}{c.correct:>5}{c.incorrect:>5}{c.partial:>5}"
                    f"{c.missed:>5}{c.spurious:>5}{c.precision:>8.3f}{c.recall:>8.3f}"
                    f"{c.f1:>8.3f}{result.macro.f1:>9.3f}"
                )
        return "\n".join(lines)

    def label_table(self, group: str) -> str:
        """F1 per label for ``group`` (``entities`` or ``relations``): one column per scheme,
        then the gold and predicted counts; "" when no label occurs. The first column is as
        wide as its title and the longest label, so every header sits over its column."""
        results = self.entities if group == "entities" else self.relations
        names = list(results)
        labels = list(results[names[0]].per_label) if names else []
        if not labels:
            return ""
        title = f"{group}: F1 per label"
        width = max(len(title), 2 + max(len(label) for label in labels))
        lines = [
            f"{title:<{width}}" + "".join(f"{n:>12}" for n in names) + f"{'gold':>7}{'pred':>7}"
        ]
        for label in labels:
            first = results[names[0]].per_label[label]
            scores = "".join(f"{results[n].per_label[label].f1:>12.3f}" for n in names)
            lines.append(f"{'  ' + label:<{width}}{scores}{first.possible:>7}{first.actual:>7}")
        return "\n".join(lines)


def _reading_order(entities: Iterable[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e.start, e.end, e.type, e.id))


def evaluate_entities(pairs: Sequence[tuple[Document, Document]], scheme: Scheme) -> SchemeResult:
    """One scheme over (predicted, gold) document pairs."""
    micro = Counts()
    per_label: dict[str, Counts] = {}
    outcomes: list[Outcome] = []
    labels = _labels_in(e.type for p, g in pairs for e in (*p.entities, *g.entities))
    for predicted, gold in pairs:
        pred_entities = _reading_order(predicted.entities)
        gold_entities = _reading_order(gold.entities)
        judged = scheme.judge(gold.id, pred_entities, gold_entities)
        outcomes += judged
        micro = micro + _count(judged)
        for label in labels:
            per_label[label] = per_label.get(label, Counts()) + _count(
                scheme.judge(
                    gold.id,
                    [e for e in pred_entities if e.type == label],
                    [e for e in gold_entities if e.type == label],
                )
            )
    return SchemeResult(scheme.name, micro, per_label, tuple(outcomes))


def _count(outcomes: Iterable[Outcome]) -> Counts:
    kinds = Counter(o.kind for o in outcomes)
    return Counts(
        kinds["correct"], kinds["incorrect"], kinds["partial"], kinds["missed"], kinds["spurious"]
    )


def _labels_in(names: Iterable[str]) -> list[str]:
    """Labels in schema order, unknown ones after them in name order."""
    present = set(names)
    known = [*inventory().entity_types, *inventory().relation_types]
    return [n for n in known if n in present] + sorted(present - set(known))


# --------------------------------------------------------------------------- relations


@dataclass(frozen=True)
class RelationItem:
    """A relation reduced to what a scheme compares."""

    document: str
    type: str
    head: tuple[int, int, str]
    tail: tuple[int, int, str]
    id: str

    def key(self, with_types: bool) -> tuple[Any, ...]:
        head = self.head if with_types else self.head[:2]
        tail = self.tail if with_types else self.tail[:2]
        labels = inventory()
        if self.type in labels.relation_types and labels.relation(self.type).symmetric:
            head, tail = sorted((head, tail))
        return (self.document, self.type, head, tail)

    def __str__(self) -> str:
        return (
            f"{self.id} {self.type}({self.head[2]} [{self.head[0]}, {self.head[1]}), "
            f"{self.tail[2]} [{self.tail[0]}, {self.tail[1]}))"
        )


def relation_items(document: Document) -> list[RelationItem]:
    by_id = document.entities_by_id
    items = []
    for relation in document.relations:
        head, tail = by_id.get(relation.head), by_id.get(relation.tail)
        if head is None or tail is None:
            continue  # a dangling relation is the validator's business
        items.append(
            RelationItem(
                document.id,
                relation.type,
                (head.start, head.end, head.type),
                (tail.start, tail.end, tail.type),
                relation.id,
            )
        )
    return items


RELATION_SCHEMES = {"strict": True, "boundaries": False}


def evaluate_relations(pairs: Sequence[tuple[Document, Document]], name: str) -> SchemeResult:
    """Relations as multisets of keys: each predicted item claims one equal gold item."""
    with_types = RELATION_SCHEMES[name]
    outcomes: list[Outcome] = []
    for predicted, gold in pairs:
        remaining: dict[tuple[Any, ...], list[RelationItem]] = {}
        for item in relation_items(gold):
            remaining.setdefault(item.key(with_types), []).append(item)
        for item in relation_items(predicted):
            candidates = remaining.get(item.key(with_types))
            if candidates:
                outcomes.append(Outcome("correct", gold.id, item, candidates.pop(0)))
            else:
                outcomes.append(Outcome("spurious", gold.id, item, None))
        for left in remaining.values():
            outcomes += [Outcome("missed", gold.id, None, item) for item in left]
    per_label: dict[str, Counts] = {}
    for outcome in outcomes:
        judged = outcome.predicted if outcome.predicted is not None else outcome.gold
        assert isinstance(judged, RelationItem)
        per_label[judged.type] = per_label.get(judged.type, Counts()) + _count([outcome])
    order = _labels_in(per_label)
    return SchemeResult(
        name, _count(outcomes), {label: per_label[label] for label in order}, tuple(outcomes)
    )


# --------------------------------------------------------------------------- entry point


def evaluate(predicted: Sequence[Document], gold: Sequence[Document]) -> Evaluation:
    """Score predicted documents against gold ones, matched by document id.

    A gold document without a prediction counts as predicted empty (all missed); a
    predicted document without gold, or whose text differs from the gold text (offsets
    would mean nothing), is an error.
    """
    gold_by_id = {document.id: document for document in gold}
    predicted_by_id = {document.id: document for document in predicted}
    extra = sorted(set(predicted_by_id) - set(gold_by_id))
    if extra:
        raise CorpusError(
            [
                Problem(
                    "predicted",
                    doc_id,
                    Location(),
                    "NO_GOLD_DOCUMENT",
                    "this predicted document has no gold document with the same id",
                )
                for doc_id in extra
            ]
        )
    mismatched = sorted(
        doc_id
        for doc_id, document in predicted_by_id.items()
        if doc_id in gold_by_id and document.text != gold_by_id[doc_id].text
    )
    if mismatched:
        raise CorpusError(
            [
                Problem(
                    "predicted",
                    doc_id,
                    Location.at("text"),
                    "TEXT_MISMATCH",
                    "the predicted document's text differs from the gold text, so its "
                    "offsets cannot be compared",
                )
                for doc_id in mismatched
            ]
        )
    pairs = [
        (
            predicted_by_id.get(doc_id, Document(id=doc_id, text=gold_by_id[doc_id].text)),
            gold_by_id[doc_id],
        )
        for doc_id in sorted(gold_by_id)
    ]
    unmatched = tuple(doc_id for doc_id in sorted(gold_by_id) if doc_id not in predicted_by_id)
    return Evaluation(
        entities={scheme.name: evaluate_entities(pairs, scheme) for scheme in ENTITY_SCHEMES},
        relations={name: evaluate_relations(pairs, name) for name in RELATION_SCHEMES},
        documents=len(pairs),
        unmatched_documents=unmatched,
    )


def read_predictions(name: str | Path, *, root: Path | None = None) -> list[Document]:
    """Predicted documents named as any source is (:mod:`corpus.sources`). They are checked
    by ``corpus validate``'s JSON Schema layer, with its codes (``SCHEMA_TYPE``, ...), but not
    its semantic layer (a model may predict crossing spans or a span whose text differs),
    and a file need not be named after its document."""
    return open_source(name, root=root, semantic=False, file_names=False).documents()


def read_gold(name: str | Path, *, root: Path | None = None) -> list[Document]:
    """Gold documents: every check of ``corpus validate``."""
    return open_source(name, root=root).documents()


def evaluate_sources(
    predicted: str | Path, gold: str | Path, *, root: Path | None = None
) -> Evaluation:
    """:func:`evaluate` of the documents two names stand for (``corpus evaluate PRED GOLD``)."""
    return evaluate(read_predictions(predicted, root=root), read_gold(gold, root=root))

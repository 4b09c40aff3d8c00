"""Pre-annotation: suggested mentions for a new text, so annotators correct rather than start blank.

A pre-annotator is any callable from a text to entity-like objects (:class:`PreAnnotator`:
``text -> Sequence[EntityLike]``, where an entity-like has ``type``, ``start`` and ``end``
in code points of the text, and may have a ``score``). Its output is a list of
:class:`Prediction`, never :class:`~corpus.model.Entity`: predictions are not gold. They go to
Label Studio as a task's ``predictions`` (with ``model_version`` and a score, see
:func:`ls_prediction` and :func:`task_with_predictions`) and become annotations only when an
annotator submits them; nothing here writes to ``annotations/``.

The shipped pre-annotator is :class:`Gazetteer`, which needs no download: the mention strings
of the released gold with their types, matched exactly (case-sensitive) in a new text, only at
word boundaries (no letter, digit or ``_`` just before or after), longest entries first, never
two overlapping predictions (so it predicts no nested mentions). A string the gold gave
several types gets its most frequent one (ties: inventory order) and a score equal to the
share of that type among its gold occurrences. Its ``model_version`` is
``gazetteer-<release version>``.

A better one plugs in as ``module:function`` (:func:`load_preannotator`), for example::

    # mypkg/ner.py
    import spacy
    _nlp = spacy.load("my_model")

    def predict(text: str) -> list[corpus.preannotate.Prediction]:
        return [Prediction(e.label_, e.start_char, e.end_char, e.text, 0.9)
                for e in _nlp(text).ents]
    predict.model_version = "my_model-1.0"   # optional; default: "mypkg.ner:predict"

then ``corpus preannotate-eval --pre-annotator mypkg.ner:predict``. Its output is checked
(:func:`predict`): a type outside the inventory or offsets outside the text is
``PREDICTION_INVALID`` (exit 1), never a silent drop.

How good is the gazetteer? :func:`leave_one_sentence_out` measures it on held-out text: each
sentence of each document (``corpus.tokenize.split_sentences``, gold mentions never cut) is
pre-annotated by a gazetteer of the gold mentions of every *other* sentence, and scored
strictly (same span and type, :class:`corpus.evaluation.Strict`) against the gold mentions of
that sentence; the counts are summed over all sentences (micro precision, recall, F1).
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from corpus.errors import CorpusError, Location, Problem
from corpus.evaluation import SchemeResult, Strict, evaluate_entities
from corpus.formats.labelstudio import document_result, document_to_task
from corpus.model import Document, Entity
from corpus.schema import inventory
from corpus.sources import open_source
from corpus.tokenize import split_sentences

#: ``model_version`` prefix of the shipped pre-annotator
GAZETTEER = "gazetteer"
_WORD = re.compile(r"\w")
_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class EntityLike(Protocol):
    """What a pre-annotator returns per mention (``corpus.model.Entity`` is one)."""

    @property
    def type(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


@runtime_checkable
class PreAnnotator(Protocol):
    """A callable from a text to its predicted mentions (offsets: code points of the text)."""

    def __call__(self, text: str, /) -> Sequence[EntityLike]: ...


@dataclass(frozen=True)
class Prediction:
    """A predicted mention: a suggestion with a confidence, not gold. ``score`` takes no
    part in equality, so predictions compare with each other by span and type."""

    type: str
    start: int
    end: int
    text: str
    score: float = field(default=1.0, compare=False)

    def as_entity(self, entity_id: str) -> Entity:
        """The same span as an :class:`Entity` (for scoring; it is still a prediction)."""
        return Entity(entity_id, self.type, self.start, self.end, self.text)


@dataclass(frozen=True)
class NamedPreAnnotator:
    """A pre-annotator and the ``model_version`` its predictions carry."""

    annotate: PreAnnotator
    model_version: str

    def __call__(self, text: str, /) -> Sequence[EntityLike]:
        return self.annotate(text)


# --------------------------------------------------------------------------- the gazetteer


@dataclass(frozen=True)
class Gazetteer:
    """Exact-match gazetteer: surface string -> (type, score)."""

    entries: Mapping[str, tuple[str, float]]
    model_version: str = GAZETTEER

    @classmethod
    def from_mentions(
        cls, mentions: Iterable[tuple[str, str]], model_version: str = GAZETTEER
    ) -> Gazetteer:
        """From (surface text, type) pairs: each string gets its most frequent type."""
        order = {name: i for i, name in enumerate(inventory().entity_types)}
        seen: dict[str, Counter[str]] = {}
        for text, entity_type in mentions:
            seen.setdefault(text, Counter())[entity_type] += 1
        entries: dict[str, tuple[str, float]] = {}
        for text, types in seen.items():
            best = min(types, key=lambda t: (-types[t], order.get(t, len(order)), t))
            entries[text] = (best, types[best] / sum(types.values()))
        return cls(dict(sorted(entries.items())), model_version)

    @classmethod
    def from_documents(
        cls, documents: Iterable[Document], model_version: str = GAZETTEER
    ) -> Gazetteer:
        return cls.from_mentions(
            ((e.text, e.type) for d in documents for e in d.entities), model_version
        )

    def __call__(self, text: str, /) -> list[Prediction]:
        candidates: list[tuple[int, int, str]] = []
        for surface in self.entries:
            start = text.find(surface)
            while start != -1:
                end = start + len(surface)
                if _boundary(text, start, end):
                    candidates.append((start, end, surface))
                start = text.find(surface, start + 1)
        # longest first, then leftmost; a candidate overlapping an accepted one is dropped
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        taken: list[tuple[int, int]] = []
        predictions = []
        for start, end, surface in candidates:
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            entity_type, score = self.entries[surface]
            predictions.append(Prediction(entity_type, start, end, surface, score))
        return sorted(predictions, key=lambda p: (p.start, p.end))


def _boundary(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is not part of a longer word on either side."""
    before = start > 0 and _WORD.match(text[start - 1]) and _WORD.match(text[start])
    after = end < len(text) and _WORD.match(text[end]) and _WORD.match(text[end - 1])
    return not before and not after


def gazetteer_from_release(version: str | None = None, root: Path | None = None) -> Gazetteer:
    """The gazetteer of a release's gold mentions (default: the latest release), named
    ``gazetteer-<version>``. Its checksums are verified first."""
    source = open_source(version, root=root)
    return Gazetteer.from_documents(source.documents(), f"{GAZETTEER}-{source.version}")


# --------------------------------------------------------------------------- any pre-annotator


def load_preannotator(spec: str) -> NamedPreAnnotator:
    """``module:function`` (the function may be an attribute path, ``mod:obj.method``) as a
    pre-annotator; its ``model_version`` attribute names it, else the spec does.
    ``PREANNOTATOR_INVALID`` (exit 2) when it cannot be imported or is not callable."""

    def refuse(message: str) -> CorpusError:
        problem = Problem(spec, None, Location(), "PREANNOTATOR_INVALID", message)
        return CorpusError([problem])

    if not _SPEC.match(spec):
        raise refuse("expected module:function, such as mypkg.ner:predict")
    module_name, _, attribute = spec.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:  # any import failure of user code is one line, not a traceback
        raise refuse(f"cannot import {module_name}: {type(exc).__name__}: {exc}") from None
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise refuse(f"{module_name} has no {attribute}")
        target = getattr(target, part)
    if not callable(target):
        raise refuse(f"{attribute} is not callable")
    version = getattr(target, "model_version", None)
    return NamedPreAnnotator(target, version if isinstance(version, str) and version else spec)


def predict(
    text: str,
    annotator: PreAnnotator,
    *,
    document: str | None = None,
    source: str = "pre-annotator",
) -> list[Prediction]:
    """The checked predictions of ``annotator`` on ``text``, in reading order, exact
    duplicates dropped. A type outside the inventory, offsets that are not integers inside
    the text, or a score outside [0, 1] is ``PREDICTION_INVALID`` (exit 1)."""
    types = set(inventory().entity_types)
    try:
        items = list(annotator(text))
    except CorpusError:
        raise
    except Exception as exc:
        raise CorpusError(
            [
                Problem(
                    source,
                    document,
                    Location(),
                    "PREANNOTATOR_FAILED",
                    f"the pre-annotator raised {type(exc).__name__}: {exc}",
                )
            ]
        ) from None
    problems = []
    found: dict[Prediction, None] = {}
    for index, item in enumerate(items):
        entity_type = getattr(item, "type", None)
        start = getattr(item, "start", None)
        end = getattr(item, "end", None)
        score = getattr(item, "score", 1.0)
        reason = None
        if entity_type not in types:
            reason = f"type {entity_type!r} is not an entity type of the inventory"
        elif not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
            reason = f"offsets {start!r}, {end!r} are not integers"
        elif not 0 <= start < end <= len(text):  # type: ignore[operator]
            reason = f"span [{start}, {end}) is not inside the text (length {len(text)})"
        elif not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= 1:
            reason = f"score {score!r} is not a number between 0 and 1"
        if reason is not None:
            problems.append(
                Problem(source, document, Location.at(index), "PREDICTION_INVALID", reason)
            )
            continue
        assert isinstance(start, int) and isinstance(end, int) and isinstance(entity_type, str)
        found.setdefault(Prediction(entity_type, start, end, text[start:end], float(score)), None)
    if problems:
        raise CorpusError(problems)
    return sorted(found, key=lambda p: (p.start, p.end, p.type))


# --------------------------------------------------------------------------- Label Studio


def prediction_results(predictions: Sequence[Prediction]) -> list[dict[str, Any]]:
    """Label Studio result items (regions ``P1``, ``P2``, ... with a per-region ``score``),
    written by the Label Studio exporter's own region writer."""

    entities = tuple(p.as_entity(f"P{i}") for i, p in enumerate(predictions, 1))
    result = document_result(Document(id="prediction", text="", entities=entities))
    for item, prediction in zip(result, predictions, strict=True):
        item["score"] = prediction.score
    return result


def ls_prediction(predictions: Sequence[Prediction], model_version: str) -> dict[str, Any]:
    """One Label Studio prediction: ``model_version``, its ``score`` (the mean of the
    regions' scores; 0 without regions) and ``result``."""
    score = sum(p.score for p in predictions) / len(predictions) if predictions else 0.0
    return {
        "model_version": model_version,
        "score": round(score, 6),
        "result": prediction_results(predictions),
    }


def model_version_of(annotator: PreAnnotator) -> str:
    """The ``model_version`` a pre-annotator's predictions carry: its ``model_version``
    attribute (a :class:`Gazetteer`, a :class:`NamedPreAnnotator`, a hook that sets one),
    else its qualified name."""
    version = getattr(annotator, "model_version", None)
    if isinstance(version, str) and version:
        return version
    module = getattr(annotator, "__module__", None)
    name = getattr(annotator, "__qualname__", None) or type(annotator).__qualname__
    return f"{module}:{name}" if module else str(name)


def task_with_predictions(
    document: Document,
    annotator: PreAnnotator,
    *,
    version: str,
    model_version: str | None = None,
) -> dict[str, Any]:
    """A Label Studio task for ``document`` (as ``ls export --as none`` writes it) carrying
    the pre-annotator's predictions of its text (``model_version``: given, else
    :func:`model_version_of`); the document's own annotations, if any, are not included."""

    name = model_version or model_version_of(annotator)
    task = document_to_task(document, version=version, mode="none")
    predictions = predict(document.text, annotator, document=document.id, source=name)
    task["predictions"] = [ls_prediction(predictions, name)]
    return task


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class HeldOut:
    """A sentence and the gold mentions inside it."""

    document: Document
    index: int
    start: int
    end: int
    gold: tuple[Entity, ...]


def sentences_with_mentions(documents: Sequence[Document]) -> list[HeldOut]:
    """Every sentence of every document with its gold mentions (sentence ends inside a
    mention are suppressed, so each mention lies in exactly one sentence)."""

    held: list[HeldOut] = []
    for document in documents:
        sentences = split_sentences(document.text, [e.span for e in document.entities])
        for sentence in sentences:
            gold = tuple(
                e for e in document.entities if sentence.start <= e.start and e.end <= sentence.end
            )
            held.append(HeldOut(document, sentence.index, sentence.start, sentence.end, gold))
    return held


def leave_one_sentence_out(
    documents: Sequence[Document],
    build: Callable[[Iterable[tuple[str, str]]], PreAnnotator] = (Gazetteer.from_mentions),
) -> SchemeResult:
    """Strict scores of a pre-annotator built by ``build`` from the (text, type) gold
    mentions of all other sentences, on each held-out sentence; counts summed over sentences."""
    sentences = sentences_with_mentions(documents)
    pairs: list[tuple[Document, Document]] = []
    for held in sentences:
        training = (
            (e.text, e.type) for other in sentences if other is not held for e in other.gold
        )
        annotator = build(training)
        text = held.document.text[held.start : held.end]
        name = f"{held.document.id}:{held.index}"
        shifted = [
            Prediction(p.type, p.start + held.start, p.end + held.start, p.text, p.score)
            for p in predict(text, annotator, document=name)
        ]
        predicted = Document(
            name,
            held.document.text,
            entities=tuple(p.as_entity(f"P{i}") for i, p in enumerate(shifted, 1)),
        )
        pairs.append((predicted, Document(name, held.document.text, entities=held.gold)))
    return evaluate_entities(pairs, Strict())


def score_preannotator(documents: Sequence[Document], annotator: PreAnnotator) -> SchemeResult:
    """Strict scores of a fixed pre-annotator on whole documents (held-out only if the
    pre-annotator never saw these documents)."""
    pairs = []
    for document in documents:
        predictions = predict(document.text, annotator, document=document.id)
        predicted = Document(
            document.id,
            document.text,
            entities=tuple(p.as_entity(f"P{i}") for i, p in enumerate(predictions, 1)),
        )
        pairs.append((predicted, document))
    return evaluate_entities(pairs, Strict())


def report(result: SchemeResult, title: str) -> str:
    """The micro precision/recall/F1 and counts, then one line per label."""
    micro = result.micro
    lines = [
        title,
        f"strict micro: precision {micro.precision:.3f}  recall {micro.recall:.3f}  "
        f"F1 {micro.f1:.3f}  (gold {micro.possible}, predicted {micro.actual}, "
        f"correct {micro.correct}, wrong type or span {micro.incorrect}, "
        f"missed {micro.missed}, spurious {micro.spurious})",
        f"{'label':<8}{'gold':>6}{'pred':>6}{'correct':>9}{'P':>8}{'R':>8}{'F1':>8}",
    ]
    for label, counts in result.per_label.items():
        lines.append(
            f"{label:<8}{counts.possible:>6}{counts.actual:>6}{counts.correct:>9}"
            f"{counts.precision:>8.3f}{counts.recall:>8.3f}{counts.f1:>8.3f}"
        )
    return "\n".join(lines)

"""Inter-annotator agreement between two or more annotations of the same documents.

For every pair of annotators, over the documents both annotated (same id, same text):

- **entity F1, strict**: a mention agrees when the other annotator has the same start,
  end and type. With ``m`` agreeing mentions and ``a``, ``b`` mentions on each side,
  ``F1 = 2m / (a + b)``; it is symmetric (precision with one annotator as reference is
  recall with the other), which is why F1 is the usual agreement measure for spans
  (Hripcsak and Rothschild 2005, "Agreement, the F-measure, and reliability in
  information retrieval").
- **entity F1, partial**: as strict, but a mention also agrees with an *overlapping*
  mention of the same type (one-to-one; exact matches are paired first, then the largest
  overlaps). This is the "lenient" match of i2b2/brat-eval style agreement; unlike
  nervaluate's *partial* scheme it requires the type and gives full credit.
- **relation F1**: a relation agrees when the other annotator has a relation of the same
  type whose head and tail are strict matches of its head and tail (either order for a
  symmetric type). Relation ids and entity ids never matter.
- **Cohen's kappa on token labels**: both annotations are turned into IOB2 tags over the
  same tokens, exactly as the Hugging Face ``ner`` config does (:mod:`corpus.tokenize`,
  outermost mention wins), and ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the
  share of tokens with equal tags and ``p_e = sum_k p_A(k) p_B(k)`` (Cohen 1960). Most
  tokens are ``O`` for both, so read it together with the F1 figures. When ``p_e = 1``
  (both used one and the same tag everywhere) kappa is defined as 1.0.
- **disagreements to adjudicate**: ``type`` (same span, different type), ``boundary``
  (same type, overlapping spans), ``only <annotator>`` (no counterpart at all),
  ``relation type`` (same arguments, different type) and ``relation only <annotator>``.

Inputs (:func:`load_annotations`): a Label Studio JSON export with several annotators
(read by :mod:`corpus.formats.labelstudio`, one document per task and annotator), a
folder with one sub-folder per annotator, or several paths, one per annotator, each a
native document file, a folder of them, a brat folder, a release version or ``working``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from corpus import ls_project, tagging
from corpus.errors import CorpusError, Location, Problem
from corpus.formats import labelstudio
from corpus.formats.native import read_json
from corpus.inputs import MAX_EXPORT_BYTES
from corpus.model import Document, Entity, Relation
from corpus.paths import project_root
from corpus.schema import inventory
from corpus.sources import open_source

SpanKey = tuple[int, int, str]


@dataclass(frozen=True)
class Annotation:
    """One annotator's documents, by document id."""

    annotator: str
    documents: Mapping[str, Document]


@dataclass
class Counts:
    """Agreeing items and the number of items on each side of a pair."""

    matched: int = 0
    left: int = 0
    right: int = 0

    @property
    def f1(self) -> float | None:
        total = self.left + self.right
        return 2 * self.matched / total if total else None

    def add(self, other: Counts) -> None:
        self.matched += other.matched
        self.left += other.left
        self.right += other.right


@dataclass(frozen=True)
class Disagreement:
    document: str
    kind: str
    left: str
    right: str


@dataclass
class PairAgreement:
    left: str
    right: str
    documents: list[str] = field(default_factory=list)
    entities_strict: Counts = field(default_factory=Counts)
    entities_partial: Counts = field(default_factory=Counts)
    relations: Counts = field(default_factory=Counts)
    tokens: int = 0
    token_agreements: int = 0
    left_tags: Counter[str] = field(default_factory=Counter)
    right_tags: Counter[str] = field(default_factory=Counter)
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def kappa(self) -> float | None:
        return cohen_kappa_from_counts(
            self.tokens, self.token_agreements, self.left_tags, self.right_tags
        )

    def to_dict(self) -> dict[str, Any]:
        def counts(c: Counts) -> dict[str, Any]:
            return {"matched": c.matched, "left": c.left, "right": c.right, "f1": c.f1}

        return {
            "left": self.left,
            "right": self.right,
            "documents": self.documents,
            "entities_strict": counts(self.entities_strict),
            "entities_partial": counts(self.entities_partial),
            "relations": counts(self.relations),
            "tokens": self.tokens,
            "token_agreements": self.token_agreements,
            "kappa": self.kappa,
            "disagreements": [d.__dict__ for d in self.disagreements],
        }


# --------------------------------------------------------------------------- kappa


def cohen_kappa_from_counts(
    total: int, agreements: int, left: Mapping[str, int], right: Mapping[str, int]
) -> float | None:
    """Cohen's kappa from the number of items, of equal labels, and each side's label counts."""
    if total == 0:
        return None
    observed = agreements / total
    expected = sum(left[label] * right.get(label, 0) for label in left) / (total * total)
    if expected == 1:
        return 1.0
    return (observed - expected) / (1 - expected)


def cohen_kappa(left: Sequence[str], right: Sequence[str]) -> float | None:
    """Cohen's kappa of two equally long label sequences (None when empty)."""
    if len(left) != len(right):
        raise ValueError(f"label sequences differ in length: {len(left)} and {len(right)}")
    agreements = sum(1 for a, b in zip(left, right, strict=True) if a == b)
    return cohen_kappa_from_counts(len(left), agreements, Counter(left), Counter(right))


def token_tags(document: Document) -> list[str]:
    """The document's IOB2 tags over its tokens, as in the ``ner`` config."""
    return tagging.token_tags(document)


# --------------------------------------------------------------------------- matching


def _key(entity: Entity) -> SpanKey:
    return (entity.start, entity.end, entity.type)


def _show(entity: Entity) -> str:
    return f"{entity.type} [{entity.start}, {entity.end}) {entity.text!r}"


def _overlap(a: Entity, b: Entity) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def match_entities(
    left: Sequence[Entity], right: Sequence[Entity], document: str, names: tuple[str, str]
) -> tuple[Counts, Counts, list[Disagreement]]:
    """Strict and partial counts for one document, and its entity disagreements."""
    right_keys = {_key(e) for e in right}
    strict = sum(1 for e in left if _key(e) in right_keys)
    rest_left = [e for e in left if _key(e) not in right_keys]
    left_keys = {_key(e) for e in left}
    rest_right = [e for e in right if _key(e) not in left_keys]
    disagreements: list[Disagreement] = []
    # partial: same type, overlapping, one-to-one, largest overlap first
    candidates = sorted(
        (
            (_overlap(a, b), i, j)
            for i, a in enumerate(rest_left)
            for j, b in enumerate(rest_right)
            if a.type == b.type and _overlap(a, b) > 0
        ),
        key=lambda item: (-item[0], rest_left[item[1]].start, rest_right[item[2]].start),
    )
    used_left: set[int] = set()
    used_right: set[int] = set()
    for _, i, j in candidates:
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        disagreements.append(
            Disagreement(document, "boundary", _show(rest_left[i]), _show(rest_right[j]))
        )
    partial = strict + len(used_left)
    # same span, different type
    spans_right: dict[tuple[int, int], int] = {}
    for j, entity in enumerate(rest_right):
        if j not in used_right:
            spans_right.setdefault((entity.start, entity.end), j)
    for i, entity in enumerate(rest_left):
        j_found = spans_right.get((entity.start, entity.end))
        if i in used_left or j_found is None or j_found in used_right:
            continue
        used_left.add(i)
        used_right.add(j_found)
        disagreements.append(
            Disagreement(document, "type", _show(entity), _show(rest_right[j_found]))
        )
    for i, entity in enumerate(rest_left):
        if i not in used_left:
            disagreements.append(Disagreement(document, f"only {names[0]}", _show(entity), ""))
    for j, entity in enumerate(rest_right):
        if j not in used_right:
            disagreements.append(Disagreement(document, f"only {names[1]}", "", _show(entity)))
    disagreements.sort(key=_disagreement_order)
    return (
        Counts(strict, len(left), len(right)),
        Counts(partial, len(left), len(right)),
        disagreements,
    )


def _disagreement_order(item: Disagreement) -> tuple[int, str]:
    text = item.left or item.right
    try:
        start = int(text.split("[", 1)[1].split(",", 1)[0])
    except (IndexError, ValueError):
        start = 0
    return (start, item.kind)


def _relation_key(
    relation: Relation, entities: Mapping[str, Entity], symmetric: set[str]
) -> tuple[str, tuple[SpanKey, SpanKey]] | None:
    head, tail = entities.get(relation.head), entities.get(relation.tail)
    if head is None or tail is None:
        return None
    args = (_key(head), _key(tail))
    if relation.type in symmetric:
        args = (min(args), max(args))
    return relation.type, args


def _show_relation(relation: Relation, entities: Mapping[str, Entity]) -> str:
    head, tail = entities.get(relation.head), entities.get(relation.tail)
    head_text = f"{head.text!r} {head.type}" if head else relation.head
    tail_text = f"{tail.text!r} {tail.type}" if tail else relation.tail
    return f"{relation.type}({head_text} -> {tail_text})"


def match_relations(
    left: Document, right: Document, names: tuple[str, str]
) -> tuple[Counts, list[Disagreement]]:

    symmetric = {r.name for r in inventory().relations if r.symmetric}
    left_entities, right_entities = left.entities_by_id, right.entities_by_id
    left_keys = {r.id: _relation_key(r, left_entities, symmetric) for r in left.relations}
    right_keys = {r.id: _relation_key(r, right_entities, symmetric) for r in right.relations}
    right_set = {k for k in right_keys.values() if k is not None}
    left_set = {k for k in left_keys.values() if k is not None}
    matched = sum(1 for k in left_keys.values() if k is not None and k in right_set)
    only_left = [r for r in left.relations if left_keys[r.id] not in right_set]
    only_right = [r for r in right.relations if right_keys[r.id] not in left_set]
    disagreements = []
    by_args: dict[tuple[SpanKey, ...], Relation] = {}
    for relation in only_right:
        key = right_keys[relation.id]
        if key is not None:
            by_args.setdefault(tuple(sorted(key[1])), relation)
    paired: set[str] = set()
    unpaired_left = []
    for relation in only_left:
        key = left_keys[relation.id]
        other = by_args.get(tuple(sorted(key[1]))) if key is not None else None
        if other is not None and other.id not in paired:
            paired.add(other.id)
            disagreements.append(
                Disagreement(
                    left.id,
                    "relation type",
                    _show_relation(relation, left_entities),
                    _show_relation(other, right_entities),
                )
            )
        else:
            unpaired_left.append(relation)
    for relation in unpaired_left:
        # same type, each argument overlapping the other's: the arguments' spans or types differ
        other = next(
            (
                r
                for r in only_right
                if r.id not in paired
                and r.type == relation.type
                and _arguments_overlap(relation, left_entities, r, right_entities)
            ),
            None,
        )
        if other is not None:
            paired.add(other.id)
            disagreements.append(
                Disagreement(
                    left.id,
                    "relation arguments",
                    _show_relation(relation, left_entities),
                    _show_relation(other, right_entities),
                )
            )
        else:
            disagreements.append(
                Disagreement(
                    left.id,
                    f"relation only {names[0]}",
                    _show_relation(relation, left_entities),
                    "",
                )
            )
    for relation in only_right:
        if relation.id not in paired:
            disagreements.append(
                Disagreement(
                    right.id,
                    f"relation only {names[1]}",
                    "",
                    _show_relation(relation, right_entities),
                )
            )
    return Counts(matched, len(left.relations), len(right.relations)), disagreements


def _arguments_overlap(
    a: Relation, a_entities: Mapping[str, Entity], b: Relation, b_entities: Mapping[str, Entity]
) -> bool:
    ends = [
        (a_entities.get(a.head), b_entities.get(b.head)),
        (a_entities.get(a.tail), b_entities.get(b.tail)),
    ]
    return all(x is not None and y is not None and _overlap(x, y) > 0 for x, y in ends)


def compare(left: Annotation, right: Annotation) -> PairAgreement:
    """Agreement of two annotators over the documents both annotated."""
    pair = PairAgreement(left.annotator, right.annotator)
    names = (left.annotator, right.annotator)
    problems = []
    for document_id in sorted(set(left.documents) & set(right.documents)):
        a, b = left.documents[document_id], right.documents[document_id]
        if a.text != b.text:
            problems.append(
                Problem(
                    f"{left.annotator} vs {right.annotator}",
                    document_id,
                    Location.at("text"),
                    "TEXT_DIFFERS",
                    "the two annotations are of different texts; agreement needs the same text",
                )
            )
            continue
        pair.documents.append(document_id)
        strict, partial, entity_disagreements = match_entities(
            sorted(a.entities, key=Entity.sort_key),
            sorted(b.entities, key=Entity.sort_key),
            document_id,
            names,
        )
        pair.entities_strict.add(strict)
        pair.entities_partial.add(partial)
        relations, relation_disagreements = match_relations(a, b, names)
        pair.relations.add(relations)
        pair.disagreements += entity_disagreements + relation_disagreements
        tags_a, tags_b = token_tags(a), token_tags(b)
        pair.tokens += len(tags_a)
        pair.token_agreements += sum(1 for x, y in zip(tags_a, tags_b, strict=True) if x == y)
        pair.left_tags.update(tags_a)
        pair.right_tags.update(tags_b)
    if problems:
        raise CorpusError(problems)
    return pair


@dataclass
class AgreementReport:
    annotators: list[str]
    pairs: list[PairAgreement]

    def to_dict(self) -> dict[str, Any]:
        return {"annotators": self.annotators, "pairs": [p.to_dict() for p in self.pairs]}

    def table(self, *, limit: int | None = None) -> str:
        """The scores table, then each pair's disagreements (at most ``limit`` each; all
        when ``limit`` is None or 0)."""

        def pct(value: float | None) -> str:
            return "-" if value is None else f"{value:.3f}"

        header = ("pair", "docs", "entities strict F1", "partial F1", "relations F1", "token kappa")
        rows = [header]
        for p in self.pairs:
            rows.append(
                (
                    f"{p.left} vs {p.right}",
                    str(len(p.documents)),
                    f"{pct(p.entities_strict.f1)} ({p.entities_strict.matched}/"
                    f"{p.entities_strict.left}+{p.entities_strict.right})",
                    f"{pct(p.entities_partial.f1)} ({p.entities_partial.matched})",
                    f"{pct(p.relations.f1)} ({p.relations.matched}/{p.relations.left}+"
                    f"{p.relations.right})",
                    f"{pct(p.kappa)} ({p.tokens - p.token_agreements}/{p.tokens} tokens differ)",
                )
            )
        lines = _columns(rows)
        for p in self.pairs:
            shown = p.disagreements if not limit else p.disagreements[:limit]
            lines += ["", f"disagreements {p.left} vs {p.right}: {len(p.disagreements)}"]
            if shown:
                lines += _columns(
                    [("document", "kind", p.left, p.right)]
                    + [(d.document, d.kind, d.left or "-", d.right or "-") for d in shown]
                )
            if len(shown) < len(p.disagreements):
                lines.append(f"... {len(p.disagreements) - len(shown)} more (--limit 0 for all)")
        return "\n".join(lines)


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def agreement(annotations: Sequence[Annotation]) -> AgreementReport:
    """Pairwise agreement of two or more annotations."""
    if len(annotations) < 2:
        raise CorpusError(
            [
                Problem(
                    "-",
                    None,
                    Location(),
                    "NEEDS_TWO_ANNOTATORS",
                    f"agreement needs at least two annotations, got {len(annotations)}",
                )
            ]
        )
    names = [a.annotator for a in annotations]
    if len(set(names)) != len(names):
        raise CorpusError(
            [
                Problem(
                    "-",
                    None,
                    Location(),
                    "DUPLICATE_ANNOTATOR",
                    f"two annotations have the same name: {names}",
                )
            ]
        )
    pairs = [compare(a, b) for a, b in combinations(annotations, 2)]
    for pair in pairs:
        if not pair.documents:
            raise CorpusError(
                [
                    Problem(
                        f"{pair.left} vs {pair.right}",
                        None,
                        Location(),
                        "NO_SHARED_DOCUMENTS",
                        "the two annotations have no document in common",
                    )
                ]
            )
    return AgreementReport(names, pairs)


# --------------------------------------------------------------------------- inputs


def _documents(name: str | Path, root: Path) -> list[Document]:
    """An annotator's documents: any source (:mod:`corpus.sources`) or a brat folder; a
    learner's file may be called alice.json (only the document id inside matters here)."""
    return open_source(name, root=root, file_names=False, brat=True).documents()


def _from_label_studio(path: Path, tasks: Any, root: Path) -> list[Annotation]:

    corpus = ls_project.load_corpus(labelstudio.task_document_ids(tasks), root)
    imported, problems = labelstudio.read(
        tasks,
        file=str(path),
        seeds=corpus.seeds,
        bases=corpus.bases,
        reserved_ids=corpus.reserved,
        selection=labelstudio.Selection(by_annotator=True),
    )
    if problems:
        raise CorpusError(problems)
    by_annotator: dict[str, dict[str, Document]] = {}
    for item in imported:
        by_annotator.setdefault(item.annotator, {})[item.document.id] = item.document
    return [Annotation(name, docs) for name, docs in sorted(by_annotator.items())]


def load_annotations(paths: Sequence[str], *, root: Path | None = None) -> list[Annotation]:
    """The annotations to compare (see the module docstring for the accepted inputs)."""

    root = root or project_root()
    if len(paths) == 1:
        path = Path(paths[0])
        if path.is_file() and path.suffix == ".json":
            data = read_json(path, limit=MAX_EXPORT_BYTES)  # a document or an export
            if isinstance(data, list):
                return _from_label_studio(path, data, root)
        if path.is_dir():
            subfolders = sorted(
                p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")
            )
            if subfolders:
                return [Annotation(p.name, _by_id(_documents(p, root))) for p in subfolders]
        raise CorpusError(
            [
                Problem(
                    str(path),
                    None,
                    Location(),
                    "NOT_AN_AGREEMENT_INPUT",
                    "expected a Label Studio JSON export, a folder with "
                    "one sub-folder per annotator, or two or more paths",
                )
            ]
        )
    names = [Path(raw).stem if Path(raw).is_file() else (Path(raw).name or raw) for raw in paths]
    if len(set(names)) != len(names):
        names = list(paths)
    annotations = []
    for raw, name in zip(paths, names, strict=True):
        annotations.append(Annotation(name, _by_id(_documents(raw, root))))
    return annotations


def _by_id(documents: Iterable[Document]) -> dict[str, Document]:
    return {document.id: document for document in documents}


def report_json(report: AgreementReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)

"""The rows of each config, the build report, and documents back from ``documents`` rows.

- ``documents``: one row per document, lossless (:func:`documents_from_dataset` turns
  them back into documents equal to the release);
- ``ner``: one row per sentence, IOB2 tags from :mod:`corpus.tagging` (outermost rule);
- ``relations``: TACRED-style, one row per ordered pair of distinct placed mentions in
  a sentence; ``relation`` is the gold relation from subject to object or
  ``no_relation``. Symmetric relation types hold in both orders.

Each row builder returns its rows and its counts; :func:`build_rows` adds the counts up
into a :class:`BuildReport`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.hf.features import CONFIGS, NO_RELATION, split_of
from corpus.model import Cluster, Document, Entity, Relation, Seed
from corpus.release import WORKING
from corpus.schema import inventory
from corpus.tagging import (
    NESTED_RULE,
    NESTED_RULES,
    BoundaryProblem,
    PreparedDocument,
    TagCounts,
    prepare,
    tag_document,
)

#: (document id, relation id, relation type)
RelationItem = tuple[str, str, str]


@dataclass
class RelationCounts:
    """What the ``relations`` rows of a document carry and what they leave out."""

    cross_sentence: list[RelationItem] = field(default_factory=list)
    unplaced: list[RelationItem] = field(default_factory=list)
    #: relations left out because their ordered pair already had a label
    duplicate_pair: list[RelationItem] = field(default_factory=list)
    nested_pairs: int = 0
    rows: Counter[str] = field(default_factory=Counter)


@dataclass
class BuildReport:
    """What a build wrote and what it could not represent (counts and lists)."""

    version: str
    output: Path | None = None
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    documents: int = 0
    sentences: int = 0
    sentence_joins: int = 0
    boundary_problems: list[BoundaryProblem] = field(default_factory=list)
    #: spans each nesting rule drops from the flat tags, per label
    nested_dropped: dict[str, Counter[str]] = field(
        default_factory=lambda: {rule: Counter() for rule in NESTED_RULES}
    )
    cross_sentence_relations: list[RelationItem] = field(default_factory=list)
    unplaced_relations: list[RelationItem] = field(default_factory=list)
    #: (document, relation id, type) of relations left out because a pair already had a label
    duplicate_pair_relations: list[RelationItem] = field(default_factory=list)
    nested_pairs: int = 0
    entity_counts: Counter[str] = field(default_factory=Counter)
    relation_counts: Counter[str] = field(default_factory=Counter)
    ner_mention_counts: Counter[str] = field(default_factory=Counter)
    relation_row_counts: Counter[str] = field(default_factory=Counter)
    splits: Counter[str] = field(default_factory=Counter)

    def add_document(self, prepared: PreparedDocument) -> None:
        document = prepared.document
        self.documents += 1
        self.splits[split_of(document)] += 1
        self.sentences += len(prepared.sentences)
        self.sentence_joins += prepared.sentence_joins
        self.boundary_problems.extend(prepared.problems)
        self.entity_counts.update(e.type for e in document.entities)
        self.relation_counts.update(r.type for r in document.relations)

    def add_tags(self, counts: TagCounts) -> None:
        for rule in NESTED_RULES:
            self.nested_dropped[rule].update(counts.dropped[rule])
        self.ner_mention_counts.update(counts.tagged)

    def add_relations(self, counts: RelationCounts) -> None:
        self.cross_sentence_relations += counts.cross_sentence
        self.unplaced_relations += counts.unplaced
        self.duplicate_pair_relations += counts.duplicate_pair
        self.nested_pairs += counts.nested_pairs
        self.relation_row_counts.update(counts.rows)

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"dataset built from release {self.version}"
            if self.version != WORKING
            else "dataset built from the working copy"
        ]
        if self.output is not None:
            lines.append(f"  output: {self.output}")
        for config in CONFIGS:
            splits = self.rows.get(config, {})
            counts = ", ".join(f"{split} {count}" for split, count in splits.items())
            lines.append(f"  {config}: {counts or 'no rows'} rows")
        dropped = self.nested_dropped[NESTED_RULE]
        lines.append(
            f"  ner: {sum(dropped.values())} nested spans dropped by the {NESTED_RULE} rule"
            + (f" ({_counter_text(dropped)})" if dropped else "")
        )
        lines.append(
            f"  tokenization: {len(self.boundary_problems)} mentions with a boundary "
            f"inside a token; {self.sentence_joins} sentence ends suppressed inside "
            f"a mention"
        )
        for problem in self.boundary_problems:
            lines.append(f"    {problem}")
        lines.append(
            f"  relations: {len(self.cross_sentence_relations)} with arguments in different "
            f"sentences (kept in documents only); {len(self.unplaced_relations)} with an "
            f"unplaced argument; {len(self.duplicate_pair_relations)} on an already labelled "
            f"pair; {self.nested_pairs} rows pair a mention with one nested in it"
        )
        for doc_id, rel_id, rel_type in self.cross_sentence_relations:
            lines.append(f"    cross-sentence: {doc_id}: {rel_id} {rel_type}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "rows": self.rows,
            "documents": self.documents,
            "sentences": self.sentences,
            "sentence_joins": self.sentence_joins,
            "boundary_problems": [str(p) for p in self.boundary_problems],
            "nested_dropped": {
                rule: dict(sorted(c.items())) for rule, c in self.nested_dropped.items()
            },
            "cross_sentence_relations": [list(r) for r in self.cross_sentence_relations],
            "unplaced_relations": [list(r) for r in self.unplaced_relations],
            "duplicate_pair_relations": [list(r) for r in self.duplicate_pair_relations],
            "nested_pairs": self.nested_pairs,
        }


def _counter_text(counter: Mapping[str, int]) -> str:
    return ", ".join(f"{label} {count}" for label, count in sorted(counter.items()))


def document_row(document: Document, version: str) -> dict[str, Any]:
    return {
        "id": document.id,
        "version": version,
        "text": document.text,
        "entities": [
            {"id": e.id, "type": e.type, "start": e.start, "end": e.end, "text": e.text}
            for e in document.entities
        ],
        "relations": [
            {"id": r.id, "type": r.type, "head": r.head, "tail": r.tail} for r in document.relations
        ],
        "clusters": [{"id": c.id, "entities": list(c.entities)} for c in document.clusters],
        "metadata": json.dumps(dict(document.metadata), ensure_ascii=False),
        "seed": (
            {"path": document.seed.path, "sha256": document.seed.sha256}
            if document.seed is not None
            else None
        ),
    }


def ner_rows(prepared: PreparedDocument) -> tuple[list[dict[str, Any]], TagCounts]:
    """One conll2003-style row per sentence (tags by the outermost rule), and the counts."""
    sentences, counts = tag_document(prepared)
    document_id = prepared.document.id
    rows = [
        {
            "id": f"{document_id}:{tagged.sentence.index}",
            "document_id": document_id,
            "sentence": tagged.sentence.index,
            "tokens": tagged.sentence.words,
            "ner_tags": list(tagged.tags),
            "token_starts": [token.start for token in tagged.sentence.tokens],
            "token_ends": [token.end for token in tagged.sentence.tokens],
        }
        for tagged in sentences
    ]
    return rows, counts


def relation_rows(prepared: PreparedDocument) -> tuple[list[dict[str, Any]], RelationCounts]:
    """TACRED-style rows: every ordered pair of distinct mentions in a sentence."""
    labels = inventory()
    order = {name: index for index, name in enumerate(labels.relation_types)}
    document = prepared.document
    counts = RelationCounts()
    pair_labels: dict[tuple[str, str], Relation] = {}
    for relation in sorted(document.relations, key=lambda r: (order[r.type], r.id)):
        head = prepared.placements.get(relation.head)
        tail = prepared.placements.get(relation.tail)
        item = (document.id, relation.id, relation.type)
        if head is None or tail is None:
            counts.unplaced.append(item)
            continue
        if head.sentence != tail.sentence:
            counts.cross_sentence.append(item)
            continue
        pairs = [(relation.head, relation.tail)]
        if labels.relation(relation.type).symmetric:
            pairs.append((relation.tail, relation.head))
        # one label per ordered pair, as in TACRED: the first in schema order wins
        clashes = [pair for pair in pairs if pair in pair_labels]
        for pair in pairs:
            pair_labels.setdefault(pair, relation)
        if clashes:
            counts.duplicate_pair.append(item)
    rows = []
    for sentence_index, placed in sorted(prepared.by_sentence().items()):
        sentence = prepared.sentences[sentence_index]
        for subj in placed:
            for obj in placed:
                if subj.entity.id == obj.entity.id:
                    continue
                gold = pair_labels.get((subj.entity.id, obj.entity.id))
                label = gold.type if gold else NO_RELATION
                counts.rows[label] += 1
                if subj.contains(obj) or obj.contains(subj):
                    counts.nested_pairs += 1
                rows.append(
                    {
                        "id": f"{document.id}:{sentence_index}:{subj.entity.id}:{obj.entity.id}",
                        "document_id": document.id,
                        "sentence": sentence_index,
                        "tokens": sentence.words,
                        "subj_start": subj.first,
                        "subj_end": subj.last,
                        "obj_start": obj.first,
                        "obj_end": obj.last,
                        "subj_type": subj.entity.type,
                        "obj_type": obj.entity.type,
                        "relation": label,
                        "subj_id": subj.entity.id,
                        "obj_id": obj.entity.id,
                        "relation_id": gold.id if gold else None,
                    }
                )
    return rows, counts


def build_rows(
    documents: Sequence[Document], version: str
) -> tuple[dict[str, dict[str, list[dict[str, Any]]]], BuildReport]:
    """Rows per config and split, in a deterministic order, and the build report."""
    report = BuildReport(version=version)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {config: {} for config in CONFIGS}
    for document in sorted(documents, key=lambda d: d.id):
        split = split_of(document)
        prepared = prepare(document)
        report.add_document(prepared)
        ner, tag_counts = ner_rows(prepared)
        report.add_tags(tag_counts)
        relations, relation_counts = relation_rows(prepared)
        report.add_relations(relation_counts)
        rows["documents"].setdefault(split, []).append(document_row(document, version))
        rows["ner"].setdefault(split, []).extend(ner)
        rows["relations"].setdefault(split, []).extend(relations)
    for config in CONFIGS:
        # every config has every split, even if a split has no rows in it
        for split in sorted(report.splits):
            rows[config].setdefault(split, [])
        rows[config] = dict(sorted(rows[config].items(), key=lambda kv: split_order(kv[0])))
        report.rows[config] = {split: len(items) for split, items in rows[config].items()}
    return rows, report


def split_order(split: str) -> tuple[int, str]:
    """``train``, ``validation``, ``test``, then any other split by name."""
    known = {"train": 0, "validation": 1, "test": 2}
    return (known.get(split, 3), split)


# --------------------------------------------------------------------------- back to documents


def documents_from_dataset(dataset: Any) -> list[Document]:
    """Our documents from the ``documents`` config (a ``Dataset`` or a ``DatasetDict``),
    sorted by id."""
    parts = list(dataset.values()) if hasattr(dataset, "values") else [dataset]
    documents = []
    for part in parts:
        entity_names = part.features["entities"].feature["type"].names
        relation_names = part.features["relations"].feature["type"].names
        for row in part:
            documents.append(_document_from_row(row, entity_names, relation_names))
    return sorted(documents, key=lambda d: d.id)


def _document_from_row(
    row: Mapping[str, Any], entity_names: Sequence[str], relation_names: Sequence[str]
) -> Document:
    seed = row.get("seed")
    return Document(
        id=row["id"],
        text=row["text"],
        metadata=json.loads(row["metadata"]),
        entities=tuple(
            Entity(e["id"], entity_names[e["type"]], e["start"], e["end"], e["text"])
            for e in row["entities"]
        ),
        relations=tuple(
            Relation(r["id"], relation_names[r["type"]], r["head"], r["tail"])
            for r in row["relations"]
        ),
        clusters=tuple(Cluster(c["id"], tuple(c["entities"])) for c in row["clusters"]),
        seed=Seed(seed["path"], seed["sha256"]) if seed else None,
    )

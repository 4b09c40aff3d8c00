"""The rows of each config, the build report, and documents back from ``documents`` rows.

- ``documents``: one row per document, lossless (:func:`documents_from_dataset` turns
  them back into documents equal to the release);
- ``ner``: one row per sentence, IOB2 tags from :mod:`corpus.tagging` (outermost rule);
- ``relations``: TACRED-style, one row per ordered pair of distinct placed mentions in
  a sentence; ``relation`` is the gold relation from subject to object or
  ``no_relation``. Symmetric relation types hold in both orders.

Splits: ``documents`` rows go to their document's split; ``ner`` and ``relations`` rows too,
unless every document is in one split: then they go to the teaching split of their sentence
(:func:`corpus.splits.split_rule`, :func:`corpus.splits.sentence_splits`).

Rows are built column by column (class labels as ids) and become Arrow tables of the
declared ``Features`` in :class:`TableBuffer`: no row is encoded one by one by ``datasets``.
Each column builder returns its columns and its counts; :func:`write_tables` adds the counts
up into a :class:`BuildReport` and hands out tables of at most a given number of rows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.hf.features import CONFIGS, NO_RELATION, features, relation_label_names
from corpus.model import Cluster, Document, Entity, Relation, Seed
from corpus.release import WORKING
from corpus.schema import Inventory, inventory
from corpus.splits import BY_DOCUMENT, BY_SENTENCE, SPLITS, sentence_splits, split_rule
from corpus.tagging import (
    NESTED_RULE,
    NESTED_RULES,
    BoundaryProblem,
    PreparedDocument,
    TagCounts,
    ner_tag_names,
    prepare,
    split_of,
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
    #: how ``ner`` and ``relations`` are split: by document, or by sentence (teaching splits)
    split_rule: str = BY_DOCUMENT

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
        lines.append(f"  splits: {self.split_text()}")
        for config in CONFIGS:
            splits = self.rows.get(config, {})
            counts = ", ".join(f"{split} {count}" for split, count in splits.items())
            lines.append(f"  {config}: {counts or 'no'} rows")
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

    def split_text(self) -> str:
        """One line on how the configs are split (:func:`corpus.splits.split_rule`)."""
        documents = ", ".join(f"{split} {n}" for split, n in sorted(self.splits.items()))
        if self.split_rule == BY_SENTENCE:
            (only,) = self.splits
            return (
                f"all {self.documents} document(s) in {only}, too few to split by document: "
                "ner and relations use teaching splits by sentence (scores on their "
                "validation and test sentences are optimistic); documents stays by document"
            )
        missing = [split for split in SPLITS if split not in self.splits]
        return f"by document in every config ({documents or 'no documents'})" + (
            f"; no document in {', '.join(missing)} (`corpus split` assigns splits)"
            if missing and self.documents
            else ""
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "split_rule": self.split_rule,
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


@dataclass(frozen=True)
class LabelIds:
    """Class-label ids by name, as the ``ClassLabel`` features number them."""

    entity: Mapping[str, int]
    relation: Mapping[str, int]
    tag: Mapping[str, int]
    relation_row: Mapping[str, int]

    @classmethod
    def from_schema(cls, labels: Inventory | None = None) -> LabelIds:
        labels = labels or inventory()

        def ids(names: Sequence[str]) -> dict[str, int]:
            return {name: index for index, name in enumerate(names)}

        return cls(
            ids(labels.entity_types),
            ids(labels.relation_types),
            ids(ner_tag_names(labels)),
            ids(relation_label_names(labels)),
        )


#: a config's rows, column by column: column name -> one value per row
Columns = dict[str, list[Any]]


def document_columns(document: Document, version: str, ids: LabelIds) -> Columns:
    """The ``documents`` row of a document (one row), class labels as ids."""
    return {
        "id": [document.id],
        "version": [version],
        "text": [document.text],
        "entities": [
            [
                {
                    "id": e.id,
                    "type": ids.entity[e.type],
                    "start": e.start,
                    "end": e.end,
                    "text": e.text,
                }
                for e in document.entities
            ]
        ],
        "relations": [
            [
                {"id": r.id, "type": ids.relation[r.type], "head": r.head, "tail": r.tail}
                for r in document.relations
            ]
        ],
        "clusters": [[{"id": c.id, "entities": list(c.entities)} for c in document.clusters]],
        "metadata": [json.dumps(dict(document.metadata), ensure_ascii=False)],
        "seed": [
            {"path": document.seed.path, "sha256": document.seed.sha256}
            if document.seed is not None
            else None
        ],
    }


def ner_columns(prepared: PreparedDocument, ids: LabelIds) -> tuple[Columns, TagCounts]:
    """One conll2003-style row per sentence (tags by the outermost rule), and the counts."""
    sentences, counts = tag_document(prepared)
    document_id = prepared.document.id
    columns: Columns = {
        "id": [f"{document_id}:{tagged.sentence.index}" for tagged in sentences],
        "document_id": [document_id] * len(sentences),
        "sentence": [tagged.sentence.index for tagged in sentences],
        "tokens": [tagged.sentence.words for tagged in sentences],
        "ner_tags": [[ids.tag[tag] for tag in tagged.tags] for tagged in sentences],
        "token_starts": [[token.start for token in tagged.sentence.tokens] for tagged in sentences],
        "token_ends": [[token.end for token in tagged.sentence.tokens] for tagged in sentences],
    }
    return columns, counts


def relation_columns(prepared: PreparedDocument, ids: LabelIds) -> tuple[Columns, RelationCounts]:
    """TACRED-style rows: every ordered pair of distinct mentions in a sentence.

    The rows of one sentence share one ``tokens`` list object (see :class:`TableBuffer`)."""
    labels = inventory()
    document = prepared.document
    counts = RelationCounts()
    pair_labels: dict[tuple[str, str], Relation] = {}
    for relation in sorted(document.relations, key=lambda r: (ids.relation[r.type], r.id)):
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
    columns: Columns = {name: [] for name in RELATION_COLUMNS}
    row_ids, subj_ids, obj_ids = columns["id"], columns["subj_id"], columns["obj_id"]
    sentence_ids, tokens = columns["sentence"], columns["tokens"]
    subj_start, subj_end = columns["subj_start"], columns["subj_end"]
    obj_start, obj_end = columns["obj_start"], columns["obj_end"]
    subj_type, obj_type = columns["subj_type"], columns["obj_type"]
    relation_ids, gold_ids = columns["relation"], columns["relation_id"]
    for sentence_index, placed in sorted(prepared.by_sentence().items()):
        words = prepared.sentences[sentence_index].words
        for subj in placed:
            for obj in placed:
                if subj.entity.id == obj.entity.id:
                    continue
                gold = pair_labels.get((subj.entity.id, obj.entity.id))
                label = gold.type if gold else NO_RELATION
                counts.rows[label] += 1
                if subj.contains(obj) or obj.contains(subj):
                    counts.nested_pairs += 1
                row_ids.append(f"{document.id}:{sentence_index}:{subj.entity.id}:{obj.entity.id}")
                sentence_ids.append(sentence_index)
                tokens.append(words)
                subj_start.append(subj.first)
                subj_end.append(subj.last)
                obj_start.append(obj.first)
                obj_end.append(obj.last)
                subj_type.append(ids.entity[subj.entity.type])
                obj_type.append(ids.entity[obj.entity.type])
                relation_ids.append(ids.relation_row[label])
                subj_ids.append(subj.entity.id)
                obj_ids.append(obj.entity.id)
                gold_ids.append(gold.id if gold else None)
    columns["document_id"] = [document.id] * len(row_ids)
    return columns, counts


RELATION_COLUMNS = (
    "id",
    "document_id",
    "sentence",
    "tokens",
    "subj_start",
    "subj_end",
    "obj_start",
    "obj_end",
    "subj_type",
    "obj_type",
    "relation",
    "subj_id",
    "obj_id",
    "relation_id",
)
#: list columns whose rows repeat one Python list object (converted once, then taken)
SHARED_COLUMNS = {"relations": ("tokens",)}


class TableBuffer:
    """Rows of one config and split, column by column, until they become Arrow tables of
    the declared ``Features`` (no row is encoded one by one)."""

    def __init__(self, config: str, config_features: Any) -> None:
        self.config = config
        self.features = config_features
        self.schema = config_features.arrow_schema
        self.shared = SHARED_COLUMNS.get(config, ())
        self.columns: Columns = {name: [] for name in self.schema.names}
        self.pending = 0
        self.carry: Any = None  # rows already in Arrow, not yet handed out

    @property
    def rows(self) -> int:
        return self.pending + (self.carry.num_rows if self.carry is not None else 0)

    def extend(self, columns: Columns) -> None:
        for name, values in columns.items():
            self.columns[name] += values
        self.pending += len(columns["id"])

    def _table(self) -> Any:
        import pyarrow as pa

        arrays = []
        for column in self.schema:
            values = self.columns[column.name]
            if column.name in self.shared:
                arrays.append(_shared_array(values, column.type))
            else:
                arrays.append(pa.array(values, type=column.type))
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        self.columns = {name: [] for name in self.schema.names}
        self.pending = 0
        if self.carry is not None:
            table = pa.concat_tables([self.carry, table])
            self.carry = None
        return table

    def full_tables(self, limit: int) -> list[Any]:
        """Tables of exactly ``limit`` rows while the buffer holds that many."""
        if self.rows < limit:
            return []
        table = self._table()
        tables = []
        while table.num_rows >= limit:
            tables.append(table.slice(0, limit))
            table = table.slice(limit)
        self.carry = table
        return tables

    def rest(self) -> Any:
        """The rows left (possibly none), as one table."""
        return self._table()


def _shared_array(values: list[Any], arrow_type: Any) -> Any:
    import pyarrow as pa

    index: dict[int, int] = {}
    unique: list[Any] = []
    positions = []
    for value in values:
        position = index.get(id(value))
        if position is None:
            position = index[id(value)] = len(unique)
            unique.append(value)
        positions.append(position)
    return pa.array(unique, type=arrow_type).take(pa.array(positions, type=pa.int64()))


#: receives each table to write: config, split, table
Sink = Callable[[str, str, Any], None]


def write_tables(
    documents: Iterable[Document],
    version: str,
    sink: Sink,
    shard_rows: Mapping[str, int] | None = None,
) -> BuildReport:
    """Turn documents (in id order) into Arrow tables of at most ``shard_rows[config]`` rows
    per config and split, handed to ``sink`` in order. A split without rows gets no table
    (``datasets`` cannot load an empty split): a split of the ``documents`` config with no
    ``ner`` sentences or ``relations`` pairs, or a teaching split of too few sentences, is
    absent from that config. Returns the build report."""
    ids = LabelIds.from_schema()
    config_features = {config: features(config) for config in CONFIGS}
    limits = {config: 2**62 for config in CONFIGS} | dict(shard_rows or {})
    buffers: dict[tuple[str, str], TableBuffer] = {}
    report = BuildReport(version=version)
    written: Counter[tuple[str, str]] = Counter()

    def hand_out(config: str, split: str, table: Any) -> None:
        written[(config, split)] += table.num_rows
        sink(config, split, table)

    ordered = sorted(documents, key=lambda d: d.id)
    report.split_rule = split_rule([split_of(d) for d in ordered])
    for prepared, by_sentence in _prepared(ordered, report.split_rule):
        document = prepared.document
        split = split_of(document)
        report.add_document(prepared)
        ner, tag_counts = ner_columns(prepared, ids)
        report.add_tags(tag_counts)
        relations, relation_counts = relation_columns(prepared, ids)
        report.add_relations(relation_counts)
        documents_row = document_columns(document, version, ids)
        for config, columns in (
            ("documents", documents_row),
            ("ner", ner),
            ("relations", relations),
        ):
            parts = (
                [(split, columns)]
                if by_sentence is None or config == "documents"
                else _by_sentence_split(columns, by_sentence)
            )
            for part_split, part in parts:
                key = (config, part_split)
                if key not in buffers:
                    buffers[key] = TableBuffer(config, config_features[config])
                buffers[key].extend(part)
                for table in buffers[key].full_tables(limits[config]):
                    hand_out(config, part_split, table)
    document_splits = sorted(report.splits, key=split_order)
    for config in CONFIGS:
        splits = (
            list(SPLITS)
            if report.split_rule == BY_SENTENCE and config != "documents"
            else document_splits
        )
        for split in splits:
            buffer = buffers.get((config, split))
            if buffer is not None and buffer.rows:
                hand_out(config, split, buffer.rest())
        # a split without rows has no file: `datasets` cannot load an empty one
        report.rows[config] = {
            split: written[(config, split)] for split in splits if written[(config, split)]
        }
    return report


def _prepared(
    documents: Sequence[Document], rule: str
) -> Iterator[tuple[PreparedDocument, list[str] | None]]:
    """Each document prepared, with its sentences' teaching splits under the sentence rule
    (None under the document rule). The sentence rule needs every document's sentence count
    first; it applies only to a few documents (:func:`corpus.splits.split_rule`)."""
    if rule != BY_SENTENCE:
        for document in documents:
            yield prepare(document), None
        return
    prepared = [prepare(document) for document in documents]
    yield from zip(prepared, sentence_splits([len(p.sentences) for p in prepared]), strict=True)


def _by_sentence_split(columns: Columns, splits: Sequence[str]) -> list[tuple[str, Columns]]:
    """A config's rows of one document grouped by the teaching split of their sentence
    (``splits[sentence index]``), in row order within each split."""
    rows: dict[str, list[int]] = {}
    for row, sentence in enumerate(columns["sentence"]):
        rows.setdefault(splits[sentence], []).append(row)
    return [
        (split, {name: [values[i] for i in indices] for name, values in columns.items()})
        for split, indices in rows.items()
    ]


def build_rows(
    documents: Sequence[Document], version: str
) -> tuple[dict[str, dict[str, list[dict[str, Any]]]], BuildReport]:
    """Rows per config and split (class labels as ids), in the build's order, and the
    report: the tables of :func:`write_tables`, as Python rows."""
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {config: {} for config in CONFIGS}

    def collect(config: str, split: str, table: Any) -> None:
        rows[config].setdefault(split, []).extend(table.to_pylist())

    report = write_tables(documents, version, collect)
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

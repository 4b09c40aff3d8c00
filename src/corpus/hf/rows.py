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

Rows are built per document (class labels as ids) as Arrow record batches of the declared
``Features`` (``relations`` array by array, not row by row), and gathered into tables in
:class:`TableBuffer`: no row is encoded one by one by ``datasets``. Each builder returns its
rows and its counts; :mod:`corpus.hf.pipeline` adds the counts up into a
:class:`BuildReport` and hands out tables of at most a given number of rows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpus.hf.features import CONFIGS, NO_RELATION, features, relation_label_names
from corpus.model import Cluster, Document, Entity, Relation, Seed
from corpus.release import WORKING
from corpus.schema import Inventory, inventory
from corpus.splits import (
    BY_DOCUMENT,
    BY_SENTENCE,
    SPLITS,
)
from corpus.tagging import (
    NESTED_RULE,
    NESTED_RULES,
    BoundaryProblem,
    PreparedDocument,
    TagCounts,
    ner_tag_names,
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
    #: coreference clusters of the documents (kept in ``documents`` only)
    clusters: int = 0
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
        self.clusters += len(document.clusters)
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

    def merge(self, other: BuildReport) -> None:
        """Add the counts and lists of ``other`` (a report of the documents after these)."""
        self.documents += other.documents
        self.clusters += other.clusters
        self.splits.update(other.splits)
        self.sentences += other.sentences
        self.sentence_joins += other.sentence_joins
        self.boundary_problems += other.boundary_problems
        for rule in NESTED_RULES:
            self.nested_dropped[rule].update(other.nested_dropped[rule])
        self.ner_mention_counts.update(other.ner_mention_counts)
        self.entity_counts.update(other.entity_counts)
        self.relation_counts.update(other.relation_counts)
        self.cross_sentence_relations += other.cross_sentence_relations
        self.unplaced_relations += other.unplaced_relations
        self.duplicate_pair_relations += other.duplicate_pair_relations
        self.nested_pairs += other.nested_pairs
        self.relation_row_counts.update(other.relation_row_counts)

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
    """TACRED-style rows: every ordered pair of distinct mentions in a sentence, as Python
    lists (:func:`relation_batch` as a column dictionary)."""
    batch, counts = relation_batch(prepared, ids, features("relations").arrow_schema)
    return batch.to_pydict(), counts


def _pair_labels(
    prepared: PreparedDocument, ids: LabelIds, counts: RelationCounts
) -> dict[tuple[str, str], Relation]:
    """The gold relation of each ordered pair of mentions placed in one sentence; the
    relations left out (unplaced, cross-sentence, on a labelled pair) go to ``counts``."""
    labels = inventory()
    document = prepared.document
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
    return pair_labels


def relation_batch(
    prepared: PreparedDocument, ids: LabelIds, schema: Any
) -> tuple[Any, RelationCounts]:
    """TACRED-style rows: every ordered pair of distinct mentions in a sentence (subject
    by subject in the mentions' reading order, then object by object), as one Arrow record
    batch of ``schema``, and the counts.

    Built array by array (numpy and Arrow ``take``), not row by row: a document of 80
    mentions has hundreds of pairs."""
    parts, counts = relation_parts(prepared, ids, schema)
    return parts.batch(), counts


@dataclass(frozen=True)
class RelationParts:
    """A document's ``relations`` rows before their ``tokens`` column is filled in: the
    other columns, each sentence's words once, and the sentence of each row. What a worker
    process sends back (the rows of a sentence repeat its words: sending them once is
    about a tenth of the bytes)."""

    schema: Any
    #: every column of ``schema`` but ``tokens``
    others: Any
    #: the words of each sentence that has rows
    words: Any
    #: for each row, its sentence's position in ``words``
    sentence_of_row: Any

    def batch(self) -> Any:
        """The rows as one record batch of the schema (``tokens``: the words of each row's
        sentence)."""
        import pyarrow as pa

        tokens = self.words.take(pa.array(self.sentence_of_row, type=pa.int64()))
        arrays = [
            tokens if name == "tokens" else self.others.column(name) for name in self.schema.names
        ]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def relation_parts(
    prepared: PreparedDocument, ids: LabelIds, schema: Any
) -> tuple[RelationParts, RelationCounts]:
    """The rows of :func:`relation_batch`, as :class:`RelationParts`, and the counts."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    document = prepared.document
    counts = RelationCounts()
    pair_labels = _pair_labels(prepared, ids, counts)
    grouped = sorted(prepared.by_sentence().items())
    mentions = [placement for _, placed in grouped for placement in placed]
    position = {placement.entity.id: index for index, placement in enumerate(mentions)}
    # the ordered pairs (subject, object) of each sentence's block of mentions
    subjects: list[Any] = []
    objects: list[Any] = []
    block_rows: list[tuple[int, int, int]] = []  # per sentence: first mention, count, first row
    offset = rows = 0
    for _, placed in grouped:
        count = len(placed)
        block_rows.append((offset, count, rows))
        subject, obj = _pairs(count)
        subjects.append(subject + offset)
        objects.append(obj + offset)
        offset += count
        rows += count * (count - 1)
    subj = np.concatenate(subjects) if subjects else np.zeros(0, dtype=np.int64)
    obj = np.concatenate(objects) if objects else np.zeros(0, dtype=np.int64)
    # the sentence (index into ``grouped``) of each pair
    block_of = np.repeat(np.arange(len(grouped)), [c * (c - 1) for _, c, _ in block_rows])

    relation = np.full(rows, ids.relation_row[NO_RELATION], dtype=np.int64)
    gold_ids: list[str | None] = [None] * rows
    block_of_mention = [
        block for block, (_, count, _) in enumerate(block_rows) for _ in range(count)
    ]
    for (head, tail), gold in pair_labels.items():
        s, o = position[head], position[tail]
        if s == o:
            continue  # a relation of a mention with itself has no pair row
        first, count, first_row = block_rows[block_of_mention[s]]
        # pairs run subject by subject, each over the other mentions of the sentence
        row = first_row + (s - first) * (count - 1) + (o - first) - (1 if o > s else 0)
        relation[row] = ids.relation_row[gold.type]
        gold_ids[row] = gold.id

    starts = np.array([m.first for m in mentions], dtype=np.int64)
    ends = np.array([m.last for m in mentions], dtype=np.int64)
    types = np.array([ids.entity[m.entity.type] for m in mentions], dtype=np.int64)
    nested = ((starts[subj] <= starts[obj]) & (ends[obj] <= ends[subj])) | (
        (starts[obj] <= starts[subj]) & (ends[subj] <= ends[obj])
    )
    counts.nested_pairs = int(nested.sum())
    names = {index: name for name, index in ids.relation_row.items()}
    values, first_rows, sizes = np.unique(relation, return_index=True, return_counts=True)
    for k in np.argsort(first_rows, kind="stable"):  # in order of first row, as row by row
        counts.rows[names[int(values[k])]] = int(sizes[k])

    entity_ids = pa.array([m.entity.id for m in mentions], type=pa.string())
    prefixes = pa.array(
        [f"{document.id}:{m.sentence}:{m.entity.id}:" for m in mentions], type=pa.string()
    )
    subj_take, obj_take = pa.array(subj, type=pa.int64()), pa.array(obj, type=pa.int64())
    sentence_numbers = np.array([index for index, _ in grouped], dtype=np.int64)
    words = pa.array(
        [prepared.sentences[index].words for index, _ in grouped], type=schema.field("tokens").type
    )
    columns = {
        "id": pc.binary_join_element_wise(prefixes.take(subj_take), entity_ids.take(obj_take), ""),
        "document_id": pa.array([document.id] * rows, type=pa.string()),
        "sentence": sentence_numbers[block_of],
        "subj_start": starts[subj],
        "subj_end": ends[subj],
        "obj_start": starts[obj],
        "obj_end": ends[obj],
        "subj_type": types[subj],
        "obj_type": types[obj],
        "relation": relation,
        "subj_id": _no_validity(entity_ids.take(subj_take)),
        "obj_id": _no_validity(entity_ids.take(obj_take)),
        "relation_id": pa.array(gold_ids, type=pa.string()),
    }
    others = pa.schema([f for f in schema if f.name != "tokens"])
    arrays = [
        column.cast(f.type)
        if isinstance(column := columns[f.name], pa.Array)
        else pa.array(column, type=f.type)
        for f in others
    ]
    batch = pa.RecordBatch.from_arrays(arrays, schema=others)
    return RelationParts(schema, batch, words, block_of), counts


#: record batches a :class:`TableBuffer` holds before it copies them into one table
COMPACT_BATCHES = 256


@lru_cache(maxsize=256)
def _pairs(count: int) -> tuple[Any, Any]:
    """The ordered pairs of ``count`` mentions, subject by subject (each index into the
    mentions of a sentence), without a mention paired with itself."""
    import numpy as np

    span = np.arange(count)
    subject, obj = np.repeat(span, count), np.tile(span, count)
    distinct = subject != obj
    return subject[distinct], obj[distinct]


def _no_validity(array: Any) -> Any:
    """``array`` (without nulls) without its all-valid validity bitmap, which ``take``
    leaves and pickling drops: the card's Arrow size must not depend on the process the
    rows were built in."""
    import pyarrow as pa

    buffers = array.buffers()
    if array.null_count or buffers[0] is None:
        return array
    return pa.Array.from_buffers(array.type, len(array), [None, *buffers[1:]], offset=array.offset)


class TableBuffer:
    """Rows of one config and split, as Arrow record batches (one per document, of the
    declared ``Features``), until they become tables (no row is encoded one by one).

    Every :data:`COMPACT_BATCHES` batches are copied into one table: a buffer that holds
    thousands of documents' rows (``documents``, ``ner``) keeps a few large blocks of
    memory rather than thousands of small ones, which the allocator cannot give back
    while short-lived rows are freed around them."""

    def __init__(self, config: str, config_features: Any) -> None:
        self.config = config
        self.features = config_features
        self.schema = config_features.arrow_schema
        self.batches: list[Any] = []
        self.pending = 0
        self.tables: list[Any] = []  # rows already compacted, in order
        self.compacted = 0

    @property
    def rows(self) -> int:
        return self.pending + self.compacted

    def extend(self, rows: Columns | Any) -> None:
        """Add rows: a record batch of the schema, or columns of Python values."""
        import pyarrow as pa

        if isinstance(rows, dict):
            rows = pa.RecordBatch.from_pydict(rows, schema=self.schema)
        if rows.num_rows:
            self.batches.append(rows)
            self.pending += rows.num_rows
        if len(self.batches) >= COMPACT_BATCHES:
            self.tables.append(self._pending_table())

    def _pending_table(self) -> Any:
        """The pending batches copied into one table of one chunk per column."""
        import pyarrow as pa

        table = pa.Table.from_batches(self.batches, schema=self.schema).combine_chunks()
        self.batches, self.pending = [], 0
        self.compacted += table.num_rows
        return table

    def _table(self) -> Any:
        """Every row held, as one table (its chunks are the batches: nothing is copied)."""
        import pyarrow as pa

        pending = pa.Table.from_batches(self.batches, schema=self.schema)
        table = pa.concat_tables([*self.tables, pending]) if self.tables else pending
        self.batches, self.pending, self.tables, self.compacted = [], 0, [], 0
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
        if table.num_rows:
            self.tables, self.compacted = [table], table.num_rows
        return tables

    def rest(self) -> Any:
        """The rows left (possibly none), as one table."""
        return self._table()


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

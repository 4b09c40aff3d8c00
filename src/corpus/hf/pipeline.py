"""Documents to tables: each document's rows built in this process or in worker processes,
gathered into Arrow tables of at most a given number of rows per config and split.

- :func:`document_rows`: one document (or one file of a verified release) to its
  :class:`DocumentRows`: Arrow record batches of every config (:mod:`corpus.hf.rows`), its
  part of the :class:`~corpus.hf.rows.BuildReport`, the digest the fingerprint covers and
  the metadata the dataset card reads.
- :func:`write_tables`: every document, in id order, to tables handed to a sink (the
  Parquet writer of :mod:`corpus.hf.folder`). From :data:`PARALLEL_MIN_DOCUMENTS` documents
  on, :func:`build_jobs` worker processes (forked, ``$CORPUS_JOBS``) build the rows a few
  chunks ahead and send them back as Arrow IPC streams; the main process only buffers and
  writes, so memory holds the row buffers, never the corpus. One process and several write
  the same bytes.
"""

from __future__ import annotations

import gc
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Location, Problem
from corpus.formats.native import dumps, from_dict, read_json
from corpus.fsutil import sha256_file
from corpus.hf.features import CONFIGS, features
from corpus.hf.rows import (
    BuildReport,
    LabelIds,
    RelationParts,
    TableBuffer,
    document_columns,
    ner_columns,
    relation_parts,
    split_order,
)
from corpus.model import Document
from corpus.splits import BY_SENTENCE, SPLITS, documents_to_split, sentence_splits, split_rule
from corpus.tagging import prepare, split_of
from corpus.tokenize import load_tokenizer
from corpus.workers import job_count, ordered_results, process_pool


@dataclass
class DocumentRows:
    """One document's rows (Arrow record batches) and its part of the report; what a
    worker process sends back (Arrow batches pickle as buffers, not row objects)."""

    id: str
    split: str
    #: the ``documents`` and ``ner`` rows
    batches: dict[str, Any]
    relations: RelationParts
    report: BuildReport
    #: sha256 of the document's native JSON (:func:`corpus.hf.folder.fingerprint`)
    digest: bytes
    #: the document without its text and annotations: what the dataset card reads
    stub: Document

    def batch(self, config: str) -> Any:
        """The rows of ``config`` as one record batch of its schema."""
        return self.relations.batch() if config == "relations" else self.batches[config]


#: what rows are built from: a document, or the file of one in a verified release
Source = Document | Path


def document_rows(
    source: Source, version: str, schemas: Mapping[str, Any], ids: LabelIds
) -> DocumentRows:
    """Every config's rows of one document (``schemas``: each config's Arrow schema)."""
    import pyarrow as pa

    if isinstance(source, Document):
        document, digest = source, document_digest(source)
    else:
        document, digest = from_dict(read_json(source)), file_digest(source)
    prepared = prepare(document)
    report = BuildReport(version=version)
    report.add_document(prepared)
    ner, tag_counts = ner_columns(prepared, ids)
    report.add_tags(tag_counts)
    relations, relation_counts = relation_parts(prepared, ids, schemas["relations"])
    report.add_relations(relation_counts)
    batches = {
        "documents": pa.RecordBatch.from_pydict(
            document_columns(document, version, ids), schema=schemas["documents"]
        ),
        "ner": pa.RecordBatch.from_pydict(ner, schema=schemas["ner"]),
    }
    return DocumentRows(
        id=document.id,
        split=split_of(document),
        batches=batches,
        relations=relations,
        report=report,
        digest=digest,
        stub=replace(document, text="", entities=(), relations=(), clusters=()),
    )


def document_digest(document: Document) -> bytes:
    """sha256 of a document's native JSON, as the fingerprint covers it."""
    return hashlib.sha256(dumps(document).encode()).digest()


def file_digest(path: Path) -> bytes:
    """sha256 of a release's document file: its bytes, verified against the manifest, are
    the document (and what :func:`document_digest` gives for a file written by the release)."""
    return bytes.fromhex(sha256_file(path))


@dataclass(frozen=True)
class _Failed:
    """A worker's problems (a CorpusError does not survive pickling)."""

    problems: list[Problem]


@dataclass(frozen=True)
class _Packed:
    """A worker's :class:`DocumentRows`, as they cross to the main process: each kind of
    record batch (``documents``, ``ner``, ``relations`` without ``tokens``, the sentences'
    words) as one Arrow IPC stream, which carries its schema once and its buffers as they
    are (three times cheaper than pickling the batches one by one)."""

    streams: dict[str, bytes]
    #: the rest of each document's rows: id, split, rows of each sentence, report, digest, stub
    rest: list[tuple[str, str, Any, BuildReport, bytes, Document]]

    @classmethod
    def pack(cls, rows: Sequence[DocumentRows]) -> _Packed:
        import pyarrow as pa

        kinds = {
            "documents": [r.batches["documents"] for r in rows],
            "ner": [r.batches["ner"] for r in rows],
            "relations": [r.relations.others for r in rows],
            "words": [pa.RecordBatch.from_arrays([r.relations.words], ["words"]) for r in rows],
        }
        streams = {}
        for kind, batches in kinds.items():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, batches[0].schema) as writer:
                for batch in batches:
                    writer.write_batch(batch)
            streams[kind] = sink.getvalue().to_pybytes()
        rest = [
            (r.id, r.split, r.relations.sentence_of_row, r.report, r.digest, r.stub) for r in rows
        ]
        return cls(streams, rest)

    def unpack(self, schema: Any) -> list[DocumentRows]:
        """The rows again (``schema``: the ``relations`` schema)."""
        import pyarrow as pa

        kinds = {kind: list(pa.ipc.open_stream(data)) for kind, data in self.streams.items()}
        return [
            DocumentRows(
                id=doc_id,
                split=split,
                batches={"documents": kinds["documents"][i], "ner": kinds["ner"][i]},
                relations=RelationParts(
                    schema, kinds["relations"][i], kinds["words"][i].column(0), sentence_of_row
                ),
                report=report,
                digest=digest,
                stub=stub,
            )
            for i, (doc_id, split, sentence_of_row, report, digest, stub) in enumerate(self.rest)
        ]


def _rows_of(
    sources: Sequence[Source], version: str, schemas: Mapping[str, Any], ids: LabelIds
) -> _Packed | _Failed:
    """What a worker does with a chunk of sources: their rows, packed."""
    try:
        return _Packed.pack([document_rows(source, version, schemas, ids) for source in sources])
    except CorpusError as error:
        return _Failed(error.problems)


#: below this many documents a build stays in one process (starting workers costs more)
PARALLEL_MIN_DOCUMENTS = 200
#: documents per task sent to a worker
CHUNK_DOCUMENTS = 16


def build_jobs(count: int) -> int:
    """How many processes build the rows of ``count`` documents
    (:func:`corpus.workers.job_count`): ``$CORPUS_JOBS`` when set (1: this process only),
    else one per core (at most 2) from :data:`PARALLEL_MIN_DOCUMENTS` documents, else 1."""
    return job_count(count, start_at=PARALLEL_MIN_DOCUMENTS, most=2)


def _all_rows(
    sources: Sequence[Source],
    version: str,
    schemas: Mapping[str, Any],
    ids: LabelIds,
    jobs: int,
) -> Iterator[DocumentRows]:
    """:func:`document_rows` of each source, in order; with ``jobs`` > 1 in that many
    worker processes, a bounded number of chunks ahead (so memory stays flat)."""
    if jobs <= 1:
        for source in sources:
            yield document_rows(source, version, schemas, ids)
        return
    pool = process_pool(jobs)
    if pool is None:  # no process semaphores here: one process
        yield from _all_rows(sources, version, schemas, ids, 1)
        return
    chunks = (
        sources[start : start + CHUNK_DOCUMENTS]
        for start in range(0, len(sources), CHUNK_DOCUMENTS)
    )
    rows_of = partial(_rows_of, version=version, schemas=schemas, ids=ids)
    for result in ordered_results(pool, rows_of, chunks, ahead=4 * jobs):
        yield from _unpack(result, schemas["relations"])


def _unpack(result: _Packed | _Failed, schema: Any) -> list[DocumentRows]:
    if isinstance(result, _Failed):
        raise CorpusError(result.problems)
    return result.unpack(schema)


#: receives each table to write: config, split, table
Sink = Callable[[str, str, Any], None]


def write_tables(
    documents: Iterable[Source],
    version: str,
    sink: Sink,
    shard_rows: Mapping[str, int] | None = None,
    *,
    each: Callable[[DocumentRows], None] | None = None,
    jobs: int | None = None,
) -> BuildReport:
    """Turn documents (or the files of a verified release's documents, named by their ids)
    into Arrow tables of at most ``shard_rows[config]`` rows per config and split, handed
    to ``sink`` in document id order. A split without rows gets no table (``datasets``
    cannot load an empty split): a split of the ``documents`` config with no ``ner``
    sentences or ``relations`` pairs, or a teaching split of too few sentences, is absent
    from that config. ``each`` sees every document's :class:`DocumentRows` in order;
    ``jobs`` processes build the rows (default :func:`build_jobs`). Returns the report."""
    ordered = sorted(documents, key=source_id)
    jobs = build_jobs(len(ordered)) if jobs is None else jobs
    config_features = {config: features(config) for config in CONFIGS}  # imports datasets
    with _frozen_heap():
        return _write_tables(ordered, version, config_features, sink, shard_rows, each, jobs)


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Load spaCy, then keep every object alive now (the libraries' modules: hundreds of
    thousands of objects) out of the garbage collector's passes until the block ends: a
    build makes millions of short-lived objects, and each full pass over the libraries
    cost more than building the rows (about 40% of a build's time). Worker processes
    forked inside the block keep them frozen (and never copy their pages to count them)."""
    load_tokenizer()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _write_tables(
    ordered: Sequence[Source],
    version: str,
    config_features: Mapping[str, Any],
    sink: Sink,
    shard_rows: Mapping[str, int] | None,
    each: Callable[[DocumentRows], None] | None,
    jobs: int,
) -> BuildReport:
    ids = LabelIds.from_schema()
    schemas = {config: config_features[config].arrow_schema for config in CONFIGS}
    limits = {config: 2**62 for config in CONFIGS} | dict(shard_rows or {})
    buffers: dict[tuple[str, str], TableBuffer] = {}
    report = BuildReport(version=version)
    written: Counter[tuple[str, str]] = Counter()

    def hand_out(config: str, split: str, table: Any) -> None:
        written[(config, split)] += table.num_rows
        sink(config, split, table)

    def add(config: str, split: str, batch: Any) -> None:
        key = (config, split)
        if key not in buffers:
            buffers[key] = TableBuffer(config, config_features[config])
        buffers[key].extend(batch)
        for table in buffers[key].full_tables(limits[config]):
            hand_out(config, split, table)

    results: Iterable[DocumentRows] = _all_rows(ordered, version, schemas, ids, jobs)
    teaching: list[list[str]] | None = None
    if len(ordered) < documents_to_split():
        # few documents: the rule may be by sentence, which needs every sentence count
        every = list(results)
        report.split_rule = split_rule([rows.split for rows in every])
        if report.split_rule == BY_SENTENCE:
            teaching = sentence_splits([rows.report.sentences for rows in every])
        results = every
    previous = ""
    for number, rows in enumerate(results):
        if rows.id < previous:
            raise CorpusError([_order_problem(ordered[number], rows.id)])
        previous = rows.id
        report.merge(rows.report)
        if each is not None:
            each(rows)
        for config in CONFIGS:
            batch = rows.batch(config)
            if teaching is None or config == "documents":
                add(config, rows.split, batch)
            else:
                for part_split, part in _by_sentence_split(batch, teaching[number]):
                    add(config, part_split, part)
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


def source_id(source: Source) -> str:
    """A source's document id: a release's files are named ``<id>.json``."""
    return source.id if isinstance(source, Document) else source.stem


def _order_problem(source: Source, found: str) -> Problem:
    name = str(source) if isinstance(source, Path) else found
    return Problem(
        name,
        found,
        Location(),
        "FILE_NAME_MISMATCH",
        f"the document id {found!r} is not the file name's, so documents cannot be built "
        "in id order",
    )


def _by_sentence_split(batch: Any, splits: Sequence[str]) -> list[tuple[str, Any]]:
    """A config's rows of one document grouped by the teaching split of their sentence
    (``splits[sentence index]``), in row order within each split."""
    rows: dict[str, list[int]] = {}
    for row, sentence in enumerate(batch.column("sentence").to_pylist()):
        rows.setdefault(splits[sentence], []).append(row)
    return [(split, batch.take(indices)) for split, indices in rows.items()]


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

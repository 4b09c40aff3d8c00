"""Hugging Face packaging: a script-free dataset folder (Parquet + dataset card).

``build(version)`` turns a release (or the working copy) into a folder that
``datasets.load_dataset(folder, config)`` reads with nothing of ours installed:

- ``documents`` (default): one row per document, lossless (converted back by
  :func:`documents_from_dataset`, equal to the release);
- ``ner``: conll2003-style rows, one per sentence: ``tokens``, ``ner_tags`` (IOB2
  ClassLabel), and each token's character offsets. Nested mentions cannot all be
  flat tags: the **outermost span wins** (a mention inside a kept one is dropped from
  the tags, never from ``documents``); the build reports how many spans that rule,
  and the alternative innermost rule, drop per label;
- ``relations``: TACRED-style rows, one per ordered pair of distinct mentions in the
  same sentence, ``relation`` = the gold relation from subject to object or
  ``no_relation``. Symmetric relation types hold in both orders. A mention and a
  mention nested in it form a pair like any other. Relations whose arguments lie in
  different sentences have no row; they are counted and kept in ``documents``.

Tokens and sentences come from :mod:`corpus.tokenize`. A mention whose start or end
falls inside a token cannot be tagged: it is reported (never moved) and left out of
``ner`` and ``relations``. Class-label names come from the schema, in schema order,
so a label appended to the schema gets a new id and never renumbers the old ones.

``datasets`` is imported only inside the functions that need it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Location, Problem
from corpus.model import Cluster, Document, Entity, Relation, Seed
from corpus.release import WORKING
from corpus.schema import Inventory, inventory
from corpus.tokenize import Sentence, Token, cut_inside, split_sentences_reporting, token_span

CONFIGS = ("documents", "ner", "relations")
DEFAULT_CONFIG = "documents"
DEFAULT_SPLIT = "train"
NO_RELATION = "no_relation"
#: bumped whenever the layout of the built folder changes
BUILD_FORMAT = 1
BUILD_INFO_FILE = "corpus-build.json"
NESTED_RULES = ("outermost", "innermost")
#: the rule applied to the ``ner`` config
NESTED_RULE = "outermost"


# --------------------------------------------------------------------------- labels


def ner_tag_names(labels: Inventory | None = None) -> list[str]:
    """``O``, then ``B-X``, ``I-X`` for each entity type in schema order."""
    labels = labels or inventory()
    names = ["O"]
    for name in labels.entity_types:
        names += [f"B-{name}", f"I-{name}"]
    return names


def relation_label_names(labels: Inventory | None = None) -> list[str]:
    """``no_relation``, then the relation types in schema order (the ``relations`` config)."""
    labels = labels or inventory()
    return [NO_RELATION, *labels.relation_types]


def features(config: str, labels: Inventory | None = None) -> Any:
    """The ``datasets.Features`` of a config."""
    from datasets import ClassLabel, Features, List, Value

    labels = labels or inventory()
    entity_type = ClassLabel(names=labels.entity_types)
    if config == "documents":
        return Features(
            {
                "id": Value("string"),
                "version": Value("string"),
                "text": Value("string"),
                "entities": List(
                    {
                        "id": Value("string"),
                        "type": entity_type,
                        "start": Value("int32"),
                        "end": Value("int32"),
                        "text": Value("string"),
                    }
                ),
                "relations": List(
                    {
                        "id": Value("string"),
                        "type": ClassLabel(names=labels.relation_types),
                        "head": Value("string"),
                        "tail": Value("string"),
                    }
                ),
                "clusters": List({"id": Value("string"), "entities": List(Value("string"))}),
                "metadata": Value("string"),
                "seed": {"path": Value("string"), "sha256": Value("string")},
            }
        )
    if config == "ner":
        return Features(
            {
                "id": Value("string"),
                "document_id": Value("string"),
                "sentence": Value("int32"),
                "tokens": List(Value("string")),
                "ner_tags": List(ClassLabel(names=ner_tag_names(labels))),
                "token_starts": List(Value("int32")),
                "token_ends": List(Value("int32")),
            }
        )
    if config == "relations":
        return Features(
            {
                "id": Value("string"),
                "document_id": Value("string"),
                "sentence": Value("int32"),
                "tokens": List(Value("string")),
                "subj_start": Value("int32"),
                "subj_end": Value("int32"),
                "obj_start": Value("int32"),
                "obj_end": Value("int32"),
                "subj_type": entity_type,
                "obj_type": entity_type,
                "relation": ClassLabel(names=relation_label_names(labels)),
                "subj_id": Value("string"),
                "obj_id": Value("string"),
                "relation_id": Value("string"),
            }
        )
    raise ValueError(f"unknown config {config!r}; expected one of {', '.join(CONFIGS)}")


def split_of(document: Document) -> str:
    return str(document.metadata.get("split") or DEFAULT_SPLIT)


# --------------------------------------------------------------------------- alignment


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
    """A mention that cannot be placed on tokens (it is left out of ``ner`` and ``relations``)."""

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


def prepare(document: Document) -> PreparedDocument:
    """Split a document into sentences (never inside a mention) and place its mentions."""
    spans = [entity.span for entity in document.entities]
    sentences, joins = split_sentences_reporting(document.text, spans)
    placements: dict[str, Placement] = {}
    problems: list[BoundaryProblem] = []
    for entity in sorted(document.entities, key=Entity.sort_key):
        placement, reason = _place(entity, sentences)
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


def _place(entity: Entity, sentences: Sequence[Sentence]) -> tuple[Placement | None, str]:
    for sentence in sentences:
        if sentence.end <= entity.start or entity.end <= sentence.start:
            continue
        found = token_span(sentence.tokens, entity.start, entity.end)
        if found is not None:
            return Placement(entity, sentence.index, *found), ""
        return None, _misalignment(sentence.tokens, entity)
    return None, "the mention covers no token"


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


def flat_mentions(placements: Iterable[Placement], rule: str = NESTED_RULE) -> list[Placement]:
    """The mentions kept as flat tags under a nesting rule, in reading order.

    ``outermost``: longer spans first; ``innermost``: shorter spans first; a mention
    overlapping one already kept is dropped. Ties go to reading order, then schema
    order of the type, then id.
    """
    order = {name: index for index, name in enumerate(inventory().entity_types)}

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
    kept: list[Placement] = []
    for candidate in sorted(placements, key=key):
        if not any(candidate.overlaps(other) for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda p: (p.first, p.last))


def iob2(length: int, mentions: Iterable[Placement]) -> list[str]:
    tags = ["O"] * length
    for mention in mentions:
        tags[mention.first] = f"B-{mention.entity.type}"
        for index in range(mention.first + 1, mention.last):
            tags[index] = f"I-{mention.entity.type}"
    return tags


# --------------------------------------------------------------------------- rows


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
    cross_sentence_relations: list[tuple[str, str, str]] = field(default_factory=list)
    unplaced_relations: list[tuple[str, str, str]] = field(default_factory=list)
    #: (document, relation id, type) of relations left out because a pair already had a label
    duplicate_pair_relations: list[tuple[str, str, str]] = field(default_factory=list)
    nested_pairs: int = 0
    entity_counts: Counter[str] = field(default_factory=Counter)
    relation_counts: Counter[str] = field(default_factory=Counter)
    ner_mention_counts: Counter[str] = field(default_factory=Counter)
    relation_row_counts: Counter[str] = field(default_factory=Counter)
    splits: Counter[str] = field(default_factory=Counter)

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


def ner_rows(prepared: PreparedDocument, report: BuildReport | None = None) -> list[dict[str, Any]]:
    """One conll2003-style row per sentence, tags by the outermost rule."""
    by_sentence = _placements_by_sentence(prepared)
    rows = []
    for sentence in prepared.sentences:
        placed = by_sentence.get(sentence.index, [])
        kept = flat_mentions(placed, NESTED_RULE)
        if report is not None:
            for rule in NESTED_RULES:
                survivors = {p.entity.id for p in flat_mentions(placed, rule)}
                report.nested_dropped[rule].update(
                    p.entity.type for p in placed if p.entity.id not in survivors
                )
            report.ner_mention_counts.update(p.entity.type for p in kept)
        rows.append(
            {
                "id": f"{prepared.document.id}:{sentence.index}",
                "document_id": prepared.document.id,
                "sentence": sentence.index,
                "tokens": sentence.words,
                "ner_tags": iob2(len(sentence.tokens), kept),
                "token_starts": [token.start for token in sentence.tokens],
                "token_ends": [token.end for token in sentence.tokens],
            }
        )
    return rows


def relation_rows(
    prepared: PreparedDocument, report: BuildReport | None = None
) -> list[dict[str, Any]]:
    """TACRED-style rows: every ordered pair of distinct mentions in a sentence."""
    labels = inventory()
    order = {name: index for index, name in enumerate(labels.relation_types)}
    document = prepared.document
    pair_labels: dict[tuple[str, str], Relation] = {}
    for relation in sorted(document.relations, key=lambda r: (order[r.type], r.id)):
        head = prepared.placements.get(relation.head)
        tail = prepared.placements.get(relation.tail)
        item = (document.id, relation.id, relation.type)
        if head is None or tail is None:
            if report is not None:
                report.unplaced_relations.append(item)
            continue
        if head.sentence != tail.sentence:
            if report is not None:
                report.cross_sentence_relations.append(item)
            continue
        pairs = [(relation.head, relation.tail)]
        if labels.relation(relation.type).symmetric:
            pairs.append((relation.tail, relation.head))
        # one label per ordered pair, as in TACRED: the first in schema order wins
        clashes = [pair for pair in pairs if pair in pair_labels]
        for pair in pairs:
            pair_labels.setdefault(pair, relation)
        if clashes and report is not None:
            report.duplicate_pair_relations.append(item)
    rows = []
    for sentence_index, placed in sorted(_placements_by_sentence(prepared).items()):
        sentence = prepared.sentences[sentence_index]
        for subj in placed:
            for obj in placed:
                if subj.entity.id == obj.entity.id:
                    continue
                gold = pair_labels.get((subj.entity.id, obj.entity.id))
                label = gold.type if gold else NO_RELATION
                if report is not None:
                    report.relation_row_counts[label] += 1
                    if subj.contains(obj) or obj.contains(subj):
                        report.nested_pairs += 1
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
    return rows


def _placements_by_sentence(prepared: PreparedDocument) -> dict[int, list[Placement]]:
    grouped: dict[int, list[Placement]] = {}
    for placement in prepared.placements.values():
        grouped.setdefault(placement.sentence, []).append(placement)
    for placed in grouped.values():
        placed.sort(key=lambda p: p.entity.sort_key())
    return grouped


def build_rows(
    documents: Sequence[Document], version: str
) -> tuple[dict[str, dict[str, list[dict[str, Any]]]], BuildReport]:
    """Rows per config and split, in a deterministic order, and the build report."""
    report = BuildReport(version=version)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {config: {} for config in CONFIGS}
    for document in sorted(documents, key=lambda d: d.id):
        split = split_of(document)
        prepared = prepare(document)
        report.documents += 1
        report.splits[split] += 1
        report.sentences += len(prepared.sentences)
        report.sentence_joins += prepared.sentence_joins
        report.boundary_problems.extend(prepared.problems)
        report.entity_counts.update(e.type for e in document.entities)
        report.relation_counts.update(r.type for r in document.relations)
        rows["documents"].setdefault(split, []).append(document_row(document, version))
        rows["ner"].setdefault(split, []).extend(ner_rows(prepared, report))
        rows["relations"].setdefault(split, []).extend(relation_rows(prepared, report))
    for config in CONFIGS:
        # every config has every split, even if a split has no rows in it
        for split in sorted(report.splits):
            rows[config].setdefault(split, [])
        rows[config] = dict(sorted(rows[config].items(), key=lambda kv: _split_order(kv[0])))
        report.rows[config] = {split: len(items) for split, items in rows[config].items()}
    return rows, report


def _split_order(split: str) -> tuple[int, str]:
    known = {"train": 0, "validation": 1, "test": 2}
    return (known.get(split, 3), split)


# --------------------------------------------------------------------------- sources


def resolve_version(version: str | None) -> str:
    """The version ``version`` names (:mod:`corpus.sources`; None: the latest release, or
    ``working`` while there is none)."""
    from corpus.sources import open_source

    return open_source(version).version


def load_documents(version: str) -> list[Document]:
    """The validated documents ``version`` names (:mod:`corpus.sources`): a release
    (checksums verified), ``working``, or a path."""
    from corpus.sources import open_source

    return open_source(version).documents()


# --------------------------------------------------------------------------- build


def fingerprint(documents: Sequence[Document], version: str) -> str:
    """What a build depends on: documents, labels, tokenizer and this code."""
    from corpus.formats.native import dumps
    from corpus.schema import LABELS_FILE, schema_dir
    from corpus.tokenize import tokenizer_description

    digest = hashlib.sha256()
    for part in (
        f"format {BUILD_FORMAT}",
        version,
        tokenizer_description(),
        (schema_dir() / LABELS_FILE).read_text(encoding="utf-8"),
        *(
            Path(__file__).with_name(name).read_text(encoding="utf-8")
            for name in ("hf.py", "card.py", "tokenize.py")
        ),
        *(dumps(d) for d in sorted(documents, key=lambda d: d.id)),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def default_output() -> Path:
    from corpus.paths import build_dir

    return build_dir() / "dataset"


def build(version: str | None = None, output: Path | None = None) -> BuildReport:
    """Build the dataset folder for a release (latest when None, ``working`` for the
    working copy). Written to a staging folder, then swapped into place."""
    version = resolve_version(version)
    return build_documents(load_documents(version), version, output)


def build_documents(
    documents: Sequence[Document], version: str, output: Path | None = None
) -> BuildReport:
    """Build the dataset folder from documents already loaded (and validated)."""
    import pyarrow.parquet as pq
    from datasets import Dataset

    from corpus.card import render_card
    from corpus.fsutil import atomic_write_text, publish_dir, staging_dir
    from corpus.paths import refuse_release_output

    target = Path(os.path.realpath(output or default_output()))  # no raise on a symlink loop
    refuse_release_output(target)
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / BUILD_INFO_FILE).is_file())
    ):
        raise CorpusError(
            [
                Problem(
                    str(target),
                    None,
                    Location(),
                    "OUTPUT_NOT_A_DATASET",
                    "the output exists and is not a dataset folder built by `corpus build`; "
                    "it is left alone (choose an empty or new folder)",
                )
            ]
        )
    rows, report = build_rows(documents, version)
    report.output = target
    staged = staging_dir(target)
    try:
        datasets: dict[str, dict[str, Any]] = {}
        for config in CONFIGS:
            config_features = features(config)
            datasets[config] = {}
            for split, items in rows[config].items():
                columns = {name: [row[name] for row in items] for name in config_features}
                dataset = Dataset.from_dict(columns, features=config_features)
                path = staged / config / f"{split}.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                # the table's schema carries the features (ClassLabel names) as metadata
                pq.write_table(dataset.data.table, path)
                datasets[config][split] = dataset
        atomic_write_text(staged / "README.md", render_card(report, documents, datasets, staged))
        info = {"fingerprint": fingerprint(documents, version), "report": report.to_json()}
        atomic_write_text(
            staged / BUILD_INFO_FILE, json.dumps(info, ensure_ascii=False, indent=2) + "\n"
        )
        _make_readable(staged)
        publish_dir(staged, target, replace=True)
    except BaseException as exc:
        from corpus.fsutil import discard_staging, staged_os_error

        discard_staging(staged)
        if isinstance(exc, OSError):  # name the output, never the hidden staging folder
            raise staged_os_error(exc, staged, target) from None
        raise
    return report


def _make_readable(folder: Path) -> None:
    """Staging folders and atomic files are created private (0700/0600); the published
    dataset gets the usual permissions under the current umask."""
    import os

    umask = os.umask(0)
    os.umask(umask)
    for path in (folder, *folder.rglob("*")):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def is_current(version: str, output: Path | None = None) -> bool:
    """Whether ``output`` holds a build of exactly this version's current content."""
    target = output or default_output()
    info_path = target / BUILD_INFO_FILE
    if not info_path.is_file():
        return False
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(info.get("fingerprint") == fingerprint(load_documents(version), version))


def load_dataset(
    config: str = DEFAULT_CONFIG, version: str | None = None, *, output: Path | None = None
) -> Any:
    """The ``DatasetDict`` of a config, building the folder first when it is missing or
    was built from other content (default folder ``build/dataset``)."""
    import datasets

    if config not in CONFIGS:
        raise ValueError(f"unknown config {config!r}; expected one of {', '.join(CONFIGS)}")
    version = resolve_version(version)
    target = output or default_output()
    if not is_current(version, target):
        build(version, target)
    return datasets.load_dataset(str(target), config)


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

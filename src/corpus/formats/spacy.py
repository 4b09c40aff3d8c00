"""spaCy training data: one ``.spacy`` DocBin per split, and a training config.

Specification: spaCy v3's binary training format, a serialized ``DocBin``
(https://spacy.io/api/data-formats#binary-training, https://spacy.io/api/docbin), read by
``python -m spacy train`` through its ``spacy.Corpus.v1`` reader; the training config
(https://spacy.io/usage/training#config) is the one spaCy's ``init config`` generates for a
blank English ``ner`` pipeline on CPU without vectors, with a short schedule.

One ``Doc`` per document, one DocBin file per split (``<split>.spacy``; the split is the
document's ``metadata.split``, ``train`` when it has none). What a ``Doc`` carries:

- tokens and sentences exactly as the Hugging Face ``ner`` config and ``export conll``
  have them (:mod:`corpus.tokenize`: spaCy's ``blank("en")`` tokenizer and rule-based
  sentencizer, a blank line ends a sentence, never a sentence end inside a mention); the
  whitespace that the ``ner`` config drops stays in the ``Doc`` as spaCy's own whitespace
  tokens, so ``doc.text`` is the document text, unchanged;
- ``doc.ents``: the flat mentions of the ``ner`` config (the outermost mention wins,
  :data:`corpus.hf.NESTED_RULE`), which is what spaCy's ``ner`` component trains on;
- ``doc.spans["sc"]`` (:data:`SPAN_KEY`, the key of spaCy's ``spancat``): every placed
  mention, nested ones included; each span's ``id_`` is the entity id;
- ``doc.spans["coref_clusters_<n>"]`` (:data:`CLUSTER_PREFIX`, the naming of spaCy's
  experimental coreference component), one span group per coreference cluster, numbered
  from 1 in the document's order; each span's ``id_`` is the entity id;
- ``doc.user_data``: ``document_id``, ``metadata`` (JSON text), ``relations`` (a list of
  ``(id, type, head entity id, tail entity id)``) and ``clusters`` (a list of
  ``(id, (entity ids...))``). spaCy has no relation annotation of its own; these survive
  the DocBin (it is written with ``store_user_data``) but ``spacy train`` ignores them.

What it loses (each counted in :class:`SpacyReport` and printed by the CLI):

- mentions whose start or end falls inside a token: no span can hold them, so they are in
  neither ``doc.ents`` nor ``doc.spans`` (relations and clusters naming them keep the id);
- nested mentions, from ``doc.ents`` only (they stay in ``doc.spans["sc"]``);
- the seed (path and checksum of the source file).

The placement of mentions on tokens and the nesting rule are the Hugging Face ``ner``
config's, imported below in one place.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from corpus.fsutil import publish_dir, staging_dir
from corpus.model import Document
from corpus.paths import refuse_output_folder

# the tagging rules shared with the `ner` config and CoNLL (moving to corpus.tagging)
from corpus.tagging import (
    NESTED_RULE,
    Placement,
    PreparedDocument,
    flat_mentions,
    prepare,
    split_of,
)

#: the span group holding every mention (the default key of spaCy's ``spancat``)
SPAN_KEY = "sc"
#: span groups ``coref_clusters_1``, ``coref_clusters_2``, ... hold the coreference clusters
CLUSTER_PREFIX = "coref_clusters_"
CONFIG_FILE = "config.cfg"
#: splits used as spaCy's dev corpus, in order of preference; else the train split is
DEV_SPLITS = ("validation", "dev", "test")
TRAIN_SPLIT = "train"
#: the training schedule written into the config: short, as the corpus is small
MAX_EPOCHS = 30
MAX_STEPS = 400
EVAL_FREQUENCY = 5


@dataclass
class SpacyReport:
    """What went into the DocBin files and what could not."""

    output: Path | None = None
    documents: int = 0
    sentences: int = 0
    tokens: int = 0
    entities: int = 0
    #: documents per split
    splits: Counter[str] = field(default_factory=Counter)
    ents: Counter[str] = field(default_factory=Counter)
    spans: int = 0
    nested_dropped: Counter[str] = field(default_factory=Counter)
    misaligned: list[str] = field(default_factory=list)
    relations: int = 0
    clusters: int = 0
    cluster_mentions: int = 0
    train_file: str = ""
    dev_file: str = ""

    @property
    def dev_is_train(self) -> bool:
        return self.dev_file == self.train_file

    def train_command(self) -> str:
        """The command that trains on the written folder."""
        folder = self.output or Path(".")
        return (
            f"python -m spacy train {folder / CONFIG_FILE} "
            f"--paths.train {folder / self.train_file} --paths.dev {folder / self.dev_file}"
        )

    def lines(self) -> list[str]:
        """The summary the CLI prints: what was written, what was lost, how to train."""
        splits = ", ".join(f"{name} {count}" for name, count in sorted(self.splits.items()))
        dropped = sum(self.nested_dropped.values())
        per_label = ", ".join(f"{k} {v}" for k, v in sorted(self.nested_dropped.items()))
        lines = [
            f"{self.documents} documents ({splits or 'none'}), {self.sentences} sentences, "
            f"{self.tokens} tokens; {sum(self.ents.values())} of {self.entities} mentions in "
            f"doc.ents, {self.spans} in doc.spans[{SPAN_KEY!r}]",
            f"  relations: {self.relations} in doc.user_data['relations'] "
            "(spacy train ignores them)",
            f"  coreference clusters: {self.clusters} span groups "
            f"{CLUSTER_PREFIX}1.. ({self.cluster_mentions} mentions)",
            "not carried:",
            f"  nested mentions left out of doc.ents by the {NESTED_RULE} rule: {dropped}"
            + (f" ({per_label})" if per_label else "")
            + f" (all are in doc.spans[{SPAN_KEY!r}])",
            f"  mentions with a boundary inside a token: {len(self.misaligned)}",
            *(f"    {item}" for item in self.misaligned),
            "  seeds",
        ]
        if self.dev_is_train:
            lines.append(
                f"caveat: there is no {'/'.join(DEV_SPLITS)} split, so the config uses "
                f"{self.train_file} as the dev set too: its scores are measured on the "
                "training data and say nothing about unseen text"
            )
        lines.append(f"train: {self.train_command()}")
        return lines


def _sentence_starts(prepared: PreparedDocument) -> set[int]:
    return {sentence.tokens[0].start for sentence in prepared.sentences}


def to_doc(prepared: PreparedDocument, nlp: Any, report: SpacyReport | None = None) -> Any:
    """The spaCy ``Doc`` of a prepared document (see the module docstring)."""
    document = prepared.document
    doc = nlp.make_doc(document.text)
    starts = _sentence_starts(prepared)
    words = [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space]
    ours = [(t.start, t.end) for s in prepared.sentences for t in s.tokens]
    if words != ours:  # the same tokenizer must give the same tokens
        raise RuntimeError(f"{document.id}: spaCy's tokens differ from the `ner` config's")
    for token in doc:
        token.is_sent_start = token.i == 0 or (not token.is_space and token.idx in starts)

    def span(placement: Placement) -> Any:
        entity = placement.entity
        made = doc.char_span(entity.start, entity.end, label=entity.type, span_id=entity.id)
        if made is None:  # placed on our tokens, so on spaCy's: cannot happen
            raise RuntimeError(f"{document.id}: {entity.id} does not align with spaCy's tokens")
        return made

    placed = sorted(prepared.placements.values(), key=lambda p: p.entity.sort_key())
    by_sentence: dict[int, list[Placement]] = {}
    for placement in placed:
        by_sentence.setdefault(placement.sentence, []).append(placement)
    kept = [p for group in by_sentence.values() for p in flat_mentions(group, NESTED_RULE)]
    kept_ids = {p.entity.id for p in kept}
    doc.ents = [span(p) for p in sorted(kept, key=lambda p: p.entity.start)]
    doc.spans[SPAN_KEY] = [span(p) for p in placed]
    for number, cluster in enumerate(document.clusters, start=1):
        members = [prepared.placements[m] for m in cluster.entities if m in prepared.placements]
        doc.spans[f"{CLUSTER_PREFIX}{number}"] = [span(p) for p in members]
    doc.user_data["document_id"] = document.id
    doc.user_data["metadata"] = json.dumps(dict(document.metadata), ensure_ascii=False)
    doc.user_data["relations"] = [(r.id, r.type, r.head, r.tail) for r in document.relations]
    doc.user_data["clusters"] = [(c.id, tuple(c.entities)) for c in document.clusters]
    if report is not None:
        report.documents += 1
        report.sentences += len(prepared.sentences)
        report.tokens += len(words)
        report.entities += len(document.entities)
        report.ents.update(p.entity.type for p in kept)
        report.spans += len(placed)
        report.nested_dropped.update(p.entity.type for p in placed if p.entity.id not in kept_ids)
        report.misaligned += [str(problem) for problem in prepared.problems]
        report.relations += len(document.relations)
        report.clusters += len(document.clusters)
        report.cluster_mentions += sum(len(c.entities) for c in document.clusters)
    return doc


@cache
def blank_pipeline() -> Any:
    """The tokenizer of :mod:`corpus.tokenize` (spaCy's ``blank("en")``)."""
    import spacy

    return spacy.blank("en")


def to_docbins(documents: Sequence[Document]) -> tuple[dict[str, Any], SpacyReport]:
    """One ``DocBin`` per split (documents in id order), and the report."""
    from spacy.tokens import DocBin

    nlp = blank_pipeline()
    report = SpacyReport()
    bins: dict[str, Any] = {}
    for document in sorted(documents, key=lambda d: d.id):
        split = split_of(document)
        report.splits[split] += 1
        docbin = bins.setdefault(split, DocBin(store_user_data=True))
        docbin.add(to_doc(prepare(document), nlp, report))
    if not bins:  # no documents: an empty train file, so the config still names real files
        bins[TRAIN_SPLIT] = DocBin(store_user_data=True)
    splits = set(bins)
    train = TRAIN_SPLIT if TRAIN_SPLIT in splits else min(splits, default=TRAIN_SPLIT)
    dev = next((name for name in DEV_SPLITS if name in splits and name != train), train)
    report.train_file, report.dev_file = f"{train}.spacy", f"{dev}.spacy"
    return bins, report


def training_config(report: SpacyReport) -> str:
    """spaCy's ``init config`` for a blank English ``ner`` pipeline (CPU, no vectors,
    efficiency), with the written files as ``paths`` and a short schedule."""
    from spacy.cli.init_config import init_config

    config = init_config(lang="en", pipeline=["ner"], optimize="efficiency", gpu=False)
    config["paths"]["train"] = report.train_file
    config["paths"]["dev"] = report.dev_file
    config["training"]["max_epochs"] = MAX_EPOCHS
    config["training"]["max_steps"] = MAX_STEPS
    config["training"]["eval_frequency"] = EVAL_FREQUENCY
    header = (
        "# Written by `corpus export spacy`: spaCy's `init config --lang en --pipeline ner`\n"
        "# (CPU, no vectors) with a short schedule. The paths are relative to the current\n"
        "# folder: run `python -m spacy train config.cfg` here, or from elsewhere\n"
        f"# python -m spacy train DIR/{CONFIG_FILE} --paths.train DIR/{report.train_file} "
        f"--paths.dev DIR/{report.dev_file}\n"
    )
    if report.dev_is_train:
        header += (
            "# Caveat: the corpus has no dev split; the train file is the dev set too, so\n"
            "# the scores spaCy prints are measured on the training data.\n"
        )
    return header + str(config.to_str())


def export(documents: Sequence[Document], output: Path, *, replace: bool = False) -> SpacyReport:
    """Write ``<split>.spacy`` files and ``config.cfg`` into the folder ``output`` in one step.

    Staged beside ``output`` and renamed into place, so a failure leaves nothing behind. An
    existing non-empty ``output`` is refused (``OUTPUT_EXISTS``) unless ``replace`` is true;
    a release never is written to (``OUTPUT_IN_RELEASE``), nor a project folder replaced.
    """
    import shutil

    refuse_output_folder(output, replace=replace)
    bins, report = to_docbins(documents)
    report.output = output
    staged = staging_dir(output)
    try:
        for split, docbin in bins.items():
            docbin.to_disk(staged / f"{split}.spacy")
        (staged / CONFIG_FILE).write_text(training_config(report), encoding="utf-8")
        if output.is_dir() and not any(output.iterdir()):
            output.rmdir()
        publish_dir(staged, output, replace=output.exists())
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return report

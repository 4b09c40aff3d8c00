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

Tokens, sentences, mention placement and tags come from :mod:`corpus.tagging`. A
mention whose start or end falls inside a token cannot be tagged: it is reported
(never moved) and left out of ``ner`` and ``relations``.

The package: :mod:`~corpus.hf.features` (configs and their ``Features``),
:mod:`~corpus.hf.rows` (rows, the build report, documents back from rows),
:mod:`~corpus.hf.pipeline` (documents to tables, in worker processes for a large corpus),
:mod:`~corpus.hf.card` (the dataset card, rendered from ``card_template.md``) and
:mod:`~corpus.hf.folder` (the folder, its fingerprint, ``load_dataset``).
``datasets`` is imported only inside the functions that need it.
"""

from __future__ import annotations

from corpus.hf.features import (
    CONFIGS,
    DEFAULT_CONFIG,
    NO_RELATION,
    features,
    relation_label_names,
)
from corpus.hf.folder import (
    BUILD_FORMAT,
    BUILD_INFO_FILE,
    build,
    build_documents,
    code_files,
    code_modules,
    default_output,
    fingerprint,
    is_current,
    load_dataset,
    load_documents,
    release_date,
    resolve_version,
)
from corpus.hf.pipeline import DocumentRows, build_jobs, build_rows, document_rows, write_tables
from corpus.hf.rows import (
    BuildReport,
    LabelIds,
    RelationCounts,
    TableBuffer,
    document_columns,
    documents_from_dataset,
    ner_columns,
    relation_columns,
)
from corpus.tagging import (
    DEFAULT_SPLIT,
    NESTED_RULE,
    NESTED_RULES,
    BoundaryProblem,
    Placement,
    PreparedDocument,
    ner_tag_names,
    prepare,
    split_of,
)

__all__ = [
    "BUILD_FORMAT",
    "BUILD_INFO_FILE",
    "CONFIGS",
    "DEFAULT_CONFIG",
    "DEFAULT_SPLIT",
    "NESTED_RULE",
    "NESTED_RULES",
    "NO_RELATION",
    "BoundaryProblem",
    "BuildReport",
    "DocumentRows",
    "LabelIds",
    "Placement",
    "PreparedDocument",
    "RelationCounts",
    "TableBuffer",
    "build",
    "build_documents",
    "build_jobs",
    "build_rows",
    "code_files",
    "code_modules",
    "default_output",
    "document_columns",
    "document_rows",
    "documents_from_dataset",
    "features",
    "fingerprint",
    "is_current",
    "load_dataset",
    "load_documents",
    "ner_columns",
    "ner_tag_names",
    "prepare",
    "relation_label_names",
    "relation_columns",
    "release_date",
    "resolve_version",
    "split_of",
    "write_tables",
]

"""corpus: a small, carefully annotated teaching corpus for information extraction.

Importing this package is cheap: ``datasets`` and other heavy libraries are imported
only by the functions that need them.

- :func:`load_release` returns our own :class:`~corpus.model.Document` objects for a release;
- :func:`load_dataset` returns the Hugging Face ``DatasetDict`` of a config;
- :func:`evaluate` scores predicted documents against gold ones.
"""

from __future__ import annotations

import importlib
from typing import Any

from corpus.model import Cluster, Document, Entity, Relation, Seed

__version__ = "0.1.0"

_LAZY = {
    "load_release": "corpus.release",
    "load_working": "corpus.release",
    "load_dataset": "corpus.hf",
    "evaluate": "corpus.evaluation",
    "inventory": "corpus.schema",
}

__all__ = ["Cluster", "Document", "Entity", "Relation", "Seed", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'corpus' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

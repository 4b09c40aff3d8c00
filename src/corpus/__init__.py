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

_LAZY = {
    "load_release": "corpus.release",
    "load_working": "corpus.release",
    "load_dataset": "corpus.hf",
    "evaluate": "corpus.evaluation",
    "inventory": "corpus.schema",
}

__all__ = ["Cluster", "Document", "Entity", "Relation", "Seed", *_LAZY]


def _package_version() -> str:
    """The version in ``pyproject.toml``, as installed (the one place it is written)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("corpus")
    except PackageNotFoundError:  # a source tree on sys.path that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return _package_version()
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'corpus' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

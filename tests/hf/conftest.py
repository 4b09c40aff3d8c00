"""Fixtures of the Hugging Face tests: the gold documents, one build of them, an isolated
``datasets`` cache, and a throwaway virtual environment holding only ``datasets``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from corpus.formats.native import from_dict, read_json
from corpus.hf import BuildReport, build
from corpus.model import Document
from corpus.release import load, resolve

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@pytest.fixture(scope="session", autouse=True)
def _isolated_hf_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep ``datasets``' cache out of the home folder, and never touch the network."""
    saved = {
        k: os.environ.get(k)
        for k in ("HF_HOME", "HF_DATASETS_CACHE", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    }
    home = tmp_path_factory.mktemp("hf-home")
    os.environ.update(
        HF_HOME=str(home),
        HF_DATASETS_CACHE=str(home / "datasets"),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
    )
    import datasets.config

    previous_cache = datasets.config.HF_DATASETS_CACHE
    datasets.config.HF_DATASETS_CACHE = home / "datasets"
    yield
    datasets.config.HF_DATASETS_CACHE = previous_cache
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def gold_version() -> str:
    """The latest release, or ``working`` before the first release exists."""
    return resolve(None)


@pytest.fixture(scope="session")
def gold(gold_version: str) -> list[Document]:
    return load(gold_version)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, gold_version: str) -> tuple[Path, BuildReport]:
    folder = tmp_path_factory.mktemp("built") / "dataset"
    return folder, build(gold_version, folder)


@pytest.fixture(scope="session")
def fixture_document() -> Document:
    return from_dict(read_json(HERE / "fixtures" / "fixture_nested.json"))


@pytest.fixture(scope="session")
def pure_python() -> Path:
    """A Python whose environment holds ``datasets`` (same version as ours) and its
    dependencies, but not ``corpus`` nor spaCy: what a user of the published folder has.

    Kept in ``build/test-envs/`` between runs (about 30 s to create with a warm pip cache).
    """
    wanted = version("datasets")
    env = ROOT / "build" / "test-envs" / f"datasets-{wanted}"
    python = env / "bin" / "python"
    stamp = env / ".complete"
    if not stamp.is_file():
        shutil.rmtree(env, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"datasets=={wanted}",
            ],
            check=True,
        )
        stamp.write_text(wanted + "\n", encoding="utf-8")
    return python

"""Helpers of the grow tests (the test folders are packages: ``tests.<area>.<module>``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from corpus.cli import main

REPO = Path(__file__).resolve().parents[2]
GOLD_ID = "000_d1ef755adda1dca7"


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path (to prove nothing changed)."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path

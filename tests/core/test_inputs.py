"""Bad input that used to escape (issue 10, cases 9 and 11): special files and files over
the size limit are one line, and a set of files is written all or none."""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import corpus
from corpus import fsutil
from corpus.errors import CorpusError
from corpus.formats import native


def run_corpus(*args: str, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-c", "from corpus.cli import entry; entry()", *args],
        env={**os.environ, "PYTHONPATH": str(Path(corpus.__file__).resolve().parents[1])},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=limit,
    )


def test_a_big_sparse_file_is_one_line_under_ulimit_v(tmp_path: Path) -> None:
    """`(ulimit -v 1500000; corpus validate big.json)` was a MemoryError traceback."""
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: 2 GiB of zeros, no disk used
    done = run_corpus("validate", str(big), memory=1_500_000 * 1024)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    problems = [line for line in done.stdout.splitlines() if ": TOO_LARGE: " in line]
    assert problems == [
        f"{big}: -: /: TOO_LARGE: {2 * 1024**3} bytes, over the limit of 64 MiB for this input"
    ]


@pytest.mark.parametrize("name", ["/dev/zero", "fifo"])
def test_validate_refuses_special_files(tmp_path: Path, name: str) -> None:
    path = Path(name) if name.startswith("/") else tmp_path / name
    if not path.exists():
        os.mkfifo(path)
    done = run_corpus("validate", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert ": NOT_A_FILE: " in done.stdout


def test_read_input_checks_before_reading(tmp_path: Path) -> None:
    from corpus.inputs import MAX_DOCUMENT_BYTES, read_input

    exact = tmp_path / "exact.json"
    exact.write_bytes(b" " * 10)
    assert read_input(exact, limit=10, name="x") == b" " * 10
    with pytest.raises(CorpusError) as caught:
        read_input(exact, limit=9, name="x")
    assert [p.code for p in caught.value.problems] == ["TOO_LARGE"]
    with pytest.raises(CorpusError) as caught:
        native.read_json(tmp_path, display="folder")
    assert str(caught.value) == "folder: -: /: UNREADABLE: cannot read the file: Is a directory"
    assert MAX_DOCUMENT_BYTES == 64 * 1024 * 1024  # docs/cli.md states this limit


# ------------------------------------------------------------------ all or none (case 11)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fail_at", [0, 6, 19])
def test_a_write_failure_after_n_files_leaves_the_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    """A full disk while staging the (fail_at + 1)th of 20 files: none is written, the old
    files keep their content, no temporary file is left, and the error names the file."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for index in range(0, 20, 2):
        (folder / f"{index:02}.json").write_text("old", encoding="utf-8")
    before = _files(folder)
    staged = 0
    real = fsutil.stage_file

    def full_disk(path: Path, data: bytes) -> Path:
        nonlocal staged
        if staged == fail_at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        staged += 1
        return real(path, data)

    monkeypatch.setattr(fsutil, "stage_file", full_disk)
    targets = [(folder / f"{index:02}.json", b"new") for index in range(20)]
    with pytest.raises(OSError) as caught:
        fsutil.write_files_atomically(targets)
    assert caught.value.filename == str(targets[fail_at][0])
    assert _files(folder) == before


@pytest.mark.parametrize("fail_at", [0, 3, 5])
def test_a_rename_failure_restores_every_replaced_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for index in range(0, 6, 2):
        (folder / f"{index}.json").write_text(f"old {index}", encoding="utf-8")
    before = _files(folder)
    renames = 0
    real = os.replace

    def failing(source: str | Path, target: str | Path) -> None:
        nonlocal renames
        if Path(source).suffix == ".tmp" and renames == fail_at:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(source))
        renames += 1 if Path(source).suffix == ".tmp" else 0
        real(source, target)

    monkeypatch.setattr(fsutil.os, "replace", failing)
    targets = [(folder / f"{index}.json", b"new") for index in range(6)]
    with pytest.raises(OSError) as caught:
        fsutil.write_files_atomically(targets)
    assert caught.value.filename == str(targets[fail_at][0])  # never the hidden temporary
    assert _files(folder) == before


def test_new_folders_are_removed_when_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(path: Path, data: bytes) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fsutil, "stage_file", full_disk)
    with pytest.raises(OSError):
        fsutil.write_files_atomically([(tmp_path / "a" / "b" / "x.json", b"x")])
    assert list(tmp_path.iterdir()) == []


def test_the_readme_import_guarantees_name_existing_tests() -> None:
    """Each guarantee of the "Imports" table (docs/guarantees.md) names tests that exist."""
    import ast
    import re

    repo = Path(__file__).resolve().parents[2]
    readme = (repo / "docs" / "guarantees.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Imports\n") :]
    section = section[: section.index("\nNot promised")]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "test" in line]
    named: list[tuple[str, str]] = []
    for row in rows[1:]:  # the header names no test
        current = ""
        found = re.findall(r"`((?:tests/[\w/]+\.py)?)::(\w+)`", row.split(" | ")[-1])
        assert found, row
        for path, name in found:
            current = path or current
            named.append((current, name))
    for path, name in named:
        tree = ast.parse((repo / path).read_text(encoding="utf-8"))
        functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in functions, f"{path}::{name}"
    assert len(named) >= 20

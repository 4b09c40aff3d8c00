"""The DuckDB query of docs/dataset.md runs as written on a build of the gold corpus, and prints
what the page says it prints (and what the Parquet files hold, read with pyarrow)."""

from __future__ import annotations

import ast
import contextlib
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from corpus.hf import BuildReport

DATASET_DOC = Path(__file__).resolve().parents[2] / "docs" / "dataset.md"
HEADING = "## Query it with DuckDB"


def readme_block(heading: str) -> str:
    """The first ```python block after ``heading`` in docs/dataset.md."""
    text = DATASET_DOC.read_text(encoding="utf-8")
    after = text[text.index(heading) :]
    found = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert found, f"no python block after {heading!r}"
    return found.group(1)


def test_the_readme_duckdb_query_runs_and_prints_what_it_says(
    built: tuple[Path, BuildReport], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = built
    code = readme_block(HEADING)
    shutil.copytree(folder, tmp_path / "build" / "dataset")
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "docs/dataset.md", "exec"), {})
    shown = ast.literal_eval(printed.getvalue().strip())
    promised = ast.literal_eval(code.rsplit("# ", 1)[1].strip())
    assert shown == promised
    rows: list[dict[str, Any]] = []
    for path in sorted((folder / "relations").glob("*.parquet")):
        rows += pq.read_table(path).to_pylist()
    expected = sorted(
        (
            document,
            sum(r["document_id"] == document for r in rows),
            sum(r["document_id"] == document and r["relation_id"] is not None for r in rows),
        )
        for document in {r["document_id"] for r in rows}
    )
    assert shown == expected

"""The benchmark's parts: its corpora are valid, and a failing command is a table cell."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from corpus.validate import check_folder
from tests.core.core_helpers import REPO


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "corpus_bench", REPO / "benchmarks" / "corpus_bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_bench"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generated_corpus_is_valid_with_distinct_ids(bench: ModuleType, tmp_path: Path) -> None:
    project = bench.make_project(tmp_path / "project", 12)
    report = check_folder(project / "annotations" / "working", root=project)
    assert report.problems == []
    assert len(set(report.ids)) == 12
    assert len(list((project / "seeds").glob("*.txt"))) == 12


def test_a_failing_command_becomes_its_error(bench: ModuleType, tmp_path: Path) -> None:
    env = dict(os.environ)
    ok = bench.measure(
        [sys.executable, "-c", "x = bytearray(64 << 20)"], cwd=tmp_path, env=env, timeout=60
    )
    assert ok.error is None and ok.peak_mib >= 64
    failed = bench.measure(
        [sys.executable, "-c", "import sys; print('one | two', file=sys.stderr); sys.exit(3)"],
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert failed.error == "exit 3: one | two"
    crashed = bench.measure([sys.executable, "-c", "1/0"], cwd=tmp_path, env=env, timeout=60)
    assert crashed.error == "exit 1: ZeroDivisionError: division by zero"
    slow = bench.measure(
        [sys.executable, "-c", "import time; time.sleep(30)"], cwd=tmp_path, env=env, timeout=0.5
    )
    assert slow.error is not None and slow.error.startswith("TIMEOUT") and slow.seconds < 20
    rows = [
        bench.Row(
            10, "corpus validate annotations/working", ok, "json.load", bench.Run(0.01, 16.0)
        ),
        bench.Row(10, "corpus build", failed, "pyarrow write", None),
    ]
    text = bench.table(rows)
    lines = text.splitlines()
    assert len(lines) == 4 and all(line.count("|") == 9 for line in lines)
    assert "exit 3: one / two" in lines[3]
    assert "x |" in lines[2]  # a ratio


def test_growth_compares_each_peak_with_its_peak_at_1000(bench: ModuleType) -> None:
    rows = [
        bench.Row(1_000, "corpus validate annotations/working", bench.Run(1.0, 40.0)),
        bench.Row(10_000, "corpus validate annotations/working", bench.Run(9.0, 50.0)),
        bench.Row(1_000, "corpus build", bench.Run(1.0, 100.0)),
        bench.Row(10_000, "corpus build", bench.Run(1.0, 0.0, "exit 1: out of memory")),
    ]
    lines = bench.growth(rows).splitlines()
    assert lines[1:] == [
        "- `corpus validate annotations/working`: 50 MiB at 10,000 documents, "
        "1.25x its peak at 1,000"
    ]
    assert bench.growth(rows[:1]) == ""


def test_pyarrow_baseline_rewrites_every_file(bench: ModuleType, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    built = tmp_path / "built" / "ner"
    built.mkdir(parents=True)
    for index in range(2):
        pq.write_table(pa.table({"id": [f"d{index}"], "n": [index]}), built / f"{index}.parquet")
    env = dict(os.environ)
    run = bench.measure_baseline(
        bench.BASELINE_PYARROW,
        str(tmp_path / "built"),
        str(tmp_path / "again"),
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert run.error is None and run.seconds > 0
    again = sorted((tmp_path / "again").rglob("*.parquet"))
    assert [p.name for p in again] == ["0.parquet", "1.parquet"]
    assert pq.read_table(again[1]).to_pylist() == [{"id": "d1", "n": 1}]

"""One worker policy for every command: ``$CORPUS_JOBS`` when set, else a command's default."""

from __future__ import annotations

import os

import pytest

from corpus import workers
from corpus.hf import pipeline
from corpus.workers import job_count, ordered_results, process_pool


def test_the_default_starts_workers_from_the_commands_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORPUS_JOBS", raising=False)
    monkeypatch.setattr(workers, "cores", lambda: 4)
    assert job_count(199, start_at=200, most=2) == 1
    assert job_count(200, start_at=200, most=2) == 2
    assert job_count(10_000, start_at=200, most=8) == 4
    monkeypatch.setattr(workers, "cores", lambda: 1)
    assert job_count(10_000, start_at=200, most=8) == 1
    monkeypatch.setattr(workers, "cores", lambda: 4)
    assert job_count(10_000, start_at=None, most=8) == 1  # no workers unless asked
    monkeypatch.setenv("CORPUS_JOBS", "3")
    assert job_count(10_000, start_at=None, most=8) == 3


def test_the_setting_wins_at_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORPUS_JOBS", "3")
    assert job_count(10, start_at=200, most=2) == 3  # asked for: below the default's size too
    assert job_count(2, start_at=200, most=2) == 2  # never more than one per item
    monkeypatch.setenv("CORPUS_JOBS", "1")
    assert job_count(10_000, start_at=200, most=2) == 1
    for setting in ("0", "many", "-2", ""):
        monkeypatch.setenv("CORPUS_JOBS", setting)
        assert job_count(10_000, start_at=200, most=2) == min(workers.cores(), 2)


def test_the_build_follows_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORPUS_JOBS", raising=False)
    assert pipeline.build_jobs(pipeline.PARALLEL_MIN_DOCUMENTS - 1) == 1
    assert pipeline.build_jobs(pipeline.PARALLEL_MIN_DOCUMENTS) == min(workers.cores(), 2)
    monkeypatch.setenv("CORPUS_JOBS", "2")
    assert pipeline.build_jobs(5) == 2


def test_a_pool_runs_work_in_other_processes() -> None:
    pool = process_pool(2)
    if pool is None:
        pytest.skip("this machine cannot start worker processes")
    with pool:
        pids = set(pool.map(_pid, range(8)))
    assert os.getpid() not in pids


def _pid(_: int) -> int:
    return os.getpid()


def test_results_come_in_the_chunks_order() -> None:
    pool = process_pool(2)
    if pool is None:
        pytest.skip("this machine cannot start worker processes")
    chunks = [list(range(start, start + 3)) for start in range(0, 60, 3)]
    assert list(ordered_results(pool, sum, chunks, ahead=2)) == [sum(c) for c in chunks]


def test_an_iteration_closed_early_shuts_the_pool_down() -> None:
    pool = process_pool(2)
    if pool is None:
        pytest.skip("this machine cannot start worker processes")
    results = ordered_results(pool, sum, ([n] for n in range(1_000)), ahead=4)
    assert next(results) == 0
    results.close()
    with pytest.raises(RuntimeError):  # shut down: no more work is taken
        pool.submit(sum, [1])

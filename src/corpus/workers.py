"""Worker processes: how many a command uses, and the pool they run in.

One policy for every command that spreads its work over processes (``validate`` and the
check of a release being made, ``build``, ``ls export``, ``ls import``):

- ``$CORPUS_JOBS`` when it is set to a positive number: that many processes (``1``: this
  process only, no pool), never more than there are items;
- else the command's default: one process per core, at most the command's cap, once the
  work reaches the size from which workers paid on the benchmark's 2-core machine
  (``make bench``); below it, one.

Workers are forked where the platform can: they start with what the parent loaded (spaCy,
the schema, the compiled validators) instead of loading it again.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: environment variable: how many processes a command uses (``1``: this one, no pool)
JOBS_ENV = "CORPUS_JOBS"


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def job_count(items: int, *, start_at: int | None, most: int) -> int:
    """How many processes share ``items`` items: ``$CORPUS_JOBS`` when it is set (at most
    one per item), else one per core (at most ``most``) from ``start_at`` items (None:
    never by default), else 1."""
    setting = os.environ.get(JOBS_ENV, "").strip()
    if setting.isdigit() and int(setting) > 0:
        return min(int(setting), max(items, 1))
    if start_at is not None and items >= start_at:
        return max(1, min(cores(), most))
    return 1


def process_pool(
    jobs: int, initializer: Callable[..., object] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor | None:
    """A pool of ``jobs`` worker processes (forked where the platform can; each runs
    ``initializer(*initargs)`` first), or None where this machine cannot start one (no
    process semaphores): the caller then does the work in this process."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    try:
        return ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=initializer, initargs=initargs
        )
    except (NotImplementedError, OSError):
        return None


def ordered_results(
    pool: ProcessPoolExecutor, function: Callable[[T], R], chunks: Iterable[T], ahead: int
) -> Iterator[R]:
    """``function(chunk)`` of each chunk, run in ``pool``'s processes and yielded in the
    chunks' order, with at most ``ahead`` chunks given out and not yet taken (so memory
    stays flat however many chunks there are). The pool is shut down when the iteration
    ends or is closed; the chunks not started then are cancelled."""
    pending: deque[Future[R]] = deque()
    with pool:
        try:
            for chunk in chunks:
                pending.append(pool.submit(function, chunk))
                if len(pending) >= ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

"""Benchmark of the Hugging Face packaging: build time and load time.

Run with ``make bench`` (or ``python benchmarks/hf_bench.py [--scale N] [--repeat R]``).
Measures, on the gold corpus (latest release, else the working copy) and on a synthetic
corpus of ``--scale`` copies of it (distinct ids, same text and annotations):

- sentence splitting and tokenization of every document;
- ``corpus build`` (rows, Parquet, card; into a temporary folder);
- ``datasets.load_dataset(folder, config)`` for each config, first load (Arrow cache
  written) and second load (cache hit), with an isolated cache;
- ``corpus.load_dataset`` on an up-to-date folder (fingerprint check + load);
- ``corpus.evaluate`` of gold against itself.

Each figure is the best of ``--repeat`` runs, in milliseconds. Nothing is written outside
a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpus.hf import PreparedDocument
    from corpus.model import Document


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best and median wall time of ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def prepare_all(documents: Sequence[Document]) -> list[PreparedDocument]:
    from corpus.hf import prepare

    return [prepare(document) for document in documents]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50, help="copies in the synthetic corpus")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="hf-bench-"))
    os.environ.update(HF_HOME=str(scratch / "hf"), HF_HUB_OFFLINE="1",
                      HF_DATASETS_OFFLINE="1")

    import datasets

    datasets.disable_progress_bars()
    from corpus.evaluation import evaluate
    from corpus.hf import CONFIGS, build_documents, load_dataset, load_documents
    from corpus.release import resolve

    version = resolve(None)
    gold = load_documents(version)
    scaled = [replace(document, id=f"{document.id}_{copy:04d}")
              for copy in range(args.scale) for document in gold]
    print(f"python {sys.version.split()[0]}, datasets {datasets.__version__}; corpus version "
          f"{version}; best / median of {args.repeat} runs, ms")
    rows: list[tuple[str, float, float]] = []
    for name, documents in ((f"gold ({len(gold)} doc)", gold),
                            (f"x{args.scale} ({len(scaled)} docs)", scaled)):
        folder = scratch / f"dataset-{len(documents)}"
        rows.append((f"{name}: tokenize + place mentions",
                     *timed(partial(prepare_all, documents), args.repeat)))
        rows.append((f"{name}: build (rows, parquet, card)",
                     *timed(partial(build_documents, documents, version, folder), args.repeat)))
        for config in CONFIGS:
            cache = scratch / f"cache-{len(documents)}-{config}"
            first = time.perf_counter()
            datasets.load_dataset(str(folder), config, cache_dir=str(cache))
            first_ms = (time.perf_counter() - first) * 1000
            rows.append((f"{name}: load_dataset {config}, first (writes cache)", first_ms,
                         first_ms))
            rows.append((f"{name}: load_dataset {config}, cached",
                         *timed(partial(datasets.load_dataset, str(folder), config,
                                        cache_dir=str(cache)), args.repeat)))
        rows.append((f"{name}: evaluate gold vs gold",
                     *timed(partial(evaluate, documents, documents), args.repeat)))
    current = scratch / "current"
    load_dataset("ner", version, output=current)
    rows.append(("gold: corpus.load_dataset('ner'), folder up to date",
                 *timed(lambda: load_dataset("ner", version, output=current), args.repeat)))
    width = max(len(label) for label, _, _ in rows)
    for label, best, median in rows:
        print(f"{label:<{width}}  {best:9.1f}  {median:9.1f}")
    import shutil

    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

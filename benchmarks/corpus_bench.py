"""Benchmark of the commands a growing corpus runs, each next to a baseline of the same run.

Run with ``make bench`` (or ``python benchmarks/corpus_bench.py [--sizes 1,1000,10000]
[--large] [--repeat R] [--compare-jobs]``). For each size N it builds a throw-away project
(the repo's ``schema/``, one seed file per document, and N copies of the gold document with
distinct ids in ``annotations/working``) and runs, as real subprocesses of the ``corpus``
command line (nothing of the package is imported here, so the benchmark measures whatever
the commands do today):

=====================================  ================================================
command                                baseline (same files, same run)
=====================================  ================================================
``corpus validate annotations/working``  ``json.load`` of the N document files
``corpus release 1.0.0``               ``json.load`` of the N files and a copy of each
``corpus build --version 1.0.0``       ``pyarrow``: ``Table.from_pylist`` + ``write_table``
                                       of the build's own rows, from ready Python lists
``corpus ls export --as annotations``  ``json.load`` of the release's N files and one
                                       ``json.dump`` of them as an array
``corpus ls import EXPORT.json``       ``json.load`` of the export file
=====================================  ================================================

A command's time is its wall time from start to exit (interpreter start and imports
included); a baseline's time is only its timed loop (no interpreter start), so the ratio
is what the command costs over the bare minimum. Peak memory is the maximum resident set
of the process and its children (``os.wait4``). A command that fails or times out shows
its error in the table; the benchmark goes on. ``--large`` adds 100,000 documents (about
1.6 GB of temporary files). Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VERSION = "1.0.0"
DEFAULT_SIZES = (1, 1_000, 10_000)
LARGE_SIZE = 100_000


@dataclass
class Run:
    """One measured process: wall seconds, peak resident memory (MiB), and its outcome."""

    seconds: float
    peak_mib: float
    error: str | None = None  # None when it exited 0


@dataclass
class Row:
    size: int
    command: str
    run: Run
    baseline_name: str = ""
    baseline: Run | None = None


# --------------------------------------------------------------------------- processes


def measure(argv: Sequence[str], *, cwd: Path, env: dict[str, str], timeout: float) -> Run:
    """Run ``argv``; its wall time, its peak memory (with its children) and its error."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(argv), cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        peak = usage.ru_maxrss / 1024  # KiB on Linux
        if timed_out.is_set():
            return Run(seconds, peak, f"TIMEOUT after {timeout:.0f} s")
        if process.returncode != 0:
            err.seek(0)
            out.seek(0)
            text = (err.read() or out.read()).decode("utf-8", "backslashreplace").strip()
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            traceback = bool(lines) and lines[0].startswith("Traceback")
            first = lines[-1] if traceback else "; ".join(lines[:2])
            return Run(seconds, peak, f"exit {process.returncode}: {first[:160]}")
        return Run(seconds, peak)


def measure_baseline(
    script: str, *args: str, cwd: Path, env: dict[str, str], timeout: float
) -> Run:
    """Run a baseline script that prints the seconds of its timed part on its last line."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt", delete=False) as handle:
        report = Path(handle.name)
    try:
        run = measure(
            [sys.executable, "-c", script, str(report), *args],
            cwd=cwd,
            env=env,
            timeout=timeout,
        )
        if run.error is None:
            run.seconds = float(report.read_text().strip())
        return run
    finally:
        report.unlink(missing_ok=True)


BASELINE_JSON_LOAD = """
import json, sys, time
from pathlib import Path
files = sorted(p for folder in sys.argv[2:] for p in Path(folder).glob("*.json"))
start = time.perf_counter()
for path in files:
    with open(path, encoding="utf-8") as handle:
        json.load(handle)
Path(sys.argv[1]).write_text(str(time.perf_counter() - start))
"""

BASELINE_LOAD_AND_COPY = """
import json, shutil, sys, time
from pathlib import Path
files = sorted(Path(sys.argv[2]).glob("*.json"))
target = Path(sys.argv[3])
target.mkdir(parents=True)
start = time.perf_counter()
for path in files:
    with open(path, encoding="utf-8") as handle:
        json.load(handle)
    shutil.copyfile(path, target / path.name)
Path(sys.argv[1]).write_text(str(time.perf_counter() - start))
"""

BASELINE_LOAD_AND_DUMP = """
import json, sys, time
from pathlib import Path
files = sorted(Path(sys.argv[2]).glob("*.json"))
start = time.perf_counter()
documents = []
for path in files:
    with open(path, encoding="utf-8") as handle:
        documents.append(json.load(handle))
with open(sys.argv[3], "w", encoding="utf-8") as handle:
    json.dump(documents, handle, ensure_ascii=False)
Path(sys.argv[1]).write_text(str(time.perf_counter() - start))
"""

# the build's own rows (read back from its Parquet files, untimed) written again by pyarrow,
# one file at a time (holding every file's rows as Python lists at once took 19.7 GB at
# 10,000 documents): only Table.from_pylist + write_table are timed
BASELINE_PYARROW = """
import sys, time
from pathlib import Path
import pyarrow as pa
import pyarrow.parquet as pq
built = Path(sys.argv[2])
target = Path(sys.argv[3])
total = 0.0
for path in sorted(built.rglob("*.parquet")):
    table = pq.read_table(path)
    schema, rows = table.schema, table.to_pylist()
    del table
    out = target / path.relative_to(built)
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out)
    total += time.perf_counter() - start
    del rows
Path(sys.argv[1]).write_text(str(total))
"""


# --------------------------------------------------------------------------- corpora


def gold_document() -> tuple[dict[str, Any], bytes]:
    """The repo's gold document (working copy) and the bytes of its seed file."""
    path = sorted((REPO / "annotations" / "working").glob("*.json"))[0]
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    seed = (REPO / str(document["seed"]["path"])).read_bytes()
    return document, seed


def make_project(folder: Path, size: int) -> Path:
    """A project of ``size`` copies of the gold document, each with its id and seed file."""
    document, seed = gold_document()
    shutil.copytree(REPO / "schema", folder / "schema")
    seeds = folder / "seeds"
    working = folder / "annotations" / "working"
    seeds.mkdir(parents=True)
    working.mkdir(parents=True)
    marker = "@@ID@@"
    document["id"] = marker
    document["seed"] = {"path": f"seeds/{marker}.txt", "sha256": document["seed"]["sha256"]}
    template = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    width = len(str(size))
    for index in range(size):
        name = f"bench_{index:0{width}d}"
        (seeds / f"{name}.txt").write_bytes(seed)
        (working / f"{name}.json").write_text(template.replace(marker, name), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- the run


def corpus_command() -> list[str]:
    script = Path(sys.executable).parent / "corpus"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from corpus.cli import entry; entry()"]


def bench_size(size: int, scratch: Path, args: argparse.Namespace) -> list[Row]:
    project = make_project(scratch / f"project-{size}", size)
    env = {
        # bytecode caches as an installed package has them (pip compiles on install): with
        # PYTHONDONTWRITEBYTECODE set, every command would compile the package's sources
        # again (about 0.2 s each on the benchmark machine)
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "CORPUS_ROOT": str(project),
        "HF_HOME": str(scratch / "hf"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "PYTHONUTF8": "1",
    }
    corpus = corpus_command()
    working = project / "annotations" / "working"
    release = project / "annotations" / "releases" / VERSION / "documents"
    export = project / "export.json"
    built = project / "build" / "dataset"
    out = scratch / f"baseline-{size}"

    def command(*argv: str, extra_env: dict[str, str] | None = None) -> Run:
        name = argv[1] if argv[0] == "ls" else argv[0]
        if name in args.skip:
            return Run(0.0, 0.0, "skipped (--skip)")
        runs = [
            measure(
                [*corpus, *argv],
                cwd=project,
                env={**env, **(extra_env or {})},
                timeout=args.timeout,
            )
            for _ in range(args.repeat if argv[0] == "validate" else 1)
        ]
        failed = [run for run in runs if run.error]
        if failed:
            return failed[0]
        return Run(
            statistics.median(run.seconds for run in runs), max(run.peak_mib for run in runs)
        )

    def baseline(script: str, *argv: str, of: str = "") -> Run:
        if of in args.skip:  # the baseline of a command left out is left out too
            return Run(0.0, 0.0, "skipped (--skip)")
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        return measure_baseline(script, *argv, cwd=project, env=env, timeout=args.timeout)

    rows: list[Row] = []
    load_working = baseline(BASELINE_JSON_LOAD, str(working), of="validate")
    rows.append(
        Row(
            size,
            "corpus validate annotations/working",
            command("validate", "annotations/working"),
            "json.load",
            load_working,
        )
    )
    if args.compare_jobs:
        for jobs in ("1", "2"):
            rows.append(
                Row(
                    size,
                    f"  same, CORPUS_JOBS={jobs}",
                    command("validate", "annotations/working", extra_env={"CORPUS_JOBS": jobs}),
                    "json.load",
                    load_working,
                )
            )
    rows.append(
        Row(
            size,
            f"corpus release {VERSION}",
            command("release", VERSION, "-m", "benchmark"),
            "json.load + copy",
            baseline(BASELINE_LOAD_AND_COPY, str(working), str(out / "copy"), of="release"),
        )
    )
    build_run = command("build", "--version", VERSION, "-o", str(built))
    build_baseline = (
        baseline(BASELINE_PYARROW, str(built), str(out / "parquet"))
        if build_run.error is None
        else Run(0.0, 0.0, "no build output to rewrite")
    )
    rows.append(
        Row(size, f"corpus build --version {VERSION}", build_run, "pyarrow write", build_baseline)
    )
    rows.append(
        Row(
            size,
            "corpus ls export --as annotations",
            command("ls", "export", "--version", VERSION, "--as", "annotations", "-o", str(export)),
            "json.load + json.dump",
            baseline(BASELINE_LOAD_AND_DUMP, str(release), str(out / "dump.json"), of="export"),
        )
    )
    if export.is_file():
        only = scratch / f"export-{size}"  # a folder holding just the export, for json.load
        only.mkdir()
        os.link(export, only / export.name)
        rows.append(
            Row(
                size,
                "corpus ls import EXPORT.json",
                command("ls", "import", str(export), "-o", "annotations/imported"),
                "json.load",
                baseline(BASELINE_JSON_LOAD, str(only), of="import"),
            )
        )
    else:
        rows.append(
            Row(size, "corpus ls import EXPORT.json", Run(0.0, 0.0, "no export file to import"))
        )
    if not args.keep:
        shutil.rmtree(project, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    return rows


# --------------------------------------------------------------------------- the table


def seconds(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| N | command | time (s) | baseline | baseline (s) | ratio | peak MiB | baseline MiB |",
        "| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        size = f"{row.size:,}"
        if row.run.error:
            lines.append(
                f"| {size} | `{row.command.strip()}` | {row.run.error.replace('|', '/')} "
                f"| {row.baseline_name} | | | | |"
            )
            continue
        base = row.baseline
        if base is None or base.error:
            base_text, ratio, base_mib = (base.error if base else ""), "", ""
        else:
            base_text = seconds(base.seconds)
            ratio = f"{row.run.seconds / base.seconds:.1f}x" if base.seconds > 0 else ""
            base_mib = f"{base.peak_mib:.0f}"
        lines.append(
            f"| {size} | `{row.command.strip()}` | {seconds(row.run.seconds)} "
            f"| {row.baseline_name} | {base_text} | {ratio} | {row.run.peak_mib:.0f} | {base_mib} |"
        )
    return "\n".join(lines)


def growth(rows: Sequence[Row]) -> str:
    """Peak memory of each command at each size above 1,000 documents, as a multiple of its
    peak at 1,000 (the issue's "flat in N": at most 1.5x from 1,000 to 10,000)."""
    base = {
        row.command: row.run.peak_mib for row in rows if row.size == 1_000 and not row.run.error
    }
    lines = []
    for row in rows:
        if row.size <= 1_000 or row.run.error or not base.get(row.command):
            continue
        ratio = row.run.peak_mib / base[row.command]
        lines.append(
            f"- `{row.command.strip()}`: {row.run.peak_mib:.0f} MiB at {row.size:,} documents, "
            f"{ratio:.2f}x its peak at 1,000"
        )
    return "\n".join(["peak memory against 1,000 documents:", *lines]) if lines else ""


def machine() -> str:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{platform.system()} {platform.release()}, {cores} core(s) ({cpu}), Python "
        f"{platform.python_version()}; load average {load}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated corpus sizes (default: 1,1000,10000)",
    )
    parser.add_argument("--large", action="store_true", help=f"also {LARGE_SIZE:,} documents")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of validate (median; default 3)"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per command")
    parser.add_argument(
        "--compare-jobs",
        action="store_true",
        help="also validate with CORPUS_JOBS=1 and =2 (one process against two)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="commands not to run, comma-separated: validate,release,build,export,import "
        "(build of 1,000 documents peaks above 2 GB today: mind the machine at 10,000)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    if args.large:
        sizes.append(LARGE_SIZE)

    scratch = Path(tempfile.mkdtemp(prefix="corpus-bench-"))
    print(f"machine: {machine()}", flush=True)
    rows: list[Row] = []
    try:
        for size in sizes:
            print(f"... {size:,} document(s)", file=sys.stderr, flush=True)
            rows += bench_size(size, scratch, args)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"kept: {scratch}", file=sys.stderr)
    print(table(rows))
    print(growth(rows))
    print(f"after the run: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

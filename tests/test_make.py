"""The Makefile targets a newcomer runs: what they say, what they pass on, how they stop.

Installs are never run here: every stamp a target depends on is given to make as ``-o``
("old, do not remake"), so only the target's own recipe runs.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from corpus import lsserver

ROOT = Path(__file__).resolve().parents[1]
STAMPS = (
    ".venv/.installed-run",
    ".venv/.installed-test",
    ".venv/.installed-notebooks",
    str(lsserver.stamp_path(ROOT).relative_to(ROOT)),
)
NO_INSTALL = [arg for stamp in STAMPS for arg in ("-o", stamp)]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*argv: str) -> list[str]:
    done = subprocess.run(
        ["make", "-C", str(ROOT), "--no-print-directory", "-n", *NO_INSTALL, *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_annotate_passes_port_and_data_to_ls_serve() -> None:
    from corpus.cli import build_parser

    (line,) = [line for line in dry_run("annotate", "PORT=9999", "DATA=/x") if "ls serve" in line]
    assert line.endswith(".venv/bin/corpus ls serve --port 9999 --data-dir /x")
    # and `corpus ls serve` takes them
    args = build_parser().parse_args(line.split("corpus ", 1)[1].split())
    assert (args.port, str(args.data_dir)) == (9999, "/x")
    (plain,) = [line for line in dry_run("annotate") if "ls serve" in line]
    assert plain.rstrip().endswith("corpus ls serve")


def test_slow_steps_say_so_first() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("$(STAMP_RUN):", "$(STAMP_TEST):", "$(STAMP_NOTEBOOKS):", "$(CHROMIUM):"):
        recipe = makefile.split(f"\n{target}", 1)[1].split("\n\n", 1)[0]
        first = recipe.splitlines()[1].strip()
        assert first.startswith('@echo "') and re.search(r"\((about )?[\d-]+ min\)", first), (
            target,
            first,
        )
    assert "--port" in makefile and "--data-dir" in makefile


def test_run_says_how_to_call_corpus_without_activation() -> None:
    lines = dry_run("run")
    assert lines[-1] == 'echo "more commands, without activating the environment: ' + (
        '.venv/bin/corpus --help"'
    )


def _answer(url: str, timeout: float) -> int | None:
    """The HTTP status of ``url`` once it answers, or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.5)
    return None


def _run_in_terminal(
    argv: list[str], until: bytes, check: Callable[[], None], timeout: float
) -> tuple[int, str, str]:
    """Run ``argv`` on a pseudo-terminal as a user would; once its output contains ``until``
    call ``check``, then type Ctrl-C. Returns (exit status, output before, output after)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal session of its own, as in a shell
        os.chdir(ROOT)
        os.execvp(argv[0], argv)
    before, after = b"", b""
    try:
        deadline = time.monotonic() + timeout
        while until not in before:
            assert time.monotonic() < deadline, f"no {until!r} in {timeout} s: {before!r}"
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    before += os.read(fd, 65536)
                except OSError:  # the terminal closed: the command ended early
                    raise AssertionError(f"ended before {until!r}: {before!r}") from None
        check()
        os.write(fd, b"\x03")  # Ctrl-C, typed into the terminal
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the terminal closed: every process on it has ended
                    break
                if not chunk:
                    break
                after += chunk
        _, status = os.waitpid(pid, 0)
        return (
            os.waitstatus_to_exitcode(status),
            before.decode(errors="replace"),
            after.decode(errors="replace"),
        )
    finally:
        try:
            os.killpg(pid, signal.SIGKILL)  # whatever is left, if the test failed midway
        except (ProcessLookupError, PermissionError):
            pass
        os.close(fd)


def test_notebooks_opens_jupyterlab_and_ctrl_c_stops_it_with_exit_0() -> None:
    if not (ROOT / ".venv" / "bin" / "jupyter").exists():
        pytest.skip("JupyterLab is not installed in .venv (`make test` installs it)")
    port = free_port()
    argv = ["make", "--no-print-directory", *NO_INSTALL, "notebooks", f"PORT={port}"]

    def answers() -> None:
        assert _answer(f"http://127.0.0.1:{port}/api", 60) == 200

    code, before, after = _run_in_terminal(
        argv, f"127.0.0.1:{port}/lab?token=".encode(), answers, 180
    )
    assert f"starting JupyterLab on http://127.0.0.1:{port}/lab" in before
    assert "Serving notebooks from local directory: " + str(ROOT / "notebooks") in before
    assert code == 0, after
    assert "Interrupt" not in after and "Error" not in after, after

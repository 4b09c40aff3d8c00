"""Progress bars: on stderr only when it is a terminal, never in pipes or when quiet."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from corpus import progress as progress_module
from corpus.progress import progress, set_quiet


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Terminal]]:
    """A function that makes stderr a terminal (call it in the test: pytest's capture sets
    sys.stderr again after fixtures), with a bar that appears at once instead of after 2 s."""
    monkeypatch.setattr(progress_module, "DELAY_SECONDS", 0.0)

    def make() -> Terminal:
        stream = Terminal()
        monkeypatch.setattr(sys, "stderr", stream)
        return stream

    yield make
    set_quiet(False)


def test_a_terminal_sees_a_bar(terminal: Callable[[], Terminal]) -> None:
    stream = terminal()
    assert list(progress(range(5), total=5, desc="validate x")) == [0, 1, 2, 3, 4]
    shown = stream.getvalue()
    assert "validate x" in shown and "/5 [" in shown


def test_quiet_argument_and_quiet_process_show_nothing(terminal: Callable[[], Terminal]) -> None:
    stream = terminal()
    assert list(progress(range(3), total=3, quiet=True)) == [0, 1, 2]
    set_quiet()
    assert list(progress(range(3), total=3)) == [0, 1, 2]
    assert stream.getvalue() == ""


def test_short_work_shows_nothing_before_the_delay(
    terminal: Callable[[], Terminal], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = terminal()
    monkeypatch.setattr(progress_module, "DELAY_SECONDS", 60.0)
    assert list(progress(range(3), total=3)) == [0, 1, 2]
    assert stream.getvalue() == ""


def test_a_pipe_sees_no_bar(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(progress(iter("abc"), total=3)) == ["a", "b", "c"]
    assert capsys.readouterr().err == ""


def test_validate_quiet_in_a_pipe(project: Path) -> None:
    """The command in a real pipe: its stderr stays empty, with and without --quiet."""
    for extra in ([], ["--quiet"]):
        done = subprocess.run(
            [str(Path(sys.executable).parent / "corpus"), "validate", *extra],
            capture_output=True,
            text=True,
            env={**os.environ, "CORPUS_ROOT": str(project)},
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stderr == ""
        assert done.stdout.startswith("ok annotations/working")

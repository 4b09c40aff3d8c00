"""What `corpus ls serve` keeps between starts, and how it picks a port (no server needed)."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from corpus import lsserver


def test_state_file_is_private_from_its_first_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Created 0600 (os.open), not written with the usual mode and chmod-ed afterwards: the
    file is private at every moment, whatever the umask."""
    modes: list[int] = []
    real_replace = os.replace

    def watching_replace(source: str | Path, target: str | Path) -> None:
        modes.append(stat.S_IMODE(os.stat(source).st_mode))  # the file before it is in place
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", watching_replace)
    old = os.umask(0)
    try:
        lsserver.write_state(tmp_path / "data", {"username": "u", "password": "p", "project": 3})
    finally:
        os.umask(old)
    path = tmp_path / "data" / lsserver.STATE_FILE
    assert modes == [0o600]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [lsserver.STATE_FILE]  # no temporary left
    assert lsserver.read_state(tmp_path / "data") == {
        "username": "u",
        "password": "p",
        "project": 3,
    }


def test_a_state_without_a_login_is_no_state(tmp_path: Path) -> None:
    assert lsserver.read_state(tmp_path) is None
    (tmp_path / lsserver.STATE_FILE).write_text('{"project": 1}', encoding="utf-8")
    assert lsserver.read_state(tmp_path) is None
    (tmp_path / lsserver.STATE_FILE).write_text("{", encoding="utf-8")
    assert lsserver.read_state(tmp_path) is None


def test_serve_port_prefers_the_asked_then_the_default_if_free() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not lsserver.port_free(port)
        assert lsserver.serve_port(None, preferred=port) is None  # any free port
        assert lsserver.serve_port(4321, preferred=port) == 4321
    assert lsserver.port_free(port)
    assert lsserver.serve_port(None, preferred=port) == port

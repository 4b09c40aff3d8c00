"""Fixtures of the Label Studio tests.

``ls_server`` starts ONE real Label Studio (from ``.venv-ls``, installed by ``make test``)
per test session on 127.0.0.1, with a fresh data folder in a temporary directory and a
known token, and stops it with SIGTERM at the end. If ``.venv-ls`` is missing the server
tests are skipped locally with the reason, but FAIL when ``CI`` is set; a server that
does not start always fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus import lsserver
from tests.labelstudio.ls_helpers import REPO, LiveServer, make_project, server_required


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not lsserver.is_installed(REPO):
        reason = (
            f"Label Studio is not installed in {lsserver.venv_dir(REPO)} "
            "(`make test` or `corpus ls install` installs it)"
        )
        if server_required(dict(os.environ)):
            pytest.fail(reason + "; CI must run the real-server tests")
        pytest.skip(reason)
    data_dir = tmp_path_factory.mktemp("ls-data")
    token = lsserver.new_token()
    login = lsserver.Login("tester@example.com", "test-password-123")
    try:
        server = lsserver.start(lsserver.executable(REPO), data_dir, login, token=token)
    except Exception as exc:  # a broken integration must fail, never skip
        pytest.fail(f"Label Studio did not start: {exc}")
    try:
        yield LiveServer(server.url, token, lsserver.Client(server.url, token))
    finally:
        server.stop()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away project root (CORPUS_ROOT) with the gold as release 1.0.0 and working copy."""
    root = make_project(tmp_path / "project")
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    monkeypatch.chdir(tmp_path)
    return root

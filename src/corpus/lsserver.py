"""Running Label Studio and talking to it: install, start/stop, and SDK calls.

The server lives in its own virtual environment (``.venv-ls/``, so that its pins do
not constrain the package's) and is started headless on 127.0.0.1 with a local data
folder. The format conversion itself is pure and lives in
:mod:`corpus.formats.labelstudio`.

Token policy: the API token is read from ``LABEL_STUDIO_API_KEY`` by ``push``/``pull``
and is never printed or written by us. ``serve`` on a *fresh* data folder generates a
one-time token, hands it to the server process (which stores it in its own database,
as any Label Studio user token is) and keeps it in memory only to create the project;
it prints the browser login (user and password) instead. The user copies the token
from the UI (Account & Settings) when they want ``push``/``pull``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from corpus.errors import CorpusError, Location, Problem, problem_error
from corpus.formats.labelstudio import task_document_ids

LABEL_STUDIO_VERSION = "1.23.2"
VENV_NAME = ".venv-ls"
DATA_DIR_NAME = ".ls-data"
TOKEN_ENV = "LABEL_STUDIO_API_KEY"
URL_ENV = "LABEL_STUDIO_URL"
DEFAULT_PORT = 8080
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"
#: the browser login of ``corpus ls serve``
SERVE_USER = "annotator@example.com"
#: Label Studio's database in its data folder: present once the server has run there
DATABASE_FILE = "label_studio.sqlite3"
#: what ``corpus ls serve`` keeps in the data folder: the login and the project id
STATE_FILE = "corpus-serve.json"
#: generic variable names Label Studio would also read (unprefixed) and must not see
_LEAKY_ENV = ("USERNAME", "PASSWORD", "PORT", "HOST", "DATABASE_NAME")
_STARTED = re.compile(r"Starting development server at (http://[^/\s]+)/")


# --------------------------------------------------------------------------- install


def venv_dir(root: Path) -> Path:
    return root / VENV_NAME


def stamp_path(root: Path) -> Path:
    return venv_dir(root) / f".installed-label-studio-{LABEL_STUDIO_VERSION}"


def executable(root: Path) -> Path:
    return venv_dir(root) / "bin" / "label-studio"


def is_installed(root: Path) -> bool:
    return stamp_path(root).is_file() and executable(root).is_file()


def install(root: Path, *, python: str | None = None, log: IO[str] | None = None) -> Path:
    """Create ``.venv-ls`` and install Label Studio into it, once (a stamp marks success)."""
    if is_installed(root):
        return executable(root)
    out = log or sys.stderr
    venv = venv_dir(root)
    print(
        f"Installing Label Studio {LABEL_STUDIO_VERSION} into {venv} "
        "(first use only: 1-2 min, about 1 GB)...",
        file=out,
        flush=True,
    )
    commands = [
        [python or sys.executable, "-m", "venv", str(venv)],
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"label-studio=={LABEL_STUDIO_VERSION}",
        ],
    ]
    for command in commands:
        if subprocess.run(command, check=False).returncode != 0:
            raise problem_error(
                str(venv),
                "LS_INSTALL_FAILED",
                f"`{' '.join(command)}` failed (see its output above)",
            )
    stamp_path(root).write_text(LABEL_STUDIO_VERSION + "\n", encoding="utf-8")
    return executable(root)


# --------------------------------------------------------------------------- server


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_free(port: int) -> bool:
    """Whether ``port`` on 127.0.0.1 can be bound now (as the server will, SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def serve_port(asked: int | None, preferred: int = DEFAULT_PORT) -> int | None:
    """The port to start on: the one asked for, else ``preferred`` if it is free, else None
    (any free port)."""
    return asked or (preferred if port_free(preferred) else None)


def new_token() -> str:
    """A fresh API token: 40 hex characters, like Label Studio's own."""
    return secrets.token_hex(20)


@dataclass(frozen=True)
class Login:
    username: str
    password: str


def server_environment(data_dir: Path, login: Login, token: str | None) -> dict[str, str]:
    """Environment of the server process: local data dir, first user, no calls out."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV and k != TOKEN_ENV}
    env.update(
        HOME=str(data_dir),
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_USERNAME=login.username,
        LABEL_STUDIO_PASSWORD=login.password,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
        PYTHONUNBUFFERED="1",
    )
    if token is not None:
        env["LABEL_STUDIO_USER_TOKEN"] = token
    else:
        env.pop("LABEL_STUDIO_USER_TOKEN", None)
    return env


@dataclass
class Server:
    """A running Label Studio process started by :func:`start`."""

    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    log_path: Path

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            status: int = response.status
            return status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start(
    label_studio: Path,
    data_dir: Path,
    login: Login,
    *,
    token: str | None = None,
    port: int | None = None,
    timeout: float = 180.0,
) -> Server:
    """Start ``label-studio`` on 127.0.0.1 and wait for ``/health``.

    Label Studio silently moves to the next port when the asked one is busy, so the
    address is taken from its own start-up line, then checked.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_path = data_dir / "server.log"
    offset = log_path.stat().st_size if log_path.exists() else 0
    command = [
        str(label_studio),
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command
            command,
            env=server_environment(data_dir, login, token),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=data_dir,
        )
    server = Server(process, f"http://127.0.0.1:{port}", data_dir, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise problem_error(
                str(log_path),
                "LS_START_FAILED",
                f"label-studio exited with status {process.returncode}: {server.log_tail()}",
            )
        announced = _announced_url(log_path, offset)
        if announced is not None and _healthy(announced):
            server.url = announced
            return server
        time.sleep(0.5)
    server.stop()
    raise problem_error(
        str(log_path),
        "LS_START_TIMEOUT",
        f"Label Studio did not answer on {server.url}/health within {timeout:.0f} s: "
        f"{server.log_tail()}",
    )


def _announced_url(log_path: Path, offset: int) -> str | None:
    """The address in this run's start-up line (the log may hold earlier runs)."""
    try:
        with log_path.open("rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    found = _STARTED.findall(text)
    return found[-1] if found else None


@contextmanager
def running(
    label_studio: Path,
    data_dir: Path,
    login: Login,
    *,
    token: str | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    server = start(label_studio, data_dir, login, token=token, port=port)
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- serve state


def read_state(data_dir: Path) -> dict[str, Any] | None:
    """What ``corpus ls serve`` kept in ``data_dir`` (None when it made no such file)."""
    try:
        data = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "username" in data and "password" in data else None


def write_state(data_dir: Path, state: dict[str, Any]) -> None:
    """Keep the browser login and project id (never the API token) in ``data_dir``, readable
    by the owner only from the first byte: the file is created 0600 (``os.open``) beside its
    target, written, synced and renamed over it, never opened wider."""
    path = data_dir / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(state, indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- SDK calls


def server_url(url: str | None = None) -> str:
    """The server to talk to: ``url``, else ``$LABEL_STUDIO_URL``, else the default address."""
    return url or os.environ.get(URL_ENV) or DEFAULT_URL


def token_from_env() -> str:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise CorpusError(
            [
                Problem(
                    TOKEN_ENV,
                    None,
                    Location(),
                    "LS_NO_TOKEN",
                    f"set {TOKEN_ENV} to your Label Studio access token "
                    "(Account & Settings in the UI)",
                )
            ]
        )
    return token


class Client:
    """The few SDK calls we need, with one-line errors instead of tracebacks."""

    def __init__(self, url: str, token: str) -> None:
        from label_studio_sdk import LabelStudio

        self.url = url.rstrip("/")
        sdk_class: Any = LabelStudio
        self._sdk = sdk_class(base_url=self.url, api_key=token, timeout=120)

    def _call(
        self, what: str, function: Any, *args: Any, project: int | None = None, **kwargs: Any
    ) -> Any:
        import httpx
        from label_studio_sdk.core.api_error import ApiError

        try:
            return function(*args, **kwargs)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise problem_error(
                self.url,
                "LS_UNREACHABLE",
                f"cannot reach Label Studio at {self.url} ({what}): {exc or type(exc).__name__}",
            ) from None
        except ApiError as exc:
            status = exc.status_code
            if status in (401, 403):
                raise problem_error(
                    self.url,
                    "LS_AUTH",
                    f"Label Studio refused the token ({what}: HTTP {status}); check {TOKEN_ENV}",
                ) from None
            if status == 404 and project is not None:
                raise problem_error(
                    self.url, "LS_NO_PROJECT", f"there is no project {project} on {self.url}"
                ) from None
            raise problem_error(
                self.url, "LS_API_ERROR", f"{what} failed: HTTP {status}: {_detail(exc.body)}"
            ) from None

    def check(self) -> None:
        """Reach the server and check the token."""
        self._call("who am I", self._sdk.users.whoami)

    def validate_config(self, project: int, config: str) -> None:
        self._call(
            "validate the labeling config",
            self._sdk.projects.validate_label_config,
            id=project,
            label_config=config,
            project=project,
        )

    def project_exists(self, project: int) -> bool:
        self._call("get project", self._sdk.projects.get, id=project, project=project)
        return True

    def create_project(self, title: str, config: str) -> int:
        created = self._call(
            "create the project", self._sdk.projects.create, title=title, label_config=config
        )
        return int(created.id)

    def update_config(self, project: int, config: str) -> None:
        self._call(
            "update the labeling config",
            self._sdk.projects.update,
            id=project,
            label_config=config,
            project=project,
        )

    def import_tasks(self, project: int, tasks: Sequence[dict[str, Any]]) -> list[int]:
        if not tasks:
            return []
        response = self._call(
            "import tasks",
            self._sdk.projects.import_tasks,
            id=project,
            request=list(tasks),
            return_task_ids=True,
            project=project,
        )
        return [int(t) for t in (response.task_ids or [])]

    def tasks(self, project: int) -> list[dict[str, Any]]:
        """Every task of the project as ``{"id", "data"}``, without annotations or
        predictions (the task list, page by page; cheaper than an export)."""

        def listed() -> list[dict[str, Any]]:
            pages = self._sdk.tasks.list(project=project, fields="task_only", page_size=500)
            return [{"id": task.id, "data": task.data} for task in pages]

        result: list[dict[str, Any]] = self._call("list tasks", listed, project=project)
        return result

    def document_ids(self, project: int) -> set[str]:
        """The ``data.document_id`` of every task already in the project."""

        return task_document_ids(self.tasks(project))

    def export(self, project: int) -> Any:
        """The project's full JSON export (every task), parsed."""
        chunks = self._call(
            "export",
            self._sdk.projects.exports.download_sync,
            project,
            export_type="JSON",
            download_all_tasks=True,
            project=project,
        )
        raw = b"".join(self._call("export", list, chunks, project=project))
        try:
            return json.loads(raw)
        except ValueError:
            raise problem_error(self.url, "LS_API_ERROR", "the export is not JSON") from None

    def user_emails(self) -> dict[int, str]:
        users = self._call("list users", self._sdk.users.list)
        return {int(u.id): str(u.email) for u in users if getattr(u, "email", None)}

    @property
    def sdk(self) -> Any:
        """The underlying ``label_studio_sdk.LabelStudio`` client (tests use it as a user would)."""
        return self._sdk


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        detail = body.get("validation_errors") or body.get("detail") or body
        return json.dumps(detail, ensure_ascii=False)[:300]
    return " ".join(str(body).split())[:300]  # one line, even for an HTML error page


def name_annotators(export: Any, emails: dict[int, str]) -> Any:
    """The export with each ``completed_by`` user id replaced by ``{"id", "email"}``.

    Label Studio 1.23's JSON export gives only the numeric user id; ``pull`` asks the
    server for e-mails so that documents record who annotated them.
    """
    if not isinstance(export, list):
        return export
    for task in export:
        annotations = task.get("annotations") if isinstance(task, dict) else None
        # any other shape is left for the import to report as LS_MALFORMED
        for annotation in annotations if isinstance(annotations, list) else []:
            if isinstance(annotation, dict) and isinstance(annotation.get("completed_by"), int):
                user = annotation["completed_by"]
                if user in emails:
                    annotation["completed_by"] = {"id": user, "email": emails[user]}
    return export

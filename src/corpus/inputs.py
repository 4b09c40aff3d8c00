"""Reading an input file safely: regular files only, never more than a documented size.

Every reader of the package (native documents, Label Studio exports, brat files, the
sources behind every command) reads its bytes through :func:`read_input`, so a FIFO, a
device (``/dev/zero``), a socket or a file larger than the limit is one line, never a hang
or a ``MemoryError``:

- ``NOT_A_FILE`` (exit 2): the path is a FIFO, a device or a socket. The type is checked
  on the descriptor opened with ``O_NONBLOCK``, so opening a FIFO with no writer returns at
  once instead of waiting for one;
- ``TOO_LARGE`` (exit 2): the file holds more than :data:`MAX_DOCUMENT_BYTES` (a document,
  a brat ``.txt``/``.ann``/sidecar) or :data:`MAX_EXPORT_BYTES` (a Label Studio export).
  The size is checked before anything is read, and at most ``limit + 1`` bytes are ever
  read (a file that grows meanwhile is refused too).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from corpus.errors import CorpusError, Location, Problem

MiB = 1 << 20

#: the largest document file (native JSON, a brat ``.txt``, ``.ann`` or sidecar) read
MAX_DOCUMENT_BYTES = 64 * MiB

#: the largest Label Studio JSON export read (``ls import``, ``agreement``)
MAX_EXPORT_BYTES = 256 * MiB

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class Refused(Exception):
    """An input that is not read at all: ``code`` (``NOT_A_FILE``, ``TOO_LARGE``) and why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit} bytes"


def _refuse_kind(mode: int, path: Path) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise Refused("NOT_A_FILE", f"{kind}, not a regular file: only regular files are read")


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``; :class:`Refused` for anything else or a file
    over ``limit`` bytes, ``OSError`` as the system raises it (missing, no permission, a
    folder)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # non-inheritable (PEP 446)
    try:
        info = os.fstat(fd)
        _refuse_kind(info.st_mode, path)
        if info.st_size > limit:
            raise Refused(
                "TOO_LARGE",
                f"{info.st_size} bytes, over the limit of {_size(limit)} for this input",
            )
        os.set_blocking(fd, True)
        # ask for the size the file has (+1 to see it grow), not for the limit: a read of
        # ``limit + 1`` bytes allocates that much first, 64 MiB for every small document
        want = min(info.st_size, limit) + 1
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(want)
            if len(data) == want:  # it grew since fstat: read on, up to the limit
                data += handle.read(limit + 1 - len(data))
    finally:
        os.close(fd)
    if len(data) > limit:
        raise Refused("TOO_LARGE", f"over the limit of {_size(limit)} for this input (it grew)")
    return data


def read_input(path: Path, *, limit: int, name: str, document: str | None = None) -> bytes:
    """:func:`read_limited`, with every failure one located :class:`CorpusError` (exit 2):
    ``NOT_FOUND``, ``UNREADABLE`` (no permission, a folder), ``NOT_A_FILE``, ``TOO_LARGE``."""
    try:
        return read_limited(path, limit)
    except Refused as refused:
        raise CorpusError(
            [Problem(name, document, Location(), refused.code, refused.message)]
        ) from None
    except FileNotFoundError:
        raise CorpusError(
            [Problem(name, document, Location(), "NOT_FOUND", "no such file")]
        ) from None
    except MemoryError:
        raise CorpusError(
            [Problem(name, document, Location(), "TOO_LARGE", "not enough memory to read it")]
        ) from None
    except OSError as exc:
        raise CorpusError(
            [
                Problem(
                    name,
                    document,
                    Location(),
                    "UNREADABLE",
                    f"cannot read the file: {exc.strerror}",
                )
            ]
        ) from None


def special_file(path: Path) -> str | None:
    """What ``path`` is when it exists and is neither a regular file nor a folder (``a FIFO
    (named pipe)``, ...), else None; never opens it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")

"""Atomic file and folder writes: a crash leaves the old state or the complete new one.

Staging folders (:func:`staging_dir`) are hidden siblings of their target,
``.<name>.<random>.tmp``, locked with :func:`fcntl.flock` by the process that writes them.
The kernel drops that lock when the process dies, so the next :func:`staging_dir` for the
same target removes the leftovers of a killed writer (it can lock them) and never the
folder of a writer still at work (it cannot). :func:`project_lock` is the same idea for a
whole operation: one holder at a time, and a killed holder never blocks the next one.

An :class:`OSError` raised here names the file the user asked for, never a hidden
temporary one: a full disk while writing ``CHANGELOG.md`` says ``CHANGELOG.md``.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def named_os_error(exc: OSError, path: Path | str) -> OSError:
    """``exc`` naming ``path`` (the file the user knows) instead of no file or a temporary
    one; ``strerror`` is kept so the reason reads the same."""
    if exc.filename2 is not None and not _is_temporary(exc.filename2):
        return exc
    if exc.filename is not None and not _is_temporary(exc.filename):
        return exc
    named = type(exc)(exc.errno or errno.EIO, exc.strerror or str(exc), os.fspath(path))
    named.__cause__ = exc
    return named


def staged_os_error(exc: OSError, staged: Path, target: Path) -> OSError:
    """``exc`` raised while writing the staging folder of ``target``, naming the file of
    ``target`` it stands for (or ``target`` itself when the error names no file)."""
    for name in (exc.filename2, exc.filename):
        if name is None:
            continue
        text = os.fsdecode(name)
        prefix = os.fspath(staged)
        if text == prefix or text.startswith(prefix + os.sep):
            path = os.fspath(target) + text[len(prefix) :]
            named = type(exc)(exc.errno or errno.EIO, exc.strerror or str(exc), path)
            named.__cause__ = exc
            return named
        if not _is_temporary(name):
            return exc
    return named_os_error(exc, target)


def _is_temporary(name: object) -> bool:
    base = os.path.basename(os.fsdecode(name)) if isinstance(name, (str, bytes)) else ""
    return base.startswith(".") and (base.endswith(".tmp") or ".old-" in base)


def _temporary_beside(path: Path) -> tuple[int, str]:
    """A new hidden temporary file beside ``path`` (its folder made if missing), with the
    usual file mode (mkstemp makes 0600): its descriptor and name. OSErrors name ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise named_os_error(exc, path) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())
    except OSError as exc:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise named_os_error(exc, path) from None
    return fd, tmp


def stage_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new hidden temporary file beside ``path`` and fsync it; the
    caller renames it over ``path`` (:func:`commit_file`) or removes it."""
    fd, tmp = _temporary_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise named_os_error(exc, path) from None
        raise
    return Path(tmp)


def commit_file(staged: Path, path: Path) -> None:
    """Rename a file made by :func:`stage_file` over ``path`` (atomic)."""
    try:
        os.replace(staged, path)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise named_os_error(exc, path) from None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it over it."""
    commit_file(stage_file(path, data), path)


def write_staged(path: Path, data: bytes) -> None:
    """Write a new file inside a staging folder (:func:`staging_dir`) and fsync it: nobody
    sees the folder before :func:`publish_dir`, whose rename is the atomic step, so the
    file needs no temporary name of its own. An existing file is an error."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as exc:
        raise named_os_error(exc, path) from None
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@contextmanager
def atomic_text_writer(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text handle on a temporary file beside ``path``, written piece by piece (so
    the whole text is never in memory) and renamed over ``path`` when the block ends
    normally; if it raises, the temporary file is removed and ``path`` is left as it was."""
    fd, tmp = _temporary_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise named_os_error(exc, path) from None
        raise


def remove_stale_files(path: Path) -> list[Path]:
    """Remove the temporary files :func:`stage_file` left beside ``path`` (a killed writer).
    Only for callers that hold the lock of every writer of ``path`` (:func:`project_lock`)."""
    removed = []
    if path.parent.is_dir():
        for stale in path.parent.glob(f".{path.name}.*.tmp"):
            if stale.is_file():
                stale.unlink(missing_ok=True)
                removed.append(stale)
    return removed


# ---------------------------------------------------------------------------------- locks

#: staging folders this process holds locked, by path (closed when published or discarded)
_HELD: dict[str, int] = {}


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class LockBusyError(Exception):
    """Another process holds the lock (see :func:`project_lock`)."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


@contextmanager
def project_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if needed) for the block.

    Raises :class:`LockBusyError` at once when another process holds it. The lock is
    :func:`fcntl.flock`'s: the kernel releases it when its holder exits or is killed, so a
    stale lock file never blocks anyone; the file itself stays (it holds nothing)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666 & ~_umask())
    except OSError as exc:
        raise named_os_error(exc, path) from None
    try:
        if not _try_lock(fd):
            raise LockBusyError(path)
        yield
    finally:
        os.close(fd)  # releases the lock


# ------------------------------------------------------------------------- staging folders


def _staging_names(target: Path) -> list[Path]:
    if not target.parent.is_dir():
        return []
    prefix = f".{target.name}."
    return [
        p
        for p in target.parent.iterdir()
        if p.name.startswith(prefix)
        and p.is_dir()
        and not p.is_symlink()
        and (p.name.endswith(".tmp") or p.name[len(prefix) :].startswith("old-"))
    ]


def remove_stale_staging(target: Path) -> list[Path]:
    """Remove the staging (``.<name>.*.tmp``) and swapped-out (``.<name>.old-*``) folders
    of ``target`` whose writer is gone: those nobody holds locked. Returns them."""
    target = Path(os.path.abspath(target))
    removed = []
    for path in _staging_names(target):
        if os.fspath(path) in _HELD:
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue  # gone meanwhile, or not ours to open
        try:
            if _try_lock(fd):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        finally:
            os.close(fd)
    return removed


def _forget_gone() -> None:
    """Close the locks of staging folders removed by their owner (``shutil.rmtree``)."""
    for name, fd in list(_HELD.items()):
        if not os.path.exists(name):
            os.close(fd)
            del _HELD[name]


def staging_dir(target: Path) -> Path:
    """A fresh temporary folder beside ``target`` (same file system, so renames are atomic),
    locked by this process until :func:`publish_dir` or :func:`discard_staging`. Leftover
    staging folders of ``target`` from a killed process are removed first."""
    target = Path(os.path.abspath(target))  # "." has no name and would be its own parent
    target.parent.mkdir(parents=True, exist_ok=True)
    _forget_gone()
    remove_stale_staging(target)
    while True:
        staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            fd = os.open(staged, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue  # another process took it for a leftover before we locked it
        if _try_lock(fd) and _same_file(fd, staged):
            break
        os.close(fd)  # a cleaner holds it or removed it: take another name
    _HELD[os.fspath(staged)] = fd
    staged.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; give the usual folder mode
    return staged


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _release(staged: Path) -> None:
    fd = _HELD.pop(os.fspath(staged), None)
    if fd is not None:
        os.close(fd)


def discard_staging(staged: Path) -> None:
    """Remove a staging folder that will not be published, and drop its lock."""
    shutil.rmtree(staged, ignore_errors=True)
    _release(staged)


def publish_dir(staged: Path, target: Path, *, replace: bool) -> None:
    """Move a complete staged folder into place.

    With ``replace=False`` the target must not exist (a release); with ``replace=True`` an
    existing target is swapped out and removed only after the new one is in place.
    """
    target = Path(os.path.abspath(target))  # "." or "" has no name to rename it by
    if not replace:
        os.rename(staged, target)  # fails if target exists and is not empty
        _release(staged)
        return
    old: Path | None = None
    old_fd: int | None = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        old_fd = os.open(target, os.O_RDONLY | os.O_CLOEXEC)
        _try_lock(old_fd)  # a cleaner must not take the swapped-out folder for a leftover
        try:
            os.rename(target, old)
        except BaseException:
            os.close(old_fd)
            raise
    try:
        os.rename(staged, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        if old_fd is not None:
            os.close(old_fd)
        raise
    _release(staged)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    if old_fd is not None:
        os.close(old_fd)


# ------------------------------------------------------------------------- sets of files


class FileSet:
    """Files written one at a time, then put in place all or none (:meth:`commit`).

    :meth:`stage` writes each file to a fsynced temporary file beside its target
    (:func:`stage_file`; this is where a full disk fails); :meth:`commit` renames each over
    its target, an existing target being kept as a hard-linked backup until all are in
    place. If a rename fails, every target already replaced gets its previous content back
    and every new one is removed. :meth:`discard` (or a failed :meth:`commit`) removes the
    temporary files and the folders made for them. The ``OSError`` raised names the target
    that failed, never a temporary file.
    """

    def __init__(self) -> None:
        self.created: list[Path] = []
        #: (temporary file, target); the temporary file's name as a string (one per file
        #: of a large set: a Path object costs several times more memory)
        self.staged: list[tuple[str, Path]] = []

    def __len__(self) -> int:
        return len(self.staged)

    def stage(self, path: Path, data: bytes) -> None:
        # noted before stage_file, which creates them and may then fail
        self.created += [p for p in (path.parent, *path.parent.parents) if not p.exists()]
        try:
            self.staged.append((os.fspath(stage_file(path, data)), path))
        except OSError as exc:
            raise named_os_error(exc, path) from None

    def discard(self) -> None:
        for tmp, _ in self.staged:
            Path(tmp).unlink(missing_ok=True)
        self.staged = []
        _remove_folders(self.created)
        self.created = []

    def commit(self) -> None:
        done: list[tuple[Path, Path | None]] = []
        try:
            for index, (tmp, target) in enumerate(self.staged):
                backup: Path | None = None
                try:
                    if target.exists():
                        backup = target.with_name(f".{target.name}.{os.getpid()}.{index}.bak")
                        try:
                            os.link(target, backup)  # no copy: the old file's own blocks
                        except OSError:
                            shutil.copy2(target, backup)  # a file system without hard links
                    done.append((target, backup))
                    os.replace(tmp, target)
                except OSError as exc:
                    raise named_os_error(exc, target) from None
        except BaseException:
            for target, backup in reversed(done):
                if backup is not None:
                    os.replace(backup, target)
                    # a no-op when the target was never replaced (two links to one file)
                    backup.unlink(missing_ok=True)
                else:
                    target.unlink(missing_ok=True)
            self.discard()
            raise
        for _, backup in done:
            if backup is not None:
                backup.unlink(missing_ok=True)
        for folder in {target.parent for _, target in self.staged}:
            _fsync_dir(folder)
        self.staged = []
        self.created = []


def write_files_atomically(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file or none of them (a :class:`FileSet` staged and committed).

    All files are first written to fsynced temporary files beside their targets
    (:func:`stage_file`; this is where a full disk fails: then the temporaries are removed
    and nothing has changed); then each is renamed over its target, an existing target
    being kept as a hard-linked backup until all are in place. If a rename fails, every
    target already replaced gets its previous content back and every new one is removed.
    The ``OSError`` raised names the target that failed, never a temporary file. Folders
    created for new files are removed again on failure.
    """
    files_set = FileSet()
    try:
        for path, data in files:
            files_set.stage(path, data)
    except BaseException:
        files_set.discard()
        raise
    files_set.commit()


def _remove_folders(folders: list[Path]) -> None:
    """Remove the folders a failed write created (empty ones only, deepest first)."""
    for folder in sorted(set(folders), key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

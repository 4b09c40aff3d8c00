"""Atomic file and folder writes: a crash leaves the old state or the complete new one."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def staging_dir(target: Path) -> Path:
    """A fresh temporary folder beside ``target`` (same file system, so renames are atomic)."""
    target = Path(os.path.abspath(target))  # "." has no name and would be its own parent
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    staged.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; give the usual folder mode
    return staged


def publish_dir(staged: Path, target: Path, *, replace: bool) -> None:
    """Move a complete staged folder into place.

    With ``replace=False`` the target must not exist (a release); with ``replace=True`` an
    existing target is swapped out and removed only after the new one is in place.
    """
    target = Path(os.path.abspath(target))  # "." or "" has no name to rename it by
    if not replace:
        os.rename(staged, target)  # fails if target exists and is not empty
        return
    old: Path | None = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
    try:
        os.rename(staged, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _stage_file(path: Path, data: bytes) -> Path:
    """``data`` in a fsynced temporary file beside ``path`` (removed again on failure)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _named(exc: OSError, path: Path) -> OSError:
    """``exc`` naming ``path`` when the system did not say which file failed (a full disk
    fails a write on a descriptor, with no name)."""
    if exc.filename is None:
        exc.filename = str(path)
    elif exc.filename2 is None and Path(os.fsdecode(exc.filename)).name.startswith("."):
        exc.filename = str(path)  # a hidden temporary file means nothing to the user
    return exc


def write_files_atomically(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file or none of them.

    All files are first written to fsynced temporary files beside their targets (this is
    where a full disk fails: then the temporaries are removed and nothing has changed);
    then each is renamed over its target, an existing target being kept as a hard-linked
    backup until all are in place. If a rename fails, every target already replaced gets
    its previous content back and every new one is removed. The ``OSError`` raised names
    the target that failed, never a temporary file. Folders created for new files are
    removed again on failure.
    """
    created: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                created += reversed(missing)
                staged.append((_stage_file(path, data), path))
            except OSError as exc:
                raise _named(exc, path) from None
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        _remove_folders(created)
        raise
    done: list[tuple[Path, Path | None]] = []
    try:
        for index, (tmp, target) in enumerate(staged):
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
                raise _named(exc, target) from None
    except BaseException:
        for target, backup in reversed(done):
            if backup is not None:
                os.replace(backup, target)
                # a no-op when the target was never replaced (two links to one file)
                backup.unlink(missing_ok=True)
            else:
                target.unlink(missing_ok=True)
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        _remove_folders(created)
        raise
    for _, backup in done:
        if backup is not None:
            backup.unlink(missing_ok=True)
    for folder in {target.parent for _, target in staged}:
        _fsync_dir(folder)


def _remove_folders(folders: list[Path]) -> None:
    for folder in reversed(folders):  # deepest first
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

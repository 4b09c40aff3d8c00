"""Versioned releases: immutable, checksummed snapshots of the working copy.

``annotations/releases/<X.Y.Z>/`` holds ``manifest.json`` (see :mod:`corpus.manifest`) and
``documents/<id>.json``. :func:`create_release` is one transaction under a lock
(``annotations/.release.lock``, :func:`corpus.fsutil.project_lock`): it reads each working
file once, writes those bytes into a hidden staging folder, validates the staged copies,
writes the manifest (chained to the previous release's by sha256), stages the new index
(``annotations/releases.sha256``) and ``CHANGELOG.md`` (generated from the manifests), and
only then renames the folder into place and the two files over their old versions. A
failure before the end leaves no release; a kill between the renames leaves a published
release that the next ``corpus release`` or :func:`repair_releases` records. Loading a
release verifies every checksum and its manifest's record first.

Refusal codes of :func:`create_release`: ``VERSION_INVALID``, ``MESSAGE_EMPTY`` and
``CHANGELOG_UNREADABLE`` (exit 2), ``RELEASE_IN_PROGRESS`` (another release holds the
lock), ``VERSION_EXISTS``, ``VERSION_NOT_GREATER``, ``WORKING_COPY_INVALID`` (after the
working copy's own problems), ``EMPTY_WORKING_COPY``, ``SPLIT_UNASSIGNED`` (a document whose
``metadata.split`` is null: a release fixes every document's split),
``RELEASE_HISTORY_BROKEN`` (after the problems of an edited or removed release) and
``RELEASE_WRITE_FAILED`` naming the file the system refused (exit 1).
:func:`repair_releases` refuses with ``REPAIR_REFUSED`` what no repair may touch. Loading:
``NO_RELEASE`` and ``RELEASE_NOT_FOUND`` (exit 2). Which documents a name stands for is
decided in :mod:`corpus.sources`; the loaders here are kept for the Python API.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from corpus import __version__, manifest, sources
from corpus.diff import CorpusDiff
from corpus.diff import diff as diff_corpora
from corpus.errors import CorpusError, Location, Problem, problem_error
from corpus.formats import native
from corpus.fsutil import (
    LockBusyError,
    atomic_write_bytes,
    commit_file,
    discard_staging,
    project_lock,
    publish_dir,
    remove_stale_files,
    remove_stale_staging,
    sha256_bytes,
    sha256_file,
    stage_file,
    staging_dir,
    write_staged,
)
from corpus.manifest import Counts, parse_version
from corpus.model import Document
from corpus.paths import (
    annotations_dir,
    changelog_path,
    project_root,
    releases_dir,
    working_dir,
)
from corpus.schema import inventory, schema_version
from corpus.sources import WORKING, latest_version, list_versions
from corpus.validate import check_folder, display, release_history

CHANGELOG_HEADER = manifest.CHANGELOG_HEADER
changelog_entry = manifest.changelog_entry

#: the lock file of ``corpus release``, in ``annotations/`` (never committed)
LOCK_NAME = ".release.lock"


def load_working(root: Path | None = None) -> list[Document]:
    """The documents of the working copy (validated; CorpusError if it has problems)."""
    return sources.load(WORKING, root=root)


def release_path(version: str, root: Path | None = None) -> Path:
    return releases_dir(root) / version


def load_release(version: str | None = None, root: Path | None = None) -> list[Document]:
    """The documents of a release (the latest when ``version`` is None), after verifying
    its checksums, manifest and documents."""
    root = root or project_root()
    if version is None:
        version = latest_version(root)
        if version is None:
            raise problem_error(
                display(releases_dir(root), root),
                "NO_RELEASE",
                "there is no release yet (create one with `corpus release`)",
            )
    source = sources.open_source(version, root=root)
    if not source.is_release:
        raise problem_error(
            source.display,
            "RELEASE_NOT_FOUND",
            f"{version!r} is not a release (releases: {', '.join(list_versions(root)) or 'none'})",
        )
    return source.documents()


def load(ref: str | None, root: Path | None = None) -> list[Document]:
    """The documents ``ref`` names (see :mod:`corpus.sources`): a version, ``working``, a
    path, or None for the default (the latest release, else the working copy)."""
    return sources.load(ref, root=root)


@dataclass(frozen=True)
class VerifiedFiles:
    """The document files of a verified release, read one at a time on each iteration (so
    a consumer that does not keep them runs in flat memory, and may iterate again)."""

    files: tuple[Path, ...]

    def __len__(self) -> int:
        return len(self.files)

    def __iter__(self) -> Iterator[Document]:
        for path in self.files:
            yield native.from_dict(native.read_json(path))


def verified_files(ref: str, root: Path | None = None) -> list[Path] | None:
    """The document files of release ``ref`` when its manifest is valid, was made under
    the same MAJOR schema and label versions, its files all match their checksums and its
    record (index, chain) is sound: then they are the bytes validated when it was made,
    and need not be validated again. None when ``ref`` must be read and validated in full
    (the working copy, a path, a release that fails a check)."""
    recorded = recorded_files(ref, root)
    if recorded is None or any(sha256_file(path) != sha256 for path, sha256 in recorded):
        return None
    return [path for path, _ in recorded]


def recorded_files(ref: str, root: Path | None = None) -> list[tuple[Path, str]] | None:
    """The document files of release ``ref``, each with the sha256 its manifest records,
    when everything :func:`verified_files` checks holds but those files' checksums, which
    are left to the caller to compare with the bytes it reads (so each file is read once,
    not once to verify and again to use). None as :func:`verified_files`."""
    root = root or project_root()
    if ref not in list_versions(root):
        return None
    folder = release_path(ref, root)
    if not folder.is_dir():
        return None
    shown = display(folder, root)
    data, problems = manifest.read_manifest(folder, display=shown)
    if (
        data is None
        or problems
        or not _same_major(data.get("schema_version"), schema_version())
        or not _same_major(data.get("labels_version"), inventory().version)
    ):
        return None
    listed: dict[str, str] = data["files"]
    present = manifest.release_files(folder)
    if set(present) != set(listed):  # a file missing or not listed
        return None
    # the files native.document_files finds (``*.json``, not hidden, in documents/), taken
    # from the listing just made: globbing and sorting Paths again cost 0.2 s at 10,000
    prefix = f"{manifest.DOCUMENTS}/"
    documents = {
        name: path
        for name, path in present.items()
        if name.startswith(prefix)
        and "/" not in name[len(prefix) :]
        and native.is_document_name(name[len(prefix) :])
    }
    if not documents.keys() <= listed.keys() or any(
        name not in documents and sha256_file(path) != listed[name]
        for name, path in present.items()
    ):
        return None
    if manifest.release_record_problems(
        release_history(root), ref, show=lambda p: display(p, root)
    ):
        return None
    return [(path, listed[name]) for name, path in documents.items()]


def open_verified(ref: str, root: Path | None = None) -> sources.Source | VerifiedFiles:
    """The documents of ``ref`` as :func:`load_verified` reads them, read one at a time:
    a verified release's files (:class:`VerifiedFiles`, see :func:`verified_files`), else
    ``ref`` opened by :func:`corpus.sources.open_source`, validated as it is read (a
    CorpusError after the last document when there is a problem)."""
    files = verified_files(ref, root)
    if files is not None:
        return VerifiedFiles(tuple(files))
    return sources.open_source(ref, root=root)


def load_verified(ref: str, root: Path | None = None) -> list[Document]:
    """Like :func:`load`, but a release whose manifest is valid and whose files all match
    its checksums is read without validating its documents again: they were validated
    when the release was made, and matching checksums mean they are the same bytes.

    A release made under another MAJOR schema or label version (a MINOR version only widens
    them), or that fails a check, is
    validated in full (:func:`load_release`), so its problems are reported as usual. The
    working copy is always validated in full."""
    return list(open_verified(ref, root))


def _same_major(recorded: object, current: str) -> bool:
    """A release made under ``recorded`` is valid under ``current``: same MAJOR version
    (labels and document schema only widen in a MINOR version; see the guidelines' §7)."""
    parsed, now = parse_version(str(recorded)), parse_version(current)
    return parsed is not None and now is not None and parsed[0] == now[0] and parsed <= now


def resolve(version: str | None, root: Path | None = None) -> str:
    """The version ``version`` names (None: the latest release, else ``working``)."""
    return sources.open_source(version, root=root).version


def stats(version: str | None = None, root: Path | None = None) -> Counts:
    """Counts per label of a release (default: the latest, or the working copy if none)."""
    return manifest.count(sources.load(version, root=root))


def diff(old: str, new: str, root: Path | None = None) -> CorpusDiff:
    """What changed from ``old`` to ``new`` (versions, or ``"working"``; checksums verified)."""
    return diff_corpora(load(old, root), load(new, root), old_name=old, new_name=new)


def _today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def _refuse(where: str, code: str, message: str) -> CorpusError:
    return problem_error(where, code, message)


def lock_path(root: Path) -> Path:
    """The lock file every ``corpus release`` (and ``--repair``) holds while it runs."""
    return annotations_dir(root) / LOCK_NAME


@contextmanager
def _release_lock(root: Path) -> Iterator[None]:
    """One release at a time: ``RELEASE_IN_PROGRESS`` when another process holds the lock."""
    path = lock_path(root)
    try:
        with project_lock(path):
            yield
    except LockBusyError:
        raise _refuse(
            display(path, root),
            "RELEASE_IN_PROGRESS",
            "another `corpus release` is running in this project; try again when it is done",
        ) from None
    except OSError as exc:
        if exc.filename is not None and os.fspath(exc.filename) == os.fspath(path):
            raise _write_failed(root, exc) from None
        raise


def _write_failed(
    root: Path, exc: OSError, *, staged: Path | None = None, target: Path | None = None
) -> CorpusError:
    """``RELEASE_WRITE_FAILED`` naming the file the user knows (never a staging path)."""
    name = exc.filename2 if exc.filename2 is not None else exc.filename
    shown = os.fsdecode(name) if name is not None else None
    if shown is not None and staged is not None and target is not None:
        staged_text = os.fspath(staged)
        if shown == staged_text or shown.startswith(staged_text + os.sep):
            shown = os.fspath(target) + shown[len(staged_text) :]
    where = display(Path(shown), root) if shown else display(target or annotations_dir(root), root)
    reason = exc.strerror or str(exc)
    return _refuse(where, "RELEASE_WRITE_FAILED", f"could not write the release: {reason}")


# ------------------------------------------------------------------ the record of the releases


@dataclass
class _Record:
    """What the index and the changelog must become, and what they are now."""

    hashes: dict[str, str]
    manifests: dict[str, dict[str, Any]]
    changelog: str
    old_index: bytes | None
    notes: list[str]


def _show(root: Path) -> Callable[[Path], str]:
    return lambda path: display(path, root)


def _history_refusal(problems: list[Problem], root: Path, code: str, doing: str) -> CorpusError:
    return CorpusError(
        [
            *problems,
            Problem(
                display(releases_dir(root), root),
                None,
                Location(),
                code,
                f"{doing}: the releases' history has the problem(s) above, which no command "
                "repairs (releases are never modified); restore the files from version control",
            ),
        ]
    )


def _plan_record(root: Path, code: str, doing: str) -> _Record:
    """The index and changelog the published releases call for, refusing (``code``) when
    the history has a problem no repair may paper over (an edited or removed release)."""
    show = _show(root)
    history = manifest.read_history(releases_dir(root), show=show)
    repairable = set(manifest.trailing_unindexed(history))
    releases = releases_dir(root)
    waived = {f"{show(releases / v)}/{manifest.MANIFEST}" for v in repairable}
    fatal = [
        p
        for p in manifest.history_problems(history, show=show)
        if p.code != "INDEX_MISSING" and not (p.code == "RELEASE_NOT_INDEXED" and p.file in waived)
    ]
    for version in history.versions:
        if version not in history.manifests:
            folder = releases / version
            _, problems = manifest.read_manifest(folder, display=show(folder))
            fatal += problems
    for version in sorted(repairable, key=manifest.version_key):
        if not manifest.has_link(history.manifests.get(version)):
            fatal.append(
                Problem(
                    f"{show(releases / version)}/{manifest.MANIFEST}",
                    None,
                    Location(),
                    "RELEASE_NOT_INDEXED",
                    f"release {version} is not recorded and has no 'previous' link, so it was "
                    "not made by `corpus release`",
                )
            )
    if fatal:
        raise _history_refusal(fatal, root, code, doing)
    notes = []
    index_file = history.index_file
    old_index = index_file.read_bytes() if index_file.is_file() else None
    if history.index is None and history.versions:
        notes.append(
            f"recorded {len(history.versions)} release manifest(s) in a new {show(index_file)}"
        )
    for version in sorted(repairable, key=manifest.version_key):
        notes.append(f"recorded release {version}, whose `corpus release` was interrupted")
    changelog = manifest.render_changelog(list(history.manifests.values()))
    return _Record(dict(history.hashes), dict(history.manifests), changelog, old_index, notes)


def _clean_leftovers(root: Path) -> list[Path]:
    """Files and folders a killed release left (only while holding the release lock)."""
    releases = releases_dir(root)
    removed = []
    if releases.is_dir():
        for folder in sorted(releases.iterdir()):
            if folder.name.startswith(".") and folder.is_dir():
                removed += remove_stale_staging(releases / _staged_version(folder.name))
    removed += remove_stale_files(manifest.index_path(releases))
    removed += remove_stale_files(changelog_path(root))
    return removed


def _staged_version(name: str) -> str:
    """``1.2.0`` for a staging folder ``.1.2.0.k3j4h.tmp`` (or ``.1.2.0.old-12``)."""
    body = name[1:]
    parts = body.split(".")
    return ".".join(parts[:3]) if len(parts) >= 3 else body


def _write_record(root: Path, record: _Record) -> bool:
    """Bring the index and CHANGELOG.md to what ``record`` says; True if anything changed."""
    index_file = manifest.index_path(releases_dir(root))
    changed = False
    if not record.hashes and record.old_index is None:
        # an empty index from the start: a first release killed after publishing is then
        # "not indexed" (repairable) rather than an index gone missing
        atomic_write_bytes(index_file, b"")
    index_text = manifest.render_index(record.hashes).encode("utf-8")
    if record.hashes and record.old_index != index_text:
        atomic_write_bytes(index_file, index_text)
        changed = True
    path = changelog_path(root)
    if record.hashes and _read_or_none(path) != record.changelog.encode("utf-8"):
        atomic_write_bytes(path, record.changelog.encode("utf-8"))
        changed = True
    return changed


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def repair_releases(root: Path | None = None) -> list[str]:
    """Finish what an interrupted ``corpus release`` left: remove its staging leftovers,
    record a published release the index lacks, and rewrite CHANGELOG.md from the
    manifests. Refuses (``REPAIR_REFUSED``) when a release was edited or removed. Returns
    one line per thing done (empty when all was in order)."""
    root = root or project_root()
    with _release_lock(root):
        return _finish(root, "REPAIR_REFUSED", "nothing was repaired")


def _finish(root: Path, code: str, doing: str) -> list[str]:
    notes = [
        f"removed {display(p, root)}, left by a killed process" for p in _clean_leftovers(root)
    ]
    record = _plan_record(root, code, doing)
    try:
        changed = _write_record(root, record)
    except OSError as exc:
        raise _write_failed(root, exc) from None
    notes += record.notes
    if changed and not record.notes:
        notes.append(f"rewrote {display(changelog_path(root), root)} from the release manifests")
    return notes


# ------------------------------------------------------------------------------- releasing


def _before_publish(staged: Path) -> None:
    """Called with the complete staged release just before it is published (a test hook)."""


def _after_publish(target: Path) -> None:
    """Called right after the release folder is in place, before it is recorded (a test
    hook: kill -9 here must leave a state the next run repairs)."""


def create_release(
    version: str,
    message: str,
    *,
    root: Path | None = None,
    date: str | None = None,
    notes: list[str] | None = None,
) -> Path:
    """Freeze the working copy as release ``version``; returns the release folder.

    One transaction under the release lock: each working file is read once, those bytes
    are staged, validated and published; then the index and CHANGELOG.md (staged before
    publishing) are renamed into place. A failure before the end leaves no release; a
    kill after publishing is completed by the next ``corpus release`` or ``--repair``.
    What that completion did is appended to ``notes``."""

    root = root or project_root()
    target = release_path(version, root)
    where = display(target, root)
    new = parse_version(version)
    if new is None:
        raise _refuse(
            where,
            "VERSION_INVALID",
            f"{version!r} is not a version MAJOR.MINOR.PATCH such as 1.0.0",
        )
    if not message.strip():
        raise _refuse(where, "MESSAGE_EMPTY", "a release needs a message (-m)")
    _refuse_unwritable_changelog(root)
    with _release_lock(root):
        done = _finish(root, "RELEASE_HISTORY_BROKEN", f"refusing to release {version}")
        if notes is not None:
            notes += done
        if target.exists():
            raise _refuse(
                where,
                "VERSION_EXISTS",
                f"release {version} already exists; releases "
                "are never modified, choose a greater version",
            )
        latest = latest_version(root)
        latest_parsed = parse_version(latest) if latest else None
        if latest_parsed is not None and new <= latest_parsed:
            raise _refuse(
                where,
                "VERSION_NOT_GREATER",
                f"version {version} is not greater than the latest release {latest}",
            )
        record = _plan_record(root, "RELEASE_HISTORY_BROKEN", f"refusing to release {version}")
        try:
            staged = staging_dir(target)
        except OSError as exc:
            raise _write_failed(root, exc, target=target) from None
        try:
            return _stage_and_publish(
                root,
                version,
                staged,
                target,
                record,
                date=date or _today(),
                message=message.strip(),
                corpus_version=__version__,
            )
        except BaseException:
            discard_staging(staged)
            raise


def _refuse_unwritable_changelog(root: Path) -> None:
    """``CHANGELOG_UNREADABLE`` (exit 2) before anything is written, when CHANGELOG.md is
    something the new changelog cannot replace (a folder) or is not UTF-8 text."""
    path = changelog_path(root)
    if not path.exists() and not path.is_symlink():
        return
    reason = None
    if not path.is_file():
        reason = "it is not a file"
    else:
        try:
            path.read_bytes().decode("utf-8")
        except OSError as exc:
            reason = exc.strerror
        except UnicodeDecodeError:
            reason = "it is not UTF-8"
    if reason is not None:
        raise _refuse(
            display(path, root),
            "CHANGELOG_UNREADABLE",
            f"cannot replace the changelog with one holding the release's entry: {reason}",
        )


def _copy_working(root: Path, documents_dir: Path) -> list[Problem]:
    """Copy each document file of the working copy into the staging folder, reading it
    once and holding one file at a time; the files that cannot be read are problems.
    An OSError while writing is raised."""
    problems = []
    documents_dir.mkdir(parents=True, exist_ok=True)
    for path in native.document_files(working_dir(root)):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(
                Problem(
                    display(path, root),
                    None,
                    Location(),
                    "UNREADABLE",
                    f"cannot read the file: {exc.strerror}",
                )
            )
            continue
        write_staged(documents_dir / path.name, raw)
    return problems


def _as_working(problem: Problem, staged_label: str, working_label: str) -> Problem:
    """A problem found in the staged copy, named by the working file it came from."""
    return replace(
        problem,
        file=problem.file.replace(staged_label, working_label, 1),
        message=problem.message.replace(staged_label, working_label),
    )


def _stage_and_publish(
    root: Path,
    version: str,
    staged: Path,
    target: Path,
    record: _Record,
    *,
    date: str,
    message: str,
    corpus_version: str,
) -> Path:
    documents_dir = staged / manifest.DOCUMENTS
    try:
        unreadable = _copy_working(root, documents_dir)
    except OSError as exc:
        raise _write_failed(root, exc, staged=staged, target=target) from None
    # validate exactly the bytes that will be published: the staged copies
    report = check_folder(documents_dir, root=root, kind="working", allow_empty=True)
    working_label = display(working_dir(root), root)
    problems = unreadable + [
        _as_working(p, display(documents_dir, root), working_label) for p in report.problems
    ]
    if problems:
        raise CorpusError(
            [
                *problems,
                Problem(
                    working_label,
                    None,
                    Location(),
                    "WORKING_COPY_INVALID",
                    f"refusing to release {version}: the working copy has {len(problems)} "
                    "problem(s), listed above",
                ),
            ]
        )
    if not report.ids:
        raise _refuse(
            working_label,
            "EMPTY_WORKING_COPY",
            f"refusing to release {version}: the working copy has no documents",
        )
    unassigned = report.tally.unassigned
    if unassigned:  # a release fixes the split of every document it holds
        raise _refuse(
            working_label,
            "SPLIT_UNASSIGNED",
            f"refusing to release {version}: no split for {', '.join(unassigned)}; "
            "assign one with `corpus split` (or `corpus add --split`)",
        )
    latest = latest_version(root)
    previous = {"version": latest, "sha256": record.hashes[latest]} if latest else None
    data = manifest.build_manifest(
        version=version,
        date=date,
        message=message,
        corpus_version=corpus_version,
        schema_version=schema_version(),
        counts=report.tally.counts(),
        folder=staged,
        previous=previous,
    )
    manifest_bytes = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    hashes = {**record.hashes, version: sha256_bytes(manifest_bytes)}
    changelog = manifest.render_changelog([*record.manifests.values(), data])
    index_file = manifest.index_path(releases_dir(root))
    staged_files: list[tuple[Path, Path]] = []
    try:
        atomic_write_bytes(staged / manifest.MANIFEST, manifest_bytes)
        # stage the record before publishing, so a file system that refuses it stops here
        staged_files.append(
            (stage_file(index_file, manifest.render_index(hashes).encode()), index_file)
        )
        path = changelog_path(root)
        staged_files.append((stage_file(path, changelog.encode("utf-8")), path))
        _before_publish(staged)
        publish_dir(staged, target, replace=False)
    except OSError as exc:
        for temporary, _ in staged_files:
            temporary.unlink(missing_ok=True)
        if target.exists():
            raise _refuse(
                display(target, root),
                "VERSION_EXISTS",
                f"release {version} appeared while writing it",
            ) from None
        raise _write_failed(root, exc, staged=staged, target=target) from None
    _after_publish(target)
    try:
        for temporary, final in staged_files:
            commit_file(temporary, final)
    except OSError as exc:
        _unpublish(root, target, record, staged_files)
        raise _write_failed(root, exc) from None
    return target


def _unpublish(
    root: Path, target: Path, record: _Record, staged_files: list[tuple[Path, Path]]
) -> None:
    """Undo a publication whose record could not be written: the release folder goes back
    to a staging name and is removed, the index gets its old text back."""
    for temporary, _ in staged_files:
        temporary.unlink(missing_ok=True)
    gone = staging_dir(target)
    os.rename(target, gone / "release")
    discard_staging(gone)
    index_file = manifest.index_path(releases_dir(root))
    if record.old_index is None:
        index_file.unlink(missing_ok=True)
    elif _read_or_none(index_file) != record.old_index:
        atomic_write_bytes(index_file, record.old_index)


__all__ = [
    "WORKING",
    "create_release",
    "diff",
    "repair_releases",
    "latest_version",
    "list_versions",
    "load",
    "load_release",
    "load_working",
    "resolve",
    "stats",
]

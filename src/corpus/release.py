"""Versioned releases: immutable, checksummed snapshots of the working copy.

``annotations/releases/<X.Y.Z>/`` holds ``manifest.json`` (see :mod:`corpus.manifest`) and
``documents/<id>.json``, byte-for-byte copies of the working files at release time.
:func:`create_release` writes the folder in a hidden staging folder and renames it into
place, so a crash leaves either no release or a complete one; then it prepends an entry to
``annotations/CHANGELOG.md`` (also written atomically). Loading a release verifies every
checksum first.

Refusal codes of :func:`create_release`: ``VERSION_INVALID``, ``MESSAGE_EMPTY`` and
``CHANGELOG_UNREADABLE`` (exit 2),
``VERSION_EXISTS``, ``VERSION_NOT_GREATER``, ``WORKING_COPY_INVALID`` (after the working
copy's own problems) and ``EMPTY_WORKING_COPY`` (exit 1). Loading: ``NO_RELEASE`` and
``RELEASE_NOT_FOUND`` (exit 2).
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

from corpus import __version__, manifest
from corpus.diff import CorpusDiff
from corpus.diff import diff as diff_corpora
from corpus.errors import CorpusError, Problem, problem_error
from corpus.formats import native
from corpus.fsutil import atomic_write_bytes, atomic_write_text, publish_dir, staging_dir
from corpus.manifest import Counts, parse_version
from corpus.model import Document
from corpus.paths import changelog_path, project_root, releases_dir, working_dir
from corpus.schema import inventory, schema_version
from corpus.validate import SetReport, check_folder, check_release, display, release_folders

#: the name that stands for the working copy wherever a version is expected
WORKING = "working"

CHANGELOG_HEADER = (
    "# Changelog of the annotations\n\n"
    "One entry per release, newest first, written by `corpus release`. Released folders under\n"
    "`annotations/releases/` are never modified; `corpus diff OLD NEW` shows what changed.\n"
)


def list_versions(root: Path | None = None) -> list[str]:
    """Released versions, oldest first (semver order)."""
    return [
        p.name for p in release_folders(releases_dir(root)) if parse_version(p.name) is not None
    ]


def latest_version(root: Path | None = None) -> str | None:
    versions = list_versions(root)
    return versions[-1] if versions else None


def _raise_if_problems(report: SetReport) -> None:
    if report.problems:
        raise CorpusError(report.problems, 2 if report.unusable else 1)


def load_working(root: Path | None = None) -> list[Document]:
    """The documents of the working copy (validated; CorpusError if it has problems)."""
    root = root or project_root()
    report = check_folder(working_dir(root), root=root, kind="working", allow_empty=True)
    _raise_if_problems(report)
    return report.documents


def release_path(version: str, root: Path | None = None) -> Path:
    return releases_dir(root) / version


def load_release(version: str | None = None, root: Path | None = None) -> list[Document]:
    """The documents of a release (the latest when ``version`` is None), after verifying
    its checksums, manifest and documents."""
    root = root or project_root()
    versions = list_versions(root)
    if version is None:
        if not versions:
            raise problem_error(
                display(releases_dir(root), root),
                "NO_RELEASE",
                "there is no release yet (create one with `corpus release`)",
                unusable=True,
            )
        version = versions[-1]
    folder = release_path(version, root)
    if version not in versions or not folder.is_dir():
        known = ", ".join(versions) or "none"
        raise problem_error(
            display(folder, root),
            "RELEASE_NOT_FOUND",
            f"there is no release {version!r} (releases: {known})",
            unusable=True,
        )
    report = check_release(folder, root=root)
    _raise_if_problems(report)
    return report.documents


def load(ref: str, root: Path | None = None) -> list[Document]:
    """A release by version, or the working copy for ``"working"``."""
    return load_working(root) if ref == WORKING else load_release(ref, root)


def load_verified(ref: str, root: Path | None = None) -> list[Document]:
    """Like :func:`load`, but a release whose manifest is valid and whose files all match
    its checksums is read without validating its documents again: they were validated
    when the release was made, and matching checksums mean they are the same bytes.

    A release made under another schema or label version, or that fails a check, is
    validated in full (:func:`load_release`), so its problems are reported as usual. The
    working copy is always validated in full."""
    if ref == WORKING:
        return load_working(root)
    root = root or project_root()
    folder = release_path(ref, root)
    if ref in list_versions(root) and folder.is_dir():
        data, problems = manifest.read_manifest(folder, display=display(folder, root))
        if (
            data is not None
            and not problems
            and data.get("schema_version") == schema_version()
            and data.get("labels_version") == inventory().version
            and not manifest.verify_checksums(folder, data, display=display(folder, root)).problems
        ):
            files = native.document_files(folder / manifest.DOCUMENTS)
            return [native.from_dict(native.read_json(path)) for path in files]
    return load_release(ref, root)


def resolve(version: str | None, root: Path | None = None) -> str:
    """``version``, else (``None``) the latest release, else ``"working"``.

    An empty string is not "the default": it is refused (``RELEASE_NOT_FOUND``, exit 2)."""
    if version == "":
        raise _refuse(
            "--version", "RELEASE_NOT_FOUND", "an empty version names no release", unusable=True
        )
    return version or latest_version(root) or WORKING


def stats(version: str | None = None, root: Path | None = None) -> Counts:
    """Counts per label of a release (default: the latest, or the working copy if none)."""
    return manifest.count(load(resolve(version, root), root))


def diff(old: str, new: str, root: Path | None = None) -> CorpusDiff:
    """What changed from ``old`` to ``new`` (versions, or ``"working"``; checksums verified)."""
    return diff_corpora(load(old, root), load(new, root), old_name=old, new_name=new)


def _today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def _refuse(where: str, code: str, message: str, *, unusable: bool = False) -> CorpusError:
    return problem_error(where, code, message, unusable=unusable)


def create_release(
    version: str, message: str, *, root: Path | None = None, date: str | None = None
) -> Path:
    """Freeze the working copy as release ``version``; returns the release folder."""

    root = root or project_root()
    target = release_path(version, root)
    where = display(target, root)
    new = parse_version(version)
    if new is None:
        raise _refuse(
            where,
            "VERSION_INVALID",
            f"{version!r} is not a version MAJOR.MINOR.PATCH such as 1.0.0",
            unusable=True,
        )
    if not message.strip():
        raise _refuse(where, "MESSAGE_EMPTY", "a release needs a message (-m)", unusable=True)
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
    working = working_dir(root)
    report = check_folder(working, root=root, kind="working", allow_empty=True)
    if report.problems:
        raise CorpusError(
            [
                *report.problems,
                Problem(
                    report.label,
                    None,
                    "",
                    "WORKING_COPY_INVALID",
                    f"refusing to release {version}: the working copy has {len(report.problems)} "
                    "problem(s), listed above",
                ),
            ]
        )
    if not report.documents:
        raise _refuse(
            report.label,
            "EMPTY_WORKING_COPY",
            f"refusing to release {version}: the working copy has no documents",
        )

    # read before writing anything: a changelog we cannot update must not leave a release
    # without its entry
    changelog = read_changelog(root)
    try:
        staged = staging_dir(target)
    except OSError as exc:
        raise _refuse(
            where, "RELEASE_WRITE_FAILED", f"could not write the release: {exc}"
        ) from None
    try:
        for path in native.document_files(working):
            atomic_write_bytes(staged / manifest.DOCUMENTS / path.name, path.read_bytes())
        data = manifest.build_manifest(
            version=version,
            date=date or _today(),
            message=message.strip(),
            corpus_version=__version__,
            schema_version=schema_version(),
            documents=report.documents,
            folder=staged,
        )
        atomic_write_text(
            staged / manifest.MANIFEST, json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        )
        publish_dir(staged, target, replace=False)
    except OSError as exc:
        shutil.rmtree(staged, ignore_errors=True)
        if target.exists():
            raise _refuse(
                where, "VERSION_EXISTS", f"release {version} appeared while writing it"
            ) from None
        raise _refuse(
            where, "RELEASE_WRITE_FAILED", f"could not write the release: {exc}"
        ) from None
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    prepend_changelog(root, changelog_entry(data), changelog)
    return target


def changelog_entry(data: dict[str, object]) -> str:
    counts = data["counts"]
    assert isinstance(counts, dict)
    entities = sum(counts["entities"].values())
    relations = sum(counts["relations"].values())
    return (
        f"## {data['version']} - {data['date']}\n\n{data['message']}\n\n"
        f"{counts['documents']} document(s), {entities} entities, {relations} relations, "
        f"{counts['clusters']} clusters; document schema {data['schema_version']}, "
        f"labels {data['labels_version']}.\n"
    )


def read_changelog(root: Path) -> str:
    """The text of CHANGELOG.md (the header alone when there is none yet);
    ``CHANGELOG_UNREADABLE`` (exit 2) when it is not a UTF-8 file."""
    path = changelog_path(root)
    if not path.exists():
        return CHANGELOG_HEADER
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8"
        raise _refuse(
            display(path, root),
            "CHANGELOG_UNREADABLE",
            f"cannot read the changelog to add the release's entry: {reason}",
            unusable=True,
        ) from None


def prepend_changelog(root: Path, entry: str, old: str | None = None) -> None:
    """Insert ``entry`` above the newest entry of CHANGELOG.md (atomic rewrite); ``old``
    is its current text when already read."""
    path = changelog_path(root)
    old = read_changelog(root) if old is None else old
    heading = entry.splitlines()[0]
    if heading in old.splitlines():
        return
    index = old.find("\n## ")
    if index < 0:
        new = old.rstrip("\n") + "\n\n" + entry
    else:
        new = old[: index + 1] + entry + "\n" + old[index + 1 :]
    atomic_write_text(path, new)


__all__ = [
    "WORKING",
    "create_release",
    "diff",
    "latest_version",
    "list_versions",
    "load",
    "load_release",
    "load_working",
    "resolve",
    "stats",
]

"""The one place that turns what a user names into documents.

Every command and function that reads documents takes a *name* and opens it here:

============================  ===============================================================
name                          documents
============================  ===============================================================
(none)                        the default: **the latest release, or the working copy while
                              there is no release** (:data:`DEFAULT_POLICY`)
``working``                   the working copy, ``annotations/working/`` (may be empty)
``1.0.0``                     that release (``RELEASE_NOT_FOUND``, exit 2, when there is none)
a release folder              that release (``annotations/releases/1.0.0``, or its
                              ``manifest.json``); checksums and manifest verified
a folder of documents         its ``*.json`` documents (the working folder is the working copy)
a document file               that document (checked against its release's manifest when it
                              lies in a release)
a brat folder                 where a command accepts one (``corpus agreement``)
============================  ===============================================================

``working`` and ``X.Y.Z`` always name the working copy and a release; a folder that happens to
carry such a name is ``./working``. Anything else is a path (``NOT_FOUND``, exit 2, when it
does not exist). An empty name is refused (``RELEASE_NOT_FOUND``) rather than taken as the
default.

A :class:`Source` streams: iterating it checks and yields one document at a time and raises
one :class:`~corpus.errors.CorpusError` with every problem after the last document, so a
consumer that writes its output only when the iteration ends never writes from bad input.
:meth:`Source.check` gives ``corpus validate``'s report instead (problems per file).

Every ``--version`` option has the help :data:`VERSION_HELP` (added by
:func:`corpus.cli.options.add_version_option`). A :class:`~pathlib.Path` (rather than a string)
is always taken as a path, even one called ``working``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from corpus import manifest
from corpus.errors import CorpusError, Location, Problem
from corpus.formats import brat as brat_format
from corpus.formats import native
from corpus.inputs import special_file
from corpus.model import Document
from corpus.paths import changelog_path, project_root, releases_dir, working_dir
from corpus.validate import (
    SetReport,
    display,
    is_release_dir,
    iter_files,
    iter_folder,
    iter_release,
    release_folders,
    release_history,
)

#: the name that stands for the working copy wherever a version is expected
WORKING = "working"

#: what a command reads when it is given no version
DEFAULT_POLICY = "the latest release, or the working copy while there is no release"

#: the help text of every ``--version`` option
VERSION_HELP = (
    "a release version (1.0.0), 'working' for the working copy, or a path: a release "
    f"folder, a folder of documents or a document file (default: {DEFAULT_POLICY})"
)

#: the help text of a positional argument naming documents (``evaluate``, ``diff``)
SOURCE_HELP = (
    "a release version, 'working', a release folder, a folder of documents or a document file"
)

Kind = Literal["release", "working", "folder", "file", "brat"]


# --------------------------------------------------------------------------- versions


def list_versions(root: Path | None = None) -> list[str]:
    """Released versions, oldest first (semver order)."""
    return [
        p.name
        for p in release_folders(releases_dir(root))
        if manifest.parse_version(p.name) is not None
    ]


def latest_version(root: Path | None = None) -> str | None:
    versions = list_versions(root)
    return versions[-1] if versions else None


def _refuse(where: str, code: str, message: str) -> CorpusError:
    return CorpusError([Problem(where, None, Location(), code, message)])


# --------------------------------------------------------------------------- the source


@dataclass(frozen=True)
class Source:
    """A named set of documents: where it is, what it is, and how strictly it is checked.

    ``version`` is the release version, ``working``, or the name as given for any other
    folder or file; ``name`` is safe in a file name (``build/render/<name>.html``)."""

    kind: Kind
    path: Path
    version: str
    root: Path
    #: run the semantic layer (False: the JSON Schema only, as for predictions)
    semantic: bool = True
    #: require ``<id>.json`` file names
    file_names: bool = True

    @property
    def display(self) -> str:
        return display(self.path, self.root)

    @property
    def is_release(self) -> bool:
        return self.kind == "release"

    @property
    def name(self) -> str:
        if self.kind in ("release", "working"):
            return self.version
        return (self.path.stem if self.kind == "file" else self.path.name) or "documents"

    @property
    def label(self) -> str:
        """How messages name it: ``release 1.0.0``, ``working copy``, ``folder x/y``, ..."""
        if self.kind == "release":
            return f"release {self.version}"
        if self.kind == "working":
            return "working copy"
        return f"{'brat folder' if self.kind == 'brat' else self.kind} {self.display}"

    @property
    def paths(self) -> list[Path]:
        """The document files, in reading order (a brat folder: its ``.ann`` files)."""
        if self.kind == "file":
            return [self.path]
        if self.kind == "brat":
            return sorted(self.path.glob("*.ann"))
        folder = self.path / manifest.DOCUMENTS if self.kind == "release" else self.path
        return native.document_files(folder)

    def _report(self) -> SetReport:
        return SetReport(self.display, self.kind if self.kind != "brat" else "folder")

    def _stream(self, report: SetReport, *, documents: bool = True) -> Iterator[Document]:
        semantic, file_names = self.semantic, self.file_names
        if self.kind == "release":
            yield from iter_release(
                report,
                self.path,
                self.root,
                semantic=self.semantic,
                file_names=self.file_names,
                documents=documents,
            )
        elif self.kind == "working":
            yield from iter_folder(
                report,
                self.path,
                self.root,
                allow_empty=True,
                semantic=semantic,
                file_names=file_names,
                documents=documents,
            )
        elif self.kind == "folder":
            yield from iter_folder(
                report,
                self.path,
                self.root,
                semantic=semantic,
                file_names=file_names,
                documents=documents,
            )
        elif self.kind == "brat":
            read = brat_format.read(self.path, root=self.root)
            report.files = len(read)
            for document in read:
                report.ids.append(document.id)
                report.tally.add(document)
            yield from read
        else:
            yield from iter_files(
                report,
                [self.path],
                self.root,
                semantic=semantic,
                file_names=file_names,
                documents=documents,
            )
            folder = manifest.release_of(self.path)
            if folder is not None:
                report.problems += manifest.verify_member(
                    self.path,
                    folder,
                    display=report.label,
                    release_display=display(folder, self.root),
                )

    def __iter__(self) -> Iterator[Document]:
        """The valid documents, one at a time; then a CorpusError with every problem found
        (exit 2 when part of the input could not be used at all)."""
        report = self._report()
        yield from self._stream(report)
        if report.problems:
            raise CorpusError(report.problems)

    def documents(self) -> list[Document]:
        """Every document (a CorpusError, and no documents, when there is any problem)."""
        return list(self)

    def check(self) -> SetReport:
        """``corpus validate``'s report: every problem, per file, the ids and counts of the
        valid documents (no document is built or kept)."""
        report = self._report()
        for _ in self._stream(report, documents=False):
            pass
        return report


# --------------------------------------------------------------------------- opening names


def _release(version: str, root: Path) -> Path:
    folder = releases_dir(root) / version
    versions = list_versions(root)
    if version not in versions or not folder.is_dir():
        raise _refuse(
            display(folder, root),
            "RELEASE_NOT_FOUND",
            f"there is no release {version!r} (releases: {', '.join(versions) or 'none'})",
        )
    return folder


def _same(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _release_source(folder: Path, root: Path) -> tuple[Kind, Path, str]:
    """A release folder: its version when it is one of this project's releases, else the
    folder as given."""
    if _same(folder.parent, releases_dir(root)) and manifest.parse_version(folder.name):
        return "release", folder, folder.name
    return "release", folder, str(folder)


def locate(name: str | Path | None, *, root: Path, brat: bool = False) -> tuple[Kind, Path, str]:
    """(kind, path, version) of what ``name`` names (see the module docstring)."""
    if name is None:
        latest = latest_version(root)
        if latest is None:
            return "working", working_dir(root), WORKING
        return "release", releases_dir(root) / latest, latest
    text = str(name)
    if text == "":
        raise _refuse("--version", "RELEASE_NOT_FOUND", "an empty version names no release")
    if isinstance(name, str) and text == WORKING:
        return "working", working_dir(root), WORKING
    if isinstance(name, str) and manifest.parse_version(text) is not None:
        return "release", _release(text, root), text
    path = Path(name)
    if path.name == manifest.MANIFEST and path.is_file() and is_release_dir(path.parent):
        return _release_source(path.parent, root)
    if path.is_file():
        return "file", path, text
    special = special_file(path)
    if special is not None:  # never opened: a FIFO would block, /dev/zero never ends
        raise _refuse(display(path, root), "NOT_A_FILE", f"{special}, not a regular file or folder")
    if not path.is_dir():
        bare = len(path.parts) == 1 and not path.suffix  # could have meant a version
        raise _refuse(
            display(path, root),
            "NOT_FOUND",
            "no such file or folder" + (", and not a release version or 'working'" if bare else ""),
        )
    if is_release_dir(path):
        return _release_source(path, root)
    if _same(path, working_dir(root)):
        return "working", working_dir(root), WORKING
    if brat and brat_format.document_ids(path) and any(path.glob("*.ann")):
        return "brat", path, text
    return "folder", path, text


def open_source(
    name: str | Path | None = None,
    *,
    root: Path | None = None,
    semantic: bool = True,
    file_names: bool = True,
    brat: bool = False,
) -> Source:
    """The documents ``name`` names (None: :data:`DEFAULT_POLICY`), ready to stream.

    ``semantic=False`` checks the JSON Schema only and ``file_names=False`` accepts a file
    not named after its document (predictions, a learner's ``alice.json``); ``brat=True``
    also accepts a brat folder. Unusable names raise at once (exit 2); problems inside the
    documents are raised by the iteration."""
    root = root or project_root()
    kind, path, version = locate(name, root=root, brat=brat)
    return Source(kind, path, version, root, semantic=semantic, file_names=file_names)


def load(name: str | Path | None = None, *, root: Path | None = None) -> list[Document]:
    """Every document of ``name`` (validated; CorpusError if there is any problem)."""
    return open_source(name, root=root).documents()


# --------------------------------------------------------------------------- validate


def check_target(path: str | Path, *, root: Path) -> list[SetReport]:
    """``corpus validate``'s reports for one name: as :func:`open_source`, plus a folder of
    releases (``annotations/releases``), which gives one report per release. A name that
    cannot be opened is a report holding its one problem."""
    target = Path(path)
    if target.is_dir() and not native.document_files(target) and not is_release_dir(target):
        releases = [p for p in release_folders(target) if is_release_dir(p)]
        if releases:
            return [open_source(p, root=root).check() for p in releases]
    try:
        source = open_source(path, root=root)
    except CorpusError as error:
        return [SetReport(error.problems[0].file, "file", list(error.problems))]
    return [source.check()]


def check_default(root: Path) -> list[SetReport]:
    """The working copy (may be empty or absent) and every release, with the index of the
    releases and the changelog generated from their manifests."""
    reports = [open_source(WORKING, root=root).check()]
    history = release_history(root)
    releases = []
    for folder in release_folders(releases_dir(root)):
        kind, path, version = _release_source(folder, root)
        releases.append(Source(kind, path, version, root).check())
    whole = manifest.index_problems(history, show=lambda p: display(p, root))
    whole += manifest.changelog_problems(
        history, changelog_path(root), show=lambda p: display(p, root)
    )
    if whole and not releases:
        releases.append(SetReport(display(releases_dir(root), root), "releases"))
    if releases:
        releases[-1].problems += whole
    return reports + releases


def check_paths(
    paths: Sequence[str | Path] | None = None, *, root: Path | None = None
) -> list[SetReport]:
    """Reports for these names, or for the default sets when none are given."""
    root = root or project_root()
    if not paths:
        return check_default(root)
    return [report for path in paths for report in check_target(path, root=root)]


def validate_paths(
    paths: Sequence[str | Path] | None = None, *, root: Path | None = None
) -> list[Problem]:
    """Every problem of these names (default: the working copy and every release)."""
    return [problem for report in check_paths(paths, root=root) for problem in report.problems]

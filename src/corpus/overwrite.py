"""What an import may do to the documents it writes over, and writing them all or none.

Every command that writes documents over files of the working copy (or any ``-o`` folder):
``corpus ls import``, ``corpus ls pull`` and ``corpus import brat``, plans its writes here:

1. :func:`plan` compares each new document with the file it would replace, using the
   matcher of :mod:`corpus.diff` (entities, relations and clusters matched by id), and
   refuses, one problem per document, what would silently lose work:

   - ``WOULD_ERASE_ANNOTATIONS``: the document has annotations and the import has none
     (a Label Studio ``result: []``, a brat folder without its ``.ann``), unless
     :attr:`Policy.allow_erase`;
   - ``WOULD_CHANGE_TEXT``: the text or the seed link would change (every offset means
     something else afterwards), unless :attr:`Policy.allow_text_change`.

   Any other change (a hand-edited working document overwritten by an annotator's work
   included) is allowed and reported: :meth:`Planned.summary` is one line per document
   with what is added, removed and changed, and :meth:`Planned.details` every change (the
   commands print it with ``--dry-run``, which writes nothing). Refusing every overwrite
   would make the normal round trip (export, annotate, import) need a flag each time; the
   working copy is meant to be under version control, and the summary says what changed.
2. :func:`publish` writes the whole set with
   :func:`corpus.fsutil.write_files_atomically`: all files or none, a failure (a full disk)
   restores the previous files and names the path (``OS_ERROR``, exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.diff import Change, CorpusDiff, DocumentDiff, diff_documents
from corpus.errors import CorpusError, Location, Problem
from corpus.formats import native
from corpus.fsutil import write_files_atomically
from corpus.model import Document
from corpus.validate import check_file, display


@dataclass(frozen=True)
class Policy:
    """What an import may do beyond adding, removing or changing some annotations."""

    allow_erase: bool = False
    allow_text_change: bool = False


@dataclass(frozen=True)
class Planned:
    """One document to write: where, what it replaces, and the changes."""

    path: Path
    shown: str  # the path as messages name it
    document: Document
    previous: Document | None  # the valid document it replaces
    previous_problem: str | None  # the first problem of an existing file that is not valid
    changes: tuple[Change, ...]
    #: the file already holds exactly these bytes (nothing to write)
    same_bytes: bool = False

    @property
    def status(self) -> str:
        if self.previous is None:
            return "new" if self.previous_problem is None else "replaces an invalid file"
        return "changed" if self.changes else "unchanged"

    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {"added", "removed", "changed"}}`` for entities, relations, clusters."""
        return CorpusDiff("", "", (DocumentDiff(self.document.id, "", self.changes),)).counts()

    def summary(self) -> str:
        """One line: ``PATH: changed: entity 1 added, 0 removed, 2 changed; ...``."""
        document = self.document
        sizes = (
            f"{len(document.entities)} entities, {len(document.relations)} relations, "
            f"{len(document.clusters)} clusters"
        )
        if self.previous is None:
            if self.previous_problem is None:
                return f"{self.shown}: new: {sizes}"
            return (
                f"{self.shown}: replaces a file that is not a valid document "
                f"({self.previous_problem}): {sizes}"
            )
        if not self.changes:
            return f"{self.shown}: unchanged"
        counts = "; ".join(
            f"{kind} {c['added']} added, {c['removed']} removed, {c['changed']} changed"
            for kind, c in self.counts().items()
        )
        fields = list(
            dict.fromkeys(f for c in self.changes if c.kind == "document" for f, _, _ in c.fields)
        )
        return f"{self.shown}: changed: {counts}" + (
            f"; document {', '.join(fields)}" if fields else ""
        )

    def details(self) -> list[str]:
        """Every change, one line each (``+ entity T12 PER [15:29] "..."``)."""
        return [change.line() for change in self.changes]

    def brief(self, *, details: bool = False) -> Brief:
        """What the commands print of this write, without the documents (an import of many
        documents keeps one of these each); its :meth:`Brief.details` only if ``details``."""
        return Brief(
            self.path,
            self.shown,
            self.document.id,
            self.status,
            self.same_bytes,
            self.summary(),
            tuple(self.details()) if details else (),
        )


@dataclass(frozen=True, slots=True)
class Brief:
    """A :class:`Planned` write as the commands print it: its summary line and (for
    ``--dry-run``) its changes, without the documents."""

    path: Path
    shown: str
    document_id: str
    status: str
    same_bytes: bool
    line: str
    changes: tuple[str, ...] = ()

    def summary(self) -> str:
        return self.line

    def details(self) -> list[str]:
        return list(self.changes)


def _annotations(document: Document) -> int:
    return len(document.entities) + len(document.relations) + len(document.clusters)


def refusals(item: Planned, policy: Policy) -> list[Problem]:
    """What ``policy`` refuses of one planned write (one problem each; none: allowed)."""
    previous, document = item.previous, item.document
    if previous is None:
        return []
    problems = []
    where = Location()
    if not policy.allow_erase and _annotations(previous) and not _annotations(document):
        problems.append(
            Problem(
                item.shown,
                document.id,
                where,
                "WOULD_ERASE_ANNOTATIONS",
                f"the import has no annotation and would remove all {len(previous.entities)} "
                f"entities, {len(previous.relations)} relations and {len(previous.clusters)} "
                "clusters of this document; pass --allow-erase if that is intended",
            )
        )
    if not policy.allow_text_change and (
        previous.text != document.text or previous.seed != document.seed
    ):
        what = "text" if previous.text != document.text else "seed link"
        before = previous.seed.path if previous.seed else "none"
        after = document.seed.path if document.seed else "none"
        problems.append(
            Problem(
                item.shown,
                document.id,
                where,
                "WOULD_CHANGE_TEXT",
                f"the import would change the document's {what} (seed {before} -> {after}, "
                f"{len(previous.text)} -> {len(document.text)} characters); pass "
                "--allow-text-change if that is intended",
            )
        )
    return problems


def plan_one(
    path: Path, document: Document, *, root: Path, new_bytes: bytes | None = None
) -> Planned:
    """Compare ``document`` with what ``path`` holds now (``new_bytes``: the document as
    it will be written, when the caller has it already)."""
    shown = display(path, root)
    if not path.exists():
        return Planned(path, shown, document, None, None, ())
    if new_bytes is None:
        new_bytes = native.dumps(document).encode("utf-8")
    try:
        same = path.read_bytes() == new_bytes
    except OSError:
        same = False
    if same:  # the file is this document as written (lossless): nothing to check or compare
        return Planned(path, shown, document, document, None, (), True)
    result = check_file(path, root=root)
    if result.document is None:
        first = result.problems[0].code if result.problems else "unreadable"
        return Planned(path, shown, document, None, first, ())
    changes = tuple(diff_documents(result.document, document))
    return Planned(path, shown, document, result.document, None, changes)


def plan(
    targets: Sequence[tuple[Path, Document]], *, root: Path, policy: Policy | None = None
) -> list[Planned]:
    """Every write of an import, compared with the files it replaces; a CorpusError with a
    problem per refused document (nothing is written then)."""
    policy = policy or Policy()
    planned = [plan_one(path, document, root=root) for path, document in targets]
    problems = [problem for item in planned for problem in refusals(item, policy)]
    if problems:
        raise CorpusError(problems)
    return planned


def publish(planned: Sequence[Planned]) -> None:
    """Write every planned document, all or none (unchanged bytes are not rewritten); an
    ``OSError`` becomes one ``OS_ERROR`` problem naming the path (exit 2)."""
    todo = [item for item in planned if not item.same_bytes]
    try:
        write_files_atomically(
            [(item.path, native.dumps(item.document).encode("utf-8")) for item in todo]
        )
    except OSError as exc:
        raise write_failure(exc, [item.brief() for item in todo]) from None


def write_failure(exc: OSError, todo: Sequence[Brief]) -> CorpusError:
    """The one ``OS_ERROR`` problem of a set write that failed (nothing was written):
    the path that failed, as messages name it, and how many documents the set had."""
    failed = os.fsdecode(exc.filename) if exc.filename is not None else "-"
    shown = next((item.shown for item in todo if str(item.path) == failed), failed)
    document = next((item.document_id for item in todo if str(item.path) == failed), None)
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileExistsError) and not os.path.isdir(failed):
        reason = "exists and is not a folder, so nothing can be written inside it"
    return CorpusError(
        [
            Problem(
                shown,
                document,
                Location(),
                "OS_ERROR",
                f"{reason}; nothing was written (the {len(todo)} document(s) of this "
                "import are written all or none; the previous files are unchanged)",
            )
        ]
    )

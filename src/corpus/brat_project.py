"""brat work on the project's files: ``corpus import brat`` into the working copy.

The conversion is :mod:`corpus.formats.brat` (pure: a folder to documents). Here the
documents meet the corpus:

- **seed links.** A document read with its ``<id>.corpus.json`` sidecar keeps the sidecar's
  seed and metadata (and ``corpus validate`` checks them). Without a sidecar brat carries
  neither, so they are re-derived, never dropped: from the document the import replaces
  (the file in the output folder, else the working copy's, else the latest release's) when
  its text is the same; else from the file in ``seeds/`` whose sha256 is the text's
  (metadata then the documented defaults); else the document is refused
  (``SEED_NOT_FOUND``: ``corpus add`` the text first, or keep the sidecar);
- **overwrites.** The documents are written over the output folder's files under the
  policy of :mod:`corpus.overwrite` (refusing to erase every annotation or change a text
  unless allowed, a change summary per document) and all or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from corpus import overwrite, sources
from corpus.errors import CorpusError, Location, Problem
from corpus.formats import brat, native
from corpus.fsutil import sha256_file, sha256_text
from corpus.model import Document, Seed
from corpus.paths import refuse_release_output, working_dir
from corpus.validate import check_file, display, validate_document

SEEDS_DIR = "seeds"


def _base(document_id: str, output: Path, root: Path) -> Document | None:
    """The document an import of ``document_id`` replaces or descends from."""
    for folder in (output, working_dir(root)):
        path = folder / f"{document_id}{native.SUFFIX}"
        if path.is_file():
            found = check_file(path, root=root).document
            if found is not None:
                return found
    latest = sources.latest_version(root)
    if latest is not None:
        try:
            for document in sources.open_source(latest, root=root):
                if document.id == document_id:
                    return document
        except CorpusError:  # a damaged release is no base (validate reports it)
            return None
    return None


class _SeedIndex:
    """The seeds of the project by sha256, hashed once, when first needed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._by_sha: dict[str, str] | None = None

    def find(self, sha: str) -> str | None:
        if self._by_sha is None:
            self._by_sha = {}
            for path in sorted((self.root / SEEDS_DIR).glob("*.txt")):
                if path.is_file():
                    self._by_sha.setdefault(sha256_file(path), f"{SEEDS_DIR}/{path.name}")
        return self._by_sha.get(sha)


def _first_difference(a: str, b: str) -> int:
    for position, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return position
    return min(len(a), len(b))


def link_seeds(
    documents: Sequence[Document], folder: Path, output: Path, *, root: Path
) -> list[Document]:
    """The documents with their seed link (and metadata) re-derived where the brat folder
    had no sidecar; a CorpusError (``SEED_NOT_FOUND``) for a text no seed holds."""
    seeds = _SeedIndex(root)
    linked: list[Document] = []
    problems: list[Problem] = []
    for document in documents:
        if (folder / f"{document.id}{brat.SIDECAR_SUFFIX}").exists():
            linked.append(document)
            continue
        base = _base(document.id, output, root)
        if base is not None and base.seed is not None and base.text == document.text:
            linked.append(replace(document, seed=base.seed, metadata=dict(base.metadata)))
            continue
        sha = sha256_text(document.text)
        seed_path = seeds.find(sha)
        if seed_path is not None:
            linked.append(replace(document, seed=Seed(seed_path, sha)))
            continue
        own = root / SEEDS_DIR / f"{document.id}.txt"
        why = "no file in seeds/ has its sha256"
        if own.is_file():
            try:
                seed_text = own.read_text(encoding="utf-8")
                why = (
                    f"it differs from {SEEDS_DIR}/{own.name} from code point "
                    f"{_first_difference(document.text, seed_text)}"
                )
            except (OSError, UnicodeDecodeError):
                pass
        problems.append(
            Problem(
                str(folder / f"{document.id}{brat.TEXT_SUFFIX}"),
                document.id,
                Location(),
                "SEED_NOT_FOUND",
                f"without a {brat.SIDECAR_SUFFIX} sidecar the seed link comes from the text, "
                f"and {why} (sha256 {sha[:12]}…); `corpus add` the text first, or keep the "
                "sidecar",
            )
        )
    if problems:
        raise CorpusError(problems)
    return linked


def import_folder(
    folder: Path,
    output: Path | None = None,
    *,
    root: Path,
    policy: overwrite.Policy | None = None,
    dry_run: bool = False,
) -> list[overwrite.Planned]:
    """Read a brat folder and, only if every document is clean, has its seed link and
    passes the overwrite policy, write them all (none with ``dry_run``) as ``<id>.json``
    in ``output`` (default: the working copy)."""
    output = output or working_dir(root)
    refuse_release_output(
        output,
        root,
        message="imports are written as working annotations, never into a release; "
        "choose another -o",
    )
    documents = link_seeds(brat.read(folder, root=root), folder, output, root=root)
    problems = [
        problem
        for document in documents
        for problem in validate_document(
            native.to_dict(document),
            file=display(output / f"{document.id}{native.SUFFIX}", root),
            root=root,
        )
    ]
    if problems:
        raise CorpusError(problems)
    planned = overwrite.plan(
        [(output / f"{d.id}{native.SUFFIX}", d) for d in documents], root=root, policy=policy
    )
    if not dry_run:
        overwrite.publish(planned)
    return planned

"""Add new texts to the corpus: a seed file and an unannotated working document per text.

:func:`add_texts` is what ``corpus add FILE...`` runs. For each file it

1. reads the bytes and refuses what the validator would refuse later (not UTF-8, a lone
   surrogate, an empty or blank text, a carriage return: the format stores LF line ends and
   the text is never normalised), each as one located problem;
2. chooses the document id: ``--id`` when given, else ``NNN_<16 hex>`` where ``NNN`` is the
   next free three-digit number after every ``NNN_`` id of the seeds, the working copy and
   the releases, and the hex is the start of the sha256 of the file's bytes. (The gold
   article's id ``000_d1ef755adda1dca7`` follows the ``NNN_<16 hex>`` pattern, but its hex is
   not derived from its seed: it is no prefix of the sha256, sha1, md5 or blake2 of the
   bytes or of obvious variants. New ids use the seed sha256 so anyone can recompute them.);
3. builds the working document: the text, no annotations, the seed link (path and sha256)
   and metadata in the gold document's shape (``language``, ``split``, ``title``,
   ``source`` with ``outlet``/``url``/``author``, ``dates`` with ``published``/``event``,
   ``annotation``); provenance that was not given is ``null``, never guessed;
4. validates the document with :func:`corpus.validate.validate_document` (both layers,
   against the seed as it will be written).

Nothing is written unless every file passed. Then the seeds are written, then the working
documents, each atomically (:func:`corpus.fsutil.atomic_write_bytes`); if a write fails, the
files this call created are removed again.

Idempotent: a text whose bytes are already a document of the working copy or a release
(same sha256) is reported as present and nothing is written for it; a seed file that already
holds the same bytes is left as it is. Refused (exit 1): a different file under an existing
seed name (``SEED_EXISTS``), an id that another text already uses in the working copy or a
release (``DUPLICATE_ID``), the same text under a second id (``DUPLICATE_TEXT``), the same
text twice in one call. Unusable input (exit 2): ``NOT_FOUND``, ``UNREADABLE``,
``NOT_UTF8``, ``INVALID_UNICODE``, ``EMPTY_TEXT``, ``CARRIAGE_RETURN``, ``ID_INVALID``,
``ID_WITH_SEVERAL_FILES``, ``DATE_INVALID``, ``URL_INVALID``.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from corpus.errors import CorpusError, Location, Problem
from corpus.formats import native
from corpus.fsutil import atomic_write_bytes, atomic_write_text
from corpus.paths import project_root, releases_dir, working_dir
from corpus.validate import display, release_folders, validate_document

SEEDS = "seeds"
SEED_SUFFIX = ".txt"
#: the default language: the corpus is English (its tokenizer is spaCy's English rules)
DEFAULT_LANGUAGE = "en"
#: how many hex digits of the seed sha256 a derived id keeps (as the gold id has)
ID_HEX = 16

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_NUMBERED_ID = re.compile(r"^(\d{3,})_")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2})?$")


@dataclass(frozen=True)
class Provenance:
    """What is known of where a text comes from; ``None`` means unknown (written ``null``)."""

    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    published: str | None = None  # ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD
    title: str | None = None


@dataclass(frozen=True)
class Added:
    """The outcome for one file: its document id, seed and working paths, and whether
    anything was written (``False`` when the same text was already in the corpus)."""

    source: str
    id: str
    seed: str
    working: str
    written: bool
    note: str = ""


@dataclass(frozen=True)
class _Existing:
    """A document already in the corpus: where, and the sha256 of its text."""

    id: str
    sha256: str | None
    where: str


def _problem(file: str, code: str, message: str, document: str | None = None) -> Problem:
    return Problem(file, document, Location(), code, message)


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise CorpusError(problems)


def check_provenance(provenance: Provenance) -> list[Problem]:
    """``DATE_INVALID`` / ``URL_INVALID`` for values that are not what they claim to be."""
    problems = []
    published = provenance.published
    if published is not None:
        try:
            valid = bool(_PARTIAL_DATE.match(published)) or bool(date.fromisoformat(published))
        except ValueError:
            valid = False
        if not valid:
            problems.append(
                _problem(
                    "--published",
                    "DATE_INVALID",
                    f"{published!r} is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)",
                )
            )
    if provenance.url is not None:
        parts = urlsplit(provenance.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(
                _problem(
                    "--url",
                    "URL_INVALID",
                    f"{provenance.url!r} is not an http(s) URL",
                )
            )
    return problems


def read_text(path: Path, *, name: str) -> tuple[bytes, str] | Problem:
    """The bytes and text of a file to add, or the one problem that makes it unusable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _problem(name, "NOT_FOUND", "no such file")
    except IsADirectoryError:
        return _problem(name, "UNREADABLE", "is a folder, not a text file")
    except OSError as exc:
        return _problem(name, "UNREADABLE", f"cannot read the file: {exc.strerror}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            raw.decode("utf-8", errors="surrogatepass")
        except UnicodeDecodeError:
            where = Location(byte=exc.start)
            return Problem(name, None, where, "NOT_UTF8", "the file is not UTF-8")
        return Problem(
            name,
            None,
            Location(byte=exc.start),
            "INVALID_UNICODE",
            "the file encodes a lone surrogate (U+D800-U+DFFF), which is not a Unicode character",
        )
    if not text.strip():
        what = "empty" if not text else "only whitespace"
        return _problem(name, "EMPTY_TEXT", f"the file is {what}: there is nothing to annotate")
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        return Problem(
            name,
            None,
            Location(line=line),
            "CARRIAGE_RETURN",
            "the text has a carriage return; documents store LF line ends and the text is "
            "never normalised, so convert the file first (for example with dos2unix)",
        )
    return raw, text


def _existing_documents(root: Path) -> list[_Existing]:
    """Every document id of the working copy and the releases, with its text's sha256
    (read leniently: a broken file still reserves its id)."""
    found: list[_Existing] = []
    folders = [working_dir(root)]
    folders += [folder / "documents" for folder in release_folders(releases_dir(root))]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in native.document_files(folder):
            where = display(path, root)
            try:
                data: Any = native.read_json(path, display=where)
            except CorpusError:
                found.append(_Existing(path.stem, None, where))
                continue
            seed = data.get("seed") if isinstance(data, dict) else None
            sha = seed.get("sha256") if isinstance(seed, dict) else None
            text = data.get("text") if isinstance(data, dict) else None
            if not isinstance(sha, str) and isinstance(text, str):
                sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            doc_id = data.get("id") if isinstance(data, dict) else None
            found.append(_Existing(doc_id if isinstance(doc_id, str) else path.stem, sha, where))
    return found


def _next_number(root: Path, existing: Sequence[_Existing]) -> int:
    names = [e.id for e in existing]
    seeds = root / SEEDS
    if seeds.is_dir():
        names += [p.stem for p in seeds.iterdir()]
    numbers = [int(m.group(1)) for name in names if (m := _NUMBERED_ID.match(name))]
    return max(numbers, default=-1) + 1


def derived_id(number: int, sha256: str) -> str:
    """``NNN_<first 16 hex of the sha256>``, the form of the corpus' document ids."""
    return f"{number:03d}_{sha256[:ID_HEX]}"


def new_document(
    doc_id: str,
    text: str,
    sha256: str,
    *,
    language: str,
    split: str | None,
    provenance: Provenance,
    source_name: str,
    today: str,
) -> dict[str, Any]:
    """The JSON of an unannotated working document, metadata in the gold document's shape."""
    known = [
        name
        for name, value in (
            ("outlet", provenance.outlet),
            ("URL", provenance.url),
            ("author", provenance.author),
            ("publication date", provenance.published),
        )
        if value is None
    ]
    unknown = f"Unknown (recorded as null, never guessed): {', '.join(known)}." if known else ""
    note = f"Added with `corpus add` from {source_name!r} on {today}. {unknown}".strip()
    return {
        "id": doc_id,
        "seed": {"path": f"{SEEDS}/{doc_id}{SEED_SUFFIX}", "sha256": sha256},
        "metadata": {
            "language": language,
            "split": split,
            "title": provenance.title,
            "source": {
                "outlet": provenance.outlet,
                "url": provenance.url,
                "author": provenance.author,
                "note": note,
            },
            "dates": {
                "published": provenance.published,
                "event": None,
                "note": "Dates given to `corpus add`; null when unknown.",
            },
            "annotation": {
                "annotators": [],
                "annotated_at": None,
                "origin": "not annotated yet: added with `corpus add` (annotations, if any "
                "come from a pre-annotator, are predictions until an annotator submits them)",
            },
        },
        "text": text,
        "entities": [],
        "relations": [],
        "clusters": [],
    }


def _validate(data: dict[str, Any], raw: bytes, *, file: str) -> list[Problem]:
    """Both validation layers, against the seed exactly as it will be written."""
    with tempfile.TemporaryDirectory(prefix="corpus-add-") as scratch:
        seed = Path(scratch) / data["seed"]["path"]
        seed.parent.mkdir(parents=True)
        seed.write_bytes(raw)
        return validate_document(data, file=file, root=Path(scratch))


def add_texts(
    files: Sequence[Path],
    *,
    doc_id: str | None = None,
    split: str | None = None,
    language: str = DEFAULT_LANGUAGE,
    provenance: Provenance = Provenance(),
    root: Path | None = None,
    dry_run: bool = False,
) -> list[Added]:
    """Add each text file as a seed and an unannotated working document (all or nothing).

    Raises :class:`~corpus.errors.CorpusError` with every problem found, before writing
    anything. ``dry_run`` checks everything and writes nothing.
    """
    root = root or project_root()
    problems = check_provenance(provenance)
    if doc_id is not None:
        if len(files) != 1:
            problems.append(
                _problem(
                    "--id",
                    "ID_WITH_SEVERAL_FILES",
                    f"--id names one document but {len(files)} files were given",
                )
            )
        elif not _ID_PATTERN.match(doc_id):
            problems.append(
                _problem(
                    "--id",
                    "ID_INVALID",
                    f"{doc_id!r} is not a document id (letters, digits and _ . : -, "
                    "starting with a letter or digit)",
                )
            )
    _raise(problems)

    existing = _existing_documents(root)
    by_sha: dict[str, _Existing] = {}
    by_id: dict[str, _Existing] = {}
    for item in existing:
        if item.sha256 is not None:
            by_sha.setdefault(item.sha256, item)
        by_id.setdefault(item.id, item)
    number = _next_number(root, existing)
    today = datetime.now(timezone.utc).date().isoformat()

    planned: list[tuple[Added, bytes, dict[str, Any] | None]] = []
    batch_sha: dict[str, str] = {}
    for path in files:
        name = str(path)
        read = read_text(path, name=name)
        if isinstance(read, Problem):
            problems.append(read)
            continue
        raw, text = read
        sha = hashlib.sha256(raw).hexdigest()
        if sha in batch_sha:
            problems.append(
                _problem(name, "DUPLICATE_TEXT", f"the same text as {batch_sha[sha]} in this call")
            )
            continue
        batch_sha[sha] = name
        present = by_sha.get(sha)
        if present is not None:
            if doc_id is not None and doc_id != present.id:
                problems.append(
                    _problem(
                        name,
                        "DUPLICATE_TEXT",
                        f"the same text is already document {present.id} ({present.where}); "
                        f"it cannot be added again as {doc_id!r}",
                        document=doc_id,
                    )
                )
                continue
            seed = f"{SEEDS}/{present.id}{SEED_SUFFIX}"
            working = display(working_dir(root) / f"{present.id}{native.SUFFIX}", root)
            added = Added(name, present.id, seed, working, False, f"already in {present.where}")
            planned.append((added, raw, None))
            continue
        if doc_id is not None:
            new_id = doc_id
        else:
            new_id = derived_id(number, sha)
            number += 1
        clash = by_id.get(new_id)
        if clash is not None:
            problems.append(
                _problem(
                    name,
                    "DUPLICATE_ID",
                    f"document id {new_id!r} is already used by {clash.where} for another text",
                    document=new_id,
                )
            )
            continue
        seed_path = root / SEEDS / f"{new_id}{SEED_SUFFIX}"
        seed = f"{SEEDS}/{new_id}{SEED_SUFFIX}"
        if seed_path.exists():
            try:
                same = seed_path.read_bytes() == raw
            except OSError:
                same = False
            if not same:
                problems.append(
                    _problem(
                        name,
                        "SEED_EXISTS",
                        f"{seed} already exists with other bytes; a seed is never replaced "
                        "(choose another --id)",
                        document=new_id,
                    )
                )
                continue
        working_path = working_dir(root) / f"{new_id}{native.SUFFIX}"
        working = display(working_path, root)
        data = new_document(
            new_id,
            text,
            sha,
            language=language,
            split=split,
            provenance=provenance,
            source_name=path.name,
            today=today,
        )
        problems += _validate(data, raw, file=working)
        planned.append((Added(name, new_id, seed, working, True), raw, data))
    _raise(problems)
    if not dry_run:
        _write(planned, root)
    return [added for added, _, _ in planned]


def _write(planned: Sequence[tuple[Added, bytes, dict[str, Any] | None]], root: Path) -> None:
    """Seeds first, then working documents; on failure remove what this call created."""
    created: list[Path] = []
    try:
        for added, raw, data in planned:
            seed = root / added.seed
            if data is not None and not seed.exists():
                atomic_write_bytes(seed, raw)
                created.append(seed)
        for added, _, data in planned:
            if data is None:
                continue
            target = root / added.working
            atomic_write_text(target, native.dumps(native.from_dict(data)))
            created.append(target)
    except BaseException:
        for path in reversed(created):
            path.unlink(missing_ok=True)
        raise

"""Validate annotated documents in two layers and report every problem in one run.

1. **Schema layer**: ``schema/document.schema.json`` through
   :func:`corpus.schema.document_validator`. Each jsonschema error becomes one
   :class:`~corpus.errors.Problem` located by the RFC 6901 pointer of the offending value,
   with a code derived from the failing keyword. A validator compiled once per process
   (:func:`corpus.schema.fast_document_check`, ``jsonschema-rs``) runs first; only a
   document it does not accept pays for jsonschema, so the problems are jsonschema's
   whichever path ran (``tests/core/test_fast_path.py`` compares the two).
2. **Semantic layer** (:mod:`corpus.semantic`): what a schema cannot say (offsets inside the
   text, span text, the seed, unique ids, relation arguments, clusters, spans that cross). A
   check that needs a field the schema layer already rejected is skipped for that field, so
   odd input (strings for offsets, a list instead of an object) gives schema problems and
   never a traceback.

Problem codes (stable; registered with their exit status in :mod:`corpus.codes`, which the
documentation's tables (docs/errors.md) are generated from):

==========================  ==============================================================
code                        meaning
==========================  ==============================================================
UNKNOWN_ENTITY_TYPE         ``/entities/N/type`` is not a label of the inventory
UNKNOWN_RELATION_TYPE       ``/relations/N/type`` is not a label of the inventory
SCHEMA_REQUIRED             a required property is missing (pointer: the object)
SCHEMA_TYPE                 a value has the wrong JSON type
SCHEMA_ADDITIONAL_PROPERTY  a property the format does not define (pointer: the property)
SCHEMA_PATTERN              a string does not match its pattern (ids, language, sha256)
SCHEMA_MINIMUM              a number is below its minimum (negative offsets)
SCHEMA_MIN_LENGTH           a string is too short (empty span text)
SCHEMA_MIN_ITEMS            an array is too short (a cluster with fewer than two members)
SCHEMA_<KEYWORD>            any other keyword, upper snake case (``SCHEMA_ONE_OF``, ...)
OFFSET_NOT_INTEGER          an offset written as a float (``3.0``)
OFFSET_OUT_OF_RANGE         end beyond the text, or start >= end
SPAN_TEXT_MISMATCH          ``text[start:end]`` differs from the entity's ``text``
SPAN_WHITESPACE             a span starts or ends with whitespace
SEED_HASH_MISMATCH          sha256 of the UTF-8 text differs from ``seed.sha256``
SEED_MISSING                the seed file named by ``seed.path`` does not exist
SEED_TEXT_MISMATCH          the seed file's bytes differ from the UTF-8 text
DUPLICATE_ID                an id used twice in a document (entities, relations and clusters
                            share one id space), or a document id used twice in a set
DANGLING_HEAD               a relation head that is no entity of the document
DANGLING_TAIL               a relation tail that is no entity of the document
SELF_RELATION               a relation whose head and tail are the same entity
RELATION_TYPE_NOT_ALLOWED   argument types the inventory does not allow (symmetric types
                            accept either order)
DUPLICATE_RELATION          same type, head and tail twice (symmetric: either order)
CLUSTER_UNKNOWN_ENTITY      a cluster member that is no entity of the document
CLUSTER_DUPLICATE_MEMBER    an entity listed twice in one cluster
ENTITY_IN_SEVERAL_CLUSTERS  an entity that is a member of more than one cluster
CLUSTER_MIXED_TYPES         a cluster whose members have different entity types
DUPLICATE_SPAN              two entities with the same type, start and end
CROSSING_SPANS              two spans that overlap while neither contains the other
FILE_NAME_MISMATCH          a document file not named ``<document id>.json``
INVALID_UNICODE             a string with a lone surrogate escape (``"\\ud800"``)
NOT_FOUND / NOT_JSON /      unusable input (exit status 2): missing path, unparsable file,
NOT_UTF8 / UNREADABLE /     a folder without documents
NO_DOCUMENTS
==========================  ==============================================================

Releases add their own codes (``CHECKSUM_MISMATCH``, ``RELEASE_FILE_MISSING``,
``MANIFEST_CHANGED``, ``CHANGELOG_ENTRY_MISSING``, ...), see :mod:`corpus.manifest`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from corpus import manifest
from corpus.errors import CorpusError, Location, Problem
from corpus.formats import native
from corpus.fsutil import sha256_bytes
from corpus.model import Document
from corpus.paths import releases_dir
from corpus.progress import progress
from corpus.schema import document_validator, fast_document_check, inventory
from corpus.semantic import check_semantics, is_clean
from corpus.workers import job_count, process_pool

#: jsonschema keyword -> problem code; other keywords become ``SCHEMA_<UPPER_SNAKE>``
KEYWORD_CODES = {
    "required": "SCHEMA_REQUIRED",
    "type": "SCHEMA_TYPE",
    "additionalProperties": "SCHEMA_ADDITIONAL_PROPERTY",
    "pattern": "SCHEMA_PATTERN",
    "minimum": "SCHEMA_MINIMUM",
    "minLength": "SCHEMA_MIN_LENGTH",
    "minItems": "SCHEMA_MIN_ITEMS",
}

_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def show(value: Any, limit: int = 60) -> str:
    """A short, unambiguous rendering of a JSON value for a message."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (dict, list)):
        text = "an object" if isinstance(value, dict) else f"an array of {len(value)} items"
        return text
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_type(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return _JSON_TYPES[type(value)]
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def pointer_key(pointer: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key for pointers: array indexes compare as numbers."""
    parts = pointer.split("/")[1:] if pointer else []
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


# --------------------------------------------------------------------------- schema layer


def _keyword_code(keyword: str) -> str:
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", keyword).upper()
    return KEYWORD_CODES.get(keyword) or f"SCHEMA_{snake}"


def _schema_problems(
    data: Any, file: str, document: str | None, *, fast: bool = True
) -> Iterator[Problem]:
    """The schema problems of one document. With ``fast``, a document the compiled first
    pass accepts has none and skips jsonschema; any other goes through jsonschema, whose
    errors are the problems (so messages, codes and pointers never depend on ``fast``)."""
    if fast and fast_document_check()(data):
        return
    labels = inventory()
    for error in document_validator().iter_errors(data):
        path = list(error.absolute_path)
        location = Location.at(*path)
        keyword = str(error.validator)
        value = error.instance
        if (
            keyword == "oneOf"
            and len(path) == 3
            and path[0] in ("entities", "relations")
            and path[2] == "type"
        ):
            kind = "entity" if path[0] == "entities" else "relation"
            allowed = labels.entity_types if kind == "entity" else labels.relation_types
            code = f"UNKNOWN_{kind.upper()}_TYPE"
            yield Problem(
                file,
                document,
                location,
                code,
                f"unknown {kind} type {show(value)}; allowed: {', '.join(allowed)}",
            )
        elif keyword == "required" and isinstance(value, dict):
            for name in error.validator_value:
                if name not in value:
                    yield Problem(
                        file,
                        document,
                        location,
                        "SCHEMA_REQUIRED",
                        f"missing required property {name!r}",
                    )
        elif keyword == "additionalProperties" and isinstance(value, dict):
            known = error.schema.get("properties", {})
            for name in value:
                if name not in known:
                    yield Problem(
                        file,
                        document,
                        Location.at(*path, name),
                        "SCHEMA_ADDITIONAL_PROPERTY",
                        f"unexpected property {name!r}; allowed: {', '.join(known)}",
                    )
        elif keyword == "type":
            expected = error.validator_value
            expected_text = " or ".join(expected) if isinstance(expected, list) else expected
            yield Problem(
                file,
                document,
                location,
                "SCHEMA_TYPE",
                f"expected {expected_text}, found {json_type(value)} {show(value)}",
            )
        elif keyword == "pattern":
            yield Problem(
                file,
                document,
                location,
                "SCHEMA_PATTERN",
                f"{show(value)} does not match the pattern {error.validator_value}",
            )
        elif keyword == "minimum":
            yield Problem(
                file,
                document,
                location,
                "SCHEMA_MINIMUM",
                f"{show(value)} is below the minimum {error.validator_value}",
            )
        elif keyword == "minLength":
            yield Problem(
                file,
                document,
                location,
                "SCHEMA_MIN_LENGTH",
                f"{show(value)} is shorter than {error.validator_value} character(s)",
            )
        elif keyword == "minItems":
            count = len(value) if isinstance(value, list) else 0
            yield Problem(
                file,
                document,
                location,
                "SCHEMA_MIN_ITEMS",
                f"has {count} item(s); at least {error.validator_value} required",
            )
        else:
            detail = " ".join(error.message.split())
            detail = detail if len(detail) <= 200 else detail[:197] + "..."
            yield Problem(
                file, document, location, _keyword_code(keyword), f"{show(value)}: {detail}"
            )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogates(text: str) -> str:
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _without_surrogates(
    value: Any, path: tuple[str | int, ...], found: list[tuple[str | int, ...]]
) -> Any:
    """``value`` with lone surrogates (JSON ``\\ud800`` escapes, which are not characters)
    written out as text; the paths of the strings that held them go to ``found``."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            found.append(path)
            return _escape_surrogates(value)
        return value
    if isinstance(value, list):
        return [_without_surrogates(item, (*path, i), found) for i, item in enumerate(value)]
    if isinstance(value, dict):
        clean = {}
        for key, item in value.items():
            name = _escape_surrogates(key) if isinstance(key, str) else key
            if name != key:
                found.append((*path, name))
            clean[name] = _without_surrogates(item, (*path, name), found)
        return clean
    return value


def _may_hold_surrogates(data: Any) -> bool:
    """False only when no string or key of ``data`` holds a lone surrogate: ``repr`` (C
    speed, unlike a walk in Python) writes every unprintable character as an escape, and
    surrogates are unprintable, so each appears as ``\\udXXX``. A backslash in the data
    (``\\\\ud``) can only make this say True, which costs the walk and nothing else."""
    try:
        return "\\ud" in repr(data)
    except RecursionError:
        return True


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD]")


def raw_may_hold_surrogates(raw: bytes) -> bool:
    """False only when the JSON text ``raw`` cannot hold a lone surrogate: in valid UTF-8
    a surrogate can only be written as an escape ``\\udXXX``; an escaped backslash
    followed by ``ud`` can only make this say True, which costs the walk and nothing else."""
    return _SURROGATE_ESCAPE.search(raw) is not None


def validate_document(
    data: Any,
    *,
    file: str,
    root: Path,
    semantic: bool = True,
    fast: bool = True,
    surrogates_possible: bool | None = None,
) -> list[Problem]:
    """Every problem of one parsed JSON document, schema layer then semantic layer,
    sorted by location. ``root`` is the project root the seed path is relative to;
    ``semantic=False`` runs the schema layer only (predictions may cross spans).

    ``fast`` (the default) lets a valid document skip the interpretive jsonschema pass,
    the semantic checker (:func:`corpus.semantic.is_clean` first) and the walk for lone
    surrogates; ``fast=False`` always takes all three (same problems, slower: the tests
    compare the two). ``surrogates_possible=False`` (from :func:`raw_may_hold_surrogates`
    on the file's bytes) skips even the check for them."""
    surrogates: list[tuple[str | int, ...]] = []
    if surrogates_possible is None:
        surrogates_possible = _may_hold_surrogates(data)
    if not fast or surrogates_possible:
        data = _without_surrogates(data, (), surrogates)
    document = data.get("id") if isinstance(data, dict) else None
    document = document if isinstance(document, str) else None
    problems = [
        Problem(
            file,
            document,
            Location(json_path=path),
            "INVALID_UNICODE",
            "the string holds a lone surrogate (a \\ud800-\\udfff escape), "
            "which is not a Unicode character",
        )
        for path in surrogates
    ]
    problems += dict.fromkeys(_schema_problems(data, file, document, fast=fast))
    if fast and not problems and semantic and is_clean(data, root):
        return problems
    if semantic and isinstance(data, dict):
        rejected = {p.location.json_path for p in problems if p.location.json_path is not None}
        problems += check_semantics(data, file=file, root=root, rejected=rejected)
    return sorted(problems, key=lambda p: (pointer_key(p.pointer), p.code, p.message))


# --------------------------------------------------------------------------- sets of documents


@dataclass
class SetReport:
    """The outcome of validating one set: a folder of documents, a release, or one file.

    It keeps the ids of the valid documents and their counts as running totals
    (:class:`~corpus.manifest.Tally`), never the documents, so a set of any size is checked
    in flat memory."""

    label: str
    kind: str  # "working", "folder", "release" or "file"
    problems: list[Problem] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    tally: manifest.Tally = field(default_factory=manifest.Tally)
    files: int = 0
    checksums: int = 0  # release files whose sha256 was verified

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        tally = self.tally
        status = "ok" if self.ok else "FAIL"
        text = (
            f"{status} {self.label} ({self.kind}): {self.files} document file(s), "
            f"{sum(tally.entities.values())} entities, "
            f"{sum(tally.relations.values())} relations, {tally.clusters} clusters"
        )
        if self.kind == "release":
            text += f", {self.checksums} checksum(s) verified"
        if self.problems:
            text += f"; {len(self.problems)} problem(s)"
        return text

    def to_dict(self) -> dict[str, Any]:
        tally = self.tally
        return {
            "path": self.label,
            "kind": self.kind,
            "ok": self.ok,
            "files": self.files,
            "documents": list(self.ids),
            "checksums": self.checksums,
            "entities": sum(tally.entities.values()),
            "relations": sum(tally.relations.values()),
            "clusters": tally.clusters,
            "problems": len(self.problems),
        }


def display(path: Path, root: Path) -> str:
    """``path`` relative to the project root when it lies inside it."""
    try:  # realpath, unlike Path.resolve, does not raise on a symlink loop
        return Path(os.path.realpath(path)).relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass
class FileResult:
    """One checked file: its document id (if it has one), its problems, and when it is
    valid its counts and (if asked for) the document."""

    id: str | None
    document: Document | None
    problems: list[Problem]
    tally: manifest.Tally | None = None
    sha256: str | None = None  # of the file's bytes, when asked for and readable


def check_file(
    path: Path,
    *,
    root: Path,
    semantic: bool = True,
    file_names: bool = True,
    document: bool = True,
    name: str | None = None,
    digest: bool = False,
) -> FileResult:
    """Read, validate and (when clean) parse one document file. ``semantic=False``: the
    schema layer only; ``file_names=False``: a file need not be named after its document;
    ``document=False``: count a valid document without building it (``corpus validate``);
    ``name``: how problems name the file (default: :func:`display`); ``digest``: also
    the sha256 of its bytes (a release's checksums, checked without reading it twice)."""
    name = name or display(path, root)
    try:
        raw = native.read_bytes(path, display=name)
    except CorpusError as error:
        return FileResult(None, None, error.problems)
    result = _check_bytes(raw, path, name, root, semantic, file_names, document)
    if digest:
        result.sha256 = sha256_bytes(raw)
    return result


def _check_bytes(
    raw: bytes,
    path: Path,
    name: str,
    root: Path,
    semantic: bool,
    file_names: bool,
    document: bool,
) -> FileResult:
    try:
        data = native.parse_json(raw, display=name)
    except CorpusError as error:
        return FileResult(None, None, error.problems)
    problems = validate_document(
        data,
        file=name,
        root=root,
        semantic=semantic,
        surrogates_possible=raw_may_hold_surrogates(raw),
    )
    document_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(document_id, str):
        return FileResult(None, None, problems)
    if file_names and path.suffix == native.SUFFIX and path.stem != document_id:
        problems.append(
            Problem(
                name,
                document_id,
                Location.at("id"),
                "FILE_NAME_MISMATCH",
                f"document id {document_id!r} differs from the file name "
                f"{path.name!r} (expected {document_id}.json)",
            )
        )
    if problems:
        return FileResult(document_id, None, problems)
    tally = manifest.Tally()
    tally.add_data(data)
    return FileResult(document_id, native.from_dict(data) if document else None, [], tally)


#: from how many files a check that keeps no document (``corpus validate``, the check of a
#: release being made) uses one process per core (at most 8) by default
#: (:func:`corpus.workers.job_count`). On the 2-core machine of the benchmark it pays
#: there: each worker sends back a problem list and a few counts, and 10,000 documents
#: took 3.3 s instead of 5.4 s; at 1,000 the pool's start-up eats the gain. Reading
#: documents stays in one process unless ``$CORPUS_JOBS`` says otherwise: the parent must
#: unpickle every Document (about a quarter of the work of checking it), so two workers
#: used 60 % more CPU for at best 1.3x.
PARALLEL_FROM = 2_000


def _jobs(count: int, *, documents: bool = True) -> int:
    """How many processes check ``count`` files (:func:`corpus.workers.job_count`): by
    default one per core (at most 8) from :data:`PARALLEL_FROM` files for a check that
    keeps no document, else one."""
    # a check that keeps documents starts no pool unless $CORPUS_JOBS asks for one
    return job_count(count, start_at=None if documents else PARALLEL_FROM, most=8)


def _results(
    files: Sequence[Path],
    names: Sequence[str],
    root: Path,
    *,
    semantic: bool = True,
    file_names: bool = True,
    documents: bool = True,
    digest: bool = False,
) -> Iterator[FileResult]:
    """``check_file`` of each file, in order; in several processes when there are many."""
    check = partial(
        _check_named,
        root=root,
        semantic=semantic,
        file_names=file_names,
        document=documents,
        digest=digest,
    )
    jobs = _jobs(len(files), documents=documents)
    if jobs == 1:
        yield from map(check, files, names)
        return
    pool = process_pool(jobs)
    if pool is None:
        yield from map(check, files, names)
        return
    chunk = max(1, min(64, len(files) // (jobs * 8)))
    with pool:
        yield from pool.map(check, files, names, chunksize=chunk)


def _check_named(path: Path, name: str, **options: Any) -> FileResult:
    return check_file(path, name=name, **options)


def _names(files: Sequence[Path], root: Path) -> list[str]:
    """:func:`display` of each file, computed once per folder (a symlink on its own)."""
    folders: dict[Path, str] = {}
    names = []
    for path in files:
        if os.path.islink(path):
            names.append(display(path, root))
            continue
        folder = folders.get(path.parent)
        if folder is None:
            folder = folders[path.parent] = display(path.parent, root)
        names.append(path.name if folder == "." else f"{folder}/{path.name}")
    return names


def iter_files(
    report: SetReport,
    files: Iterable[Path],
    root: Path,
    *,
    semantic: bool = True,
    file_names: bool = True,
    documents: bool = True,
    digests: dict[str, str] | None = None,
) -> Iterator[Document]:
    """Check ``files`` one at a time, yielding each valid document as soon as it is read;
    problems (document ids across the files included), ids and counts go to ``report``.
    Nothing but the ids seen is kept, so a consumer that does not keep the documents runs
    in flat memory. ``documents=False`` yields nothing and builds no document (the
    report is what is wanted: ``corpus validate``). ``digests``: filled with the sha256
    of each file read, by file name."""
    seen: dict[str, str] = {}
    files = list(files)
    names = _names(files, root)
    results = progress(
        _results(
            files,
            names,
            root,
            semantic=semantic,
            file_names=file_names,
            documents=documents,
            digest=digests is not None,
        ),
        total=len(files),
        desc=f"validate {report.label}",
    )
    for path, name, result in zip(files, names, results, strict=True):
        if digests is not None and result.sha256 is not None:
            digests[path.name] = result.sha256
        report.files += 1
        report.problems += result.problems
        if result.id is None:
            continue
        if result.id in seen:
            report.problems.append(
                Problem(
                    name,
                    result.id,
                    Location.at("id"),
                    "DUPLICATE_ID",
                    f"document id {result.id!r} is already used by {seen[result.id]}",
                )
            )
            continue
        seen[result.id] = name
        if result.tally is not None:
            report.ids.append(result.id)
            report.tally.merge(result.tally)
        if result.document is not None:
            yield result.document


def check_files(report: SetReport, files: Iterable[Path], root: Path) -> SetReport:
    for _ in iter_files(report, files, root, documents=False):
        pass
    return report


def iter_folder(
    report: SetReport,
    folder: Path,
    root: Path,
    *,
    allow_empty: bool = False,
    semantic: bool = True,
    file_names: bool = True,
    documents: bool = True,
) -> Iterator[Document]:
    """:func:`iter_files` over the ``*.json`` documents of a folder (``NO_DOCUMENTS`` when
    it holds none, unless ``allow_empty``)."""
    files = native.document_files(folder)
    if not files and not allow_empty:
        report.problems.append(
            Problem(
                report.label,
                None,
                Location(),
                "NO_DOCUMENTS",
                "the folder holds no *.json document files",
            )
        )
        return
    yield from iter_files(
        report, files, root, semantic=semantic, file_names=file_names, documents=documents
    )


def check_folder(
    folder: Path, *, root: Path, kind: str = "folder", allow_empty: bool = False
) -> SetReport:
    """Validate every ``*.json`` document of a folder, and document ids across it."""
    report = SetReport(display(folder, root), kind)
    for _ in iter_folder(report, folder, root, allow_empty=allow_empty, documents=False):
        pass
    return report


def iter_release(
    report: SetReport,
    folder: Path,
    root: Path,
    *,
    semantic: bool = True,
    file_names: bool = True,
    history: manifest.History | None = None,
    documents: bool = True,
) -> Iterator[Document]:
    """A release's documents one at a time: its manifest is checked first, then each
    document as it is yielded (its sha256 taken from the bytes read), and the checksums
    and the manifest's counts (kept as running totals) once the last one is read; for a
    release of the project, also its manifest's sha256 against the index and its link to
    the release before it (see :mod:`corpus.manifest`)."""
    data, problems = manifest.read_manifest(folder, display=report.label)
    report.problems += problems
    checksums_at = len(report.problems)  # their problems come before the documents'
    digests: dict[str, str] = {}
    yield from iter_files(
        report,
        native.document_files(folder / manifest.DOCUMENTS),
        root,
        semantic=semantic,
        file_names=file_names,
        documents=documents,
        digests=digests if data is not None else None,
    )
    if data is not None:
        known = {f"{manifest.DOCUMENTS}/{name}": digest for name, digest in digests.items()}
        checked = manifest.verify_checksums(folder, data, display=report.label, known=known)
        report.problems[checksums_at:checksums_at] = checked.problems
        report.checksums = checked.verified
    if data is not None and report.ok:
        report.problems += manifest.verify_count_totals(
            data, report.tally.counts(), display=report.label
        )
    releases = releases_dir(root)
    if data is not None and os.path.realpath(folder.parent) == os.path.realpath(releases):
        history = history if history is not None else release_history(root)
        report.problems += manifest.release_record_problems(
            history, folder.name, show=lambda p: display(p, root)
        )


def check_release(
    folder: Path, *, root: Path, history: manifest.History | None = None
) -> SetReport:
    """Validate a release folder: its manifest, its checksums, its documents and (for a
    release of the project) its record in the index and the chain."""
    report = SetReport(display(folder, root), "release")
    for _ in iter_release(report, folder, root, history=history, documents=False):
        pass
    return report


def release_history(root: Path) -> manifest.History:
    """Every release's manifest and the index of their sha256s (see :mod:`corpus.manifest`)."""
    return manifest.read_history(releases_dir(root), show=lambda p: display(p, root))


def is_release_dir(path: Path) -> bool:
    return (path / manifest.MANIFEST).is_file() or (path / manifest.DOCUMENTS).is_dir()


def release_folders(folder: Path) -> list[Path]:
    """The release folders inside ``folder`` (hidden staging folders left out)."""
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: manifest.version_key(p.name),
    )

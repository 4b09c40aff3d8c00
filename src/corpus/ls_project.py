"""Label Studio work on the project's files: which documents to export, what the
importer compares against (seeds, base documents, reserved ids), writing the imported
documents as working annotations, and the commands' workflows (push, pull, serve) that
combine them with a server. The conversion is :mod:`corpus.formats.labelstudio`; the
server and its API are :mod:`corpus.lsserver`.

Export streams: ``corpus ls export`` writes each task as its document is read
(:func:`dump_export`). So does ``corpus ls import``: it reads the export file one task at a
time (:class:`ExportFile`), reads the corpus documents a task is compared against when the
task comes (:class:`Corpus`), validates each imported document once, compares it with the
file it replaces and stages it beside its target, keeping a summary per document; the
staged set is renamed into place at the end, all or none (:func:`import_export`).
"""

from __future__ import annotations

import codecs
import gc
import io
import itertools
import json
import marshal
import os
import re
import secrets
import tempfile
from collections import deque
from collections.abc import (
    Callable,
    Collection,
    Generator,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Generic, TextIO, TypeVar, cast

from corpus import lsserver, manifest, overwrite, preannotate, release, sources
from corpus.errors import CorpusError, Location, Problem, problem_error
from corpus.formats import labelstudio, native
from corpus.fsutil import FileSet, atomic_write_text, sha256_bytes
from corpus.inputs import (
    MAX_DOCUMENT_BYTES,
    MAX_EXPORT_BYTES,
    MiB,
    Refused,
    read_input,
    read_limited,
)
from corpus.model import Document
from corpus.paths import (
    annotations_dir,
    project_root,
    refuse_release_output,
    releases_dir,
    working_dir,
)
from corpus.progress import progress
from corpus.sources import WORKING
from corpus.validate import check_file, validate_document
from corpus.workers import job_count, ordered_results, process_pool

SEEDS_DIR = "seeds"


#: ``--pre-annotator`` values besides ``module:function``
GAZETTEER = "gazetteer"
NO_PRE_ANNOTATION = "none"


@dataclass(frozen=True)
class Exported:
    """Tasks of a version and which of them carry a pre-annotator's predictions."""

    version: str
    mode: str
    tasks: list[dict[str, Any]]
    #: ids of the documents not annotated yet whose tasks carry predictions
    pre_annotated: tuple[str, ...] = ()
    #: the ``model_version`` of those predictions (None when no task has them)
    model_version: str | None = None
    #: ids of the version's documents left out (``exclude``), in corpus order
    excluded: tuple[str, ...] = ()


def pre_annotator(
    spec: str | None, root: Path | None = None
) -> preannotate.NamedPreAnnotator | None:
    """What ``--pre-annotator`` names: ``gazetteer`` (the default: the gold mentions of the
    latest release, or of the working copy while there is none), ``none``, or a
    ``module:function`` hook (:func:`corpus.preannotate.load_preannotator`)."""
    if spec is None or spec == GAZETTEER:
        gazetteer = preannotate.gazetteer_from_release(None, root)
        return preannotate.NamedPreAnnotator(gazetteer, gazetteer.model_version)
    if spec == NO_PRE_ANNOTATION:
        return None
    return preannotate.load_preannotator(spec)


class _PreAnnotate:
    """The prediction of each document not annotated yet (a
    :data:`~corpus.formats.labelstudio.Predict`); the pre-annotator is built at the first
    such document, so a version with none never builds it."""

    def __init__(self, spec: str | None, root: Path | None) -> None:
        self.spec = spec
        self.root = root
        self.built = False
        self.annotator: preannotate.NamedPreAnnotator | None = None
        #: ids of the documents given predictions, in corpus order
        self.documents: list[str] = []

    def __call__(self, document: Document) -> dict[str, Any] | None:
        if not self.built:
            self.annotator = pre_annotator(self.spec, self.root)
            self.built = True
        if self.annotator is None:
            return None
        self.documents.append(document.id)
        name = self.annotator.model_version
        found = preannotate.predict(
            document.text, self.annotator, document=document.id, source=name
        )
        return preannotate.ls_prediction(found, name)

    @property
    def model_version(self) -> str | None:
        return self.annotator.model_version if self.annotator and self.documents else None


def export(
    version: str | None,
    mode: labelstudio.ExportMode,
    *,
    pre_annotation: str | None = GAZETTEER,
    exclude: Collection[str] = (),
    root: Path | None = None,
) -> Exported:
    """The tasks of a version (any name :mod:`corpus.sources` opens; default: the latest
    release, else the working copy). Documents not annotated yet
    (:func:`corpus.formats.labelstudio.is_annotated`) get the predictions of the
    pre-annotator ``pre_annotation`` names (:func:`pre_annotator`; built only when such a
    document exists) unless the mode is ``none``; annotated documents travel as ``mode``
    says and are never pre-annotated. Documents whose id is in ``exclude`` are left out
    (``ls push``: tasks already in the project)."""
    source = sources.open_source(version, root=root)
    everything = source.documents()
    documents = [d for d in everything if d.id not in exclude]
    excluded = tuple(d.id for d in everything if d.id in exclude)
    predict = _PreAnnotate(pre_annotation, root)
    tasks = labelstudio.write(documents, version=source.version, mode=mode, predict=predict)
    return Exported(
        source.version, mode, tasks, tuple(predict.documents), predict.model_version, excluded
    )


def export_tasks(
    version: str | None,
    mode: labelstudio.ExportMode,
    root: Path | None = None,
    *,
    pre_annotation: str | None = GAZETTEER,
) -> tuple[str, list[dict[str, Any]]]:
    """The version exported and its tasks (see :func:`export`)."""
    exported = export(version, mode, pre_annotation=pre_annotation, root=root)
    return exported.version, exported.tasks


@dataclass(frozen=True)
class Dumped:
    """What :func:`dump_export` wrote: the version, the number of tasks, and which of them
    carry a pre-annotator's predictions (as :class:`Exported`)."""

    version: str
    count: int
    pre_annotated: tuple[str, ...] = ()
    model_version: str | None = None


def dump_export(
    version: str | None,
    mode: labelstudio.ExportMode,
    handle: TextIO,
    *,
    pre_annotation: str | None = GAZETTEER,
    root: Path | None = None,
    quiet: bool = False,
) -> Dumped:
    """Write the tasks of ``version`` (as :func:`export`) to ``handle`` as one JSON array,
    each task as soon as its document is read and checked. A problem in any document
    raises once the last one is read, after the tasks before it were written, so
    ``handle`` must be a temporary file that is dropped then
    (:func:`corpus.fsutil.atomic_text_writer`); it must be seekable too (a release whose
    file changed while it was read is written again from the start).

    A release of the project whose checksums match is read without validating it again (it
    was validated when it was made, and these are its bytes), each file's checksum compared
    as it is read, from :data:`EXPORT_PARALLEL_FROM` documents on in worker processes
    (:func:`export_jobs`); anything else is validated as it is read."""
    source = sources.open_source(version, root=root)
    recorded = release.recorded_files(source.version, root) if source.is_release else None
    if recorded is not None:
        try:
            return _dump_recorded(
                recorded, source.version, mode, handle, pre_annotation, root, quiet
            )
        except _Changed:
            # a file that no longer matches its checksum: the release is read as any other,
            # validated, and its problems raised
            handle.seek(0)
            handle.truncate()
    documents = progress(
        source, total=len(source.paths), desc=f"ls export {source.version}", quiet=quiet
    )
    predict = _PreAnnotate(pre_annotation, root)
    tasks = labelstudio.iter_tasks(documents, version=source.version, mode=mode, predict=predict)
    count = labelstudio.dump_tasks(tasks, handle)
    return Dumped(source.version, count, tuple(predict.documents), predict.model_version)


#: from how many documents ``ls export`` of a verified release reads and writes its tasks in
#: worker processes (starting them costs little, but below this there is under 0.1 s to gain,
#: and on a machine whose other core is busy two workers take as long as one process)
EXPORT_PARALLEL_FROM = 500
#: documents per chunk a worker turns into task text
EXPORT_CHUNK = 32


def export_jobs(count: int) -> int:
    """How many processes turn ``count`` documents of a verified release into tasks
    (:func:`corpus.workers.job_count`): ``$CORPUS_JOBS`` when set (1: this process only),
    else one per core (at most 2) from :data:`EXPORT_PARALLEL_FROM` documents, else 1;
    never more than there are chunks."""
    chunks = -(-count // EXPORT_CHUNK)
    return min(job_count(count, start_at=EXPORT_PARALLEL_FROM, most=2), max(chunks, 1))


class _Changed(Exception):
    """A release file no longer matches the checksum its manifest records."""


@dataclass(frozen=True)
class _Stopped:
    """Why a chunk stopped, as it crosses from a worker (a CorpusError does not pickle): a
    file that no longer matches its checksum, or the problems of one that cannot be read."""

    changed: bool
    problems: tuple[Problem, ...] = ()


#: a document's task as JSON text (UTF-8), or the JSON object of a document not annotated
#: yet, whose task may carry a prediction (:func:`corpus.formats.labelstudio.task_json`)
_Line = bytes | dict[str, Any]


def _chunk_lines(
    files: Sequence[tuple[Path, str]], version: str, mode: labelstudio.ExportMode
) -> list[_Line] | _Stopped:
    """The task of each file of a verified release (with the sha256 its manifest records),
    each file's bytes compared with its checksum and parsed once: a worker's part."""
    lines: list[_Line] = []
    try:
        with _collection_paused():
            for path, sha256 in files:
                raw = native.read_bytes(path)
                if sha256_bytes(raw) != sha256:
                    return _Stopped(changed=True)
                data = native.parse_json(raw, display=str(path))
                line = labelstudio.task_json(data, version=version, mode=mode)
                lines.append(data if line is None else line.encode("utf-8"))
    except CorpusError as error:
        return _Stopped(changed=False, problems=tuple(error.problems))
    return lines


@contextmanager
def _collection_paused() -> Iterator[None]:
    """No garbage collection while the block runs: what it makes is JSON trees and strings,
    which hold no cycles and are freed by reference counting, and the collector's passes over
    each document's objects cost a third of parsing it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _task_lines(
    files: Sequence[tuple[Path, str]], version: str, mode: labelstudio.ExportMode, jobs: int
) -> Iterator[_Line]:
    """:func:`_chunk_lines` of every file, in order; with ``jobs`` > 1 in that many forked
    worker processes, a bounded number of chunks ahead (so memory stays flat)."""
    chunks = [files[start : start + EXPORT_CHUNK] for start in range(0, len(files), EXPORT_CHUNK)]
    if jobs <= 1:
        for chunk in chunks:
            yield from _lines_of(_chunk_lines(chunk, version, mode))
        return
    pool = process_pool(jobs)
    if pool is None:  # no process semaphores here: one process
        yield from _task_lines(files, version, mode, 1)
        return
    # the objects alive now (the modules' own) are left out of the collector's passes, so
    # a worker never copies their pages to count them (as corpus.hf.pipeline does)
    gc.freeze()
    try:
        lines_of = partial(_chunk_lines, version=version, mode=mode)
        for result in ordered_results(pool, lines_of, chunks, ahead=4 * jobs):
            yield from _lines_of(result)
    finally:
        gc.unfreeze()


def _lines_of(result: list[_Line] | _Stopped) -> list[_Line]:
    if isinstance(result, _Stopped):
        if result.changed:
            raise _Changed
        raise CorpusError(list(result.problems))
    return result


def _dump_recorded(
    files: Sequence[tuple[Path, str]],
    version: str,
    mode: labelstudio.ExportMode,
    handle: TextIO,
    pre_annotation: str | None,
    root: Path | None,
    quiet: bool,
) -> Dumped:
    """:func:`dump_export` of a verified release's files (see
    :func:`corpus.release.recorded_files`): :class:`_Changed` when one no longer matches."""
    predict = _PreAnnotate(pre_annotation, root)

    def task(document: Document) -> bytes:  # not annotated yet: the pre-annotator's turn
        prediction = predict(document)
        written = labelstudio.document_to_task(
            document, version=version, mode=mode, prediction=prediction
        )
        return json.dumps(written, ensure_ascii=False).encode("utf-8")

    lines = progress(
        _task_lines(files, version, mode, export_jobs(len(files))),
        total=len(files),
        desc=f"ls export {version}",
        quiet=quiet,
    )
    write = _utf8_writer(handle)
    count = 0
    for line in lines:
        text = line if isinstance(line, bytes) else task(native.from_dict(line))
        write((b"[\n" if count == 0 else b",\n") + text)
        count += 1
    write(b"[]\n" if count == 0 else b"\n]\n")
    return Dumped(version, count, tuple(predict.documents), predict.model_version)


def _utf8_writer(handle: TextIO) -> Callable[[bytes], object]:
    """Write UTF-8 text to ``handle``: straight to its binary buffer when it is a file that
    encodes UTF-8 (its line ends written as they are, as a file opened with ``newline=""``
    writes them), else decoded."""
    if isinstance(handle, io.TextIOWrapper) and codecs.lookup(handle.encoding).name == "utf-8":
        handle.flush()
        buffer: BinaryIO = handle.buffer
        return buffer.write
    return lambda data: handle.write(data.decode("utf-8"))


def _display(path: Path, root: Path) -> str:
    try:
        # realpath, unlike Path.resolve, does not raise on a symlink loop
        return str(Path(os.path.realpath(path)).relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _displays(root: Path) -> Callable[[Path], str]:
    """:func:`_display` for many files of a few folders: each folder resolved once (a
    symlinked file on its own)."""
    resolved = root.resolve()
    folders: dict[Path, Path] = {}

    def display(path: Path) -> str:
        if os.path.islink(path):
            return _display(path, root)
        folder = folders.get(path.parent)
        if folder is None:
            folder = folders[path.parent] = Path(os.path.realpath(path.parent))
        try:
            return str((folder / path.name).relative_to(resolved))
        except ValueError:
            return str(path)

    return display


def _raw(path: Path) -> Any:
    """A native JSON file as parsed, whatever its shape (None when it is not JSON)."""
    try:
        return native.read_json(path)
    except CorpusError:
        return None


def _raw_ids(data: Any) -> set[str]:
    """Every annotation id in a native JSON document, valid or not (for id reservation)."""
    ids: set[str] = set()
    if isinstance(data, dict):
        for key in ("entities", "relations", "clusters"):
            items = data.get(key)
            for item in items if isinstance(items, list) else []:  # any shape, never a crash
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    ids.add(item["id"])
    return ids


K = TypeVar("K")
V = TypeVar("V")


class _Lazy(Mapping[K, V], Generic[K, V]):
    """A read-only mapping whose values are computed when asked for (``None``: no value).
    The importer looks values up, never lists them: it has no keys to list (a record of
    every key asked would grow with the number of tasks)."""

    def __init__(self, compute: Callable[[K], V | None]) -> None:
        self._compute = compute

    def __getitem__(self, key: K) -> V:
        value = self._compute(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[K]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass
class _Entry:
    """What the corpus holds of one document id: its release bases, the ids fresh ids
    must avoid, and its working file, validated only when its base is asked for."""

    document_id: str
    root: Path
    versions: list[str]
    releases: dict[str, Document] = field(default_factory=dict)  # version -> document
    reserved: set[str] = field(default_factory=set)
    working: Path | None = None
    working_seed: str | None = None  # the working file's raw seed.path
    _working_base: Document | None = None
    _checked: bool = False

    def working_base(self) -> Document | None:
        if self.working is not None and not self._checked:
            self._working_base = check_file(self.working, root=self.root).document
            self._checked = True
        return self._working_base

    def latest_release(self) -> Document | None:
        return next((self.releases[v] for v in reversed(self.versions) if v in self.releases), None)

    def base(self, version: str) -> Document | None:
        if version == WORKING:
            return self.working_base()
        if version == "":
            return self.working_base() or self.latest_release()
        return self.releases.get(version)

    def seed(self) -> labelstudio.SeedText | None:
        """The seed of the fallback base (else ``seeds/<id>.txt``); the working file is
        validated only when its validity would change which seed that is."""
        default = f"{SEEDS_DIR}/{self.document_id}.txt"
        release = self.latest_release()
        without = (release.seed.path if release and release.seed else None) or default
        if self.working is None or (self.working_seed or default) == without:
            return _seed(self.root, without)
        working = self.working_base()
        if working is None:
            return _seed(self.root, without)
        return _seed(self.root, (working.seed.path if working.seed else None) or default)


class Corpus:
    """What the importer compares a Label Studio export against: for each document id its
    seed, its base documents (``(id, version)``; ``(id, "")`` is the working copy's, else
    the latest release's) and the ids fresh ids must avoid (every release and the working
    copy, raw, whatever its shape).

    Read one document id at a time, when a task asks for it (the few most recent are
    kept), so an import of N tasks never holds N documents. A release document is read
    after its checksum is verified against the release manifest (read once per release;
    the release was validated when it was made); a working document is validated when its
    base is asked for (or its validity decides the seed), and one with problems is no base
    (its ids stay reserved). A problem in a release document the import reads raises."""

    KEEP = 16  # documents kept (tasks of one document usually come together)

    def __init__(self, root: Path) -> None:
        self.root = root
        self.versions = sources.list_versions(root)
        self._manifests: dict[str, tuple[dict[str, Any] | None, list[Problem]]] = {}
        self._entries: dict[str, _Entry] = {}
        self.seeds: Mapping[str, labelstudio.SeedText] = _Lazy(lambda d: self._entry(d).seed())
        self.bases: Mapping[tuple[str, str], Document] = _Lazy(
            lambda key: self._entry(key[0]).base(key[1])
        )
        self.reserved: Mapping[str, set[str]] = _Lazy(lambda d: self._entry(d).reserved)

    def _entry(self, document_id: str) -> _Entry:
        entry = self._entries.pop(document_id, None) or self._load(document_id)
        self._entries[document_id] = entry  # most recent last
        while len(self._entries) > self.KEEP:
            del self._entries[next(iter(self._entries))]
        return entry

    def _release_document(self, version: str, path: Path) -> tuple[Document, bytes | None]:
        """A release document, and its bytes when they matched the manifest's checksum
        (read once: hashed and parsed from the same bytes)."""
        folder = releases_dir(self.root) / version
        if version not in self._manifests:
            shown = _display(folder, self.root)
            self._manifests[version] = manifest.read_manifest(folder, display=shown)
        data, problems = self._manifests[version]
        if data is not None and not problems:
            expected = data["files"].get(f"{manifest.DOCUMENTS}/{path.name}")
            try:
                raw = read_limited(path, MAX_DOCUMENT_BYTES)
                if expected is not None and sha256_bytes(raw) == expected:
                    return native.from_dict(json.loads(raw.decode("utf-8"))), raw
            except (OSError, Refused, KeyError, TypeError, ValueError, AttributeError):
                pass  # what is wrong is said below, as check_member and read_json say it
            problems = manifest.check_member(path, data, display=_display(path, self.root))
        if not problems:
            try:
                document = native.read_json(path, display=_display(path, self.root))
                return native.from_dict(document), None
            except (CorpusError, KeyError, TypeError, ValueError, AttributeError):
                pass  # not what a release writes: the validator says what is wrong

        result = check_file(path, root=self.root)
        problems = problems or result.problems
        if problems or result.document is None:
            raise CorpusError(problems)
        return result.document, None

    def _load(self, document_id: str) -> _Entry:
        entry = _Entry(document_id, self.root, self.versions)
        if not labelstudio.valid_id(document_id):
            return entry
        name = f"{document_id}{native.SUFFIX}"
        released: dict[bytes, Document] = {}  # the bytes of a release document -> it
        for version in self.versions:
            path = releases_dir(self.root) / version / manifest.DOCUMENTS / name
            if path.is_file():
                document, raw = self._release_document(version, path)
                entry.releases[version] = document
                entry.reserved |= labelstudio.document_ids(document)
                if raw is not None:
                    released[raw] = document
        working = working_dir(self.root) / name
        if working.is_file():
            entry.working = working
            try:
                same = released.get(read_limited(working, MAX_DOCUMENT_BYTES))
            except (OSError, Refused):
                same = None
            if same is not None:  # the working file is a released one, byte for byte
                entry.reserved |= labelstudio.document_ids(same)
                entry.working_seed = same.seed.path if same.seed else None
                return entry
            raw = _raw(working)
            entry.reserved |= _raw_ids(raw)
            seed = raw.get("seed") if isinstance(raw, dict) else None
            relative = seed.get("path") if isinstance(seed, dict) else None
            entry.working_seed = relative if isinstance(relative, str) else None
        return entry


def _seed(root: Path, relative: str) -> labelstudio.SeedText | None:
    path = root / relative
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return labelstudio.SeedText(relative, text, sha256_bytes(raw))


def load_corpus(document_ids: Iterable[str] = (), root: Path | None = None) -> Corpus:
    """Seeds, base documents (every release and the working copy) and reserved ids, read
    when asked for (see :class:`Corpus`; ``document_ids`` is no longer needed)."""
    return Corpus(root or project_root())


def check_output_dir(out_dir: Path, root: Path) -> None:
    """Refuse to write into a release (or the releases folder)."""
    refuse_release_output(
        out_dir,
        root,
        message="imports are written as working annotations, never into a release; "
        "choose another -o",
    )


def _slug(name: str) -> str:
    """A folder name for an annotator: never ``.``/``..`` (which would write beside or above
    the output folder) nor hidden."""
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", name).strip("_.") or "annotator"


@dataclass(frozen=True, slots=True)
class Written:
    """One document written by an import: where, from which task and annotation, by whom
    and its counts. The document itself is not kept (an import of many documents holds
    none of them; a dry run, which writes nothing, keeps it): :attr:`document` reads it
    back from its file."""

    path: Path
    document_id: str
    annotator: str
    task_id: Any
    annotation_id: Any
    entities: int
    relations: int
    clusters: int
    #: one of several annotators' versions, written for adjudication (not to the working copy)
    adjudicate: bool = False
    #: what the write does to the file it replaces (:mod:`corpus.overwrite`)
    planned: overwrite.Brief | None = None
    #: the document, kept only by a dry run (nothing to read back)
    kept: Document | None = field(default=None, repr=False, compare=False)

    @property
    def document(self) -> Document:
        """The document as written (read back from its file when asked for)."""
        if self.kept is not None:
            return self.kept
        return native.from_dict(native.read_json(self.path))

    @property
    def item(self) -> labelstudio.ImportedDocument:
        """What the import made of its task (the document read back as :attr:`document`)."""
        return labelstudio.ImportedDocument(
            self.document, self.annotator, self.task_id, self.annotation_id
        )


def check_by_annotator_output(out_dir: Path | None, root: Path) -> None:
    """``--by-annotator`` writes ``DIR/<annotator>/<id>.json``: inside the working copy those
    folders would be neither working documents nor seen by ``corpus validate``, so an
    explicit ``-o`` outside it is required (``BY_ANNOTATOR_NEEDS_OUTPUT``, exit 2)."""
    working = Path(os.path.realpath(working_dir(root)))
    target = Path(os.path.realpath(out_dir)) if out_dir is not None else working
    if target == working or working in target.parents:
        raise problem_error(
            _display(target, root),
            "BY_ANNOTATOR_NEEDS_OUTPUT",
            "--by-annotator writes one folder per annotator, which is no working document "
            "and which `corpus validate` does not check inside annotations/working; give "
            "-o DIR outside it (e.g. -o build/annotators), then `corpus validate DIR/<name>` "
            "or `corpus agreement DIR`",
        )


#: the largest Label Studio export ``corpus ls import`` reads one task at a time (a file
#: read whole, one that cannot be streamed, stays within :data:`corpus.inputs.MAX_EXPORT_BYTES`)
MAX_STREAMED_EXPORT_BYTES = 4 * 1024 * MiB


class _NotStreamable(Exception):
    """The file is not a JSON array that can be read one element at a time."""


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _json_array_elements(handle: BinaryIO, chunk: int) -> Iterator[Any]:
    """The elements of the JSON array ``handle`` holds, each parsed by :mod:`json` as soon
    as its text is read (so each is exactly what ``json.load`` of the whole file holds).
    :class:`_NotStreamable` when the file is not such an array: not UTF-8, not JSON, not an
    array, a byte order mark, anything after the array."""
    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8")()
    buffer, position, end_of_file = "", 0, False

    def fill() -> None:
        """Read more (at least as much again as is buffered: an element larger than a
        chunk costs a few re-parses, not one per chunk)."""
        nonlocal buffer, position, end_of_file
        block = handle.read(max(chunk, len(buffer) - position))
        end_of_file = not block
        try:
            buffer = buffer[position:] + text.decode(block, final=end_of_file)
        except UnicodeDecodeError:
            raise _NotStreamable from None
        position = 0

    def next_char() -> str:
        """The next character that is not whitespace ('' at the end of the file)."""
        nonlocal position
        while True:
            position = _WHITESPACE.match(buffer, position).end()  # type: ignore[union-attr]
            if position < len(buffer) or end_of_file:
                return buffer[position : position + 1]
            fill()

    if next_char() != "[":
        raise _NotStreamable
    position += 1
    if next_char() == "]":
        position += 1
    else:
        while True:
            next_char()  # position: where the element starts (fill keeps it)
            try:
                value, after = decoder.raw_decode(buffer, position)
            except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
                if end_of_file:
                    raise _NotStreamable from None
                fill()
                continue
            after = _WHITESPACE.match(buffer, after).end()  # type: ignore[union-attr]
            following = buffer[after : after + 1]
            if following not in (",", "]"):
                # the buffer may end inside the value (a number) or before what follows
                if end_of_file:
                    raise _NotStreamable
                fill()
                continue
            yield value
            position = after + 1
            if following == "]":
                break
    if next_char() != "":
        raise _NotStreamable


class ExportFile:
    """A Label Studio JSON export file read one task at a time.

    :meth:`scan` reads it once (within :data:`MAX_STREAMED_EXPORT_BYTES`): each task is
    parsed by :mod:`json` as its text comes (:func:`_json_array_elements`), scanned
    (:func:`corpus.formats.labelstudio.scan`) and spooled to a temporary file in
    :mod:`marshal`'s format, which :meth:`tasks` reads back several times faster than JSON
    (and unchanged if the export file changes meanwhile). A file that is not a JSON array
    of that kind is read whole as before (:func:`read_export`), so every problem with it
    is what it has always been; one too large to read whole is ``NOT_JSON``."""

    CHUNK = 1 << 20

    def __init__(self, path: Path, display: str | None = None) -> None:
        self.path = path
        self.display = display or str(path)
        self._spool: BinaryIO | None = None
        self._scanned: labelstudio.Scan | None = None
        self._selection: labelstudio.Selection | None = None
        #: the parsed export when it was read whole (:attr:`read_whole`: not streamable)
        self.whole: Any = None
        self.read_whole = False

    def scan(
        self, selection: labelstudio.Selection | None = None, *, quiet: bool = True
    ) -> labelstudio.Scan | None:
        """The :class:`~corpus.formats.labelstudio.Scan` of the file's tasks (with
        ``selection``'s annotators), or None when it was read whole (:attr:`whole`).
        Label Studio's other exports are ``LS_EXPORT_FORMAT`` (as :func:`read_export`)."""
        if self.read_whole:
            return None
        if self._scanned is not None and (selection is None or selection == self._selection):
            return self._scanned
        self.close()
        try:
            scanned = self._stream(selection, quiet)
        except _NotStreamable:
            self.close()
            if self._too_large_to_read_whole():
                raise problem_error(
                    self.display,
                    "NOT_JSON",
                    "not a JSON array of tasks (a file this large is read one task at a "
                    "time, and the JSON parser could not read it as one)",
                ) from None
            self.whole = read_export(self.path)
            self.read_whole = True
            return None
        self._scanned, self._selection = scanned, selection
        return scanned

    def _too_large_to_read_whole(self) -> bool:
        try:
            return self.path.stat().st_size > MAX_EXPORT_BYTES
        except OSError:
            return False

    def _stream(self, selection: labelstudio.Selection | None, quiet: bool) -> labelstudio.Scan:
        if not self.path.is_file():
            raise _NotStreamable  # read_export names what it is
        try:
            handle = self.path.open("rb")
        except OSError:
            raise _NotStreamable from None
        with handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_STREAMED_EXPORT_BYTES:
                raise problem_error(
                    self.display,
                    "TOO_LARGE",
                    f"{size} bytes, over the limit of "
                    f"{MAX_STREAMED_EXPORT_BYTES // MiB} MiB for this input",
                )
            self._spool = self._new_spool()
            scanned = labelstudio.Scan(selection=selection)
            flat = True  # JSON_MIN: every task flat, one with its keys or an id
            minimal = False
            elements = _json_array_elements(handle, self.CHUNK)
            for task in progress(elements, desc="ls import: reading", unit="task", quiet=quiet):
                scanned.add(task)
                if flat:
                    is_flat = isinstance(task, dict) and "data" not in task
                    flat = is_flat and "annotations" not in task
                    minimal = minimal or (flat and bool(_JSON_MIN_KEYS & set(task) or "id" in task))
                self._spool_task(task)
        if scanned.tasks and flat and minimal:
            raise _format_problem(self.display, "JSON_MIN")
        return scanned

    @staticmethod
    def _new_spool() -> BinaryIO | None:
        try:
            return cast(BinaryIO, tempfile.TemporaryFile(prefix="corpus-ls-import-"))
        except OSError:
            return None  # the tasks are parsed again from the export instead

    def _spool_task(self, task: Any) -> None:
        if self._spool is None:
            return
        try:
            record = marshal.dumps(task)
            self._spool.write(len(record).to_bytes(8, "little") + record)
        except (OSError, ValueError):  # a full disk, a file-size limit; too deep for marshal
            self._spool.close()
            self._spool = None

    @property
    def spooled(self) -> bool:
        """Whether the tasks :meth:`scan` read are in the spool (:meth:`records`)."""
        return self._scanned is not None and self._spool is not None

    def records(self) -> Iterator[bytes]:
        """Each task :meth:`scan` read, as the spool holds it (:func:`marshal.loads` makes it
        the task again); only when :attr:`spooled`."""
        if self._scanned is None or self._spool is None:
            raise RuntimeError("ExportFile.records without a spool")
        spool = self._spool
        spool.seek(0)
        for _ in range(self._scanned.tasks):  # marshal.load would read in many small reads
            size = int.from_bytes(spool.read(8), "little")
            yield spool.read(size)

    def tasks(self) -> Iterator[Any]:
        """The tasks :meth:`scan` read, one at a time: from the spool, else parsed again
        from the file (one that changed meanwhile is ``NOT_JSON``)."""
        if self._scanned is None:
            raise RuntimeError("ExportFile.tasks before scan")
        count = self._scanned.tasks
        if self._spool is not None:
            yield from map(marshal.loads, self.records())
            return
        read = 0
        try:
            with self.path.open("rb") as handle:
                for task in _json_array_elements(handle, self.CHUNK):
                    read += 1
                    if read > count:
                        break
                    yield task
        except (OSError, _NotStreamable):
            read = -1
        if read != count:
            raise problem_error(self.display, "NOT_JSON", "the file changed while it was read")

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
        self._spool = None
        self._scanned = None


@dataclass(frozen=True)
class _Routes:
    """Where the import writes each document (see :func:`_route`)."""

    target_dir: Path
    choice: labelstudio.Selection
    adjudication_dir: Path | None
    #: ids of the documents several annotators annotated, when adjudicating
    several: frozenset[str]

    def __call__(self, item: labelstudio.ImportedDocument) -> Path:
        return _route(
            item,
            target_dir=self.target_dir,
            choice=self.choice,
            adjudication_dir=self.adjudication_dir,
            several=item.document.id in self.several,
        )


@dataclass(frozen=True)
class _Checked(labelstudio.ImportedDocument):
    """An imported document made ready by a worker process: where it goes, its bytes
    (None: they are no UTF-8, a lone surrogate) and what validation found in it there."""

    path: Path
    data: bytes | None
    problems: list[Problem]


def _check(
    document: Document, path: Path, display: Callable[[Path], str], root: Path
) -> tuple[bytes | None, list[Problem]]:
    """A document's bytes as written (None: a lone surrogate) and its problems (the
    checks of ``corpus validate``, located at ``path``)."""
    text = native.dumps(document)
    try:  # UTF-8 takes every character: one that fails is a lone surrogate
        data: bytes | None = text.encode("utf-8")
    except UnicodeEncodeError:
        data = None
    problems = validate_document(
        native.to_dict(document), file=display(path), root=root, surrogates_possible=data is None
    )
    return data, problems


#: from how many tasks ``corpus ls import`` reads, checks and serialises them in worker
#: processes (``$CORPUS_JOBS``, default one per core, at most 2); this process then only
#: scans the export, compares each document with the file it replaces and stages it.
PARALLEL_FROM_TASKS = 200
#: tasks per chunk sent to a worker, and chunks in flight per worker (memory stays flat)
CHUNK_TASKS = 8
CHUNKS_AHEAD = 4


def import_jobs(tasks: int) -> int:
    """How many worker processes read ``tasks`` tasks (:func:`corpus.workers.job_count`):
    ``$CORPUS_JOBS`` when it is set (1: none, this process reads them), else one per core
    (at most 2) from :data:`PARALLEL_FROM_TASKS` tasks on, else 1."""
    return job_count(tasks, start_at=PARALLEL_FROM_TASKS, most=2)


@dataclass
class _Worker:
    """What a worker process of the import holds: its reader (with its own lazy
    :class:`Corpus`) and where each document goes."""

    reader: labelstudio.TaskReader
    routes: _Routes
    display: Callable[[Path], str]
    root: Path


_worker: _Worker | None = None


def _start_worker(
    root: Path, file: str, highest: dict[str, int], wanted: labelstudio.Selection, routes: _Routes
) -> None:
    global _worker
    corpus = Corpus(root)
    reader = labelstudio.TaskReader(
        highest,
        file=file,
        seeds=corpus.seeds,
        bases=corpus.bases,
        reserved_ids=corpus.reserved,
        selection=wanted,
    )
    _worker = _Worker(reader, routes, _displays(root), root)


#: a task the worker could not read: the problems of the CorpusError it raised
_Raised = list[Problem]


def _read_chunk(
    records: list[tuple[int, bytes]],
) -> tuple[list[labelstudio.TaskResult | _Raised], dict[str, set[str]]]:
    """Read a chunk of tasks (their index in the export and their spooled record) in a
    worker: each task's result with its documents checked (:class:`_Checked`), and the
    annotators met. A task whose reading raised a CorpusError ends the chunk with its
    problems (the import raises them when it comes to it)."""
    worker = _worker
    assert worker is not None, "the import's worker was not started"
    results: list[labelstudio.TaskResult | _Raised] = []
    for index, record in records:
        try:
            result = worker.reader.read(marshal.loads(record), index)
        except CorpusError as error:
            results.append(list(error.problems))
            break
        checked: list[labelstudio.ImportedDocument] = []
        for item in result.documents:
            path = worker.routes(item)
            data, problems = _check(item.document, path, worker.display, worker.root)
            checked.append(
                _Checked(
                    item.document,
                    item.annotator,
                    item.task_id,
                    item.annotation_id,
                    path,
                    data,
                    problems,
                )
            )
        result.documents = checked
        results.append(result)
    return results, worker.reader.take_annotators()


_Chunk = tuple[list[labelstudio.TaskResult | _Raised], dict[str, set[str]]]


def _read_in_workers(
    pool: Any, records: Iterator[bytes], jobs: int, annotators: dict[str, set[str]]
) -> Iterator[labelstudio.TaskResult]:
    """Each task's result, in order, read by the ``jobs`` processes of ``pool``
    (:func:`corpus.workers.process_pool`, each worker started by :func:`_start_worker`) a
    bounded number of chunks ahead; the annotators they meet are added to ``annotators``. A
    task whose reading raised raises the same CorpusError here, in its turn. The pool is
    shut down when the iteration ends or is closed."""

    def chunks() -> Iterator[list[tuple[int, bytes]]]:
        indexed = enumerate(records)
        while chunk := list(itertools.islice(indexed, CHUNK_TASKS)):
            yield chunk

    def results(chunk: _Chunk) -> Iterator[labelstudio.TaskResult]:
        found, met = chunk
        for name, keys in met.items():
            annotators.setdefault(name, set()).update(keys)
        for result in found:
            if isinstance(result, list):
                raise CorpusError(result)
            yield result

    for chunk in ordered_results(pool, _read_chunk, chunks(), ahead=CHUNKS_AHEAD * jobs):
        yield from results(chunk)


class _Stager:
    """:meth:`corpus.fsutil.FileSet.stage` of each file, in order, in a thread of its own:
    the import goes on while a file is written and fsynced (which waits for the disk, not
    for this process). As in one thread, the first write that fails ends the staging
    (:meth:`wait` returns it). At most :attr:`AHEAD` files wait to be staged (memory stays
    flat)."""

    AHEAD = 32

    def __init__(self, staged: FileSet) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        self.staged = staged
        self.failure: OSError | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpus-stage")
        self._pending: deque[Future[None]] = deque()

    def stage(self, path: Path, data: bytes) -> None:
        if len(self._pending) >= self.AHEAD:
            self._pending.popleft().result()
        self._pending.append(self._thread.submit(self._stage, path, data))

    def _stage(self, path: Path, data: bytes) -> None:
        if self.failure is not None:
            return  # nothing more is staged after a failure
        try:
            self.staged.stage(path, data)
        except OSError as exc:
            self.failure = exc

    def wait(self) -> OSError | None:
        """Once every file given is staged (or skipped after a failure): the first write
        that failed, if one did. Anything else a write raised is raised here."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._thread.shutdown(wait=True)
        return self.failure


def _route(
    item: labelstudio.ImportedDocument,
    *,
    target_dir: Path,
    choice: labelstudio.Selection,
    adjudication_dir: Path | None,
    several: bool,
) -> Path:
    """Where an imported document goes: the output folder, its annotator's folder in it
    (``by_annotator``), or ``adjudication/<id>/<annotator>/`` (one of several annotators)."""
    if several:
        assert adjudication_dir is not None
        folder = adjudication_dir / item.document.id / _slug(item.annotator)
    else:
        folder = target_dir / _slug(item.annotator) if choice.by_annotator else target_dir
    return folder / f"{item.document.id}{native.SUFFIX}"


def import_export(
    tasks: Any,
    *,
    file: str,
    out_dir: Path | None = None,
    selection: labelstudio.Selection | None = None,
    adjudication_dir: Path | None = None,
    root: Path | None = None,
    policy: overwrite.Policy | None = None,
    dry_run: bool = False,
    quiet: bool = True,
) -> list[Written]:
    """Check a Label Studio export (parsed, or an :class:`ExportFile` read one task at a
    time) and write its documents; nothing written on error.

    Documents go to ``out_dir/<id>.json`` (``out_dir/<annotator>/<id>.json`` with
    ``selection.by_annotator``); every document is also run through ``corpus validate``'s
    checks before anything is written. With ``adjudication_dir`` (and not
    ``by_annotator``), a document that several annotators annotated is neither refused
    (``SEVERAL_ANNOTATORS``) nor picked: each annotator's version goes to
    ``adjudication_dir/<id>/<annotator>/<id>.json`` (``corpus agreement`` reads that folder).
    An import never silently erases work: each document is compared with the file it
    replaces (:func:`corpus.overwrite.plan_one`: one that would erase every annotation or
    change the text is refused unless ``policy`` allows it; ``--by-annotator`` needs an
    ``out_dir`` outside the working copy), and the whole set is written all or none
    (nothing with ``dry_run``).

    One task at a time: the export is scanned first (fresh-id floors, and with
    ``adjudication_dir`` which documents several annotators have), then each task is read
    (:func:`~corpus.formats.labelstudio.iter_read`, against a lazy :class:`Corpus`), its
    documents validated once, compared with the files they replace and staged in temporary
    files beside their targets (:class:`corpus.fsutil.FileSet`), which are renamed into
    place once the last task is read and nothing is wrong, or removed. What is kept per
    document is its :class:`Written` summary. ``quiet=False`` shows a progress bar (see
    :mod:`corpus.progress`).
    """
    root = root or project_root()
    target_dir = out_dir or working_dir(root)
    check_output_dir(target_dir, root)
    choice = selection or labelstudio.Selection()
    if choice.by_annotator:
        check_by_annotator_output(out_dir, root)
    adjudicating = adjudication_dir is not None and not choice.by_annotator
    wanted = replace(choice, by_annotator=True) if adjudicating else choice
    export = tasks if isinstance(tasks, ExportFile) else None
    scanned = export.scan(choice if adjudicating else None, quiet=quiet) if export else None
    if export is not None and scanned is None:
        tasks = export.whole  # not streamable: read whole, as a parsed export
    if scanned is None:
        refuse_other_export_format(tasks, file)
    if adjudication_dir is not None:
        check_output_dir(adjudication_dir, root)
    if scanned is None and not isinstance(tasks, list):  # the reader says so
        raise CorpusError(labelstudio.read(tasks, file=file, seeds={}, bases={})[1])
    if export is not None and scanned is not None:
        stream: Iterable[Any] = export.tasks()
    else:
        stream, scanned = tasks, labelstudio.scan(tasks, choice if adjudicating else None)
    routes = _Routes(
        target_dir,
        choice,
        adjudication_dir,
        frozenset(d for d, names in scanned.annotators.items() if len(names) > 1)
        if adjudicating
        else frozenset(),
    )
    jobs = import_jobs(scanned.tasks) if export is not None and export.spooled else 1
    annotators: dict[str, set[str]] = {}
    results: Iterator[labelstudio.TaskResult] = iter(())
    pool = (
        process_pool(jobs, _start_worker, (root, file, scanned.highest, wanted, routes))
        if jobs > 1
        else None
    )
    if pool is not None:
        assert export is not None
        results = _read_in_workers(pool, export.records(), jobs, annotators)
    else:
        corpus = load_corpus(root=root)
        reader = labelstudio.TaskReader(
            scanned.highest,
            file=file,
            seeds=corpus.seeds,
            bases=corpus.bases,
            reserved_ids=corpus.reserved,
            selection=wanted,
        )
        annotators = reader.annotators
        results = (reader.read(task, index) for index, task in enumerate(stream))
    policy = policy or overwrite.Policy()
    problems: list[Problem] = []  # the reader's
    own: list[Problem] = []  # paths and validation: reported when the reader found nothing
    refused: list[Problem] = []  # the overwrite policy's: reported when nothing else is
    written: list[Written] = []
    by_path: dict[str, str] = {}  # path -> annotator (strings: smaller than Path keys)
    seen: dict[str, set[str]] = {}  # document id -> annotators imported
    staged = FileSet()
    display = _displays(root)
    stager = _Stager(staged)
    try:
        for item in labelstudio.collect(
            progress(results, total=scanned.tasks, desc="ls import", unit="task", quiet=quiet),
            problems,
            file=file,
            selection=wanted,
            annotators=annotators,
        ):
            if problems:
                continue  # only the reader's problems are reported: no need to check more
            document = item.document
            seen.setdefault(document.id, set()).add(item.annotator)
            several = document.id in routes.several
            path = routes(item)
            key = os.fspath(path)
            if key in by_path:  # two annotator names with one folder name: one would be lost
                own.append(
                    Problem(
                        display(path),
                        document.id,
                        Location(),
                        "DUPLICATE_DOCUMENT",
                        f"annotators {by_path[key]!r} and {item.annotator!r} would both be "
                        f"written to {path.parent.name}/; import them one at a time with "
                        "--annotator",
                    )
                )
                continue
            by_path[key] = item.annotator
            if isinstance(item, _Checked) and item.path == path:  # checked by a worker
                data, checked = item.data, item.problems
            else:
                data, checked = _check(document, path, display, root)
            own += checked
            if own:
                continue
            # a document that is no UTF-8 (a lone surrogate) never gets here: validation
            # reports every lone surrogate
            assert data is not None
            planned = overwrite.plan_one(path, document, root=root, new_bytes=data)
            refused += overwrite.refusals(planned, policy)
            if not (dry_run or refused or planned.same_bytes):
                stager.stage(path, data)
            written.append(
                Written(
                    path,
                    document.id,
                    item.annotator,
                    item.task_id,
                    item.annotation_id,
                    len(document.entities),
                    len(document.relations),
                    len(document.clusters),
                    several,
                    planned.brief(details=dry_run),
                    document if dry_run else None,
                )
            )
        failure = stager.wait()  # the first write that failed (a full disk)
        for found in (problems, own, refused):
            if found:
                raise CorpusError(found)
        if adjudicating and any(scanned.annotators.get(d) != names for d, names in seen.items()):
            raise RuntimeError("the scan and the import disagree on who annotated what")
        todo = [w.planned for w in written if w.planned and not w.planned.same_bytes]
        if failure is not None:
            raise overwrite.write_failure(failure, todo)
        if not dry_run:
            try:
                staged.commit()
            except OSError as exc:
                raise overwrite.write_failure(exc, todo) from None
    finally:
        if isinstance(results, Generator):
            results.close()  # the workers stop (and the serial reader lets go of the spool)
        if pool is not None:
            pool.shutdown(wait=True)  # (done already, unless the reading never began)
        stager.wait()
        staged.discard()
        if export is not None:
            export.close()
    return written


#: keys of a JSON_MIN task (Label Studio's flattened export), beside the task's data fields
_JSON_MIN_KEYS = {"annotator", "annotation_id", "lead_time"}
_CONLL_LINE = re.compile(r"^\S+( \S+)* (O|[BIES]-\S+)$")


def other_export_format(tasks: Any) -> str | None:
    """The name of Label Studio's other export a parsed JSON value looks like (``JSON_MIN``:
    a list of flat objects without ``data``/``annotations``), else None."""
    if not isinstance(tasks, list) or not tasks:
        return None
    if all(
        isinstance(t, dict) and "data" not in t and "annotations" not in t for t in tasks
    ) and any(_JSON_MIN_KEYS & set(t) or "id" in t for t in tasks):
        return "JSON_MIN"
    return None


def other_export_text(raw: bytes) -> str | None:
    """The name of Label Studio's non-JSON export a file's first bytes look like (``CoNLL``
    or ``CSV``/``TSV``), else None."""
    head = raw[:4096].decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    if not lines or lines[0][:1] in "[{":
        return None
    if lines[0].startswith("-DOCSTART-") or all(_CONLL_LINE.match(x) for x in lines[:5]):
        return "CoNLL"
    header = lines[0]
    for separator, name in ((",", "CSV"), ("\t", "TSV")):
        columns = header.split(separator)
        if len(columns) > 1 and ({"annotator", "annotation_id", "id"} & set(columns)):
            return name
    return None


def _format_problem(file: str, name: str) -> CorpusError:
    return problem_error(
        file,
        "LS_EXPORT_FORMAT",
        f"this is Label Studio's {name} export, which has no relations, region ids or "
        'annotators: export as "JSON" (full) instead (Export > JSON), or use `corpus ls pull`',
    )


def refuse_other_export_format(tasks: Any, file: str) -> None:
    """``LS_EXPORT_FORMAT`` (exit 2) for a parsed JSON_MIN export."""
    name = other_export_format(tasks)
    if name is not None:
        raise _format_problem(file, name)


def read_export(path: Path) -> Any:
    """A Label Studio JSON export file, parsed (at most :data:`corpus.inputs.MAX_EXPORT_BYTES`;
    a FIFO or device is refused unopened). Label Studio's other exports (JSON_MIN, CSV,
    TSV, CoNLL) are named as such (``LS_EXPORT_FORMAT``), not reported as malformed."""
    try:
        data = native.read_json(path, limit=MAX_EXPORT_BYTES)
    except CorpusError as error:
        if error.problems[0].code in ("NOT_JSON", "NOT_UTF8"):
            name = other_export_text(read_input(path, limit=MAX_EXPORT_BYTES, name=str(path)))
            if name is not None:
                raise _format_problem(str(path), name) from None
        raise
    refuse_other_export_format(data, str(path))
    return data


# --------------------------------------------------------------------------- with a server


@dataclass(frozen=True)
class Pushed:
    """What ``corpus ls push`` did."""

    url: str
    project: int
    created: bool  # a new project (else: its labeling config was updated)
    exported: Exported  # the tasks imported (documents already in the project excluded)

    @property
    def imported(self) -> tuple[str, ...]:
        """Ids of the documents whose tasks were added."""
        return tuple(task["data"]["document_id"] for task in self.exported.tasks)

    @property
    def already_present(self) -> tuple[str, ...]:
        """Ids of the version's documents the project already had a task for."""
        return self.exported.excluded


def push(
    version: str | None,
    mode: labelstudio.ExportMode,
    *,
    url: str | None = None,
    project: int | None = None,
    title: str | None = None,
    pre_annotation: str | None = GAZETTEER,
    root: Path | None = None,
) -> Pushed:
    """Create a project (or update the labeling config of ``project``) and import the tasks
    of the documents it does not hold yet, idempotent by document id: the ids of the
    project's tasks are read first (:meth:`corpus.lsserver.Client.document_ids`) and their
    documents are neither exported nor pre-annotated again. Documents not annotated yet
    carry the pre-annotator's predictions (:func:`export`). The corpus and the
    pre-annotator are checked before a project is created or a task sent. The token comes
    from ``LABEL_STUDIO_API_KEY``."""
    client = lsserver.Client(lsserver.server_url(url), lsserver.token_from_env())
    client.check()
    config = labelstudio.label_config()
    present: set[str] = set()
    if project is not None:
        client.project_exists(project)
        client.validate_config(project, config)
        present = client.document_ids(project)
    exported = export(version, mode, pre_annotation=pre_annotation, exclude=present, root=root)
    if project is None:
        project = client.create_project(title or f"corpus {exported.version}", config)
        created = True
    else:
        client.update_config(project, config)
        created = False
    client.import_tasks(project, exported.tasks)
    return Pushed(client.url, project, created, exported)


#: where ``ls pull`` writes each annotator's version of a document several people annotated
ADJUDICATION_DIR = "adjudication"


def adjudication_dir(root: Path | None = None) -> Path:
    """``annotations/adjudication/``: documents waiting for adjudication, one folder each."""
    return annotations_dir(root) / ADJUDICATION_DIR


@dataclass(frozen=True)
class Unannotated:
    """A task of the project without a submitted annotation."""

    task: Any
    document: str | None


@dataclass(frozen=True)
class Pulled:
    """What ``corpus ls pull`` did."""

    written: list[Written]
    #: tasks with no submitted annotation (nothing of them was imported)
    unannotated: list[Unannotated]
    #: document id -> its folder under the adjudication folder, for each document several
    #: annotators annotated
    adjudicate: dict[str, Path]
    #: documents written to the working copy whose earlier adjudication folder still exists
    stale: dict[str, Path]


def submitted(task: Any, *, include_cancelled: bool = False) -> bool:
    """Whether a task of an export has an annotation someone submitted (a cancelled one
    only counts with ``include_cancelled``); predictions and drafts never count. A task of
    another shape counts, so that the import reports it."""
    if not isinstance(task, Mapping):
        return True
    annotations = task.get("annotations")
    if not isinstance(annotations, list):
        return annotations is not None
    return any(
        not (isinstance(a, Mapping) and a.get("was_cancelled")) or include_cancelled
        for a in annotations
    )


def _document_of(task: Any) -> str | None:
    data = task.get("data") if isinstance(task, Mapping) else None
    document = data.get("document_id") if isinstance(data, Mapping) else None
    return document if isinstance(document, str) else None


def _in_export(problems: Sequence[Problem], file: str, index: Sequence[int]) -> list[Problem]:
    """Problems found in the submitted tasks, located in the whole export (their JSON paths
    start at the task's position in the export, not among the submitted tasks)."""
    located = []
    for problem in problems:
        path = problem.location.json_path
        if problem.file == file and path and isinstance(path[0], int) and path[0] < len(index):
            at = replace(problem.location, json_path=(index[path[0]], *path[1:]))
            problem = replace(problem, location=at)
        located.append(problem)
    return located


def pull(
    project: int,
    *,
    url: str | None = None,
    save_export: Path | None = None,
    out_dir: Path | None = None,
    selection: labelstudio.Selection | None = None,
    adjudication: Path | None = None,
    root: Path | None = None,
    policy: overwrite.Policy | None = None,
    dry_run: bool = False,
) -> Pulled:
    """Fetch a project's JSON export (annotators named by e-mail), optionally keep it, and
    import the tasks that have a submitted annotation as :func:`import_export` does; the
    others are reported as unannotated (``NOTHING_TO_IMPORT`` when no task has one).

    A document annotated by several people (after ``selection``) is kept per annotator in
    ``adjudication/<id>/<annotator>/`` (default :func:`adjudication_dir`), never merged or
    picked, until it is adjudicated: one annotation chosen in Label Studio and pulled with
    ``--annotator`` or ``--ground-truth``. ``selection.by_annotator`` writes every document
    per annotator to ``out_dir`` instead."""
    root = root or project_root()
    choice = selection or labelstudio.Selection()
    waiting = adjudication or adjudication_dir(root)
    # refuse a release as output before asking the server anything
    check_output_dir(out_dir or working_dir(root), root)
    if choice.by_annotator:
        check_by_annotator_output(out_dir, root)
    check_output_dir(waiting, root)
    if save_export is not None:
        refuse_release_output(save_export, root, whole_folder=False)
    client = lsserver.Client(lsserver.server_url(url), lsserver.token_from_env())
    client.check()
    client.project_exists(project)
    export = lsserver.name_annotators(client.export(project), client.user_emails())
    if save_export is not None:
        atomic_write_text(save_export, json.dumps(export, ensure_ascii=False, indent=2))
    file = f"{client.url}/projects/{project} (export)"
    tasks = export if isinstance(export, list) else []
    index = [
        n
        for n, task in enumerate(tasks)
        if submitted(task, include_cancelled=choice.include_cancelled)
    ]
    kept = set(index)
    unannotated = [
        Unannotated(task.get("id"), _document_of(task))
        for n, task in enumerate(tasks)
        if n not in kept and isinstance(task, Mapping)
    ]
    if isinstance(export, list) and not index:
        raise problem_error(
            file,
            "NOTHING_TO_IMPORT",
            f"none of the project's {len(tasks)} task(s) has a submitted annotation yet",
        )
    chosen = [tasks[n] for n in index] if isinstance(export, list) else export
    try:
        written = import_export(
            chosen,
            file=file,
            out_dir=out_dir,
            selection=choice,
            adjudication_dir=waiting,
            root=root,
            policy=policy,
            dry_run=dry_run,
        )
    except CorpusError as error:
        raise CorpusError(_in_export(error.problems, file, index)) from None
    adjudicate = {w.document_id: w.path.parent.parent for w in written if w.adjudicate}
    stale = {
        w.document_id: waiting / w.document_id
        for w in written
        if not w.adjudicate and (waiting / w.document_id).is_dir()
    }
    return Pulled(written, unannotated, adjudicate, stale)


@dataclass
class ServePlan:
    """Everything ``corpus ls serve`` settles before it starts the server."""

    data_dir: Path
    version: str
    mode: str
    tasks: list[dict[str, Any]]
    executable: Path
    login: lsserver.Login
    state: dict[str, Any]
    fresh: bool  # a new data folder: the project is created on this start
    token: str | None  # the one-time token of a fresh data folder (memory only)
    port: int | None


@dataclass
class Serving:
    """A running server and its project (None until one was created)."""

    server: lsserver.Server
    project: int | None
    created: bool = False
    tasks: int = field(default=0)


def prepare_serve(
    version: str | None,
    mode: labelstudio.ExportMode,
    *,
    data_dir: Path | None = None,
    port: int | None = None,
    pre_annotation: str | None = GAZETTEER,
    root: Path | None = None,
) -> ServePlan:
    """Export the tasks (a broken corpus fails before anything is installed or started),
    install Label Studio when needed, and settle the login, the token and the port.

    ``LS_DATA_DIR_FOREIGN`` (exit 2) when the data folder holds a Label Studio database
    that ``corpus ls serve`` did not make."""
    root = root or project_root()
    folder = (data_dir or root / lsserver.DATA_DIR_NAME).resolve()
    version_used, tasks = export_tasks(version, mode, root, pre_annotation=pre_annotation)
    executable = lsserver.install(root)
    state = lsserver.read_state(folder)
    fresh = not (folder / lsserver.DATABASE_FILE).exists()
    if state is None and not fresh:
        raise problem_error(
            str(folder),
            "LS_DATA_DIR_FOREIGN",
            "this Label Studio data folder was not made by `corpus ls serve`; "
            "choose another --data-dir",
        )
    if state is None or fresh:
        # the login is kept for the next start (the browser needs it); the token never is
        state = {"username": lsserver.SERVE_USER, "password": secrets.token_urlsafe(12)}
        lsserver.write_state(folder, state)
    return ServePlan(
        data_dir=folder,
        version=version_used,
        mode=mode,
        tasks=tasks,
        executable=executable,
        login=lsserver.Login(str(state["username"]), str(state["password"])),
        state=state,
        fresh=fresh,
        token=lsserver.new_token() if fresh else None,
        port=lsserver.serve_port(port),
    )


def start_serve(plan: ServePlan) -> Serving:
    """Start the server; on a fresh data folder create the project, import the tasks and
    keep the project id. The caller stops the server (it is stopped here if this fails)."""
    server = lsserver.start(
        plan.executable, plan.data_dir, plan.login, token=plan.token, port=plan.port
    )
    try:
        if plan.fresh:
            assert plan.token is not None
            client = lsserver.Client(server.url, plan.token)
            project = client.create_project(f"corpus {plan.version}", labelstudio.label_config())
            client.import_tasks(project, plan.tasks)
            plan.state["project"] = project
            lsserver.write_state(plan.data_dir, plan.state)
            return Serving(server, project, created=True, tasks=len(plan.tasks))
        project_id = plan.state.get("project")
        return Serving(server, project_id if isinstance(project_id, int) else None)
    except BaseException:
        server.stop()
        raise

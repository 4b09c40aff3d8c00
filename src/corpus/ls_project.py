"""Label Studio work on the project's files: which documents to export, what the
importer compares against (seeds, base documents, reserved ids), writing the imported
documents as working annotations, and the commands' workflows (push, pull, serve) that
combine them with a server. The conversion is :mod:`corpus.formats.labelstudio`; the
server and its API are :mod:`corpus.lsserver`.

Export and import stream: ``corpus ls export`` writes each task as its document is read
(:func:`dump_export`), ``corpus ls import`` reads the export file one task at a time
(:class:`ExportFile`, ``ijson``), reads the corpus documents a task is compared against
when the task comes (:class:`Corpus`), and stages each checked document on disk until the
last task is read (:func:`import_export`); memory stays flat in the number of documents.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TextIO, TypeVar

from corpus import lsserver, manifest, sources
from corpus.errors import CorpusError, Location, Problem, problem_error
from corpus.formats import labelstudio, native
from corpus.fsutil import atomic_write_text, sha256_file, staging_dir
from corpus.model import Document
from corpus.paths import project_root, refuse_release_output, releases_dir, working_dir
from corpus.progress import progress
from corpus.sources import WORKING

SEEDS_DIR = "seeds"


def export_tasks(
    version: str | None, mode: labelstudio.ExportMode, root: Path | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The version exported (any name :mod:`corpus.sources` opens; default: the latest
    release, else the working copy) and its tasks."""
    source = sources.open_source(version, root=root)
    documents = source.documents()
    return source.version, labelstudio.write(documents, version=source.version, mode=mode)


def dump_export(
    version: str | None,
    mode: labelstudio.ExportMode,
    handle: TextIO,
    *,
    root: Path | None = None,
    quiet: bool = False,
) -> tuple[str, int]:
    """Write the tasks of ``version`` (as :func:`export_tasks`) to ``handle`` as one JSON
    array, each task as soon as its document is read and checked: the version exported and
    the number of tasks. A problem in any document raises once the last one is read, after
    the tasks before it were written, so ``handle`` must be a temporary file that is
    dropped then (:func:`corpus.fsutil.atomic_text_writer`)."""
    source = sources.open_source(version, root=root)
    documents = progress(
        source, total=len(source.paths), desc=f"ls export {source.version}", quiet=quiet
    )
    tasks = labelstudio.iter_tasks(documents, version=source.version, mode=mode)
    return source.version, labelstudio.dump_tasks(tasks, handle)


def _display(path: Path, root: Path) -> str:
    try:
        # realpath, unlike Path.resolve, does not raise on a symlink loop
        return str(Path(os.path.realpath(path)).relative_to(root.resolve()))
    except ValueError:
        return str(path)


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
    Its keys are only what was asked so far: the importer looks values up, never lists."""

    def __init__(self, compute: Callable[[K], V | None]) -> None:
        self._compute = compute
        self._asked: dict[K, bool] = {}

    def __getitem__(self, key: K) -> V:
        value = self._compute(key)
        self._asked[key] = value is not None
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[K]:
        return (key for key, found in list(self._asked.items()) if found)

    def __len__(self) -> int:
        return sum(self._asked.values())


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
            from corpus.validate import check_file

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

    def _release_document(self, version: str, path: Path) -> Document:
        folder = releases_dir(self.root) / version
        shown = _display(folder, self.root)
        if version not in self._manifests:
            self._manifests[version] = manifest.read_manifest(folder, display=shown)
        data, problems = self._manifests[version]
        if data is not None and not problems:
            problems = manifest.check_member(path, data, display=_display(path, self.root))
        if not problems:
            try:
                return native.from_dict(native.read_json(path, display=_display(path, self.root)))
            except (CorpusError, KeyError, TypeError, ValueError, AttributeError):
                pass  # not what a release writes: the validator says what is wrong
        from corpus.validate import check_file

        result = check_file(path, root=self.root)
        problems = problems or result.problems
        if problems or result.document is None:
            raise CorpusError(problems)
        return result.document

    def _load(self, document_id: str) -> _Entry:
        entry = _Entry(document_id, self.root, self.versions)
        if not labelstudio.valid_id(document_id):
            return entry
        name = f"{document_id}{native.SUFFIX}"
        for version in self.versions:
            path = releases_dir(self.root) / version / manifest.DOCUMENTS / name
            if path.is_file():
                document = self._release_document(version, path)
                entry.releases[version] = document
                entry.reserved |= labelstudio.document_ids(document)
        working = working_dir(self.root) / name
        if working.is_file():
            entry.working = working
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
    return labelstudio.SeedText(relative, text, sha256_file(path))


def load_corpus(document_ids: Iterable[str] = (), root: Path | None = None) -> Corpus:
    """Seeds, base documents (every release and the working copy) and reserved ids, read
    when asked for (see :class:`Corpus`; ``document_ids`` is no longer needed)."""
    return Corpus(root or project_root())


class ExportFile:
    """A Label Studio JSON export file, read one task at a time (``ijson``) each time it is
    iterated. :meth:`tasks` falls back to reading it whole with
    :func:`corpus.formats.native.read_json` when the incremental parser cannot take it (not
    JSON, not UTF-8, not a list) or would read it differently from :mod:`json` (a lone
    surrogate escape, which yajl reads as ``?``; an integer beyond 64 bits; ``NaN``), so every
    problem is what it has always been."""

    CHUNK = 1 << 20
    #: a ``\\uD800``-``\\uDBFF`` escape not followed by a low one, or a low one not preceded
    #: by a high one (a pair cut by a chunk boundary is a false alarm, which only costs speed)
    LONE_SURROGATE = re.compile(
        rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
        rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    )

    def __init__(self, path: Path, display: str | None = None) -> None:
        self.path = path
        self.display = display or str(path)

    def tasks(self, *, quiet: bool = True) -> tuple[Any, labelstudio.Scan | None]:
        """What to import and its :func:`~corpus.formats.labelstudio.scan` (one pass over
        the file that keeps nothing): this file, streamed, when the incremental parser reads
        it as :mod:`json` would; else the whole parsed file (its scan None when it is not a
        list: the reader reports that). A CorpusError when it is not JSON at all."""
        import ijson

        if self._list_without_lone_surrogates():
            try:
                found = labelstudio.scan(
                    progress(self._items(), desc="ls import: reading", unit="task", quiet=quiet)
                )
                return self, found
            except (ijson.JSONError, ValueError, UnicodeDecodeError):
                pass  # json says what is wrong, or reads what yajl could not
        data = self.load()
        return data, labelstudio.scan(data) if isinstance(data, list) else None

    def _list_without_lone_surrogates(self) -> bool:
        import ijson

        try:
            with self.path.open("rb") as handle:
                first = next(ijson.parse(handle), None)
                if first is None or first[1] != "start_array":
                    return False
                handle.seek(0)
                tail = b""
                for block in iter(lambda: handle.read(self.CHUNK), b""):
                    if self.LONE_SURROGATE.search(tail + block):
                        return False
                    tail = block[-12:]
        except (OSError, ijson.JSONError, ValueError, UnicodeDecodeError):
            return False
        return True

    def _items(self) -> Iterator[Any]:
        import ijson

        with self.path.open("rb") as handle:
            yield from ijson.items(handle, "item", use_float=True)

    def __iter__(self) -> Iterator[Any]:
        """The tasks, one at a time (a file that changed since :meth:`tasks` read it and is
        no longer JSON is a CorpusError, never a traceback)."""
        import ijson

        try:
            yield from self._items()
        except (ijson.JSONError, ValueError, UnicodeDecodeError):
            self.load()  # raises what is wrong with it now
            raise CorpusError(
                [Problem(self.display, None, Location(), "NOT_JSON", "changed while read")]
            ) from None

    def load(self) -> Any:
        """The whole file, parsed (a CorpusError when it is not JSON)."""
        return native.read_json(self.path, display=self.display)


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


@dataclass(frozen=True)
class Written:
    """One document written by an import: where, from which task and annotation, by whom
    and its counts. The document itself is not kept (an import of many documents holds
    none of them); :attr:`document` reads it back from its file."""

    path: Path
    document_id: str
    annotator: str
    task_id: Any
    annotation_id: Any
    entities: int
    relations: int
    clusters: int

    @property
    def document(self) -> Document:
        """The document as written (read back from its file when asked for)."""
        return native.from_dict(native.read_json(self.path))

    @property
    def item(self) -> labelstudio.ImportedDocument:
        """What the import made of its task, the document read back from its file."""
        return labelstudio.ImportedDocument(
            self.document, self.annotator, self.task_id, self.annotation_id
        )


def import_export(
    tasks: Any,
    *,
    file: str,
    out_dir: Path | None = None,
    selection: labelstudio.Selection | None = None,
    root: Path | None = None,
    quiet: bool = True,
) -> list[Written]:
    """Check a Label Studio export (parsed, or an :class:`ExportFile` read one task at a
    time) and write its documents; nothing written on error.

    Documents go to ``out_dir/<id>.json`` (``out_dir/<annotator>/<id>.json`` with
    ``selection.by_annotator``); every document is also run through ``corpus validate``'s
    checks (once) before anything is written. Each checked document is staged in a
    temporary folder beside the output and moved into place once the last task is read
    and nothing is wrong, so neither the export nor its documents are held in memory.
    ``quiet=False`` shows a progress bar (see :mod:`corpus.progress`).
    """
    from corpus.validate import validate_document

    root = root or project_root()
    target_dir = out_dir or working_dir(root)
    check_output_dir(target_dir, root)
    choice = selection or labelstudio.Selection()
    corpus = load_corpus(root=root)
    if isinstance(tasks, ExportFile):
        stream, scanned = tasks.tasks(quiet=quiet)
    else:
        stream, scanned = tasks, labelstudio.scan(tasks) if isinstance(tasks, list) else None
    if scanned is None:  # not a list of tasks: the reader says so
        raise CorpusError(labelstudio.read(stream, file=file, seeds={}, bases={})[1])
    problems: list[Problem] = []  # the reader's
    own: list[Problem] = []  # paths and validation, reported when the reader found nothing
    planned: list[Written] = []
    by_path: dict[Path, str] = {}
    staged: Path | None = None
    try:
        for item in labelstudio.iter_read(
            progress(stream, total=scanned.tasks, desc="ls import", unit="task", quiet=quiet),
            scanned,
            problems,
            file=file,
            seeds=corpus.seeds,
            bases=corpus.bases,
            reserved_ids=corpus.reserved,
            selection=choice,
        ):
            if problems:
                continue  # only the reader's problems are reported; no need to check more
            written = _plan(item, target_dir, choice, by_path, own, root)
            if written is None:
                continue
            document = native.to_dict(item.document)
            found = validate_document(document, file=_display(written.path, root), root=root)
            own += found
            if found or own:
                continue
            staged = staged or staging_dir(target_dir)
            native.write_document(item.document, staged / written.path.relative_to(target_dir))
            planned.append(written)
        if problems or own:
            raise CorpusError(problems or own)
        if staged is not None:
            for written in planned:
                written.path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged / written.path.relative_to(target_dir), written.path)
    finally:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
    return planned


def _plan(
    item: labelstudio.ImportedDocument,
    target_dir: Path,
    choice: labelstudio.Selection,
    by_path: dict[Path, str],
    problems: list[Problem],
    root: Path,
) -> Written | None:
    """Where an imported document goes (None after a problem: another one goes there)."""
    folder = target_dir / _slug(item.annotator) if choice.by_annotator else target_dir
    path = folder / f"{item.document.id}{native.SUFFIX}"
    if path in by_path:  # two annotator names with one folder name: one would be lost
        problems.append(
            Problem(
                _display(path, root),
                item.document.id,
                Location(),
                "DUPLICATE_DOCUMENT",
                f"annotators {by_path[path]!r} and {item.annotator!r} would both be "
                f"written to {folder.name}/; import them one at a time with --annotator",
            )
        )
        return None
    by_path[path] = item.annotator
    document = item.document
    return Written(
        path,
        document.id,
        item.annotator,
        item.task_id,
        item.annotation_id,
        len(document.entities),
        len(document.relations),
        len(document.clusters),
    )


# --------------------------------------------------------------------------- with a server


@dataclass(frozen=True)
class Pushed:
    """What ``corpus ls push`` did."""

    url: str
    project: int
    created: bool  # a new project (else: its labeling config was updated)
    version: str
    mode: str
    imported: int
    already_present: int


def push(
    version: str | None,
    mode: labelstudio.ExportMode,
    *,
    url: str | None = None,
    project: int | None = None,
    title: str | None = None,
    root: Path | None = None,
) -> Pushed:
    """Create a project (or update the labeling config of ``project``) and import the tasks
    of documents it does not hold yet. The token comes from ``LABEL_STUDIO_API_KEY``."""
    version_used, tasks = export_tasks(version, mode, root)
    client = lsserver.Client(lsserver.server_url(url), lsserver.token_from_env())
    client.check()
    config = labelstudio.label_config()
    present: set[str] = set()
    if project is None:
        project = client.create_project(title or f"corpus {version_used}", config)
        created = True
    else:
        client.project_exists(project)
        client.validate_config(project, config)
        client.update_config(project, config)
        present = client.document_ids(project)
        created = False
    new = [task for task in tasks if task["data"]["document_id"] not in present]
    client.import_tasks(project, new)
    return Pushed(client.url, project, created, version_used, mode, len(new), len(tasks) - len(new))


def pull(
    project: int,
    *,
    url: str | None = None,
    save_export: Path | None = None,
    out_dir: Path | None = None,
    selection: labelstudio.Selection | None = None,
    root: Path | None = None,
) -> list[Written]:
    """Fetch a project's JSON export (annotators named by e-mail), optionally keep it, and
    import it as :func:`import_export` does."""
    root = root or project_root()
    # refuse a release as output before asking the server anything
    check_output_dir(out_dir or working_dir(root), root)
    if save_export is not None:
        refuse_release_output(save_export, root)
    client = lsserver.Client(lsserver.server_url(url), lsserver.token_from_env())
    client.check()
    client.project_exists(project)
    export = lsserver.name_annotators(client.export(project), client.user_emails())
    if save_export is not None:
        atomic_write_text(save_export, json.dumps(export, ensure_ascii=False, indent=2))
    return import_export(
        export,
        file=f"{client.url}/projects/{project} (export)",
        out_dir=out_dir,
        selection=selection,
        root=root,
    )


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
    root: Path | None = None,
) -> ServePlan:
    """Export the tasks (a broken corpus fails before anything is installed or started),
    install Label Studio when needed, and settle the login, the token and the port.

    ``LS_DATA_DIR_FOREIGN`` (exit 2) when the data folder holds a Label Studio database
    that ``corpus ls serve`` did not make."""
    root = root or project_root()
    folder = (data_dir or root / lsserver.DATA_DIR_NAME).resolve()
    version_used, tasks = export_tasks(version, mode, root)
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

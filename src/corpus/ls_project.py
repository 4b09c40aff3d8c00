"""Label Studio work on the project's files: which documents to export, what the
importer compares against (seeds, base documents, reserved ids), writing the imported
documents as working annotations, and the commands' workflows (push, pull, serve) that
combine them with a server. The conversion is :mod:`corpus.formats.labelstudio`; the
server and its API are :mod:`corpus.lsserver`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import lsserver, overwrite, sources
from corpus.errors import CorpusError, Location, Problem, problem_error
from corpus.formats import labelstudio, native
from corpus.fsutil import atomic_write_text, sha256_file
from corpus.inputs import MAX_EXPORT_BYTES, read_input
from corpus.model import Document
from corpus.paths import project_root, refuse_release_output, working_dir
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


def _display(path: Path, root: Path) -> str:
    try:
        # realpath, unlike Path.resolve, does not raise on a symlink loop
        return str(Path(os.path.realpath(path)).relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _raw_ids(path: Path) -> set[str]:
    """Every annotation id in a native JSON file, valid or not (for id reservation)."""
    try:
        data = native.read_json(path)
    except CorpusError:
        return set()
    ids: set[str] = set()
    if isinstance(data, dict):
        for key in ("entities", "relations", "clusters"):
            items = data.get(key)
            for item in items if isinstance(items, list) else []:  # any shape, never a crash
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    ids.add(item["id"])
    return ids


@dataclass
class Corpus:
    """What the importer compares a Label Studio export against."""

    seeds: dict[str, labelstudio.SeedText]
    bases: dict[tuple[str, str], Document]
    reserved: dict[str, set[str]]


def _seed(root: Path, relative: str) -> labelstudio.SeedText | None:
    path = root / relative
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return labelstudio.SeedText(relative, text, sha256_file(path))


def load_corpus(document_ids: Iterable[str], root: Path | None = None) -> Corpus:
    """Seeds, base documents (every release and the working copy) and reserved ids."""
    root = root or project_root()
    wanted = set(document_ids)
    bases: dict[tuple[str, str], Document] = {}
    reserved: dict[str, set[str]] = {d: set() for d in wanted}
    versions = sources.list_versions(root)
    for version in versions:
        for document in sources.open_source(version, root=root):
            if document.id in wanted:
                bases[(document.id, version)] = document
                reserved[document.id] |= labelstudio.document_ids(document)
    working_files = {p.stem: p for p in native.document_files(working_dir(root))}
    for document_id in wanted & set(working_files):
        reserved[document_id] |= _raw_ids(working_files[document_id])
    if wanted & set(working_files):
        try:
            working = sources.load(WORKING, root=root)
        except CorpusError:
            working = []  # a broken working copy is no base; its ids stay reserved
        for document in working:
            if document.id in wanted:
                bases[(document.id, WORKING)] = document
    seeds: dict[str, labelstudio.SeedText] = {}
    for document_id in wanted:
        fallback = bases.get((document_id, WORKING)) or next(
            (bases[(document_id, v)] for v in reversed(versions) if (document_id, v) in bases),
            None,
        )
        if fallback is not None:
            bases[(document_id, "")] = fallback
        relative = fallback.seed.path if fallback and fallback.seed else None
        seed = _seed(root, relative or f"{SEEDS_DIR}/{document_id}.txt")
        if seed is not None:
            seeds[document_id] = seed
    return Corpus(seeds, bases, reserved)


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
    path: Path
    item: labelstudio.ImportedDocument
    #: what the write does to the file it replaces (:mod:`corpus.overwrite`)
    planned: overwrite.Planned | None = None


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


def import_export(
    tasks: Any,
    *,
    file: str,
    out_dir: Path | None = None,
    selection: labelstudio.Selection | None = None,
    root: Path | None = None,
    policy: overwrite.Policy | None = None,
    dry_run: bool = False,
) -> list[Written]:
    """Check a parsed Label Studio export and write its documents; nothing written on error.

    Documents go to ``out_dir/<id>.json`` (``out_dir/<annotator>/<id>.json`` with
    ``selection.by_annotator``, which needs an ``out_dir`` outside the working copy); every
    document is also run through ``corpus validate``'s checks, then compared with the file
    it replaces (:func:`corpus.overwrite.plan`: an import that would erase every annotation
    or change the text is refused unless ``policy`` allows it), and the whole set is
    written all or none (nothing with ``dry_run``).
    """
    from corpus.validate import validate_document

    root = root or project_root()
    target_dir = out_dir or working_dir(root)
    check_output_dir(target_dir, root)
    choice = selection or labelstudio.Selection()
    if choice.by_annotator:
        check_by_annotator_output(out_dir, root)
    refuse_other_export_format(tasks, file)
    corpus = load_corpus(labelstudio.task_document_ids(tasks), root)
    imported, problems = labelstudio.read(
        tasks,
        file=file,
        seeds=corpus.seeds,
        bases=corpus.bases,
        reserved_ids=corpus.reserved,
        selection=choice,
    )
    if problems:
        raise CorpusError(problems)
    planned: list[Written] = []
    by_path: dict[Path, str] = {}
    for item in imported:
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
            continue
        by_path[path] = item.annotator
        planned.append(Written(path, item))
        problems += validate_document(
            native.to_dict(item.document), file=_display(path, root), root=root
        )
    if problems:
        raise CorpusError(problems)
    plans = overwrite.plan([(w.path, w.item.document) for w in planned], root=root, policy=policy)
    if not dry_run:
        overwrite.publish(plans)
    return [Written(w.path, w.item, p) for w, p in zip(planned, plans, strict=True)]


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
    policy: overwrite.Policy | None = None,
    dry_run: bool = False,
) -> list[Written]:
    """Fetch a project's JSON export (annotators named by e-mail), optionally keep it, and
    import it as :func:`import_export` does."""
    root = root or project_root()
    # refuse a release as output before asking the server anything
    check_output_dir(out_dir or working_dir(root), root)
    if selection is not None and selection.by_annotator:
        check_by_annotator_output(out_dir, root)
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
        policy=policy,
        dry_run=dry_run,
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

"""The checking, lossless import of a Label Studio JSON export (see
:mod:`corpus.formats.labelstudio` for what is checked, how ids are kept and what is lost).

Each part of the export is checked where the import reaches it, first for its shape
(``schema/labelstudio-export.schema.json``, code ``LS_MALFORMED``) and then for what a
schema cannot say; a bad part is reported, located at its task, annotation and region, and
skipped while the rest is still checked. A task whose every part has its shape (one
compiled check of the whole task, ``$defs/whole-task``) skips the part-by-part shape checks,
which would find nothing.

:func:`read` takes a parsed export; :func:`scan` and :func:`iter_read` take tasks one at a
time (a stream from an incremental parser): the scan first (every id a fresh id must stay
above), then the import, which yields each document as soon as its task is checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeGuard

from corpus.errors import Location, Problem
from corpus.formats.labelstudio.config import CLUSTER_NAME, LABELS_NAME, TEXT_NAME
from corpus.formats.shape import LABEL_STUDIO_EXPORT, JsonPath, conforms, shape_errors
from corpus.model import Cluster, Document, Entity, Relation, Seed
from corpus.schema import Inventory, inventory

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_NUMBERED = re.compile(r"^(.*?)(\d+)$")
FRESH_PREFIX = {"entity": "T", "relation": "R", "cluster": "C"}
_FRESH_PREFIXES = frozenset(FRESH_PREFIX.values())


@dataclass(frozen=True)
class SeedText:
    """A seed file as read by the caller: its project-relative path, text and sha256."""

    path: str
    text: str
    sha256: str


@dataclass(frozen=True)
class Selection:
    """Which annotations of a task become documents.

    Cancelled (skipped) annotations are dropped unless ``include_cancelled``; then only
    ``annotator``'s (matched against the annotator name, e-mail or numeric user id) if
    given; then only those marked ``ground_truth`` if ``ground_truth``. What is left must
    be at most one annotation per annotator, and one annotator per task unless
    ``by_annotator`` (one document per task and annotator).
    """

    annotator: str | None = None
    include_cancelled: bool = False
    ground_truth: bool = False
    by_annotator: bool = False


@dataclass(frozen=True)
class ImportedDocument:
    document: Document
    annotator: str
    task_id: Any
    annotation_id: Any


@dataclass
class _Context:
    """What the whole import shares: the caller's corpus, the choice, the problems found."""

    file: str
    inv: Inventory
    choice: Selection
    seeds: Mapping[str, SeedText]
    bases: Mapping[tuple[str, str], Document]
    reserved_ids: Mapping[str, Iterable[str]]
    #: fresh-id prefix -> the highest number of an id with it anywhere in the export
    highest: Mapping[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: every annotator of the export (name -> the keys --annotator matches), for the message
    #: when --annotator names nobody
    annotators: dict[str, set[str]] = field(default_factory=dict)
    #: the task being imported has its whole shape (no part-by-part shape check needed)
    well_formed: bool = False
    #: an annotation in which nothing is wrong skips the item-by-item checks that locate
    #: what is (:func:`_clean_annotation_to_document`); False: every annotation takes them
    fast: bool = True

    def add(self, document: str | None, where: Location, code: str, message: str) -> None:
        self.problems.append(Problem(self.file, document, where, code, message))

    def malformed(
        self, definition: str, value: Any, document: str | None, where: Location
    ) -> list[JsonPath]:
        """Check ``value`` against the export schema's ``definition``; each mismatch is an
        ``LS_MALFORMED`` problem at ``where`` (its JSON path extended). The relative paths
        of the mismatches are returned (empty: the value has the shape)."""
        if self.well_formed:
            return []
        base = where.json_path or ()
        errors = shape_errors(LABEL_STUDIO_EXPORT, value, definition)
        for error in errors:
            at = replace(where, json_path=(*base, *error.path))
            self.add(document, at, "LS_MALFORMED", error.message)
        return [error.path for error in errors]


@dataclass
class _Task:
    """One task being imported: its document, text, seed and the base it came from."""

    index: int
    where: Location  # task <id>
    document_id: str
    text: str
    seed: SeedText
    base: Document | None
    data: Mapping[str, Any]


@dataclass
class _Parsed:
    """The result items of one annotation, parsed and checked item by item."""

    task: _Task
    annotation: Mapping[str, Any]
    where: Location  # task <id> annotation <id>, at the annotation
    regions: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # LS id -> span
    cluster_keys: dict[str, list[str]] = field(default_factory=dict)  # LS id -> cluster ids
    cluster_where: dict[str, Location] = field(default_factory=dict)
    # (type, head, tail, id, where) in result order
    relations: list[tuple[str, str, str, str | None, Location]] = field(default_factory=list)
    rejected_regions: set[str] = field(default_factory=set)

    def at(
        self, *path: str | int, region: str | None = None, relation: str | None = None
    ) -> Location:
        """A location below the annotation: ``at("result", 3, region="T1")``."""
        where = self.where  # built directly: dataclasses.replace costs 5x more, per item
        return Location(
            json_path=(*(where.json_path or ()), *path),
            line=where.line,
            column=where.column,
            byte=where.byte,
            task=where.task,
            annotation=where.annotation,
            region=region,
            relation=relation,
        )


#: the annotator of an annotation that names none (an export not made by Label Studio, such
#: as ``corpus ls export --as annotations``)
UNKNOWN_ANNOTATOR = "unknown annotator"


def _id_text(value: Any) -> str | None:
    """A task or annotation id as a location shows it (None when the export has none)."""
    return None if value is None else str(value)


def annotator_name(annotation: Mapping[str, Any]) -> str:
    """Who made an annotation: e-mail if the export has it, else ``user <id>``, else
    :data:`UNKNOWN_ANNOTATOR`."""
    completed_by = annotation.get("completed_by")
    if isinstance(completed_by, Mapping):
        email = completed_by.get("email")
        if isinstance(email, str) and email:
            return email
        completed_by = completed_by.get("id")
    username = annotation.get("created_username")
    if isinstance(username, str) and username.strip():
        # Label Studio writes "email, id"
        return username.rsplit(",", 1)[0].strip() if "," in username else username.strip()
    return f"user {completed_by}" if completed_by is not None else UNKNOWN_ANNOTATOR


def _annotator_keys(annotation: Mapping[str, Any]) -> set[str]:
    keys = {annotator_name(annotation)}
    completed_by = annotation.get("completed_by")
    if isinstance(completed_by, Mapping):
        completed_by = completed_by.get("id")
    if completed_by is not None:
        keys.update({str(completed_by), f"user {completed_by}"})
    return keys


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _numbered(value: str) -> tuple[str, int] | None:
    match = _NUMBERED.match(value)
    return (match.group(1), int(match.group(2))) if match else None


class _IdAllocator:
    """Fresh ids ``<prefix><n>`` above every reserved id with that prefix and above
    ``floor[prefix]`` (the highest number already taken elsewhere)."""

    def __init__(self, reserved: Iterable[str], floor: Mapping[str, int] | None = None) -> None:
        self.reserved = set(reserved)
        self.floor = floor or {}
        #: prefix -> the highest number taken with it (reserved ids read at its first id)
        self._highest: dict[str, int] = {}

    def fresh(self, kind: str) -> str:
        prefix = FRESH_PREFIX[kind]
        highest = self._highest.get(prefix)
        if highest is None:
            highest = self.floor.get(prefix, 0)
            for existing in self.reserved:
                numbered = _numbered(existing)
                if numbered and numbered[0] == prefix:
                    highest = max(highest, numbered[1])
        highest += 1  # the new id is now the highest with its prefix
        self._highest[prefix] = highest
        new = f"{prefix}{highest}"
        self.reserved.add(new)
        return new


def task_document_id(task: Any) -> str | None:
    """A task's well-formed ``data.document_id``, else None."""
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        return None
    document_id = task["data"].get("document_id")
    if isinstance(document_id, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]*", document_id):
        return document_id
    return None


def task_document_ids(tasks: Any) -> set[str]:
    """The well-formed ``data.document_id`` values of a list of tasks (anything else is skipped)."""
    if not isinstance(tasks, list):
        return set()
    return {d for d in map(task_document_id, tasks) if d is not None}


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """``isinstance(value, Mapping)``, a parsed JSON object (a dict) answered without the
    ABC machinery (ten times slower, and asked for every result item)."""
    return type(value) is dict or isinstance(value, Mapping)


def _task_result_ids(task: Any) -> list[str]:
    """Every region and cluster id of one task; malformed parts are skipped here (the
    import reports them as ``LS_MALFORMED``). A list built in one loop (a generator costs
    a resumption per id, and the scan reads every id of the export)."""
    found: list[str] = []
    if not _is_mapping(task):
        return found
    for key in ("annotations", "predictions"):
        annotations = task.get(key)
        for annotation in annotations if isinstance(annotations, list) else []:
            if not _is_mapping(annotation):
                continue
            results = annotation.get("result")
            for item in results if isinstance(results, list) else []:
                if type(item) is not dict and not isinstance(item, Mapping):
                    continue
                region_id = item.get("id")
                if isinstance(region_id, str):
                    found.append(region_id)
                if item.get("from_name") == CLUSTER_NAME:
                    value = item.get("value")
                    texts = value.get("text") if _is_mapping(value) else None
                    if isinstance(texts, list):
                        found += [t.strip() for t in texts if isinstance(t, str)]
    return found


@dataclass
class Scan:
    """What the import needs to know of the whole export before its first task: how many
    tasks, their document ids, and for each fresh-id prefix the highest number of an id
    in any task (fresh ids stay above every id of the export)."""

    tasks: int = 0
    document_ids: set[str] = field(default_factory=set)
    highest: dict[str, int] = field(default_factory=dict)
    #: with a selection: for each ``data.document_id``, the annotators of the annotations
    #: that selection takes (what the import makes documents of, when nothing is wrong)
    selection: Selection | None = None
    annotators: dict[str, set[str]] = field(default_factory=dict)

    def add(self, task: Any) -> None:
        self.tasks += 1
        document_id = task_document_id(task)
        if document_id is not None:
            self.document_ids.add(document_id)
        if self.selection is not None:
            self._add_annotators(task, self.selection)
        highest = self.highest
        for found in _task_result_ids(task):
            prefix = found[:1]
            if prefix not in _FRESH_PREFIXES:
                continue  # no fresh-id prefix ("" too: found is not empty below)
            digits = found[1:]
            if digits.isdecimal():  # what _NUMBERED's \d+ matches, without the regex
                number = int(digits)
            else:
                numbered = _numbered(found)  # "T1\n" ($ matches before a final newline)
                if numbered is None or numbered[0] != prefix:
                    continue
                number = numbered[1]
            current = highest.get(prefix)
            if current is None or number > current:
                highest[prefix] = number

    def _add_annotators(self, task: Any, choice: Selection) -> None:
        """The annotators :func:`_select` keeps of a task (leniently: a malformed part is
        skipped here, and reported by the import)."""
        data = task.get("data") if isinstance(task, Mapping) else None
        document_id = data.get("document_id") if isinstance(data, Mapping) else None
        annotations = task.get("annotations") if isinstance(task, Mapping) else None
        if not isinstance(document_id, str) or not isinstance(annotations, list):
            return
        for annotation in annotations:
            if not isinstance(annotation, Mapping):
                continue
            if annotation.get("was_cancelled") and not choice.include_cancelled:
                continue
            if choice.annotator is not None and choice.annotator not in _annotator_keys(annotation):
                continue
            if choice.ground_truth and not annotation.get("ground_truth"):
                continue
            self.annotators.setdefault(document_id, set()).add(annotator_name(annotation))


def scan(tasks: Iterable[Any], selection: Selection | None = None) -> Scan:
    """:class:`Scan` of an export's tasks (any iterable: a list or a stream); with
    ``selection``, which annotators each document has (:attr:`Scan.annotators`)."""
    found = Scan(selection=selection)
    for task in tasks:
        found.add(task)
    return found


def read(
    tasks: Any,
    *,
    file: str,
    seeds: Mapping[str, SeedText],
    bases: Mapping[tuple[str, str], Document],
    reserved_ids: Mapping[str, Iterable[str]] | None = None,
    selection: Selection | None = None,
    labels: Inventory | None = None,
    fast: bool = True,
) -> tuple[list[ImportedDocument], list[Problem]]:
    """Documents from a Label Studio JSON export, and every problem found.

    ``seeds`` maps a document id to its seed; ``bases`` maps ``(document id, version)``
    to the document a task was exported from (``version`` from ``data.version``; the
    key ``(id, "")`` is the fallback); ``reserved_ids`` maps a document id to ids
    fresh ids must avoid. The caller writes nothing when problems are returned.
    ``fast`` (the default) lets an annotation in which nothing is wrong skip the
    item-by-item checks; ``fast=False`` always takes them (same documents and problems,
    slower: the tests compare the two).
    """
    problems: list[Problem] = []
    if not isinstance(tasks, list):
        problems.append(
            Problem(
                file,
                None,
                Location.at(),
                "LS_MALFORMED",
                "a Label Studio JSON export is a list of tasks",
            )
        )
        return [], problems
    imported = list(
        iter_read(
            tasks,
            scan(tasks),
            problems,
            file=file,
            seeds=seeds,
            bases=bases,
            reserved_ids=reserved_ids,
            selection=selection,
            labels=labels,
            fast=fast,
        )
    )
    return imported, problems


def iter_read(
    tasks: Iterable[Any],
    scanned: Scan,
    problems: list[Problem],
    *,
    file: str,
    seeds: Mapping[str, SeedText],
    bases: Mapping[tuple[str, str], Document],
    reserved_ids: Mapping[str, Iterable[str]] | None = None,
    selection: Selection | None = None,
    labels: Inventory | None = None,
    fast: bool = True,
) -> Iterator[ImportedDocument]:
    """:func:`read` one task at a time: ``tasks`` are the elements of the export's list
    (already known to be a list), ``scanned`` their :func:`scan`. Each document is yielded
    as soon as its task is checked; every problem is appended to ``problems``, in the
    order :func:`read` reports them (a duplicate document and an export with nothing to
    import once the last task is read). A consumer writes nothing final while
    ``problems`` is not empty, and nothing at all until the iteration ends.

    The same as :func:`collect` of :meth:`TaskReader.read` of each task (which is how a
    caller spreads the tasks over processes)."""
    reader = TaskReader(
        scanned.highest,
        file=file,
        seeds=seeds,
        bases=bases,
        reserved_ids=reserved_ids,
        selection=selection,
        labels=labels,
        fast=fast,
    )
    results = (reader.read(task, index) for index, task in enumerate(tasks))
    yield from collect(
        results, problems, file=file, selection=selection, annotators=reader.annotators
    )


@dataclass
class TaskResult:
    """What the import made of one task: its documents and the problems found in it."""

    documents: list[ImportedDocument]
    problems: list[Problem]


class TaskReader:
    """The import of one task at a time (:meth:`read`), apart from what depends on the
    other tasks (:func:`collect`): the part a worker process can do. ``highest`` is
    :attr:`Scan.highest` of the whole export; the other arguments are :func:`iter_read`'s."""

    def __init__(
        self,
        highest: Mapping[str, int],
        *,
        file: str,
        seeds: Mapping[str, SeedText],
        bases: Mapping[tuple[str, str], Document],
        reserved_ids: Mapping[str, Iterable[str]] | None = None,
        selection: Selection | None = None,
        labels: Inventory | None = None,
        fast: bool = True,
    ) -> None:
        self._ctx = _Context(
            file,
            labels or inventory(),
            selection or Selection(),
            seeds,
            bases,
            reserved_ids or {},
            highest=highest,
            fast=fast,
        )

    def read(self, task: Any, index: int) -> TaskResult:
        """The documents of the task at ``index`` of the export, and its problems."""
        ctx = self._ctx
        ctx.problems = []
        documents = _import_task(ctx, task, index)
        return TaskResult(documents, ctx.problems)

    @property
    def annotators(self) -> dict[str, set[str]]:
        """Every annotator of the tasks read so far (name -> the keys ``--annotator``
        matches); the dict grows as tasks are read."""
        return self._ctx.annotators

    def take_annotators(self) -> dict[str, set[str]]:
        """:attr:`annotators`, which start again empty (a worker sends them on)."""
        found, self._ctx.annotators = self._ctx.annotators, {}
        return found


def collect(
    results: Iterable[TaskResult],
    problems: list[Problem],
    *,
    file: str,
    selection: Selection | None = None,
    annotators: Mapping[str, set[str]],
) -> Iterator[ImportedDocument]:
    """The documents of each task's result, in order, each problem appended to
    ``problems`` before the documents of its task, then what only all tasks together say:
    a document that comes twice (``DUPLICATE_DOCUMENT``) and an export with nothing to
    import. ``annotators`` (every annotator of the export, from the readers) is read once
    the last result is in."""
    choice = selection or Selection()
    imported = 0
    duplicates: list[Problem] = []
    seen: dict[tuple[str, str], Any] = {}  # (document id, annotator) -> task id
    for result in results:
        problems += result.problems
        for item in result.documents:
            imported += 1
            key = (item.document.id, item.annotator if choice.by_annotator else "")
            if key in seen:
                duplicates.append(
                    Problem(
                        file,
                        item.document.id,
                        Location(task=_id_text(item.task_id), json_path=()),
                        "DUPLICATE_DOCUMENT",
                        f"document {item.document.id} by {item.annotator} also comes from "
                        f"task {seen[key]}; import one of them",
                    )
                )
            else:
                seen[key] = item.task_id
            yield item
    problems += duplicates
    if not imported and not problems:
        wanted = choice.annotator
        if wanted is not None and not any(wanted in k for k in annotators.values()):
            present = ", ".join(sorted(annotators)) or "nobody"
            problems.append(
                Problem(
                    file,
                    None,
                    Location.at(),
                    "UNKNOWN_ANNOTATOR",
                    f"no annotation by {wanted!r}; annotators in this export: {present} "
                    "(e-mail, numeric user id or 'user N')",
                )
            )
        else:
            problems.append(
                Problem(
                    file,
                    None,
                    Location.at(),
                    "NOTHING_TO_IMPORT",
                    "no task has an annotation to import",
                )
            )


# --------------------------------------------------------------------------- tasks


def _import_task(ctx: _Context, task: Any, index: int) -> list[ImportedDocument]:
    ctx.well_formed = conforms(LABEL_STUDIO_EXPORT, task, "whole-task")
    if ctx.malformed("task", task, None, Location.at(index)):
        return []
    prepared = _prepare_task(ctx, task, index)
    if prepared is None:
        return []
    imported = []
    for position, annotation in _select(ctx, task, prepared):
        where = replace(
            prepared.where,
            annotation=_id_text(annotation.get("id")),
            json_path=(index, "annotations", position),
        )
        document = _annotation_to_document(ctx, prepared, annotation, where)
        if document is not None:
            imported.append(
                ImportedDocument(
                    document, annotator_name(annotation), task.get("id"), annotation.get("id")
                )
            )
    return imported


def _prepare_task(ctx: _Context, task: Mapping[str, Any], index: int) -> _Task | None:
    """The task's document, text, seed and base, or None after reporting why not."""
    data = task["data"]
    where = Location(task=_id_text(task.get("id")))
    document_id = data.get("document_id")
    if not isinstance(document_id, str) or not document_id:
        ctx.add(
            None,
            replace(where, json_path=(index, "data", "document_id")),
            "TASK_NO_DOCUMENT",
            "the task has no data.document_id (was it exported by `corpus ls export`?)",
        )
        return None
    text = data.get(TEXT_NAME)
    if not isinstance(text, str):
        ctx.add(
            document_id,
            replace(where, json_path=(index, "data", TEXT_NAME)),
            "TASK_NO_TEXT",
            "the task has no data.text string",
        )
        return None
    seed = ctx.seeds.get(document_id)
    if seed is None:
        ctx.add(
            document_id,
            replace(where, json_path=(index, "data", "document_id")),
            "UNKNOWN_DOCUMENT",
            f"no seed file for document {document_id!r}",
        )
        return None
    version = data.get("version") if isinstance(data.get("version"), str) else ""
    base = ctx.bases.get((document_id, str(version))) or ctx.bases.get((document_id, ""))
    problems_before = len(ctx.problems)
    if text != seed.text:
        ctx.add(
            document_id,
            replace(where, json_path=(index, "data", TEXT_NAME)),
            "TEXT_DIFFERS_FROM_SEED",
            _seed_difference(text, seed),
        )
    stored = [(base.seed.sha256, "the corpus document")] if base and base.seed else []
    if isinstance(data.get("seed_sha256"), str):
        stored.append((data["seed_sha256"], "the task"))
    for sha, owner in stored:
        if sha != seed.sha256:
            ctx.add(
                document_id,
                replace(where, json_path=(index, "data", "seed_sha256")),
                "SEED_CHANGED",
                f"{seed.path} has sha256 {seed.sha256[:12]}…, {owner} records {sha[:12]}…",
            )
    if len(ctx.problems) > problems_before:
        return None
    return _Task(index, where, document_id, text, seed, base, data)


def _first_difference(a: str, b: str) -> int:
    for position, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return position
    return min(len(a), len(b))


def _seed_difference(text: str, seed: SeedText) -> str:
    """Where the task text leaves the seed, with the differing characters escaped
    (``repr``), so a no-break space replaced by a space is visible: ``'\\xa0'`` vs ``' '``."""
    at = _first_difference(text, seed.text)
    start = max(0, at - 10)
    ours = text[start : at + 10]
    theirs = seed.text[start : at + 10]
    found = repr(text[at]) if at < len(text) else "the end of the text"
    wanted = repr(seed.text[at]) if at < len(seed.text) else "the end of the text"
    return (
        f"the task text differs from {seed.path} at code point {at}: the task has {found} "
        f"where the seed has {wanted} (task {ours!r}, seed {theirs!r}; lengths {len(text)} "
        f"and {len(seed.text)})"
    )


def _select(
    ctx: _Context, task: Mapping[str, Any], prepared: _Task
) -> list[tuple[int, Mapping[str, Any]]]:
    annotations = task.get("annotations") or []
    where = replace(prepared.where, json_path=(prepared.index, "annotations"))
    rejected = ctx.malformed("annotations", annotations, prepared.document_id, where)
    if () in rejected:
        return []
    chosen: list[tuple[int, Mapping[str, Any]]] = []
    for position, annotation in enumerate(annotations):
        if (position,) in rejected:
            continue
        ctx.annotators.setdefault(annotator_name(annotation), set()).update(
            _annotator_keys(annotation)
        )
        if annotation.get("was_cancelled") and not ctx.choice.include_cancelled:
            continue
        if ctx.choice.annotator is not None and ctx.choice.annotator not in _annotator_keys(
            annotation
        ):
            continue
        if ctx.choice.ground_truth and not annotation.get("ground_truth"):
            continue
        chosen.append((position, annotation))
    by_annotator: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for position, annotation in chosen:
        by_annotator.setdefault(annotator_name(annotation), []).append((position, annotation))
    for who, items in by_annotator.items():
        if len(items) > 1:
            ids = ", ".join(str(a.get("id")) for _, a in items)
            ctx.add(
                prepared.document_id,
                where,
                "SEVERAL_ANNOTATIONS",
                f"{who} has {len(items)} annotations ({ids}); keep one, or choose with "
                "--ground-truth",
            )
            return []
    if len(by_annotator) > 1 and not ctx.choice.by_annotator:
        names = ", ".join(sorted(by_annotator))
        ctx.add(
            prepared.document_id,
            where,
            "SEVERAL_ANNOTATORS",
            f"annotated by {names}; choose one with --annotator or --ground-truth, "
            "or import each with --by-annotator",
        )
        return []
    return chosen


# --------------------------------------------------------------------------- result items


def _annotation_to_document(
    ctx: _Context, task: _Task, annotation: Mapping[str, Any], where: Location
) -> Document | None:
    if ctx.fast and ctx.well_formed:
        document = _clean_annotation_to_document(ctx, task, annotation, where)
        if document is not None:
            return document
    if ctx.malformed("annotation", annotation, task.document_id, where):
        return None
    problems_before = len(ctx.problems)
    parsed = _Parsed(task, annotation, where)
    result = annotation["result"]
    for position, item in enumerate(result):
        _parse_item(ctx, parsed, position, item)
    for region_id, at in parsed.cluster_where.items():
        if region_id not in parsed.regions and region_id not in parsed.rejected_regions:
            ctx.add(
                task.document_id,
                at,
                "CLUSTER_MISSING_REGION",
                f"a cluster id is given to a region {region_id!r} that has no label",
            )
    for rel_type, head, tail, _, at in parsed.relations:
        for end_name, end_id in (("from_id", head), ("to_id", tail)):
            if end_id not in parsed.regions and end_id not in parsed.rejected_regions:
                ctx.add(
                    task.document_id,
                    replace(
                        at,
                        relation=f"{rel_type}",
                        json_path=(*(at.json_path or ()), end_name),
                    ),
                    "RELATION_MISSING_REGION",
                    f"{end_name} {end_id!r} is not a region",
                )
    document = _build_document(ctx, parsed)
    return document if len(ctx.problems) == problems_before else None


#: the location of every part the fast path takes: it never reports one (a problem sends
#: the annotation through :func:`_parse_item`, which locates it)
_UNREPORTED = Location()


def _clean_annotation_to_document(
    ctx: _Context, task: _Task, annotation: Mapping[str, Any], where: Location
) -> Document | None:
    """The document of an annotation of a well-formed task in which nothing is wrong, or
    None: then the annotation goes through :func:`_parse_item` item by item, which locates
    and reports what is wrong (or finds nothing: None means "not sure", never "wrong").

    The same checks as :func:`_parse_item` and :func:`_span`, each one a condition on the
    item that lets it through, and the same :class:`_Parsed`, without building a location
    per item. The document is built as the full path builds it; when that reports a
    problem (a relation the labels do not allow, a lone cluster id, ...) the problem is
    taken back and the full path reports it, located. ``tests/labelstudio/test_fast_path.py``
    runs both over corrupted exports."""
    text = task.text
    length = len(text)
    entity_types = ctx.inv.entity_type_set
    relation_labels = ctx.inv.relation_by_name
    regions: dict[str, tuple[str, int, int]] = {}
    cluster_keys: dict[str, list[str]] = {}
    relations: list[tuple[str, str, str, str | None, Location]] = []
    for item in annotation["result"]:  # well-formed: a list of objects of the item shape
        kind = item.get("type")
        if kind == "relation":
            labels = item.get("labels")
            if type(labels) is not list or len(labels) != 1:
                return None
            label = labels[0]
            relation = relation_labels.get(label) if type(label) is str else None
            if relation is None:
                return None
            direction = item.get("direction")
            if direction == "left":
                head, tail = item["to_id"], item["from_id"]
            elif direction in ("right", None) or (direction == "bi" and relation.symmetric):
                head, tail = item["from_id"], item["to_id"]
            else:
                return None
            found = item.get("id")
            relations.append(
                (label, head, tail, found if isinstance(found, str) else None, _UNREPORTED)
            )
            continue
        if item.get("to_name") != TEXT_NAME:
            return None
        from_name, region_id, value = item.get("from_name"), item["id"], item["value"]
        if from_name == LABELS_NAME and kind == "labels":
            start, end, labels = value.get("start"), value.get("end"), value.get("labels")
            if type(start) is not int or type(end) is not int or not 0 <= start < end <= length:
                return None
            if type(labels) is not list or len(labels) != 1:
                return None
            label = labels[0]
            if type(label) is not str or label not in entity_types or region_id in regions:
                return None
            claimed = value.get("text")
            if claimed is not None and claimed != text[start:end]:
                if not _newline_quirk(claimed, text[start:end]):
                    return None
            regions[region_id] = (label, start, end)
        elif from_name == CLUSTER_NAME and kind == "textarea":
            keys = [t.strip() for t in value["text"] if t.strip()]
            cluster_keys.setdefault(region_id, []).extend(keys)
        else:
            return None
    # every region was taken, so a region id not among them is missing
    if any(r not in regions for r in cluster_keys):
        return None
    if any(h not in regions or t not in regions for _, h, t, _, _ in relations):
        return None
    parsed = _Parsed(task, annotation, where)
    parsed.regions, parsed.cluster_keys, parsed.relations = regions, cluster_keys, relations
    parsed.cluster_where = dict.fromkeys(cluster_keys, _UNREPORTED)
    problems_before = len(ctx.problems)
    document = _build_document(ctx, parsed)
    if len(ctx.problems) > problems_before:
        del ctx.problems[problems_before:]  # the full path reports them, located
        return None
    return document


def _parse_item(ctx: _Context, parsed: _Parsed, position: int, item: Any) -> None:
    """Check one result item and add it to ``parsed`` (a region, a cluster id or a relation)."""
    document_id = parsed.task.document_id
    is_mapping = _is_mapping(item)
    if is_mapping and item.get("from_name") == LABELS_NAME:
        if item.get("type") != "relation" and isinstance(item.get("id"), str):
            # a label region, even one rejected below: no follow-on missing-region problems
            parsed.rejected_regions.add(item["id"])
    if not is_mapping:
        where = parsed.at("result", position)
    elif item.get("type") == "relation":
        where = parsed.at("result", position, relation=str(item.get("id") or position))
    else:
        where = parsed.at("result", position, region=str(item.get("id")))
    if ctx.malformed("item", item, document_id, where):
        return
    if item.get("type") == "relation":
        found = _relation(ctx, parsed, item, where)
        if found is not None:
            region_id = item.get("id")
            parsed.relations.append(
                (*found, region_id if isinstance(region_id, str) else None, where)
            )
        return
    region_id = item["id"]
    value = item["value"]
    from_name, kind = item.get("from_name"), item.get("type")
    if item.get("to_name") != TEXT_NAME or (from_name, kind) not in (
        (LABELS_NAME, "labels"),
        (CLUSTER_NAME, "textarea"),
    ):
        ctx.add(
            document_id,
            where,
            "UNKNOWN_CONTROL",
            f"from_name {from_name!r} / to_name {item.get('to_name')!r} / type {kind!r} "
            f"is not in the config (expected {LABELS_NAME}/labels or "
            f"{CLUSTER_NAME}/textarea on {TEXT_NAME})",
        )
        return
    if from_name == CLUSTER_NAME:
        keys = [t.strip() for t in value["text"] if t.strip()]
        parsed.cluster_keys.setdefault(region_id, []).extend(keys)
        parsed.cluster_where.setdefault(region_id, where)
        return
    span = _span(ctx, parsed, value, where)
    if span is None:
        return
    if region_id in parsed.regions:
        ctx.add(
            document_id,
            replace(where, json_path=(*(where.json_path or ()), "id")),
            "DUPLICATE_REGION",
            f"two labelled regions have the id {region_id!r}",
        )
        return
    parsed.regions[region_id] = span


def _below(where: Location, *path: str | int) -> Location:
    return replace(where, json_path=(*(where.json_path or ()), *path))


def _span(
    ctx: _Context, parsed: _Parsed, value: Mapping[str, Any], where: Location
) -> tuple[str, int, int] | None:
    document_id, text, inv = parsed.task.document_id, parsed.task.text, ctx.inv
    start, end = value.get("start"), value.get("end")
    bad = False
    for name, offset in (("start", start), ("end", end)):
        if not _is_int(offset):
            ctx.add(
                document_id,
                _below(where, "value", name),
                "OFFSET_NOT_INTEGER",
                f"{name} {offset!r} is not an integer code point offset",
            )
            bad = True
    labels = value.get("labels")
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        ctx.add(
            document_id,
            _below(where, "value", "labels"),
            "LABEL_COUNT",
            f"a region needs exactly one label, got {labels!r}",
        )
        bad = True
    elif labels[0] not in inv.entity_types:
        ctx.add(
            document_id,
            _below(where, "value", "labels", 0),
            "UNKNOWN_LABEL",
            f"{labels[0]!r} is not an entity type ({', '.join(inv.entity_types)})",
        )
        bad = True
    if bad:
        return None
    assert isinstance(start, int) and isinstance(end, int) and isinstance(labels, list)
    if not 0 <= start <= len(text) or not 0 <= end <= len(text):
        ctx.add(
            document_id,
            _below(where, "value"),
            "OFFSET_OUT_OF_RANGE",
            f"span {start}-{end} is outside the text (0-{len(text)})",
        )
        return None
    if start >= end:
        ctx.add(
            document_id,
            _below(where, "value"),
            "EMPTY_SPAN",
            f"span {start}-{end} is empty or reversed",
        )
        return None
    claimed = value.get("text")
    if (
        claimed is not None
        and claimed != text[start:end]
        and not _newline_quirk(claimed, text[start:end])
    ):
        ctx.add(
            document_id,
            _below(where, "value", "text"),
            "TEXT_MISMATCH",
            f"value.text {claimed!r} but the text at {start}-{end} is {text[start:end]!r}",
        )
        return None
    return (labels[0], start, end)


def _newline_quirk(claimed: Any, actual: str) -> bool:
    """Label Studio's UI can write ``value.text`` of a span that crosses a line break with
    the line break changed or dropped; the offsets are right. Only that is forgiven: the
    span has a line break and the two differ in whitespace alone."""
    if not isinstance(claimed, str) or "\n" not in actual:
        return False
    return "".join(claimed.split()) == "".join(actual.split())


def _relation(
    ctx: _Context, parsed: _Parsed, item: Mapping[str, Any], where: Location
) -> tuple[str, str, str] | None:
    document_id, inv = parsed.task.document_id, ctx.inv
    from_id, to_id, direction = item["from_id"], item["to_id"], item.get("direction")
    labels = item.get("labels")
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        ctx.add(
            document_id,
            _below(where, "labels"),
            "LABEL_COUNT",
            f"a relation needs exactly one label, got {labels!r}",
        )
        return None
    if labels[0] not in inv.relation_types:
        ctx.add(
            document_id,
            _below(where, "labels", 0),
            "UNKNOWN_RELATION",
            f"{labels[0]!r} is not a relation type",
        )
        return None
    symmetric = inv.relation(labels[0]).symmetric
    if direction in ("right", None) or (direction == "bi" and symmetric):
        return (labels[0], from_id, to_id)
    if direction == "left":
        return (labels[0], to_id, from_id)
    ctx.add(
        document_id,
        _below(where, "direction"),
        "RELATION_DIRECTION",
        f"{labels[0]} is directed; direction 'bi' does not say which is the head",
    )
    return None


# --------------------------------------------------------------------------- the document


def _build_document(ctx: _Context, parsed: _Parsed) -> Document | None:
    """The document of one annotation once its items are parsed: corpus ids for regions,
    relations and clusters (see the package docstring), metadata from the base."""
    task, base = parsed.task, parsed.task.base
    ids = _IdAllocator(
        set(ctx.reserved_ids.get(task.document_id, ())) | document_ids(base), ctx.highest
    )
    corpus_id = _entity_ids(parsed, base, ids)
    entities = sorted(
        (Entity(corpus_id[r], t, s, e, task.text[s:e]) for r, (t, s, e) in parsed.regions.items()),
        key=Entity.sort_key,
    )
    relations = _relations(ctx, parsed, corpus_id, ids)
    position = {e.id: n for n, e in enumerate(entities)}
    clusters = _clusters(ctx, parsed, corpus_id, position)
    metadata = _metadata(parsed.annotation, base, task.data, parsed.where.named())
    if metadata is None:
        ctx.add(
            task.document_id,
            parsed.where,
            "TASK_NO_METADATA",
            "the corpus has no document with this id and the task has no data.metadata",
        )
        return None
    clusters.sort(key=lambda c: position[c.entities[0]])
    clusters = [c if c.id else Cluster(ids.fresh("cluster"), c.entities) for c in clusters]
    return Document(
        id=task.document_id,
        text=task.text,
        metadata=metadata,
        entities=tuple(entities),
        relations=tuple(relations),
        clusters=tuple(clusters),
        seed=base.seed if base and base.seed else Seed(task.seed.path, task.seed.sha256),
    )


def _entity_ids(parsed: _Parsed, base: Document | None, ids: _IdAllocator) -> dict[str, str]:
    """Label Studio region id -> corpus id: base ids kept; a region with another id that has
    exactly the type and offsets of an unclaimed base entity is that entity (a UI that
    renumbers regions); everything else gets a fresh id. In result order."""
    base_entities = {e.id for e in base.entities} if base else set()
    corpus_id: dict[str, str] = {r: r for r in parsed.regions if r in base_entities}
    unclaimed = {
        (e.type, e.start, e.end): e.id
        for e in (base.entities if base else ())
        if e.id not in corpus_id
    }
    for region_id, span in parsed.regions.items():
        if region_id not in corpus_id:
            same = unclaimed.pop(span, None)
            corpus_id[region_id] = same if same is not None else ids.fresh("entity")
    return {r: corpus_id[r] for r in parsed.regions}


def _relations(
    ctx: _Context, parsed: _Parsed, corpus_id: Mapping[str, str], ids: _IdAllocator
) -> list[Relation]:
    """The relations: types checked, duplicates refused, base ids kept (by id, else by type,
    head and tail), base order first and new ones after in result order."""
    base = parsed.task.base
    base_relations = {r.id: r for r in base.relations} if base else {}
    types = {corpus_id[r]: t for r, (t, _, _) in parsed.regions.items()}
    seen: set[tuple[str, str, str]] = set()
    used: set[str] = set()
    pending: list[tuple[tuple[str, str, str], str | None]] = []
    for rel_type, head, tail, rel_id, at in parsed.relations:
        if head not in corpus_id or tail not in corpus_id:
            continue  # already reported
        triple = (rel_type, corpus_id[head], corpus_id[tail])
        label = ctx.inv.relation_by_name[rel_type]
        if not label.allows(types[triple[1]], types[triple[2]]):
            ctx.add(
                parsed.task.document_id,
                replace(at, relation=rel_id or rel_type),
                "RELATION_NOT_ALLOWED",
                f"{rel_type} does not allow {types[triple[1]]} -> {types[triple[2]]} "
                f"(head {'/'.join(label.head)}, tail {'/'.join(label.tail)})",
            )
            continue
        reverse = (rel_type, triple[2], triple[1])
        if triple in seen or (label.symmetric and reverse in seen):
            ctx.add(
                parsed.task.document_id,
                replace(at, relation=rel_id or rel_type),
                "DUPLICATE_RELATION",
                f"{rel_type} {triple[1]} -> {triple[2]} is given twice",
            )
            continue
        seen.add(triple)
        keep = rel_id if rel_id in base_relations and rel_id not in used else None
        if keep:
            used.add(keep)
        pending.append((triple, keep))
    by_triple = {(r.type, r.head, r.tail): r.id for r in base_relations.values()}
    relations: list[Relation] = []
    for triple, keep in pending:
        if keep is None:
            candidate = by_triple.get(triple)
            if candidate is not None and candidate not in used:
                keep = candidate
                used.add(candidate)
        relations.append(Relation(keep or "", *triple))
    final = [
        r if r.id else Relation(ids.fresh("relation"), r.type, r.head, r.tail) for r in relations
    ]
    base_order = {rid: n for n, rid in enumerate(base_relations)}
    final.sort(key=lambda r: (0, base_order[r.id], 0) if r.id in base_order else (1, 0, 0))
    return final


def _clusters(
    ctx: _Context, parsed: _Parsed, corpus_id: Mapping[str, str], position: Mapping[str, int]
) -> list[Cluster]:
    """The clusters: one id per mention, two mentions at least; base cluster ids kept, the
    others left empty for a fresh id."""
    base = parsed.task.base
    base_clusters = {c.id for c in base.clusters} if base else set()
    members: dict[str, list[str]] = {}
    tainted: set[str] = set()  # cluster ids of rejected regions: no follow-on singleton error
    for region_id, keys in parsed.cluster_keys.items():
        distinct = sorted(set(keys))
        if region_id not in corpus_id:
            tainted.update(distinct)
            continue
        if not distinct:
            continue
        if len(distinct) > 1:
            ctx.add(
                parsed.task.document_id,
                parsed.cluster_where[region_id],
                "CLUSTER_AMBIGUOUS",
                f"the mention has several cluster ids {distinct}",
            )
            continue
        members.setdefault(distinct[0], []).append(corpus_id[region_id])
    clusters: list[Cluster] = []
    for key, mention_ids in members.items():
        if len(mention_ids) < 2 and key in tainted:
            continue
        if len(mention_ids) < 2:
            region = next(r for r, c in corpus_id.items() if c == mention_ids[0])
            ctx.add(
                parsed.task.document_id,
                parsed.cluster_where[region],
                "CLUSTER_SINGLETON",
                f"cluster id {key!r} is given to one mention only (a cluster needs two)",
            )
            continue
        cluster_id = key if key in base_clusters else ""
        clusters.append(Cluster(cluster_id, tuple(sorted(mention_ids, key=position.__getitem__))))
    return clusters


def _metadata(
    annotation: Mapping[str, Any], base: Document | None, data: Mapping[str, Any], where: str
) -> dict[str, Any] | None:
    if base is not None:
        metadata = dict(base.metadata)
    elif isinstance(data.get("metadata"), Mapping):
        metadata = dict(data["metadata"])
    else:
        return None
    previous = metadata.get("annotation")
    record: dict[str, Any] = dict(previous) if isinstance(previous, Mapping) else {}
    # what the annotation does not say (an export not made by Label Studio names no
    # annotator, id or date) stays as the base recorded it, and is never made up
    annotator = annotator_name(annotation)
    if annotator != UNKNOWN_ANNOTATOR or "annotators" not in record:
        record["annotators"] = [annotator] if annotator != UNKNOWN_ANNOTATOR else []
    stamp = annotation.get("updated_at") or annotation.get("created_at")
    if isinstance(stamp, str) or "annotated_at" not in record:
        record["annotated_at"] = stamp if isinstance(stamp, str) else None
    if where or "origin" not in record:
        record["origin"] = " ".join(("Label Studio", where)).strip() + (
            " (cancelled)" if annotation.get("was_cancelled") else ""
        )
    metadata["annotation"] = record
    return metadata


def document_ids(document: Document | None) -> set[str]:
    if document is None:
        return set()
    return (
        {e.id for e in document.entities}
        | {r.id for r in document.relations}
        | {c.id for c in document.clusters}
    )


def valid_id(value: str) -> bool:
    """Whether a string is a valid corpus id."""
    return bool(_ID_PATTERN.match(value))

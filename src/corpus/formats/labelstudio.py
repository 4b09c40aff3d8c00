"""Label Studio: labeling config, task export and a checking, lossless import.

Pure conversion only (no network, no files): :mod:`corpus.lsserver` runs the server
and talks to it; :mod:`corpus.cli.ls` reads and writes files.

Spec followed
-------------
Label Studio 1.23 / label-studio-sdk 2.1 "JSON" task format
(https://labelstud.io/guide/task_format and https://labelstud.io/guide/export#JSON):

- a task is ``{"data": {...}, "predictions": [...], "annotations": [...]}``; the
  config's ``<Text value="$text">`` reads ``data.text``;
- a span region is ``{"id", "from_name": "label", "to_name": "text", "type": "labels",
  "value": {"start", "end", "text", "labels": [TYPE]}}`` with ``start``/``end`` in
  Unicode code points, end-exclusive (exactly our offsets);
- a relation is ``{"type": "relation", "from_id", "to_id", "direction": "right" |
  "left" | "bi", "labels": [TYPE]}``;
- the export (``export_type=JSON``) is a list of tasks whose ``annotations`` carry
  ``id``, ``completed_by``, ``was_cancelled``, ``ground_truth``, ``created_at``,
  ``updated_at`` and ``result``.

Coreference
-----------
A cluster is kept as a per-region ``<TextArea name="cluster" perRegion="true">``: each
mention of a cluster carries the cluster id as its text (a result with the region's
``id``, ``from_name`` ``cluster``, ``type`` ``textarea``, ``value.text`` ``[ID]``).
Mentions with the same text form one cluster. Chosen over a ``coref`` relation because
it keeps cluster ids, states membership per mention (no chain of arrows between n
mentions; one stray arrow cannot silently merge two clusters as connected components
would), and Label Studio stores it under the region id, so it survives a round trip.

What the import checks (codes, one located problem each, nothing written if any)
--------------------------------------------------------------------------------
``LS_MALFORMED`` (not the JSON shape above), ``TASK_NO_TEXT``, ``TASK_NO_DOCUMENT``,
``UNKNOWN_DOCUMENT`` (no seed with that id), ``TEXT_DIFFERS_FROM_SEED``,
``SEED_CHANGED`` (seed file no longer matches the sha256 stored with the document or
the task), ``UNKNOWN_CONTROL`` (``from_name``/``to_name``/``type`` not in our config),
``OFFSET_NOT_INTEGER``, ``OFFSET_OUT_OF_RANGE``, ``EMPTY_SPAN``, ``TEXT_MISMATCH``
(``value.text`` differs from ``text[start:end]``; only a span across a line break whose
``value.text`` differs in whitespace alone is forgiven, a known quirk of the UI; the
entity text is always recomputed from the offsets), ``LABEL_COUNT`` (not exactly one
label), ``UNKNOWN_LABEL``, ``DUPLICATE_REGION``, ``RELATION_MISSING_REGION``,
``UNKNOWN_RELATION``, ``RELATION_NOT_ALLOWED`` (argument types not allowed by the
inventory), ``RELATION_DIRECTION`` (``bi`` on a directed type), ``DUPLICATE_RELATION``,
``CLUSTER_MISSING_REGION``, ``CLUSTER_AMBIGUOUS`` (two cluster ids on one mention),
``CLUSTER_SINGLETON`` (a cluster id given to one mention only), and for the choice of
annotations ``SEVERAL_ANNOTATORS``, ``SEVERAL_ANNOTATIONS``, ``DUPLICATE_DOCUMENT``,
``NOTHING_TO_IMPORT``.

Ids: a region, relation or cluster keeps its id when that id belongs to the document
the task came from (its *base*: the release or working copy); a region with an unknown
id but exactly the type and offsets of a base entity not otherwise present takes that
entity's id; anything else (Label
Studio's random region ids, relations drawn in the UI, cluster names typed by the
annotator) gets a fresh id (``T``/``R``/``C`` + a number) above every id reserved by
the caller (all releases and the working copy) and every id in the task. Relations
without an id (the UI drops it) take the id of the base relation with the same type,
head and tail.

What is lost
------------
Nothing of entities, relations, clusters or their ids. The document metadata does not
travel through Label Studio's regions: it is taken from the base document (or the
task's ``data.metadata``), with ``metadata.annotation`` replaced by who annotated it
(``annotators``), when (``annotated_at``, the annotation's ``updated_at``) and
``origin`` (task and annotation id). Label Studio's drafts, predictions, lead times and
per-region scores are not imported. Order is canonical, not Label Studio's: entities
in reading order, cluster members in reading order and clusters by their first mention,
relations in base order then new ones in result order.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from corpus.errors import Problem, json_pointer
from corpus.model import Cluster, Document, Entity, Relation, Seed
from corpus.schema import Inventory, inventory

#: names in the generated config (``from_name`` / ``to_name`` of results)
LABELS_NAME = "label"
TEXT_NAME = "text"
CLUSTER_NAME = "cluster"

ExportMode = Literal["predictions", "annotations", "none"]
EXPORT_MODES: tuple[ExportMode, ...] = ("predictions", "annotations", "none")

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_NUMBERED = re.compile(r"^(.*?)(\d+)$")
FRESH_PREFIX = {"entity": "T", "relation": "R", "cluster": "C"}


# --------------------------------------------------------------------------- config


def label_config(labels: Inventory | None = None) -> str:
    """The labeling config XML for the inventory: spans, relations, clusters.

    Relations offer the types the guidelines still annotate (deprecated ones left out); the
    importer reads every type of the inventory, so releases 1.x round-trip unchanged."""
    inv = labels or inventory()
    view = ET.Element("View")
    ET.SubElement(
        view,
        "Header",
        value="Select a label, then mark a span. Relations: select a mention, then the "
        "relation button. Coreference: give every mention of one entity the same cluster id.",
    )
    labels_tag = ET.SubElement(
        view, "Labels", name=LABELS_NAME, toName=TEXT_NAME, showInline="true"
    )
    for label in inv.entities:
        ET.SubElement(
            labels_tag,
            "Label",
            value=label.name,
            background=label.color,
            hint=f"{label.title}: {label.description}",
        )
    ET.SubElement(view, "Text", name=TEXT_NAME, value="$" + TEXT_NAME)
    relations_tag = ET.SubElement(view, "Relations")
    # annotators are offered the current types only; a deprecated type still imports and shows
    for name in inv.current_relation_types:
        ET.SubElement(relations_tag, "Relation", value=name)
    cluster_view = ET.SubElement(view, "View", visibleWhen="region-selected")
    ET.SubElement(cluster_view, "Header", value="Coreference cluster id of this mention")
    ET.SubElement(
        cluster_view,
        "TextArea",
        name=CLUSTER_NAME,
        toName=TEXT_NAME,
        perRegion="true",
        editable="true",
        maxSubmissions="1",
        rows="1",
        placeholder="e.g. C3 (same id = same entity)",
    )
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


# --------------------------------------------------------------------------- export


def document_result(document: Document) -> list[dict[str, Any]]:
    """Label Studio result items for a document: regions, cluster ids, relations."""
    result: list[dict[str, Any]] = []
    for entity in document.entities:
        result.append(
            {
                "id": entity.id,
                "from_name": LABELS_NAME,
                "to_name": TEXT_NAME,
                "type": "labels",
                "value": {
                    "start": entity.start,
                    "end": entity.end,
                    "text": entity.text,
                    "labels": [entity.type],
                },
            }
        )
    by_id = document.entities_by_id
    for cluster in document.clusters:
        for member in cluster.entities:
            entity = by_id[member]
            result.append(
                {
                    "id": entity.id,
                    "from_name": CLUSTER_NAME,
                    "to_name": TEXT_NAME,
                    "type": "textarea",
                    "value": {"start": entity.start, "end": entity.end, "text": [cluster.id]},
                }
            )
    for relation in document.relations:
        result.append(
            {
                "id": relation.id,
                "type": "relation",
                "from_id": relation.head,
                "to_id": relation.tail,
                "direction": "right",
                "labels": [relation.type],
            }
        )
    return result


def document_to_task(document: Document, *, version: str, mode: ExportMode) -> dict[str, Any]:
    """One import task: text, ids and provenance in ``data``; annotations as asked."""
    data: dict[str, Any] = {
        TEXT_NAME: document.text,
        "document_id": document.id,
        "version": version,
        "metadata": dict(document.metadata),
    }
    if document.seed is not None:
        data["seed_sha256"] = document.seed.sha256
    task: dict[str, Any] = {"data": data}
    if mode == "predictions":
        task["predictions"] = [
            {"model_version": version, "score": 1.0, "result": document_result(document)}
        ]
    elif mode == "annotations":
        task["annotations"] = [{"result": document_result(document), "ground_truth": False}]
    return task


def task_document_ids(tasks: Any) -> set[str]:
    """The well-formed ``data.document_id`` values of a list of tasks (anything else is skipped)."""
    if not isinstance(tasks, list):
        return set()
    return {
        t["data"]["document_id"]
        for t in tasks
        if isinstance(t, dict)
        and isinstance(t.get("data"), dict)
        and isinstance(t["data"].get("document_id"), str)
        and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]*", t["data"]["document_id"])
    }


def documents_to_tasks(
    documents: Iterable[Document], *, version: str, mode: ExportMode
) -> list[dict[str, Any]]:
    return [document_to_task(d, version=version, mode=mode) for d in documents]


# --------------------------------------------------------------------------- import


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
    file: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, document: str | None, where: str, pointer: str, code: str, message: str) -> None:
        location = f"{where} at {pointer}" if where else pointer
        self.problems.append(Problem(self.file, document, location, code, message))


def annotator_name(annotation: Mapping[str, Any]) -> str:
    """Who made an annotation: e-mail if the export has it, else ``user <id>``."""
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
    return f"user {completed_by}"


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


class _IdAllocator:
    """Fresh ids ``<prefix><n>`` above every reserved id with that prefix."""

    def __init__(self, reserved: Iterable[str]) -> None:
        self.reserved = set(reserved)

    def fresh(self, kind: str) -> str:
        prefix = FRESH_PREFIX[kind]
        highest = 0
        for existing in self.reserved:
            match = _NUMBERED.match(existing)
            if match and match.group(1) == prefix:
                highest = max(highest, int(match.group(2)))
        new = f"{prefix}{highest + 1}"
        self.reserved.add(new)
        return new


def _result_ids(tasks: Sequence[Any]) -> set[str]:
    """Every region and cluster id in the export; malformed parts are skipped here (the
    import reports them as ``LS_MALFORMED``)."""
    ids: set[str] = set()
    for task in tasks:
        if not isinstance(task, Mapping):
            continue
        for key in ("annotations", "predictions"):
            annotations = task.get(key)
            for annotation in annotations if isinstance(annotations, list) else []:
                if not isinstance(annotation, Mapping):
                    continue
                results = annotation.get("result")
                for item in results if isinstance(results, list) else []:
                    if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                        ids.add(item["id"])
                    if isinstance(item, Mapping) and isinstance(item.get("value"), Mapping):
                        texts = item["value"].get("text")
                        if item.get("from_name") == CLUSTER_NAME and isinstance(texts, list):
                            ids.update(t.strip() for t in texts if isinstance(t, str))
    return ids


def tasks_to_documents(
    tasks: Any,
    *,
    file: str,
    seeds: Mapping[str, SeedText],
    bases: Mapping[tuple[str, str], Document],
    reserved_ids: Mapping[str, Iterable[str]] | None = None,
    selection: Selection | None = None,
    labels: Inventory | None = None,
) -> tuple[list[ImportedDocument], list[Problem]]:
    """Documents from a Label Studio JSON export, and every problem found.

    ``seeds`` maps a document id to its seed; ``bases`` maps ``(document id, version)``
    to the document a task was exported from (``version`` from ``data.version``; the
    key ``(id, "")`` is the fallback); ``reserved_ids`` maps a document id to ids
    fresh ids must avoid. The caller writes nothing when problems are returned.
    """
    ctx = _Context(file)
    inv = labels or inventory()
    choice = selection or Selection()
    if not isinstance(tasks, list):
        ctx.add(None, "", "/", "LS_MALFORMED", "a Label Studio JSON export is a list of tasks")
        return [], ctx.problems
    task_ids = _result_ids(tasks)
    imported: list[ImportedDocument] = []
    for index, task in enumerate(tasks):
        imported.extend(
            _import_task(task, index, ctx, inv, choice, seeds, bases, reserved_ids or {}, task_ids)
        )
    seen: dict[tuple[str, str], ImportedDocument] = {}
    for item in imported:
        key = (item.document.id, item.annotator if choice.by_annotator else "")
        if key in seen:
            ctx.add(
                item.document.id,
                f"task {item.task_id}",
                "/",
                "DUPLICATE_DOCUMENT",
                f"document {item.document.id} by {item.annotator} also comes from task "
                f"{seen[key].task_id}; import one of them",
            )
        else:
            seen[key] = item
    if not imported and not ctx.problems:
        ctx.add(None, "", "/", "NOTHING_TO_IMPORT", "no task has an annotation to import")
    return imported, ctx.problems


def _select(
    task: Mapping[str, Any], index: int, document_id: str, ctx: _Context, choice: Selection
) -> list[tuple[int, Mapping[str, Any]]]:
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        ctx.add(
            document_id,
            f"task {task.get('id')}",
            json_pointer(index, "annotations"),
            "LS_MALFORMED",
            "annotations is not a list",
        )
        return []
    chosen: list[tuple[int, Mapping[str, Any]]] = []
    for position, annotation in enumerate(annotations):
        if not isinstance(annotation, Mapping):
            ctx.add(
                document_id,
                f"task {task.get('id')}",
                json_pointer(index, "annotations", position),
                "LS_MALFORMED",
                "an annotation is not an object",
            )
            continue
        if annotation.get("was_cancelled") and not choice.include_cancelled:
            continue
        if choice.annotator is not None and choice.annotator not in _annotator_keys(annotation):
            continue
        if choice.ground_truth and not annotation.get("ground_truth"):
            continue
        chosen.append((position, annotation))
    by_annotator: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for position, annotation in chosen:
        by_annotator.setdefault(annotator_name(annotation), []).append((position, annotation))
    where = f"task {task.get('id')}"
    for who, items in by_annotator.items():
        if len(items) > 1:
            ids = ", ".join(str(a.get("id")) for _, a in items)
            ctx.add(
                document_id,
                where,
                json_pointer(index, "annotations"),
                "SEVERAL_ANNOTATIONS",
                f"{who} has {len(items)} annotations ({ids}); keep one, or choose with "
                "--ground-truth",
            )
            return []
    if len(by_annotator) > 1 and not choice.by_annotator:
        names = ", ".join(sorted(by_annotator))
        ctx.add(
            document_id,
            where,
            json_pointer(index, "annotations"),
            "SEVERAL_ANNOTATORS",
            f"annotated by {names}; choose one with --annotator or --ground-truth, "
            "or import each with --by-annotator",
        )
        return []
    return chosen


def _import_task(
    task: Any,
    index: int,
    ctx: _Context,
    inv: Inventory,
    choice: Selection,
    seeds: Mapping[str, SeedText],
    bases: Mapping[tuple[str, str], Document],
    reserved_ids: Mapping[str, Iterable[str]],
    task_ids: set[str],
) -> list[ImportedDocument]:
    if not isinstance(task, Mapping) or not isinstance(task.get("data"), Mapping):
        ctx.add(None, "", json_pointer(index), "LS_MALFORMED", "a task is an object with data")
        return []
    data = task["data"]
    where = f"task {task.get('id')}"
    document_id = data.get("document_id")
    if not isinstance(document_id, str) or not document_id:
        ctx.add(
            None,
            where,
            json_pointer(index, "data", "document_id"),
            "TASK_NO_DOCUMENT",
            "the task has no data.document_id (was it exported by `corpus ls export`?)",
        )
        return []
    text = data.get(TEXT_NAME)
    if not isinstance(text, str):
        ctx.add(
            document_id,
            where,
            json_pointer(index, "data", TEXT_NAME),
            "TASK_NO_TEXT",
            "the task has no data.text string",
        )
        return []
    seed = seeds.get(document_id)
    if seed is None:
        ctx.add(
            document_id,
            where,
            json_pointer(index, "data", "document_id"),
            "UNKNOWN_DOCUMENT",
            f"no seed file for document {document_id!r}",
        )
        return []
    version = data.get("version") if isinstance(data.get("version"), str) else ""
    base = bases.get((document_id, str(version))) or bases.get((document_id, ""))
    problems_before = len(ctx.problems)
    if text != seed.text:
        ctx.add(
            document_id,
            where,
            json_pointer(index, "data", TEXT_NAME),
            "TEXT_DIFFERS_FROM_SEED",
            f"the task text differs from {seed.path} "
            f"from code point {_first_difference(text, seed.text)}",
        )
    stored = [(base.seed.sha256, "the corpus document")] if base and base.seed else []
    if isinstance(data.get("seed_sha256"), str):
        stored.append((data["seed_sha256"], "the task"))
    for sha, owner in stored:
        if sha != seed.sha256:
            ctx.add(
                document_id,
                where,
                json_pointer(index, "data", "seed_sha256"),
                "SEED_CHANGED",
                f"{seed.path} has sha256 {seed.sha256[:12]}…, {owner} records {sha[:12]}…",
            )
    if len(ctx.problems) > problems_before:
        return []
    imported = []
    for position, annotation in _select(task, index, document_id, ctx, choice):
        reserved = set(task_ids) | set(reserved_ids.get(document_id, ()))
        document = _annotation_to_document(
            annotation,
            json_pointer(index, "annotations", position),
            f"{where} annotation {annotation.get('id')}",
            ctx,
            inv,
            text,
            document_id,
            seed,
            base,
            data,
            reserved,
        )
        if document is not None:
            imported.append(
                ImportedDocument(
                    document, annotator_name(annotation), task.get("id"), annotation.get("id")
                )
            )
    return imported


def _first_difference(a: str, b: str) -> int:
    for position, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return position
    return min(len(a), len(b))


def _annotation_to_document(
    annotation: Mapping[str, Any],
    pointer: str,
    where: str,
    ctx: _Context,
    inv: Inventory,
    text: str,
    document_id: str,
    seed: SeedText,
    base: Document | None,
    data: Mapping[str, Any],
    reserved: set[str],
) -> Document | None:
    result = annotation.get("result")
    if not isinstance(result, list):
        ctx.add(document_id, where, pointer + "/result", "LS_MALFORMED", "result is not a list")
        return None
    problems_before = len(ctx.problems)
    regions: dict[str, tuple[str, int, int]] = {}  # LS region id -> (type, start, end)
    region_order: list[str] = []
    cluster_keys: dict[str, list[str]] = {}  # LS region id -> typed cluster ids
    cluster_pointers: dict[str, str] = {}
    relations: list[tuple[str, str, str, str | None, str]] = []  # (type, head, tail, id, ptr)
    for position, item in enumerate(result):
        item_pointer = f"{pointer}/result/{position}"
        if not isinstance(item, Mapping):
            ctx.add(
                document_id, where, item_pointer, "LS_MALFORMED", "a result item is not an object"
            )
            continue
        region_id = item.get("id")
        here = f"{where} region {region_id}"
        kind = item.get("type")
        if kind == "relation":
            parsed = _relation(
                item,
                item_pointer,
                f"{where} relation {region_id or position}",
                ctx,
                inv,
                document_id,
            )
            if parsed is not None:
                relations.append(
                    (*parsed, region_id if isinstance(region_id, str) else None, item_pointer)
                )
            continue
        if not isinstance(region_id, str) or not region_id:
            ctx.add(
                document_id, here, item_pointer + "/id", "LS_MALFORMED", "a region has no string id"
            )
            continue
        value = item.get("value")
        if not isinstance(value, Mapping):
            ctx.add(
                document_id,
                here,
                item_pointer + "/value",
                "LS_MALFORMED",
                "a region has no value object",
            )
            continue
        from_name = item.get("from_name")
        if item.get("to_name") != TEXT_NAME or (from_name, kind) not in (
            (LABELS_NAME, "labels"),
            (CLUSTER_NAME, "textarea"),
        ):
            ctx.add(
                document_id,
                here,
                item_pointer,
                "UNKNOWN_CONTROL",
                f"from_name {from_name!r} / to_name {item.get('to_name')!r} / type {kind!r} "
                f"is not in the config (expected {LABELS_NAME}/labels or "
                f"{CLUSTER_NAME}/textarea on {TEXT_NAME})",
            )
            continue
        if from_name == CLUSTER_NAME:
            texts = value.get("text")
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                ctx.add(
                    document_id,
                    here,
                    item_pointer + "/value/text",
                    "LS_MALFORMED",
                    "a cluster value.text is not a list of strings",
                )
                continue
            cluster_keys.setdefault(region_id, []).extend(t.strip() for t in texts if t.strip())
            cluster_pointers.setdefault(region_id, item_pointer)
            continue
        span = _span(value, text, item_pointer, here, ctx, inv, document_id)
        if span is None:
            continue
        if region_id in regions:
            ctx.add(
                document_id,
                here,
                item_pointer + "/id",
                "DUPLICATE_REGION",
                f"two labelled regions have the id {region_id!r}",
            )
            continue
        regions[region_id] = span
        region_order.append(region_id)
    for region_id, item_pointer in cluster_pointers.items():
        if region_id not in regions and region_id not in _invalid_region_ids(result):
            ctx.add(
                document_id,
                f"{where} region {region_id}",
                item_pointer,
                "CLUSTER_MISSING_REGION",
                f"a cluster id is given to a region {region_id!r} that has no label",
            )
    for rel_type, head, tail, _, item_pointer in relations:
        for end_name, end_id in (("from_id", head), ("to_id", tail)):
            if end_id not in regions and end_id not in _invalid_region_ids(result):
                ctx.add(
                    document_id,
                    f"{where} relation {rel_type}",
                    item_pointer + "/" + end_name,
                    "RELATION_MISSING_REGION",
                    f"{end_name} {end_id!r} is not a region",
                )
    return _build_document(
        problems_before,
        annotation,
        pointer,
        where,
        ctx,
        inv,
        document_id,
        text,
        seed,
        base,
        data,
        reserved,
        regions,
        region_order,
        cluster_keys,
        cluster_pointers,
        relations,
    )


def _invalid_region_ids(result: Sequence[Any]) -> set[str]:
    """Ids of label regions that exist but were rejected (reported once, not again)."""
    return {
        item["id"]
        for item in result
        if isinstance(item, Mapping)
        and item.get("type") != "relation"
        and item.get("from_name") == LABELS_NAME
        and isinstance(item.get("id"), str)
    }


def _span(
    value: Mapping[str, Any],
    text: str,
    pointer: str,
    where: str,
    ctx: _Context,
    inv: Inventory,
    document_id: str,
) -> tuple[str, int, int] | None:
    start, end = value.get("start"), value.get("end")
    bad = False
    for name, offset in (("start", start), ("end", end)):
        if not _is_int(offset):
            ctx.add(
                document_id,
                where,
                f"{pointer}/value/{name}",
                "OFFSET_NOT_INTEGER",
                f"{name} {offset!r} is not an integer code point offset",
            )
            bad = True
    labels = value.get("labels")
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        ctx.add(
            document_id,
            where,
            f"{pointer}/value/labels",
            "LABEL_COUNT",
            f"a region needs exactly one label, got {labels!r}",
        )
        bad = True
    elif labels[0] not in inv.entity_types:
        ctx.add(
            document_id,
            where,
            f"{pointer}/value/labels/0",
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
            where,
            f"{pointer}/value",
            "OFFSET_OUT_OF_RANGE",
            f"span {start}-{end} is outside the text (0-{len(text)})",
        )
        return None
    if start >= end:
        ctx.add(
            document_id,
            where,
            f"{pointer}/value",
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
            where,
            f"{pointer}/value/text",
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
    item: Mapping[str, Any],
    pointer: str,
    where: str,
    ctx: _Context,
    inv: Inventory,
    document_id: str,
) -> tuple[str, str, str] | None:
    from_id, to_id, direction = item.get("from_id"), item.get("to_id"), item.get("direction")
    labels = item.get("labels")
    if not isinstance(from_id, str) or not isinstance(to_id, str):
        ctx.add(document_id, where, pointer, "LS_MALFORMED", "a relation needs from_id and to_id")
        return None
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        ctx.add(
            document_id,
            where,
            pointer + "/labels",
            "LABEL_COUNT",
            f"a relation needs exactly one label, got {labels!r}",
        )
        return None
    if labels[0] not in inv.relation_types:
        ctx.add(
            document_id,
            where,
            pointer + "/labels/0",
            "UNKNOWN_RELATION",
            f"{labels[0]!r} is not a relation type",
        )
        return None
    symmetric = inv.relation(labels[0]).symmetric
    if direction in ("right", None) or (direction == "bi" and symmetric):
        return (labels[0], from_id, to_id)
    if direction == "left":
        return (labels[0], to_id, from_id)
    if direction == "bi":
        ctx.add(
            document_id,
            where,
            pointer + "/direction",
            "RELATION_DIRECTION",
            f"{labels[0]} is directed; direction 'bi' does not say which is the head",
        )
    else:
        ctx.add(
            document_id,
            where,
            pointer + "/direction",
            "LS_MALFORMED",
            f"direction {direction!r} is not right, left or bi",
        )
    return None


def _build_document(
    problems_before: int,
    annotation: Mapping[str, Any],
    pointer: str,
    where: str,
    ctx: _Context,
    inv: Inventory,
    document_id: str,
    text: str,
    seed: SeedText,
    base: Document | None,
    data: Mapping[str, Any],
    reserved: set[str],
    regions: Mapping[str, tuple[str, int, int]],
    region_order: Sequence[str],
    cluster_keys: Mapping[str, list[str]],
    cluster_pointers: Mapping[str, str],
    relations: Sequence[tuple[str, str, str, str | None, str]],
) -> Document | None:
    base_entities = {e.id for e in base.entities} if base else set()
    base_relations = {r.id: r for r in base.relations} if base else {}
    base_clusters = {c.id for c in base.clusters} if base else set()
    ids = _IdAllocator(reserved | document_ids(base))
    # entities: keep base ids; a region with another id that has exactly the type and
    # offsets of an unclaimed base entity is that entity (a UI that renumbers regions);
    # everything else gets a fresh id
    corpus_id: dict[str, str] = {r: r for r in region_order if r in base_entities}
    unclaimed = {
        (e.type, e.start, e.end): e.id
        for e in (base.entities if base else ())
        if e.id not in corpus_id
    }
    for region_id in region_order:
        if region_id not in corpus_id:
            same = unclaimed.pop(regions[region_id], None)
            corpus_id[region_id] = same if same is not None else ids.fresh("entity")
    corpus_id = {r: corpus_id[r] for r in region_order}
    entities = sorted(
        (Entity(corpus_id[r], t, s, e, text[s:e]) for r, (t, s, e) in regions.items()),
        key=Entity.sort_key,
    )
    types = {corpus_id[r]: t for r, (t, _, _) in regions.items()}
    # relations
    new_relations: list[Relation] = []
    seen_triples: dict[tuple[str, str, str], str] = {}
    used_relation_ids: set[str] = set()
    pending: list[tuple[tuple[str, str, str], str | None, str]] = []
    for rel_type, head, tail, rel_id, item_pointer in relations:
        if head not in corpus_id or tail not in corpus_id:
            continue  # already reported
        triple = (rel_type, corpus_id[head], corpus_id[tail])
        label = inv.relation(rel_type)
        if not label.allows(types[triple[1]], types[triple[2]]):
            ctx.add(
                document_id,
                f"{where} relation {rel_id or rel_type}",
                item_pointer,
                "RELATION_NOT_ALLOWED",
                f"{rel_type} does not allow {types[triple[1]]} -> {types[triple[2]]} "
                f"(head {'/'.join(label.head)}, tail {'/'.join(label.tail)})",
            )
            continue
        reverse = (rel_type, triple[2], triple[1])
        if triple in seen_triples or (label.symmetric and reverse in seen_triples):
            ctx.add(
                document_id,
                f"{where} relation {rel_id or rel_type}",
                item_pointer,
                "DUPLICATE_RELATION",
                f"{rel_type} {triple[1]} -> {triple[2]} is given twice",
            )
            continue
        seen_triples[triple] = item_pointer
        keep = rel_id if rel_id in base_relations and rel_id not in used_relation_ids else None
        if keep:
            used_relation_ids.add(keep)
        pending.append((triple, keep, item_pointer))
    by_triple = {(r.type, r.head, r.tail): r.id for r in base_relations.values()}
    for triple, keep, _ in pending:
        if keep is None:
            candidate = by_triple.get(triple)
            if candidate is not None and candidate not in used_relation_ids:
                keep = candidate
                used_relation_ids.add(candidate)
        new_relations.append(Relation(keep or "", *triple))
    final_relations = [
        r if r.id else Relation(ids.fresh("relation"), r.type, r.head, r.tail)
        for r in new_relations
    ]
    base_order = {rid: n for n, rid in enumerate(base_relations)}
    final_relations.sort(
        key=lambda r: (0, base_order[r.id], 0) if r.id in base_order else (1, 0, 0)
    )
    # clusters
    members: dict[str, list[str]] = {}
    tainted: set[str] = set()  # cluster ids of rejected regions: no follow-on singleton error
    for region_id, keys in cluster_keys.items():
        distinct = sorted(set(keys))
        if region_id not in corpus_id:
            tainted.update(distinct)
            continue
        if not distinct:
            continue
        if len(distinct) > 1:
            ctx.add(
                document_id,
                f"{where} region {region_id}",
                cluster_pointers[region_id],
                "CLUSTER_AMBIGUOUS",
                f"the mention has several cluster ids {distinct}",
            )
            continue
        members.setdefault(distinct[0], []).append(corpus_id[region_id])
    position = {e.id: n for n, e in enumerate(entities)}
    clusters: list[Cluster] = []
    for key, mention_ids in members.items():
        if len(mention_ids) < 2 and key in tainted:
            continue
        if len(mention_ids) < 2:
            region = next(r for r, c in corpus_id.items() if c == mention_ids[0])
            ctx.add(
                document_id,
                f"{where} region {region}",
                cluster_pointers[region],
                "CLUSTER_SINGLETON",
                f"cluster id {key!r} is given to one mention only (a cluster needs two)",
            )
            continue
        cluster_id = key if key in base_clusters else ""
        clusters.append(Cluster(cluster_id, tuple(sorted(mention_ids, key=position.__getitem__))))
    metadata = _metadata(annotation, base, data, where)
    if metadata is None:
        ctx.add(
            document_id,
            where,
            pointer,
            "TASK_NO_METADATA",
            "the corpus has no document with this id and the task has no data.metadata",
        )
    if metadata is None or len(ctx.problems) > problems_before:
        return None
    clusters.sort(key=lambda c: position[c.entities[0]])
    clusters = [c if c.id else Cluster(ids.fresh("cluster"), c.entities) for c in clusters]
    return Document(
        id=document_id,
        text=text,
        metadata=metadata,
        entities=tuple(entities),
        relations=tuple(final_relations),
        clusters=tuple(clusters),
        seed=base.seed if base and base.seed else Seed(seed.path, seed.sha256),
    )


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
    stamp = annotation.get("updated_at") or annotation.get("created_at")
    record.update(
        {
            "annotators": [annotator_name(annotation)],
            "annotated_at": stamp if isinstance(stamp, str) else None,
            "origin": f"Label Studio {where}"
            + (" (cancelled)" if annotation.get("was_cancelled") else ""),
        }
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

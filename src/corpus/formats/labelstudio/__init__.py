"""Label Studio: labeling config, task export and a checking, lossless import.

Pure conversion only (no network, no files): :mod:`corpus.lsserver` runs the server
and talks to it; :mod:`corpus.cli.ls` reads and writes files.

Verbs (the same in every format module): :func:`write` (documents to import tasks) and
:func:`read` (an export's tasks to documents and every problem); for exports too large to
hold, :func:`iter_tasks` with :func:`dump_tasks` and :func:`scan` with :func:`iter_read`
do the same one task at a time. The package is split
along the format's parts: :mod:`.config` (the labeling config), :mod:`.writer` (tasks)
and :mod:`.reader` (the checking import); the export's shape is checked by
``schema/labelstudio-export.schema.json``.

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
  ``updated_at`` and ``result``;
- a prediction is ``{"model_version", "score", "result"}`` in a task's ``predictions``:
  the writer puts a document's annotations there (``--as predictions``) or, for a
  document not annotated yet, a pre-annotator's suggestions; the reader never imports
  predictions, only submitted annotations.

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

from corpus.formats.labelstudio.config import (
    CLUSTER_NAME,
    EXPORT_MODES,
    LABELS_NAME,
    TEXT_NAME,
    ExportMode,
    label_config,
)
from corpus.formats.labelstudio.reader import (
    FRESH_PREFIX,
    UNKNOWN_ANNOTATOR,
    ImportedDocument,
    Scan,
    SeedText,
    Selection,
    TaskReader,
    TaskResult,
    annotator_name,
    collect,
    document_ids,
    iter_read,
    read,
    scan,
    task_document_id,
    task_document_ids,
    valid_id,
)
from corpus.formats.labelstudio.writer import (
    Predict,
    document_result,
    document_to_task,
    dump_tasks,
    is_annotated,
    iter_tasks,
    task_json,
    write,
)

__all__ = [
    "CLUSTER_NAME",
    "EXPORT_MODES",
    "FRESH_PREFIX",
    "UNKNOWN_ANNOTATOR",
    "LABELS_NAME",
    "Predict",
    "TEXT_NAME",
    "ExportMode",
    "ImportedDocument",
    "Scan",
    "SeedText",
    "Selection",
    "TaskReader",
    "TaskResult",
    "annotator_name",
    "collect",
    "document_ids",
    "document_result",
    "document_to_task",
    "dump_tasks",
    "is_annotated",
    "iter_read",
    "iter_tasks",
    "label_config",
    "read",
    "scan",
    "task_document_id",
    "task_document_ids",
    "task_json",
    "valid_id",
    "write",
]

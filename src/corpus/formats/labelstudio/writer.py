"""Documents to Label Studio import tasks: text, ids and provenance in ``data``; entities,
cluster ids and relations as result items of a prediction or an annotation (see
:mod:`corpus.formats.labelstudio` for the shapes).

A document that is not annotated yet (:func:`is_annotated`) has nothing to send: its task
carries no empty prediction and no empty "submitted" annotation (which Label Studio would
count as done, and a pull would bring back as an annotation nobody made). It carries the
pre-annotator's prediction instead when the caller gives one (``predict``), in every mode
but ``none`` (blank tasks stay blank). A pre-annotation is always a ``predictions`` entry,
never an annotation, so it becomes gold only when an annotator submits it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from json.encoder import encode_basestring as _string  # C; non-ASCII kept
from typing import Any, TextIO

from corpus.formats.labelstudio.config import CLUSTER_NAME, LABELS_NAME, TEXT_NAME, ExportMode
from corpus.model import Document


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


#: a Label Studio prediction (``model_version``, ``score``, ``result``) for a document not
#: annotated yet, or None for none
Predict = Callable[[Document], dict[str, Any] | None]


def is_annotated(document: Document) -> bool:
    """Whether a document has been annotated: it has entities, relations or clusters, or its
    ``metadata.annotation.annotators`` names someone (an annotator who found nothing to
    mark). A document made by ``corpus add`` is not annotated until an annotation comes back."""
    if document.entities or document.relations or document.clusters:
        return True
    return _names_annotators(document.metadata)


def _names_annotators(metadata: Mapping[str, Any]) -> bool:
    record = metadata.get("annotation")
    annotators = record.get("annotators") if isinstance(record, dict) else None
    return isinstance(annotators, list) and bool(annotators)


def document_to_task(
    document: Document,
    *,
    version: str,
    mode: ExportMode,
    prediction: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One import task: text, ids and provenance in ``data``; annotations as asked. A
    document not annotated yet carries ``prediction`` (if given, and the mode is not
    ``none``) as its only prediction, and no annotation."""
    data: dict[str, Any] = {
        TEXT_NAME: document.text,
        "document_id": document.id,
        "version": version,
        "metadata": dict(document.metadata),
    }
    if document.seed is not None:
        data["seed_sha256"] = document.seed.sha256
    task: dict[str, Any] = {"data": data}
    if mode == "none":
        return task
    if not is_annotated(document):
        if prediction is not None:
            task["predictions"] = [prediction]
        return task
    if mode == "predictions":
        task["predictions"] = [
            {"model_version": version, "score": 1.0, "result": document_result(document)}
        ]
    elif mode == "annotations":
        task["annotations"] = [{"result": document_result(document), "ground_truth": False}]
    return task


def write(
    documents: Iterable[Document],
    *,
    version: str,
    mode: ExportMode,
    predict: Predict | None = None,
) -> list[dict[str, Any]]:
    """One import task per document (see :func:`document_to_task`); ``predict`` gives the
    prediction of each document not annotated yet (called for no other)."""
    return list(iter_tasks(documents, version=version, mode=mode, predict=predict))


def iter_tasks(
    documents: Iterable[Document],
    *,
    version: str,
    mode: ExportMode,
    predict: Predict | None = None,
) -> Iterator[dict[str, Any]]:
    """:func:`write`, one task at a time as the documents come."""
    for document in documents:
        prediction = None
        if predict is not None and mode != "none" and not is_annotated(document):
            prediction = predict(document)
        yield document_to_task(document, version=version, mode=mode, prediction=prediction)


def dump_tasks(tasks: Iterable[dict[str, Any]], handle: TextIO) -> int:
    """Write tasks to ``handle`` as one JSON array, one task at a time and one task per
    line (not indented: ``json``'s C encoder is about five times faster than its indenting
    one and the file half the size). The number written."""
    count = 0
    for task in tasks:
        handle.write(("[\n" if count == 0 else ",\n") + json.dumps(task, ensure_ascii=False))
        count += 1
    handle.write("[]\n" if count == 0 else "\n]\n")
    return count


# ------------------------------------------------------------------ from a document's JSON
#
# ``corpus ls export`` of a verified release: the task's text straight from each file's JSON
# object, without building its Document, its task and then ``json.dumps`` of the task
# (three quarters of the export's time went there). The same text, piece by piece: a value of
# a type a valid document holds goes through json's own C string encoder, any other value
# through ``json.dumps`` itself.


def task_json(data: Mapping[str, Any], *, version: str, mode: ExportMode) -> str | None:
    """``json.dumps(document_to_task(native.from_dict(data), version=version, mode=mode),
    ensure_ascii=False)`` from ``data``, the JSON object of a valid document, building
    neither: the same text. None for a document not annotated yet (:func:`is_annotated`) in
    a mode that may give it a prediction: its task needs the :class:`Document`."""
    annotated = bool(
        data.get("entities", [])
        or data.get("relations", [])
        or data.get("clusters", [])
        or _names_annotators(data.get("metadata", {}))
    )
    if mode == "none":
        return _data_json(data, version) + "}"
    if not annotated:
        return None
    if mode == "predictions":
        return (
            f'{_data_json(data, version)}, "predictions": [{{"model_version": '
            f'{_json(version)}, "score": 1.0, "result": {_result_json(data)}}}]}}'
        )
    if mode == "annotations":
        return (
            f'{_data_json(data, version)}, "annotations": [{{"result": {_result_json(data)}, '
            '"ground_truth": false}]}'
        )
    return _data_json(data, version) + "}"


def _json(value: Any) -> str:
    return _string(value) if type(value) is str else json.dumps(value, ensure_ascii=False)


_LABELS, _CLUSTER, _TEXT = _string(LABELS_NAME), _string(CLUSTER_NAME), _string(TEXT_NAME)


def _data_json(data: Mapping[str, Any], version: str) -> str:
    """The task up to its ``data`` object, closed (the task's own brace left open)."""
    metadata = json.dumps(data.get("metadata", {}), ensure_ascii=False)
    text = (
        f'{{"data": {{{_TEXT}: {_json(data["text"])}, "document_id": {_json(data["id"])}, '
        f'"version": {_json(version)}, "metadata": {metadata}'
    )
    seed = data.get("seed")
    if seed:
        text += f', "seed_sha256": {_json(seed["sha256"])}'
    return text + "}"


def _result_json(data: Mapping[str, Any]) -> str:
    """:func:`document_result`, as JSON text."""
    entities = data.get("entities", [])
    items = [_region_json(entity) for entity in entities]
    by_id = {entity["id"]: entity for entity in entities}
    for cluster in data.get("clusters", []):
        cluster_id = cluster["id"]
        items.extend(_cluster_json(by_id[member], cluster_id) for member in cluster["entities"])
    items.extend(_relation_json(relation) for relation in data.get("relations", []))
    return "[" + ", ".join(items) + "]"


def _region_json(entity: Mapping[str, Any]) -> str:
    e_id, e_type, start, end, text = (
        entity["id"],
        entity["type"],
        entity["start"],
        entity["end"],
        entity["text"],
    )
    if (
        type(e_id) is str
        and type(e_type) is str
        and type(start) is int
        and type(end) is int
        and type(text) is str
    ):
        return (
            f'{{"id": {_string(e_id)}, "from_name": {_LABELS}, "to_name": {_TEXT}, '
            f'"type": "labels", "value": {{"start": {start}, "end": {end}, '
            f'"text": {_string(text)}, "labels": [{_string(e_type)}]}}}}'
        )
    return json.dumps(
        {
            "id": e_id,
            "from_name": LABELS_NAME,
            "to_name": TEXT_NAME,
            "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [e_type]},
        },
        ensure_ascii=False,
    )


def _cluster_json(entity: Mapping[str, Any], cluster_id: Any) -> str:
    e_id, start, end = entity["id"], entity["start"], entity["end"]
    if type(e_id) is str and type(start) is int and type(end) is int and type(cluster_id) is str:
        return (
            f'{{"id": {_string(e_id)}, "from_name": {_CLUSTER}, "to_name": {_TEXT}, '
            f'"type": "textarea", "value": {{"start": {start}, "end": {end}, '
            f'"text": [{_string(cluster_id)}]}}}}'
        )
    return json.dumps(
        {
            "id": e_id,
            "from_name": CLUSTER_NAME,
            "to_name": TEXT_NAME,
            "type": "textarea",
            "value": {"start": start, "end": end, "text": [cluster_id]},
        },
        ensure_ascii=False,
    )


def _relation_json(relation: Mapping[str, Any]) -> str:
    r_id, r_type = relation["id"], relation["type"]
    head, tail = relation["head"], relation["tail"]
    if type(r_id) is str and type(r_type) is str and type(head) is str and type(tail) is str:
        return (
            f'{{"id": {_string(r_id)}, "type": "relation", "from_id": {_string(head)}, '
            f'"to_id": {_string(tail)}, "direction": "right", "labels": [{_string(r_type)}]}}'
        )
    return json.dumps(
        {
            "id": r_id,
            "type": "relation",
            "from_id": head,
            "to_id": tail,
            "direction": "right",
            "labels": [r_type],
        },
        ensure_ascii=False,
    )

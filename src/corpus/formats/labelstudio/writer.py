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
from collections.abc import Callable, Iterable, Iterator
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
    record = document.metadata.get("annotation")
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

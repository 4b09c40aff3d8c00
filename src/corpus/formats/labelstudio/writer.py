"""Documents to Label Studio import tasks: text, ids and provenance in ``data``; entities,
cluster ids and relations as result items of a prediction or an annotation (see
:mod:`corpus.formats.labelstudio` for the shapes)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
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


def write(documents: Iterable[Document], *, version: str, mode: ExportMode) -> list[dict[str, Any]]:
    """One import task per document (see :func:`document_to_task`)."""
    return list(iter_tasks(documents, version=version, mode=mode))


def iter_tasks(
    documents: Iterable[Document], *, version: str, mode: ExportMode
) -> Iterator[dict[str, Any]]:
    """:func:`write`, one task at a time as the documents come."""
    for document in documents:
        yield document_to_task(document, version=version, mode=mode)


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

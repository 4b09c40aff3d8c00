"""Make ``label_studio_two_annotators.json``: a Label Studio JSON export with two annotators.

How it was made (honestly: no real annotators were involved): the gold release is
exported with our own exporter (``corpus.formats.labelstudio``), and the task is given
two annotations, each the gold with the edits listed below, written as Label Studio
results by the same exporter, in the shape of Label Studio 1.23's JSON export (``id``,
``completed_by`` with the user's e-mail, ``result``, ``was_cancelled``, ``ground_truth``,
timestamps). The edits imitate typical disagreements (a determiner inside a span, a
missed nested mention, a wrong type, a spurious mention, a relation type, a deleted
relation) so that notebook 03 has something to diff, score and adjudicate.

Run from the project root: ``.venv/bin/python notebooks/data/make_label_studio_export.py``.
``tests/teach/test_notebooks.py`` checks that the shipped file equals a fresh run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from corpus import release
from corpus.formats import labelstudio
from corpus.model import Document, Entity, Relation

#: the release the export is made from (pinned, so the file never silently changes)
VERSION = "1.0.0"
OUTPUT = Path(__file__).resolve().parent / "label_studio_two_annotators.json"

Edit = Callable[[Document], Document]


def mention(document: Document, text: str, type_: str, occurrence: int = 0) -> Entity:
    found = [e for e in document.entities if e.text == text and e.type == type_]
    return found[occurrence]


def delete_entity(text: str, type_: str, occurrence: int = 0) -> Edit:
    def edit(document: Document) -> Document:
        gone = mention(document, text, type_, occurrence).id
        clusters = tuple(
            replace(c, entities=tuple(m for m in c.entities if m != gone))
            for c in document.clusters
        )
        return replace(
            document,
            entities=tuple(e for e in document.entities if e.id != gone),
            relations=tuple(r for r in document.relations if gone not in (r.head, r.tail)),
            clusters=tuple(c for c in clusters if len(c.entities) >= 2),
        )

    return edit


def retype(text: str, type_: str, new_type: str, occurrence: int = 0) -> Edit:
    def edit(document: Document) -> Document:
        target = mention(document, text, type_, occurrence).id
        return replace(document, entities=tuple(
            replace(e, type=new_type) if e.id == target else e for e in document.entities))

    return edit


def widen(text: str, type_: str, before: str, occurrence: int = 0) -> Edit:
    """Start the mention earlier so that it also covers ``before``."""

    def edit(document: Document) -> Document:
        target = mention(document, text, type_, occurrence)
        start = target.start - len(before)
        assert document.text[start:target.start] == before
        return replace(document, entities=tuple(
            replace(e, start=start, text=document.text[start:e.end]) if e.id == target.id
            else e for e in document.entities))

    return edit


def add_entity(entity_id: str, text: str, type_: str) -> Edit:
    def edit(document: Document) -> Document:
        start = document.text.index(text)
        added = Entity(entity_id, type_, start, start + len(text), text)
        return replace(document, entities=tuple(sorted((*document.entities, added),
                                                       key=Entity.sort_key)))

    return edit


def change_relation(relation_type: str, head: str, tail: str, new_type: str | None) -> Edit:
    """Retype the relation between the mentions with these texts (delete it when None)."""

    def edit(document: Document) -> Document:
        by_id = document.entities_by_id
        relations: list[Relation] = []
        for relation in document.relations:
            if (relation.type, by_id[relation.head].text, by_id[relation.tail].text) == (
                    relation_type, head, tail):
                if new_type is None:
                    continue
                relation = replace(relation, type=new_type)
            relations.append(relation)
        assert len(relations) != len(document.relations) or new_type is not None
        return replace(document, relations=tuple(relations))

    return edit


ANNOTATORS: dict[str, tuple[int, list[Edit]]] = {
    "alice@example.org": (1, [
        widen("Tajik president’s official website", "ORG", "The ", occurrence=0),
        delete_entity("MoU", "DOC", occurrence=0),
        retype("airport", "FAC", "LOC"),
    ]),
    "bob@example.org": (2, [
        delete_entity("president", "TITLE", occurrence=0),
        retype("Tuesday afternoon", "TIME", "DATE"),
        add_entity("T900", "security", "THREAT"),
        change_relation("counterpart_of", "Eskandar Momeni", "Ramazon Rahimzoda", None),
        change_relation("received", "Ramazon Rahimzoda", "Eskandar Momeni", "met_with"),
        widen("Eskandar Momeni", "PER", "Interior Minister ", occurrence=2),
    ]),
}


def build(gold: list[Document], version: str) -> list[dict[str, object]]:
    tasks = []
    for number, document in enumerate(gold, start=1):
        task = labelstudio.document_to_task(document, version=version, mode="none")
        task["id"] = number
        task["annotations"] = []
        for name, (user_id, edits) in ANNOTATORS.items():
            edited = document
            for edit in edits:
                edited = edit(edited)
            task["annotations"].append({
                "id": number * 10 + user_id,
                "completed_by": {"id": user_id, "email": name, "first_name": "",
                                 "last_name": ""},
                "result": labelstudio.document_result(edited),
                "was_cancelled": False,
                "ground_truth": False,
                "created_at": f"2026-11-26T1{user_id}:00:00.000000Z",
                "updated_at": f"2026-11-26T1{user_id}:30:00.000000Z",
                "lead_time": 1800.0,
                "task": number,
            })
        tasks.append(task)
    return tasks


def render(version: str = VERSION) -> str:
    tasks = build(release.load(version), version)
    return json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")

"""Helpers of the Label Studio tests: the gold document, throw-away projects, and
exports shaped like Label Studio 1.23's JSON export (for the pure tests; the server
tests use real exports).

The gold document is the repository's own (release 1.0.0 when it exists, else the working
copy); the emoji document is made here from the seed's first sentence (see
:func:`emoji_project`).
"""

from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus import lsserver, release
from corpus.formats import labelstudio, native
from corpus.fsutil import sha256_file
from corpus.model import Document, Entity, Seed

REPO = Path(__file__).resolve().parents[2]
GOLD_ID = "000_d1ef755adda1dca7"
SEED_PATH = f"seeds/{GOLD_ID}.txt"
EMOJI_ID = "emoji_test"


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under annotations/ with its bytes (to prove nothing was written)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted((root / "annotations").rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class LiveServer:
    """The session's real Label Studio: its address, token and a client."""

    url: str
    token: str
    client: lsserver.Client


def server_required(environ: dict[str, str]) -> bool:
    """Whether a missing Label Studio must fail the server tests (in CI) instead of skipping."""
    return environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def gold_file() -> Path:
    released = REPO / "annotations" / "releases" / "1.0.0" / "documents" / f"{GOLD_ID}.json"
    return released if released.is_file() else REPO / "annotations" / "working" / f"{GOLD_ID}.json"


def load_gold() -> Document:
    return native.from_dict(native.read_json(gold_file()))


def seed_text(root: Path = REPO, relative: str = SEED_PATH) -> labelstudio.SeedText:
    path = root / relative
    return labelstudio.SeedText(relative, path.read_text(encoding="utf-8"), sha256_file(path))


def make_project(root: Path, *, with_release: bool = True) -> Path:
    """A project root: schema, seeds, the gold in the working copy, and release 1.0.0."""
    shutil.copytree(REPO / "schema", root / "schema")
    shutil.copytree(REPO / "seeds", root / "seeds")
    working = root / "annotations" / "working"
    working.mkdir(parents=True)
    shutil.copy(gold_file(), working / f"{GOLD_ID}.json")
    if with_release:
        release.create_release(
            "1.0.0", "gold for the Label Studio tests", root=root, date="2026-11-26"
        )
    return root


EMOJI_PREFIX = "🙂🇹🇯👍🏽 "


def emoji_document(root: Path) -> Document:
    """A second document whose text starts with emoji outside the BMP (one with a skin
    tone modifier, one a flag of two regional indicators) before every span; its text is
    the prefix plus the seed's first sentence, written as its own seed file."""
    gold = load_gold()
    sentence = gold.text[: gold.text.index("\n")]
    text = EMOJI_PREFIX + sentence
    seed_path = root / "seeds" / f"{EMOJI_ID}.txt"
    seed_path.write_text(text, encoding="utf-8")
    shift = len(EMOJI_PREFIX)
    entities = tuple(
        Entity(e.id, e.type, e.start + shift, e.end + shift, e.text)
        for e in gold.entities
        if e.end <= len(sentence)
    )
    kept = {e.id for e in entities}
    relations = tuple(r for r in gold.relations if r.head in kept and r.tail in kept)
    return Document(
        id=EMOJI_ID,
        text=text,
        metadata=copy.deepcopy(dict(gold.metadata)),
        entities=entities,
        relations=relations,
        clusters=(),
        seed=Seed(f"seeds/{EMOJI_ID}.txt", sha256_file(seed_path)),
    )


def add_emoji_document(root: Path) -> Document:
    document = emoji_document(root)
    native.write_document(document, root / "annotations" / "working" / f"{EMOJI_ID}.json")
    return document


def as_export(
    tasks: list[dict[str, Any]], *, annotators: tuple[int, ...] = (1,), **fields: Any
) -> list[dict[str, Any]]:
    """Import tasks (``ls export --as annotations``) shaped like a JSON export: task and
    annotation ids, ``completed_by``, timestamps; one copy of the annotation per annotator."""
    export = []
    annotation_id = 100
    for number, task in enumerate(tasks, start=1):
        annotations = []
        for user in annotators:
            annotation_id += 1
            annotations.append(
                {
                    "id": annotation_id,
                    "completed_by": user,
                    "was_cancelled": False,
                    "ground_truth": False,
                    "created_at": "2026-11-26T18:00:00Z",
                    "updated_at": "2026-11-26T18:05:00Z",
                    "lead_time": 12.5,
                    "result": copy.deepcopy(task["annotations"][0]["result"]),
                    **fields,
                }
            )
        export.append(
            {
                "id": number,
                "data": copy.deepcopy(task["data"]),
                "annotations": annotations,
                "predictions": [],
                "drafts": [],
            }
        )
    return export


def gold_export(**fields: Any) -> list[dict[str, Any]]:
    task = labelstudio.document_to_task(load_gold(), version="1.0.0", mode="annotations")
    return as_export([task], **fields)


def relation_ids(document: Document) -> dict[tuple[str, str, str], str]:
    return {(r.type, r.head, r.tail): r.id for r in document.relations}


def add_ui_region(task: dict[str, Any]) -> None:
    """Add to a task's first annotation a DATE region drawn in the UI (Label Studio's id, no
    corpus id: the import gives it a fresh one) over characters 3-10 of its text."""
    task["annotations"][0]["result"].append(
        {
            "id": "ui_region",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {
                "start": 3,
                "end": 10,
                "text": task["data"]["text"][3:10],
                "labels": ["DATE"],
            },
        }
    )

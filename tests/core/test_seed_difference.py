"""TEXT_DIFFERS_FROM_SEED shows the differing characters, escaped (issue 10, case 12)."""

from __future__ import annotations

import pytest

from corpus.formats import labelstudio
from corpus.formats.native import from_dict
from corpus.fsutil import sha256_file
from tests.core.core_helpers import REPO, fixture_data

SEED_PATH = f"seeds/{fixture_data()['id']}.txt"


def problem_for(text_change: tuple[str, str]) -> str:
    document = from_dict(fixture_data())
    seed_file = REPO / SEED_PATH
    seed = labelstudio.SeedText(
        SEED_PATH, seed_file.read_text(encoding="utf-8"), sha256_file(seed_file)
    )
    task = labelstudio.document_to_task(document, version="", mode="annotations")
    old, new = text_change
    assert old in task["data"]["text"]
    task["data"]["text"] = task["data"]["text"].replace(old, new, 1)
    task["annotations"] = [{"id": 1, "result": task.pop("annotations", [{}])[0].get("result", [])}]
    _, problems = labelstudio.read([task], file="export.json", seeds={document.id: seed}, bases={})
    assert [p.code for p in problems] == ["TEXT_DIFFERS_FROM_SEED"]
    return problems[0].message


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ((" ", "\xa0"), "the task has '\\xa0' where the seed has ' '"),
        (("a", "\u200ba"), "the task has '\\u200b' where the seed has 'a'"),
    ],
)
def test_invisible_difference_is_shown_escaped(change: tuple[str, str], shown: str) -> None:
    message = problem_for(change)
    assert shown in message
    assert "\xa0" not in message and "\u200b" not in message
    assert message.startswith(f"the task text differs from {SEED_PATH} at code point ")

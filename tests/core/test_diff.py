"""Diffs between a release and the working copy, as lines and as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core_helpers import DOC_ID, fixture_data, rewrite

from corpus import release
from corpus.diff import diff
from corpus.formats.native import from_dict


def edit(data: dict[str, Any]) -> None:
    text = data["text"]
    entities = data["entities"]
    entities[3]["end"] = entities[3]["end"] - 7  # "Emomali Rahmon" -> "Emomali"
    entities[3]["text"] = text[entities[3]["start"] : entities[3]["end"]]
    entities[8]["type"] = "DATE"  # EVENT -> DATE (nothing points at it)
    start = text.index("Iran and Tajikistan")
    entities.append({"id": "T17", "type": "GPE", "start": start, "end": start + 4, "text": "Iran"})
    del entities[15]  # T16 terrorism
    data["relations"] = [r for r in data["relations"] if r["id"] != "R3"]
    data["relations"].append({"id": "R7", "type": "met_with", "head": "T7", "tail": "T12"})
    data["clusters"][0]["entities"] = ["T7", "T11"]
    data["clusters"].append({"id": "C2", "entities": ["T6", "T17"]})


def test_diff_release_and_working(project: Path, working_doc: Path) -> None:
    release.create_release("1.0.0", "first", root=project)
    rewrite(working_doc, edit)
    result = release.diff("1.0.0", "working", root=project)
    lines = result.render().splitlines()
    assert lines[:3] == ["--- 1.0.0", "+++ working", f"document {DOC_ID} (changed)"]
    assert set(lines[3:-1]) == {
        '  ~ entity T4 end 58 -> 51, text "Emomali Rahmon" -> "Emomali"',
        '  ~ entity T9 type "EVENT" -> "DATE"',
        f"  + entity T17 GPE [{fixture_data()['text'].index('Iran and')}:"
        f'{fixture_data()["text"].index("Iran and") + 4}] "Iran"',
        '  - entity T16 THREAT [2090:2099] "terrorism"',
        '  - relation R3 received T4 "Emomali Rahmon" -> T7 "Eskandar Momeni"',
        '  + relation R7 met_with T7 "Eskandar Momeni" -> T12 "Ramazon Rahimzoda"',
        "  ~ cluster C1 members -T15",
        "  + cluster C2 {T6, T17}",
    }
    assert lines[-1] == (
        "summary: entity 1 added, 1 removed, 2 changed; relation 1 added, "
        "1 removed, 0 changed; cluster 1 added, 0 removed, 1 changed"
    )
    data = result.to_dict()
    assert data["counts"]["entity"] == {"added": 1, "removed": 1, "changed": 2}
    change = next(c for c in data["documents"][0]["changes"] if c["id"] == "T4")
    assert change["fields"] == [
        {"field": "end", "old": 58, "new": 51},
        {"field": "text", "old": "Emomali Rahmon", "new": "Emomali"},
    ]


def test_no_differences(project: Path) -> None:
    release.create_release("1.0.0", "first", root=project)
    result = release.diff("1.0.0", "working", root=project)
    assert result.documents == ()
    assert result.render() == "no differences between 1.0.0 and working\n"


def test_added_and_removed_documents() -> None:
    document = from_dict(fixture_data())
    added = diff([], [document], old_name="a", new_name="b")
    assert [d.status for d in added.documents] == ["added"]
    assert added.counts()["entity"]["added"] == len(document.entities)
    removed = diff([document], [], old_name="b", new_name="a")
    assert removed.counts()["relation"]["removed"] == len(document.relations)


def test_text_and_metadata_changes_are_shown() -> None:
    old = from_dict(fixture_data())
    data = fixture_data()
    data["text"] = data["text"].replace("\u00a0", " ")
    data["metadata"]["split"] = "test"
    changes = diff([old], [from_dict(data)]).changes
    lines = [change.line() for change in changes]
    assert any(line.startswith(f"~ document {DOC_ID} text sha256") for line in lines)
    assert f'~ document {DOC_ID} metadata.split "train" -> "test"' in lines

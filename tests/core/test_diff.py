"""Diffs between a release and the working copy, as lines and as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corpus import release
from corpus.diff import SHOWN_VALUE, diff
from corpus.formats.native import from_dict
from tests.core.core_helpers import DOC_ID, fixture_data, rewrite


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


def test_a_changed_metadata_record_is_summarised_not_printed_twice() -> None:
    """A Label Studio pull replaces ``metadata.annotation``: the line names the keys that
    changed, each value shortened, instead of both whole records (~400 characters)."""
    old_data = fixture_data()
    old_data["metadata"]["annotation"] = {
        "annotators": ["corpus maintainers"],
        "guidelines": "annotations/GUIDELINES.md (version 1.1)",
        "annotated_at": "2026-11-26",
        "origin": "manual gold annotation, one pass; checked against the guidelines by a "
        "second, independent reviewer (release 1.1.0)",
    }
    new_data = fixture_data()
    new_data["metadata"]["annotation"] = {
        "annotators": ["tester@example.com"],
        "guidelines": "annotations/GUIDELINES.md (version 1.1)",
        "annotated_at": "2026-11-28T06:40:01.123456Z",
        "origin": "Label Studio task 1, annotation 3 by tester@example.com",
        "lead_time": 12.5,
    }
    old, new = from_dict(old_data), from_dict(new_data)
    (change,) = diff([old], [new]).changes
    line = change.line()
    assert line.startswith(f"~ document {DOC_ID} metadata.annotation changed: ")
    assert 'annotators ["corpus maintainers"] -> ["tester@example.com"]' in line
    assert 'annotated_at "2026-11-26" -> "2026-11-28T06:40:01.123456Z"' in line
    assert "; origin changed;" in line  # a long value is only said to have changed
    assert len('"Label Studio task 1, annotation 3 by tester@example.com"') > SHOWN_VALUE
    assert "lead_time added 12.5" in line
    assert "guidelines" not in line  # unchanged keys are not shown
    assert len(line) < 250 and new.metadata["annotation"]["origin"] not in line
    # the data keeps both whole records
    assert change.fields == (
        ("metadata.annotation", old.metadata["annotation"], new.metadata["annotation"]),
    )
    removed = diff([new], [old]).changes[0].line()
    assert "lead_time removed" in removed

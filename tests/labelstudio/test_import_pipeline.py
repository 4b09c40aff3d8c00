"""The import's second pass: what it computes once instead of per document gives what it
gave per document."""

from __future__ import annotations

import os
from pathlib import Path

from corpus.ls_project import _display, _displays


def test_displays_of_many_files_are_the_display_of_each(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "annotations" / "working").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "annotations" / "linked").symlink_to(outside)  # a folder out of the project
    (root / "annotations" / "inside").symlink_to(root / "annotations" / "working")
    (root / "annotations" / "working" / "b.json").symlink_to(outside / "b.json")
    (root / "annotations" / "working" / "a.json").write_text("{}")
    paths = [
        root / "annotations" / "working" / "a.json",  # a file
        root / "annotations" / "working" / "new.json",  # not yet written
        root / "annotations" / "working" / "b.json",  # a symlink out of the project
        root / "annotations" / "linked" / "c.json",  # in a folder linked out
        root / "annotations" / "inside" / "d.json",  # in a folder linked in
        outside / "e.json",
        root / "annotations" / "working" / "sub" / ".." / "f.json",
    ]
    display = _displays(root)
    for path in paths * 2:  # the second time from what was kept
        assert display(path) == _display(path, root), path
    assert display(paths[0]) == os.path.join("annotations", "working", "a.json")

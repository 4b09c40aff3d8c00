"""A verified release is read one file at a time, as often as asked, and never validated again."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import release
from corpus.errors import CorpusError


def make(project: Path, version: str) -> Path:
    return release.create_release(version, "m", root=project, date="2026-11-28")


def test_a_verified_release_is_read_lazily_and_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make(project, "1.0.0")
    expected = release.load_release("1.0.0", project)
    monkeypatch.setattr(
        "corpus.validate.check_file",
        lambda *a, **k: pytest.fail("a verified release was validated again"),
    )
    opened = release.open_verified("1.0.0", project)
    assert isinstance(opened, release.VerifiedFiles) and len(opened) == len(expected) == 1
    assert list(opened) == expected and list(opened) == expected  # a second pass reads again
    assert opened.files == tuple(sorted((folder / "documents").glob("*.json")))


def test_a_changed_release_or_the_working_copy_is_validated_in_full(project: Path) -> None:
    folder = make(project, "1.0.0")
    working = release.open_verified("working", project)
    assert not isinstance(working, release.VerifiedFiles) and len(list(working)) == 1
    document = next((folder / "documents").iterdir())
    document.write_bytes(document.read_bytes() + b" ")
    changed = release.open_verified("1.0.0", project)
    assert not isinstance(changed, release.VerifiedFiles)
    with pytest.raises(CorpusError) as refused:
        list(changed)  # validated as it is read: the problems come after the last document
    assert "CHECKSUM_MISMATCH" in {problem.code for problem in refused.value.problems}

"""Releases: creation, refusals, atomicity, checksum verification, loading and stats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from corpus import manifest, release
from corpus.errors import CorpusError
from corpus.fsutil import sha256_file
from corpus.sources import check_paths, validate_paths
from tests.core.core_helpers import DOC_ID, codes, fixture_data, rewrite


def make(project: Path, version: str = "1.0.0", message: str = "first") -> Path:
    return release.create_release(version, message, root=project, date="2026-11-26")


def refusal(excinfo: pytest.ExceptionInfo[CorpusError]) -> list[str]:
    return codes(excinfo.value.problems)


def test_create_release(project: Path) -> None:
    folder = make(project)
    assert folder == project / "annotations" / "releases" / "1.0.0"
    doc = folder / "documents" / f"{DOC_ID}.json"
    working = project / "annotations" / "working" / f"{DOC_ID}.json"
    assert doc.read_bytes() == working.read_bytes()
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert data["version"] == "1.0.0" and data["date"] == "2026-11-26"
    assert data["message"] == "first" and data["schema_version"] == "1.1.0"
    assert data["files"] == {f"documents/{DOC_ID}.json": sha256_file(doc)}
    fixture = fixture_data()
    counts = data["counts"]
    assert counts["documents"] == 1 and counts["clusters"] == len(fixture["clusters"])
    assert counts["entities"]["PER"] == 5 and counts["entities"]["LOC"] == 0
    assert sum(counts["entities"].values()) == len(fixture["entities"])
    assert counts["relations"]["counterpart_of"] == 1
    assert counts["splits"] == {
        "train": {"documents": 1, "entities": 16, "relations": 6, "clusters": 1}
    }
    changelog = (project / "annotations" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 1.0.0 - 2026-11-26\n\nfirst\n" in changelog
    assert release.list_versions(project) == ["1.0.0"]
    assert validate_paths(root=project) == []
    assert [d.id for d in release.load_release(root=project)] == [DOC_ID]


def test_changelog_newest_first(project: Path) -> None:
    make(project, "1.0.0", "first")
    make(project, "1.1.0", "second")
    changelog = (project / "annotations" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog")
    assert changelog.index("## 1.1.0") < changelog.index("## 1.0.0")


def test_semver_order(project: Path) -> None:
    for version in ("1.2.0", "1.9.0", "1.10.0"):
        make(project, version)
    assert release.list_versions(project) == ["1.2.0", "1.9.0", "1.10.0"]
    assert release.latest_version(project) == "1.10.0"
    with pytest.raises(CorpusError) as excinfo:
        make(project, "1.9.5")
    assert refusal(excinfo) == ["VERSION_NOT_GREATER"]


@pytest.mark.parametrize(
    ("version", "message", "code", "exit_code"),
    [
        ("1.0", "m", "VERSION_INVALID", 2),
        ("v1.0.0", "m", "VERSION_INVALID", 2),
        ("01.0.0", "m", "VERSION_INVALID", 2),
        ("1.0.0-rc.1", "m", "VERSION_INVALID", 2),
        ("1.0.0", "  ", "MESSAGE_EMPTY", 2),
    ],
)
def test_bad_arguments(
    project: Path, version: str, message: str, code: str, exit_code: int
) -> None:
    with pytest.raises(CorpusError) as excinfo:
        make(project, version, message)
    assert refusal(excinfo) == [code] and excinfo.value.exit_code == exit_code


def test_refuses_existing_and_older_versions(project: Path) -> None:
    make(project, "1.0.0")
    with pytest.raises(CorpusError) as excinfo:
        make(project, "1.0.0")
    assert refusal(excinfo) == ["VERSION_EXISTS"]
    with pytest.raises(CorpusError) as excinfo:
        make(project, "0.9.0")
    assert refusal(excinfo) == ["VERSION_NOT_GREATER"]


def test_refuses_invalid_working_copy(project: Path, working_doc: Path) -> None:
    rewrite(working_doc, lambda d: d["entities"][0].update(type="PERSON"))
    with pytest.raises(CorpusError) as excinfo:
        make(project)
    assert refusal(excinfo) == ["UNKNOWN_ENTITY_TYPE", "WORKING_COPY_INVALID"]
    assert not (project / "annotations" / "releases" / "1.0.0").exists()
    assert not (project / "annotations" / "CHANGELOG.md").exists()


def test_refuses_empty_working_copy(project: Path, working_doc: Path) -> None:
    working_doc.unlink()
    with pytest.raises(CorpusError) as excinfo:
        make(project)
    assert refusal(excinfo) == ["EMPTY_WORKING_COPY"]


def test_crash_while_writing_leaves_no_release(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the documents are staged but before the manifest is written."""

    def crash(**kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(manifest, "build_manifest", crash)
    with pytest.raises(RuntimeError):
        make(project)
    releases = project / "annotations" / "releases"
    assert list(releases.iterdir()) == []  # neither the release nor its staging folder
    assert not (project / "annotations" / "CHANGELOG.md").exists()
    assert release.list_versions(project) == []


def test_crash_while_publishing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(staged: Path, target: Path, *, replace: bool) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(release, "publish_dir", crash)
    with pytest.raises(CorpusError) as excinfo:
        make(project)
    assert refusal(excinfo) == ["RELEASE_WRITE_FAILED"]
    assert list((project / "annotations" / "releases").iterdir()) == []


@pytest.mark.parametrize("damage", ["not utf-8", "a folder"])
def test_unreadable_changelog_refused_before_anything_is_written(
    project: Path, damage: str
) -> None:
    changelog = project / "annotations" / "CHANGELOG.md"
    if damage == "a folder":
        changelog.mkdir()
    else:
        changelog.write_bytes(b"\xff# Changelog\n")
    with pytest.raises(CorpusError) as excinfo:
        make(project)
    assert refusal(excinfo) == ["CHANGELOG_UNREADABLE"] and excinfo.value.exit_code == 2
    assert str(excinfo.value).startswith("annotations/CHANGELOG.md: -: /: CHANGELOG_UNREADABLE: ")
    assert not (project / "annotations" / "releases").exists()


def test_releases_path_that_is_a_file_is_a_refusal(project: Path) -> None:
    (project / "annotations" / "releases").write_text("not a folder", encoding="utf-8")
    with pytest.raises(CorpusError) as excinfo:
        make(project)
    assert refusal(excinfo) == ["RELEASE_WRITE_FAILED"] and excinfo.value.exit_code == 1


def test_killed_staging_folder_is_ignored(project: Path) -> None:
    """A process killed mid-write leaves only a hidden staging folder, never a release."""
    leftover = project / "annotations" / "releases" / ".1.0.0.abc.tmp"
    (leftover / "documents").mkdir(parents=True)
    assert release.list_versions(project) == []
    assert validate_paths(root=project) == []
    make(project)
    assert release.list_versions(project) == ["1.0.0"]


# ---------------------------------------------------------------- checksums


@pytest.fixture
def released(project: Path) -> Path:
    return make(project)


def edit_release_document(folder: Path) -> Path:
    doc = folder / "documents" / f"{DOC_ID}.json"
    rewrite(doc, lambda d: d["entities"][0].update(id="T100"))  # still a valid document
    return doc


def test_edited_release_file(released: Path, project: Path) -> None:
    edit_release_document(released)
    problems = validate_paths(root=project)
    assert [(p.code, p.file) for p in problems] == [
        ("CHECKSUM_MISMATCH", f"annotations/releases/1.0.0/documents/{DOC_ID}.json")
    ]
    with pytest.raises(CorpusError) as excinfo:
        release.load_release("1.0.0", root=project)
    assert refusal(excinfo) == ["CHECKSUM_MISMATCH"] and excinfo.value.exit_code == 1


def test_single_release_file_is_checksummed(released: Path, project: Path) -> None:
    doc = released / "documents" / f"{DOC_ID}.json"
    assert validate_paths([doc], root=project) == []
    edit_release_document(released)
    problems = validate_paths([doc], root=project)
    assert [(p.code, p.file) for p in problems] == [
        ("CHECKSUM_MISMATCH", f"annotations/releases/1.0.0/documents/{DOC_ID}.json")
    ]


def test_missing_and_unlisted_release_files(released: Path, project: Path) -> None:
    doc = released / "documents" / f"{DOC_ID}.json"
    shutil.move(doc, released / "documents" / "renamed.json")
    problems = check_paths([released], root=project)[0].problems
    assert {(p.code, p.file) for p in problems} == {
        ("RELEASE_FILE_MISSING", "annotations/releases/1.0.0/manifest.json"),
        ("RELEASE_FILE_UNLISTED", "annotations/releases/1.0.0/documents/renamed.json"),
        ("FILE_NAME_MISMATCH", "annotations/releases/1.0.0/documents/renamed.json"),
    }
    missing = next(p for p in problems if p.code == "RELEASE_FILE_MISSING")
    assert missing.pointer == f"/files/documents~1{DOC_ID}.json"


def test_manifest_problems(released: Path, project: Path) -> None:
    path = released / "manifest.json"
    rewrite(path, lambda d: d["counts"]["entities"].update(PER=6))
    assert codes(validate_paths([released], root=project)) == [
        "MANIFEST_COUNTS_MISMATCH",
        "MANIFEST_CHANGED",  # the index records the manifest as it was released
    ]
    rewrite(path, lambda d: d.update(version="2.0.0"))
    assert "MANIFEST_VERSION_MISMATCH" in codes(validate_paths([released], root=project))
    rewrite(path, lambda d: {k: v for k, v in d.items() if k != "files"})
    assert codes(validate_paths([released], root=project)) == ["MANIFEST_INVALID"]
    path.write_text("{", encoding="utf-8")
    reports = check_paths([released], root=project)
    assert codes(reports[0].problems) == ["NOT_JSON"]
    assert CorpusError(reports[0].problems).exit_code == 2
    path.unlink()
    assert codes(validate_paths([released], root=project)) == ["MANIFEST_MISSING"]


def test_release_folder_with_a_bad_name(released: Path, project: Path) -> None:
    shutil.copytree(released, released.with_name("latest"))
    problems = validate_paths(root=project)
    assert sorted(codes(problems)) == ["MANIFEST_VERSION_MISMATCH", "RELEASE_NAME_INVALID"]
    assert release.list_versions(project) == ["1.0.0"]


def test_manifest_path_means_its_release(released: Path, project: Path) -> None:
    reports = check_paths([str(released / "manifest.json")], root=project)
    assert [(r.kind, r.checksums, r.ok) for r in reports] == [("release", 1, True)]


def test_changelog_entry_missing(released: Path, project: Path) -> None:
    changelog = project / "annotations" / "CHANGELOG.md"
    changelog.write_text("# Changelog\n", encoding="utf-8")
    assert codes(validate_paths(root=project)) == ["CHANGELOG_ENTRY_MISSING"]


def test_folder_of_releases(project: Path) -> None:
    make(project, "1.0.0")
    make(project, "1.0.1")
    reports = check_paths([project / "annotations" / "releases"], root=project)
    assert [(r.label, r.kind, r.checksums, r.ok) for r in reports] == [
        ("annotations/releases/1.0.0", "release", 1, True),
        ("annotations/releases/1.0.1", "release", 1, True),
    ]


def test_load_unknown_release(project: Path) -> None:
    with pytest.raises(CorpusError) as excinfo:
        release.load_release(root=project)
    assert refusal(excinfo) == ["NO_RELEASE"] and excinfo.value.exit_code == 2
    make(project)
    with pytest.raises(CorpusError) as excinfo:
        release.load_release("9.9.9", root=project)
    assert refusal(excinfo) == ["RELEASE_NOT_FOUND"]
    assert "1.0.0" in excinfo.value.problems[0].message


def test_load_working_and_stats(project: Path, working_doc: Path) -> None:
    documents = release.load_working(project)
    assert [d.id for d in documents] == [DOC_ID]
    assert release.stats(root=project).entities["PER"] == 5  # no release: the working copy
    make(project)
    rewrite(working_doc, lambda d: d["entities"][0].update(type="TIME"))
    assert release.stats(root=project).entities["DATE"] == 1  # latest release
    assert release.stats("working", root=project).entities["DATE"] == 0
    rewrite(working_doc, lambda d: d["entities"][0].update(type="NOPE"))
    with pytest.raises(CorpusError) as excinfo:
        release.load_working(project)
    assert refusal(excinfo) == ["UNKNOWN_ENTITY_TYPE"]


def test_package_level_api(project: Path) -> None:
    import corpus

    make(project)
    assert corpus.load_release()[0].id == DOC_ID
    assert corpus.load_working()[0] == corpus.load_release("1.0.0")[0]


def test_release_files_get_the_usual_modes(project: Path) -> None:
    """mkstemp/mkdtemp make private 0600/0700 entries; a release must be readable like any
    checked-out file (umask applied)."""
    import os

    old = os.umask(0o022)
    try:
        folder = make(project)
    finally:
        os.umask(old)
    assert folder.stat().st_mode & 0o777 == 0o755
    assert (folder / "manifest.json").stat().st_mode & 0o777 == 0o644
    assert (folder / "documents" / f"{DOC_ID}.json").stat().st_mode & 0o777 == 0o644
    assert (project / "annotations" / "CHANGELOG.md").stat().st_mode & 0o777 == 0o644

"""A release is one transaction (issue 10, releases): races, kills, a file changing under
it, a changelog that cannot be written, edited manifests, leftovers of killed writers.

Races and kills run as real processes (:mod:`release_procs`); docs/guarantees.md's "Guarantees"
section names each test here.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus import fsutil, manifest, release
from corpus.cli import main
from corpus.errors import CorpusError
from corpus.sources import validate_paths
from tests.core.core_helpers import DOC_ID, REPO, codes, fixture_data, rewrite
from tests.core.release_procs import SOURCES, Zygote

REPAIR = "corpus release --repair"


def make(project: Path, version: str, message: str = "m") -> Path:
    return release.create_release(version, message, root=project, date="2026-11-26")


def headings(project: Path) -> list[str]:
    text = (project / "annotations" / "CHANGELOG.md").read_text(encoding="utf-8")
    return [line.split()[1] for line in text.splitlines() if line.startswith("## ")]


def leftovers(project: Path) -> list[str]:
    """Hidden files and folders of annotations/ and its releases, but the lock file."""
    found = []
    for folder in (project / "annotations", project / "annotations" / "releases"):
        if folder.is_dir():
            found += [p.name for p in folder.iterdir() if p.name.startswith(".")]
    return sorted(set(found) - {release.LOCK_NAME})


def assert_consistent(project: Path) -> None:
    """Clean validation; the changelog lists exactly the releases, newest first."""
    assert validate_paths(root=project) == []
    assert headings(project) == list(reversed(release.list_versions(project)))


@pytest.fixture(scope="module")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    zygote = Zygote(Path("."), tmp_path_factory.mktemp("runs"))
    yield zygote
    zygote.close()


@pytest.fixture
def zygote(forks: Zygote, project: Path) -> Zygote:
    forks.root = project
    return forks


# ------------------------------------------------------------------ 1. two releases at once


def test_racing_releases_have_one_winner_and_lose_no_entry(
    project: Path, zygote: Zygote, tmp_path: Path
) -> None:
    """Two `corpus release` processes started at the same instant, 12 times: each time the
    history stays consistent, and a loser says RELEASE_IN_PROGRESS in one line."""
    outcomes: dict[str, int] = {}
    for pair in range(12):
        barrier = tmp_path / f"go-{pair}"
        runs = [
            zygote.start(["release", f"{pair + 1}.0.0", "-m", "A"], barrier),
            zygote.start(["release", f"{pair + 1}.1.0", "-m", "B"], barrier),
        ]
        barrier.touch()
        for run in runs:
            code, text = run.wait(), run.text()
            if code == 0:
                outcomes["released"] = outcomes.get("released", 0) + 1
                assert text.startswith("released ")
                continue
            assert code == 1 and text.count("\n") == 1, text
            code_name = text.split(": ")[3]
            assert code_name in ("RELEASE_IN_PROGRESS", "VERSION_NOT_GREATER"), text
            outcomes[code_name] = outcomes.get(code_name, 0) + 1
        assert_consistent(project)
    assert outcomes["released"] >= 12
    assert set(outcomes) <= {"released", "RELEASE_IN_PROGRESS", "VERSION_NOT_GREATER"}


def test_a_release_started_during_another_says_release_in_progress(
    project: Path, zygote: Zygote, tmp_path: Path
) -> None:
    """The overlap the race above may or may not produce, made certain: the first release
    is held inside its transaction (staged, not yet published) while the second starts."""
    barrier = tmp_path / "go"
    first = zygote.start(["release", "1.0.0", "-m", "A"], barrier, hold_at="_before_publish")
    barrier.touch()
    held = Path(f"{barrier}.held")
    deadline = time.monotonic() + 60
    while not held.exists():
        assert time.monotonic() < deadline, "the first release never reached its hook"
        time.sleep(0.01)
    second = zygote.start(["release", "1.1.0", "-m", "B"], barrier)
    code, text = second.wait(), second.text()
    assert code == 1 and text.count("\n") == 1, text
    assert text.split(": ")[3] == "RELEASE_IN_PROGRESS", text
    Path(f"{barrier}.go").touch()
    assert first.wait() == 0, first.text()
    assert release.list_versions(project) == ["1.0.0"]
    assert_consistent(project)


def test_lock_message_names_the_lock_and_a_killed_holder_blocks_nobody(project: Path) -> None:
    lock = project / "annotations" / release.LOCK_NAME
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            "f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('locked', flush=True); time.sleep(60)",
            str(lock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(CorpusError) as excinfo:
            make(project, "1.0.0")
        assert [str(p) for p in excinfo.value.problems] == [
            "annotations/.release.lock: -: /: RELEASE_IN_PROGRESS: another `corpus release` "
            "is running in this project; try again when it is done"
        ]
        assert excinfo.value.exit_code == 1
    finally:
        holder.kill()  # SIGKILL: the kernel drops its lock
        holder.wait()
    make(project, "1.0.0")
    assert_consistent(project)


# ------------------------------------------------------- 2. a file changing while releasing


def test_a_file_changed_after_validation_is_not_published(
    project: Path, working_doc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation is followed at once by an editor saving an invalid document: the release
    holds the bytes that were validated, never the new ones."""
    before = working_doc.read_bytes()
    real = release.check_folder

    def check_then_edit(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        rewrite(working_doc, lambda d: d["entities"][0].update(end=d["entities"][0]["end"] + 1))
        return report

    monkeypatch.setattr(release, "check_folder", check_then_edit)
    folder = make(project, "1.0.0")
    assert (folder / "documents" / f"{DOC_ID}.json").read_bytes() == before
    assert validate_paths([folder], root=project) == []


def test_a_concurrent_writer_never_gets_an_invalid_document_released(
    project: Path, working_doc: Path, zygote: Zygote, tmp_path: Path
) -> None:
    """A real process keeps replacing the working document by a valid and an invalid
    version while releases run: every release that succeeds validates."""
    valid = working_doc.read_bytes()
    data = fixture_data()
    data["entities"][0]["end"] += 1
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps(data), encoding="utf-8")
    good = tmp_path / "valid.json"
    good.write_bytes(valid)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, shutil, sys, itertools\n"
            "target, a, b = sys.argv[1:]\n"
            "for n in itertools.count():\n"
            "    shutil.copy(a if n % 2 else b, target + '.new')\n"
            "    os.replace(target + '.new', target)\n",
            str(working_doc),
            str(good),
            str(invalid),
        ],
        env={**os.environ, "PYTHONPATH": SOURCES},
    )
    released = 0
    try:
        for number in range(10):
            barrier = tmp_path / f"go-{number}"
            run = zygote.start(["release", f"{number + 1}.0.0", "-m", "m"], barrier)
            barrier.touch()
            code = run.wait()
            assert code in (0, 1), run.text()
            if code == 0:
                released += 1
                folder = project / "annotations" / "releases" / f"{number + 1}.0.0"
                assert (folder / "documents" / f"{DOC_ID}.json").read_bytes() == valid
                assert validate_paths([folder], root=project) == []
            else:
                assert "WORKING_COPY_INVALID" in run.text()
    finally:
        writer.kill()
        writer.wait()
    working_doc.write_bytes(valid)
    (project / "annotations" / "working" / f"{DOC_ID}.json.new").unlink(missing_ok=True)
    assert_consistent(project)


# ---------------------------------------------------------- 3. kills and changelog failures


@pytest.mark.parametrize("moment", ["_before_publish", "_after_publish"])
def test_kill_at_the_worst_moments_is_repaired_by_the_next_run(
    project: Path, zygote: Zygote, tmp_path: Path, moment: str
) -> None:
    make(project, "1.0.0")
    run = zygote.start(["release", "1.1.0", "-m", "killed"], tmp_path / "go", kill_at=moment)
    (tmp_path / "go").touch()
    assert run.wait() == -signal.SIGKILL
    problems = validate_paths(root=project)
    if moment == "_before_publish":
        assert problems == [] and release.list_versions(project) == ["1.0.0"]
        assert leftovers(project)  # the killed process's staging folder and staged files
    else:
        assert sorted(codes(problems)) == ["CHANGELOG_ENTRY_MISSING", "RELEASE_NOT_INDEXED"]
        assert all(REPAIR in p.message for p in problems)
    # the next run finishes the record (or removes the leftovers) before its own release
    nxt = zygote.start(["release", "1.2.0", "-m", "next"], tmp_path / "go")
    assert nxt.wait() == 0, nxt.text()
    if moment == "_after_publish":
        assert "recorded release 1.1.0, whose `corpus release` was interrupted" in nxt.text()
    assert leftovers(project) == []
    assert_consistent(project)


def test_kill_after_publishing_is_repaired_by_the_repair_command(
    project: Path, zygote: Zygote, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = zygote.start(["release", "1.0.0", "-m", "killed"], tmp_path / "go", "_after_publish")
    (tmp_path / "go").touch()
    assert run.wait() == -signal.SIGKILL
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert (
        "RELEASE_NOT_INDEXED: release 1.0.0 is not recorded in annotations/releases.sha256" in out
    )
    assert main(["release", "--repair"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == [
        "recorded release 1.0.0, whose `corpus release` was interrupted",
        "the releases' index and CHANGELOG.md agree with the manifests",
    ]
    assert sorted(line.split(".")[1] for line in lines[:-2]) == ["CHANGELOG", "releases"]
    assert all(line.endswith(", left by a killed process") for line in lines[:-2])
    assert_consistent(project)
    assert main(["release", "--repair"]) == 0  # nothing left to do
    assert (
        capsys.readouterr().out == "the releases' index and CHANGELOG.md agree with the manifests\n"
    )


def test_kill_at_random_moments(project: Path, zygote: Zygote, tmp_path: Path) -> None:
    """kill -9 at random moments of 10 releases: `validate` reports nothing, or only what
    `corpus release --repair` repairs; the repair (or the next release) leaves a
    consistent history and no leftovers."""
    barrier = tmp_path / "timing"
    run = zygote.start(["release", "1.0.0", "-m", "timing"], barrier)
    started = time.monotonic()
    barrier.touch()
    assert run.wait() == 0
    duration = time.monotonic() - started
    rng = random.Random(10)
    killed = 0
    for number in range(10):
        barrier = tmp_path / f"go-{number}"
        run = zygote.start(["release", f"1.{number + 1}.0", "-m", f"r{number}"], barrier)
        barrier.touch()
        time.sleep(rng.uniform(0, duration * 1.2))
        os.kill(run.pid, signal.SIGKILL)
        if run.wait() == -signal.SIGKILL:
            killed += 1
        problems = validate_paths(root=project)
        assert all(
            p.code in ("RELEASE_NOT_INDEXED", "CHANGELOG_ENTRY_MISSING") and REPAIR in p.message
            for p in problems
        ), problems
        if number % 2:
            release.repair_releases(project)
            assert leftovers(project) == []
            assert_consistent(project)
    release.repair_releases(project)
    assert leftovers(project) == []
    assert_consistent(project)
    assert killed >= 5


def _fail_for(name: str, exc: OSError, real: Any) -> Any:
    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
        if os.path.basename(os.fspath(dst)) == name:
            raise exc
        return real(src, dst, *args, **kwargs)

    return replace


def test_changelog_that_cannot_be_replaced_leaves_no_release(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """CHANGELOG.md refuses its new version (a read-only file system, as annotations/
    read-only with releases/ writable) after the release folder is in place: the release
    is taken back, the index restored, and the one line names CHANGELOG.md."""
    make(project, "1.0.0")
    index = project / "annotations" / "releases.sha256"
    before = index.read_bytes()
    monkeypatch.setattr(
        os, "replace", _fail_for("CHANGELOG.md", OSError(30, "Read-only file system"), os.replace)
    )
    assert main(["release", "1.1.0", "-m", "second"]) == 1
    assert capsys.readouterr().err == (
        "annotations/CHANGELOG.md: -: /: RELEASE_WRITE_FAILED: could not write the release: "
        "Read-only file system\n"
    )
    monkeypatch.undo()
    assert release.list_versions(project) == ["1.0.0"] and index.read_bytes() == before
    assert leftovers(project) == []
    assert_consistent(project)


def test_annotations_folder_refusing_new_files_stops_before_publishing(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No file can be created in annotations/ (read-only; root ignores chmod, so the
    refusal is injected where the system would raise it): nothing is published."""
    annotations = os.fspath(project / "annotations")
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        if os.fspath(kwargs.get("dir", "")) == annotations:
            raise PermissionError(13, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    assert main(["release", "1.0.0", "-m", "first"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("annotations/") and ": RELEASE_WRITE_FAILED: " in err
    assert err.endswith(": could not write the release: Permission denied\n")
    assert ".tmp" not in err and err.count("\n") == 1
    monkeypatch.undo()
    assert release.list_versions(project) == [] and leftovers(project) == []


def test_full_disk_names_the_file_not_a_temporary_one(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ENOSPC while writing a document of the release (an error with no file name)."""

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    make(project, "1.0.0")
    monkeypatch.setattr(os, "fsync", no_space)
    assert main(["release", "1.1.0", "-m", "second"]) == 1
    assert capsys.readouterr().err == (
        f"annotations/releases/1.1.0/documents/{DOC_ID}.json: -: /: RELEASE_WRITE_FAILED: "
        "could not write the release: No space left on device\n"
    )
    monkeypatch.undo()
    assert release.list_versions(project) == ["1.0.0"] and leftovers(project) == []


@pytest.mark.parametrize("where", ["parquet", "card"])
def test_full_disk_during_a_build_names_the_output(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
) -> None:
    """ENOSPC (no file name) while `corpus build` writes its staging folder: the line names
    the output folder or its file, never '-' nor the hidden staging folder."""
    import pyarrow.parquet

    make(project, "1.0.0")
    output = tmp_path / "out"

    def no_space(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    if where == "parquet":
        monkeypatch.setattr(pyarrow.parquet, "write_table", no_space)
    else:
        monkeypatch.setattr(os, "fsync", no_space)
    assert main(["build", "-o", str(output)]) == 2
    shown = str(output.resolve()) + ("/README.md" if where == "card" else "")
    assert capsys.readouterr().err == f"{shown}: -: /: OS_ERROR: No space left on device\n"
    assert not output.exists() and list(tmp_path.glob(".out*")) == []


# -------------------------------------------------------------- 4. tamper-evident manifests


@pytest.fixture
def history(project: Path) -> Path:
    """The real releases 1.0.0 and 1.1.0 (no chain link) with their index, then 1.2.0 and
    1.3.0 made here (chained)."""
    for name in ("releases/1.0.0", "releases/1.1.0"):
        shutil.copytree(REPO / "annotations" / name, project / "annotations" / name)
    # the repository's index records these two first, byte for byte: keep its lines for them
    index = (REPO / "annotations" / "releases.sha256").read_text(encoding="utf-8")
    kept = [line for line in index.splitlines() if "/1.0.0/" in line or "/1.1.0/" in line]
    assert len(kept) == 2
    (project / "annotations" / "releases.sha256").write_text("\n".join(kept) + "\n", "utf-8")
    release.repair_releases(project)  # CHANGELOG.md from these two manifests
    assert validate_paths(root=project) == []
    make(project, "1.2.0", "third")
    make(project, "1.3.0", "fourth")
    assert_consistent(project)
    return project


def test_new_manifests_are_chained_and_indexed(history: Path) -> None:
    releases = history / "annotations" / "releases"
    data = json.loads((releases / "1.3.0" / "manifest.json").read_text(encoding="utf-8"))
    assert data["previous"] == {
        "version": "1.2.0",
        "sha256": fsutil.sha256_file(releases / "1.2.0" / "manifest.json"),
    }
    index = (history / "annotations" / "releases.sha256").read_text(encoding="utf-8")
    assert index.splitlines() == [
        f"{fsutil.sha256_file(releases / v / 'manifest.json')}  releases/{v}/manifest.json"
        for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0")
    ]
    completed = subprocess.run(
        ["sha256sum", "--strict", "-c", "releases.sha256"],
        cwd=history / "annotations",
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


FIELDS = ("message", "date", "corpus_version", "schema_version", "labels_version")


def flip_one_byte(path: Path, field: str) -> None:
    """Change one byte of the value of ``field`` (a digit or letter to another)."""
    raw = path.read_bytes()
    start = raw.index(f'"{field}": "'.encode()) + len(field) + 5
    end = raw.index(b'"', start)
    for at in range(end - 1, start - 1, -1):
        byte = raw[at : at + 1]
        if byte.isdigit() or byte.isalpha():
            new = b"7" if byte.isdigit() and byte != b"7" else b"8" if byte.isdigit() else b"x"
            if new == byte:
                new = b"y"
            path.write_bytes(raw[:at] + new + raw[at + 1 :])
            return
    raise AssertionError(f"nothing to flip in {field}")


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0", "1.2.0", "1.3.0"])
@pytest.mark.parametrize("field", FIELDS)
def test_one_byte_manifest_edit_is_reported(history: Path, version: str, field: str) -> None:
    path = history / "annotations" / "releases" / version / "manifest.json"
    flip_one_byte(path, field)
    problems = validate_paths(root=history)
    changed = [p for p in problems if p.code == "MANIFEST_CHANGED"]
    assert [p.file for p in changed] == [f"annotations/releases/{version}/manifest.json"]
    if version == "1.2.0":  # 1.3.0's link records 1.2.0's manifest as it was
        assert "RELEASE_CHAIN_BROKEN" in codes(problems)
    with pytest.raises(CorpusError) as excinfo:
        release.load_release(version, root=history)
    assert "MANIFEST_CHANGED" in codes(excinfo.value.problems)
    # nothing papers over it: neither the repair nor a new release
    with pytest.raises(CorpusError) as excinfo:
        release.repair_releases(history)
    assert codes(excinfo.value.problems)[-1] == "REPAIR_REFUSED"
    with pytest.raises(CorpusError) as excinfo:
        make(history, "2.0.0")
    assert codes(excinfo.value.problems)[-1] == "RELEASE_HISTORY_BROKEN"


def test_removed_release_and_removed_index_are_reported(history: Path) -> None:
    shutil.rmtree(history / "annotations" / "releases" / "1.2.0")
    assert sorted(set(codes(validate_paths(root=history)))) == [
        "CHANGELOG_OUT_OF_DATE",
        "RELEASE_CHAIN_BROKEN",
        "RELEASE_MISSING",
    ]
    (history / "annotations" / "releases.sha256").unlink()
    assert "INDEX_MISSING" in codes(validate_paths(root=history))


def test_changelog_edit_is_reported_and_repaired(history: Path) -> None:
    changelog = history / "annotations" / "CHANGELOG.md"
    generated = changelog.read_text(encoding="utf-8")
    changelog.write_text(generated.replace("third", "thrid"), encoding="utf-8")
    line = generated.splitlines().index("third") + 1
    problems = validate_paths(root=history)
    assert [(p.code, p.pointer) for p in problems] == [("CHANGELOG_OUT_OF_DATE", f"line {line}")]
    assert "'thrid' where the release manifests give 'third'" in problems[0].message
    assert release.repair_releases(history) == [
        "rewrote annotations/CHANGELOG.md from the release manifests"
    ]
    assert changelog.read_text(encoding="utf-8") == generated
    assert_consistent(history)


def test_consistent_rewrite_of_the_newest_release_is_not_detected(history: Path) -> None:
    """The limit docs/guarantees.md states: whoever rewrites the newest manifest, the index line
    and the changelog together leaves nothing to detect (no key signs the history)."""
    path = history / "annotations" / "releases" / "1.3.0" / "manifest.json"
    rewrite(path, lambda d: d.update(message="rewritten"))
    index = history / "annotations" / "releases.sha256"
    lines = index.read_text(encoding="utf-8").splitlines()
    lines[-1] = f"{fsutil.sha256_file(path)}  releases/1.3.0/manifest.json"
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    release.repair_releases(history)  # regenerates the changelog from the manifests
    assert validate_paths(root=history) == []


# ------------------------------------------------------------------ staging leftovers


def test_leftover_staging_of_a_killed_release_is_removed(project: Path) -> None:
    releases = project / "annotations" / "releases"
    (releases / ".1.0.0.abc123.tmp" / "documents").mkdir(parents=True)
    (project / "annotations" / ".CHANGELOG.md.x1y2.tmp").write_text("partial", encoding="utf-8")
    make(project, "1.0.0")
    assert leftovers(project) == []


def test_leftover_staging_of_a_killed_build_is_removed_but_a_live_one_is_kept(
    tmp_path: Path,
) -> None:
    target = tmp_path / "build" / "dataset"
    dead = target.with_name(".dataset.dead01.tmp")
    swapped = target.with_name(".dataset.old-4242")
    for folder in (dead, swapped):
        (folder / "ner").mkdir(parents=True)
    live = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom corpus.fsutil import staging_dir\n"
            "print(staging_dir(Path(sys.argv[1])), flush=True)\ntime.sleep(60)",
            str(target),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SOURCES},
    )
    try:
        assert live.stdout is not None
        held = Path(live.stdout.readline().strip())
        assert not dead.exists() and not swapped.exists()  # the live process cleaned them
        mine = fsutil.staging_dir(target)
        assert held.is_dir() and mine.is_dir()  # a writer at work keeps its folder
        fsutil.discard_staging(mine)
    finally:
        live.kill()
        live.wait()
    fsutil.publish_dir(fsutil.staging_dir(target), target, replace=True)
    assert not held.exists()  # its writer was killed: the next run removed it
    assert sorted(p.name for p in target.parent.iterdir()) == ["dataset"]


# ------------------------------------------------------------------------ documentation


def test_every_guarantee_of_the_docs_names_a_test_that_exists() -> None:
    import re

    readme = (REPO / "docs" / "guarantees.md").read_text(encoding="utf-8")
    section = readme.split("# Guarantees (and their limits)")[1].split("\n## ")[0]
    here = Path(__file__).read_text(encoding="utf-8")
    items = [item for item in section.split("\n- ")[1:]]
    assert len(items) >= 8
    for item in items:
        names = re.findall(r"`(?:tests/core/(\w+)\.py::)?(test_\w+)`", item)
        assert names, f"a guarantee without its test: {item[:60]!r}"
        for module, name in names:
            source = (Path(__file__).parent / f"{module}.py").read_text() if module else here
            assert f"def {name}(" in source, name


def test_every_release_code_is_in_the_cli_docs() -> None:
    import re

    readme = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    table = manifest.__doc__ or ""
    documented = re.findall(r"^([A-Z][A-Z_]+) ", table, flags=re.MULTILINE)
    assert "MANIFEST_CHANGED" in documented and "CHANGELOG_OUT_OF_DATE" in documented
    for code in documented + ["RELEASE_IN_PROGRESS", "RELEASE_HISTORY_BROKEN", "REPAIR_REFUSED"]:
        assert f"`{code}`" in readme, code

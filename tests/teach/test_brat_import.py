"""``corpus import brat`` never silently erases work (issue 10, cases 6, 7, 8, 9, 10): seed
links kept, CRLF and BOM named once, erasing and text changes refused unless allowed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import corpus
from corpus import sources
from corpus.cli import main
from corpus.formats import brat, native
from corpus.fsutil import sha256_text
from corpus.model import Document, Seed
from tests.teach.teach_helpers import ROOT


def read_document(path: Path, root: Path) -> Document:
    """The one document of ``path``, checked by both validation layers."""
    [document] = sources.load(path, root=root)
    return document


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away project (CORPUS_ROOT): the repository's schema, seeds, releases,
    changelog and working copy."""
    root = tmp_path / "project"
    for name in ("schema", "seeds", "annotations/releases", "annotations/working"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "annotations" / "CHANGELOG.md", root / "annotations" / "CHANGELOG.md")
    monkeypatch.setenv("CORPUS_ROOT", str(root))
    monkeypatch.chdir(tmp_path)
    return root


def gold(root: Path) -> tuple[Path, Document]:
    [path] = native.document_files(root / "annotations" / "working")
    return path, read_document(path, root)


def exported(root: Path, folder: Path) -> Document:
    """The working gold document written as a brat folder (with its sidecar)."""
    _, document = gold(root)
    brat.write([document], folder)
    return document


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# ---------------------------------------------------------------------- case 6: no .ann


def test_a_folder_without_the_ann_does_not_erase_the_document(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = exported(project, tmp_path / "brat")
    (tmp_path / "brat" / f"{document.id}.ann").unlink()
    before = files(project)
    assert main(["import", "brat", str(tmp_path / "brat")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(
        f"annotations/working/{document.id}.json: {document.id}: /: WOULD_ERASE_ANNOTATIONS: "
        f"the import has no annotation and would remove all {len(document.entities)} entities"
    )
    assert files(project) == before
    assert main(["import", "brat", str(tmp_path / "brat"), "--allow-erase"]) == 0
    assert read_document(gold(project)[0], project).entities == ()


# ---------------------------------------- case 7: seed links without a sidecar, CRLF texts


def test_without_a_sidecar_the_seed_link_and_metadata_are_kept(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = exported(project, tmp_path / "brat")
    (tmp_path / "brat" / f"{document.id}{brat.SIDECAR_SUFFIX}").unlink()
    assert main(["import", "brat", str(tmp_path / "brat")]) == 0
    back = read_document(gold(project)[0], project)
    assert back.seed == document.seed and back.metadata == document.metadata
    assert back.metadata["language"] != "und"
    assert f"annotations/working/{document.id}.json: " in capsys.readouterr().out


def test_a_new_id_without_a_sidecar_is_linked_to_the_seed_with_its_text(
    project: Path, tmp_path: Path
) -> None:
    document = exported(project, tmp_path / "brat")
    folder = tmp_path / "brat"
    (folder / f"{document.id}{brat.SIDECAR_SUFFIX}").unlink()
    for suffix in (brat.TEXT_SUFFIX, brat.ANN_SUFFIX):
        (folder / f"{document.id}{suffix}").rename(folder / f"copy{suffix}")
    assert main(["import", "brat", str(folder), "-o", str(tmp_path / "out")]) == 0
    back = read_document(tmp_path / "out" / "copy.json", project)
    assert back.seed == Seed(f"seeds/{document.id}.txt", sha256_text(document.text))


def test_a_text_no_seed_holds_is_refused_without_a_sidecar(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = exported(project, tmp_path / "brat")
    folder = tmp_path / "brat"
    (folder / f"{document.id}{brat.SIDECAR_SUFFIX}").unlink()
    text = folder / f"{document.id}{brat.TEXT_SUFFIX}"
    text.write_text(document.text + " Extra.", encoding="utf-8")
    assert main(["import", "brat", str(folder), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{text}: {document.id}: /: SEED_NOT_FOUND: ")
    assert f"differs from seeds/{document.id}.txt from code point {len(document.text)}" in err
    assert not (tmp_path / "out").exists()


def test_a_crlf_text_without_a_sidecar_is_named_once(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CRLF copy of the text with offsets consistent with it: before, it was imported
    with no seed and language 'und'; now the carriage return is named as the cause."""
    _, document = gold(project)
    crlf = document.text.replace("\n", "\r\n")

    def moved(offset: int) -> int:
        return offset + document.text.count("\n", 0, offset)

    shifted = replace(
        document,
        text=crlf,
        entities=tuple(
            replace(
                e, start=moved(e.start), end=moved(e.end), text=crlf[moved(e.start) : moved(e.end)]
            )
            for e in document.entities
        ),
    )
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / f"{document.id}.txt").write_bytes(crlf.encode("utf-8"))
    (folder / f"{document.id}.ann").write_text(brat.to_ann(shifted), encoding="utf-8")
    before = files(project)
    assert main(["import", "brat", str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(
        f"{folder / document.id}.txt: {document.id}: line 1: CARRIAGE_RETURN: "
    )
    assert files(project) == before


def test_a_text_change_is_refused_unless_allowed(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = exported(project, tmp_path / "brat")
    folder = tmp_path / "brat"
    longer = document.text + " Extra."
    (project / "seeds" / "longer.txt").write_text(longer, encoding="utf-8")
    (folder / f"{document.id}.txt").write_text(longer, encoding="utf-8")
    sidecar = folder / f"{document.id}{brat.SIDECAR_SUFFIX}"
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    data["seed"] = {"path": "seeds/longer.txt", "sha256": sha256_text(longer)}
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    before = files(project / "annotations")
    assert main(["import", "brat", str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert (
        len(err) == 1
        and ": WOULD_CHANGE_TEXT: the import would change the document's text" in err[0]
    )
    assert files(project / "annotations") == before
    assert main(["import", "brat", str(folder), "--allow-text-change"]) == 0
    assert read_document(gold(project)[0], project).text == longer


# ----------------------------------------------------- case 8: the change summary


def test_importing_over_an_edited_document_prints_what_changes(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = exported(project, tmp_path / "brat")
    ann = tmp_path / "brat" / f"{document.id}.ann"
    used = {r.head for r in document.relations} | {r.tail for r in document.relations}
    used |= {m for c in document.clusters for m in c.entities}
    dropped = next(e for e in document.entities if e.id not in used)
    lines = ann.read_text(encoding="utf-8").splitlines(keepends=True)
    ann.write_text("".join(x for x in lines if not x.startswith(f"{dropped.id}\t")), "utf-8")
    assert main(["import", "brat", str(tmp_path / "brat"), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        f"  annotations/working/{document.id}.json: changed: entity 0 added, 1 removed, 0 changed; "
        "relation 0 added, 0 removed, 0 changed; cluster 0 added, 0 removed, 0 changed"
    ) in out
    assert any(line.startswith(f"    - entity {dropped.id} {dropped.type} ") for line in out)
    assert read_document(gold(project)[0], project) == document  # a dry run writes nothing
    assert main(["import", "brat", str(tmp_path / "brat")]) == 0
    assert dropped not in read_document(gold(project)[0], project).entities


# ------------------------------------------- case 10: CRLF in the .ann, a BOM in the .txt


def test_crlf_in_the_ann_is_one_problem(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = exported(project, tmp_path / "brat")
    ann = tmp_path / "brat" / f"{document.id}.ann"
    ann.write_bytes(ann.read_bytes().replace(b"\n", b"\r\n"))
    assert main(["import", "brat", str(tmp_path / "brat"), "-o", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == (
        f"{ann}: {document.id}: line 1: CARRIAGE_RETURN: the .ann has Windows (CRLF) or CR "
        "line ends, first on line 1; brat and this corpus use LF: convert the file (e.g. "
        "`dos2unix`)\n"
    )


def test_a_bom_in_the_text_is_one_problem(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = exported(project, tmp_path / "brat")
    text = tmp_path / "brat" / f"{document.id}.txt"
    text.write_bytes(b"\xef\xbb\xbf" + text.read_bytes())
    assert main(["import", "brat", str(tmp_path / "brat"), "-o", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == (
        f"{text}: {document.id}: byte 0: BYTE_ORDER_MARK: the file starts with a UTF-8 byte "
        "order mark (U+FEFF), which shifts every brat offset of the text by one; save it as "
        "UTF-8 without BOM\n"
    )


# --------------------------------------------------------------- case 9: a FIFO as a file


def test_a_fifo_in_a_brat_folder_is_refused_without_hanging(project: Path, tmp_path: Path) -> None:
    document = exported(project, tmp_path / "brat")
    text = tmp_path / "brat" / f"{document.id}.txt"
    text.unlink()
    os.mkfifo(text)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from corpus.cli import entry; entry()",
            "import",
            "brat",
            str(tmp_path / "brat"),
        ],
        env={
            **os.environ,
            "CORPUS_ROOT": str(project),
            "PYTHONPATH": str(Path(corpus.__file__).resolve().parents[1]),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"{text}: {document.id}: /: NOT_A_FILE: a FIFO (named pipe), not a regular file: only "
        "regular files are read\n"
    )

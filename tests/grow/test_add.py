"""``corpus add``: seeds byte for byte, unannotated working documents, all or nothing.

The texts are written by the tests themselves (short made-up sentences)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from corpus import add as add_module
from corpus.add import Provenance, add_texts
from corpus.cli import main
from corpus.codes import exit_status
from corpus.errors import CorpusError
from corpus.sources import validate_paths
from tests.grow.grow_helpers import GOLD_ID, run, tree_digest, write

# NBSP, curly quotes, an em dash, an emoji, a blank line and no final newline: kept as they are
TEXT = "Dushanbe\u00a0hosted \u201ctalks\u201d\u2014briefly \U0001f600.\n\nIran agreed."
RAW = TEXT.encode("utf-8")
SHA = hashlib.sha256(RAW).hexdigest()


def working(project: Path, doc_id: str) -> dict[str, Any]:
    path = project / "annotations" / "working" / f"{doc_id}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def listing(project: Path) -> dict[str, str]:
    return {**tree_digest(project / "seeds"), **tree_digest(project / "annotations")}


def test_add_copies_the_seed_and_writes_an_unannotated_valid_document(
    project: Path, tmp_path: Path
) -> None:
    source = write(tmp_path, "new.txt", RAW)
    (added,) = add_texts([source])
    assert added.id == f"001_{SHA[:16]}" and added.written
    assert (project / "seeds" / f"{added.id}.txt").read_bytes() == RAW
    data = working(project, added.id)
    assert data["text"] == TEXT
    assert data["seed"] == {"path": f"seeds/{added.id}.txt", "sha256": SHA}
    assert (data["entities"], data["relations"], data["clusters"]) == ([], [], [])
    gold = working(project, GOLD_ID)["metadata"]
    metadata = data["metadata"]
    assert list(metadata) == list(gold)  # the gold document's shape
    assert set(gold["source"]) <= set(metadata["source"])
    assert set(gold["dates"]) <= set(metadata["dates"])
    assert metadata["language"] == "en" and metadata["split"] is None
    source_meta = metadata["source"]
    assert [source_meta[k] for k in ("outlet", "url", "author")] == [None, None, None]
    assert metadata["dates"]["published"] is None and metadata["title"] is None
    assert validate_paths([project / "annotations" / "working"]) == []


def test_provenance_is_recorded_as_given(project: Path, tmp_path: Path) -> None:
    source = write(tmp_path, "new.txt", RAW)
    given = Provenance(
        outlet="Example Daily",
        url="https://example.org/a",
        author="A. Writer",
        published="2025-04",
        title="Talks",
    )
    (added,) = add_texts([source], split="test", language="en-GB", provenance=given)
    metadata = working(project, added.id)["metadata"]
    assert metadata["source"]["outlet"] == "Example Daily"
    assert metadata["source"]["url"] == "https://example.org/a"
    assert metadata["source"]["author"] == "A. Writer"
    assert metadata["dates"]["published"] == "2025-04"
    assert (metadata["title"], metadata["split"], metadata["language"]) == (
        "Talks",
        "test",
        "en-GB",
    )


def test_numbers_follow_the_highest_existing_one(project: Path, tmp_path: Path) -> None:
    first, second = (write(tmp_path, f"{n}.txt", f"Text number {n}.".encode()) for n in (1, 2))
    ids = [a.id for a in add_texts([first, second])]
    assert [i[:4] for i in ids] == ["001_", "002_"]
    (third,) = add_texts([write(tmp_path, "3.txt", b"Text number 3.")])
    assert third.id.startswith("003_")


def test_adding_the_same_bytes_again_changes_nothing(project: Path, tmp_path: Path) -> None:
    source = write(tmp_path, "new.txt", RAW)
    (added,) = add_texts([source])
    doc = project / "annotations" / "working" / f"{added.id}.json"
    doc.write_text(doc.read_text(encoding="utf-8").replace('"split": null', '"split": "test"'))
    before = listing(project)
    (again,) = add_texts([write(tmp_path, "copy.txt", RAW)])
    assert again.id == added.id and not again.written
    assert listing(project) == before


def test_the_gold_text_is_recognised_and_left_alone(project: Path) -> None:
    before = listing(project)
    (added,) = add_texts([project / "seeds" / f"{GOLD_ID}.txt"])
    assert added.id == GOLD_ID and not added.written
    assert listing(project) == before


def test_an_existing_seed_with_the_same_bytes_is_reused(project: Path, tmp_path: Path) -> None:
    seed = write(project / "seeds", "mine.txt", RAW)
    (added,) = add_texts([write(tmp_path, "new.txt", RAW)], doc_id="mine")
    assert added.written and seed.read_bytes() == RAW
    assert working(project, "mine")["seed"]["path"] == "seeds/mine.txt"


def refused(*args: Any, **kwargs: Any) -> CorpusError:
    with pytest.raises(CorpusError) as caught:
        add_texts(*args, **kwargs)
    return caught.value


def test_a_different_file_under_an_existing_seed_name_is_refused(
    project: Path, tmp_path: Path
) -> None:
    write(project / "seeds", "mine.txt", b"Other bytes.")
    before = listing(project)
    error = refused([write(tmp_path, "new.txt", RAW)], doc_id="mine")
    assert [p.code for p in error.problems] == ["SEED_EXISTS"] and error.exit_code == 1
    assert listing(project) == before


def test_an_id_of_another_text_is_refused(project: Path, tmp_path: Path) -> None:
    before = listing(project)
    error = refused([write(tmp_path, "new.txt", RAW)], doc_id=GOLD_ID)
    assert [p.code for p in error.problems] == ["DUPLICATE_ID"]
    assert listing(project) == before


def test_an_id_used_only_by_a_release_is_refused(project: Path, tmp_path: Path) -> None:
    (project / "annotations" / "working" / f"{GOLD_ID}.json").unlink()
    error = refused([write(tmp_path, "new.txt", RAW)], doc_id=GOLD_ID)
    assert [p.code for p in error.problems] == ["DUPLICATE_ID"]
    assert "annotations/releases/" in error.problems[0].message


def test_the_same_text_under_a_second_id_is_refused(project: Path, tmp_path: Path) -> None:
    error = refused([project / "seeds" / f"{GOLD_ID}.txt"], doc_id="again")
    assert [p.code for p in error.problems] == ["DUPLICATE_TEXT"]
    error = refused([write(tmp_path, "a.txt", RAW), write(tmp_path, "b.txt", RAW)])
    assert [p.code for p in error.problems] == ["DUPLICATE_TEXT"]


@pytest.mark.parametrize(
    ("data", "code", "where"),
    [
        (b"caf\xe9", "NOT_UTF8", "byte 3"),
        (b"a \xed\xa0\x80 b", "INVALID_UNICODE", "byte 2"),
        (b"", "EMPTY_TEXT", ""),
        (b" \n\t\n", "EMPTY_TEXT", ""),
        (b"one\ntwo\r\nthree", "CARRIAGE_RETURN", "line 2"),
    ],
)
def test_unusable_text_is_refused_and_nothing_is_written(
    project: Path, tmp_path: Path, data: bytes, code: str, where: str
) -> None:
    good = write(tmp_path, "good.txt", RAW)
    bad = write(tmp_path, "bad.txt", data)
    before = listing(project)
    error = refused([good, bad])
    assert [(p.file, p.pointer, p.code) for p in error.problems] == [(str(bad), where, code)]
    # one code, one exit status: the registry's (INVALID_UNICODE is validate's exit 1)
    assert error.exit_code == exit_status([code]) >= 1
    assert listing(project) == before


def test_a_document_the_validator_refuses_is_not_written(project: Path, tmp_path: Path) -> None:
    before = listing(project)
    error = refused([write(tmp_path, "new.txt", RAW)], language="English")
    assert [(p.pointer, p.code) for p in error.problems] == [
        ("/metadata/language", "SCHEMA_PATTERN")
    ]
    assert error.problems[0].file == f"annotations/working/001_{SHA[:16]}.json"
    assert listing(project) == before


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"doc_id": "-bad"}, "ID_INVALID"),
        ({"provenance": Provenance(published="2025-02-30")}, "DATE_INVALID"),
        ({"provenance": Provenance(published="April 2025")}, "DATE_INVALID"),
        ({"provenance": Provenance(url="example.org/a")}, "URL_INVALID"),
    ],
)
def test_bad_options_are_refused(
    project: Path, tmp_path: Path, kwargs: dict[str, Any], code: str
) -> None:
    error = refused([write(tmp_path, "new.txt", RAW)], **kwargs)
    assert [p.code for p in error.problems] == [code] and error.exit_code == 2


def test_a_failed_write_removes_what_this_call_created(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = listing(project)

    def disk_full(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(add_module, "atomic_write_text", disk_full)
    with pytest.raises(OSError):
        add_texts([write(tmp_path, "a.txt", b"First."), write(tmp_path, "b.txt", b"Second.")])
    assert listing(project) == before


def test_dry_run_writes_nothing(project: Path, tmp_path: Path) -> None:
    before = listing(project)
    (added,) = add_texts([write(tmp_path, "new.txt", RAW)], dry_run=True)
    assert added.written and listing(project) == before


def test_cli_add(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, "new.txt", RAW)
    gold_before = {**tree_digest(project / "annotations" / "releases")}
    gold_doc = (project / "annotations" / "working" / f"{GOLD_ID}.json").read_bytes()
    code, out, err = run(capsys, "add", str(source), "--outlet", "Example Daily")
    doc_id = f"001_{SHA[:16]}"
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        f"added {doc_id} from {source}: seeds/{doc_id}.txt, annotations/working/{doc_id}.json"
    )
    code, out, _ = run(capsys, "add", str(source))
    assert code == 0 and out.startswith(f"unchanged {source}: the same text is {doc_id}")
    code, out, _ = run(capsys, "validate")
    assert code == 0, out
    assert tree_digest(project / "annotations" / "releases") == gold_before
    assert (project / "annotations" / "working" / f"{GOLD_ID}.json").read_bytes() == gold_doc


def test_cli_problems_are_one_line_each(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.txt", b"\xff")
    code, out, err = run(capsys, "add", str(bad), str(tmp_path / "missing.txt"))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"{bad}: -: byte 0: NOT_UTF8: the file is not UTF-8",
        f"{tmp_path / 'missing.txt'}: -: /: NOT_FOUND: no such file",
    ]
    with pytest.raises(SystemExit) as exited:
        main(["add", str(bad), "--split", "dev"])
    assert exited.value.code == 2 and "invalid choice: 'dev'" in capsys.readouterr().err

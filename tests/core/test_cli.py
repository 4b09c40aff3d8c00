"""``corpus validate / release / diff / stats``: exit codes and output, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.cli import main
from tests.core.core_helpers import DOC_ID, rewrite

WORKING = f"annotations/working/{DOC_ID}.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_clean(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate")
    assert code == 0 and err == ""
    assert out == (
        "ok annotations/working (working): 1 document file(s), 16 entities, "
        "6 relations, 1 clusters\n"
    )


def test_validate_problem_lines(
    project: Path, working_doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rewrite(working_doc, lambda d: d["entities"][2].update(end=40))
    code, out, _ = run(capsys, "validate", str(working_doc))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        f"{WORKING}: {DOC_ID}: /entities/2/text: SPAN_TEXT_MISMATCH: entity T3 "
        "text 'President' differs from text[34:40] 'Presid'"
    )
    assert lines[1].startswith(f"FAIL {WORKING} (file): ") and lines[1].endswith("1 problem(s)")


def test_validate_json(
    project: Path, working_doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rewrite(working_doc, lambda d: d["relations"][0].update(head="T99"))
    code, out, _ = run(capsys, "validate", "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False
    assert data["problems"] == [
        {
            "file": WORKING,
            "document": DOC_ID,
            "pointer": "/relations/0/head",
            "code": "DANGLING_HEAD",
            "message": "relation R1 head 'T99' is not the id of an entity in this document",
            "location": {"json_path": ["relations", 0, "head"]},
        }
    ]
    assert data["sets"][0]["kind"] == "working" and data["sets"][0]["problems"] == 1


def test_broken_json_exits_2_and_reports_the_rest(
    project: Path, working_doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = working_doc.with_name("broken.json")
    broken.write_text("{not json", encoding="utf-8")
    rewrite(working_doc, lambda d: d["entities"][0].update(type="DAY"))
    code, out, _ = run(capsys, "validate")
    assert code == 2
    assert "annotations/working/broken.json: -: line 1 column 2: NOT_JSON: " in out
    assert "UNKNOWN_ENTITY_TYPE" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "NOT_JSON: not usable JSON: nested too deeply"),
        ('{"id": ' + "9" * 5000 + "}", "NOT_JSON: not usable JSON: Exceeds the limit"),
    ],
)
def test_json_python_cannot_parse_is_one_line_not_a_traceback(
    project: Path, working_doc: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    working_doc.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "validate", str(working_doc))
    assert code == 2 and err == ""
    assert out.splitlines()[0].startswith(f"{WORKING}: -: /: {message}")


def test_symlink_loop_is_not_found_not_a_traceback(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    working = project / "annotations" / "working"
    (working / "a.json").symlink_to("b.json")
    (working / "b.json").symlink_to("a.json")
    code, out, err = run(capsys, "validate", str(working / "a.json"))
    assert code == 2 and err == ""
    assert out.splitlines()[0] == (
        "annotations/working/a.json: -: /: NOT_FOUND: no such file or folder"
    )


def test_validate_release_folder_and_edited_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "release", "1.0.0", "-m", "first")[0] == 0
    folder = project / "annotations" / "releases" / "1.0.0"
    code, out, _ = run(capsys, "validate", str(folder))
    assert code == 0
    assert out == (
        "ok annotations/releases/1.0.0 (release): 1 document file(s), 16 entities, "
        "6 relations, 1 clusters, 1 checksum(s) verified\n"
    )
    assert run(capsys, "validate", "1.0.0", "working")[1] == out + (
        "ok annotations/working (working): 1 document file(s), 16 entities, 6 relations, "
        "1 clusters\n"
    )
    doc = folder / "documents" / f"{DOC_ID}.json"
    doc.write_bytes(doc.read_bytes().replace(b'"train"', b'"test"'))
    code, out, _ = run(capsys, "validate")
    assert code == 1
    assert f"annotations/releases/1.0.0/documents/{DOC_ID}.json: -: /: CHECKSUM_MISMATCH: " in out
    assert out.splitlines()[-2].startswith("ok annotations/working")


def test_release_command(
    project: Path, working_doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "release", "1.0.0", "-m", "first")
    assert code == 0
    assert out.startswith(
        "released 1.0.0 to annotations/releases/1.0.0: 1 document(s), "
        "16 entities, 6 relations, 1 clusters"
    )
    code, _, err = run(capsys, "release", "1.0.0", "-m", "again")
    assert code == 1
    assert err == (
        "annotations/releases/1.0.0: -: /: VERSION_EXISTS: release 1.0.0 already "
        "exists; releases are never modified, choose a greater version\n"
    )
    code, _, err = run(capsys, "release", "one", "-m", "x")
    assert code == 2 and "VERSION_INVALID" in err
    rewrite(working_doc, lambda d: d["relations"][0].update(tail="T2"))
    code, _, err = run(capsys, "release", "1.1.0", "-m", "x")
    assert code == 1
    assert [line.split(": ")[3] for line in err.splitlines()] == [
        "RELATION_TYPE_NOT_ALLOWED",
        "WORKING_COPY_INVALID",
    ]


def test_diff_and_stats_commands(
    project: Path, working_doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "release", "1.0.0", "-m", "first")
    rewrite(working_doc, lambda d: d["entities"][0].update(type="TIME"))
    code, out, _ = run(capsys, "diff", "1.0.0", "working")
    assert code == 0 and '  ~ entity T1 type "DATE" -> "TIME"' in out.splitlines()
    code, out, _ = run(capsys, "diff", "1.0.0", "working", "--format", "json")
    assert json.loads(out)["counts"]["entity"]["changed"] == 1
    code, out, _ = run(capsys, "stats")
    assert code == 0
    assert out.splitlines()[0] == (
        "corpus 1.0.0: 1 document(s), 16 entities, 6 relations, 1 clusters"
    )
    per = next(line for line in out.splitlines() if line.startswith("PER "))
    assert per.split()[-1] == "5"
    code, out, _ = run(capsys, "stats", "--version", "working", "--format", "json")
    data = json.loads(out)
    assert data["version"] == "working" and data["entities"]["TIME"] == 1
    code, _, err = run(capsys, "stats", "--version", "3.0.0")
    assert code == 2 and "RELEASE_NOT_FOUND" in err
    code, _, err = run(capsys, "diff", "1.0.0", "2.0.0")
    assert code == 2 and "RELEASE_NOT_FOUND" in err


def test_argument_errors_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["release", "1.0.0"], ["validate", "--format", "xml"], ["diff", "1.0.0"]):
        with pytest.raises(SystemExit) as excinfo:
            main(argv)
        assert excinfo.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["stats", "--version", ""], ["render", "--version", "", "-o", "page.html"]],
)
def test_empty_version_is_refused_not_taken_as_the_latest(
    project: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == "--version: -: /: RELEASE_NOT_FOUND: an empty version names no release\n"


def corpus(
    *argv: str, root: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORPUS_ROOT": str(root), **(env or {})}
    script = Path(sys.executable).parent / "corpus"  # the installed console script
    return subprocess.run(
        [str(script), *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        errors="backslashreplace",
    )


def test_subprocess_exit_codes_and_no_traceback(project: Path, working_doc: Path) -> None:
    clean = corpus("validate", root=project)
    assert clean.returncode == 0 and len(clean.stdout.splitlines()) == 1
    working_doc.write_text("[1, 2", encoding="utf-8")
    broken = corpus("validate", str(working_doc), root=project)
    assert broken.returncode == 2
    assert broken.stdout.splitlines()[0].endswith(
        "NOT_JSON: not valid JSON: Expecting ',' delimiter"
    )
    missing = corpus("validate", "does/not/exist.json", root=project)
    assert missing.returncode == 2 and "NOT_FOUND" in missing.stdout
    working_doc.write_text('{"id": 5, "entities": "many"}', encoding="utf-8")
    odd = corpus("validate", root=project)
    assert odd.returncode == 1
    for result in (broken, missing, odd):
        assert "Traceback" not in result.stdout + result.stderr


def test_undecodable_file_name_and_odd_strings_print(project: Path, working_doc: Path) -> None:
    folder = os.fsencode(working_doc.parent)
    with open(os.path.join(folder, b"\xff.json"), "wb") as handle:
        handle.write(b'{"id": "\\ud800", "text": 1}')
    result = corpus("validate", root=project, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "INVALID_UNICODE" in result.stdout and "\\udcff.json" in result.stdout


def test_top_level_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    import re

    import corpus

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out == f"corpus {corpus.__version__}\n"
    assert re.fullmatch(r"corpus \d+\.\d+\.\d+\S*\n", out)
    # a command's own --version (a release) is untouched
    assert main(["export", "conll", "--version", "9.9.9", "-o", "x.conll"]) == 2
    assert "RELEASE_NOT_FOUND" in capsys.readouterr().err

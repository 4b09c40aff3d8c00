"""Problems as data: locations rendered to one line, exit statuses derived from the codes,
and the registry of codes kept equal to the documentation's tables and to the codes the
sources use."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from corpus import codes
from corpus.errors import CorpusError, Location, Problem, problems_as_json
from tests.core.core_helpers import REPO

# --------------------------------------------------------------------------- Location


@pytest.mark.parametrize(
    ("location", "rendered"),
    [
        (Location(), ""),
        (Location.at(), ""),
        (Location.at("entities", 3, "end"), "/entities/3/end"),
        (Location.at("files", "documents/a~b.json"), "/files/documents~1a~0b.json"),
        (Location(line=12), "line 12"),
        (Location(line=1, column=7), "line 1 column 7"),
        (Location(byte=40), "byte 40"),
        (Location(task="3"), "task 3"),
        (Location(task="3", json_path=()), "task 3 at /"),
        (
            Location(task="1", annotation="101", region="T28", json_path=(0, "annotations", 0)),
            "task 1 annotation 101 region T28 at /0/annotations/0",
        ),
        (
            Location(task="1", relation="has_title", json_path=(0,)),
            "task 1 relation has_title at /0",
        ),
    ],
)
def test_location_renders_the_one_line_form(location: Location, rendered: str) -> None:
    assert str(location) == rendered
    assert Problem("f.json", None, location, "DUPLICATE_ID", "m").pointer == rendered


def test_a_problem_line_and_its_json_carry_the_location() -> None:
    problem = Problem("f.json", "doc", Location.at("relations", 0, "head"), "DANGLING_HEAD", "x")
    assert str(problem) == "f.json: doc: /relations/0/head: DANGLING_HEAD: x"
    assert str(Problem("f.json", None, Location(), "NOT_FOUND", "gone")) == (
        "f.json: -: /: NOT_FOUND: gone"
    )
    [data] = json.loads(problems_as_json([problem]))
    assert data == {
        "file": "f.json",
        "document": "doc",
        "pointer": "/relations/0/head",
        "code": "DANGLING_HEAD",
        "message": "x",
        "location": {"json_path": ["relations", 0, "head"]},
    }
    ls = Location(task="1", annotation="2", region="T1", json_path=(0, "annotations"))
    assert ls.to_dict() == {
        "json_path": [0, "annotations"],
        "task": "1",
        "annotation": "2",
        "region": "T1",
    }


# --------------------------------------------------------------------------- exit statuses


def _error(*names: str) -> CorpusError:
    return CorpusError(Problem("f", None, Location(), name, "m") for name in names)


@pytest.mark.parametrize(
    ("names", "status"),
    [
        (("DUPLICATE_ID",), 1),
        (("NOT_FOUND",), 2),
        (("DUPLICATE_ID", "NOT_JSON", "SPAN_WHITESPACE"), 2),
        (("SCHEMA_ONE_OF",), 1),  # any JSON Schema keyword, by the SCHEMA_<KEYWORD> family
        (("LS_UNREACHABLE",), 2),
        (("VERSION_EXISTS",), 1),
        (("VERSION_INVALID",), 2),
        ((), 1),
    ],
)
def test_exit_status_is_derived_from_the_codes(names: tuple[str, ...], status: int) -> None:
    assert _error(*names).exit_code == status


def test_every_registered_code_has_a_known_exit_status_and_meaning() -> None:
    for code in codes.CODES.values():
        assert code.exit in (codes.EXIT_PROBLEMS, codes.EXIT_UNUSABLE), code
        assert code.meaning and code.commands, code
        assert _error(code.name).exit_code == code.exit


# --------------------------------------------------------------------------- registry vs sources

#: upper snake case strings in src/ that are not problem codes
NOT_CODES = {
    "CORPUS_ROOT",
    "CORPUS_JOBS",
    "SHARD_ROWS",
    "DATABASE_NAME",
    "EXPORT_OR_DIR",
    "JSON_MIN",  # Label Studio's name of an export format
    "LABEL_STUDIO_API_KEY",
    "LABEL_STUDIO_URL",
    "LABEL_STUDIO_USER_TOKEN",
    "SCHEMA_<KEYWORD>",
}
_CODE = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+")


def _string_constants(path: Path) -> set[str]:
    """The string literals of a module, but for its ``__all__`` (names, not codes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exported = {
        id(element)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        for element in ast.walk(node.value)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in exported
    }


def test_every_code_the_sources_use_is_registered() -> None:
    used: dict[str, str] = {}
    for path in sorted((REPO / "src" / "corpus").rglob("*.py")):
        for value in _string_constants(path):
            if _CODE.fullmatch(value) and value not in NOT_CODES:
                used.setdefault(value, str(path.relative_to(REPO)))
    unregistered = {name: where for name, where in used.items() if codes.lookup(name) is None}
    assert unregistered == {}
    assert len(used) > 90  # the scan sees the codes (a scan that finds nothing proves nothing)


def test_the_registry_finds_unregistered_codes() -> None:
    assert codes.lookup("NO_SUCH_CODE") is None
    assert codes.lookup("SCHEMA_CONST") is codes.CODES["SCHEMA_<KEYWORD>"]


# --------------------------------------------------------------------------- registry vs docs

DOCS = {
    path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8")
    for path in codes.documentation_files(REPO)
}
ERRORS = DOCS["docs/errors.md"]
_ROW = re.compile(r"^\| `(?P<code>[A-Z_<>0-9]+)` \| (?P<exit>\d) \| [^|]* \| (?P<meaning>.*) \|$")


def test_code_tables_of_the_docs_are_generated_from_the_registry() -> None:
    tables = {name: file for file, text in DOCS.items() for name in codes.markdown_blocks(text)}
    assert tables == {
        "validate": "docs/cli.md",
        "ls import": "docs/labelstudio.md",
        "all": "docs/errors.md",
    }
    for file, text in DOCS.items():
        assert codes.render_markdown(text) == text, f"{file}: run python -m corpus.codes"


def test_errors_doc_and_registry_agree_both_ways() -> None:
    start = ERRORS.index("<!-- codes: all ")
    rows = [m for line in ERRORS[start:].splitlines() if (m := _ROW.match(line)) is not None]
    in_docs = {m["code"]: (int(m["exit"]), m["meaning"]) for m in rows}
    in_registry = {c.name: (c.exit, c.meaning) for c in codes.CODES.values()}
    assert in_docs == in_registry


def test_codes_named_in_the_docs_prose_are_registered() -> None:
    for file, text in DOCS.items():
        named = set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", text))
        unknown = {n for n in named if n not in NOT_CODES and codes.lookup(n) is None}
        assert unknown == set(), file


def test_render_markdown_replaces_a_stale_table() -> None:
    stale = (
        "before\n<!-- codes: ls import (generated by `python -m corpus.codes`) -->\n"
        "| `GONE` | 1 | | removed |\n<!-- /codes -->\nafter\n"
    )
    fresh = codes.render_markdown(stale)
    assert "GONE" not in fresh and "`LS_MALFORMED` | 1 |" in fresh
    assert fresh.startswith("before\n") and fresh.endswith("after\n")


def test_the_generator_rewrites_only_stale_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docs").mkdir()
    stale = "<!-- codes: all (generated by `python -m corpus.codes`) -->\n<!-- /codes -->\n"
    (tmp_path / "docs" / "errors.md").write_text(stale, encoding="utf-8")
    (tmp_path / "README.md").write_text("no tables\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert codes.main([]) == 0
    assert codes.markdown_table("all") in (tmp_path / "docs" / "errors.md").read_text("utf-8")
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "no tables\n"
    assert capsys.readouterr().out.count("rewrote") == 1


# --------------------------------------------------------------------------- behaviour changes


def test_evaluate_text_mismatch_now_exits_1_like_every_text_mismatch() -> None:
    from corpus.evaluation import evaluate
    from corpus.model import Document

    gold = [Document(id="d", text="a b")]
    with pytest.raises(CorpusError) as caught:
        evaluate([Document(id="d", text="a c")], gold)
    assert [p.code for p in caught.value.problems] == ["TEXT_MISMATCH"]
    assert caught.value.exit_code == 1
    with pytest.raises(CorpusError) as unknown:
        evaluate([Document(id="other", text="x")], gold)
    assert unknown.value.exit_code == 2  # NO_GOLD_DOCUMENT stays unusable input


def test_release_of_a_working_copy_with_an_unreadable_file_exits_2(
    project: Path, working_doc: Path
) -> None:
    from corpus.release import create_release

    working_doc.with_name("broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        create_release("1.0.0", "first", root=project)
    assert [p.code for p in caught.value.problems] == ["NOT_JSON", "WORKING_COPY_INVALID"]
    assert caught.value.exit_code == 2

"""Every command that reads documents accepts the same names with the same default
(corpus.sources), shown on one project whose sets all differ in size:

- release 1.0.0: 1 document; release 1.1.0 (the latest): 4; the working copy: 2;
- a folder of documents outside the project: 3; a single document file: 1.

Each command's own output says how many documents it read, so a command that read the
wrong set fails here.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpus import release, sources
from corpus.cli import build_parser, main
from corpus.errors import CorpusError
from corpus.model import Document
from tests.core.core_helpers import DOC_ID, FIXTURE, REPO, fixture_data

OTHER_IDS = ("001_b", "002_c", "003_d")


def _write(folder: Path, document_id: str) -> Path:
    data = fixture_data()
    data["id"] = document_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{document_id}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Corpus:
    root: Path
    outside: Path  # a folder of 3 documents outside the project
    single: Path  # one document file, A
    gold_file: Path  # one document file holding A (a prediction every set has gold for)


def _project(base: Path, *, releases: bool) -> Corpus:
    root = base / "project"
    shutil.copytree(REPO / "schema", root / "schema")
    shutil.copytree(REPO / "seeds", root / "seeds")
    working = root / "annotations" / "working"
    working.mkdir(parents=True)
    shutil.copy(FIXTURE, working / FIXTURE.name)
    if releases:
        release.create_release("1.0.0", "one document", root=root, date="2025-01-01")
        for document_id in OTHER_IDS:
            _write(working, document_id)
        release.create_release("1.1.0", "four documents", root=root, date="2025-01-02")
        for document_id in OTHER_IDS[1:]:
            (working / f"{document_id}.json").unlink()
    else:
        _write(working, OTHER_IDS[0])
    outside = base / "elsewhere" / "documents"
    for document_id in (DOC_ID, *OTHER_IDS[:2]):
        _write(outside, document_id)
    single = _write(base / "one", DOC_ID)
    gold_file = _write(base / "prediction", DOC_ID)
    return Corpus(root, outside, single, gold_file)


@pytest.fixture(scope="module")
def corpus_project(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return _project(tmp_path_factory.mktemp("sources"), releases=True)


@pytest.fixture
def project_env(corpus_project: Corpus, monkeypatch: pytest.MonkeyPatch) -> Iterator[Corpus]:
    monkeypatch.setenv("CORPUS_ROOT", str(corpus_project.root))
    monkeypatch.chdir(corpus_project.root)
    yield corpus_project


# --------------------------------------------------------------------------- the forms

#: form -> (the name given, as a function of the project; documents it stands for)
FORMS: dict[str, tuple[Callable[[Corpus], str], int]] = {
    "version": (lambda c: "1.0.0", 1),
    "working": (lambda c: "working", 2),
    "release folder": (lambda c: str(c.root / "annotations" / "releases" / "1.1.0"), 4),
    "documents folder": (lambda c: str(c.outside), 3),
    "file": (lambda c: str(c.single), 1),
}
LATEST = 4  # the default: the latest release (1.1.0)


# --------------------------------------------------------------------------- the commands


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err


def _version(name: str | None) -> list[str]:
    return [] if name is None else ["--version", name]


def stats(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    out, _ = _run(["stats", *_version(name), "--format", "json"], capsys)
    return int(json.loads(out)["documents"])


def build(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    _run(["build", *_version(name), "-o", str(tmp / "dataset")], capsys)
    info = json.loads((tmp / "dataset" / "corpus-build.json").read_text(encoding="utf-8"))
    return int(info["report"]["documents"])


def render(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    out, _ = _run(["render", *_version(name), "-o", str(tmp / "page.html")], capsys)
    match = re.search(r": (\d+) documents,", out)
    assert match, out
    return int(match.group(1))


def export_brat(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    _run(["export", "brat", *_version(name), "-o", str(tmp / "brat")], capsys)
    return len(list((tmp / "brat").glob("*.ann")))


def export_conll(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    _run(["export", "conll", *_version(name), "-o", str(tmp / "out.conll")], capsys)
    lines = (tmp / "out.conll").read_text(encoding="utf-8").splitlines()
    return sum(line.startswith("# document = ") for line in lines)


def ls_export(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    _run(["ls", "export", *_version(name), "-o", str(tmp / "tasks.json")], capsys)
    return len(json.loads((tmp / "tasks.json").read_text(encoding="utf-8")))


def validate(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    assert name is not None
    out, _ = _run(["validate", name, "--format", "json"], capsys)
    (report,) = json.loads(out)["sets"]
    return len(report["documents"])


def evaluate_predicted(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    """Predictions from the name, gold 1.1.0 (4 documents): the rest are unmatched."""
    assert name is not None
    out, _ = _run(["evaluate", name, "1.1.0"], capsys)
    unmatched = re.search(r"no prediction for: (.*) \(scored", out)
    return LATEST - (len(unmatched.group(1).split(", ")) if unmatched else 0)


def evaluate_gold(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    assert name is not None
    out, _ = _run(["evaluate", str(tmp.parent / "prediction"), name, "--format", "json"], capsys)
    return int(json.loads(out)["documents"])


def diff_old(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    """OLD from the name, NEW = 1.1.0 (4 identical documents): the rest are added."""
    assert name is not None
    out, _ = _run(["diff", name, "1.1.0", "--format", "json"], capsys)
    return LATEST - sum(d["status"] == "added" for d in json.loads(out)["documents"])


def diff_new(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    assert name is not None
    out, _ = _run(["diff", "1.1.0", name, "--format", "json"], capsys)
    return LATEST - sum(d["status"] == "removed" for d in json.loads(out)["documents"])


def agreement(name: str | None, tmp: Path, capsys: pytest.CaptureFixture[str]) -> int:
    """The name against 1.1.0 (a superset of every form): documents both annotated."""
    assert name is not None
    out, _ = _run(["agreement", name, "1.1.0", "--format", "json"], capsys)
    return len(json.loads(out)["pairs"][0]["documents"])


#: commands with ``--version`` (optional: they have the default)
WITH_DEFAULT = [stats, build, render, export_brat, export_conll, ls_export]
#: commands whose names are positional (required)
POSITIONAL = [validate, evaluate_predicted, evaluate_gold, diff_old, diff_new, agreement]


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("command", WITH_DEFAULT + POSITIONAL, ids=lambda c: c.__name__)
def test_every_command_accepts_every_form(
    project_env: Corpus,
    command: Callable[[str | None, Path, pytest.CaptureFixture[str]], int],
    form: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_name, expected = FORMS[form]
    tmp = tmp_path / "out"
    tmp.mkdir()
    (tmp_path / "prediction").mkdir()
    shutil.copy(project_env.gold_file, tmp_path / "prediction")
    assert command(make_name(project_env), tmp, capsys) == expected


@pytest.mark.parametrize("command", WITH_DEFAULT, ids=lambda c: c.__name__)
def test_every_command_has_the_same_default(
    project_env: Corpus,
    command: Callable[[str | None, Path, pytest.CaptureFixture[str]], int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert command(None, tmp_path, capsys) == LATEST  # the latest release


@pytest.mark.parametrize("command", WITH_DEFAULT, ids=lambda c: c.__name__)
def test_the_default_without_a_release_is_the_working_copy(
    command: Callable[[str | None, Path, pytest.CaptureFixture[str]], int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = _project(tmp_path / "fresh", releases=False)
    monkeypatch.setenv("CORPUS_ROOT", str(corpus.root))
    assert command(None, tmp_path, capsys) == 2


def test_every_version_option_has_one_help_text() -> None:
    """Every --version of every command (ls serve and push included) is the shared option."""
    helps: dict[str, str] = {}

    def walk(parser: object, path: str) -> None:
        for action in getattr(parser, "_actions", []):
            if "--version" in action.option_strings:
                helps[path] = action.help
            choices = getattr(action, "choices", None)
            for name, sub in choices.items() if isinstance(choices, dict) else ():
                walk(sub, f"{path} {name}".strip())

    walk(build_parser(), "")
    helps.pop("", None)  # `corpus --version` prints the package version: not a source
    assert set(helps) >= {
        "stats",
        "build",
        "render",
        "export brat",
        "export conll",
        "ls export",
        "ls serve",
        "ls push",
    }
    assert set(helps.values()) == {sources.VERSION_HELP}


def test_evaluate_a_release_folder_as_prediction(
    project_env: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    """The documented promise (docs/evaluation.md): a release folder is a PRED like any other
    (manifest.json used to be read as a predicted document and fail with seven SCHEMA errors)."""
    folder = project_env.root / "annotations" / "releases" / "1.0.0"
    assert main(["evaluate", str(folder), "annotations/working", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["documents"] == 2
    assert data["entities"]["strict"]["micro"]["missed"] == len(fixture_data()["entities"])


def test_names_and_their_refusals(project_env: Corpus) -> None:
    root = project_env.root
    assert sources.open_source(root=root).version == "1.1.0"
    assert sources.open_source("annotations/releases/1.0.0", root=root).version == "1.0.0"
    manifest = root / "annotations" / "releases" / "1.0.0" / "manifest.json"
    assert sources.open_source(str(manifest), root=root).label == "release 1.0.0"
    assert sources.open_source("annotations/working", root=root).kind == "working"
    # a Path is always a path: a folder called "working" is not the working copy
    with pytest.raises(CorpusError) as excinfo:
        sources.open_source(Path("working"), root=root)
    assert excinfo.value.problems[0].code == "NOT_FOUND"
    for name, code in (("", "RELEASE_NOT_FOUND"), ("9.9.9", "RELEASE_NOT_FOUND")):
        with pytest.raises(CorpusError) as excinfo:
            sources.open_source(name, root=root)
        assert [p.code for p in excinfo.value.problems] == [code]
        assert excinfo.value.exit_code == 2


def test_a_source_streams_and_reports_every_problem_at_the_end(
    corpus_project: Corpus, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    shutil.copytree(corpus_project.outside, folder)
    broken = folder / f"{OTHER_IDS[0]}.json"
    broken.write_text(broken.read_text(encoding="utf-8").replace('"PER"', '"NOPE"', 1))
    (folder / "zz.json").write_text("{", encoding="utf-8")
    stream = iter(sources.open_source(str(folder), root=corpus_project.root))
    first = next(stream)  # yielded before the later files are even read
    assert isinstance(first, Document) and first.id == DOC_ID
    rest = []
    with pytest.raises(CorpusError) as excinfo:
        rest.extend(stream)
    assert [d.id for d in rest] == [OTHER_IDS[1]]
    assert [p.code for p in excinfo.value.problems] == ["UNKNOWN_ENTITY_TYPE", "NOT_JSON"]
    assert excinfo.value.exit_code == 2


# --------------------------------------------------------------------------- behaviour changes


def test_version_and_working_are_names_before_paths(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`corpus validate 9.9.9` says there is no such release (it used to say NOT_FOUND, no such
    file); an empty working copy named `working` or by its folder is fine (it used to be
    NO_DOCUMENTS), as it is in the default run; an unknown name given to --version is
    NOT_FOUND (it used to be RELEASE_NOT_FOUND, with no word of paths)."""
    assert main(["validate", "9.9.9"]) == 2
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "annotations/releases/9.9.9: -: /: RELEASE_NOT_FOUND: there is no release '9.9.9' "
        "(releases: none)"
    )
    (project / "annotations" / "working" / FIXTURE.name).unlink()
    for name in ("working", str(project / "annotations" / "working")):
        assert main(["validate", name]) == 0
        assert capsys.readouterr().out == (
            "ok annotations/working (working): 0 document file(s), 0 entities, 0 relations, "
            "0 clusters\n"
        )
    assert main(["stats", "--version", "v1"]) == 2
    assert capsys.readouterr().err == (
        "v1: -: /: NOT_FOUND: no such file or folder, and not a release version or 'working'\n"
    )


def test_validate_of_an_unknown_version_lists_the_releases_as_stats_does(
    project_env: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11: `validate 9.9.9` said "no such file or folder"; it names the releases that
    exist, in the same words as `stats --version 9.9.9`."""
    assert main(["validate", "9.9.9"]) == 2
    validate_line = capsys.readouterr().out.splitlines()[0]
    assert main(["stats", "--version", "9.9.9"]) == 2
    (stats_line,) = capsys.readouterr().err.splitlines()
    versions = ", ".join(sources.list_versions(project_env.root))
    assert versions == "1.0.0, 1.1.0"
    expected = (
        "annotations/releases/9.9.9: -: /: RELEASE_NOT_FOUND: there is no release '9.9.9' "
        f"(releases: {versions})"
    )
    assert validate_line == stats_line == expected


def test_predictions_pass_the_schema_layer_only_whatever_names_them(
    project: Path, working_doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A working copy or release used as PRED is checked like any prediction: a span whose
    text differs is no reason to refuse it (it used to be fully validated)."""
    release.create_release("1.0.0", "gold", root=project)
    data = json.loads(working_doc.read_text(encoding="utf-8"))
    data["entities"][0]["text"] = "something else"
    working_doc.write_text(json.dumps(data), encoding="utf-8")
    assert main(["validate", "working"]) == 1
    capsys.readouterr()
    assert main(["evaluate", "working", "1.0.0", "--format", "json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["entities"]["strict"]["micro"]["f1"] == 1.0


def test_a_folder_with_documents_inside_is_a_release_folder(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PRED laid out as a release (documents/ inside) is read as one, manifest and all; such
    a folder without a manifest is MANIFEST_MISSING (its documents used to be read as
    predictions without a word)."""
    documents = tmp_path / "pred" / "documents"
    documents.mkdir(parents=True)
    shutil.copy(FIXTURE, documents)
    assert main(["evaluate", str(tmp_path / "pred"), "working"]) == 1
    assert "MANIFEST_MISSING" in capsys.readouterr().err

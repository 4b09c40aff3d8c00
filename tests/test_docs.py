"""Documentation that is tested: every command and code block of README.md and docs/*.md.

Each Markdown file's fenced ``bash``, ``sh``, ``console`` and ``python`` blocks run in order
in a fresh copy of the project (seeds, schema, annotations, notebooks, Makefile), with the
sources under test first on ``PYTHONPATH`` and the project's ``.venv`` linked in, so
``corpus``, ``.venv/bin/corpus`` and ``python`` are the ones a user has after ``make run``;
the copy starts as ``make run`` leaves a checkout (``build/dataset`` built). A ``bash``/``sh``
block runs as one script (``set -euo pipefail``); in a ``console`` block each ``$ `` line is
a command and the lines under it are its output, matched line by line in order, ``…``
standing for anything; a ``python`` block runs as a script with the venv's Python.

A block that cannot run here (it starts a server until Ctrl-C, needs a Label Studio token,
or installs things) says so just above its fence: ``<!-- no-test: reason -->``. Its
commands are still checked: ``corpus`` ones parse, ``make`` ones pass ``make -n`` (installs
marked as done), Python compiles, and anything else must be named in :data:`SHELL_WORDS`.
A block of no language or another one (``text``, ``json``) is shown, never run, so it must
not look like a command (a ``$ `` prompt or a ``corpus``/``make`` line).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpus import lsserver

ROOT = Path(__file__).resolve().parents[1]
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNABLE = {"bash", "sh", "console", "python"}
#: what a copy of the project holds (all a user's commands read)
COPIED = ("annotations", "schema", "seeds", "notebooks", "Makefile", "pyproject.toml")
#: stamps that tell make the installs are done, so ``make -n`` prints only the target's recipe
STAMPS = (
    ".venv/.installed-run",
    ".venv/.installed-test",
    ".venv/.installed-notebooks",
    str(lsserver.stamp_path(ROOT).relative_to(ROOT)),
)
#: shell commands a no-test block may hold besides corpus, make and python
SHELL_WORDS = {"export", "cd", "source"}
_FENCE = re.compile(
    r"^(?P<indent>[ ]*)```(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S
)
_NO_TEST = re.compile(r"<!--\s*no-test:(?P<reason>.*?)-->\s*$", re.S)
_COMMANDISH = re.compile(r"^\s*(\$ |corpus |make |\.venv/bin/)", re.M)


@dataclass(frozen=True)
class Block:
    file: Path
    line: int
    language: str
    body: str
    no_test: str | None  # the reason, when the block is marked so

    @property
    def where(self) -> str:
        shown = self.file.relative_to(ROOT) if ROOT in self.file.parents else self.file.name
        return f"{shown}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, with the no-test reason written above each."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marked = _NO_TEST.search(before)
        indent = len(match["indent"])
        body = "\n".join(line[indent:] for line in match["body"].splitlines()) + "\n"
        language = (match["info"].strip().split() or [""])[0]
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(path, line, language, body, marked["reason"] if marked else None))
    return found


ALL = [block for path in MARKDOWN for block in blocks(path)]


# --------------------------------------------------------------------------- the project copy


def environment(project: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]).strip(
        os.pathsep
    )
    env["PATH"] = os.pathsep.join([str(project / ".venv" / "bin"), env["PATH"]])
    env["HF_DATASETS_OFFLINE"] = "1"
    env["HF_HUB_OFFLINE"] = "1"
    env["HF_DATASETS_CACHE"] = str(project / "build" / ".hf-cache")
    env["MPLBACKEND"] = "Agg"
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as on a terminal
    env.pop("CORPUS_ROOT", None)  # commands find the project from the current folder
    env.pop("LABEL_STUDIO_API_KEY", None)
    return env


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    venv = Path(sys.executable).resolve().parents[1]
    if not (venv / "bin" / "corpus").exists():  # pytest runs outside the venv
        venv = (ROOT / ".venv").resolve()
    (target / ".venv").symlink_to(venv, target_is_directory=True)
    return target


@pytest.fixture(scope="module")
def after_make_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy as ``make run`` leaves it: the dataset of the latest release built."""
    project = copy_project(tmp_path_factory.mktemp("docs") / "base")
    run_shell("corpus build", project)
    return project


def run_shell(
    script: str, project: Path, *, merged: bool = False
) -> subprocess.CompletedProcess[str]:
    """``script`` in bash, in ``project``; ``merged``: stderr into stdout, as a terminal shows
    them."""
    return subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=project,
        env=environment(project),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        text=True,
        timeout=300,
    )


# --------------------------------------------------------------------------- running blocks


def _matches(expected: str, line: str) -> bool:
    pattern = ".*".join(re.escape(part.rstrip()) for part in expected.split("…"))
    return re.fullmatch(pattern + r"\s*", line) is not None


def check_console(block: Block, project: Path) -> None:
    """Each ``$ `` command succeeds and prints the lines shown under it, in order."""
    commands: list[tuple[str, list[str]]] = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif line.strip():
            assert commands, f"{block.where}: output before the first `$ ` command"
            commands[-1][1].append(line)
    assert commands, f"{block.where}: a console block without a `$ ` command"
    for command, expected in commands:
        done = run_shell(command, project, merged=True)
        printed = done.stdout.splitlines()
        assert done.returncode == 0, f"{block.where}: `{command}` failed:\n{done.stdout}"
        position = 0
        for want in expected:
            while position < len(printed) and not _matches(want, printed[position]):
                position += 1
            assert position < len(printed), (
                f"{block.where}: `{command}` did not print {want!r}; it printed:\n"
                + "\n".join(printed)
            )
            position += 1


#: ``print(...)  # -> SHOWN`` with an optional remark after two spaces: ``  (why)``
_PRINT = re.compile(
    r"^(?P<indent>\s*)print\((?P<args>.*)\)\s+# -> (?P<shown>.+?)(?:\s{2,}\(.*\))?$"
)
_CHECK_PRELUDE = """\
import re as _re


def _printed_as_shown(shown, *args):
    printed = " ".join(str(arg) for arg in args)
    print(printed)
    pattern = ".*".join(_re.escape(part) for part in shown.split("\u2026"))
    assert _re.fullmatch(pattern, printed), f"printed {printed!r}, the page shows {shown!r}"


"""


def checked_prints(code: str) -> str:
    """``code`` whose ``print(...)  # -> SHOWN`` lines also check that what they print is
    SHOWN (``…`` standing for anything), so the outputs a page shows are tested too."""
    lines = []
    for line in code.splitlines():
        match = _PRINT.match(line)
        if match:
            line = f"{match['indent']}_printed_as_shown({match['shown']!r}, {match['args']})"
        lines.append(line)
    return _CHECK_PRELUDE + "\n".join(lines) + "\n"


def run_block(block: Block, project: Path) -> None:
    if block.language == "console":
        check_console(block, project)
        return
    if block.language == "python":
        script = project / "build" / ".doc-block.py"
        script.parent.mkdir(exist_ok=True)
        script.write_text(checked_prints(block.body), encoding="utf-8")
        done = run_shell(f"python {shlex.quote(str(script))}", project)
    else:
        done = run_shell(block.body, project)
    assert done.returncode == 0, (
        f"{block.where}: the {block.language} block failed (exit {done.returncode}):\n"
        f"{block.body}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    )


def run_file(path: Path, base: Path, project: Path) -> str | None:
    """Every runnable block of ``path``, in order, in a fresh copy of ``base``: None when all
    ran as shown, else what went wrong."""
    runnable = [b for b in blocks(path) if b.language in RUNNABLE and b.no_test is None]
    if runnable:
        shutil.copytree(base, project, symlinks=True)
    try:
        for block in runnable:
            run_block(block, project)
    except AssertionError as failure:
        return str(failure)
    if runnable:  # examples write under build/, never beside the project's own files
        left = sorted(p.name for p in project.iterdir() if not (base / p.name).exists())
        if left:
            return f"{path.name}: its examples left {left} in the project root (use build/)"
    return None


@pytest.fixture(scope="module")
def file_runs(
    after_make_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[Path, Future[str | None]]]:
    """Each file's blocks, the files side by side (each in its own copy; the commands are
    subprocesses, so threads suffice)."""
    workers = max(2, os.cpu_count() or 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield {
            path: pool.submit(
                run_file, path, after_make_run, tmp_path_factory.mktemp("doc") / "project"
            )
            for path in MARKDOWN
        }


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_block_of_the_file_runs(
    path: Path, file_runs: dict[Path, Future[str | None]]
) -> None:
    failure = file_runs[path].result()
    assert failure is None, failure


# --------------------------------------------------------------------------- blocks that do not run


def commands_of(body: str) -> list[list[str]]:
    """The shell commands of a block: comments dropped, ``\\`` continuations joined, split
    at ``&&``, ``||``, ``;`` and ``|``."""
    commands = []
    for line in body.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current: list[str] = []
        for word in [*lexer, "&&"]:
            if word in {"&&", ";", "|", "||"}:
                if current:
                    commands.append(current)
                current = []
            else:
                current.append(word)
    return commands


def check_parses(argv: list[str], block: Block) -> None:
    from corpus.cli import build_parser

    while argv and re.fullmatch(r"[A-Z_]+=\S*", argv[0]):  # VAR=value before a command
        argv = argv[1:]
    shown = f"{block.where}: `{shlex.join(argv)}`"
    program = argv[0]
    if program in {"corpus", ".venv/bin/corpus"}:
        try:
            build_parser().parse_args(argv[1:])
        except SystemExit as stop:
            assert stop.code == 0, f"{shown} does not parse"
    elif program == "make":
        stamps = [arg for stamp in STAMPS for arg in ("-o", stamp)]
        done = subprocess.run(
            ["make", "-C", str(ROOT), "--no-print-directory", "-n", *stamps, *argv[1:]],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{shown}: make -n says {done.stderr}"
        for words in commands_of(done.stdout):  # the corpus commands the target runs parse too
            if words[0].endswith("/corpus"):
                check_parses(["corpus", *words[1:]], block)
    elif program in {"python", ".venv/bin/python"} and argv[1:3] == ["-m", "spacy"]:
        done = subprocess.run(
            [sys.executable, "-m", "spacy", argv[3], "--help"], capture_output=True, text=True
        )
        assert done.returncode == 0, f"{shown}: spacy has no command {argv[3]!r}"
    else:
        assert program in SHELL_WORDS, f"{shown}: a no-test block may hold only checked commands"


@pytest.mark.parametrize("block", [b for b in ALL if b.no_test is not None], ids=lambda b: b.where)
def test_a_block_that_does_not_run_says_why_and_still_parses(block: Block) -> None:
    assert block.no_test is not None and block.no_test.strip(), f"{block.where}: no reason given"
    assert block.language in RUNNABLE, f"{block.where}: only runnable blocks can be no-test"
    if block.language == "python":
        compile(block.body, block.where, "exec")
        return
    body = "\n".join(line[2:] for line in block.body.splitlines() if line.startswith("$ "))
    commands = commands_of(body if block.language == "console" else block.body)
    assert commands, f"{block.where}: no command"
    for argv in commands:
        check_parses(argv, block)


def test_a_block_that_is_only_shown_holds_no_command() -> None:
    shown = [b for b in ALL if b.language not in RUNNABLE]
    assert shown  # outputs, the document format, file layouts
    for block in shown:
        assert not _COMMANDISH.search(block.body), (
            f"{block.where}: a command in a block that is never run; fence it as bash, "
            "console or python"
        )


def test_the_harness_finds_blocks_marks_and_checks(tmp_path: Path) -> None:
    """The reader and the checks on a made-up file, so a broken harness cannot pass."""
    sample = tmp_path / "sample.md"
    sample.write_text(
        "x\n<!-- no-test: starts a server -->\n```bash\nmake annotate PORT=1\n```\n\n"
        "```console\n$ corpus stats\nentities …\n```\n  ```python\n  print(1)\n  ```\n",
        encoding="utf-8",
    )
    found = blocks(sample)
    assert [(b.language, b.no_test, b.line) for b in found] == [
        ("bash", " starts a server ", 3),
        ("console", None, 7),
        ("python", None, 11),
    ]
    assert found[2].body == "print(1)\n"
    shown = checked_prints(
        "x = [1, 2]\nprint(x, len(x))  # -> [1, 2] 2  (a remark)\nprint(x)  # -> [1, …]\n"
    )
    exec(compile(shown, "sample", "exec"), {})
    with pytest.raises(AssertionError, match="the page shows"):
        exec(compile(checked_prints("print(3)  # -> 4\n"), "sample", "exec"), {})
    assert commands_of("a x && b # c\nd | e \\\n  f\n") == [["a", "x"], ["b"], ["d"], ["e", "f"]]
    assert _matches("entities … total", "entities PER 3 total  ")
    assert not _matches("entities … total", "relations 3 total")
    with pytest.raises(AssertionError, match="does not parse"):
        check_parses(["corpus", "stats", "--no-such-option"], found[0])
    with pytest.raises(AssertionError, match="only checked commands"):
        check_parses(["rm", "-rf", "x"], found[0])


# --------------------------------------------------------------------------- links between pages

_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    found = set()
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def broken_links(path: Path) -> list[str]:
    """The links of ``path`` to a file that does not exist or a heading it does not have."""
    broken = []
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    for match in _LINK.finditer(text):
        target = match["target"]
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        name, _, anchor = target.partition("#")
        linked = (path.parent / name).resolve() if name else path
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    return broken


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_between_pages_reaches_a_file_and_heading(path: Path) -> None:
    assert broken_links(path) == []


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n## `corpus add`, twice\n[a](#corpus-add-twice) [b](page.md#title) "
        "[c](#nowhere) [d](missing.md) [e](https://example.org/x)\n",
        encoding="utf-8",
    )
    assert anchors(page) == {"title", "corpus-add-twice"}
    assert broken_links(page) == ["#nowhere", "missing.md"]


# --------------------------------------------------------------------------- the command table


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def synopsis_problems(
    text: str, parser: argparse.ArgumentParser, *, complete: bool = True
) -> list[str]:
    """What the command tables of ``text`` get wrong: a command or option the parser does
    not have, or (``complete``) a command of the parser that no table lists."""
    problems, listed = [], set()
    for row in re.findall(r"^\| (.+?) \| .+ \| .+ \|$", text, flags=re.M):
        for synopsis in re.findall(r"`(corpus [^`]+)`", row):
            words = synopsis.replace("\\|", "|").split()[1:]
            listed.update(words[0].split("|"))
            commands: list[argparse.ArgumentParser] = [parser]
            path: list[str] = []
            for word in words:  # down the subcommands (`ls pull`, `export brat|conll`)
                choices = _subcommands(commands[0])
                if not choices or not re.fullmatch(r"[a-z][a-z|-]*", word):
                    break
                missing = [name for name in word.split("|") if name not in choices]
                problems += [f"no command {' '.join([*path, name])!r}" for name in missing]
                commands = [choices[name] for name in word.split("|") if name in choices]
                path.append(word)
                if not commands:
                    break
            for command in commands:
                options = {o for action in command._actions for o in action.option_strings}
                for option in re.findall(r"--[a-z][a-z-]*", synopsis):
                    if option not in options:
                        problems.append(f"{' '.join(path)} has no option {option}")
    if complete:
        problems += [f"{n} is not in the table" for n in _subcommands(parser) if n not in listed]
    return problems


def test_the_command_table_names_every_command_and_only_real_options() -> None:
    from corpus.cli import build_parser

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert synopsis_problems(text, build_parser()) == []
    ls_page = (ROOT / "docs" / "labelstudio.md").read_text(encoding="utf-8")
    assert synopsis_problems(ls_page, build_parser(), complete=False) == []
    wrong = (
        "| `corpus stats --colour` | x | y |\n| `corpus nope` | x | y |\n"
        "| `corpus ls pull --nah` | x | y |\n| `corpus export brat\\|docx` | x | y |\n"
    )
    problems = synopsis_problems(wrong, build_parser())
    assert "stats has no option --colour" in problems and "no command 'nope'" in problems
    assert "ls pull has no option --nah" in problems and "no command 'export docx'" in problems
    assert "validate is not in the table" in problems

"""The import contracts in ``pyproject.toml`` hold, and would catch a new cycle or an
upward import; our own modules are imported at module level, never inside functions."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "corpus"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the package under ``project/src`` with ``project``'s contracts."""
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(project / "pyproject.toml")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    shutil.copytree(PACKAGE, tmp_path / "src" / "corpus", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n{line}\n")


def test_the_package_keeps_its_contracts(project_copy: Path) -> None:
    done = lint_imports(project_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_new_cycle_breaks_the_contracts(project_copy: Path) -> None:
    # the cycle this package used to have: diff loading releases, release diffing
    _append(project_copy / "src" / "corpus" / "diff.py", "from corpus import release  # noqa")
    done = lint_imports(project_copy)
    assert done.returncode != 0
    assert "no import cycles between the modules and packages of corpus BROKEN" in done.stdout
    assert "corpus.diff" in done.stdout and "corpus.release" in done.stdout


def test_a_cycle_inside_a_subpackage_breaks_the_contracts(project_copy: Path) -> None:
    _append(project_copy / "src" / "corpus" / "hf" / "features.py", "import corpus.hf.card  # noqa")
    done = lint_imports(project_copy)
    assert done.returncode != 0
    assert "no import cycles between the modules and packages of corpus BROKEN" in done.stdout


def test_an_upward_import_breaks_the_layers(project_copy: Path) -> None:
    # tagging is below formats/conll and hf: it may not use the Hugging Face package
    _append(project_copy / "src" / "corpus" / "tagging.py", "import corpus.hf  # noqa")
    done = lint_imports(project_copy)
    assert done.returncode != 0
    assert "layers: model and errors at the bottom, cli at the top BROKEN" in done.stdout
    assert "corpus.tagging -> corpus.hf" in done.stdout


def _function_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "corpus" or n.startswith("corpus.") for n in names):
                found.append(f"{path}:{node.lineno}: {', '.join(names)}")
    return found


def test_our_modules_are_imported_at_module_level() -> None:
    """Lazy imports are for heavy third-party libraries (datasets, spaCy, jsonschema, the
    Label Studio SDK), never for our own modules: those would hide cycles from the checker
    until the function runs."""
    found = [
        item for path in sorted(PACKAGE.rglob("*.py")) for item in _function_level_imports(path)
    ]
    assert found == []


def test_the_function_level_check_can_fail(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from corpus import release\n", encoding="utf-8")
    assert _function_level_imports(module) == [f"{module}:2: corpus"]

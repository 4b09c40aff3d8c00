"""The build fingerprint covers the code the build imports, found from its imports: a
change to any module the build imports (a new one included) makes the folder stale; a
change to a module it does not import does not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from corpus.hf import code_files, code_modules

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "corpus"


def test_the_build_imports_are_followed_not_listed() -> None:
    modules = code_modules()
    for name in ("corpus.hf.folder", "corpus.hf.card", "corpus.tagging", "corpus.tokenize"):
        assert name in modules
    assert "corpus.release" in modules and "corpus.validate" in modules  # transitively
    assert "corpus.lsserver" not in modules and "corpus.cli.ls" not in modules
    files = code_files()
    assert SOURCE / "hf" / "card_template.md" in files
    assert all(path.is_file() for path in files)


def _fingerprint(src: Path) -> str:
    program = "from corpus.hf import fingerprint; print(fingerprint([], 'working'))"
    env = {**os.environ, "PYTHONPATH": str(src), "CORPUS_ROOT": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_change_to_an_imported_module_changes_the_fingerprint(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SOURCE, src / "corpus", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "schema", tmp_path / "schema")  # where a checkout keeps it
    copy = src / "corpus"
    first = _fingerprint(src)
    assert first == _fingerprint(src)  # deterministic

    # a module the build imports
    with (copy / "tagging.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a change\n")
    second = _fingerprint(src)
    assert second != first

    # a module the build does not import
    with (copy / "lsserver.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a change\n")
    assert _fingerprint(src) == second

    # a new module, imported by one the build imports, is covered as soon as it exists
    (copy / "newpart.py").write_text('"""New."""\n\nVALUE = 1\n', encoding="utf-8")
    with (copy / "tagging.py").open("a", encoding="utf-8") as handle:
        handle.write("from corpus import newpart  # noqa\n")
    third = _fingerprint(src)
    (copy / "newpart.py").write_text('"""New."""\n\nVALUE = 2\n', encoding="utf-8")
    assert _fingerprint(src) != third

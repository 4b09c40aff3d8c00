"""Strip outputs and execution counts from notebooks before committing them.

Usage: ``.venv/bin/python notebooks/strip_outputs.py notebooks/*.ipynb``.
``tests/teach/test_notebooks.py`` fails when a committed notebook has outputs.
"""

from __future__ import annotations

import sys

import nbformat


def strip(path: str) -> bool:
    """Strip one notebook in place; True if it changed."""
    notebook = nbformat.read(path, as_version=4)
    changed = False
    for cell in notebook.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs = []
            cell.execution_count = None
            changed = True
    if changed:
        nbformat.write(notebook, path)
    return changed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{'stripped' if strip(name) else 'clean   '} {name}")

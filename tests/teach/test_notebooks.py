"""The teaching notebooks: executed offline, stored without outputs, their data reproducible."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.teach.teach_helpers import ROOT

NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_explore.ipynb", "02_train_evaluate.ipynb", "03_annotate.ipynb"]
#: the three together must run in under two minutes; each gets a share with some slack
TIMEOUT_PER_CELL = 120


def test_all_notebooks_are_listed() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{name}: strip outputs before committing (see docs/teaching.md)"
            )


@pytest.mark.parametrize("name", NAMES)
def test_notebook_starts_with_goals_and_ends_with_exercises(name: str) -> None:
    cells = nbformat.read(NOTEBOOKS / name, as_version=4).cells
    assert cells[0].cell_type == "markdown" and "What you will learn" in cells[0].source
    assert cells[-1].cell_type == "markdown" and "## Exercises" in cells[-1].source


def test_notebooks_execute_offline_in_under_two_minutes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the kernels get a temporary folder of their own: a run must leave nothing in it
    kernel_tmp = tmp_path / "kernel-tmp"
    kernel_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(kernel_tmp))
    started = time.perf_counter()
    for name in NAMES:
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=TIMEOUT_PER_CELL,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        client.execute()  # raises CellExecutionError on the first failing cell
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                assert output.get("output_type") != "error", (name, output.get("evalue"))
                assert "Traceback" not in output.get("text", ""), (name, output.get("text"))
        nbformat.write(notebook, tmp_path / name)  # executed copies, for a look by hand
    assert time.perf_counter() - started < 120
    assert sorted(p.name for p in kernel_tmp.iterdir()) == []  # scratch files go to build/


def test_shipped_label_studio_export_is_reproducible() -> None:
    script = NOTEBOOKS / "data" / "make_label_studio_export.py"
    spec = importlib.util.spec_from_file_location("make_label_studio_export", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = (NOTEBOOKS / "data" / "label_studio_two_annotators.json").read_text("utf-8")
    assert module.render() == shipped


def test_relation_graph_labels_do_not_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notebook 01's two relation graphs, drawn as the notebook draws them: no two node
    labels overlap on the rendered figure (they used to pile up on each other)."""
    import itertools

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Annotation

    notebook = nbformat.read(NOTEBOOKS / "01_explore.ipynb", as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    last = max(i for i, source in enumerate(code) if "entity_graph = nx.DiGraph()" in source)
    figures: list[tuple[str, list[tuple[str, Any]]]] = []

    def capture() -> None:
        figure = plt.gcf()
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
        (ax,) = figure.axes
        labels = [
            (text.get_text(), text.get_bbox_patch().get_window_extent(renderer))
            for text in ax.texts
            if isinstance(text, Annotation)
        ]
        figures.append((ax.get_title(), labels))
        plt.close(figure)

    monkeypatch.chdir(NOTEBOOKS)
    monkeypatch.setattr(plt, "show", capture)
    namespace: dict[str, Any] = {}
    for source in code[: last + 1]:
        exec(compile(source, "01_explore.ipynb", "exec"), namespace)
    graphs = [f for f in figures if f[1]]  # the figures with node labels
    assert len(graphs) == 2
    for title, labels in graphs:
        assert len(labels) > 10, title
        for (a, box_a), (b, box_b) in itertools.combinations(labels, 2):
            assert not box_a.overlaps(box_b), (title, a, b)

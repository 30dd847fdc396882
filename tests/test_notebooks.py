"""Every lesson (and every app in apps/) runs top to bottom in a fresh kernel, in fast mode, and is committed stripped."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import NOTEBOOK_SECONDS

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
APP_DIR = Path(__file__).resolve().parent.parent / "apps"
LESSONS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NOTEBOOKS = LESSONS + sorted(APP_DIR.glob("*.ipynb"))
"""The lessons, then the apps `make demo` serves (not lessons, but they must run just the same)."""
CELL_TIMEOUT_S = 900


def _test_id(path: Path) -> str:
    return f"apps/{path.stem}" if path.parent == APP_DIR else path.stem


def test_there_are_lessons():
    assert LESSONS, f"no notebooks found in {NOTEBOOK_DIR}"


def _failing_cell(nb) -> tuple[int, str]:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, cell.source
    return -1, ""


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_test_id)
def test_notebook_runs_in_fast_mode(path, monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        index, source = _failing_cell(nb)
        pytest.fail(
            f"{path.name}: cell {index} failed.\n--- cell source ---\n{source}\n"
            f"--- error ---\n{exc}",
            pytrace=False,
        )
    finally:
        NOTEBOOK_SECONDS[path.name] = time.perf_counter() - start


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_test_id)
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.name} has outputs or execution counts in cells {dirty}: "
        f"run `.venv/bin/nbstripout {path}` (make setup installs it as a git filter)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_test_id)
def test_notebook_opens_with_a_title_and_the_python3_kernel(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", path.name
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), (
        f"{path.name} must open with a markdown title cell"
    )

"""Every lesson (and every app in apps/) runs top to bottom in a fresh kernel, and is committed stripped.

Two runs, each once per session:

* smoke mode (``COURSE_FAST=smoke``, part of ``make test``): the tiniest sizes; proves that every cell runs.
* fast mode (``COURSE_FAST=1``, marked ``notebook``, so only ``make test-all``): sizes whose numbers mean
  something. It executes every cell, the hidden solution cells included (each right after its exercise's stub),
  and keeps what each code cell printed in ``EXECUTED``: tests/test_solutions.py reads the self-checks' verdicts
  from there instead of running every lesson a second time.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOK_SECONDS
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from course_lib import lesson_times

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
APP_DIR = Path(__file__).resolve().parent.parent / "apps"
LESSONS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NOTEBOOKS = LESSONS + sorted(APP_DIR.glob("*.ipynb"))
"""The lessons, then the apps `make demo` serves (not lessons, but they must run just the same)."""
CELL_TIMEOUT_S = 900
"""nbclient's limit for one cell: past it the kernel is interrupted and the cell fails."""
NOTEBOOK_TIMEOUT_S = 1800
"""pytest-timeout's limit for a test that executes a whole notebook (the suite's default is shorter)."""
README = Path(__file__).resolve().parent.parent / "README.md"


@dataclass
class ExecutedCell:
    """What one code cell of an executed lesson was and printed: its index, source, tags and text output."""

    index: int
    source: str
    tags: list[str]
    text: str


@dataclass
class Execution:
    """A lesson run in fast mode: its code cells with their text output, or the error that stopped it."""

    cells: list[ExecutedCell]
    error: str | None = None


EXECUTED: dict[str, Execution] = {}
"""Each notebook run by :func:`execute_in_fast_mode` in this session, by file name."""

SMOKE_EXECUTED: dict[str, Execution] = {}
"""Each notebook run by :func:`execute_in_smoke_mode` in this session, by file name."""

MODES = {"fast": ("1", EXECUTED), "smoke": ("smoke", SMOKE_EXECUTED)}
"""Each mode's ``COURSE_FAST`` value and the runs kept for it."""


def _text_of(cell) -> str:
    """Return everything a code cell printed or displayed as plain text."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
        elif output.get("output_type") == "error":
            parts.append("\n".join(output.get("traceback", [])))
    return "".join(parts)


def execute_in_fast_mode(path: Path) -> Execution:
    """Run ``path`` top to bottom in a fresh kernel with ``COURSE_FAST=1``, once per session; return what it printed."""
    return execute(path, "fast")


def execute_in_smoke_mode(path: Path) -> Execution:
    """Run ``path`` in a fresh kernel with ``COURSE_FAST=smoke``, once per session; return what it printed."""
    return execute(path, "smoke")


def execute(path: Path, mode: str) -> Execution:
    """Run ``path`` top to bottom in a fresh kernel in ``mode`` ("fast" or "smoke"), once per session."""
    flag, runs = MODES[mode]
    if path.name in runs:
        return runs[path.name]
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    saved = {key: os.environ.get(key) for key in ("COURSE_FAST", "TF_CPP_MIN_LOG_LEVEL")}
    os.environ.update(COURSE_FAST=flag, TF_CPP_MIN_LOG_LEVEL="2")     # the kernel inherits them
    error = None
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        index, source = _failing_cell(nb)
        error = f"{path.name}: cell {index} failed.\n--- cell source ---\n{source}\n--- error ---\n{exc}"
    finally:
        NOTEBOOK_SECONDS[f"{path.name} ({mode})"] = time.perf_counter() - start
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    cells = [ExecutedCell(i, c.source, list(c.metadata.get("tags", [])), _text_of(c))
             for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    runs[path.name] = Execution(cells, error)
    return runs[path.name]


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


@pytest.mark.timeout(NOTEBOOK_TIMEOUT_S)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_test_id)
def test_notebook_runs_in_smoke_mode(path):
    run = execute_in_smoke_mode(path)
    if run.error:
        pytest.fail(f"in smoke mode (COURSE_FAST=smoke): {run.error}", pytrace=False)


@pytest.mark.notebook
@pytest.mark.timeout(NOTEBOOK_TIMEOUT_S)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_test_id)
def test_notebook_runs_in_fast_mode(path):
    run = execute_in_fast_mode(path)
    if run.error:
        pytest.fail(run.error, pytrace=False)


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


def _readme_minutes() -> dict[str, int]:
    """Return the minutes column of the README's course map, by lesson."""
    section = README.read_text(encoding="utf-8").split("## The course map", 1)[1].split("\n## ", 1)[0]
    return {lesson: 0 if minutes == "<1" else int(minutes) for lesson, minutes in
            re.findall(r"^\|\s*`([^`]+)`[^\n]*\|\s*(\d+|<1)\s*\|\s*$", section, flags=re.MULTILINE)}


@pytest.mark.parametrize("path", LESSONS, ids=_test_id)
def test_lesson_minutes_agree_with_the_readme_map(path):
    stated = lesson_times.header_minutes(path)          # 0: "under a minute"
    assert stated is not None, (f"{path.name} must say how long it runs in its title cell: "
                                "**Running time:** about N minutes in full mode")
    minutes = _readme_minutes()
    assert path.stem in minutes, f"the README's course map has no minutes for {path.stem}"
    assert stated == minutes[path.stem], (
        f"{path.name} says {stated or 'under 1'} minutes, the README's course map {minutes[path.stem] or '<1'}: "
        "make them agree")

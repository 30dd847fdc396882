"""The two editions of a lesson: the instructor's (as committed) and the student's (without solutions).

A solution is a code cell tagged ``solution`` (hidden in JupyterLab), right after
the exercise or review question it answers. ``make course EDITION=student``
(``scripts/build_course.py``) writes :func:`student_edition` of every lesson.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise NotImplementedError"),
...                                      nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]})])
>>> [is_solution(c) for c in nb.cells], len(student_edition(nb).cells), len(nb.cells)
([False, True], 1, 2)
"""

from __future__ import annotations

import copy

__all__ = ["EDITIONS", "SOLUTION_TAG", "is_solution", "student_edition"]

EDITIONS = ("instructor", "student")
"""``instructor``: the lessons as committed, solutions included; ``student``: without the solution cells."""

SOLUTION_TAG = "solution"
"""The cell tag that marks a solution."""


def is_solution(cell) -> bool:
    """Return True for a cell tagged ``solution`` (a hidden code cell holding an exercise's answer)."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def student_edition(nb):
    """Return a copy of notebook ``nb`` without its solution cells and without outputs."""
    student = copy.deepcopy(nb)
    student.cells = [cell for cell in student.cells if not is_solution(cell)]
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student

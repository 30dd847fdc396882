"""One way to hide a solution, and every solution passes its self-check.

Every exercise — a stub that raises ``NotImplementedError``, or a review question's
``quiz.check(…, None)`` — is followed by its solution: a code cell tagged
``solution`` and hidden (``"jupyter": {"source_hidden": true}``). No ``<details>``
blocks, no untagged hidden cells.

The lessons run once per session, in fast mode, in tests/test_notebooks.py: the
stub first (its check prints "…", not done yet), then the solution. This file
reads what that run printed (``test_notebooks.execute_in_fast_mode`` runs the
lesson here only when that test did not) and asserts that each solution's check
printed ✓ and that no check anywhere printed ✗.

``make course EDITION=student`` drops the solution cells; the last tests check
that nothing after a solution needs it, and that the build leaves them out.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_notebooks import LESSONS, execute_in_fast_mode

from course_lib import editions

ROOT = Path(__file__).resolve().parent.parent

CHECK_CALL = re.compile(r"\b(?:quiz\.check|checks\.check_\w+)\(")
QUIZ_STUB = re.compile(r"""quiz\.check\(\s*["'](\w+)["']\s*,\s*(\d+)\s*,\s*None\b""")
QUIZ_CALL = re.compile(r"""quiz\.check\(\s*["'](\w+)["']\s*,\s*(\d+)\s*,""")
EXERCISE_CHECK = re.compile(r"\bchecks\.(check_\w+)\(")


def _id(path: Path) -> str:
    return path.stem


def _is_hidden(cell) -> bool:
    return bool(cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"))


def _is_solution(cell) -> bool:
    return editions.is_solution(cell)


def _exercises(nb) -> list[tuple[int, str]]:
    """Return (cell index, what it checks) for each exercise stub: an exercise's check name or "quiz L n"."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or _is_solution(cell):
            continue
        if "raise NotImplementedError" in cell.source:
            checked = EXERCISE_CHECK.findall(cell.source)
            found.append((i, checked[0] if checked else ""))
        for lesson, number in QUIZ_STUB.findall(cell.source):
            found.append((i, f"quiz {lesson} {number}"))
    return found


def _what_it_checks(cell) -> set[str]:
    quizzes = {f"quiz {lesson} {n}" for lesson, n in QUIZ_CALL.findall(cell.source)}
    return set(EXERCISE_CHECK.findall(cell.source)) | quizzes


# --- the tagging rules (no kernel needed) ---------------------------------------------------------

@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_solutions_are_hidden_code_cells_tagged_solution(path):
    nb = nbformat.read(path, as_version=4)
    details = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "<details" in c.source.lower()]
    assert not details, f"{path.name}: cells {details} hide a solution in <details>; make it a code cell tagged " \
                        "'solution' with metadata jupyter.source_hidden = true"
    for i, cell in enumerate(nb.cells):
        if _is_solution(cell):
            assert cell.cell_type == "code", f"{path.name}: cell {i} is tagged 'solution' but is {cell.cell_type}"
            assert _is_hidden(cell), f"{path.name}: solution cell {i} is not hidden (jupyter.source_hidden)"
            assert CHECK_CALL.search(cell.source), (
                f"{path.name}: solution cell {i} runs no self-check (checks.check_… or quiz.check), so nothing "
                f"would show whether it is right:\n{cell.source}")
        elif _is_hidden(cell):
            pytest.fail(f"{path.name}: cell {i} is hidden but not tagged 'solution'; tag it, or show it")


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_every_exercise_is_followed_by_its_solution(path):
    nb = nbformat.read(path, as_version=4)
    for i, checked in _exercises(nb):
        following = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        assert following is not None and _is_solution(following), (
            f"{path.name}: the exercise in cell {i} ({checked or 'no self-check'}) is not followed by a solution "
            "cell (a hidden code cell tagged 'solution')")
        assert checked and checked in _what_it_checks(following), (
            f"{path.name}: the solution in cell {i + 1} does not run the check of the exercise in cell {i} "
            f"({checked or 'the stub calls no checks.check_… function'})")
    stubs = {i for i, _ in _exercises(nb)}
    orphans = [i for i, c in enumerate(nb.cells) if _is_solution(c) and i - 1 not in stubs]
    assert not orphans, f"{path.name}: solution cells {orphans} do not follow an exercise stub"


_OWN_SCOPE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp,
              ast.DictComp, ast.GeneratorExp)


def _top_level_bindings(node) -> set[str]:
    """Return the names a statement binds in the notebook's namespace (not inside functions or comprehensions)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, _OWN_SCOPE):
        return set()
    found = {node.id} if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) else set()
    for child in ast.iter_child_nodes(node):
        found |= _top_level_bindings(child)
    return found


def _names(source: str) -> tuple[set[str], set[str]]:
    """Return (names a cell binds at top level, names it reads and does not bind itself anywhere)."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    tree = ast.parse(code)
    bound = set().union(*(_top_level_bindings(stmt) for stmt in tree.body))
    own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    own |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)} | bound
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return bound, read - own


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_the_student_edition_needs_nothing_from_a_solution(path):
    """A name that only a solution cell defines must not be read by a later cell: the student edition lacks it."""
    nb = nbformat.read(path, as_version=4)
    defined_elsewhere: set[str] = set()
    only_in_solutions: dict[str, int] = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        bound, read = _names(cell.source)
        if _is_solution(cell):
            only_in_solutions.update({name: i for name in bound - defined_elsewhere})
            continue
        needed = sorted(name for name in read if name in only_in_solutions and name not in defined_elsewhere)
        assert not needed, (f"{path.name}: cell {i} reads {needed}, which only the solution in cell "
                            f"{only_in_solutions[needed[0]]} defines; the student edition has no solutions")
        defined_elsewhere |= bound


def test_student_edition_drops_only_the_solutions():
    path = next(p for p in LESSONS if p.stem.startswith("01_"))
    nb = nbformat.read(path, as_version=4)
    student = editions.student_edition(nb)
    solutions = [c for c in nb.cells if _is_solution(c)]
    assert solutions, f"{path.name} should have solution cells"
    assert len(student.cells) == len(nb.cells) - len(solutions)
    assert not any(_is_solution(c) for c in student.cells)
    assert [c.source for c in student.cells] == [c.source for c in nb.cells if not _is_solution(c)]
    assert len(nbformat.read(path, as_version=4).cells) == len(nb.cells), "student_edition changed its input"


def test_make_course_student_edition_leaves_the_solutions_out(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    solution = nbformat.v4.new_code_cell("print('the answer is 42')")
    solution.metadata = {"jupyter": {"source_hidden": True}, "tags": ["solution"]}
    nb.cells = [nbformat.v4.new_markdown_cell("# A lesson"), nbformat.v4.new_code_cell("print('the exercise')"),
                solution]
    lesson = tmp_path / "lesson.ipynb"
    nbformat.write(nb, lesson)
    out = tmp_path / "student"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_course.py"), str(lesson), "--edition",
                             "student", "--out", str(out)],
                            cwd=ROOT, env=dict(os.environ, COURSE_FAST="1"), capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (out / "lesson.html").read_text(encoding="utf-8")
    assert "the exercise" in html and "the answer is 42" not in html
    written = nbformat.read(out / "lesson.ipynb", as_version=4)
    assert [c.source for c in written.cells] == ["# A lesson", "print('the exercise')"]
    assert not written.cells[1].outputs, "the student's notebook is written without outputs"


# --- every solution passes its check (the fast-mode run of tests/test_notebooks.py) --------------

@pytest.mark.notebook
@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_every_self_check_passes_with_the_solutions(path):
    run = execute_in_fast_mode(path)
    if run.error:
        pytest.fail(f"the lesson did not run to the end, so its solutions were not all checked:\n{run.error}",
                    pytrace=False)
    crosses = [(cell.index, line) for cell in run.cells for line in cell.text.splitlines()
               if line.lstrip().startswith("✗")]
    assert not crosses, f"{path.name}: a self-check failed: " + "; ".join(f"cell {i}: {line}" for i, line in crosses)
    for cell in run.cells:
        if "solution" not in cell.tags:
            continue
        calls = len(CHECK_CALL.findall(cell.source))
        ticks = sum(line.lstrip().startswith("✓") for line in cell.text.splitlines())
        assert ticks >= calls, (f"{path.name}: the solution in cell {cell.index} runs {calls} self-check(s) but "
                                f"printed {ticks} ✓:\n{cell.text or '(nothing)'}")


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_every_lesson_has_a_coding_exercise_with_a_self_check_and_a_solution(path):
    nb = nbformat.read(path, as_version=4)
    coding = [(i, check) for i, check in _exercises(nb) if check.startswith("check_")]
    assert coding, (f"{path.name} has no coding exercise: a stub that raises NotImplementedError and calls "
                    "checks.check_…, followed by a hidden solution cell tagged 'solution'")
    for i, check in coding:
        following = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        assert following is not None and _is_solution(following) and check in _what_it_checks(following), (
            f"{path.name}: the exercise in cell {i} ({check}) is not followed by its solution calling {check}")

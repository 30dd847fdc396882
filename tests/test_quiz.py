"""course_lib.quiz: every lesson ends with its review questions, and the checkable ones check what they claim."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_lib import quiz
from course_lib.checks import CheckResult

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
LESSON_ID = re.compile(r"^(\d\d[a-z]?)_")
QUIZ_CALL = re.compile(r"""quiz\.check\(\s*["'](\w+)["']\s*,\s*(\d+)\s*,\s*(None\b)?""")


def _lesson_id(path: Path) -> str:
    return LESSON_ID.match(path.name).group(1)


def _lessons_that_need_questions() -> list[Path]:
    """Lessons 00 to 08, 00b and 04b included (not 09 and later: errata, references and projects)."""
    return [p for p in sorted(NOTEBOOK_DIR.glob("*.ipynb"))
            if LESSON_ID.match(p.name) and _lesson_id(p)[:2] <= "08"]


NEEDED = _lessons_that_need_questions()
WITH_QUESTIONS = [p for p in sorted(NOTEBOOK_DIR.glob("*.ipynb")) if LESSON_ID.match(p.name)
                  and _lesson_id(p) in quiz.QUESTIONS]


def _ids(path: Path) -> str:
    return path.stem


def test_the_lessons_are_found():
    assert len(NEEDED) >= 9, [p.name for p in NEEDED]


@pytest.mark.parametrize("path", NEEDED, ids=_ids)
def test_every_lesson_has_six_to_ten_review_questions(path):
    lesson = _lesson_id(path)
    assert lesson in quiz.QUESTIONS, (f"{path.name} has no review questions: add QUESTIONS[{lesson!r}] to "
                                      "course_lib/quiz.py and paste quiz.markdown() into the lesson")
    found = quiz.questions(lesson)
    assert 6 <= len(found) <= 10, f"lesson {lesson} has {len(found)} review questions, not 6 to 10"
    assert [q.number for q in found] == list(range(1, len(found) + 1))
    assert all(q.lesson == lesson for q in found)
    assert len({q.text for q in found}) == len(found), f"lesson {lesson} asks a question twice"
    assert any(q.checkable for q in found), f"lesson {lesson}: no question has a checkable answer"


@pytest.mark.parametrize("path", WITH_QUESTIONS, ids=_ids)
def test_the_lesson_ends_with_its_questions_word_for_word(path):
    lesson = _lesson_id(path)
    nb = nbformat.read(path, as_version=4)
    review = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
              and c.source.lstrip().startswith("## Review questions")]
    assert len(review) == 1, f"{path.name} should have one '## Review questions' cell, found {len(review)}"
    i = review[0]
    assert nb.cells[i].source == quiz.markdown(lesson), (
        f"{path.name}: the review cell differs from quiz.markdown({lesson!r}); paste it again (course_lib/quiz.py "
        "holds the questions)")
    headings = [j for j, c in enumerate(nb.cells) if c.cell_type == "markdown" and re.search(r"^##? ", c.source, re.MULTILINE)]
    assert headings[-1] == i, f"{path.name}: the review questions must come after every section, the summary included"
    after = nb.cells[i + 1:]
    assert all(c.cell_type == "code" for c in after[:-1]), f"{path.name}: only their checks follow the questions"
    assert after and after[-1].cell_type == "markdown" and "**Next:**" in after[-1].source, (
        f"{path.name}: the lesson ends with a pointer to the next one (**Next:** …) after its questions")


@pytest.mark.parametrize("path", WITH_QUESTIONS, ids=_ids)
def test_every_checkable_question_has_a_stub_and_a_solution(path):
    lesson = _lesson_id(path)
    nb = nbformat.read(path, as_version=4)
    stubs, answered = set(), set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for called, number, none in QUIZ_CALL.findall(cell.source):
            assert called == lesson, f"{path.name} checks a question of lesson {called}"
            q = quiz.question(called, int(number))            # raises on a question that does not exist
            assert q.checkable, f"{path.name} checks question {number}, which has no single answer"
            is_solution = "solution" in cell.metadata.get("tags", [])
            assert bool(none) != is_solution, (
                f"{path.name}: quiz.check({lesson!r}, {number}, …) — the stub passes None, the solution an answer")
            (answered if is_solution else stubs).add(int(number))
    checkable = {q.number for q in quiz.questions(lesson) if q.checkable}
    assert stubs == checkable, f"{path.name}: stubs for {sorted(stubs)}, checkable questions {sorted(checkable)}"
    assert answered == checkable, f"{path.name}: solutions for {sorted(answered)}, checkable {sorted(checkable)}"


def test_markdown_marks_the_checkable_questions():
    text = quiz.markdown("04")
    assert text.startswith("## Review questions\n")
    for q in quiz.questions("04"):
        line = next(line for line in text.splitlines() if line.startswith(f"{q.number}. "))
        assert ("*(checked below)*" in line) == q.checkable


# --- the checks themselves ------------------------------------------------------------------------

def _observed_for(q: quiz.Question) -> dict:
    """Measured values that make a run-dependent question's answer the one its solution cell gives."""
    examples = {"truth": np.pad(np.ones((4, 10), bool), ((0, 6), (0, 0))),
                "before": np.ones(3), "after": np.ones(3), "output": np.zeros((1, 43, 43, 2)),
                "height": 128, "kernel": 7, "stride": 3, "generated": 0.9, "scenes": 0.3,
                "medians": {"easy": 0.9, "medium": 0.7, "hard": 0.4}, "work_size": 80, "trained_size": 128}
    if getattr(q.answer, "options", ()) == ("up", "down"):                   # a measured number, before and after the change
        examples.update(before=0.4, after=0.3)
    return {k: examples[k] for k in q.needs}


CHECKABLE = [q for lesson in quiz.LESSONS for q in quiz.questions(lesson) if q.checkable]


@pytest.mark.parametrize("q", CHECKABLE, ids=lambda q: f"{q.lesson}-Q{q.number}")
def test_the_reference_answer_passes_and_a_wrong_one_fails(q):
    observed = _observed_for(q)
    right = q.answer.expected(observed)
    verdict = quiz.check(q.lesson, q.number, right, verbose=False, **observed)
    assert isinstance(verdict, CheckResult) and verdict.passed, verdict.message
    assert str(verdict).startswith("✓")
    if isinstance(q.answer, quiz.Choice):
        wrong = next(o for o in q.answer.options if o != right)
    elif isinstance(q.answer, quiz.Number):
        wrong = float(right) + 10 * q.answer.tolerance * (abs(float(right)) if q.answer.relative else 1) + 1
    else:
        wrong = tuple(np.asarray(right).ravel() + 1)
    verdict = quiz.check(q.lesson, q.number, wrong, verbose=False, **observed)
    assert not verdict.passed and verdict.status == "failed" and str(verdict).startswith("✗"), verdict.message
    assert "the answer is" in verdict.message


@pytest.mark.parametrize("q", [q for q in CHECKABLE if getattr(q.answer, "mistakes", ())],
                         ids=lambda q: f"{q.lesson}-Q{q.number}")
def test_each_likely_mistake_gets_its_hint(q):
    observed = _observed_for(q)
    right = q.answer.expected(observed)
    for value, hint in q.answer.likely_mistakes(observed):
        assert not np.array_equal(np.asarray(value, dtype=float), np.asarray(right, dtype=float)), (
            f"lesson {q.lesson} Q{q.number}: the mistake {hint!r} gives the right answer")
        verdict = quiz.check(q.lesson, q.number, value, verbose=False, **observed)
        assert not verdict.passed and hint in verdict.message, verdict.message


@pytest.mark.parametrize("q", [q for q in CHECKABLE if isinstance(q.answer, quiz.Choice)],
                         ids=lambda q: f"{q.lesson}-Q{q.number}")
def test_a_choice_outside_the_options_is_named(q):
    verdict = quiz.check(q.lesson, q.number, "banana", verbose=False, **_observed_for(q))
    assert not verdict.passed and "answer one of" in verdict.message


def test_run_dependent_answers_follow_what_the_run_measured():
    lower, higher = {"before": 0.4, "after": 0.3}, {"before": 0.3, "after": 0.4}
    assert quiz.check("05", 5, "down", verbose=False, **lower)
    assert not quiz.check("05", 5, "down", verbose=False, **higher)
    assert quiz.check("01", 4, "yes", verbose=False, before=np.zeros(4), after=np.ones(4))
    assert quiz.check("00", 4, 0.25, verbose=False, truth=np.array([[True, False], [False, False]]))
    assert quiz.check("04", 6, (1, 32, 48, 2), verbose=False, output=np.zeros((1, 32, 48, 2)))


def test_not_answered_missing_measurements_and_bad_input_are_verdicts_not_errors(capsys):
    assert quiz.check("03", 1, None).status == "not done"
    assert "not answered yet" in capsys.readouterr().out
    needs = quiz.check("05", 5, "down", verbose=False)
    assert needs.status == "failed" and "before=…, after=…" in needs.message
    assert "not one number" in quiz.check("03", 1, "a lot", verbose=False).message
    assert quiz.check("04", 8, [224, 2], verbose=False)          # a list is as good as a tuple
    assert quiz.check("05", 6, False, verbose=False)             # True/False for a yes/no question
    assert quiz.check("01", 3, "  OPENING ", verbose=False)      # case and spaces do not matter


def test_unknown_lessons_and_questions_raise():
    with pytest.raises(ValueError, match="lessons with questions"):
        quiz.questions("99")
    with pytest.raises(ValueError, match="questions 1 to"):
        quiz.check("00", 42, 1)
    open_question = next(q for q in quiz.questions("00") if not q.checkable)
    assert quiz.check("00", open_question.number, "my words", verbose=False).status == "not done"

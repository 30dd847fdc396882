"""course_lib.quiz: every lesson ends with its review questions, and the checkable ones check what they claim.

The questions' words are in ``data/quiz/<lesson>.toml``, the checkers in ``course_lib/quiz.py``; a lesson shows
its questions with ``quiz.show``. These tests keep the three in step, and keep any question from being written
twice.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_lib import quiz
from course_lib.checks import CheckResult

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
LESSON_ID = re.compile(r"^(\d\d[a-z]?)_")
QUIZ_CALL = re.compile(r"""quiz\.check\(\s*["'](\w+)["']\s*,\s*(\d+)\s*,\s*(None\b)?""")
SHOW_CALL = re.compile(r"""^(?:from course_lib import quiz\n\n)?quiz\.show\(["'](\w+)["']\)$""")


def _lesson_id(path: Path) -> str:
    return LESSON_ID.match(path.name).group(1)


LESSON_PATHS = [p for p in sorted(NOTEBOOK_DIR.glob("*.ipynb")) if LESSON_ID.match(p.name)]


def _ids(path: Path) -> str:
    return path.stem


def _plain(text: str) -> str:
    return " ".join(text.split())


def test_the_lessons_are_found():
    found = {_lesson_id(p) for p in LESSON_PATHS}
    assert {"00", "00b", "04b", "09", "10"} | {f"{n:02d}" for n in range(1, 11)} <= found, sorted(found)
    assert set(quiz.LESSONS) == found, "data/quiz/ should have one question file per lesson, and no other"


@pytest.mark.parametrize("path", LESSON_PATHS, ids=_ids)
def test_every_lesson_has_six_to_ten_review_questions(path):
    lesson = _lesson_id(path)
    assert lesson in quiz.LESSONS, f"{path.name} has no review questions: write data/quiz/{lesson}.toml"
    found = quiz.questions(lesson)
    assert len(found) >= 5, f"lesson {lesson} has {len(found)} review questions; every lesson needs at least 5"
    assert 6 <= len(found) <= 10, f"lesson {lesson} has {len(found)} review questions, not 6 to 10"
    assert [q.number for q in found] == list(range(1, len(found) + 1)), f"lesson {lesson}: numbering has a gap"
    assert all(q.lesson == lesson for q in found)
    assert len({q.text for q in found}) == len(found), f"lesson {lesson} asks a question twice"
    assert any(q.checkable for q in found), f"lesson {lesson}: no question has a checkable answer"


@pytest.mark.parametrize("path", LESSON_PATHS, ids=_ids)
def test_the_lesson_ends_by_showing_its_questions(path):
    lesson = _lesson_id(path)
    nb = nbformat.read(path, as_version=4)
    review = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
              and c.source.lstrip().startswith(quiz.HEADING)]
    assert len(review) == 1, f"{path.name} should have one '{quiz.HEADING}' cell, found {len(review)}"
    i = review[0]
    assert nb.cells[i].source == quiz.HEADING, (
        f"{path.name}: the review cell is the heading alone; the questions are in data/quiz/{lesson}.toml")
    shown = SHOW_CALL.match(nb.cells[i + 1].source) if nb.cells[i + 1].cell_type == "code" else None
    assert shown and shown.group(1) == lesson, (
        f"{path.name}: the cell under '{quiz.HEADING}' should be quiz.show({lesson!r}), not\n{nb.cells[i + 1].source}")
    headings = [j for j, c in enumerate(nb.cells)
                if c.cell_type == "markdown" and re.search(r"^##? ", c.source, re.MULTILINE)]
    assert headings[-1] == i, f"{path.name}: the review questions must come after every section, the summary included"
    after = nb.cells[i + 1:]
    assert all(c.cell_type == "code" for c in after[:-1]), f"{path.name}: only their checks follow the questions"
    assert after and after[-1].cell_type == "markdown" and "**Next:**" in after[-1].source, (
        f"{path.name}: the lesson ends with a pointer to the next one (**Next:** …) after its questions")


@pytest.mark.parametrize("path", LESSON_PATHS, ids=_ids)
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


# --- the words are data, written once -------------------------------------------------------------

ALL_QUESTIONS = [q for lesson in quiz.LESSONS for q in quiz.questions(lesson)]


def test_no_question_is_written_both_in_course_lib_and_in_a_lesson():
    """The first and the last 40 characters of every question appear in no module and no notebook."""
    library = {p.name: _plain(p.read_text(encoding="utf-8")) for p in (ROOT / "course_lib").rglob("*.py")}
    lessons = {p.name: _plain("\n".join(c.source for c in nbformat.read(p, as_version=4).cells))
               for p in LESSON_PATHS}
    twice = []
    for q in ALL_QUESTIONS:
        for piece in {q.text[:40], q.text[-40:]}:
            found = [name for texts in (library, lessons) for name, text in texts.items() if piece in text]
            if found:
                twice.append(f"lesson {q.lesson} Q{q.number}: {piece!r} is also in {found}")
    assert not twice, "the words of the review questions belong in data/quiz/ only:\n" + "\n".join(twice)


@pytest.mark.parametrize("lesson", quiz.LESSONS)
def test_every_lesson_renders_its_questions_numbered(lesson):
    text = quiz.markdown(lesson)
    assert text.startswith(quiz.INTRO + "\n\n")
    items = text[len(quiz.INTRO):].strip().split("\n")
    found = quiz.questions(lesson)
    assert len(items) == len(found)
    for line, q in zip(items, found):
        assert line == f"{q.number}. {q.text}" + (" *(checked below)*" if q.checkable else ""), line
        assert "\n" not in q.text and q.text == _plain(q.text), "the file's line breaks are joined"


def test_markdown_marks_the_checkable_questions():
    text = quiz.markdown("04")
    for q in quiz.questions("04"):
        line = next(line for line in text.splitlines() if line.startswith(f"{q.number}. "))
        assert ("*(checked below)*" in line) == q.checkable


def test_show_displays_markdown_in_a_notebook_and_prints_outside(monkeypatch, capsys):
    import IPython
    import IPython.display

    quiz.show("07")
    assert capsys.readouterr().out.strip() == quiz.markdown("07")
    shown = []
    monkeypatch.setattr(IPython, "get_ipython", object)
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    quiz.show("07")
    assert len(shown) == 1 and isinstance(shown[0], IPython.display.Markdown)
    assert shown[0].data == quiz.markdown("07")


def test_every_checker_has_its_question_and_its_words():
    assert set(quiz.CHECKERS) <= set(quiz.LESSONS), "CHECKERS names a lesson with no question file"
    for lesson in quiz.LESSONS:
        checked = {q.number for q in quiz.questions(lesson) if q.checkable}
        assert checked == set(quiz.CHECKERS.get(lesson, {})), lesson
        for q in quiz.questions(lesson):
            if not q.checkable:
                continue
            assert q.answer.why, f"lesson {lesson} Q{q.number}: the file gives no why for the right answer"
            if not isinstance(q.answer, quiz.Choice):
                assert set(q.answer.hints) == set(q.answer.mistakes) and all(q.answer.hints.values()), (
                    f"lesson {lesson} Q{q.number}: a likely mistake without its hint")


CHOICES = [q for q in ALL_QUESTIONS if isinstance(q.answer, quiz.Choice)]


@pytest.mark.parametrize("q", CHOICES, ids=lambda q: f"{q.lesson}-Q{q.number}")
def test_every_wrong_option_says_why_it_is_wrong(q, capsys):
    observed = _observed_for(q)
    right = q.answer.expected(observed)
    wrong = [o for o in q.answer.options if o != right]
    missing = [o for o in wrong if not q.answer.why_not.get(o)]
    assert not missing, (f"lesson {q.lesson} Q{q.number}: data/quiz/{q.lesson}.toml explains no reason for the wrong "
                         f"option(s) {missing} ([question.why_not])")
    for option in wrong:
        quiz.check(q.lesson, q.number, option, **observed)
        printed = capsys.readouterr().out
        assert printed.startswith("✗") and q.answer.why_not[option] in printed, printed


# --- a question file that does not fit its checkers is refused, naming the file --------------------

def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "01.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_of_a_lesson_loads_as_the_lesson():
    assert quiz.load_questions("05", quiz.QUIZ_DIR / "05.toml") == quiz.questions("05")


@pytest.mark.parametrize("text, message", [
    ('[[question]]\nnumber = 2\ntext = "a"\n', "numbered 1, 2"),
    ('[[question]]\nnumber = 1\n', "text must be a non-empty string"),
    ('[[question]]\nnumber = 1\ntext = "a"\nanswer = 3\n', "unknown key"),
    ('[[question]]\nnumber = 1\ntext = "a"\n', "gives hints for [], the checker names the likely mistakes ['mean']"),
    ('[[question]]\nnumber = 1\ntext = "a"\n[question.mistakes]\nmean = "c"\nhalf = "d"\n', "for ['half', 'mean']"),
    ('[[question]]\nnumber = 1\ntext = "a"\n[question.mistakes]\nmean = "c"\n', "checks question(s) [3, 4]"),
    ('[[question]]\nnumber = 1\ntext = "a"\n[question]\n', "not valid TOML"),
])
def test_a_file_that_does_not_fit_its_checkers_is_refused(tmp_path, text, message):
    """Lesson 01's checkers: Q1 a number with the mistake 'mean', Q3 and Q4 choices."""
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        quiz.load_questions("01", path)
    assert "01.toml" in str(error.value)


def test_a_choice_explains_only_its_wrong_options(tmp_path):
    questions = "".join(f'[[question]]\nnumber = {n}\ntext = "q{n}"\n' for n in (1, 2))
    base = questions.replace('text = "q1"\n', 'text = "q1"\n[question.mistakes]\nmean = "m"\n')
    with pytest.raises(ValueError, match="not options"):
        quiz.load_questions("01", _write(tmp_path, base + '[[question]]\nnumber = 3\ntext = "q3"\n'
                                                          '[question.why_not]\nbanana = "x"\n'))
    with pytest.raises(ValueError, match="the right answer; use why"):
        quiz.load_questions("01", _write(tmp_path, base + '[[question]]\nnumber = 3\ntext = "q3"\n'
                                                          '[question.why_not]\nopening = "x"\n'))
    with pytest.raises(ValueError, match="no checker"):
        quiz.load_questions("01", _write(tmp_path, base.replace('text = "q2"\n', 'text = "q2"\nwhy = "w"\n')))


# --- the checks themselves ------------------------------------------------------------------------

def _observed_for(q: quiz.Question) -> dict:
    """Measured values that make a run-dependent question's answer the one its solution cell gives."""
    examples = {"truth": np.pad(np.ones((4, 10), bool), ((0, 6), (0, 0))),
                "before": np.ones(3), "after": np.ones(3), "output": np.zeros((1, 43, 43, 2)),
                "height": 128, "kernel": 7, "stride": 3, "generated": 0.9, "scenes": 0.3,
                "medians": {"easy": 0.9, "medium": 0.7, "hard": 0.4}, "work_size": 80, "trained_size": 128}
    if getattr(q.answer, "options", ()) == ("up", "down"):         # a measured number, before and after the change
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

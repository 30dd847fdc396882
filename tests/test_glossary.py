"""The zh/en glossary (``data/glossary.csv``) and the lessons agree.

- Every glossary term appears in the lesson the glossary says teaches it (in a markdown or
  code cell, case ignored, a plural allowed).
- Every key term a lesson puts in bold (``**term**`` in a markdown cell) is in the glossary: it
  is a term or an alias there, or contains one as whole words ("**pretrained encoder**" is
  covered by "encoder"). Bold that is not a term is left alone by three rules: a run-in label
  that ends in punctuation ("**Source:**", "**Speed.**"); a bold clause of five words or more;
  and the short list ``NOT_TERMS`` below, each entry with its reason. To fix a failure, add the
  term (or an alias) to ``data/glossary.csv``; only plain emphasis belongs in ``NOT_TERMS``.
- The README's glossary table shows rows of the CSV, and lesson 09 renders the whole table.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course_lib import glossary

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("*.ipynb"))

NOT_TERMS = {
    # the course's own scaffolding, in every lesson
    "you will learn", "the text says", "in fact", "how to use it",
    # a lesson's or a control's name
    "00 tour", "left — method",
    # emphasis on an ordinary word: the term it leans on is next to it, not in the bold
    "not", "same", "last", "zeros", "perfect", "approximate", "learned", "difference", "row 0", "every step",
    "confidently wrong", "fractional", "only the background", "white inside the product", "linear",
    "ragged or shifted outline",
    # product kinds in lesson 00b's gallery, named for the picture, not as terms
    "glass", "mug", "bag", "watch",
    # buttons, menus and outputs of the kit's own tools (lessons 08 and 10), named where they are used
    "report", "safety", "accept", "method",
}
"""Bold phrases (lowercase, spacing collapsed) that are not glossary terms. Keep it short; prefer adding terms."""

BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def _plain(text: str) -> str:
    """Return text lowercased, without markdown emphasis and code marks, spacing collapsed."""
    return " ".join(text.replace("*", "").replace("`", "").lower().split())


def _contains(text: str, name: str) -> bool:
    """Return whether ``name`` occurs in ``text`` as whole words (a plural -s/-es allowed)."""
    return re.search(r"(?<!\w)" + re.escape(_plain(name)) + r"(?:s|es)?(?!\w)", text) is not None


def _lesson_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return _plain("\n".join(cell.source for cell in nb.cells))


@pytest.fixture(scope="module")
def terms():
    return glossary.load_glossary()


def test_the_glossary_covers_the_course(terms):
    assert len(terms) >= 60, f"data/glossary.csv has {len(terms)} terms; the lessons use more than 60"
    lessons = {p.stem for p in LESSONS}
    unknown = sorted({t.lesson for t in terms} - lessons)
    assert not unknown, f"data/glossary.csv names lessons that are not in notebooks/: {unknown}"
    assert sum(t.zh_source == "article" for t in terms) >= 20, "few terms use the article's own Chinese wording"


def test_each_term_appears_in_its_lesson(terms):
    texts = {p.stem: _lesson_text(p) for p in LESSONS}
    missing = [f"{t.term!r} (lesson {t.lesson})" for t in terms if not _contains(texts[t.lesson], t.term)]
    assert not missing, ("these glossary terms do not appear in the lesson data/glossary.csv gives for them "
                         "(fix the lesson column, or the term's spelling): " + ", ".join(missing))


def _bold_phrases(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [" ".join(m.group(1).split()) for cell in nb.cells if cell.cell_type == "markdown"
            for m in BOLD.finditer(cell.source)]


def _is_term_candidate(phrase: str) -> bool:
    plain = _plain(phrase).strip("\"'")
    if not plain or plain[-1] in ":.?!":
        return False                                    # a run-in label: "**Source:**", "**Speed.**"
    if len(plain.split()) >= 5:
        return False                                    # a bold clause, not a term
    return plain not in NOT_TERMS


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_bold_key_terms_are_in_the_glossary(path, terms):
    names = [name for t in terms for name in t.names]
    uncovered = sorted({phrase for phrase in _bold_phrases(path) if _is_term_candidate(phrase)
                        and not any(_contains(_plain(phrase), name) for name in names)})
    assert not uncovered, (f"{path.name} puts these in bold, but data/glossary.csv has no such term or alias: "
                           f"{uncovered}. Add each to the glossary (a term, or an alias of one); plain emphasis "
                           "goes in NOT_TERMS in tests/test_glossary.py, with its reason")


def test_not_terms_are_still_used():
    bold = {_plain(phrase) for path in LESSONS for phrase in _bold_phrases(path)}
    stale = sorted(NOT_TERMS - bold)
    assert not stale, f"NOT_TERMS lists phrases no lesson puts in bold any more; remove them: {stale}"


def test_readme_glossary_rows_come_from_the_csv(terms):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Glossary" in readme, "README.md has no '## Glossary' section"
    section = readme.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    assert "data/glossary.csv" in section, "the README's glossary section should point to data/glossary.csv"
    rows = re.findall(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|([^|\n]*)", section, flags=re.MULTILINE)
    rows = [(term, zh, rest) for term, zh, rest in rows if term != "term" and not set(term) <= set("-: ")]
    assert rows, "the README's glossary section has no table rows"
    by_term = {t.term: t for t in terms}
    lessons = {p.stem for p in LESSONS}

    def agrees(term, zh, rest):
        named = [lesson for lesson in re.findall(r"[\w]+", rest) if lesson in lessons]
        return term in by_term and by_term[term].zh == zh and all(n == by_term[term].lesson for n in named)

    wrong = [f"{term} | {zh} |{rest}" for term, zh, rest in rows if not agrees(term, zh, rest)]
    assert not wrong, f"README glossary rows that are not rows of data/glossary.csv: {wrong}"


def test_lesson_09_renders_the_glossary():
    nb = nbformat.read(NOTEBOOKS / "09_errata_and_further_reading.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert "glossary.load_glossary()" in code and "glossary.as_markdown_table(" in code, (
        "lesson 09 should load the glossary and show it with glossary.as_markdown_table")

"""The course's zh/en glossary: each technical term, the article's Chinese for it, a definition, its lesson.

The table is ``data/glossary.csv`` (UTF-8, one row per term), with these columns:

- ``term``: the English term, spelt as the lessons spell it;
- ``zh``: the Chinese term. Where the article uses the idea, this is the article's own wording
  (``zh_source`` is ``article``); otherwise it is the usual Chinese term (``usual``);
- ``definition``: one line;
- ``lesson``: the notebook (its file name in ``notebooks/``, without ``.ipynb``) that teaches the term;
- ``zh_source``: ``article`` or ``usual``;
- ``aliases``: other spellings the lessons use, separated by ``;`` (may be empty).

Lesson 09 shows the whole table with :func:`as_markdown_table`. The README shows a few rows,
which ``tests/test_glossary.py`` checks against the CSV.

>>> from course_lib import glossary
>>> terms = glossary.load_glossary()
>>> entry = glossary.lookup("Max Pooling", terms)
>>> entry.zh, entry.lesson, entry.zh_source
('最大池化', '02_convolution_and_pooling_from_scratch', 'article')
>>> glossary.lookup("fill holes", terms).term        # an alias finds its term
'hole filling'
>>> table = glossary.as_markdown_table(terms, lesson_links="notebooks/").splitlines()
>>> table[0], len(table) == len(terms) + 2
('| term | 中文 | definition | lesson |', True)
>>> table[2].endswith("| [00_tour](notebooks/00_tour.ipynb) |")      # the first term, its lesson a link
True
"""

from __future__ import annotations

import csv
import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from course_lib.config import DATA_DIR

__all__ = ["GLOSSARY_PATH", "COLUMNS", "ZH_SOURCES", "Term", "load_glossary", "lookup", "as_markdown_table"]

GLOSSARY_PATH: Path = DATA_DIR / "glossary.csv"
"""The shipped glossary."""

COLUMNS = ("term", "zh", "definition", "lesson", "zh_source", "aliases")
"""The columns of the CSV file, in order."""

ZH_SOURCES = ("article", "usual")
"""Where a Chinese term comes from: the article's own wording, or the usual term where the article has none."""

_LESSON = re.compile(r"^\d\d[a-z]?_[a-z0-9_]+$")


@dataclass(frozen=True)
class Term:
    """One row of the glossary.

    Attributes
    ----------
    term, zh, definition : str
        The English term, its Chinese term, a one-line definition.
    lesson : str
        The notebook that teaches it, e.g. ``"02_convolution_and_pooling_from_scratch"``.
    zh_source : {"article", "usual"}
        Whether ``zh`` is the article's own wording.
    aliases : tuple of str
        Other spellings the lessons use (plural, verb, abbreviation).
    """

    term: str
    zh: str
    definition: str
    lesson: str
    zh_source: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Return the term followed by its aliases."""
        return (self.term, *self.aliases)


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def load_glossary(path: str | os.PathLike = GLOSSARY_PATH) -> list[Term]:
    """Return the glossary's terms in the file's order (grouped by lesson), each row checked.

    Raises
    ------
    ValueError
        If a column is missing, a required field is empty, ``zh_source`` or
        ``lesson`` is malformed, or a term or alias is listed twice. The message
        names the file and the row.
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path} lacks the column(s) {missing}; its header is {reader.fieldnames}")
        terms, seen = [], {}
        for row_number, row in enumerate(reader, start=2):          # row 1 is the header
            where = f"{path.name} row {row_number}"
            fields = {c: (row[c] or "").strip() for c in COLUMNS}
            empty = [c for c in COLUMNS[:5] if not fields[c]]
            if empty:
                raise ValueError(f"{where}: {', '.join(empty)} is empty ({fields['term'] or 'no term'})")
            if fields["zh_source"] not in ZH_SOURCES:
                raise ValueError(f"{where}: zh_source={fields['zh_source']!r} is not one of {ZH_SOURCES}")
            if not _LESSON.match(fields["lesson"]):
                raise ValueError(f"{where}: lesson={fields['lesson']!r} is not a notebook name such as "
                                 f"'02_convolution_and_pooling_from_scratch'")
            aliases = tuple(a.strip() for a in fields["aliases"].split(";") if a.strip())
            term = Term(fields["term"], fields["zh"], fields["definition"], fields["lesson"], fields["zh_source"],
                        aliases)
            for name in term.names:
                if _key(name) in seen:
                    raise ValueError(f"{where}: {name!r} is already listed in row {seen[_key(name)]}")
                seen[_key(name)] = row_number
            terms.append(term)
    return terms


def lookup(name: str, terms: list[Term] | None = None) -> Term:
    """Return the term whose name or alias is ``name`` (case and spacing ignored).

    Raises
    ------
    KeyError
        If no term matches; the message suggests the closest names.
    """
    terms = load_glossary() if terms is None else terms
    index = {_key(n): t for t in terms for n in t.names}
    if _key(name) in index:
        return index[_key(name)]
    close = difflib.get_close_matches(_key(name), list(index), n=3)
    raise KeyError(f"{name!r} is not in the glossary" + (f"; did you mean {', '.join(close)}?" if close else ""))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def as_markdown_table(terms: list[Term], *, lesson_links: str | None = None) -> str:
    """Return the terms as a markdown table: term, 中文, definition, lesson.

    ``lesson_links`` is the folder, relative to the page that shows the table, where
    the notebooks are (``""`` from a notebook, ``"notebooks/"`` from the README). When
    given, each lesson is a link to its notebook; ``None`` prints the names only.
    """
    lines = ["| term | 中文 | definition | lesson |", "|---|---|---|---|"]
    for t in terms:
        lesson = t.lesson if lesson_links is None else f"[{t.lesson}]({lesson_links}{t.lesson}.ipynb)"
        lines.append(f"| {_cell(t.term)} | {_cell(t.zh)} | {_cell(t.definition)} | {lesson} |")
    return "\n".join(lines)

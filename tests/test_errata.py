"""The errata ship in the repo, every reference to them resolves, and lesson 09 runs each one.

``docs/ERRATA.md`` lists the course text's ten errors. Each one sits under an anchor line
``<a id="item-N"></a>`` followed by its heading ``## N. …``, so a link ``docs/ERRATA.md#item-N``
lands on it. Lessons and docstrings cite an item as plain text ("ERRATA item 3", "ERRATA 3",
"ERRATA 1, 2"), as a link in a notebook (``[ERRATA item 3](../docs/ERRATA.md#item-3)``), or as a
path in a docstring (``ERRATA item 3 (docs/ERRATA.md#item-3)``). Every cited number must be an
anchor, and every path to ``ERRATA.md`` must reach ``docs/ERRATA.md`` with an anchor that exists
and, next to a citation, names the cited item.

Lesson 09 has one section per erratum: a markdown heading ``## Erratum N · …``, the text's words
quoted in Chinese, code cells that run it, a link to the item in ``docs/ERRATA.md``, and a link to
a lesson that the item names as teaching it (items taught only in lesson 09 need none).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
ERRATA = ROOT / "docs" / "ERRATA.md"
NOTEBOOKS = ROOT / "notebooks"
LESSON_09 = NOTEBOOKS / "09_errata_and_further_reading.ipynb"
ITEMS = list(range(1, 11))

ANCHOR = re.compile(r'^<a id="item-(\d+)"></a>\s*$', re.MULTILINE)
CITATION = re.compile(r"ERRATA(?:\s+items?)?\s+(\d+(?:\s*(?:,|and|&)\s*\d+)*)")
"""A citation in prose: "ERRATA item 3", "ERRATA 3", "ERRATA 1, 2" (not "ERRATA.md")."""
TARGET = re.compile(r"[\w./-]*ERRATA\.md(?:#(?!item-\{)[\w-]*)?")
"""A path to the errata file: a link target, a path in parentheses, or a mention (not an f-string template)."""
LINK_AFTER = re.compile(r"\]?\s*\(\s*<?([\w./-]*ERRATA\.md(?:#[\w-]*)?)")
"""A link target right after a citation: ``[ERRATA item 3](…)`` or ``ERRATA item 3 (…)``."""
NOTEBOOK_LINK = re.compile(r"\]\(([^)\s]+\.ipynb)(?:#[^)\s]*)?\)")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _anchors() -> list[int]:
    return [int(n) for n in ANCHOR.findall(ERRATA.read_text(encoding="utf-8"))]


def _items() -> dict[int, str]:
    """Return each item's text, from its anchor to the next anchor."""
    text = ERRATA.read_text(encoding="utf-8")
    marks = list(ANCHOR.finditer(text))
    return {int(m.group(1)): text[m.end(): marks[k + 1].start() if k + 1 < len(marks) else len(text)]
            for k, m in enumerate(marks)}


def _citing_files() -> list[Path]:
    files = sorted(NOTEBOOKS.glob("*.ipynb")) + sorted((ROOT / "course_lib").rglob("*.py")) + [ROOT / "README.md"]
    return [f for f in files if "__pycache__" not in f.parts]


def _chunks(path: Path) -> list[tuple[str, str]]:
    """Return (where, text) pieces of a file: each cell of a notebook, or the whole file."""
    rel = path.relative_to(ROOT).as_posix()
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [(f"{rel} cell {i}", cell.source) for i, cell in enumerate(nb.cells)]
    return [(rel, path.read_text(encoding="utf-8"))]


def _resolves_to_errata(path: Path, target: str, *, is_link: bool) -> bool:
    """Return whether ``target`` (without its #anchor) names docs/ERRATA.md from ``path``.

    A markdown link renders relative to the file's own folder, so it must resolve from there.
    A path in a docstring (``docs/ERRATA.md#item-3``) or in prose is read from the top of the
    repository, or from the file's folder.
    """
    file_part = target.split("#", 1)[0]
    bases = [path.parent] if is_link else [ROOT, path.parent]
    return any((base / file_part).resolve() == ERRATA.resolve() for base in bases)


def test_errata_file_has_ten_anchored_items():
    assert ERRATA.is_file(), "docs/ERRATA.md is missing: the lessons' 'ERRATA item N' references point at it"
    assert _anchors() == ITEMS, f"docs/ERRATA.md anchors are {_anchors()}, expected item-1 … item-10 in order"
    lines = ERRATA.read_text(encoding="utf-8").splitlines()
    for k, line in enumerate(lines):
        anchor = ANCHOR.match(line)
        if anchor:
            heading = next((x for x in lines[k + 1:] if x.strip()), "")
            assert heading.startswith(f"## {anchor.group(1)}. "), (
                f"docs/ERRATA.md: the anchor item-{anchor.group(1)} must be followed by its heading "
                f"'## {anchor.group(1)}. …', found {heading!r}")


@pytest.mark.parametrize("n", ITEMS)
def test_each_item_quotes_the_text_and_names_existing_lessons(n):
    item = _items()[n]
    assert CJK.search(item), f"ERRATA item {n} does not quote the text in Chinese"
    links = NOTEBOOK_LINK.findall(item)
    assert links, f"ERRATA item {n} links no lesson (a link such as ../notebooks/02_….ipynb)"
    missing = [link for link in links if not (ERRATA.parent / link).resolve().is_file()]
    assert not missing, f"ERRATA item {n} links lessons that do not exist: {missing}"


def _lesson_09_sections() -> dict[int, dict[str, list[str]]]:
    """Return each '## Erratum N' section of lesson 09: its markdown lines and its code cells.

    A section runs from its heading to the next '## ' heading, which may come in the middle
    of a markdown cell: the lines before it still belong to the section above.
    """
    nb = nbformat.read(LESSON_09, as_version=4)
    sections, current = {}, None
    for cell in nb.cells:
        if cell.cell_type == "code":
            if current is not None:
                sections[current]["code"].append(cell.source)
            continue
        for line in cell.source.splitlines():
            if line.startswith("## "):
                found = re.match(r"## Erratum (\d+)\b", line)
                current = int(found.group(1)) if found else None
                if current is not None:
                    assert current not in sections, f"lesson 09 has two sections for erratum {current}"
                    sections[current] = {"markdown": [], "code": []}
            if current is not None:
                sections[current]["markdown"].append(line)
    return sections


def test_lesson_09_has_a_section_per_erratum_in_order():
    assert LESSON_09.is_file(), f"{LESSON_09.relative_to(ROOT)} is missing"
    assert list(_lesson_09_sections()) == ITEMS, (
        f"lesson 09's '## Erratum N' headings are {list(_lesson_09_sections())}, expected 1 … 10 in order")


@pytest.mark.parametrize("n", ITEMS)
def test_lesson_09_section_runs_quotes_and_links(n):
    section = _lesson_09_sections()[n]
    statements = [line for src in section["code"] for line in src.splitlines()
                  if line.strip() and not line.lstrip().startswith("#")]
    assert statements, f"lesson 09, erratum {n}: no code cell runs it"
    markdown = "\n".join(section["markdown"])
    assert CJK.search(markdown), f"lesson 09, erratum {n}: the text's claim is not quoted in Chinese"
    assert f"../docs/ERRATA.md#item-{n})" in markdown, (
        f"lesson 09, erratum {n}: no link to its entry, [ERRATA item {n}](../docs/ERRATA.md#item-{n})")
    linked = {Path(link).name for link in NOTEBOOK_LINK.findall(markdown)}
    missing = sorted(name for name in linked if not (NOTEBOOKS / name).is_file())
    assert not missing, f"lesson 09, erratum {n}: links lessons that do not exist: {missing}"
    teaching = {Path(link).name for link in NOTEBOOK_LINK.findall(_items()[n])} - {LESSON_09.name}
    if teaching:
        assert linked & teaching, (
            f"lesson 09, erratum {n}: link the lesson that teaches it, one of {sorted(teaching)} "
            "(as docs/ERRATA.md names them)")


@pytest.mark.parametrize("path", _citing_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_errata_reference_resolves(path):
    anchors = set(_anchors())
    problems = []
    for where, text in _chunks(path):
        for cited in CITATION.finditer(text):
            numbers = [int(n) for n in re.findall(r"\d+", cited.group(1))]
            problems += [f"{where}: '{cited.group(0)}' — docs/ERRATA.md has no anchor item-{n}"
                         for n in numbers if n not in anchors]
            link = LINK_AFTER.match(text, cited.end())
            if link:
                anchor = re.search(r"#item-(\d+)$", link.group(1))
                if not anchor or int(anchor.group(1)) not in numbers:
                    problems.append(f"{where}: '{cited.group(0)}' links to {link.group(1)!r}, expected "
                                    f"docs/ERRATA.md#item-{numbers[0]}")
        for found in TARGET.finditer(text):
            target = found.group(0)
            is_link = path.suffix != ".py" and re.search(r"\]\(\s*<?$", text[:found.start()]) is not None
            if not _resolves_to_errata(path, target, is_link=is_link):
                expected = ("docs/ERRATA.md" if path.suffix == ".py"
                            else Path(os.path.relpath(ERRATA, path.parent)).as_posix())
                problems.append(f"{where}: {target!r} does not lead to docs/ERRATA.md (write {expected}#item-N)")
            elif "#" in target:
                anchor = re.fullmatch(r"item-(\d+)", target.split("#", 1)[1])
                if not anchor or int(anchor.group(1)) not in anchors:
                    problems.append(f"{where}: {target!r} names an anchor docs/ERRATA.md does not have "
                                    "(item-1 … item-10)")
    assert not problems, "\n".join(problems)

"""The errata ship in the repo, every reference to them resolves, and lesson 09 runs each one.

``docs/ERRATA.md`` lists the course text's ten errors. Each one sits under an anchor line
``<a id="item-N"></a>`` followed by its heading ``## N. …``, so a link ``docs/ERRATA.md#item-N``
lands on it. Lessons and docstrings cite an item as plain text ("ERRATA item 3", "ERRATA 3",
"ERRATA 1, 2"), as a link in a notebook (``[ERRATA item 3](../docs/ERRATA.md#item-3)``), or as a
path in a docstring (``ERRATA item 3 (docs/ERRATA.md#item-3)``). Every cited number must be an
anchor, and every path to ``ERRATA.md`` must reach ``docs/ERRATA.md`` with an anchor that exists
and, next to a citation, names the cited item.

Lesson 09 has one section per erratum: a markdown heading ``## Erratum N · …``, the text's words
quoted in Chinese and a link to the item in ``docs/ERRATA.md``. It runs only what no other lesson
runs (:data:`RUN_IN_09`); every other section has no code and links back to the lesson section
that runs it, ``NN_….ipynb#erratum-N``. That section opens with the anchor ``<a id="erratum-N"></a>``,
keeps its "The text says" box, and holds the code cell that runs the text's version
(:data:`RUNNING_CELL` names a word that cell must contain). The text's formulas are written out
in those cells, not in the library; the tests below run the lessons' few lines next to the
library's correct functions.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_lib import compositing, postprocess, scratch
from course_lib.box_filter import box_mean

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
RUN_IN_09 = {3, 9, 10}
"""The errata lesson 09 runs itself: no other lesson measures them (3: colour, grey and binary input fed to the
same methods; 9: background subtraction; 10: the references)."""
RUNNING_CELL = {1: "conv_as_printed", 2: "max_pool_as_printed", 4: "photo_vector", 5: "background_as_printed",
                6: "prediction[0, 0, :, :]", 7: "peak_signal_noise_ratio", 8: "mse_forward"}
"""For each erratum another lesson runs: a word that lesson's running cell contains (the text's version, as code)."""
LINK_BACK = re.compile(r"\]\(([\w-]+\.ipynb)#erratum-(\d+)\)")


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
def test_lesson_09_section_quotes_and_runs_or_links_back(n):
    section = _lesson_09_sections()[n]
    statements = [line for src in section["code"] for line in src.splitlines()
                  if line.strip() and not line.lstrip().startswith("#")]
    markdown = "\n".join(section["markdown"])
    assert CJK.search(markdown), f"lesson 09, erratum {n}: the text's claim is not quoted in Chinese"
    assert f"../docs/ERRATA.md#item-{n})" in markdown, (
        f"lesson 09, erratum {n}: no link to its entry, [ERRATA item {n}](../docs/ERRATA.md#item-{n})")
    linked = {Path(link).name for link in NOTEBOOK_LINK.findall(markdown)}
    missing = sorted(name for name in linked if not (NOTEBOOKS / name).is_file())
    assert not missing, f"lesson 09, erratum {n}: links lessons that do not exist: {missing}"
    teaching = {Path(link).name for link in NOTEBOOK_LINK.findall(_items()[n])} - {LESSON_09.name}
    if n in RUN_IN_09:
        assert statements, f"lesson 09, erratum {n}: no code cell runs it, and no other lesson does"
        if teaching:
            assert linked & teaching, (f"lesson 09, erratum {n}: link the lesson that teaches it, one of "
                                       f"{sorted(teaching)} (as docs/ERRATA.md names them)")
        return
    assert not statements, (f"lesson 09, erratum {n}: another lesson runs it; link back to that section "
                            "instead of running it again")
    back = [(name, int(k)) for name, k in LINK_BACK.findall(markdown)]
    assert any(k == n for _, k in back), (
        f"lesson 09, erratum {n}: no link back to the lesson section that runs it, "
        f"[lesson NN](NN_….ipynb#erratum-{n})")
    assert all(k == n for _, k in back), f"lesson 09, erratum {n}: links to another erratum's section: {back}"
    assert {name for name, _ in back} <= teaching, (
        f"lesson 09, erratum {n}: links {sorted({name for name, _ in back})} back, but docs/ERRATA.md item {n} "
        f"names {sorted(teaching)} as teaching it")


def _section_after_anchor(path: Path, n: int) -> tuple[str, list[str]] | None:
    """Return (markdown, code cells) of a lesson from the anchor ``erratum-N`` to the next '## ' heading."""
    nb = nbformat.read(path, as_version=4)
    markdown, code, inside = [], [], False
    for cell in nb.cells:
        if cell.cell_type == "code":
            if inside:
                code.append(cell.source)
            continue
        for line in cell.source.splitlines():
            if f'<a id="erratum-{n}"></a>' in line:
                inside = True
            elif inside and line.startswith("## ") and markdown and any(m.startswith("## ") for m in markdown):
                return "\n".join(markdown), code
            if inside:
                markdown.append(line)
    return ("\n".join(markdown), code) if inside else None


@pytest.mark.parametrize("n", sorted(set(ITEMS) - RUN_IN_09))
def test_the_section_lesson_09_links_back_to_runs_the_erratum(n):
    back = {name for name, k in LINK_BACK.findall("\n".join(_lesson_09_sections()[n]["markdown"])) if int(k) == n}
    assert back, f"lesson 09, erratum {n}: no link back (NN_….ipynb#erratum-{n})"
    for name in back:
        found = _section_after_anchor(NOTEBOOKS / name, n)
        assert found, f"{name} has no anchor <a id=\"erratum-{n}\"></a>, the target of lesson 09's link"
        markdown, code = found
        assert "The text says" in markdown, (
            f"{name}, section erratum-{n}: the 'The text says … / In fact' box is missing")
        assert any(RUNNING_CELL[n] in cell for cell in code), (
            f"{name}, section erratum-{n}: no code cell runs the text's version ({RUNNING_CELL[n]!r}) there")


def _works() -> list[tuple[str, str, str, str]]:
    """Return lesson 09's further-reading list, ``WORKS = [(citation, contribution, lesson, word), …]``."""
    for cell in nbformat.read(LESSON_09, as_version=4).cells:
        if cell.cell_type == "code" and "WORKS = [" in cell.source:
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "WORKS":
                    return ast.literal_eval(node.value)
    raise AssertionError("lesson 09 has no cell that assigns WORKS = [...] (its further reading)")


@pytest.mark.parametrize("work", _works(), ids=lambda w: w[3])
def test_each_further_reading_work_is_named_in_its_lesson(work):
    citation, _, lesson, word = work
    path = NOTEBOOKS / f"{lesson}.ipynb"
    assert path.is_file(), f"lesson 09 lists {citation[:40]!r} under {lesson}, which does not exist"
    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells).lower()
    assert word.lower() in text, f"lesson 09 says {lesson} uses {citation[:40]!r}, but {lesson} never names {word!r}"


# --- the text's formulas, as the lessons write them ------------------------------------------------------


def _lesson_functions(stem: str, *names: str):
    """Return the functions ``names`` defined in the code cells of lesson ``stem`` (only the defs are run)."""
    found = {}
    for cell in nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef) and node.name in names:
                namespace = {"np": np}
                exec(compile(ast.Module([node], type_ignores=[]), f"{stem}.ipynb", "exec"), namespace)
                found[node.name] = namespace[node.name]
    missing = [name for name in names if name not in found]
    assert not missing, f"lesson {stem} no longer defines {missing} (the text's formula and the correct one)"
    return [found[name] for name in names]


def test_lesson_02_convolution_as_printed_is_each_pixel_times_the_kernel_sum():
    as_printed, as_it_should_be = _lesson_functions("02_convolution_and_pooling_from_scratch", "conv_as_printed",
                                                    "conv_as_it_should_be")
    rng = np.random.default_rng(13)
    x, w = rng.random((2, 9, 11, 3)), rng.normal(size=(5, 3, 3, 4))
    np.testing.assert_allclose(as_it_should_be(x, w), scratch.conv2d(x, w, padding="same"), atol=1e-12)
    np.testing.assert_allclose(as_printed(x, w), scratch.conv2d(x, w.sum(axis=(0, 1), keepdims=True)), atol=1e-12)
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float).reshape(3, 3, 1, 1)
    assert np.all(as_printed(x[..., :1], sobel) == 0)                   # the weights sum to 0: a blank map
    assert np.abs(as_it_should_be(x[..., :1], sobel)).max() > 0.5        # the convolution finds edges


def test_lesson_02_pooling_as_printed_is_a_max_filter_that_does_not_shrink():
    as_printed, as_it_should_be = _lesson_functions("02_convolution_and_pooling_from_scratch", "max_pool_as_printed",
                                                    "max_pool_as_it_should_be")
    f = np.random.default_rng(2).random((2, 9, 12, 3))
    for k in (2, 3):
        assert np.array_equal(as_it_should_be(f, k), scratch.max_pool2d(f, k))
        assert np.array_equal(as_printed(f, k), scratch.max_pool2d(f, k, stride=1))
        assert as_printed(f, k).shape == (2, 9 - k + 1, 12 - k + 1, 3)


def test_lesson_06_postprocessing_formulas_as_printed_remove_nothing_and_fill_nothing():
    background, fill = _lesson_functions("06_postprocessing", "background_as_printed", "fill_as_printed")
    rng = np.random.default_rng(5)
    binary = np.zeros((21, 21), np.float32)
    binary[3:18, 3:18] = 1
    binary[8:13, 8:13] = 0                                                      # a ring: a 5×5 hole
    filtered = rng.integers(0, 256, (21, 21, 3)).astype(np.float32)
    a, b = background(binary, filtered, np.zeros_like(filtered)), background(binary, filtered, filtered * 0 + 255)
    assert np.array_equal(a[binary == 1], b[binary == 1]) and not np.array_equal(a, b)   # it keeps its start value
    assert np.array_equal(background(binary, filtered, a), a)                            # a fixed point: no update
    on_white = compositing.composite(filtered.astype(np.uint8), binary, "white")         # the same shape, B given
    np.testing.assert_array_equal(np.rint(b).astype(np.uint8), on_white)
    filled = fill(binary, box_mean(binary, 1), 0.5)                          # Average: the 3×3 local mean
    assert filled[10, 10] == 0.0 and np.allclose(filled[binary == 1], 0.5)   # the hole's middle stays empty
    assert postprocess.fill_holes(binary)[10, 10]                             # a flood fill closes it


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

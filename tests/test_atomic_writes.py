"""One home for the temporary-file-and-rename: only course_lib.imageio renames a file into place.

``imageio.write_atomic`` (bytes, or a function that writes to a handle) and
``imageio.atomic_path`` (a temporary name, for writers that want one) write a
hidden temporary file beside the target and rename it into place, so a killed
run leaves the old file or the new one, never half of one. Every other module,
script and benchmark calls them instead of renaming files itself; this test
reads their source (``ast``, nothing is imported) and names each file:line
that renames on its own.

What counts as renaming a file: a call of ``os.replace``, ``os.rename``,
``os.renames``, ``os.link`` or ``shutil.move``, and a method call
``x.replace(target)`` / ``x.rename(target)`` with exactly one argument and no
keywords — the form of ``pathlib.Path.replace``/``rename``; ``str.replace``
always takes two arguments, and ``DataFrame.rename`` takes keywords.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEARCHED = ("course_lib", "scripts", "benchmarks")
HOME = Path("course_lib/imageio.py")
"""The one file allowed to rename files into place."""

MODULE_CALLS = {("os", "replace"), ("os", "rename"), ("os", "renames"), ("os", "link"), ("shutil", "move")}


def renames_in(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """Return ``(line, what)`` for every call in ``source`` that renames a file (see the module's text)."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner, name = node.func.value, node.func.attr
        if isinstance(owner, ast.Name) and (owner.id, name) in MODULE_CALLS:
            found.append((node.lineno, f"{owner.id}.{name}(...)"))
        elif name in ("replace", "rename") and len(node.args) == 1 and not node.keywords \
                and not isinstance(node.args[0], ast.Starred):
            found.append((node.lineno, f"{ast.unparse(owner)}.{name}({ast.unparse(node.args[0])})"))
    return found


def offenders() -> list[str]:
    """Return ``file:line  call`` for every rename outside :data:`HOME` in the searched folders."""
    found = []
    for folder in SEARCHED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative == HOME:
                continue
            for line, what in renames_in(path.read_text(encoding="utf-8"), str(relative)):
                found.append(f"{relative.as_posix()}:{line}  {what}")
    return found


@pytest.mark.parametrize("source, expected", [
    ("import os\nos.replace(tmp, path)\n", [(2, "os.replace(...)")]),
    ("import os\nos.rename(a, b)\nos.link(a, b)\n", [(2, "os.rename(...)"), (3, "os.link(...)")]),
    ("import shutil\nshutil.move(a, b)\n", [(2, "shutil.move(...)")]),
    ("tmp.replace(path)\n", [(1, "tmp.replace(path)")]),
    ("def f(p):\n    p.with_suffix('.tmp').rename(p)\n", [(2, "p.with_suffix('.tmp').rename(p)")]),
    ("text.replace('a', 'b')\nname.replace(old, new)\n", []),
    ("frame.rename(columns={'a': 'b'})\nsplit._replace(rgb=x)\ndataclasses.replace(spec, size=3)\n", []),
])
def test_the_finder_tells_a_file_rename_from_a_text_replace(source, expected):
    assert renames_in(source) == expected


def test_the_home_itself_renames():
    assert renames_in((ROOT / HOME).read_text(encoding="utf-8")), f"{HOME} no longer renames: update HOME"


def test_only_imageio_renames_files_into_place():
    found = offenders()
    assert not found, ("these write a temporary file and rename it themselves; call "
                       "course_lib.imageio.write_atomic (bytes or a writer function) or imageio.atomic_path "
                       "(a temporary name) instead:\n  " + "\n  ".join(found))

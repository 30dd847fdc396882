"""The package's seams: logic modules never need ipywidgets, and no module reaches into another's private names."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import course_lib

ROOT = Path(course_lib.__file__).resolve().parent
MODULES = sorted(m.name for m in pkgutil.walk_packages([str(ROOT)], "course_lib.") if not m.name.endswith("conftest"))
LOGIC = [m for m in MODULES if not m.startswith("course_lib.views")]
VIEWS = [m for m in MODULES if m.startswith("course_lib.views.")]


def test_the_package_has_a_logic_layer_and_a_view_layer():
    assert "course_lib.validate" in LOGIC and "course_lib.views.studio" in VIEWS


BLOCK = """
import importlib, sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name == "ipywidgets" or name.startswith("ipywidgets."):
            raise ImportError("ipywidgets is blocked: " + name)
sys.meta_path.insert(0, Blocked())
failed = []
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_logic_module_imports_without_ipywidgets():
    result = subprocess.run([sys.executable, "-c", BLOCK, *LOGIC], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, (
        f"these modules need ipywidgets, so they belong in course_lib.views:\n{result.stdout}")


def test_the_blocker_does_block_a_view():
    result = subprocess.run([sys.executable, "-c", BLOCK, "course_lib.views.controls"], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 1 and "ipywidgets is blocked" in result.stdout


def _private_uses(path: Path) -> list[str]:
    """Return ``line: what`` for each use of another module's underscore name in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()            # local names bound to imported modules (or anything imported)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules.add((alias.asname or alias.name).split(".")[0])
                if any(part.startswith("_") for part in alias.name.split(".")):
                    hits.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if source.startswith("course_lib") and any(p.startswith("_") for p in source.split(".")):
                hits.append(f"{node.lineno}: from {source} import ...")
            for alias in node.names:
                if alias.name.startswith("_") and alias.name != "__future__" and source != "__future__":
                    hits.append(f"{node.lineno}: from {source} import {alias.name}")
                modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in modules):
            hits.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return hits


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_uses_another_modules_private_names(path):
    hits = _private_uses(path)
    assert not hits, (f"{path.relative_to(ROOT)} reaches into private names of other modules; make the name "
                      "public (no underscore, in __all__) or move the code:\n" + "\n".join(hits))


def test_the_private_name_check_finds_what_it_should(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from course_lib import viz\nfrom course_lib.inference import _letterbox\n"
                   "colour = viz._TP_RGB\nclass A:\n    def f(self):\n        return self._x\n")
    assert _private_uses(bad) == ["2: from course_lib.inference import _letterbox", "3: viz._TP_RGB"]


def test_the_package_docstring_maps_every_module():
    """course_lib/__init__.py is the package's map: every module is named in it, and nothing that is not there."""
    import re

    doc = course_lib.__doc__
    for name in MODULES:
        short = name.removeprefix("course_lib.")
        assert f"``{short}``" in doc or f"``{short.split('.')[-1]}``" in doc or f"{short}``" in doc, \
            f"{name} is missing from the map in course_lib/__init__.py"
    named = set(re.findall(r"``([a-z_]+(?:\.[a-z_]+)?)``", doc))
    known = {m.removeprefix("course_lib.") for m in MODULES} | {m.split(".")[-1] for m in MODULES}
    stale = {n for n in named if n not in known} - {"views", "course_lib.views", "tf.data", "__all__"}
    assert not stale, f"the map names modules that do not exist: {sorted(stale)}"

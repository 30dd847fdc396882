"""The library's public API is declared: every module of course_lib has an ``__all__`` that is true.

``__all__`` says what a lesson may import; everything else is the module's own
business. Each name in it must exist and be public (no leading underscore).
Every module has one: a new module without ``__all__`` fails the run.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import course_lib

NOT_LIBRARY = frozenset({"course_lib.conftest"})
"""Files inside the package that are not part of its API (pytest's doctest set-up)."""


def _raise(name: str) -> None:
    raise ImportError(f"importing package {name} failed while listing course_lib's modules")


def _module_names() -> list[str]:
    found = [name for _, name, _ in pkgutil.walk_packages(course_lib.__path__, "course_lib.", onerror=_raise)]
    return ["course_lib"] + sorted(set(found) - NOT_LIBRARY)


MODULES = _module_names()


def test_modules_are_found_including_subpackages():
    # every .py file of the package is a module checked below, those of course_lib/views/ included
    package = Path(course_lib.__file__).parent
    on_disk = {".".join(("course_lib", *p.relative_to(package).with_suffix("").parts)).removesuffix(".__init__")
               for p in package.rglob("*.py")} - NOT_LIBRARY
    assert set(MODULES) == on_disk, (sorted(on_disk - set(MODULES)), sorted(set(MODULES) - on_disk))
    assert "course_lib.views.studio" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_declares_its_public_names(name):
    module = importlib.import_module(name)
    assert "__all__" in vars(module), (f"{name} has no __all__: list the names lessons and tests may import "
                                       f"(functions, classes, constants) at the top of the module")
    names = module.__all__
    assert isinstance(names, (list, tuple)), f"{name}.__all__ is a {type(names).__name__}, not a list"
    not_text = [n for n in names if not isinstance(n, str)]
    assert not not_text, f"{name}.__all__ holds non-strings: {not_text}"
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert not repeated, f"{name}.__all__ lists these twice: {repeated}"
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what the module does not define: {missing}"
    private = [n for n in names if n.startswith("_")]
    assert not private, f"{name}.__all__ exports private names (leading underscore): {private}"

"""No module of course_lib imports one that imports it back, directly or through others.

A cycle means two modules are one idea split in two, or that one of them holds
something that belongs elsewhere (the fix is to move it, not to hide the
import). The graph is read from the source with ``ast``, not by importing, so
a cycle is found even where Python happens to tolerate it.

What counts as an import of module ``m`` by module ``a``:

- every ``import course_lib.m``, ``from course_lib import m``,
  ``from course_lib.m import name`` and relative ``from . import m`` /
  ``from .m import name`` in ``a``'s file, **at any depth**: an import inside
  a function counts as much as one at the top. Moving an import into a
  function only delays the cycle to the first call; it does not remove the
  dependency, and the course's rule is about which module needs which;
- ``from course_lib import name`` where ``name`` is not a module is an import
  of the package ``course_lib`` itself (its ``__init__``);
- importing ``course_lib.views.studio`` does not count as importing the
  package ``course_lib.views`` (Python runs that ``__init__`` first, but the
  package's own imports are counted as its edges, so a cycle through it is
  still found).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "course_lib"
NOT_LIBRARY = {"course_lib.conftest"}
"""Files inside the package that are not part of the library (pytest's doctest set-up)."""


@dataclass(frozen=True)
class Edge:
    """Module ``source`` imports module ``target`` at ``file``:``line``."""

    source: str
    target: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.file}:{self.line})"


def module_files(package: Path) -> dict[str, Path]:
    """Return every module of the package under ``package``: dotted name → file (``__init__`` is the package)."""
    root = package.parent
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """Return the absolute dotted name a (possibly relative) ``from`` import refers to."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def import_edges(package: Path) -> list[Edge]:
    """Return every import of one of the package's modules by another, at any depth of the file."""
    modules = module_files(package)
    root_name = package.name
    edges = []
    for source, path in modules.items():
        if source in NOT_LIBRARY:
            continue
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(source, is_package, node.level, node.module)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.append(submodule if submodule in modules else base)
            for named in targets:
                target = named
                while target and target not in modules:       # import a.b.c where c is a name: the module a.b
                    target = target.rpartition(".")[0]
                if target and target.split(".")[0] == root_name and target != source:
                    edges.append(Edge(source, target, str(path.relative_to(package.parent)), node.lineno))
    return edges


def cycles(edges: list[Edge]) -> list[list[Edge]]:
    """Return one cycle (a list of edges, each ending where the next starts) per group of modules that form one."""
    graph: dict[str, dict[str, Edge]] = {}
    for edge in edges:
        graph.setdefault(edge.source, {}).setdefault(edge.target, edge)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:                      # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    found = []
    for group in groups:                                  # a shortest way round, from the group's first module
        members, start = set(group), group[0]
        paths = {start: []}
        queue = [start]
        cycle = None
        while queue and cycle is None:
            node = queue.pop(0)
            for nxt, edge in sorted(graph.get(node, {}).items()):
                if nxt == start:
                    cycle = paths[node] + [edge]
                    break
                if nxt in members and nxt not in paths:
                    paths[nxt] = paths[node] + [edge]
                    queue.append(nxt)
        found.append(cycle)
    return found


def _describe(found: list[list[Edge]]) -> str:
    return "\n".join("  " + " ; ".join(str(edge) for edge in cycle) for cycle in found)


# --- the finder itself finds what it should -----------------------------------------------------------------

def _write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_the_finder_sees_top_level_function_level_and_relative_imports(tmp_path):
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "def f():\n    from pkg.c import thing\n    return thing\n",
        "pkg/c.py": "from . import a\nimport numpy\nthing = 1\n",
        "pkg/d.py": "import pkg.a\nfrom pkg import __doc__ as text\n",
        "pkg/sub/__init__.py": "from .e import x\n",
        "pkg/sub/e.py": "from ..a import b\nx = 1\n",
    })
    edges = {(e.source, e.target) for e in import_edges(package)}
    assert edges == {("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.c", "pkg.a"), ("pkg.d", "pkg.a"),
                     ("pkg.d", "pkg"), ("pkg.sub", "pkg.sub.e"), ("pkg.sub.e", "pkg.a")}
    found = cycles(import_edges(package))
    assert [[(e.source, e.target) for e in cycle] for cycle in found] == [
        [("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.c", "pkg.a")]]
    assert "pkg/b.py:2" in _describe(found)                # the function-level import is named by line


def test_the_finder_reports_nothing_for_a_tree(tmp_path):
    package = _write_package(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "from pkg import b\n",
                                        "pkg/b.py": "import os\n"})
    assert cycles(import_edges(package)) == []


# --- the library --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def library_edges() -> list[Edge]:
    return import_edges(PACKAGE)


def test_the_library_graph_is_read(library_edges):
    pairs = {(e.source, e.target) for e in library_edges}
    assert ("course_lib.viz", "course_lib.compositing") in pairs
    assert ("course_lib.views.annotator", "course_lib.annotation_store") in pairs
    assert len({e.source for e in library_edges}) >= 30, "too few modules import others: is the parser broken?"


def test_no_module_of_course_lib_imports_one_that_imports_it_back(library_edges):
    found = cycles(library_edges)
    assert not found, ("import cycles in course_lib (module -> module it imports (file:line)); move what both "
                       "need to the module it belongs to:\n" + _describe(found))

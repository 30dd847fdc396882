"""pytest set-up for the library's docstring examples: a run that collects ``course_lib`` must run them.

``pytest`` collects ``course_lib`` with ``--doctest-modules`` (see ``pyproject.toml``),
so every example in a docstring is a test. An example marked ``# doctest: +SKIP``
passes while checking nothing, so this guard fails a run that collected the
package (or some of its files) when

- the whole package was collected and no example was found at all (is
  ``--doctest-modules`` on?), or
- a module whose source has ``>>>`` lines ran none of them: every example is
  ``+SKIP``, or doctest cannot see them (a comment, a string that is not a docstring).

A run narrowed to some tests (``-k``, ``--collect-only``, a ``path::name`` argument,
or examples deselected by ``-m``, ``--lf`` or ``--deselect``), one stopped early
(``-x``), and one that never collected ``course_lib`` (``pytest tests/test_synth.py``)
are left alone. numpy and scikit-image keep their doctest set-up in the package
the same way; this file is not part of the library's API.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent
_EXAMPLE_LINE = re.compile(r"^\s*>>>( |$)", re.MULTILINE)


class _Ledger:
    """What this run collected and ran of the package's examples."""

    def __init__(self) -> None:
        self.with_examples: set[Path] = set()   # files pytest looked at whose source has >>> lines
        self.items: dict[str, Path] = {}        # doctest item id -> its file
        self.ran: dict[Path, int] = {}          # file -> doctest items that ran (passed or failed)
        self.narrowed = False
        self.problems: list[str] = []


_LEDGER = pytest.StashKey[_Ledger]()
_CURRENT: dict[str, _Ledger] = {}   # for pytest_runtest_logreport, which is not given the config


def _ledger(config: pytest.Config) -> _Ledger:
    if _LEDGER not in config.stash:
        config.stash[_LEDGER] = _Ledger()
    return config.stash[_LEDGER]


def _in_package(path) -> bool:
    return Path(path).resolve().is_relative_to(PACKAGE_DIR)


def _asked_paths(config: pytest.Config) -> list[Path]:
    """Return the folders and files the run was asked to collect whole (arguments, else testpaths)."""
    base = Path(config.invocation_params.dir)
    return [(base / str(arg)).resolve() for arg in config.args if "::" not in str(arg)]


def pytest_collect_file(file_path: Path, parent):
    """Note each package file with examples that pytest looks at (files left out by ``--ignore`` never get here)."""
    if file_path.suffix == ".py" and _in_package(file_path):
        if _EXAMPLE_LINE.search(file_path.read_text(encoding="utf-8")):
            _ledger(parent.config).with_examples.add(file_path.resolve())
    return None


def pytest_collection_modifyitems(session, config, items):
    ledger = _ledger(config)
    for item in items:
        if type(item).__name__ == "DoctestItem" and _in_package(item.path):
            ledger.items[item.nodeid] = Path(item.path).resolve()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """Under pytest-xdist (``make test``) the workers collect; the controller, which judges, learns the ids here."""
    ledger = _ledger(node.config)
    for nodeid in ids:
        file = PACKAGE_DIR.parent / nodeid.split("::", 1)[0]
        if "::" in nodeid and _in_package(file) and file.suffix == ".py":
            ledger.items[nodeid] = file.resolve()


def pytest_deselected(items):
    for item in items:
        if type(item).__name__ == "DoctestItem" and _in_package(item.path):
            _ledger(item.config).narrowed = True


def pytest_configure(config):
    # historic hook: also called when collection reaches this folder after the session started
    _CURRENT["ledger"] = _ledger(config)


def pytest_unconfigure(config):
    _CURRENT.pop("ledger", None)


def pytest_runtest_logreport(report):
    # pytest passes only the report here; the ledger comes from pytest_configure
    ledger = _CURRENT.get("ledger")
    if ledger is None or report.when != "call" or report.skipped:
        return
    path = ledger.items.get(report.nodeid)
    if path is not None:
        ledger.ran[path] = ledger.ran.get(path, 0) + 1


def _guard_applies(session: pytest.Session) -> bool:
    config, ledger = session.config, _ledger(session.config)
    option = config.option
    return not (ledger.narrowed or getattr(option, "keyword", "") or getattr(option, "collectonly", False)
                or any("::" in str(arg) for arg in config.args)
                or session.shouldfail or session.shouldstop
                or session.exitstatus == pytest.ExitCode.INTERRUPTED)


def pytest_sessionfinish(session, exitstatus):
    ledger = _ledger(session.config)
    if hasattr(session.config, "workerinput") or not _guard_applies(session):
        return                              # a pytest-xdist worker ran a share: the controller judges the whole
    asked = _asked_paths(session.config)
    whole = any(PACKAGE_DIR.is_relative_to(path) for path in asked)
    guarded = sorted(path for path in ledger.with_examples
                     if any(path.is_relative_to(folder_or_file) for folder_or_file in asked))
    if not (whole or guarded):
        return                              # the run never asked for course_lib (e.g. pytest tests/test_synth.py)
    problems = []
    if not ledger.items:
        problems.append("no docstring example in course_lib was collected: run pytest with --doctest-modules "
                        "(pyproject.toml's addopts has it)")
    else:
        collected = set(ledger.items.values())
        for path in guarded:
            if ledger.ran.get(path):
                continue
            name = path.relative_to(PACKAGE_DIR.parent)
            if path in collected:
                problems.append(f"{name}: every docstring example is marked '# doctest: +SKIP', so nothing "
                                f"was checked; make at least one example run for real")
            else:
                problems.append(f"{name} has '>>>' lines but doctest found no example in it "
                                f"(is the example in a comment or in a string that is not a docstring?)")
    if problems:
        ledger.problems = problems
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    problems = _ledger(config).problems
    if problems:
        terminalreporter.section("course_lib docstring examples that did not run", red=True)
        for line in problems:
            terminalreporter.write_line(f"FAILED {line}", red=True)

"""The Makefile's promises, checked the way a person would use them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_setup_is_idempotent_and_skips_pip():
    result = subprocess.run(["make", "-n", "setup"], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    assert "pip install" not in result.stdout, (
        "make setup would run pip although nothing changed:\n" + result.stdout
    )


def _course_map() -> list[tuple[str, bool]]:
    """Return (lesson, marked coming) for each row of the README's course map."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The course map", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*`([^`]+)`([^|]*)\|", section, flags=re.MULTILINE)
    return [(lesson, "(coming)" in rest) for lesson, rest in rows]


def test_the_readme_course_map_is_the_notebooks_folder():
    rows = _course_map()
    assert len(rows) >= 5, f"the README's course map table was not found: {rows}"
    on_disk = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    missing = [lesson for lesson, coming in rows if not coming and lesson not in on_disk]
    assert not missing, f"the README lists {missing} but notebooks/ lacks them: mark their rows (coming)"
    arrived = [lesson for lesson, coming in rows if coming and lesson in on_disk]
    assert not arrived, f"{arrived} are in notebooks/: drop (coming) from their rows in the README"
    unlisted = sorted(on_disk - {lesson for lesson, _ in rows})
    assert not unlisted, f"notebooks/ has {unlisted}, which the README's course map does not list"


def _makefile_rules() -> tuple[set[str], set[str]]:
    """Return the Makefile's plain targets that have a rule, and the names in .PHONY."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = set(re.search(r"^\.PHONY:(.*)$", text, flags=re.MULTILINE).group(1).split())
    # `name:` or `name: prerequisites`, not `NAME := value` and not `$(STAMP):`
    rules = set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, flags=re.MULTILINE))
    return rules, phony


def test_make_help_and_phony_name_only_targets_that_exist():
    rules, phony = _makefile_rules()
    assert phony - rules == set(), f".PHONY names targets without a rule: {sorted(phony - rules)}"
    listed = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    helped = set(re.findall(r"^make (\S+)", listed, flags=re.MULTILINE))
    assert helped - rules == set(), f"make help lists targets the Makefile lacks: {sorted(helped - rules)}"
    assert phony - helped == set(), f"make help does not list {sorted(phony - helped)}:\n{listed}"


def test_make_test_changes_nothing_outside_the_repository():
    # -B: print every recipe make test could run, the set-up's included, as if nothing were up to date
    planned = subprocess.run(["make", "-n", "-B", "test"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
    assert "pytest" in planned, planned
    assert not re.search(r"apt-get|\bapt\b|\bsudo\b|\bdpkg\b", planned), (
        "make test would change the system; that belongs to make browser:\n" + planned)
    commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line.strip().startswith("make ")]
    assert [c.split()[:2] for c in commands] == [["make", "browser"], ["make", "test-all"]], \
        f"CI should run make browser, then make test-all: {commands}"
    assert commands[-1] == "make test-all", "CI's last command is the README's make test-all, as it is"


def _recipe(target: str) -> str:
    """Return what ``make -n target`` would run, the set-up left out (its stamp is up to date or not)."""
    planned = subprocess.run(["make", "-n", "-o", ".venv/.course-installed", target], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    return "\n".join(line for line in planned.splitlines() if "pytest" in line)


def test_make_test_leaves_the_slow_tests_out_and_test_all_runs_everything():
    quick, everything = _recipe("test"), _recipe("test-all")
    assert re.search(r"""-m\s+["']?not slow["']?""", quick), f"make test should deselect the slow tests:\n{quick}"
    assert "pytest" in everything and " -m " not in everything.split("pytest", 1)[1], (
        f"make test-all should run every test:\n{everything}")


def test_every_slow_test_the_conftest_names_exists():
    """tests/conftest.py marks tests of other files slow by name: a renamed test must not quietly turn fast."""
    import ast

    from conftest import SLOW_TESTS

    for prefix in SLOW_TESTS:
        file, _, name = prefix.partition("::")
        path = ROOT / "tests" / file
        assert path.is_file(), f"tests/conftest.py SLOW_TESTS names {file}, which tests/ lacks"
        if name:
            tests = [node.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(node, ast.FunctionDef) and node.name.startswith("test")]
            function = name.split("[", 1)[0]
            assert any(test.startswith(function) for test in tests), (
                f"tests/conftest.py SLOW_TESTS names {prefix}, but {file} has no such test: update the entry")


@pytest.mark.slow
def test_make_course_writes_html_with_figures(tmp_path):
    env = dict(os.environ, COURSE_FAST="1")
    result = subprocess.run(
        [sys.executable, "scripts/build_course.py", "notebooks/00_tour.ipynb", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / "00_tour.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64") >= 3, "the executed tour should carry its figures"
    assert "A tour" in html


def test_make_course_reports_a_missing_notebook(tmp_path):
    result = subprocess.run(
        [sys.executable, "scripts/build_course.py", "notebooks/nope.ipynb", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2 and "nope.ipynb" in result.stderr


@pytest.mark.slow
def test_make_lab_serves_jupyterlab_with_the_notebooks():
    port = _free_port()
    token = "course-test-token"
    proc = subprocess.Popen(
        ["make", "lab", f"PORT={port}",
         f"LAB_ARGS=--no-browser --IdentityProvider.token={token} --ServerApp.ip=127.0.0.1 "
         "--ServerApp.port_retries=0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        listing = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/api/contents?token={token}"
                with urllib.request.urlopen(url, timeout=5) as response:
                    listing = json.load(response)
                break
            except OSError:
                time.sleep(1)
        if listing is None:
            output = proc.stdout.read().decode(errors="replace") if proc.poll() is not None else ""
            pytest.fail(f"JupyterLab did not answer on port {port} within 90 s\n{output[-3000:]}")
        names = {item["name"] for item in listing["content"]}
        expected = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
        assert expected <= names, f"lab lists {sorted(names)}, expected {sorted(expected)}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10) as page:
            assert page.status == 200 and b"JupyterLab" in page.read()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_make_demo_serves_the_studio_with_voila():
    """`make demo` runs apps/studio.ipynb in Voilà: the page carries the studio's widget, not a traceback."""
    port = _free_port()
    env = dict(os.environ, COURSE_FAST="1")
    proc = subprocess.Popen(
        ["make", "demo", f"PORT={port}", "VOILA_ARGS=--Voila.ip=127.0.0.1 --Voila.port_retries=0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        page = None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                # Voilà executes the notebook for each visit: the answer comes once the studio is built.
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=180) as response:
                    assert response.status == 200
                    page = response.read().decode(errors="replace")
                break
            except OSError:
                time.sleep(1)
        if page is None:
            output = proc.stdout.read().decode(errors="replace") if proc.poll() is not None else ""
            pytest.fail(f"Voilà did not answer on port {port} within 240 s\n{output[-3000:]}")
        assert "Comparison studio" in page, page[:2000]
        assert "application/vnd.jupyter.widget-view+json" in page, (
            "the studio cell did not display its widget:\n" + page[-3000:])
        assert "Traceback" not in page and "There was an error" not in page
        # Offline: Voilà's lab template links Font Awesome from a CDN; the `offline` template does not.
        remote = [tag or module for tag, module in re.findall(
            r"""<(?:link|script|img)\b[^>]*?\b(?:href|src)=["']((?:https?:)?//[^"']+)"""
            r"""|import\(["']((?:https?:)?//[^"']+)""", page)]
        assert not remote, f"the studio page loads from the network: {remote}"
    finally:
        # SIGTERM: Voilà shuts its kernel down (the kernel runs in a session of its own).
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    log = proc.stdout.read().decode(errors="replace")
    assert f"http://127.0.0.1:{port}/" in log, "make demo should print the studio's URL:\n" + log[-2000:]


def _lesson_00_map() -> list[str]:
    """Return the lessons of lesson 00's course map, in order, as notebook stems' prefixes (``00``, ``04b``, …)."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "00_tour.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "markdown" and "The course map" in c.source]
    assert len(cells) == 1, f"lesson 00 should have one 'The course map' cell, found {len(cells)}"
    return re.findall(r"^\|\s*\**(\d\d[a-z]?)\b", cells[0], flags=re.MULTILINE)


def test_lesson_00_map_lists_the_readme_lessons_in_order():
    readme = [lesson.split("_", 1)[0] for lesson, _ in _course_map()]
    tour = _lesson_00_map()
    assert tour == readme, (f"lesson 00's course map lists {tour}, the README's {readme}: "
                            "give lesson 00 a row per lesson, in the README's order")

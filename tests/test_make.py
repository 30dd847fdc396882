"""The Makefile's promises, checked the way a person would use them."""

from __future__ import annotations

import json
import os
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


def test_make_course_writes_html_with_figures(tmp_path):
    env = dict(os.environ, COURSE_FAST="1")
    result = subprocess.run(
        [sys.executable, "scripts/build_course.py", "notebooks/00_tour.ipynb", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / "00_tour.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64") >= 3, "the executed tour should carry its figures"
    assert "A tour" in html


def test_make_course_reports_a_missing_notebook(tmp_path):
    result = subprocess.run(
        [sys.executable, "scripts/build_course.py", "notebooks/nope.ipynb", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and "nope.ipynb" in result.stderr


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
    finally:
        # SIGTERM: Voilà shuts its kernel down (the kernel runs in a session of its own).
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    log = proc.stdout.read().decode(errors="replace")
    assert f"http://127.0.0.1:{port}/" in log, "make demo should print the studio's URL:\n" + log[-2000:]

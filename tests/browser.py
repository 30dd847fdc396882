"""Shared by the browser tests: Voilà serving an app with the offline template, headless Chromium cut off
from the network, and waiting for what the page shows.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser`` installs them) and selenium (a dev
extra); a test module sets ``pytestmark = NEEDS_BROWSER`` and imports selenium with ``pytest.importorskip``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
NEEDS_BROWSER = pytest.mark.skipif(not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
                                   reason="needs Debian's chromium and chromium-driver: run `make browser` "
                                          "(apt-get install chromium chromium-driver)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def voila(notebook: str, **env: str):
    """Serve ``notebook`` (relative to the repository) with Voilà in fast mode, as `make demo` does; yield its URL.

    ``env`` is added to the server's (and so its kernels') environment. Stopped on leaving.
    """
    port = free_port()
    executable = Path(sys.executable).parent / "voila"
    # make demo's offline template: Voilà's lab template without its CDN links (apps/voila/templates/offline)
    jupyter_path = os.pathsep.join(filter(None, [str(ROOT / "apps"), os.environ.get("JUPYTER_PATH")]))
    proc = subprocess.Popen([str(executable), notebook, "--template=offline", f"--port={port}",
                             "--no-browser", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"],
                            cwd=ROOT, env=dict(os.environ, COURSE_FAST="1", JUPYTER_PATH=jupyter_path, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                # /voila/api/shutdown is not exposed; the static files answer as soon as the server listens
                with urllib.request.urlopen(url + "voila/static/voila.js", timeout=5):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            output = proc.stdout.read().decode(errors="replace") if proc.poll() is not None else ""
            pytest.fail(f"Voilà did not start on port {port}\n{output[-3000:]}")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)      # Voilà shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def chromium():
    """Yield a headless Chromium driver that reaches only this machine; quit on leaving."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,2200",
                 # the network is unreachable: every host but this machine goes to a closed port
                 "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1;localhost"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def text(driver, css: str) -> str:
    return driver.find_element("css selector", css).text


def wait_for(condition, what: str, timeout: float = 120):
    """Return ``condition()``'s first truthy value, trying every 0.25 s; fail naming ``what`` after ``timeout``."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # the element is not there yet, or is being re-rendered: try again, say it at the end
            last = exc
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}"
                + (f"; the last try raised {type(last).__name__}: {last}" if last is not None else ""))


ERROR_TEXTS = ("Traceback", "Error displaying widget", "Failed to load model class")
"""What the page shows when a cell failed or a widget's front-end code did not load."""


def errors_on_page(driver) -> list[str]:
    problems = [e.text for e in driver.find_elements(
        "css selector", "[data-mime-type='application/vnd.jupyter.stderr'], .jp-OutputArea-output.jp-mod-error")]
    page = driver.find_element("tag name", "body").text
    problems += [line for line in page.splitlines() if any(error in line for error in ERROR_TEXTS)]
    return problems

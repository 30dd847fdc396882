"""The comparison studio in a real browser: Voilà serves apps/studio.ipynb, headless Chromium moves sliders.

The browser reaches only this machine (every other host goes to a proxy that is not there), so the
page must be complete offline: every icon drawn from a font Voilà serves, nothing fetched elsewhere.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser`` installs them) and selenium
(a dev extra); skipped, with the reason, where either is missing. Saves a screenshot of the studio
after the moves to ``build/studio_browser.png``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")
SCREENSHOT = ROOT / "build" / "studio_browser.png"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
pytestmark = pytest.mark.skipif(not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
                                reason="needs Debian's chromium and chromium-driver: run `make browser` "
                                       "(apt-get install chromium chromium-driver)")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def studio_url():
    """Voilà serving apps/studio.ipynb (fast mode) on a free port, as `make demo` does; stopped after the tests."""
    port = _free_port()
    voila = Path(sys.executable).parent / "voila"
    # make demo's offline template: Voilà's lab template without its CDN links (apps/voila/templates/offline)
    jupyter_path = os.pathsep.join(filter(None, [str(ROOT / "apps"), os.environ.get("JUPYTER_PATH")]))
    proc = subprocess.Popen([str(voila), "apps/studio.ipynb", "--template=offline", f"--port={port}",
                             "--no-browser", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"],
                            cwd=ROOT, env=dict(os.environ, COURSE_FAST="1", JUPYTER_PATH=jupyter_path),
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


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,2200",
                 # the network is unreachable: every host but this machine goes to a closed port
                 "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1;localhost"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def _text(driver, css: str) -> str:
    return driver.find_element("css selector", css).text


def _wait_for(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception:  # the element is not there yet, or is being re-rendered
            pass
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _move_slider_to_end(driver, css: str) -> None:
    from selenium.webdriver.common.keys import Keys

    handle = driver.find_element("css selector", f"{css} .noUi-handle")
    handle.click()
    handle.send_keys(Keys.END)            # noUiSlider's keyboard: End is the maximum, sent as one change


def _errors_on_page(driver) -> list[str]:
    problems = [e.text for e in driver.find_elements(
        "css selector", "[data-mime-type='application/vnd.jupyter.stderr'], .jp-OutputArea-output.jp-mod-error")]
    page = driver.find_element("tag name", "body").text
    problems += [line for line in page.splitlines() if "Traceback" in line or "Error displaying widget" in line]
    return problems


def test_moving_sliders_in_a_browser_updates_each_sides_score(studio_url, browser):
    browser.get(studio_url)
    classical = ".studio-score-classical"
    unet = ".studio-score-unet"
    _wait_for(lambda: "IoU" in _text(browser, classical) and "IoU" in _text(browser, unet),
              "both score lines to appear")
    before = {"classical": _text(browser, classical), "unet": _text(browser, unet)}

    _move_slider_to_end(browser, ".studio-threshold")          # 0.99: the U-Net keeps only what it is sure of
    _wait_for(lambda: _text(browser, unet) != before["unet"], "the U-Net's score to change")
    assert _text(browser, classical) == before["classical"], "the threshold must not touch the classical side"

    after_unet = _text(browser, unet)
    _move_slider_to_end(browser, ".studio-classical-size")     # blur_otsu's kernel to 21 px
    _wait_for(lambda: _text(browser, classical) != before["classical"], "the classical score to change")
    assert _text(browser, unet) == after_unet

    SCREENSHOT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    assert not _errors_on_page(browser), _errors_on_page(browser)


# For each Font Awesome icon: its classes, the font its CSS asks for, whether a loaded @font-face
# serves that family and weight, whether it is shown, and the width its glyph takes (0 when shown
# without its font).
_ICONS_JS = """
const loaded = Array.from(document.fonts).filter(f => f.status === 'loaded');
return Array.from(document.querySelectorAll('i.fa, i.fas, i.far, i.fab')).map(icon => {
  const style = getComputedStyle(icon);
  const family = style.fontFamily.split(',')[0].replace(/["']/g, '').trim();
  const weight = String(style.fontWeight);
  return {classes: icon.className, family: family, weight: weight,
          loaded: loaded.some(f => f.family.replace(/["']/g, '') === family && String(f.weight) === weight),
          glyph: getComputedStyle(icon, '::before').content,
          shown: icon.getClientRects().length > 0, width: icon.getBoundingClientRect().width};
});
"""


def _remote_resources(driver) -> list[str]:
    """Return every URL the page fetched, or links, that is not on this machine."""
    urls = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).concat("
        "  Array.from(document.querySelectorAll('link[href], script[src], img[src]'), e => e.href || e.src))")
    return sorted({url for url in urls
                   if urllib.parse.urlsplit(url).scheme in ("http", "https", "ws", "wss")
                   and urllib.parse.urlsplit(url).hostname not in LOCAL_HOSTS})


def _drawn(icon: dict) -> bool:
    return (icon["loaded"] and icon["glyph"] not in ("none", "normal", "")
            and (icon["width"] > 0 or not icon["shown"]))


def test_the_studio_is_complete_offline_every_icon_drawn(studio_url, browser):
    browser.get(studio_url)
    _wait_for(lambda: "IoU" in _text(browser, ".studio-score-unet"), "the studio to be built")
    browser.find_element("xpath", "//button[normalize-space()='my upload']").click()   # shows the upload button
    _wait_for(lambda: any(i["shown"] and "fa-upload" in i["classes"] for i in browser.execute_script(_ICONS_JS)),
              "the upload button and its icon to show", timeout=30)
    deadline = time.monotonic() + 30          # Font Awesome blocks its glyphs until the font has arrived
    while True:
        icons = browser.execute_script(_ICONS_JS)
        missing = [icon for icon in icons if not _drawn(icon)]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert not missing, f"icons without their font (it should come from Voilà's static files): {missing}"
    remote = _remote_resources(browser)
    assert not remote, f"the page asked for files from another host, which an offline laptop lacks: {remote}"

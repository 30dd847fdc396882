"""The comparison studio in a real browser: Voilà serves apps/studio.ipynb, headless Chromium moves sliders.

The browser reaches only this machine (every other host goes to a proxy that is not there), so the
page must be complete offline: every icon drawn from a font Voilà serves, nothing fetched elsewhere.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser`` installs them) and selenium
(a dev extra); skipped, with the reason, where either is missing. Saves a screenshot of the studio
after the moves to ``build/studio_browser.png``.
"""

from __future__ import annotations

import time
import urllib.parse

import pytest
from browser import LOCAL_HOSTS, NEEDS_BROWSER, ROOT, chromium, errors_on_page, text, voila, wait_for

SCREENSHOT = ROOT / "build" / "studio_browser.png"

pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
pytestmark = NEEDS_BROWSER


@pytest.fixture(scope="module")
def studio_url():
    """Voilà serving apps/studio.ipynb (fast mode) on a free port, as `make demo` does; stopped after the tests."""
    with voila("apps/studio.ipynb") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def _move_slider_to_end(driver, css: str) -> None:
    from selenium.webdriver.common.keys import Keys

    handle = driver.find_element("css selector", f"{css} .noUi-handle")
    handle.click()
    handle.send_keys(Keys.END)            # noUiSlider's keyboard: End is the maximum, sent as one change


def test_moving_sliders_in_a_browser_updates_each_sides_score(studio_url, browser):
    browser.get(studio_url)
    classical = ".studio-score-classical"
    unet = ".studio-score-unet"
    wait_for(lambda: "IoU" in text(browser, classical) and "IoU" in text(browser, unet),
             "both score lines to appear")
    before = {"classical": text(browser, classical), "unet": text(browser, unet)}

    _move_slider_to_end(browser, ".studio-threshold")          # 0.99: the U-Net keeps only what it is sure of
    wait_for(lambda: text(browser, unet) != before["unet"], "the U-Net's score to change")
    assert text(browser, classical) == before["classical"], "the threshold must not touch the classical side"

    after_unet = text(browser, unet)
    _move_slider_to_end(browser, ".studio-classical-size")     # blur_otsu's kernel to 21 px
    wait_for(lambda: text(browser, classical) != before["classical"], "the classical score to change")
    assert text(browser, unet) == after_unet

    SCREENSHOT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    assert not errors_on_page(browser), errors_on_page(browser)


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
    wait_for(lambda: "IoU" in text(browser, ".studio-score-unet"), "the studio to be built")
    browser.find_element("xpath", "//button[normalize-space()='my upload']").click()   # shows the upload button
    wait_for(lambda: any(i["shown"] and "fa-upload" in i["classes"] for i in browser.execute_script(_ICONS_JS)),
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

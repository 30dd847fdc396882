"""The annotation tool in a real browser: Voilà serves apps/annotate.ipynb, headless Chromium drags a box.

What the Python tests of :class:`course_lib.views.annotator.Annotator` cannot show: that ipyevents'
front-end code loads in Voilà, offline, and that a person's drag on the picture reaches the kernel
as a box in the photo's pixels. The browser reaches only this machine (see tests/browser.py).

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser`` installs them) and selenium;
skipped, with the reason, where either is missing. Saves a screenshot of GrabCut's proposal, before the accept, to
``build/annotator-browser.png``.
"""

from __future__ import annotations

import json
import time

import pytest
from browser import NEEDS_BROWSER, ROOT, chromium, errors_on_page, text, voila, wait_for

SCREENSHOT = ROOT / "build" / "annotator-browser.png"
PHOTOS = ("first.png", "second.png")
SIZE = 160
SHOWN = 512
"""The tool draws a photo at its default side, 512 px: a 160 px photo is enlarged (nearest neighbour)."""

pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
pytestmark = NEEDS_BROWSER

# The picture's box on the page and the photo shown in it (its natural size, in the picture's pixels).
_PICTURE_JS = """
const img = document.querySelector('img.annotator-picture');
const r = img.getBoundingClientRect();
return {left: r.left, top: r.top, width: r.width, height: r.height,
        natural_width: img.naturalWidth, natural_height: img.naturalHeight, complete: img.complete};
"""


def _settled(img, seconds: float = 1.0) -> bool:
    """Return whether the picture stays the same for ``seconds``."""
    before = img.get_attribute("src")
    time.sleep(seconds)
    return img.get_attribute("src") == before


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two generated photos, nothing annotated yet."""
    from course_lib import synth
    from course_lib.imageio import save_png

    folder = tmp_path_factory.mktemp("annotate")
    for seed, name in enumerate(PHOTOS):
        save_png(folder / name, synth.make_sample(seed, size=SIZE).rgb)
    return folder


def test_dragging_a_box_in_a_browser_proposes_and_accept_saves_the_mask(folder):
    from selenium.webdriver.common.action_chains import ActionChains

    with voila("apps/annotate.ipynb", COURSE_ANNOTATE_DIR=str(folder)) as url, chromium() as browser:
        browser.get(url)
        wait_for(lambda: PHOTOS[0] in text(browser, ".annotator-status"), "the status line to name the first photo")
        picture = wait_for(lambda: (lambda p: p if p["complete"] and p["natural_width"] == SHOWN else None)(
            browser.execute_script(_PICTURE_JS)), "the photo to render")
        assert 0 < picture["width"] <= SHOWN and 0 < picture["height"] <= SHOWN, (
            f"the picture should keep the photo's size, not be stretched to the page: {picture}")
        assert not errors_on_page(browser), errors_on_page(browser)

        # Drag from 20 % to 75 % of the picture's width and 25 % to 80 % of its height, in steps as a hand would.
        img = browser.find_element("css selector", "img.annotator-picture")
        shown = img.get_attribute("src")
        start = (round(picture["width"] * 0.20), round(picture["height"] * 0.25))
        end = (round(picture["width"] * 0.75), round(picture["height"] * 0.80))
        centre = (int(picture["width"] / 2), int(picture["height"] / 2))   # Selenium's offsets start there
        actions = ActionChains(browser).move_to_element_with_offset(img, start[0] - centre[0], start[1] - centre[1])
        actions.click_and_hold()
        for step in (1, 2, 3, 4):
            actions.move_to_element_with_offset(img, start[0] + (end[0] - start[0]) * step // 4 - centre[0],
                                                start[1] + (end[1] - start[1]) * step // 4 - centre[1])
        actions.release().perform()

        browser.find_element("css selector", "button.annotator-propose").click()
        # GrabCut's proposal is drawn over the photo: wait for the picture to settle, then photograph the page
        wait_for(lambda: img.get_attribute("src") != shown, "the box and the proposal to be drawn", timeout=60)
        wait_for(lambda: _settled(img), "the picture to stop changing", timeout=60)
        SCREENSHOT.parent.mkdir(exist_ok=True)
        browser.save_screenshot(str(SCREENSHOT))
        browser.find_element("css selector", "button.annotator-accept").click()
        mask = folder / "masks" / f"{PHOTOS[0].rsplit('.', 1)[0]}.png"
        wait_for(mask.exists, f"accept to save {mask.name}", timeout=60)
        wait_for(lambda: PHOTOS[1] in text(browser, ".annotator-status"), "the next photo to be shown", timeout=60)
        problems = errors_on_page(browser)
        message = text(browser, ".annotator-message")

    assert not problems, problems
    assert not message, f"the tool reported a problem: {message}"
    saved = json.loads((folder / "annotations.json").read_text(encoding="utf-8"))["photos"][PHOTOS[0]]
    assert saved["status"] == "accepted" and saved["seconds"] > 0, saved
    # the dragged corners in photo pixels (the box runs to the last pixel plus one)
    per_px = picture["natural_width"] / picture["width"] * SIZE / SHOWN    # screen px -> picture px -> photo px
    expected = [start[0] * per_px, start[1] * per_px, end[0] * per_px + 1, end[1] * per_px + 1]
    assert saved["box"] == pytest.approx(expected, abs=3), (saved["box"], expected)

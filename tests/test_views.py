"""course_lib.widgets driven as a learner would, without a browser: sliders move, scores follow."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from course_lib import widgets
from course_lib.datasets import Split


@pytest.mark.parametrize("family", list(widgets.FAMILIES))
def test_every_family_draws_and_scores(family, split):
    panel = widgets.MethodPanel(family, split.rgb[0], split.alpha[0])
    assert panel.mask.shape == (96, 96) and panel.mask.dtype == bool
    assert panel.picture.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "IoU" in panel.score.value


def test_moving_a_slider_changes_the_score(split):
    panel = widgets.MethodPanel("threshold", split.rgb[0], split.alpha[0])
    before = panel.score.value
    panel.controls["threshold"].value = 5          # almost everything is "bright"
    assert panel.score.value != before
    panel.controls["threshold"].value = 250
    assert panel.score.value not in (before,)


def test_flood_fill_tolerance_slider(split):
    panel = widgets.MethodPanel("flood_fill", split.rgb[0], split.alpha[0])
    scores = set()
    for tolerance in (0.0, 6.0, 40.0):
        panel.controls["tolerance"].value = tolerance
        scores.add(panel.score.value)
    assert len(scores) == 3


def test_no_truth_says_so(split):
    panel = widgets.MethodPanel("edges", split.rgb[0])
    assert "no ground truth" in panel.score.value


def test_unknown_family(split):
    with pytest.raises(ValueError, match="family='magic'"):
        widgets.MethodPanel("magic", split.rgb[0])


def test_large_images_are_shown_small():
    big = np.zeros((1000, 600, 3), np.uint8)
    assert widgets.fit_for_panel(big).shape == (256, 154, 3)


def _png(rgb):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def test_picker_upload_good_and_bad(split):
    picked = []
    picker = widgets.ImagePicker(split, lambda rgb, truth, label: picked.append((rgb.shape, truth, label)))
    assert picker.handle_upload("my_shoe.png", _png(np.zeros((64, 80, 3), np.uint8)))
    assert picked[-1] == ((64, 80, 3), None, "my_shoe.png")
    for name, data, reason in [("notes.png", b"hello there", "not an image"),
                               ("empty.jpg", b"", "empty"),
                               ("icon.png", _png(np.zeros((8, 8, 3), np.uint8)), "at least 32"),
                               ("cut.png", _png(np.zeros((64, 64, 3), np.uint8))[:60], "truncated")]:
        assert not picker.handle_upload(name, data)
        assert name in picker.message.value and reason in picker.message.value
    assert len(picked) == 1, "a bad upload must not reach the panels"


def test_picker_switches_difficulty(split):
    picked = []
    picker = widgets.ImagePicker(split, lambda rgb, truth, label: picked.append(label))
    picker.source.value = "hard"
    assert "(hard)" in picked[-1]
    picker.index.value = 1
    assert "#5" in picked[-1]


def test_explorer_shares_the_picked_image(split):
    widget, picker, panels = widgets.classical_explorer(split, families=("threshold", "flood_fill", "grabcut"))
    before = panels["threshold"].score.value
    picker.source.value = "hard"
    assert panels["threshold"].score.value != before
    # GrabCut waits until its tab is opened
    stale = panels["grabcut"].score.value
    widget.children[1].selected_index = 2
    assert panels["grabcut"].score.value != stale

"""course_lib.views (panels, picker, controls) driven as a learner would, without a browser.

Sliders move, scores follow.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from course_lib import classical, metrics
from course_lib.views import calibration_panel, classical_panels, controls, postprocess_panels
from course_lib.views.classical_panels import FAMILIES, MethodPanel
from course_lib.views.picker import ImagePicker


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_family_draws_and_shows_the_scores_of_its_mask(family, split):
    panel = MethodPanel(family, split.rgb[0], split.alpha[0])
    assert panel.mask.shape == (96, 96) and panel.mask.dtype == bool
    assert panel.picture.value[:8] == b"\x89PNG\r\n\x1a\n"
    expected = metrics.scores(panel.mask, split.alpha[0])
    assert panel.scores == expected
    assert f"IoU <b>{expected['iou']:.3f}</b>" in panel.score.value
    assert f"boundary F {expected['boundary_f']:.3f}" in panel.score.value
    assert panel.error is None


@pytest.mark.parametrize("method", list(classical.METHODS))
def test_a_family_named_like_a_method_starts_as_that_method(method, split):
    """One registry: classical.METHODS[key] is what FAMILIES[key] computes at its starting values."""
    panel = MethodPanel(method, split.rgb[3], split.alpha[3])
    np.testing.assert_array_equal(panel.mask, classical.METHODS[method](split.rgb[3]))


def test_an_impossible_parameter_is_reported_through_error_and_keeps_the_last_mask(split):
    panel = MethodPanel("edges", split.rgb[0], split.alpha[0])
    before = panel.mask.copy()
    panel.family = classical_panels.Family("broken", lambda: {},
                                           lambda rgb, **params: (_ for _ in ()).throw(ValueError("no way")))
    panel.redraw()
    assert panel.error == "no way" and "no way" in panel.status.value
    np.testing.assert_array_equal(panel.mask, before)


def test_moving_a_slider_changes_the_score(split):
    panel = MethodPanel("threshold", split.rgb[0], split.alpha[0])
    for threshold in (5, 250):                     # almost everything "bright", then almost nothing
        panel.controls["threshold"].value = threshold
        mask = classical.threshold_mask(split.rgb[0], threshold, polarity="auto", grey="luma")
        np.testing.assert_array_equal(panel.mask, mask)
        assert panel.scores["iou"] == metrics.iou(mask, split.alpha[0])
        assert f"IoU <b>{metrics.iou(mask, split.alpha[0]):.3f}</b>" in panel.score.value


def test_flood_fill_tolerance_slider(split):
    panel = MethodPanel("flood_fill", split.rgb[0], split.alpha[0])
    for tolerance in (0.0, 6.0, 40.0):
        panel.controls["tolerance"].value = tolerance
        mask = classical.flood_fill_background_mask(split.rgb[0], tolerance=tolerance, blur_sigma=1.0)
        np.testing.assert_array_equal(panel.mask, mask)
        assert panel.scores == metrics.scores(mask, split.alpha[0])


def test_no_truth_says_so(split):
    panel = MethodPanel("edges", split.rgb[0])
    assert "no ground truth" in panel.score.value and panel.scores is None


def test_unknown_family(split):
    with pytest.raises(ValueError, match="family='magic'"):
        MethodPanel("magic", split.rgb[0])


def test_large_images_are_shown_small():
    big = np.zeros((1000, 600, 3), np.uint8)
    assert controls.fit_for_panel(big).shape == (256, 154, 3)
    small = np.zeros((100, 60, 3), np.uint8)
    assert controls.fit_for_panel(small) is small


def _png(rgb):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def test_picker_upload_good_and_bad(split):
    picked = []
    picker = ImagePicker(split, lambda rgb, truth, label: picked.append((rgb.shape, truth, label)))
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
    picker = ImagePicker(split, lambda rgb, truth, label: picked.append(label))
    picker.source.value = "hard"
    assert "(hard)" in picked[-1]
    picker.index.value = 1
    assert "#5" in picked[-1]


def test_explorer_shares_the_picked_image(split):
    widget, picker, panels = classical_panels.classical_explorer(split, families=("threshold", "flood_fill",
                                                                                   "grabcut"))
    picker.source.value = "hard"                   # the first hard sample is #2
    assert panels["threshold"].scores == metrics.scores(panels["threshold"].mask, split.alpha[2])
    np.testing.assert_array_equal(panels["threshold"].rgb, split.rgb[2])
    # GrabCut waits until its tab is opened
    stale = panels["grabcut"].score.value
    widget.children[1].selected_index = 2
    assert panels["grabcut"].score.value != stale


def test_png_bytes_round_trip_keeps_rgb_order():
    rgb = np.zeros((3, 5, 3), np.uint8)
    rgb[..., 0] = 200                              # red
    decoded = np.asarray(Image.open(io.BytesIO(controls.png_bytes(rgb))).convert("RGB"))
    np.testing.assert_array_equal(decoded, rgb)


def test_join_with_gaps_puts_white_columns_between_pictures():
    a, b = np.zeros((2, 3, 3), np.uint8), np.full((2, 2, 3), 7, np.uint8)
    out = controls.join_with_gaps([a, b], gap=1)
    assert out.shape == (2, 6, 3)
    assert (out[:, 3] == 255).all() and (out[:, 4:] == 7).all()


def test_postprocess_panel_shows_the_scores_of_its_result(split):
    raw = split.alpha[0] >= 0.5
    panel = postprocess_panels.PostprocessPanel(split.rgb[0], raw, split.alpha[0])
    assert panel.scores["now"] == metrics.scores(panel.alpha, split.alpha[0])
    assert panel.scores["raw"] == metrics.scores(raw.astype(np.float32), split.alpha[0])
    assert f"MAE <b>{panel.scores['now']['mae']:.4f}</b>" in panel.score.value
    panel.controls["edge"].value = "hard"
    np.testing.assert_array_equal(panel.alpha, panel.pipeline()(split.rgb[0], raw))
    assert panel.scores["now"] == metrics.scores(panel.alpha, split.alpha[0])


def test_postprocess_panel_reports_a_failing_step_through_error(split):
    panel = postprocess_panels.PostprocessPanel(split.rgb[0], split.alpha[0] >= 0.5, split.alpha[0])
    before = panel.alpha.copy()

    class Broken:
        def trace(self, rgb, raw):
            raise ValueError("matting needs known pixels")
    panel.pipeline = Broken
    panel.redraw()
    assert panel.error == "matting needs known pixels" and "matting needs known pixels" in panel.status.value
    np.testing.assert_array_equal(panel.alpha, before)
    del panel.pipeline                                      # the class's own method again
    panel.redraw()
    assert panel.error is None


def test_probability_panel_scores_the_mask_at_its_threshold(split):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(96, 96, 2)).astype(np.float32)
    panel = calibration_panel.ProbabilityPanel(split.rgb[0], logits, split.alpha[0], threshold=0.6)
    from course_lib.calibration import object_probability
    np.testing.assert_array_equal(panel.mask, object_probability(logits) >= 0.6)
    assert panel.scores["iou"] == metrics.iou(panel.mask, split.alpha[0])
    assert f"IoU <b>{panel.scores['iou']:.3f}</b>" in panel.score.value

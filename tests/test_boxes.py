"""course_lib.boxes: the bounding box of a mask (empty masks included) and the window to zoom into."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.boxes import bounding_box, zoom_box


def reference_box(mask, margin):
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return (slice(max(ys.min() - margin, 0), min(ys.max() + 1 + margin, h)),
            slice(max(xs.min() - margin, 0), min(xs.max() + 1 + margin, w)))


@pytest.mark.parametrize("seed", range(6))
def test_the_box_holds_every_pixel_and_matches_nonzero(seed):
    rng = np.random.default_rng(seed)
    mask = np.zeros((23, 31), bool)
    y, x = rng.integers(0, 20), rng.integers(0, 28)
    mask[y:y + rng.integers(1, 4), x:x + rng.integers(1, 4)] = True
    mask[rng.integers(0, 23), rng.integers(0, 31)] = True
    for margin in (0, 2, 40):
        box = bounding_box(mask, margin)
        assert box == reference_box(mask, margin), (seed, margin)
        assert mask[box].sum() == mask.sum()


def test_margins_stay_inside_the_image_and_any_nonzero_value_counts():
    alpha8 = np.zeros((10, 10), np.uint8)
    alpha8[4:6, 3:5] = 9
    assert bounding_box(alpha8, 1) == (slice(3, 7), slice(2, 6))
    assert bounding_box(alpha8, 100) == (slice(0, 10), slice(0, 10))
    soft = np.zeros((5, 5), np.float32)
    soft[0, 4] = 0.01
    assert bounding_box(soft) == (slice(0, 1), slice(4, 5))
    assert bounding_box(np.ones((3, 4), bool)) == (slice(0, 3), slice(0, 4))


def test_an_empty_mask_has_no_box():
    with pytest.raises(ValueError, match=r"mask has no nonzero pixel \(shape \(4, 5\)\): an empty mask"):
        bounding_box(np.zeros((4, 5), bool))


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match=r"mask must be H×W, got shape \(4, 4, 3\)"):
        bounding_box(np.ones((4, 4, 3), bool))
    with pytest.raises(ValueError, match="margin must be an integer >= 0"):
        bounding_box(np.ones((4, 4), bool), -1)


def test_the_command_line_crops_to_the_box_and_keeps_an_empty_picture_whole():
    from course_lib import cutout

    rgb = np.full((20, 30, 3), 250, np.uint8)
    alpha = np.zeros((20, 30), np.float32)
    alpha[5:12, 8:20] = 1.0
    image, mask8 = cutout.compose(rgb, alpha, cutout.OutputSpec(crop_margin=2, decontaminate=False))
    assert image.shape == (11, 16, 4) and mask8.shape == (11, 16)
    image, mask8 = cutout.compose(rgb, np.zeros((20, 30)), cutout.OutputSpec(crop_margin=2, decontaminate=False))
    assert image.shape == (20, 30, 4) and not mask8.any()


def test_zoom_box_finds_the_thin_part():
    alpha = np.zeros((64, 64), np.float32)
    alpha[10:50, 4:34] = 1.0
    alpha[40:43, 40:62] = 0.6          # a thin, partly transparent strap on the right
    rows, cols = zoom_box(alpha, 16)
    assert rows.start <= 40 < rows.stop and cols.start >= 36
    assert (rows.stop - rows.start, cols.stop - cols.start) == (16, 16)


def test_zoom_box_stays_inside_a_small_image():
    alpha = np.zeros((10, 12), np.float32)
    alpha[3:7, 3:9] = 1.0
    rows, cols = zoom_box(alpha, 32)
    assert (rows, cols) == (slice(0, 10), slice(0, 12))

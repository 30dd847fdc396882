"""course_lib.compositing: the one blend out = α·F + (1 − α)·B, its backgrounds, and that the CLI uses it."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import synth
from course_lib.compositing import checkerboard, composite, fit_background


@pytest.fixture(scope="module")
def sample():
    return synth.make_sample(4, size=96, product="bag", difficulty="medium")


def test_extremes_and_half():
    rgb = np.full((2, 2, 3), 200, np.uint8)
    assert np.all(composite(rgb, np.ones((2, 2)), "white") == 200)
    assert np.all(composite(rgb, np.zeros((2, 2)), "white") == 255)
    assert np.all(composite(rgb, np.full((2, 2), 0.5), (0, 0, 0)) == 100)


def test_a_soft_alpha_matches_the_formula_rounded(sample):
    rng = np.random.default_rng(0)
    h, w = sample.alpha.shape
    alpha = rng.random((h, w)).astype(np.float32)
    back = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    exact = alpha[:, :, None].astype(np.float64) * sample.rgb + (1 - alpha[:, :, None]) * back
    out = composite(sample.rgb, alpha, back)
    assert out.dtype == np.uint8 and out.shape == (h, w, 3)
    assert np.abs(out - exact).max() <= 0.5 + 1e-3


def test_alpha_one_and_zero_give_exactly_f_and_b(sample):
    h, w = sample.alpha.shape
    back = np.random.default_rng(3).integers(0, 256, (h, w, 3)).astype(np.uint8)
    ones, zeros = np.ones((h, w), np.float32), np.zeros((h, w), bool)
    assert np.array_equal(composite(sample.rgb, ones, back), sample.rgb)
    assert np.array_equal(composite(sample.rgb, zeros, back), back)
    assert np.array_equal(composite(sample.rgb, ones, "white"), sample.rgb)
    assert np.array_equal(composite(sample.rgb, zeros, (10, 20, 30))[5, 5], [10, 20, 30])
    assert np.array_equal(composite(sample.rgb, zeros), checkerboard(h, w))          # the default background


def test_the_foreground_replaces_the_photos_colours(sample):
    h, w = sample.alpha.shape
    fore = np.full((h, w, 3), 7, np.uint8)
    out = composite(sample.rgb, sample.alpha, "white", foreground=fore)
    assert np.array_equal(out, composite(fore, sample.alpha, "white"))
    assert not np.array_equal(out, composite(sample.rgb, sample.alpha, "white"))


def test_a_photo_of_another_size_is_fitted(sample):
    photo = np.zeros((50, 300, 3), np.uint8)
    photo[:, 150:] = 200
    out = composite(sample.rgb, np.zeros(sample.alpha.shape, np.float32), photo)
    assert out.shape == sample.rgb.shape
    assert np.array_equal(out, fit_background(photo, *sample.alpha.shape))
    fitted = fit_background(photo, 96, 96)
    assert fitted.shape == (96, 96, 3)
    assert (fitted[:, :40] == 0).all() and (fitted[:, -40:] == 200).all()       # centre-cropped, not squashed


@pytest.mark.parametrize("call, message", [
    (lambda rgb: composite(rgb, np.full((2, 2), 2.0)), r"alpha must lie in \[0, 1\]"),
    (lambda rgb: composite(rgb, np.ones((3, 2))), r"alpha has shape \(3, 2\), but the image is \(2, 2\)"),
    (lambda rgb: composite(rgb, np.ones((2, 2)), "sky"), "background='sky': use one of"),
    (lambda rgb: composite(rgb, np.ones((2, 2)), (300, 0, 0)), "three numbers in 0..255"),
    (lambda rgb: composite(rgb, np.ones((2, 2)), (1, 2)), r"background has shape \(2,\)"),
    (lambda rgb: composite(rgb, np.ones((2, 2)), np.zeros((2, 2, 3))), "background must be an H×W×3 uint8"),
    (lambda rgb: composite(rgb, np.ones((2, 2)), foreground=np.zeros((3, 3, 3), np.uint8)),
     r"foreground has shape \(3, 3, 3\), but rgb is \(2, 2, 3\)"),
    (lambda rgb: composite(rgb.astype(np.float32), np.ones((2, 2))), "rgb must be an H×W×3 uint8"),
])
def test_bad_inputs_are_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call(np.zeros((2, 2, 3), np.uint8))


def test_the_command_line_composites_with_it(sample):
    from course_lib import cutout, postprocess

    alpha = np.clip(sample.alpha, 0, 1)
    image, mask8 = cutout.compose(sample.rgb, alpha, cutout.OutputSpec(background=(0, 90, 200)))
    a = mask8.astype(np.float32) / 255
    expected = composite(sample.rgb, a, (0, 90, 200), foreground=postprocess.estimate_foreground(sample.rgb, a))
    assert np.array_equal(image, expected)

"""course_lib.classical on constructed images with known answers, and against OpenCV/scikit-image."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage.filters import threshold_otsu

from course_lib import classical, metrics


def white_square_on_black(size=64, lo=16, hi=48):
    rgb = np.zeros((size, size, 3), np.uint8)
    rgb[lo:hi, lo:hi] = 255
    truth = np.zeros((size, size), bool)
    truth[lo:hi, lo:hi] = True
    return rgb, truth


def dark_product_on_gradient(size=96):
    """A smooth light background gradient (like studio light falloff) with a dark product."""
    ramp = np.linspace(170, 250, size, dtype=np.float32)
    rgb = np.repeat(np.repeat(ramp[None, :, None], size, 0), 3, 2).astype(np.uint8)
    truth = np.zeros((size, size), bool)
    truth[30:70, 35:65] = True
    rgb[truth] = (40, 60, 150)
    return rgb, truth


def product_with_shadow(size=96):
    """A white background, a mid-grey product, and a darker-than-background shadow beside it."""
    rgb = np.full((size, size, 3), 240, np.uint8)
    truth = np.zeros((size, size), bool)
    truth[20:60, 30:60] = True
    rgb[60:70, 25:80] = 150          # the shadow on the floor, alpha 0
    rgb[truth] = (200, 40, 40)
    return rgb, truth


def test_grey_mean_vs_luma():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    np.testing.assert_array_equal(classical.grey_mean(rgb), [[85, 85, 85]])
    np.testing.assert_array_equal(classical.grey_luma(rgb), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    assert classical.grey_luma(rgb)[0, 1] > classical.grey_luma(rgb)[0, 0] > classical.grey_luma(rgb)[0, 2]


def test_otsu_threshold_matches_opencv_and_skimage():
    rng = np.random.default_rng(0)
    for _ in range(5):
        grey = np.concatenate([rng.normal(60, 15, 3000), rng.normal(170, 25, 2000)])
        grey = np.clip(grey, 0, 255).astype(np.uint8).reshape(50, 100)
        ours = classical.otsu_threshold(grey)
        cv_t, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        assert ours == int(cv_t)
        assert abs(ours - threshold_otsu(grey)) <= 1


@pytest.mark.parametrize("method", ["otsu", "adaptive", "flood_fill", "edges", "grabcut"])
def test_every_method_finds_a_white_square_on_black(method):
    rgb, truth = white_square_on_black()
    kwargs = {"adaptive": {"block_size": 101}, "flood_fill": {"blur_sigma": 0}}.get(method, {})
    mask = classical.METHODS[method](rgb, **kwargs)
    assert mask.dtype == bool and mask.shape == truth.shape
    assert metrics.iou(mask, truth) > 0.9, f"{method}: IoU {metrics.iou(mask, truth):.2f}"


def test_polarity_is_chosen_from_the_border():
    rgb, truth = white_square_on_black()
    np.testing.assert_array_equal(classical.otsu_mask(rgb, polarity="bright"), truth)
    np.testing.assert_array_equal(classical.otsu_mask(rgb, polarity="dark"), ~truth)
    np.testing.assert_array_equal(classical.otsu_mask(255 - rgb, polarity="auto"), truth)


def test_flood_fill_follows_a_gradient_background():
    rgb, truth = dark_product_on_gradient()
    assert metrics.iou(classical.flood_fill_background_mask(rgb, blur_sigma=0), truth) > 0.95
    # the default pre-blur costs at most a one-pixel halo around the product
    halo = classical.flood_fill_background_mask(rgb)
    assert np.all(halo[truth]) and np.all(~halo[~classical.dilate(truth, 3, "rect")])
    # a single global threshold at the wrong level cuts the gradient instead
    assert metrics.iou(classical.threshold_mask(rgb, 210, polarity="dark"), truth) < 0.6


def test_flood_fill_keeps_white_inside_the_product():
    rgb = np.full((64, 64, 3), 250, np.uint8)
    truth = np.zeros((64, 64), bool)
    truth[16:48, 16:48] = True
    rgb[truth] = (30, 30, 120)
    rgb[26:38, 26:38] = 250           # a white label inside, same colour as the background
    mask = classical.flood_fill_background_mask(rgb, blur_sigma=0)
    assert mask[30, 30], "the background fill cannot reach an enclosed label"
    assert metrics.iou(mask, truth) > 0.95
    assert not classical.otsu_mask(rgb)[30, 30], "while a threshold drops it"


def test_shadow_fools_the_threshold():
    rgb, truth = product_with_shadow()
    dark = classical.threshold_mask(rgb, 220, polarity="dark")
    assert dark[65, 70], "the shadow is darker than the background, so a threshold keeps it"
    assert metrics.precision_recall(dark, truth)[0] < 0.8


def test_border_connected_matches_scipy_labelling():
    from scipy import ndimage
    rng = np.random.default_rng(1)
    candidates = rng.random((40, 50)) > 0.45
    labels, _ = ndimage.label(candidates)
    border_labels = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    expected = np.isin(labels, border_labels[border_labels > 0])
    np.testing.assert_array_equal(classical.border_connected(candidates), expected)


def test_morphology_on_a_square():
    m = np.zeros((20, 20), bool)
    m[5:15, 5:15] = True
    assert classical.erode(m, 3, "rect").sum() == 8 * 8
    assert classical.dilate(m, 3, "rect").sum() == 12 * 12
    speck = m.copy()
    speck[1, 1] = True
    np.testing.assert_array_equal(classical.opening(speck, 3, "rect"), m)
    hole = m.copy()
    hole[9, 9] = False
    np.testing.assert_array_equal(classical.closing(hole, 3, "rect"), m)


def test_filters_match_opencv():
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    np.testing.assert_array_equal(classical.median_blur(rgb, 5), cv2.medianBlur(rgb, 5))
    np.testing.assert_array_equal(classical.gaussian_blur(rgb, 1.5), cv2.GaussianBlur(rgb, (0, 0), 1.5))
    assert classical.bilateral_filter(rgb).shape == rgb.shape


def test_edges_of_a_square():
    rgb, truth = white_square_on_black()
    edges = classical.canny_edges(rgb)
    assert edges[16:48, 16].any() and not edges[30, 30]
    mag = classical.sobel_magnitude(rgb)
    assert mag[30, 16] > 100 and mag[30, 30] == 0


@pytest.mark.parametrize("call, match", [
    (lambda: classical.otsu_mask(np.zeros((8, 8), np.uint8)), "rgb must be an H×W×3 uint8"),
    (lambda: classical.otsu_mask(np.zeros((8, 8, 3), np.uint8), polarity="up"), "polarity='up'"),
    (lambda: classical.median_blur(np.zeros((8, 8, 3), np.uint8), 4), "size must be an odd integer"),
    (lambda: classical.adaptive_mask(np.zeros((8, 8, 3), np.uint8), block_size=2), "block_size"),
    (lambda: classical.erode(np.zeros((8, 8), bool), 3, "star"), "shape='star'"),
    (lambda: classical.grabcut_mask(np.zeros((8, 8, 3), np.uint8), margin=0.6), "margin"),
    (lambda: classical.threshold_mask(np.zeros((8, 8, 3), np.uint8), 300), "threshold"),
    (lambda: classical.canny_edges(np.zeros((8, 8, 3), np.uint8), 100, 50), "low <= high"),
    (lambda: classical.flood_fill_background_mask(np.zeros((8, 8, 3), np.uint8), tolerance=-1), "tolerance"),
])
def test_bad_parameters_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_grabcut_is_deterministic():
    rgb, _ = dark_product_on_gradient()
    np.testing.assert_array_equal(classical.grabcut_mask(rgb), classical.grabcut_mask(rgb))


@pytest.mark.parametrize("d, sigma_colour, sigma_space", [(5, 20, 3), (9, 40, 5), (7, 75, 10), (4, 30, 2)])
def test_bilateral_filter_is_opencvs_and_the_textbook_weighted_mean(d, sigma_colour, sigma_space):
    """OpenCV's definition (imgproc/bilateral_filter): radius d // 2, a round window (offsets with
    i² + j² ≤ radius²), space weight exp(−(i² + j²) / 2σs²), colour weight exp(−Δ² / 2σc²) where Δ is
    the sum of the three channels' absolute differences (L1, not Euclidean), reflect-101 border, rounded.
    OpenCV accumulates in float32, the loop below in float64, so the only allowed difference is where
    the exact mean lies within 1e-3 of a half-integer and the two round it differently."""
    rng = np.random.default_rng(11)
    smooth = cv2.GaussianBlur(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8), (0, 0), 2)
    rgb = np.clip(smooth.astype(int) + rng.integers(-20, 21, smooth.shape), 0, 255).astype(np.uint8)
    rgb[:, 24:] = 255 - rgb[:, 24:]                                      # a strong edge to keep
    out = classical.bilateral_filter(rgb, d, sigma_colour, sigma_space)
    np.testing.assert_array_equal(out, cv2.bilateralFilter(rgb, d, sigma_colour, sigma_space))

    radius = max(d // 2, 1)
    x = rgb.astype(np.float64)
    h, w = x.shape[:2]
    padded = np.pad(x, ((radius, radius), (radius, radius), (0, 0)), mode="reflect")   # = BORDER_REFLECT_101
    total, weights = np.zeros_like(x), np.zeros((h, w, 1))
    for i in range(-radius, radius + 1):
        for j in range(-radius, radius + 1):
            if i * i + j * j > radius * radius:
                continue
            neighbour = padded[radius + i:radius + i + h, radius + j:radius + j + w]
            delta = np.abs(neighbour - x).sum(axis=2, keepdims=True)
            weight = np.exp(-(i * i + j * j) / (2 * sigma_space ** 2) - delta ** 2 / (2 * sigma_colour ** 2))
            total += weight * neighbour
            weights += weight
    exact = total / weights
    assert np.abs(exact - out).max() <= 0.5 + 1e-3
    assert np.mean(np.rint(exact) == out) > 0.999
    assert np.abs(out.astype(int) - rgb).max() > 5                       # it did smooth something

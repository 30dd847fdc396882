"""course_lib.pixel_features against OpenCV and brute-force loops, on images with known answers.

The local means are window means with the window clipped at the image border
(the module docstring: :func:`course_lib.box_filter.box_mean`); inside the
image, away from the border, that is exactly ``cv2.blur``. The Sobel gradient
pads by repeating the edge, as ``cv2.Sobel(..., borderType=BORDER_REPLICATE)``.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from course_lib import pixel_features as pf

CHANNEL = {name: i for i, name in enumerate(pf.FEATURE_NAMES)}


def random_rgb(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def clipped_window_mean_loop(image, size):
    """Mean over the size×size window centred on each pixel, only the pixels inside the image (float64)."""
    image = np.asarray(image, np.float64)
    h, w = image.shape[:2]
    r = size // 2
    out = np.zeros_like(image)
    for y in range(h):
        for x in range(w):
            out[y, x] = image[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1].mean(axis=(0, 1))
    return out


def grey(rgb):
    return (rgb.astype(np.float32) / 255) @ pf.LUMA


# --- shapes and plain channels -----------------------------------------------------------------------------


@pytest.mark.parametrize("h, w", [(3, 3), (20, 31), (33, 16)])
def test_features_are_h_w_f_float32_and_start_with_the_colour(h, w):
    rgb = random_rgb(h, w, seed=h * w)
    feats = pf.pixel_features(rgb)
    assert feats.shape == (h, w, len(pf.FEATURE_NAMES)) and feats.dtype == np.float32
    np.testing.assert_array_equal(feats[..., :3], rgb.astype(np.float32) / 255)
    assert np.all(np.isfinite(feats))


def test_local_means_are_clipped_window_means_and_cv2_blur_inside():
    rgb = random_rgb(17, 23, seed=1)
    window = 5
    feats = pf.pixel_features(rgb, window=window)
    colour = rgb.astype(np.float64) / 255
    local = feats[..., CHANNEL["local mean red"]:CHANNEL["local mean blue"] + 1]
    np.testing.assert_allclose(local, clipped_window_mean_loop(colour, window), atol=1e-5)
    # the same through OpenCV: unnormalised sums with zero padding, divided by how many pixels were inside
    sums = cv2.boxFilter(colour, -1, (window, window), normalize=False, borderType=cv2.BORDER_CONSTANT)
    counts = cv2.boxFilter(np.ones(colour.shape[:2]), -1, (window, window), normalize=False,
                           borderType=cv2.BORDER_CONSTANT)
    np.testing.assert_allclose(local, sums / counts[..., None], atol=1e-5)
    r = window // 2
    blurred = cv2.blur(colour, (window, window), borderType=cv2.BORDER_REPLICATE)
    np.testing.assert_allclose(local[r:-r, r:-r], blurred[r:-r, r:-r], atol=1e-5)


def test_local_std_is_the_windows_standard_deviation_of_the_luma_grey():
    rgb = random_rgb(14, 19, seed=2)
    window = 3
    g = grey(rgb).astype(np.float64)
    h, w = g.shape
    expected = np.zeros_like(g)
    for y in range(h):
        for x in range(w):
            expected[y, x] = g[max(0, y - 1):y + 2, max(0, x - 1):x + 2].std()
    feats = pf.pixel_features(rgb, window=window)
    np.testing.assert_allclose(feats[..., CHANNEL["local std of grey"]], expected, atol=1e-4)


def test_gradient_is_opencvs_sobel_divided_by_8():
    rgb = random_rgb(21, 26, seed=3)
    g = grey(rgb)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REPLICATE) / 8
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REPLICATE) / 8
    feats = pf.pixel_features(rgb)
    np.testing.assert_allclose(feats[..., CHANNEL["gradient magnitude"]], np.hypot(gx, gy), atol=1e-5)


def test_gradient_of_a_ramp_is_its_slope():
    # grey rises by 3 levels per column (LUMA sums to 1, so every channel rising by 3 makes the grey rise by 3)
    values = (3 * np.arange(30)).astype(np.uint8)
    rgb = np.repeat(np.repeat(values[None, :, None], 12, axis=0), 3, axis=2)
    gradient = pf.pixel_features(rgb)[..., CHANNEL["gradient magnitude"]]
    np.testing.assert_allclose(gradient[:, 1:-1], 3 / 255, rtol=1e-4)
    np.testing.assert_allclose(gradient[:, [0, -1]], 1.5 / 255, rtol=1e-4)     # half a step at a replicated edge


def test_centre_distance_is_zero_in_the_middle_and_symmetric():
    h, w = 15, 21
    centre = pf.pixel_features(random_rgb(h, w))[..., CHANNEL["distance from centre"]]
    assert centre[h // 2, w // 2] == 0
    np.testing.assert_allclose(centre, centre[::-1], atol=1e-7)
    np.testing.assert_allclose(centre, centre[:, ::-1], atol=1e-7)
    corner = np.hypot((h - 1) / h, (w - 1) / w) / np.sqrt(2)
    assert centre[0, 0] == pytest.approx(corner, rel=1e-6) and centre.max() == pytest.approx(corner, rel=1e-6)


# --- the border colour --------------------------------------------------------------------------------------

BACKGROUND = np.array([10, 200, 30], np.uint8)
PRODUCT = np.array([200, 40, 90], np.uint8)


def product_on_plain_background():
    rgb = np.empty((40, 36, 3), np.uint8)
    rgb[:] = BACKGROUND
    rgb[10:30, 8:28] = PRODUCT
    return rgb


def test_border_colours_of_a_plain_background_are_that_colour():
    colours = pf.border_colours(product_on_plain_background(), n=16)
    assert colours.shape == (16, 3) and colours.dtype == np.float32
    np.testing.assert_allclose(colours, np.tile(BACKGROUND / 255, (16, 1)), atol=1e-6)


def test_border_distance_is_zero_on_the_border_colour_and_the_scaled_colour_difference_elsewhere():
    rgb = product_on_plain_background()
    distance = pf.border_distance(rgb)
    assert distance.shape == rgb.shape[:2] and distance.dtype == np.float32
    expected = np.linalg.norm(PRODUCT.astype(float) - BACKGROUND) / 255 / np.sqrt(3)
    # away from the product's edge by more than the 3×3 smoothing reaches
    np.testing.assert_allclose(distance[11:29, 9:27], expected, atol=1e-6)
    background = np.ones(rgb.shape[:2], bool)
    background[9:31, 7:29] = False
    np.testing.assert_allclose(distance[background], 0, atol=1e-6)
    feats = pf.pixel_features(rgb)
    np.testing.assert_array_equal(feats[..., CHANNEL["distance to border colours"]], distance)


def test_black_against_a_white_border_is_distance_one():
    rgb = np.full((9, 9, 3), 255, np.uint8)
    rgb[3:6, 3:6] = 0
    assert pf.border_distance(rgb, smooth=1)[4, 4] == pytest.approx(1.0, abs=1e-6)


def test_border_colours_walk_the_ring_clockwise_from_the_top_left():
    h, w = 5, 7
    rgb = random_rgb(h, w, seed=4)
    ring = ([(0, x) for x in range(w)] + [(y, w - 1) for y in range(1, h)]
            + [(h - 1, x) for x in range(w - 2, -1, -1)] + [(y, 0) for y in range(h - 2, 0, -1)])
    assert len(ring) == 2 * (h + w) - 4
    expected = np.array([rgb[y, x] for y, x in ring], np.float32) / 255
    np.testing.assert_allclose(pf.border_colours(rgb, n=len(ring), smooth=1), expected, atol=1e-6)
    np.testing.assert_allclose(pf.border_colours(rgb, n=1, smooth=1), expected[:1], atol=1e-6)


def test_border_distance_features_are_its_local_and_wide_means():
    rgb = random_rgb(16, 16, seed=5)
    feats = pf.pixel_features(rgb, window=3, wide_window=7)
    distance = pf.border_distance(rgb)
    np.testing.assert_allclose(feats[..., CHANNEL["its local mean"]],
                               clipped_window_mean_loop(distance[..., None], 3)[..., 0], atol=1e-5)
    np.testing.assert_allclose(feats[..., CHANNEL["its wide mean"]],
                               clipped_window_mean_loop(distance[..., None], 7)[..., 0], atol=1e-5)


# --- sampling pixels ----------------------------------------------------------------------------------------


def test_labels_from_alpha_put_one_half_on_the_object_side():
    np.testing.assert_array_equal(pf.labels_from_alpha(np.array([[0.0, 0.49, 0.5, 1.0]])), [[0, 0, 1, 1]])
    np.testing.assert_array_equal(pf.labels_from_alpha(np.array([[True, False]])), [[1, 0]])


def test_sample_pixels_pairs_each_pixels_features_with_its_label_and_repeats_for_a_seed():
    def where(rgb):                                          # a pixel's "features": its own row and column
        h, w = rgb.shape[:2]
        return np.stack(np.meshgrid(np.arange(h), np.arange(w), indexing="ij"), axis=-1).astype(np.float32)

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (2, 6, 5, 3), dtype=np.uint8)
    alpha = rng.random((2, 6, 5)).astype(np.float32)
    X, y = pf.sample_pixels(rgb, alpha, per_image=10, rng=np.random.default_rng(7), features=where)
    assert X.shape == (20, 2) and y.shape == (20,) and y.dtype == np.int64
    for i in range(2):
        rows, cols = X[10 * i:10 * (i + 1)].astype(int).T
        assert len(set(zip(rows, cols))) == 10                         # without replacement
        np.testing.assert_array_equal(y[10 * i:10 * (i + 1)], alpha[i][rows, cols] >= 0.5)
    X2, y2 = pf.sample_pixels(rgb, alpha, per_image=10, rng=np.random.default_rng(7), features=where)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


# --- bad inputs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: pf.pixel_features(np.zeros((2, 5, 3), np.uint8)), "at least 3×3"),
    (lambda: pf.pixel_features(np.zeros((5, 2, 3), np.uint8)), "at least 3×3"),
    (lambda: pf.pixel_features(np.zeros((5, 5, 3), np.float32)), "uint8"),
    (lambda: pf.pixel_features(np.zeros((5, 5, 3), np.int16)), "uint8"),
    (lambda: pf.pixel_features(np.zeros((5, 5), np.uint8)), "H×W×3"),
    (lambda: pf.border_distance(np.zeros((2, 2, 3), np.uint8)), "at least 3×3"),
    (lambda: pf.border_colours(np.zeros((5, 5, 3), np.uint8), n=0), "n must be a positive int"),
    (lambda: pf.pixel_features(np.zeros((5, 5, 3), np.uint8), window=4), "window"),
    (lambda: pf.pixel_features(np.zeros((5, 5, 3), np.uint8), wide_window=0), "wide_window"),
    (lambda: pf.sample_pixels(np.zeros((1, 4, 4, 3), np.uint8), np.zeros((1, 4, 4)), per_image=17,
                              rng=np.random.default_rng(0)), "per_image"),
])
def test_bad_inputs_raise_value_error_naming_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_sample_pixels_wants_a_generator_not_a_seed():
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        pf.sample_pixels(np.zeros((1, 4, 4, 3), np.uint8), np.zeros((1, 4, 4)), per_image=2, rng=0)

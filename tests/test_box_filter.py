"""course_lib.box_filter: window means by cumulative sums equal the means of the clipped windows."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.box_filter import box_mean


def direct_means(x, radius):
    h, w = x.shape[:2]
    return np.array([[x[max(i - radius, 0):i + radius + 1, max(j - radius, 0):j + radius + 1].mean(axis=(0, 1))
                      for j in range(w)] for i in range(h)])


@pytest.mark.parametrize("radius", [0, 1, 2, 7])
def test_box_mean_matches_window_means(radius):
    x = np.random.default_rng(1).random((9, 11))
    np.testing.assert_allclose(box_mean(x, radius), direct_means(x, radius), atol=1e-12)


def test_each_channel_is_filtered_alone():
    x = np.random.default_rng(2).random((6, 8, 3))
    out = box_mean(x, 2)
    assert out.shape == (6, 8, 3) and out.dtype == np.float64
    np.testing.assert_allclose(out, direct_means(x, 2), atol=1e-12)
    np.testing.assert_allclose(box_mean(np.full((5, 7), 3.0), 10), 3.0)      # constant up to the border


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match=r"x must be H×W or H×W×C, got shape \(5,\)"):
        box_mean(np.zeros(5), 1)
    with pytest.raises(ValueError, match="radius must be an integer >= 0"):
        box_mean(np.zeros((3, 3)), -1)

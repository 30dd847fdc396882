"""course_lib.validate: one rule each for images, alphas, masks and numbers, and errors that name the parameter."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import validate


def test_as_rgb_accepts_the_kit_image_and_refuses_others_naming_the_parameter():
    rgb = np.zeros((4, 5, 3), np.uint8)
    assert validate.as_rgb(rgb) is rgb
    for bad, why in [(np.zeros((4, 5), np.uint8), "H×W×3 uint8"), (np.zeros((4, 5, 4), np.uint8), "H×W×3 uint8"),
                     (np.zeros((4, 5, 3), np.float32), "H×W×3 uint8"), (np.zeros((0, 5, 3), np.uint8), "no pixels")]:
        with pytest.raises(ValueError, match=f"photo .*{why}|photo {why}"):
            validate.as_rgb(bad, "photo")
    with pytest.raises(ValueError, match="at least 3×3"):
        validate.as_rgb(np.zeros((2, 5, 3), np.uint8), min_side=3)


def test_one_mask_rule_for_soft_alphas():
    alpha = np.array([[0.0, 0.3, 0.5, 1.0]], np.float32)
    np.testing.assert_array_equal(validate.as_mask(alpha), alpha >= validate.MASK_THRESHOLD)
    assert validate.as_mask(alpha).tolist() == [[False, False, True, True]]
    mask = np.array([[True, False]])
    assert validate.as_mask(mask) is mask


def test_as_alpha_converts_bool_and_refuses_out_of_range_shape_and_nan():
    assert validate.as_alpha(np.array([[True, False]])).dtype == np.float32
    with pytest.raises(ValueError, match="divide by 255"):
        validate.as_alpha(np.full((2, 2), 255, np.uint8), "truth")
    with pytest.raises(ValueError, match="truth has shape"):
        validate.as_alpha(np.zeros((2, 2)), "truth", (3, 2))
    with pytest.raises(ValueError, match="no NaN"):
        validate.as_alpha(np.array([[np.nan, 0.5]]))
    with pytest.raises(ValueError, match="H×W"):
        validate.as_alpha(np.zeros((2, 2, 1)))


@pytest.mark.parametrize("value, kwargs, message", [
    (0.0, {"low": 0, "low_inclusive": False}, "t must be a positive number, got 0.0"),
    (-1, {"low": 0, "integer": True}, "t must be an integer >= 0, got -1"),
    (2.5, {"low": 0, "high": 1}, r"t must be a number in \[0, 1\], got 2.5"),
    (True, {}, "t must be a finite number, got True"),
    (float("inf"), {}, "t must be a finite number"),
    (1.5, {"integer": True}, "t must be a finite integer, got 1.5"),
])
def test_as_number_refuses_with_the_rule_in_words(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        validate.as_number(value, "t", **kwargs)


def test_as_number_and_as_odd_return_plain_python_numbers():
    assert validate.as_number(np.int64(3), "n", low=1, integer=True) == 3
    assert type(validate.as_number(np.float32(0.5), "x")) is float
    assert validate.as_odd(5, "size", 3) == 5
    with pytest.raises(ValueError, match="odd integer >= 3"):
        validate.as_odd(1, "size", 3)

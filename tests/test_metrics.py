"""course_lib.metrics against cases small enough to count by hand."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import metrics


def _masks():
    a = np.zeros((4, 4), bool)
    a[:2] = True      # rows 0-1: 8 pixels
    b = np.zeros((4, 4), bool)
    b[1:3] = True     # rows 1-2: 8 pixels, 4 shared
    return a, b


def test_hand_counted_scores():
    a, b = _masks()
    assert metrics.iou(a, b) == pytest.approx(4 / 12)
    assert metrics.dice(a, b) == pytest.approx(2 * 4 / 16)
    assert metrics.precision_recall(a, b) == pytest.approx((4 / 8, 4 / 8))
    assert metrics.mae(a, b) == pytest.approx(8 / 16)


def test_precision_and_recall_are_not_symmetric():
    truth = np.zeros((4, 4), bool)
    truth[:2] = True          # 8 px
    pred = np.zeros((4, 4), bool)
    pred[0] = True             # 4 px, all correct
    assert metrics.precision_recall(pred, truth) == pytest.approx((1.0, 0.5))


def test_identical_and_disjoint():
    a, _ = _masks()
    assert metrics.iou(a, a) == 1.0 and metrics.dice(a, a) == 1.0 and metrics.boundary_f(a, a) == 1.0
    assert metrics.iou(a, ~a) == 0.0 and metrics.dice(a, ~a) == 0.0


def test_empty_mask_conventions():
    empty = np.zeros((5, 5), bool)
    full = np.ones((5, 5), bool)
    assert metrics.iou(empty, empty) == 1.0 and metrics.dice(empty, empty) == 1.0
    assert metrics.iou(empty, full) == 0.0
    assert metrics.precision_recall(empty, full) == (0.0, 0.0)
    assert metrics.boundary_f(empty, empty) == 1.0 and metrics.boundary_f(empty, full) == 0.0


def test_soft_masks_are_thresholded_unless_asked():
    truth = np.array([[1.0, 1.0, 0.0, 0.0]], np.float32)
    pred = np.array([[0.6, 0.4, 0.0, 0.0]], np.float32)
    assert metrics.iou(pred, truth) == pytest.approx(0.5)              # hard: {0} vs {0, 1}
    assert metrics.iou(pred, truth, soft=True) == pytest.approx(1.0 / 2.0)   # (0.6+0.4)/(1+1)
    assert metrics.dice(pred, truth, soft=True) == pytest.approx(2 * 1.0 / 3.0)
    assert metrics.mae(pred, truth) == pytest.approx((0.4 + 0.6) / 4)


def test_boundary_of_a_square():
    m = np.zeros((7, 7), bool)
    m[2:5, 2:5] = True
    expected = m.copy()
    expected[3, 3] = False
    np.testing.assert_array_equal(metrics.boundary(m), expected)


def test_boundary_f_tolerance():
    truth = np.zeros((40, 40), bool)
    truth[10:30, 10:30] = True
    shifted = np.zeros((40, 40), bool)
    shifted[12:32, 10:30] = True   # moved 2 px down
    assert metrics.boundary_f(shifted, truth, tolerance=2) == pytest.approx(1.0)
    low = metrics.boundary_f(shifted, truth, tolerance=1)
    assert 0.3 < low < 0.9, low
    assert metrics.boundary_f(shifted, truth, tolerance=0) < low
    # IoU hardly notices what boundary F notices
    assert metrics.iou(shifted, truth) > 0.8


def test_scores_bundle():
    a, b = _masks()
    s = metrics.scores(a, b)
    assert set(s) == {"iou", "dice", "precision", "recall", "boundary_f", "mae"}
    assert s["iou"] == metrics.iou(a, b)


@pytest.mark.parametrize("pred, truth, match", [
    (np.zeros((4, 4)), np.zeros((4, 5)), r"pred has shape \(4, 4\) but truth has \(4, 5\)"),
    (np.zeros((4, 4, 3)), np.zeros((4, 4)), "pred must be an H×W mask"),
    (np.full((4, 4), 2.0), np.zeros((4, 4)), r"pred must lie in \[0, 1\]"),
    (np.zeros((4, 4)), np.full((4, 4), np.nan), "truth"),
])
def test_bad_inputs_name_the_argument(pred, truth, match):
    with pytest.raises(ValueError, match=match):
        metrics.iou(pred, truth)


def test_negative_tolerance():
    a, b = _masks()
    with pytest.raises(ValueError, match="tolerance"):
        metrics.boundary_f(a, b, tolerance=-1)

"""Scores for masks and alpha mattes: IoU, Dice/F1, precision/recall, MAE, boundary F.

Every lesson scores with these functions, so a number in lesson 01 and one in
lesson 07 mean the same thing.

Masks may be ``bool`` or float in [0, 1]. By default float masks are read as
hard masks, ``value >= 0.5``; pass ``soft=True`` to IoU and Dice for their fuzzy
versions (``Σ min(p, t) / Σ max(p, t)`` and ``2 Σ min(p, t) / (Σ p + Σ t)``),
which reward a soft edge that matches a soft ground truth. MAE always compares
the values themselves. When both masks are empty, a score is 1.0 (nothing to
find, nothing found); when only one is, it is 0.0.

>>> import numpy as np
>>> a = np.zeros((4, 4), bool); a[:2] = True          # 8 pixels
>>> b = np.zeros((4, 4), bool); b[1:3] = True         # 8 pixels, 4 shared
>>> iou(a, b), dice(a, b)
(0.3333333333333333, 0.5)
"""

from __future__ import annotations

import cv2
import numpy as np

from course_lib.validate import as_alpha, as_mask

__all__ = ["as_hard", "iou", "dice", "f1", "precision_recall", "mae", "boundary", "boundary_f", "scores"]


def _check_pair(pred, truth, names=("pred", "truth")) -> tuple[np.ndarray, np.ndarray]:
    """Return both masks as H×W float32 alphas in [0, 1] (bool → 0/1), after checking they have one shape."""
    pred, truth = np.asarray(pred), np.asarray(truth)
    if pred.ndim == truth.ndim == 2 and pred.shape != truth.shape:
        raise ValueError(f"{names[0]} has shape {pred.shape} but {names[1]} has {truth.shape}")
    return as_alpha(pred, names[0]), as_alpha(truth, names[1])


as_hard = as_mask
"""Return a mask or alpha as H×W bool (``alpha >= 0.5``): :func:`course_lib.validate.as_mask`, by its lesson-07 name."""


def _ratio(num: float, den: float) -> float:
    return 1.0 if den == 0 else float(num) / float(den)


def iou(pred, truth, *, soft: bool = False) -> float:
    """Return the intersection over union (Jaccard index) of two masks, in [0, 1]."""
    pred, truth = _check_pair(pred, truth)
    if soft:
        p, t = pred.astype(np.float64), truth.astype(np.float64)
        return _ratio(np.minimum(p, t).sum(), np.maximum(p, t).sum())
    p, t = as_hard(pred), as_hard(truth)
    return _ratio(np.logical_and(p, t).sum(), np.logical_or(p, t).sum())


def dice(pred, truth, *, soft: bool = False) -> float:
    """Return the Dice coefficient (= F1 of the object pixels) of two masks, in [0, 1]."""
    pred, truth = _check_pair(pred, truth)
    if soft:
        p, t = pred.astype(np.float64), truth.astype(np.float64)
        return _ratio(2 * np.minimum(p, t).sum(), p.sum() + t.sum())
    p, t = as_hard(pred), as_hard(truth)
    return _ratio(2 * np.logical_and(p, t).sum(), p.sum() + t.sum())


f1 = dice
"""Dice and F1 of the object pixels are the same number."""


def precision_recall(pred, truth) -> tuple[float, float]:
    """Return (precision, recall) of the object pixels of hard masks.

    Precision: the share of predicted object pixels that are object. Recall: the
    share of object pixels that were found.
    """
    pred, truth = _check_pair(pred, truth)
    p, t = as_hard(pred), as_hard(truth)
    hit = np.logical_and(p, t).sum()
    precision = _ratio(hit, p.sum()) if p.sum() or t.sum() else 1.0
    recall = _ratio(hit, t.sum()) if p.sum() or t.sum() else 1.0
    if p.sum() == 0 and t.sum() > 0:
        precision = 0.0
    return precision, recall


def mae(alpha_pred, alpha_true) -> float:
    """Return the mean absolute error between two alpha mattes (bool counts as 0/1), in [0, 1]."""
    alpha_pred, alpha_true = _check_pair(alpha_pred, alpha_true, ("alpha_pred", "alpha_true"))
    return float(np.abs(alpha_pred.astype(np.float64) - alpha_true.astype(np.float64)).mean())


def boundary(mask) -> np.ndarray:
    """Return the inner boundary of a hard mask: object pixels with a 4-neighbour outside it (bool)."""
    m = as_hard(mask).astype(np.uint8)
    eroded = cv2.erode(m, np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8),
                       borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return (m > 0) & (eroded == 0)


def boundary_f(pred, truth, tolerance: float = 2) -> float:
    """Return the boundary F-measure: how well the outlines agree, within ``tolerance`` pixels.

    A predicted outline pixel counts as correct when a true outline pixel lies
    within ``tolerance`` (Euclidean distance); recall is the same the other way
    round; the score is their harmonic mean. Unlike IoU it is not dominated by
    the large, easy interior, so it shows ragged or shifted edges.
    """
    pred, truth = _check_pair(pred, truth)
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0 pixels, got {tolerance}")
    bp, bt = boundary(pred), boundary(truth)
    if not bp.any() and not bt.any():
        return 1.0
    if not bp.any() or not bt.any():
        return 0.0
    # distance from every pixel to the nearest outline pixel of the other mask
    dist_to_t = cv2.distanceTransform((~bt).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    dist_to_p = cv2.distanceTransform((~bp).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    precision = float((dist_to_t[bp] <= tolerance).mean())
    recall = float((dist_to_p[bt] <= tolerance).mean())
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def scores(pred, truth, *, tolerance: float = 2) -> dict[str, float]:
    """Return every score at once: ``iou``, ``dice``, ``precision``, ``recall``, ``boundary_f``, ``mae``.

    ``pred`` may be soft (MAE then uses its values); ``truth`` is usually the exact alpha.
    """
    precision, recall = precision_recall(pred, truth)
    return {"iou": iou(pred, truth), "dice": dice(pred, truth), "precision": precision,
            "recall": recall, "boundary_f": boundary_f(pred, truth, tolerance), "mae": mae(pred, truth)}

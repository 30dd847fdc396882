"""Propose an object's mask with GrabCut from a box, strokes and a model's probability; paint corrections.

The mask-making half of the annotation tool (:class:`course_lib.views.annotator.Annotator`,
lesson 10); :mod:`course_lib.annotation_store` keeps the results and replays them.

1. **seed** GrabCut's label map (:func:`seed_labels`): outside the ``box`` sure
   background, inside probably object; a model's probability (``prior``), when
   there is one, marks its confident object as sure object and its confident
   background as probably background; then the ``hints`` are painted in order
   as sure labels;
2. **propose** (:func:`propose_mask`): OpenCV's GrabCut, seeded by ``seed=``
   because its k-means draws random numbers;
3. **correct** (:func:`apply_corrections`): brush strokes painted straight onto
   the proposed mask, in order.

A stroke is a dict. ``{"label": "object", "points": [[x, y], ...], "width": 9}``
is a polyline ``width`` pixels thick (one point is a dot);
``{"label": "background", "points": [[x, y], [x, y], [x, y], ...], "width": 0}``
a filled polygon. Hints may use the labels ``"object"``, ``"background"`` and
``"maybe"`` (hands a region back to GrabCut as *probably object*), and the
``"outline"`` kind: ``{"label": "outline", "band": 8, "polygons": [...],
"circles": [[x, y, r], ...]}`` — the object's edge traced roughly; farther than
``band`` pixels outside every shape is sure background, farther than ``band``
inside one is sure object, and GrabCut decides the band. Corrections use
``"object"`` and ``"background"`` only. Coordinates are the photo's pixels,
``x`` to the right, ``y`` down.

>>> from course_lib import synth
>>> s = synth.make_sample(0, size=64)
>>> mask = propose_mask(s.rgb, box=(8, 8, 56, 56), seed=0)
>>> mask.shape, mask.dtype
((64, 64), dtype('bool'))
"""

from __future__ import annotations

import warnings

import cv2
import numpy as np

from course_lib.validate import as_alpha, as_mask, as_number, as_rgb

__all__ = ["HINT_LABELS", "CORRECTION_LABELS", "PRIOR_THRESHOLDS", "DegenerateLabelsWarning", "check_stroke",
           "paint_stroke", "seed_labels", "why_degenerate", "propose_mask", "apply_corrections"]

HINT_LABELS = {"object": cv2.GC_FGD, "background": cv2.GC_BGD, "maybe": cv2.GC_PR_FGD}
"""GrabCut's label for each hint label (``"outline"`` paints both sure labels, see the module's text)."""

CORRECTION_LABELS = {"object": True, "background": False}
"""What a correction stroke paints onto the mask."""

PRIOR_THRESHOLDS = {"background": 0.1, "object": 0.9}
"""A model's probability below ``background`` is *probably background*, at or above ``object`` *sure object*."""

GMM_COMPONENTS = 5   # GrabCut fits this many colour clusters to each side; k-means needs that many pixels


class DegenerateLabelsWarning(UserWarning):
    """GrabCut could not run (one side has too few pixels); the mask is what the labels say."""


def check_stroke(stroke: dict, *, hint: bool = True, name: str = "stroke") -> dict:
    """Return ``stroke`` checked against the stroke format (see the module's text); raise naming what is wrong.

    >>> check_stroke({"label": "object", "points": [[3, 4]], "width": 5})["points"]
    [[3, 4]]
    >>> check_stroke({"label": "maybe", "points": [[3, 4]], "width": 5}, hint=False)
    Traceback (most recent call last):
    ...
    ValueError: stroke: label 'maybe' is not one of ['object', 'background']
    """
    if not isinstance(stroke, dict):
        raise ValueError(f"{name}: a stroke must be a dict, got {stroke!r}")
    allowed = list(HINT_LABELS) + ["outline"] if hint else list(CORRECTION_LABELS)
    label = stroke.get("label")
    if label not in allowed:
        raise ValueError(f"{name}: label {label!r} is not one of {allowed}")
    if label == "outline":
        polygons = [_points(p, name, 3) for p in stroke.get("polygons", [])]
        circles = [[int(v) for v in c] for c in stroke.get("circles", [])]
        if not polygons and not circles or any(len(c) != 3 for c in circles):
            raise ValueError(f"{name}: an outline needs 'polygons' ([[x, y], ...]) or 'circles' ([x, y, r]), "
                             f"got {stroke!r}")
        band = as_number(stroke.get("band", 8), "band", low=0)
        return {"label": label, "band": int(band) if band.is_integer() else band,
                "polygons": polygons, "circles": circles}
    width = as_number(stroke.get("width", 0), "width", low=0, integer=True)
    points = _points(stroke.get("points"), name, 3 if width == 0 else 1)
    return {"label": label, "points": points, "width": width}


def _points(points, name: str, minimum: int) -> list[list[int]]:
    array = np.asarray(points if points is not None else [], dtype=np.float64)
    if array.ndim != 2 or array.shape[1:] != (2,) or len(array) < minimum or not np.isfinite(array).all():
        what = "a filled polygon (width 0)" if minimum == 3 else "a stroke"
        raise ValueError(f"{name}: {what} needs at least {minimum} [x, y] points, got {points!r}")
    return np.rint(array).astype(int).tolist()


def paint_stroke(target: np.ndarray, stroke: dict, value) -> np.ndarray:
    """Paint one point stroke (polyline, dot or filled polygon) onto ``target`` (H×W uint8) in place; return it.

    >>> paint_stroke(np.zeros((3, 5), np.uint8), {"points": [[0, 1], [4, 1]], "width": 1}, 7)[1].tolist()
    [7, 7, 7, 7, 7]
    """
    points = np.asarray(stroke["points"], np.int32).reshape(-1, 1, 2)
    width = int(stroke["width"])
    if width == 0:
        cv2.fillPoly(target, [points], int(value))
    elif len(points) == 1:
        cv2.circle(target, tuple(int(v) for v in points[0, 0]), width // 2, int(value), thickness=cv2.FILLED)
    else:
        cv2.polylines(target, [points], False, int(value), thickness=width)
    return target


def _paint_outline(labels: np.ndarray, outline: dict) -> None:
    """Mark pixels farther than ``band`` outside every shape as sure background, inside one as sure object."""
    inside = np.zeros(labels.shape, np.uint8)
    for polygon in outline["polygons"]:
        cv2.fillPoly(inside, [np.asarray(polygon, np.int32).reshape(-1, 1, 2)], 1)
    for x, y, r in outline["circles"]:
        cv2.circle(inside, (x, y), r, 1, thickness=cv2.FILLED)
    band = float(outline["band"])
    labels[cv2.distanceTransform(1 - inside, cv2.DIST_L2, 5) > band] = cv2.GC_BGD
    labels[cv2.distanceTransform(inside, cv2.DIST_L2, 5) > band] = cv2.GC_FGD


def seed_labels(shape: tuple[int, int], box=None, hints=(), *, prior=None,
                thresholds: dict = PRIOR_THRESHOLDS) -> np.ndarray:
    """Return GrabCut's starting labels (H×W uint8 of ``cv2.GC_*``): box, then prior, then hints in order.

    Outside ``box`` is sure background (``GC_BGD``), inside probably object
    (``GC_PR_FGD``). Inside the box, a ``prior`` (H×W probability of object)
    at or above ``thresholds["object"]`` becomes sure object (``GC_FGD``):
    GrabCut then fits its object colours to what the network is confident of
    and cannot lose that core to a background-coloured patch (a white label on
    a white table), and a wrong confident region is fixed by one background
    hint, which is painted later and wins. Below ``thresholds["background"]``
    it becomes *probably* background (``GC_PR_BGD``), which GrabCut may still
    overturn where the colours say object; the box, not the network, decides
    what is surely background. Hints are painted last as the labels they name.

    >>> labels = seed_labels((4, 6), box=(1, 1, 5, 3), hints=[{"label": "object", "points": [[2, 2]], "width": 1}])
    >>> labels.tolist()
    [[0, 0, 0, 0, 0, 0], [0, 3, 3, 3, 3, 0], [0, 3, 1, 3, 3, 0], [0, 0, 0, 0, 0, 0]]
    """
    h, w = (int(v) for v in shape)
    if box is None:
        labels = np.full((h, w), cv2.GC_PR_FGD, np.uint8)
        inside = np.ones((h, w), bool)
    else:
        x0, y0, x1, y1 = (int(v) for v in box)
        if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
            raise ValueError(f"box {tuple(box)} does not fit in the {w}×{h} photo (x0, y0, x1, y1; x1 <= {w}, "
                             f"y1 <= {h})")
        labels = np.full((h, w), cv2.GC_BGD, np.uint8)
        labels[y0:y1, x0:x1] = cv2.GC_PR_FGD
        inside = labels == cv2.GC_PR_FGD
    if prior is not None:
        p = as_alpha(prior, "prior", (h, w))
        labels[inside & (p >= thresholds["object"])] = cv2.GC_FGD
        labels[inside & (p < thresholds["background"])] = cv2.GC_PR_BGD
    for given in hints:
        stroke = check_stroke(given, hint=True)
        if stroke["label"] == "outline":
            _paint_outline(labels, stroke)
        else:
            paint_stroke(labels, stroke, HINT_LABELS[stroke["label"]])
    return labels


def why_degenerate(labels: np.ndarray) -> str | None:
    """Return why GrabCut cannot run on ``labels`` (one side has too few pixels), or ``None`` if it can.

    >>> why_degenerate(np.full((4, 4), cv2.GC_PR_FGD, np.uint8))
    'no pixel is labelled background: draw a box smaller than the photo or a background stroke'
    """
    sides = {"object": np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)),
             "background": np.isin(labels, (cv2.GC_BGD, cv2.GC_PR_BGD))}
    for side, where in sides.items():
        count = int(where.sum())
        if count < GMM_COMPONENTS:
            fix = ("draw a box smaller than the photo or a background stroke" if side == "background"
                   else "draw a larger box or an object stroke")
            what = "no pixel is" if count == 0 else f"only {count} pixel(s) are"
            return f"{what} labelled {side}: {fix}"
    return None


def propose_mask(rgb, box=None, hints=(), *, prior=None, thresholds: dict = PRIOR_THRESHOLDS,
                 iterations: int = 5, seed: int = 0) -> np.ndarray:
    """Return GrabCut's mask (H×W bool, True = object) started from a box, hints and a model's probability.

    Parameters
    ----------
    rgb : H×W×3 uint8
        The photo.
    box : (x0, y0, x1, y1), optional
        The object's box (``x1``, ``y1`` exclusive); default the whole photo.
    hints : sequence of dict
        Strokes kept as labels, painted in order (see the module's text).
    prior : H×W float in [0, 1], optional
        A model's probability of object, e.g. :func:`course_lib.inference.predict_alpha`.
    thresholds : dict
        ``{"background": t0, "object": t1}`` for the prior (see :func:`seed_labels`).
    iterations : int
        GrabCut's iterations (at least 1).
    seed : int
        Seed of OpenCV's random numbers: same inputs and seed, same mask.

    When one side has too few pixels GrabCut cannot run; the labels are then
    returned as they are, with a :class:`DegenerateLabelsWarning` that says why.

    Examples
    --------
    >>> rgb = np.zeros((20, 20, 3), np.uint8); rgb[5:15, 5:15] = 200
    >>> int(propose_mask(rgb, box=(2, 2, 18, 18)).sum())
    100
    """
    rgb = as_rgb(rgb)
    iterations = as_number(iterations, "iterations", low=1, integer=True)
    seed = as_number(seed, "seed", low=0, integer=True)
    labels = seed_labels(rgb.shape[:2], box, hints, prior=prior, thresholds=thresholds)
    reason = why_degenerate(labels)
    if reason is not None:
        warnings.warn(f"GrabCut did not run: {reason}", DegenerateLabelsWarning, stacklevel=2)
    else:
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.setRNGSeed(seed)
        cv2.grabCut(np.ascontiguousarray(rgb[:, :, ::-1]), labels, None, bgd, fgd, iterations,
                    cv2.GC_INIT_WITH_MASK)
    return (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)


def apply_corrections(mask, corrections=()) -> np.ndarray:
    """Return a copy of ``mask`` (H×W bool) with brush strokes painted on in order (object True, background False).

    >>> apply_corrections(np.zeros((2, 3), bool), [{"label": "object", "points": [[1, 0]], "width": 1}]).tolist()
    [[False, True, False], [False, False, False]]
    """
    painted = as_mask(mask).astype(np.uint8)
    for given in corrections:
        stroke = check_stroke(given, hint=False)
        paint_stroke(painted, stroke, CORRECTION_LABELS[stroke["label"]])
    return painted.astype(bool)

"""A CNN and GrabCut together: the network says where the object is, GrabCut finds its edge.

Three ways to hand GrabCut the CNN's answer, all here so they are measured the same way
(``scripts/choose_real_default.py`` scores them on the real ``dev`` photos):

- **from the CNN's labels** (:func:`hybrid_alpha`): every pixel starts with a label read off the
  probability (the table below); GrabCut may only move the edge inside a narrow band;
- **inside the CNN's box** (:func:`hybrid_box_alpha`): the probability only places a box
  (:func:`cnn_box`, widened by :data:`BOX_MARGIN`); GrabCut starts as lesson 01 does from a
  rectangle — outside sure background, inside probably object — and decides every pixel in it from
  this photo's colours. A CNN that knows *where* the object is but not its outline helps most this way;
- **from the border, with the CNN's hints** (:func:`hybrid_frame_alpha`): lesson 01's GrabCut from a
  rectangle 5 % inside the frame, changed in two places only. Where the CNN sees object on the frame
  strip (the photo cuts the object), that strip is probably object rather than sure background; inside,
  where the CNN is sure there is no object, it is probably background rather than probably object.
  GrabCut still decides every pixel but the rest of the strip.

From the labels, in detail.

The two methods fail differently. The CNN knows *what* an object looks like but
works at :data:`course_lib.inference.WORK_SIZE` pixels, so its edge is soft and
can be off by a few pixels of the photo; GrabCut (lesson 01) follows *this*
photo's colours to the pixel but needs someone to say where the object is. The
hybrid lets the CNN say it, with no box:

- **sure background** (GrabCut never changes it): ``p < sure_background``, or
  ``p < 0.5`` outside the probable band;
- **probably background**: ``sure_background <= p < 0.5`` inside the band;
- **probably object**: ``0.5 <= p < sure_object``, or ``p >= 0.5`` inside the band;
- **sure object** (GrabCut never changes it): ``p >= sure_object`` outside the band.

The **probable band** runs along the CNN's edge (where ``p`` crosses 0.5),
``band`` (a fraction of the photo's longer side) wide on each side: there, and
only there, GrabCut moves the edge to where this photo's colours put it.
Outside the band the CNN decides: GrabCut alone grows into a shadow or a
backdrop of the object's colour, and the band stops that. A pixel the CNN was
sure is background is never marked as object (the result is also clamped to
that rule, so it holds when GrabCut ran on a smaller copy of the photo).

The labels reuse :func:`course_lib.mask_proposal.seed_labels` (the annotation tool
seeds GrabCut from a model the same way, inside a box); when one side has too
few pixels for GrabCut's colour models (:func:`course_lib.mask_proposal.why_degenerate`),
the CNN's own mask is returned.

>>> import numpy as np
>>> rgb = np.full((40, 40, 3), 30, np.uint8); rgb[10:30, 10:30] = 220        # a bright square
>>> p = np.zeros((40, 40), np.float32); p[8:32, 8:32] = 0.6; p[13:27, 13:27] = 0.99   # a CNN, unsure at the edge
>>> alpha = hybrid_alpha(rgb, p)
>>> alpha.shape, alpha.dtype, int(alpha.sum()), bool(alpha[p < 0.05].max() == 0)
((40, 40), dtype('float32'), 400, True)
"""

from __future__ import annotations

import cv2
import numpy as np

from course_lib.mask_proposal import seed_labels, why_degenerate
from course_lib.validate import as_alpha, as_number, as_rgb

__all__ = ["SURE_BACKGROUND", "SURE_OBJECT", "BAND", "MAX_SIDE", "BOX_MARGIN", "FRAME_OBJECT", "VARIANTS",
           "hybrid_labels", "hybrid_alpha", "cnn_box", "hybrid_box_alpha", "frame_labels", "hybrid_frame_alpha",
           "hybrid_method"]

SURE_BACKGROUND = 0.05
"""Below this probability the CNN is sure a pixel is background: GrabCut may not touch it."""

SURE_OBJECT = 0.95
"""At or above this probability (and outside the probable band) the CNN is sure a pixel is object."""

BAND = 0.02
"""Half-width of the probable band around the CNN's edge, as a fraction of the photo's longer side.

Chosen on generated and real ``dev`` photos (never ``holdout``): 1 % and 4 % did no better overall; a wider band
lets GrabCut follow a poor CNN further, and lets it wander on generated photos the CNN already gets right."""

MAX_SIDE = 400
"""GrabCut runs on a copy of the photo at most this many pixels on a side (its time grows with the pixels)."""

BOX_MARGIN = 0.08
"""How far :func:`cnn_box` widens the CNN's box: each edge moves out by this fraction of the box's width (left,
right) or height (top, bottom). The CNN's edge is soft, and GrabCut can only find object inside the box."""


FRAME_OBJECT = 0.5
"""On the frame strip, at or above this probability the photo cuts the object (:func:`frame_labels`)."""


def _small_copy(rgb: np.ndarray, max_side: int | None) -> tuple[np.ndarray, float]:
    """Return the photo GrabCut runs on (at most ``max_side`` pixels on a side) and its scale to the photo."""
    h, w = rgb.shape[:2]
    scale = 1.0 if max_side is None else min(1.0, as_number(max_side, "max_side", low=16) / max(h, w))
    if scale == 1.0:
        return rgb, scale
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA), scale


def _run_grabcut(small_rgb: np.ndarray, labels: np.ndarray, iterations: int, seed: int,
                 shape: tuple[int, int]) -> np.ndarray:
    """Run GrabCut from ``labels`` on ``small_rgb``; return its object mask (float32, 0 or 1) at ``shape`` (H, W)."""
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(int(seed))
    cv2.grabCut(np.ascontiguousarray(small_rgb[:, :, ::-1]), labels, None, bgd, fgd, int(iterations),
                cv2.GC_INIT_WITH_MASK)
    mask = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.float32)
    h, w = shape
    if mask.shape != (h, w):
        mask = (cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR) >= 0.5).astype(np.float32)
    return mask


def hybrid_labels(object_prob, *, sure_background: float = SURE_BACKGROUND, sure_object: float = SURE_OBJECT,
                  band: float = BAND) -> np.ndarray:
    """Return GrabCut's starting labels (H×W uint8 of ``cv2.GC_*``) from a CNN's object probability (H×W float).

    See the module's table. ``band`` is a fraction of the longer side (0: no band).

    >>> p = np.array([[0.0, 0.3, 0.7, 1.0, 1.0, 1.0, 0.3, 0.3]], np.float32)    # band: 0.2 × 8 = 1.6 px
    >>> hybrid_labels(p, band=0.2).tolist() == [[cv2.GC_BGD, cv2.GC_PR_BGD, cv2.GC_PR_FGD, cv2.GC_FGD,
    ...                                           cv2.GC_FGD, cv2.GC_PR_FGD, cv2.GC_PR_BGD, cv2.GC_BGD]]
    True
    """
    p = as_alpha(object_prob, "object_prob")
    sure_background = as_number(sure_background, "sure_background", low=0.0, high=0.5)
    sure_object = as_number(sure_object, "sure_object", low=0.5, high=1.0)
    band = as_number(band, "band", low=0.0, high=0.5)
    # seed_labels with no box: p >= sure_object sure object, p < 0.5 probably background, the rest probably object
    labels = seed_labels(p.shape, None, prior=p, thresholds={"background": 0.5, "object": sure_object})
    labels[p < sure_background] = cv2.GC_BGD
    radius = band * max(p.shape)
    cnn_object = (p >= 0.5).astype(np.uint8)
    inside = cv2.distanceTransform(cnn_object, cv2.DIST_L2, 5)          # to the nearest pixel the CNN calls background
    outside = cv2.distanceTransform(1 - cnn_object, cv2.DIST_L2, 5)     # to the nearest pixel it calls object
    labels[(labels == cv2.GC_FGD) & (inside <= radius)] = cv2.GC_PR_FGD
    labels[(labels == cv2.GC_PR_BGD) & (outside > radius)] = cv2.GC_BGD  # far from its object: sure, however low p is
    return labels


def hybrid_alpha(rgb, object_prob, *, sure_background: float = SURE_BACKGROUND, sure_object: float = SURE_OBJECT,
                 band: float = BAND, iterations: int = 5, max_side: int | None = MAX_SIDE,
                 seed: int = 0) -> np.ndarray:
    """Return the hybrid's alpha (H×W float32, 0 or 1): GrabCut started from the CNN's probability, no box.

    Parameters
    ----------
    rgb : H×W×3 uint8
        The photo.
    object_prob : H×W float in [0, 1]
        The CNN's probability of object at the photo's size, e.g. :func:`course_lib.inference.predict_alpha`.
    sure_background, sure_object, band : float
        Where the CNN's labels are sure, and the probable band (see :func:`hybrid_labels`).
    iterations : int
        GrabCut's iterations.
    max_side : int or None
        GrabCut runs on a copy at most this many pixels on a side; ``None``: the full photo.
    seed : int
        Seed of OpenCV's random numbers (GrabCut's k-means): same inputs, same alpha.

    Where the CNN was sure of background (``object_prob < sure_background``) the
    alpha is always 0. When GrabCut cannot run (no sure or probable object, or no
    background), the result is the CNN's own mask, ``object_prob >= 0.5``.
    """
    rgb = as_rgb(rgb)
    p = as_alpha(object_prob, "object_prob", rgb.shape[:2])
    iterations = as_number(iterations, "iterations", low=1, integer=True)
    small_rgb, _ = _small_copy(rgb, max_side)
    small_p = _resized_prob(p, small_rgb.shape[:2])
    labels = hybrid_labels(small_p, sure_background=sure_background, sure_object=sure_object, band=band)
    if why_degenerate(labels) is not None:
        return (p >= 0.5).astype(np.float32)
    mask = _run_grabcut(small_rgb, labels, iterations, seed, p.shape)
    mask[p < sure_background] = 0.0        # the promise, kept at full size too
    return mask


def _resized_prob(p: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Return the probability at ``shape`` (H, W), as GrabCut's copy of the photo has it."""
    if p.shape == tuple(shape):
        return p
    return np.clip(cv2.resize(p, (shape[1], shape[0]), interpolation=cv2.INTER_AREA), 0.0, 1.0)


def cnn_box(object_prob, *, threshold: float = 0.5, margin: float = BOX_MARGIN) -> tuple[int, int, int, int] | None:
    """Return the box ``(x0, y0, x1, y1)`` (``x1``, ``y1`` exclusive) around the CNN's object, or ``None``.

    The box holds every pixel with ``object_prob >= threshold`` (all objects,
    if there are several), each edge moved out by ``margin`` times the box's
    width or height (at least one pixel when ``margin > 0``), then clipped to
    the frame. ``None`` when no pixel reaches ``threshold``: the CNN sees no object.

    >>> p = np.zeros((20, 40), np.float32); p[5:15, 10:20] = 0.9     # a 10×10 object
    >>> cnn_box(p, margin=0.1), cnn_box(p, margin=0.0), cnn_box(np.zeros((4, 4), np.float32))
    ((9, 4, 21, 16), (10, 5, 20, 15), None)
    >>> cnn_box(np.ones((4, 6), np.float32))        # the object fills the frame: the box is the frame
    (0, 0, 6, 4)
    """
    p = as_alpha(object_prob, "object_prob")
    threshold = as_number(threshold, "threshold", low=0.0, high=1.0)
    margin = as_number(margin, "margin", low=0.0)
    rows, cols = np.flatnonzero((p >= threshold).any(axis=1)), np.flatnonzero((p >= threshold).any(axis=0))
    if rows.size == 0:
        return None
    h, w = p.shape
    x0, x1, y0, y1 = int(cols[0]), int(cols[-1]) + 1, int(rows[0]), int(rows[-1]) + 1
    dx, dy = int(np.ceil(margin * (x1 - x0))), int(np.ceil(margin * (y1 - y0)))
    return max(0, x0 - dx), max(0, y0 - dy), min(w, x1 + dx), min(h, y1 + dy)


def _border_box(shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """Lesson 01's rectangle (:func:`course_lib.classical.grabcut_mask`): 5 % inside the frame, at least 1 px."""
    h, w = shape
    mx, my = max(1, int(round(w * 0.05))), max(1, int(round(h * 0.05)))
    return mx, my, w - mx, h - my


def hybrid_box_alpha(rgb, object_prob, *, threshold: float = 0.5, margin: float = BOX_MARGIN, iterations: int = 5,
                     max_side: int | None = MAX_SIDE, seed: int = 0) -> np.ndarray:
    """Return the box hybrid's alpha (H×W float32, 0 or 1): GrabCut inside the box the CNN's probability places.

    Parameters
    ----------
    rgb : H×W×3 uint8
        The photo.
    object_prob : H×W float in [0, 1]
        The CNN's probability of object at the photo's size.
    threshold, margin : float
        The box: pixels with ``object_prob >= threshold``, widened by ``margin`` (see :func:`cnn_box`).
    iterations, max_side, seed
        GrabCut's iterations, the longest side it works at, and its seed, as in :func:`hybrid_alpha`.

    Outside the box the alpha is always 0. The two cases with no box to give GrabCut:

    - **the CNN sees no object** (no pixel reaches ``threshold``): the alpha is all 0,
      the CNN's own answer;
    - **the box is the whole frame** (it leaves GrabCut fewer background pixels than
      its colour model needs): GrabCut starts from lesson 01's rectangle 5 % inside
      the border instead, as :func:`course_lib.classical.grabcut_mask` does (on a photo
      too small even for that, the CNN's mask inside the box is returned).

    >>> rgb = np.full((40, 40, 3), 30, np.uint8); rgb[10:30, 10:30] = 220        # a bright square
    >>> p = np.zeros((40, 40), np.float32); p[14:26, 14:26] = 0.8               # a CNN that sees its middle
    >>> int(hybrid_box_alpha(rgb, p, margin=0.5).sum())                          # the box reaches past its edge
    400
    """
    rgb = as_rgb(rgb)
    p = as_alpha(object_prob, "object_prob", rgb.shape[:2])
    iterations = as_number(iterations, "iterations", low=1, integer=True)
    h, w = p.shape
    box = cnn_box(p, threshold=threshold, margin=margin)
    if box is None:
        return np.zeros((h, w), np.float32)
    small_rgb, scale = _small_copy(rgb, max_side)
    sh, sw = small_rgb.shape[:2]

    def labels_of(full_box):
        x0, y0, x1, y1 = full_box
        small_box = (min(sw - 1, int(x0 * scale)), min(sh - 1, int(y0 * scale)),
                     max(1, min(sw, int(np.ceil(x1 * scale)))), max(1, min(sh, int(np.ceil(y1 * scale)))))
        return seed_labels((sh, sw), small_box)

    labels = labels_of(box)
    if why_degenerate(labels) is not None:      # (nearly) the whole frame: no background colours to learn
        box = _border_box((h, w))
        labels = labels_of(box)
    x0, y0, x1, y1 = box
    if why_degenerate(labels) is not None:      # a photo of a few pixels: GrabCut cannot run at all
        mask = np.zeros((h, w), np.float32)
        mask[y0:y1, x0:x1] = p[y0:y1, x0:x1] >= threshold
        return mask
    mask = _run_grabcut(small_rgb, labels, iterations, seed, (h, w))   # labels as GC_INIT_WITH_RECT sets them
    outside = np.ones((h, w), bool)
    outside[y0:y1, x0:x1] = False
    mask[outside] = 0.0                      # the promise, kept at full size too
    return mask


def frame_labels(object_prob, *, frame_object: float = FRAME_OBJECT,
                 sure_background: float = SURE_BACKGROUND) -> np.ndarray:
    """Return GrabCut's starting labels (H×W uint8 of ``cv2.GC_*``): lesson 01's rectangle, with the CNN's hints.

    Lesson 01's rectangle 5 % inside the frame: the strip outside it is sure
    background, inside is probably object. Two changes, read off the CNN's
    probability ``p``: on the strip, ``p >= frame_object`` is probably object
    (the photo cuts the object there, and sure background would cut it too);
    inside, ``p < sure_background`` is probably background.

    >>> p = np.zeros((20, 20), np.float32); p[0:8, 6:14] = 0.9           # an object the top edge cuts
    >>> labels = frame_labels(p)
    >>> [int(labels[0, 10]), int(labels[0, 2]), int(labels[5, 10]), int(labels[15, 10])] == [
    ...     cv2.GC_PR_FGD, cv2.GC_BGD, cv2.GC_PR_FGD, cv2.GC_PR_BGD]
    True
    """
    p = as_alpha(object_prob, "object_prob")
    frame_object = as_number(frame_object, "frame_object", low=0.0, high=1.0)
    sure_background = as_number(sure_background, "sure_background", low=0.0, high=0.5)
    labels = seed_labels(p.shape, _border_box(p.shape))
    strip = labels == cv2.GC_BGD
    labels[strip & (p >= frame_object)] = cv2.GC_PR_FGD
    labels[~strip & (p < sure_background)] = cv2.GC_PR_BGD
    return labels


def hybrid_frame_alpha(rgb, object_prob, *, frame_object: float = FRAME_OBJECT,
                       sure_background: float = SURE_BACKGROUND, iterations: int = 5,
                       max_side: int | None = None, seed: int = 0) -> np.ndarray:
    """Return the frame hybrid's alpha (H×W float32, 0 or 1): GrabCut from the border, with the CNN's hints.

    GrabCut starts from :func:`frame_labels`: lesson 01's rectangle, except
    where the CNN sees the object cross the frame (probably object) and where
    it is sure there is none (probably background). Unlike the other two
    hybrids, the CNN never has the last word: GrabCut may overturn every hint.
    ``frame_object``, ``sure_background`` are the hints' thresholds;
    ``iterations``, ``max_side`` and ``seed`` are as in :func:`hybrid_alpha`,
    except that by default GrabCut runs on the full photo, as
    :func:`course_lib.classical.grabcut_mask` does: the hints are then the only
    difference from GrabCut from the border (GrabCut's result can jump with the
    size it runs at, so a smaller copy would be a second change).

    When the hints leave GrabCut no object or no background to learn colours
    from, it starts from lesson 01's rectangle alone, as
    :func:`course_lib.classical.grabcut_mask` does; on a photo too small even for
    that, the CNN's own mask (``object_prob >= 0.5``) is returned.

    >>> rgb = np.full((40, 40, 3), 30, np.uint8); rgb[0:20, 10:30] = 220        # a square the top edge cuts
    >>> p = np.zeros((40, 40), np.float32); p[0:22, 8:32] = 0.8                # a CNN a little too wide
    >>> alpha = hybrid_frame_alpha(rgb, p)
    >>> int(alpha.sum()), float(alpha[0:2, 10:30].min())                       # the cut edge on the strip too
    (400, 1.0)
    """
    rgb = as_rgb(rgb)
    p = as_alpha(object_prob, "object_prob", rgb.shape[:2])
    iterations = as_number(iterations, "iterations", low=1, integer=True)
    small_rgb, _ = _small_copy(rgb, max_side)
    labels = frame_labels(_resized_prob(p, small_rgb.shape[:2]), frame_object=frame_object,
                          sure_background=sure_background)
    if why_degenerate(labels) is not None:          # the hints took away one side: lesson 01's rectangle alone
        labels = seed_labels(labels.shape, _border_box(labels.shape))
    if why_degenerate(labels) is not None:          # a photo of a few pixels: GrabCut cannot run at all
        return (p >= 0.5).astype(np.float32)
    return _run_grabcut(small_rgb, labels, iterations, seed, p.shape)


VARIANTS = {"labels": hybrid_alpha, "box": hybrid_box_alpha, "frame": hybrid_frame_alpha}
"""The three hybrids by name: GrabCut from the CNN's labels, inside the CNN's box, or from the border with its
hints."""


def hybrid_method(cnn, variant: str = "labels", **options):
    """Return a segmenter ``rgb -> alpha`` for :func:`course_lib.evaluate.evaluate_methods`: the CNN, then a hybrid.

    ``cnn`` maps a photo to its object probability (an
    :class:`~course_lib.inference.AlphaCache`, so each photo is predicted once);
    ``variant`` is a key of :data:`VARIANTS`; ``options`` go to its function
    (:func:`hybrid_alpha`, :func:`hybrid_box_alpha` or :func:`hybrid_frame_alpha`).

    >>> method = hybrid_method(lambda rgb: np.zeros(rgb.shape[:2], np.float32))   # a CNN that sees nothing
    >>> float(method(np.zeros((8, 8, 3), np.uint8)).max())
    0.0
    >>> float(hybrid_method(lambda rgb: np.ones(rgb.shape[:2], np.float32), "box")(np.zeros((8, 8, 3), np.uint8)).min())
    0.0
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant={variant!r} is not one of {sorted(VARIANTS)}")
    function = VARIANTS[variant]
    return lambda rgb: function(rgb, cnn(rgb), **options)

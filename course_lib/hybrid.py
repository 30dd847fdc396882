"""A CNN and GrabCut together: the network's probability seeds GrabCut's labels, GrabCut refines the edge.

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

__all__ = ["SURE_BACKGROUND", "SURE_OBJECT", "BAND", "MAX_SIDE", "hybrid_labels", "hybrid_alpha", "hybrid_method"]

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
    h, w = p.shape
    scale = 1.0 if max_side is None else min(1.0, as_number(max_side, "max_side", low=16) / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small_rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        small_p = np.clip(cv2.resize(p, size, interpolation=cv2.INTER_AREA), 0.0, 1.0)
    else:
        small_rgb, small_p = rgb, p
    labels = hybrid_labels(small_p, sure_background=sure_background, sure_object=sure_object, band=band)
    if why_degenerate(labels) is not None:
        return (p >= 0.5).astype(np.float32)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(int(seed))
    cv2.grabCut(np.ascontiguousarray(small_rgb[:, :, ::-1]), labels, None, bgd, fgd, int(iterations),
                cv2.GC_INIT_WITH_MASK)
    mask = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.float32)
    if scale < 1.0:
        mask = (cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR) >= 0.5).astype(np.float32)
    mask[p < sure_background] = 0.0        # the promise, kept at full size too
    return mask


def hybrid_method(cnn, **options):
    """Return a segmenter ``rgb -> alpha`` for :func:`course_lib.evaluate.evaluate_methods`: the CNN, then the hybrid.

    ``cnn`` maps a photo to its object probability (an
    :class:`~course_lib.inference.AlphaCache`, so each photo is predicted once);
    ``options`` go to :func:`hybrid_alpha`.

    >>> method = hybrid_method(lambda rgb: np.zeros(rgb.shape[:2], np.float32))   # a CNN that sees nothing
    >>> float(method(np.zeros((8, 8, 3), np.uint8)).max())
    0.0
    """
    return lambda rgb: hybrid_alpha(rgb, cnn(rgb), **options)

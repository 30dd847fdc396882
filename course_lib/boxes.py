"""Windows on an image, as ``(rows, cols)`` slices: the bounding box of a mask, and the edge to zoom into.

A window is a pair of slices, so ``image[box]`` crops an image and ``alpha[box]``
its alpha alike. :func:`bounding_box` is the object's box (lesson 06's matting
and foreground estimate solve only inside it; ``course-cutout --crop`` crops
to it); :func:`zoom_box` is where a soft edge is most worth a close look.

>>> import numpy as np
>>> mask = np.zeros((6, 8), bool); mask[2:4, 3:5] = True
>>> bounding_box(mask)
(slice(2, 4, None), slice(3, 5, None))
"""

from __future__ import annotations

import numpy as np

from course_lib import metrics
from course_lib.box_filter import box_mean
from course_lib.validate import as_alpha, as_number

__all__ = ["bounding_box", "zoom_box"]


def bounding_box(mask, margin: int = 0) -> tuple[slice, slice]:
    """Return ``(rows, cols)`` slices of the smallest box around the nonzero pixels, widened by ``margin``.

    Parameters
    ----------
    mask : H×W array
        bool, an alpha, or 8-bit values: every nonzero pixel is inside the box.
    margin : int
        Pixels added on every side; the box is kept inside the image.

    Raises ``ValueError`` when ``mask`` has no nonzero pixel: an empty mask has
    no bounding box, and each caller decides what that means (``course-cutout``
    keeps the whole picture; matting has nothing to solve).

    >>> a = np.zeros((10, 10), np.uint8); a[4:6, 3:5] = 9
    >>> bounding_box(a, 1)
    (slice(3, 7, None), slice(2, 6, None))
    >>> bounding_box(np.zeros((2, 3), bool))
    Traceback (most recent call last):
    ...
    ValueError: mask has no nonzero pixel (shape (2, 3)): an empty mask has no bounding box
    """
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"mask must be H×W, got shape {m.shape}")
    margin = as_number(margin, "margin", low=0, integer=True)
    rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
    if rows.size == 0:
        raise ValueError(f"mask has no nonzero pixel (shape {m.shape}): an empty mask has no bounding box")
    h, w = m.shape
    return (slice(max(int(rows[0]) - margin, 0), min(int(rows[-1]) + 1 + margin, h)),
            slice(max(int(cols[0]) - margin, 0), min(int(cols[-1]) + 1 + margin, w)))


def zoom_box(alpha, side: int = 32) -> tuple[slice, slice]:
    """Return ``(rows, cols)`` slices of the ``side``×``side`` window with the most edge pixels of ``alpha``.

    Edge pixels are the soft ones (0.02 < α < 0.98) of a soft alpha, or the
    outline of a hard mask; thin parts and glass have the most of them. The
    window lies inside the image (smaller images give a smaller window).
    """
    a = as_alpha(alpha)
    h, w = a.shape
    side = as_number(side, "side", low=2, integer=True)
    soft = (a > 0.02) & (a < 0.98)
    edges = soft if soft.sum() >= 4 * side else metrics.boundary(a >= 0.5) | soft
    density = box_mean(edges.astype(np.float64), side // 2)
    y, x = np.unravel_index(int(np.argmax(density)), density.shape)
    top = int(np.clip(y - side // 2, 0, max(h - side, 0)))
    left = int(np.clip(x - side // 2, 0, max(w - side, 0)))
    return slice(top, min(top + side, h)), slice(left, min(left + side, w))

"""Window means by cumulative sums: the box filter behind the guided filter and lesson 03's pixel features.

A box filter replaces each pixel by the mean of the ``(2·radius + 1)²`` window
around it. Summed by cumulative sums along each axis it costs the same for
any radius; near the border a window holds fewer pixels, and the mean is over
those (He et al.'s guided filter does the same), so a constant image stays
constant up to its edge.

>>> import numpy as np
>>> box_mean(np.ones((3, 4)), 5).tolist() == np.ones((3, 4)).tolist()
True
"""

from __future__ import annotations

import numpy as np

from course_lib.validate import as_number

__all__ = ["box_mean"]


def _box_sum_along(x: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Sum over ``[i − radius, i + radius]`` along ``axis``, clipped at the ends, by a cumulative sum."""
    n = x.shape[axis]
    c = np.cumsum(x, axis=axis, dtype=np.float64)
    zero = np.zeros_like(np.take(c, [0], axis=axis))
    c = np.concatenate([zero, c], axis=axis)           # c[k] = sum of the first k values
    index = np.arange(n)
    upper = np.take(c, np.minimum(index + radius + 1, n), axis=axis)
    return upper - np.take(c, np.maximum(index - radius, 0), axis=axis)


def box_mean(x, radius: int) -> np.ndarray:
    """Return the mean of ``x`` over each ``(2·radius + 1)²`` window, windows clipped at the border (float64).

    ``x`` is H×W or H×W×C (each channel alone). Cost: two cumulative sums,
    whatever the radius. Near the border a window holds fewer pixels, and the
    mean is over those (He et al.'s guided filter does the same).

    >>> box_mean(np.arange(4.0).reshape(1, 4), 1)
    array([[0.5, 1. , 2. , 2.5]])
    """
    x = np.asarray(x, np.float64)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must be H×W or H×W×C, got shape {x.shape}")
    radius = as_number(radius, "radius", low=0, integer=True)
    h, w = x.shape[:2]
    sums = _box_sum_along(_box_sum_along(x, radius, 0), radius, 1)
    rows = np.minimum(np.arange(h) + radius, h - 1) - np.maximum(np.arange(h) - radius, 0) + 1
    cols = np.minimum(np.arange(w) + radius, w - 1) - np.maximum(np.arange(w) - radius, 0) + 1
    count = np.outer(rows, cols).astype(np.float64)
    return sums / (count if x.ndim == 2 else count[:, :, None])

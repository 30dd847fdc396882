"""Input checks shared by every module: images, alphas, masks and numbers.

Each function returns its argument in the kit's convention, or raises
``ValueError`` with a message that names the parameter and the wrong value.
The rules are stated here once:

- an **image** is ``H×W×3 uint8 RGB`` with at least ``min_side`` pixels a side
  (1 unless a function needs a neighbourhood);
- an **alpha** is ``H×W`` numbers in [0, 1] (bool counts as 0/1), returned as float32;
- a **mask** is ``H×W`` bool; a soft alpha becomes a mask where ``alpha >= MASK_THRESHOLD``.

>>> import numpy as np
>>> as_rgb(np.zeros((2, 3, 3), np.uint8)).shape
(2, 3, 3)
>>> as_mask(np.array([[0.3, 0.5]], np.float32))
array([[False,  True]])
>>> as_number(3, "radius", low=1, integer=True)
3
>>> as_rgb(np.zeros((2, 3), np.uint8))
Traceback (most recent call last):
...
ValueError: rgb must be an H×W×3 uint8 RGB image, got shape (2, 3) dtype uint8
"""

from __future__ import annotations

import numpy as np

__all__ = ["MASK_THRESHOLD", "as_rgb", "as_alpha", "as_mask", "as_number", "as_odd"]

MASK_THRESHOLD = 0.5
"""A soft alpha counts as object where ``alpha >= MASK_THRESHOLD``.

The kit's one rule, in metrics and postprocessing alike.
"""


def as_rgb(rgb, name: str = "rgb", *, min_side: int = 1) -> np.ndarray:
    """Return ``rgb`` as an ``H×W×3 uint8`` array; raise if it is another shape, dtype, or smaller than ``min_side``."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"{name} must be an H×W×3 uint8 RGB image, got shape {rgb.shape} dtype {rgb.dtype}")
    if min(rgb.shape[:2]) < min_side:
        if min(rgb.shape[:2]) == 0:
            raise ValueError(f"{name} has no pixels: shape {rgb.shape}")
        raise ValueError(f"{name} must be at least {min_side}×{min_side} pixels, got {rgb.shape[0]}×{rgb.shape[1]}")
    return rgb


def as_alpha(alpha, name: str = "alpha", shape: tuple[int, int] | None = None) -> np.ndarray:
    """Return ``alpha`` as ``H×W float32`` in [0, 1] (bool → 0/1); raise naming ``name`` otherwise.

    ``shape`` (H, W), when given, is the image's size the alpha must match.
    """
    alpha = np.asarray(alpha)
    if alpha.ndim != 2:
        raise ValueError(f"{name} must be an H×W mask or alpha, got shape {alpha.shape}")
    if shape is not None and alpha.shape != tuple(shape):
        raise ValueError(f"{name} has shape {alpha.shape}, but the image is {tuple(shape)}")
    if alpha.dtype == bool:
        return alpha.astype(np.float32)
    if not (np.issubdtype(alpha.dtype, np.floating) or np.issubdtype(alpha.dtype, np.integer)):
        raise ValueError(f"{name} must be bool or numbers in [0, 1], got dtype {alpha.dtype}")
    alpha = alpha.astype(np.float32)
    if alpha.size and (np.isnan(alpha).any() or alpha.min() < 0 or alpha.max() > 1):
        raise ValueError(f"{name} must lie in [0, 1] with no NaN, got values "
                         f"{np.nanmin(alpha):.3g}..{np.nanmax(alpha):.3g} (a 0/255 mask? divide by 255)")
    return alpha


def as_mask(mask, name: str = "mask", shape: tuple[int, int] | None = None) -> np.ndarray:
    """Return a hard ``H×W`` bool mask: bool as it is, an alpha in [0, 1] as ``alpha >= MASK_THRESHOLD``."""
    mask = np.asarray(mask)
    if mask.dtype == bool and mask.ndim == 2 and (shape is None or mask.shape == tuple(shape)):
        return mask
    return as_alpha(mask, name, shape) >= MASK_THRESHOLD


def as_number(value, name: str, *, low: float = -np.inf, high: float = np.inf, integer: bool = False,
              low_inclusive: bool = True) -> float | int:
    """Return ``value`` as a float (or int with ``integer=True``) in ``[low, high]``; raise naming ``name`` otherwise.

    ``low_inclusive=False`` makes the interval ``(low, high]``. Bools, NaN and
    infinities are refused.
    """
    kind = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    ok = isinstance(value, kind) and not isinstance(value, (bool, np.bool_))
    if ok:
        ok = bool(np.isfinite(value)) and (value >= low if low_inclusive else value > low) and value <= high
    if not ok:
        what = "integer" if integer else "number"
        if low == -np.inf and high == np.inf:
            rule = f"a finite {what}"
        elif low == 0 and high == np.inf:
            rule = f"a positive {what}" if not low_inclusive else f"a {what} >= 0"
        elif high == np.inf:
            rule = f"a {what} {'>=' if low_inclusive else '>'} {low}"
        else:
            rule = f"a {what} in {'[' if low_inclusive else '('}{low}, {high}]"
        raise ValueError(f"{name} must be {rule.replace('a integer', 'an integer')}, got {value!r}")
    return int(value) if integer else float(value)


def as_odd(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is odd and at least ``minimum`` (a kernel size); raise otherwise.

    >>> as_odd(4, "size")
    Traceback (most recent call last):
    ...
    ValueError: size must be an odd integer >= 1, got 4
    """
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum or value % 2 == 0:
        raise ValueError(f"{name} must be an odd integer >= {minimum}, got {value!r}")
    return int(value)

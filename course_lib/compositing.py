"""Put a cut-out on a background: ``out = α·F + (1 − α)·B``, the one blend of the course.

Every cut-out the kit shows or writes goes through :func:`composite`: the
lessons' pictures on a checkerboard (the usual "transparent" backdrop), the
product on white, a colour or another photo (lesson 06, ``course-cutout
--background``), and the self-check of the lesson that asks students to write
the blend (:func:`course_lib.checks.check_composite` compares with it).

The colours blended are ``rgb`` unless ``foreground`` is given. An edge pixel of
a photo is part old background; :func:`course_lib.postprocess.estimate_foreground`
removes that before compositing (``foreground=estimate_foreground(rgb, alpha)``).

Images are ``H×W×3 uint8 RGB``; alpha is ``H×W float32`` in [0, 1] or ``bool``.

>>> import numpy as np
>>> rgb = np.full((1, 2, 3), 200, np.uint8)
>>> composite(rgb, np.array([[1.0, 0.5]]), "white")[0, :, 0]
array([200, 228], dtype=uint8)
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from course_lib.validate import as_alpha, as_number, as_rgb

__all__ = ["NAMED_BACKGROUNDS", "checkerboard", "fit_background", "composite"]

NAMED_BACKGROUNDS = ("checkerboard", "white")
"""The backgrounds :func:`composite` knows by name."""


def checkerboard(height: int, width: int, *, square: int = 16,
                 light: int = 235, dark: int = 190) -> np.ndarray:
    """Return an ``H×W×3 uint8`` grey checkerboard, the usual "transparent" backdrop.

    >>> checkerboard(4, 4, square=2)[:, :, 0]
    array([[235, 235, 190, 190],
           [235, 235, 190, 190],
           [190, 190, 235, 235],
           [190, 190, 235, 235]], dtype=uint8)
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"checkerboard size must be positive, got {height}×{width}")
    if square <= 0:
        raise ValueError(f"square must be positive, got {square}")
    rows = (np.arange(height) // square)[:, None]
    cols = (np.arange(width) // square)[None, :]
    grey = np.where((rows + cols) % 2 == 0, light, dark).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def fit_background(photo, height: int, width: int) -> np.ndarray:
    """Return ``photo`` scaled to cover ``height × width`` and centre-cropped to it (H×W×3 uint8).

    The aspect ratio is kept, as a photo editor's "fill" does: nothing is squashed.

    >>> fit_background(np.zeros((10, 40, 3), np.uint8), 20, 20).shape
    (20, 20, 3)
    """
    photo = as_rgb(photo, "photo")
    height = as_number(height, "height", low=1, integer=True)
    width = as_number(width, "width", low=1, integer=True)
    ph, pw = photo.shape[:2]
    scale = max(height / ph, width / pw)
    size = (max(width, round(pw * scale)), max(height, round(ph * scale)))
    scaled = cv2.resize(photo, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    top, left = (scaled.shape[0] - height) // 2, (scaled.shape[1] - width) // 2
    return np.ascontiguousarray(scaled[top:top + height, left:left + width])


def _background(background, height: int, width: int) -> np.ndarray:
    """Return ``background`` as an ``height×width×3 uint8`` picture (see :func:`composite`)."""
    if isinstance(background, str):
        if background == "checkerboard":
            return checkerboard(height, width)
        if background == "white":
            return np.full((height, width, 3), 255, np.uint8)
        raise ValueError(f"background={background!r}: use one of {list(NAMED_BACKGROUNDS)}, an RGB triple "
                         f"or an H×W×3 uint8 image")
    back = np.asarray(background)
    if back.shape == (3,):
        if not np.issubdtype(back.dtype, np.number) or back.min() < 0 or back.max() > 255:
            raise ValueError(f"background colour must be three numbers in 0..255, got {tuple(back.tolist())}")
        return np.broadcast_to(back.astype(np.uint8), (height, width, 3))
    if back.ndim != 3 or back.shape[2] != 3:
        raise ValueError(f"background has shape {back.shape}, expected an RGB triple (3,) or an H×W×3 image")
    back = as_rgb(back, "background")
    return back if back.shape[:2] == (height, width) else fit_background(back, height, width)


def composite(rgb, alpha, background: str | Sequence[int] | np.ndarray = "checkerboard", *,
              foreground=None) -> np.ndarray:
    """Return ``α·F + (1 − α)·B`` rounded to ``H×W×3 uint8``: the cut-out on a new background.

    Parameters
    ----------
    rgb : H×W×3 uint8
        The photo; its colours are ``F`` unless ``foreground`` is given.
    alpha : H×W float32 in [0, 1] or bool
        1 where the product is, 0 where the background is.
    background : "checkerboard", "white", an RGB triple, or an H×W×3 uint8 image of any size
        ``B``. An image of another size is fitted with :func:`fit_background`
        (scaled to cover, centre-cropped).
    foreground : H×W×3 uint8, optional
        ``F``, e.g. :func:`course_lib.postprocess.estimate_foreground` computed
        once for several backgrounds. Default: ``rgb`` as it is.

    Examples
    --------
    >>> rgb = np.full((2, 2, 3), 200, np.uint8)
    >>> composite(rgb, np.full((2, 2), 0.5), (0, 0, 0))[0, 0].tolist()
    [100, 100, 100]
    """
    rgb = as_rgb(rgb)
    h, w = rgb.shape[:2]
    a = as_alpha(alpha, "alpha", (h, w))[:, :, None]
    fore = rgb
    if foreground is not None:
        fore = as_rgb(foreground, "foreground")
        if fore.shape != rgb.shape:
            raise ValueError(f"foreground has shape {fore.shape}, but rgb is {rgb.shape}")
    back = _background(background, h, w)
    out = a * fore.astype(np.float32) + (1.0 - a) * back.astype(np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)

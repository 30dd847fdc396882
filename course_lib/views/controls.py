"""What every panel is built from: sliders in one style, pictures as PNG bytes, the panel size.

Panels draw into an ``ipywidgets.Image`` as PNG bytes encoded by OpenCV, which
keeps a redraw at 256×256 in the low milliseconds (``benchmarks/bench_widgets.py``),
and show images at most :data:`PANEL_SIDE` pixels on a side.

A panel that cannot draw (an impossible parameter, matting with nothing known)
sets its ``error`` attribute to the reason and shows it with :func:`error_html`;
``error`` is ``None`` after a redraw that worked. Whoever embeds a panel (the
studio) reads that attribute, never the panel's HTML.

>>> import numpy as np
>>> fit_for_panel(np.zeros((512, 1024, 3), np.uint8)).shape
(128, 256, 3)
>>> png_bytes(np.zeros((4, 4, 3), np.uint8))[:4]
b'\\x89PNG'
>>> join_with_gaps([np.zeros((2, 3, 3), np.uint8)] * 2).shape
(2, 10, 3)
"""

from __future__ import annotations

import html

import cv2
import ipywidgets as W
import numpy as np

from course_lib import viz
from course_lib.compositing import composite

__all__ = ["PANEL_SIDE", "GAP", "LABEL_WIDTH", "ROW_WIDTH", "ERROR_COLOUR", "fit_for_panel", "png_bytes",
           "grey_picture", "join_with_gaps", "strip", "int_slider", "float_slider", "log_slider", "dropdown",
           "error_html"]

PANEL_SIDE = 256
"""Images are shown at most this many pixels on a side, so every slider responds at once."""

GAP = 4
"""White pixels between the pictures of a strip."""

LABEL_WIDTH = "140px"
"""Width of every control's label: long enough for "opening element (px)"."""

ROW_WIDTH = "440px"
"""Width of every slider row, label included."""

ERROR_COLOUR = "#b2182b"
"""The colour a panel writes its error in."""


def fit_for_panel(image: np.ndarray, max_side: int = PANEL_SIDE, interpolation: int = cv2.INTER_AREA) -> np.ndarray:
    """Return ``image`` (H×W or H×W×C) downscaled so its longer side is at most ``max_side`` (area averaging)."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interpolation)


def png_bytes(rgb: np.ndarray) -> bytes:
    """Return an H×W×3 uint8 RGB image encoded as PNG bytes (fast, via OpenCV)."""
    ok, buffer = cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise ValueError("could not encode the image as PNG")
    return buffer.tobytes()


def grey_picture(alpha: np.ndarray) -> np.ndarray:
    """Return an alpha or mask (H×W, [0, 1] or bool) as an H×W×3 uint8 grey picture, white = object."""
    grey = np.rint(np.asarray(alpha, np.float32) * 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def join_with_gaps(parts, gap: int = GAP) -> np.ndarray:
    """Return H×W×3 uint8 pictures of one height side by side, ``gap`` white pixels between them."""
    white = np.full((parts[0].shape[0], gap, 3), 255, np.uint8)
    return np.hstack([p for part in parts for p in (part, white)][:-1])


def strip(rgb: np.ndarray, mask: np.ndarray, truth: np.ndarray | None = None) -> np.ndarray:
    """Return a classical panel's picture: overlay | mask | cut-out on a checkerboard (| error map with truth)."""
    alpha = mask.astype(np.float32)
    parts = [viz.overlay(rgb, alpha), grey_picture(alpha), composite(rgb, alpha, "checkerboard")]
    if truth is not None:
        parts.append(viz.error_map(mask, truth))
    return join_with_gaps(parts)


def _styled(kind, **kwargs):
    kwargs.setdefault("layout", W.Layout(width=ROW_WIDTH))
    return kind(style={"description_width": LABEL_WIDTH}, **kwargs)


def int_slider(description: str, value: int, lo: int, hi: int, step: int = 1) -> W.IntSlider:
    """Return an integer slider in the kit's style, redrawing on release (not while dragging)."""
    return _styled(W.IntSlider, value=value, min=lo, max=hi, step=step, description=description,
                   continuous_update=False)


def float_slider(description: str, value: float, lo: float, hi: float, step: float) -> W.FloatSlider:
    """Return a float slider in the kit's style, redrawing on release."""
    return _styled(W.FloatSlider, value=value, min=lo, max=hi, step=step, description=description,
                   continuous_update=False)


def log_slider(description: str, value: float, lo_exponent: float, hi_exponent: float,
               step: float) -> W.FloatLogSlider:
    """Return a base-10 logarithmic slider from ``10**lo_exponent`` to ``10**hi_exponent``, in the kit's style."""
    return _styled(W.FloatLogSlider, value=value, base=10, min=lo_exponent, max=hi_exponent, step=step,
                   description=description, continuous_update=False)


def dropdown(description: str, options, value) -> W.Dropdown:
    """Return a drop-down in the kit's style (``options``: values or ``(label, value)`` pairs)."""
    return _styled(W.Dropdown, options=options, value=value, description=description)


def error_html(message: str) -> str:
    """Return ``message`` as the red HTML line a panel shows when it cannot draw."""
    return f"<span style='color:{ERROR_COLOUR}'>⚠ {html.escape(message)}</span>"

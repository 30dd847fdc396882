"""Pictures of cut-outs: side-by-side panels, overlays, errors, edges up close, contact sheets.

Images are ``H×W×3 uint8 RGB``; alpha is ``H×W float32`` in [0, 1] (or bool).
The course colours are fixed here so every lesson draws "object" and
"background" the same way. The cut-outs themselves (on a checkerboard, white,
a colour or a photo) are :func:`course_lib.compositing.composite`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_lib.boxes import zoom_box
from course_lib.compositing import composite
from course_lib.validate import as_alpha, as_rgb

__all__ = ["OBJECT_COLOUR", "BACKGROUND_COLOUR", "show_panels", "ERROR_COLOURS", "overlay", "error_map",
           "error_legend", "method_grid", "before_after", "contact_sheet"]

OBJECT_COLOUR = "#e66101"
"""Colour for "object" in every plot of the course."""
BACKGROUND_COLOUR = "#5e3c99"
"""Colour for "background" in every plot of the course."""


def show_panels(images: Sequence[np.ndarray], titles: Sequence[str] | None = None, *,
                suptitle: str | None = None, panel_size: float = 3.2, cmap: str = "gray"):
    """Draw images side by side in one row and return the matplotlib figure.

    Grey (H×W) panels use ``cmap`` on a fixed 0–1 scale for float data, so a mask
    and an alpha look the same; colour panels are shown as they are.
    """
    import matplotlib.pyplot as plt

    if len(images) == 0:
        raise ValueError("show_panels needs at least one image")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    fig, axes = plt.subplots(1, len(images), figsize=(panel_size * len(images), panel_size),
                             squeeze=False)
    for i, (ax, picture) in enumerate(zip(axes[0], images)):
        image = np.asarray(picture)
        if image.ndim == 2:
            vmax = 1.0 if image.dtype != np.uint8 else 255
            ax.imshow(image, cmap=cmap, vmin=0, vmax=vmax)
        else:
            ax.imshow(image)
        if titles is not None:
            ax.set_title(titles[i])
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# --- masks over images -------------------------------------------------------------------

ERROR_COLOURS = {
    "product, found": (235, 235, 235),
    "product, missed (FN)": (44, 123, 182),
    "background kept (FP)": (215, 25, 28),
    "background, removed": (40, 40, 40),
}
"""The RGB colours of :func:`error_map`, by what they mean (the legend's labels)."""
_TP_RGB, _FN_RGB, _FP_RGB, _TN_RGB = ERROR_COLOURS.values()


def _hex_to_rgb(colour: str) -> np.ndarray:
    colour = colour.lstrip("#")
    return np.array([int(colour[i:i + 2], 16) for i in (0, 2, 4)], np.float32)


def overlay(rgb: np.ndarray, mask: np.ndarray, *, strength: float = 0.45) -> np.ndarray:
    """Return ``rgb`` with the product tinted in the object colour and the background dimmed and tinted.

    ``mask``: H×W bool or float alpha (tints in proportion). Returns H×W×3 uint8.
    """
    rgb = np.asarray(rgb)
    a = as_alpha(mask, "mask", rgb.shape[:2])
    a = a[:, :, None]
    base = rgb.astype(np.float32)
    obj = (1 - strength) * base + strength * _hex_to_rgb(OBJECT_COLOUR)
    back = 0.55 * ((1 - strength) * base + strength * _hex_to_rgb(BACKGROUND_COLOUR))
    return np.clip(np.rint(a * obj + (1 - a) * back), 0, 255).astype(np.uint8)


def error_map(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Return an H×W×3 uint8 picture of the errors: red = false positive, blue = false negative.

    Correct product is light grey, correct background dark grey. Float masks are
    read as ``>= 0.5``. Use :func:`error_legend` for a matplotlib legend.
    """
    p = np.asarray(pred)
    t = np.asarray(truth)
    if p.shape != t.shape:
        raise ValueError(f"pred has shape {p.shape} but truth has {t.shape}")
    p = p if p.dtype == bool else p >= 0.5
    t = t if t.dtype == bool else t >= 0.5
    out = np.empty(p.shape + (3,), np.uint8)
    out[p & t] = _TP_RGB
    out[~p & ~t] = _TN_RGB
    out[p & ~t] = _FP_RGB
    out[~p & t] = _FN_RGB
    return out


def error_legend(ax, **kwargs):
    """Add the legend of :func:`error_map`'s colours to a matplotlib axes."""
    from matplotlib.patches import Patch

    handles = [Patch(color=np.array(c) / 255, label=label) for label, c in ERROR_COLOURS.items()]
    return ax.legend(handles=handles, **{"loc": "lower right", "fontsize": 7, **kwargs})


def method_grid(rgb: np.ndarray, masks: dict, truth: np.ndarray | None = None, *,
                score=None, panel_size: float = 2.6, suptitle: str | None = None):
    """Draw one column per method: the overlay, the cut-out on a checkerboard, and the error map.

    ``masks``: ``{method name: mask}``. With ``truth``, each title carries the
    score (``score(mask, truth)``, IoU by default) and a third row shows the errors.
    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    if not masks:
        raise ValueError("masks is empty: give at least one method name → mask")
    if score is None:
        from course_lib.metrics import iou as score
    rows = 3 if truth is not None else 2
    fig, axes = plt.subplots(rows, len(masks), figsize=(panel_size * len(masks), panel_size * rows),
                             squeeze=False)
    for col, (name, mask) in enumerate(masks.items()):
        alpha = np.asarray(mask, np.float32)
        title = name if truth is None else f"{name}\nIoU {score(mask, truth):.3f}"
        axes[0, col].imshow(overlay(rgb, alpha))
        axes[0, col].set_title(title, fontsize=10)
        axes[1, col].imshow(composite(rgb, alpha, "checkerboard"))
        if truth is not None:
            axes[2, col].imshow(error_map(mask, truth))
        for ax in axes[:, col]:
            ax.axis("off")
    axes[0, 0].text(-0.08, 0.5, "overlay", transform=axes[0, 0].transAxes, rotation=90, va="center", ha="right")
    axes[1, 0].text(-0.08, 0.5, "cut-out", transform=axes[1, 0].transAxes, rotation=90, va="center", ha="right")
    if truth is not None:
        axes[2, 0].text(-0.08, 0.5, "errors", transform=axes[2, 0].transAxes, rotation=90, va="center", ha="right")
        error_legend(axes[2, -1])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# --- edges up close (lesson 06) ------------------------------------------------------------

def before_after(rgb, alphas: dict, *, truth=None, background=(40, 120, 220), box=None, side: int = 32,
                 foreground=None, panel_size: float = 2.8, suptitle: str | None = None):
    """Draw each alpha as a cut-out on ``background``: full size (top) and zoomed on an edge (bottom).

    Parameters
    ----------
    rgb : H×W×3 uint8
    alphas : {title: H×W bool or float alpha}
        Side by side, in this order (e.g. "hard mask", "guided filter").
    truth : H×W alpha, optional
        Adds each alpha's MAE to its title, and a last column with the truth.
    background : RGB triple, "white", or a photo of any size
        A strong colour shows fringes and jagged steps best.
    box : (rows, cols) slices, optional
        The zoom window; default :func:`course_lib.boxes.zoom_box` of ``truth`` (or of the last alpha).
    foreground : H×W×3 uint8, optional
        Colours to composite (e.g. :func:`course_lib.postprocess.estimate_foreground`); default ``rgb``.

    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from course_lib import metrics

    rgb = as_rgb(rgb)
    if not alphas:
        raise ValueError("alphas is empty: give at least one title → alpha")
    panels = dict(alphas)
    if truth is not None:
        panels["truth"] = truth
    if box is None:
        box = zoom_box(truth if truth is not None else list(alphas.values())[-1], side)
    fig, axes = plt.subplots(2, len(panels), figsize=(panel_size * len(panels), panel_size * 2), squeeze=False)
    for col, (title, alpha) in enumerate(panels.items()):
        a = as_alpha(alpha, title, rgb.shape[:2])
        cut = composite(rgb, a, background, foreground=foreground)
        if truth is not None and title != "truth":
            label = f"{title}\nMAE {metrics.mae(a, truth):.4f}"
        else:
            label = title
        axes[0, col].imshow(cut)
        axes[0, col].add_patch(Rectangle((box[1].start - 0.5, box[0].start - 0.5), box[1].stop - box[1].start,
                                         box[0].stop - box[0].start, fill=False, ec="yellow", lw=1.2))
        axes[0, col].set_title(label, fontsize=9)
        axes[1, col].imshow(cut[box], interpolation="nearest")
        axes[1, col].set_title("zoomed on the yellow box", fontsize=8)
        for ax in axes[:, col]:
            ax.set_xticks([]), ax.set_yticks([])
    axes[1, 0].set_ylabel(f"{box[0].stop - box[0].start} px window")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# --- a contact sheet of real photos ---------------------------------------------------------------


def contact_sheet(photos, predict, *, cell: int = 160) -> tuple[np.ndarray, list[float]]:
    """Return a sheet (H×W×3 uint8) with one row per photo: photo | cut-out on white | error map | IoU; and the IoUs.

    ``photos`` have ``name``, ``rgb`` and ``mask`` (e.g. :func:`course_lib.real.load_real`);
    ``predict(rgb) -> H×W alpha`` is the method to look at. A mean IoU hides
    what the sheet shows at once: which photos fail, and how.
    """
    import cv2

    from course_lib import metrics

    def fit(rgb):
        h, w = rgb.shape[:2]
        scale = cell / max(h, w)
        small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        out = np.full((cell, cell, 3), 255, np.uint8)
        out[:small.shape[0], :small.shape[1]] = small
        return out

    def label(lines):
        tile = np.full((cell, 2 * cell, 3), 255, np.uint8)
        for k, line in enumerate(lines):
            cv2.putText(tile, line, (6, 24 + 22 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
        return tile

    rows, ious = [], []
    white = np.full((cell, 4, 3), 255, np.uint8)
    for photo in photos:
        alpha = as_alpha(predict(photo.rgb), "the prediction", photo.rgb.shape[:2])
        iou = metrics.iou(alpha, photo.mask)
        ious.append(iou)
        parts = [fit(photo.rgb), fit(composite(photo.rgb, alpha, "white")), fit(error_map(alpha >= 0.5, photo.mask)),
                 label([photo.name, f"IoU {iou:.3f}", f"mean alpha {float(alpha.mean()):.2f}",
                        f"object in truth {float(np.mean(photo.mask)):.2f}"])]
        rows.append(np.hstack([p for part in parts for p in (part, white)][:-1]))
    if not rows:
        raise ValueError("photos is empty: nothing to draw")
    return np.vstack([np.pad(r, ((0, 4), (0, 0), (0, 0)), constant_values=255) for r in rows]), ious

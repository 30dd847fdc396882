"""Pictures and sliders for lesson 06: edges seen up close, and the postprocessing chain live.

- :func:`zoom_box` — the square window with the most edge detail (thin parts, glass), to look at up close;
- :func:`before_after` — each alpha as a cut-out on one background, full size and zoomed on that window;
- :class:`PostprocessPanel` — sliders for the structuring element, the edge refinement (guided
  filter radius and ε, trimap band for matting, feather σ) with the scores redrawn on every move.

The panel builds a :class:`course_lib.pipeline.Pipeline` from its sliders
(``panel.pipeline()``), so what a learner tunes can be saved and re-applied in
lesson 07. It draws like lesson 01's panels (:mod:`course_lib.widgets`): a PNG
strip in an ``ipywidgets.Image``, images shown at most
:data:`~course_lib.widgets.PANEL_SIDE` pixels on a side — radii are in those pixels.
"""

from __future__ import annotations

import html
import time

import cv2
import ipywidgets as W
import numpy as np

from course_lib import metrics, postprocess, viz
from course_lib.pipeline import Pipeline
from course_lib.widgets import PANEL_SIDE, fit_for_panel, png_bytes

# --- looking at edges up close ----------------------------------------------------------------


def zoom_box(alpha, side: int = 32) -> tuple[slice, slice]:
    """Return ``(rows, cols)`` slices of the ``side``×``side`` window with the most edge pixels of ``alpha``.

    Edge pixels are the soft ones (0.02 < α < 0.98) of a soft alpha, or the
    outline of a hard mask; thin parts and glass have the most of them. The
    window lies inside the image (smaller images give a smaller window).
    """
    a = postprocess._check_alpha(alpha)
    h, w = a.shape
    side = postprocess._check_number(side, "side", low=2, integer=True)
    soft = (a > 0.02) & (a < 0.98)
    edges = soft if soft.sum() >= 4 * side else metrics.boundary(a >= 0.5) | soft
    density = postprocess.box_mean(edges.astype(np.float64), side // 2)
    y, x = np.unravel_index(int(np.argmax(density)), density.shape)
    top = int(np.clip(y - side // 2, 0, max(h - side, 0)))
    left = int(np.clip(x - side // 2, 0, max(w - side, 0)))
    return slice(top, min(top + side, h)), slice(left, min(left + side, w))


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
        The zoom window; default :func:`zoom_box` of ``truth`` (or of the last alpha).
    foreground : H×W×3 uint8, optional
        Colours to composite (e.g. :func:`course_lib.postprocess.estimate_foreground`); default ``rgb``.

    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    rgb = postprocess._check_rgb(rgb)
    if not alphas:
        raise ValueError("alphas is empty: give at least one title → alpha")
    panels = dict(alphas)
    if truth is not None:
        panels["truth"] = truth
    if box is None:
        box = zoom_box(truth if truth is not None else list(alphas.values())[-1], side)
    fore = rgb if foreground is None else foreground
    fig, axes = plt.subplots(2, len(panels), figsize=(panel_size * len(panels), panel_size * 2), squeeze=False)
    for col, (title, alpha) in enumerate(panels.items()):
        a = postprocess._check_alpha(alpha, title, rgb.shape[:2])
        cut = postprocess.composite_onto(rgb, a, background, foreground=fore)
        if truth is not None and title != "truth":
            title = f"{title}\nMAE {metrics.mae(a, truth):.4f}"
        axes[0, col].imshow(cut)
        axes[0, col].add_patch(Rectangle((box[1].start - 0.5, box[0].start - 0.5), box[1].stop - box[1].start,
                                         box[0].stop - box[0].start, fill=False, ec="yellow", lw=1.2))
        axes[0, col].set_title(title, fontsize=9)
        axes[1, col].imshow(cut[box], interpolation="nearest")
        axes[1, col].set_title("zoomed on the yellow box", fontsize=8)
        for ax in axes[:, col]:
            ax.set_xticks([]), ax.set_yticks([])
    axes[1, 0].set_ylabel(f"{box[0].stop - box[0].start} px window")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# --- the slider panel ------------------------------------------------------------------------------

EDGE_MODES = ("hard", "feather", "guided filter", "matting")
"""What the panel's last step can be."""


def _grey(alpha: np.ndarray) -> np.ndarray:
    return np.repeat(np.rint(alpha * 255).astype(np.uint8)[:, :, None], 3, axis=2)


def _slider(kind, description, value, lo, hi, step):
    return kind(value=value, min=lo, max=hi, step=step, description=description, continuous_update=False,
                style={"description_width": "140px"}, layout=W.Layout(width="440px"))


class PostprocessPanel:
    """Lesson 06's chain on one image, with sliders and live scores.

    Parameters
    ----------
    rgb : H×W×3 uint8
        The photo (downscaled to :data:`~course_lib.widgets.PANEL_SIDE` for speed).
    raw : H×W bool or float alpha
        The segmenter's output (GrabCut mask, U-Net probability, …) at the photo's size.
    truth : H×W alpha, optional
        The ground truth; the score line then gives IoU, boundary F and MAE
        of the raw mask and of the current result.

    ``panel.controls`` holds the widgets by name (``"open_size"``,
    ``"close_size"``, ``"fill_holes"``, ``"edge"``, ``"radius"``, ``"log10_eps"``,
    ``"trimap_radius"``, ``"sigma"``); ``panel.pipeline()`` the chain they
    describe; ``panel.alpha`` the current result; ``panel.score`` the score widget.
    """

    def __init__(self, rgb, raw, truth=None):
        self.controls = {
            "open_size": _slider(W.IntSlider, "opening element (px)", 3, 1, 15, 2),
            "close_size": _slider(W.IntSlider, "closing element (px)", 5, 1, 25, 2),
            "fill_holes": W.Checkbox(value=True, description="fill holes ≤ 1 % of the image"),
            "edge": W.ToggleButtons(options=list(EDGE_MODES), value="guided filter", description="edge:"),
            "radius": _slider(W.IntSlider, "guided radius (px)", 1, 1, 12, 1),
            "log10_eps": _slider(W.FloatSlider, "guided log₁₀ ε", -3.0, -6.0, -0.5, 0.25),
            "trimap_radius": _slider(W.IntSlider, "trimap band ± (px)", 2, 1, 15, 1),
            "sigma": _slider(W.FloatSlider, "feather σ (px)", 1.0, 0.3, 5.0, 0.1),
        }
        self.picture = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.zoom = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.score = W.HTML()
        self.status = W.HTML()
        self.alpha = None
        self.last_seconds = 0.0
        for control in self.controls.values():
            control.observe(lambda change: self.redraw(), names="value")
        legend = W.HTML("<small>strip: raw | cleaned mask | final alpha | cut-out on white"
                        " (| errors: red background kept, blue product missed). Zoom: raw cut-out | final cut-out"
                        " on blue.</small>")
        self.widget = W.VBox([W.HTML("<b>Postprocessing: from a raw mask to a soft cut-out</b>"),
                              W.VBox(list(self.controls.values())), self.status, self.picture, self.zoom,
                              legend, self.score])
        self.set_image(rgb, raw, truth)

    def set_image(self, rgb, raw, truth=None) -> None:
        """Show a new photo with its raw mask (and truth, if any), and redraw."""
        rgb = postprocess._check_rgb(rgb)
        raw = postprocess._check_alpha(raw, "raw", rgb.shape[:2])
        self.rgb = fit_for_panel(rgb)
        size = self.rgb.shape[1::-1]
        self.raw = np.clip(cv2.resize(raw, size, interpolation=cv2.INTER_AREA), 0, 1)
        self.truth = None
        if truth is not None:
            truth = postprocess._check_alpha(truth, "truth", rgb.shape[:2])
            self.truth = np.clip(cv2.resize(truth, size, interpolation=cv2.INTER_AREA), 0, 1)
        self.box = zoom_box(self.truth if self.truth is not None else self.raw, max(16, min(size) // 4))
        self.redraw()

    def pipeline(self) -> Pipeline:
        """Return the chain the sliders describe (a :class:`~course_lib.pipeline.Pipeline`)."""
        c = {name: control.value for name, control in self.controls.items()}
        steps = [("binarise", {})]
        if c["open_size"] > 1:
            steps.append(("opening", {"size": int(c["open_size"])}))
        if c["close_size"] > 1:
            steps.append(("closing", {"size": int(c["close_size"])}))
        if c["fill_holes"]:
            steps.append(("fill_holes", {"max_area": 0.01}))
        steps.append(("keep_largest", {"relative_area": 0.3}))
        if c["edge"] == "feather":
            steps.append(("feather", {"sigma": float(c["sigma"])}))
        elif c["edge"] == "guided filter":
            steps.append(("guided_filter", {"radius": int(c["radius"]), "eps": float(10.0 ** c["log10_eps"])}))
        elif c["edge"] == "matting":
            steps.append(("matting", {"radius": int(c["trimap_radius"])}))
        return Pipeline(steps)

    def _scores(self, alpha) -> str:
        s = metrics.scores(alpha, self.truth)
        return f"IoU <b>{s['iou']:.3f}</b> · bF {s['boundary_f']:.3f} · MAE <b>{s['mae']:.4f}</b>"

    def redraw(self) -> None:
        """Re-run the chain and update the pictures and the score line."""
        start = time.perf_counter()
        pipe = self.pipeline()
        try:
            trace = pipe.trace(self.rgb, self.raw)
        except ValueError as exc:           # e.g. matting with nothing known: say so in the panel
            self.status.value = f"<span style='color:#b2182b'>{html.escape(str(exc))}</span>"
            return
        self.alpha = trace[-1][1]
        hard = trace[-2][1] if pipe[-1].name in ("feather", "guided_filter", "matting") else self.alpha
        parts = [_grey(self.raw), _grey(hard), _grey(self.alpha), viz.composite(self.rgb, self.alpha, "white")]
        if self.truth is not None:
            parts.append(viz.error_map(self.alpha, self.truth))
        gap = np.full((self.rgb.shape[0], 4, 3), 255, np.uint8)
        self.picture.value = png_bytes(np.hstack([p for part in parts for p in (part, gap)][:-1]))
        blue = (40, 120, 220)
        crops = [viz.composite(self.rgb, a, blue)[self.box] for a in (self.raw >= 0.5, self.alpha)]
        factor = max(1, 192 // crops[0].shape[0])
        crops = [cv2.resize(c, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST) for c in crops]
        self.zoom.value = png_bytes(np.hstack([crops[0], np.full((crops[0].shape[0], 4, 3), 255, np.uint8), crops[1]]))
        if self.truth is None:
            self.score.value = "no ground truth for this image: judge the edges by eye"
        else:
            self.score.value = f"raw: {self._scores(self.raw)}<br>now: {self._scores(self.alpha)}"
        self.last_seconds = time.perf_counter() - start
        self.status.value = (f"<small>{html.escape(repr(pipe))} — redrawn in "
                             f"{self.last_seconds * 1000:.0f} ms</small>")

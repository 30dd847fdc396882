"""Lesson 06's postprocessing chain live: sliders for each step, the pictures and scores redrawn on every move.

:class:`PostprocessPanel` has sliders for the structuring elements, hole
filling and the edge refinement (guided filter radius and ε, trimap band for
matting, feather σ). It builds a :class:`course_lib.pipeline.Pipeline` from
them (``panel.pipeline()``), so what a learner tunes can be saved and
re-applied in lesson 07. Images are shown at most
:data:`~course_lib.views.controls.PANEL_SIDE` pixels on a side — radii are in
those pixels. The pictures of lesson 06 that are not live (a cut-out zoomed on
its edge) are :func:`course_lib.viz.before_after`.
"""

from __future__ import annotations

import html
import time

import cv2
import ipywidgets as W
import numpy as np

from course_lib import metrics, viz
from course_lib.boxes import zoom_box
from course_lib.compositing import composite
from course_lib.pipeline import Pipeline
from course_lib.validate import as_alpha, as_rgb
from course_lib.views.controls import (
    error_html,
    fit_for_panel,
    float_slider,
    grey_picture,
    int_slider,
    join_with_gaps,
    png_bytes,
)

__all__ = ["EDGE_MODES", "PostprocessPanel"]

EDGE_MODES = ("hard", "feather", "guided filter", "matting")
"""What the panel's last step can be."""


class PostprocessPanel:
    """Lesson 06's chain on one image, with sliders and live scores.

    Parameters
    ----------
    rgb : H×W×3 uint8
        The photo (downscaled to :data:`~course_lib.views.controls.PANEL_SIDE` for speed).
    raw : H×W bool or float alpha
        The segmenter's output (GrabCut mask, U-Net probability, …) at the photo's size.
    truth : H×W alpha, optional
        The ground truth; the score line then gives IoU, boundary F and MAE
        of the raw mask and of the current result.

    ``panel.controls`` holds the widgets by name (``"open_size"``,
    ``"close_size"``, ``"fill_holes"``, ``"edge"``, ``"radius"``, ``"log10_eps"``,
    ``"trimap_radius"``, ``"sigma"``); ``panel.pipeline()`` the chain they
    describe; ``panel.alpha`` the current result; ``panel.score`` the score widget,
    ``panel.scores`` its numbers (``{"raw": ..., "now": ...}`` from
    :func:`course_lib.metrics.scores`, ``None`` without truth); ``panel.error``
    why the last redraw failed, or ``None``.
    """

    def __init__(self, rgb, raw, truth=None):
        self.controls = {
            "open_size": int_slider("opening element (px)", 3, 1, 15, 2),
            "close_size": int_slider("closing element (px)", 5, 1, 25, 2),
            "fill_holes": W.Checkbox(value=True, description="fill holes ≤ 1 % of the image"),
            "edge": W.ToggleButtons(options=list(EDGE_MODES), value="guided filter", description="edge:"),
            "radius": int_slider("guided radius (px)", 1, 1, 12, 1),
            "log10_eps": float_slider("guided log₁₀ ε", -3.0, -6.0, -0.5, 0.25),
            "trimap_radius": int_slider("trimap band ± (px)", 2, 1, 15, 1),
            "sigma": float_slider("feather σ (px)", 1.0, 0.3, 5.0, 0.1),
        }
        self.picture = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.zoom = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.score = W.HTML()
        self.status = W.HTML()
        self.alpha = None
        self.scores: dict | None = None
        self.error: str | None = None
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
        rgb = as_rgb(rgb)
        raw = as_alpha(raw, "raw", rgb.shape[:2])
        self.rgb = fit_for_panel(rgb)
        size = self.rgb.shape[1::-1]
        self.raw = np.clip(cv2.resize(raw, size, interpolation=cv2.INTER_AREA), 0, 1)
        self.truth = None
        if truth is not None:
            truth = as_alpha(truth, "truth", rgb.shape[:2])
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

    @staticmethod
    def _score_html(s: dict) -> str:
        return f"IoU <b>{s['iou']:.3f}</b> · bF {s['boundary_f']:.3f} · MAE <b>{s['mae']:.4f}</b>"

    def redraw(self) -> None:
        """Re-run the chain and update the pictures and the score line."""
        start = time.perf_counter()
        pipe = self.pipeline()
        try:
            trace = pipe.trace(self.rgb, self.raw)
        except ValueError as exc:           # e.g. matting with nothing known: say so in the panel
            self.error = str(exc)
            self.status.value = error_html(self.error)
            return
        self.error = None
        self.alpha = trace[-1][1]
        hard = trace[-2][1] if pipe[-1].name in ("feather", "guided_filter", "matting") else self.alpha
        parts = [grey_picture(self.raw), grey_picture(hard), grey_picture(self.alpha),
                 composite(self.rgb, self.alpha, "white")]
        if self.truth is not None:
            parts.append(viz.error_map(self.alpha, self.truth))
        self.picture.value = png_bytes(join_with_gaps(parts))
        blue = (40, 120, 220)
        crops = [composite(self.rgb, a, blue)[self.box] for a in (self.raw >= 0.5, self.alpha)]
        factor = max(1, 192 // crops[0].shape[0])
        crops = [cv2.resize(c, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST) for c in crops]
        self.zoom.value = png_bytes(join_with_gaps(crops))
        if self.truth is None:
            self.scores = None
            self.score.value = "no ground truth for this image: judge the edges by eye"
        else:
            self.scores = {"raw": metrics.scores(self.raw, self.truth), "now": metrics.scores(self.alpha, self.truth)}
            self.score.value = (f"raw: {self._score_html(self.scores['raw'])}<br>"
                                f"now: {self._score_html(self.scores['now'])}")
        self.last_seconds = time.perf_counter() - start
        self.status.value = (f"<small>{html.escape(repr(pipe))} — redrawn in "
                             f"{self.last_seconds * 1000:.0f} ms</small>")

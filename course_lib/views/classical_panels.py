"""Lesson 01's panels: move a slider, see the mask, the cut-out and the live score.

- :data:`FAMILIES` — every classical method of :data:`course_lib.classical.METHODS`
  under the same key, with its parameters as sliders (at their starting values a
  family computes exactly ``classical.METHODS[key]``), plus the families that
  only a slider makes sense of (a fixed threshold, Otsu followed by morphology);
- :class:`MethodPanel` — one family on one image: sliders, an overlay | mask |
  cut-out strip and the IoU/boundary F against the ground truth (when there is one);
- :func:`classical_explorer` — an image picker (:mod:`course_lib.views.picker`)
  above one tab per family, all on the same image.

The panels expose their controls (``panel.controls["tolerance"]``), their
``compute_mask()``, ``mask``, ``scores`` and ``error``, so tests and the
comparison studio can drive them without a browser.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import ipywidgets as W
import numpy as np

from course_lib import classical, metrics
from course_lib.validate import as_alpha, as_rgb
from course_lib.views.controls import dropdown, error_html, fit_for_panel, float_slider, int_slider, png_bytes, strip
from course_lib.views.picker import ImagePicker

__all__ = ["Family", "FAMILIES", "MethodPanel", "classical_explorer"]

_POLARITY = ("product is", ["auto", "dark", "bright"], "auto")


def _blurred(rgb, kind, size):
    if kind == "none" or size <= 1:
        return rgb
    if kind == "gaussian":
        return classical.gaussian_blur(rgb, sigma=size / 3)
    if kind == "median":
        return classical.median_blur(rgb, size if size % 2 else size + 1)
    return classical.bilateral_filter(rgb, diameter=size, sigma_colour=40, sigma_space=max(1, size / 2))


@dataclass
class Family:
    """A method family: how to build its controls and how to turn their values into a mask."""

    title: str
    make_controls: Callable[[], dict]
    compute: Callable[..., np.ndarray]
    slow: bool = False


FAMILIES: dict[str, Family] = {
    "threshold": Family(
        "Global threshold",
        lambda: {"threshold": int_slider("threshold", 128, 0, 255),
                 "polarity": dropdown(*_POLARITY),
                 "grey": dropdown("grey", [("luma (0.299, 0.587, 0.114)", "luma"), ("(R+G+B)/3", "mean")], "luma")},
        lambda rgb, threshold, polarity, grey: classical.threshold_mask(rgb, threshold, polarity=polarity, grey=grey)),
    "otsu": Family(
        "Blur, then Otsu",
        lambda: {"filter": dropdown("filter", ["none", "gaussian", "median", "bilateral"], "gaussian"),
                 "size": int_slider("kernel size", 1, 1, 21, 2),
                 "polarity": dropdown(*_POLARITY)},
        lambda rgb, filter, size, polarity: classical.otsu_mask(_blurred(rgb, filter, size), polarity=polarity)),
    "morphology": Family(
        "Otsu, then morphology",
        lambda: {"operation": dropdown("operation", ["none", "opening", "closing", "erode", "dilate"], "closing"),
                 "size": int_slider("element size", 5, 1, 25),
                 "shape": dropdown("element shape", ["ellipse", "rect", "cross"], "ellipse")},
        lambda rgb, operation, size, shape: (classical.otsu_mask(rgb) if operation == "none" else
                                             getattr(classical, operation)(classical.otsu_mask(rgb), size, shape))),
    "adaptive": Family(
        "Adaptive (local) threshold",
        lambda: {"block_size": int_slider("neighbourhood (px)", 51, 3, 151, 2),
                 "offset": float_slider("offset", 5.0, -20.0, 40.0, 0.5),
                 "polarity": dropdown(*_POLARITY)},
        lambda rgb, block_size, offset, polarity: classical.adaptive_mask(rgb, block_size=block_size, offset=offset,
                                                                          polarity=polarity)),
    "flood_fill": Family(
        "Flood fill from the border",
        lambda: {"tolerance": float_slider("tolerance", 6.0, 0.0, 40.0, 0.5),
                 "blur_sigma": float_slider("pre-blur σ", 1.0, 0.0, 3.0, 0.1)},
        lambda rgb, tolerance, blur_sigma: classical.flood_fill_background_mask(rgb, tolerance=tolerance,
                                                                               blur_sigma=blur_sigma)),
    "edges": Family(
        "Edges → contour → fill",
        lambda: {"low": int_slider("Canny low", 30, 0, 255), "high": int_slider("Canny high", 90, 0, 255),
                 "close_size": int_slider("close gaps", 7, 1, 25)},
        lambda rgb, low, high, close_size: classical.edge_contour_mask(rgb, low=min(low, high), high=max(low, high),
                                                                       close_size=close_size)),
    "grabcut": Family(
        "GrabCut",
        lambda: {"iterations": int_slider("iterations", 5, 1, 15),
                 "margin": float_slider("border margin", 0.05, 0.01, 0.3, 0.01)},
        lambda rgb, iterations, margin: classical.grabcut_mask(rgb, iterations=iterations, margin=margin),
        slow=True),
}
"""Lesson 01's method families by name: every key of :data:`course_lib.classical.METHODS`, plus
``"threshold"`` and ``"morphology"``. A test checks that a family named like a method computes that
method at its starting values."""

if not set(classical.METHODS) <= set(FAMILIES):     # one registry: a method without a family is a bug
    raise ImportError(f"classical methods without a panel family: {sorted(set(classical.METHODS) - set(FAMILIES))}")


class MethodPanel:
    """One method family on one image: its sliders, the picture strip and the live score.

    Parameters
    ----------
    family : str
        A key of :data:`FAMILIES`.
    rgb : H×W×3 uint8
        The image (downscaled to :data:`~course_lib.views.controls.PANEL_SIDE` for display speed).
    truth : H×W alpha or bool, optional
        The ground truth; without it the score says so.

    After each redraw: ``mask`` (bool, at panel size), ``scores`` (the numbers
    the score line shows, from :func:`course_lib.metrics.scores`; ``None``
    without truth) and ``error`` (why the last redraw failed, or ``None``).
    """

    def __init__(self, family: str, rgb: np.ndarray, truth: np.ndarray | None = None):
        if family not in FAMILIES:
            raise ValueError(f"family={family!r} is not one of {tuple(FAMILIES)}")
        self.family = FAMILIES[family]
        self.name = family
        self.controls = self.family.make_controls()
        self.picture = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.score = W.HTML()
        self.status = W.HTML()
        self.last_seconds = 0.0
        self.mask = None
        self.scores: dict | None = None
        self.error: str | None = None
        for control in self.controls.values():
            control.observe(lambda change: self.redraw(), names="value")
        self.widget = W.VBox([W.HTML(f"<b>{html.escape(self.family.title)}</b>"),
                              W.VBox(list(self.controls.values())), self.status, self.picture, self.score])
        self.set_image(rgb, truth)

    def params(self) -> dict:
        """Return the current parameter values by name."""
        return {name: control.value for name, control in self.controls.items()}

    def set_image(self, rgb: np.ndarray, truth: np.ndarray | None = None) -> None:
        """Show a new image (and its ground truth, if any) and redraw."""
        rgb = as_rgb(rgb)
        self.rgb = fit_for_panel(rgb)
        if truth is not None:
            truth = as_alpha(truth, "truth", rgb.shape[:2])
            truth = np.clip(cv2.resize(truth, self.rgb.shape[1::-1], interpolation=cv2.INTER_AREA), 0, 1)
        self.truth = truth
        self.redraw()

    def compute_mask(self) -> np.ndarray:
        """Return the family's mask for the current image and parameters (bool)."""
        return self.family.compute(self.rgb, **self.params())

    def redraw(self) -> None:
        """Recompute the mask and update the picture and the score."""
        if self.family.slow:
            self.status.value = "<i>working… (GrabCut takes a moment)</i>"
        start = time.perf_counter()
        try:
            self.mask = self.compute_mask()
        except ValueError as exc:  # e.g. an impossible parameter combination: say so in the panel
            self.error = str(exc)
            self.status.value = error_html(self.error)
            return
        self.error = None
        hard_truth = None if self.truth is None else self.truth >= 0.5
        self.picture.value = png_bytes(strip(self.rgb, self.mask, hard_truth))
        if self.truth is None:
            self.scores = None
            self.score.value = "no ground truth for this image: judge by eye"
        else:
            s = self.scores = metrics.scores(self.mask, self.truth)
            self.score.value = (f"IoU <b>{s['iou']:.3f}</b> · boundary F {s['boundary_f']:.3f} · "
                                f"precision {s['precision']:.3f} · recall {s['recall']:.3f}")
        self.last_seconds = time.perf_counter() - start
        self.status.value = f"<small>redrawn in {self.last_seconds * 1000:.0f} ms</small>"


def classical_explorer(split, families=("threshold", "otsu", "morphology", "adaptive", "flood_fill", "edges",
                                       "grabcut"),
                       demo: dict | None = None):
    """Return ``(widget, picker, panels)``: an image picker above one tab per method family.

    Every panel shows the picked image; GrabCut redraws only when its tab is
    opened or its sliders move, so browsing stays fast.
    """
    first_rgb, first_truth = split.rgb[0], split.alpha[0]
    panels = {name: MethodPanel(name, first_rgb, first_truth) for name in families}
    tabs = W.Tab(children=[p.widget for p in panels.values()])
    for i, panel in enumerate(panels.values()):
        tabs.set_title(i, panel.family.title)
    pending = {}

    def on_pick(rgb, truth, label):
        for name, panel in panels.items():
            if panel.family.slow and list(panels).index(name) != tabs.selected_index:
                pending[name] = (rgb, truth)   # computed when its tab is opened
            else:
                panel.set_image(rgb, truth)

    def on_tab(change):
        name = list(panels)[change["new"]]
        if name in pending:
            panels[name].set_image(*pending.pop(name))

    tabs.observe(on_tab, names="selected_index")
    picker = ImagePicker(split, on_pick, demo)
    return W.VBox([picker.widget, tabs]), picker, panels

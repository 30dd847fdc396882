"""Interactive panels: move a slider, see the mask, the cut-out and the live score.

- :class:`MethodPanel` — one classical method family with its parameters as
  sliders; redraws an overlay | mask | cut-out strip and the IoU/boundary F
  against the ground truth (when there is one).
- :class:`ImagePicker` — choose a dataset sample by difficulty, a shipped demo
  photo, or upload your own; a bad upload gets a message naming the file, not a
  traceback.
- :func:`classical_explorer` — the picker plus one tab per method family, all on
  the same image (lesson 01).

Panels draw into an ``ipywidgets.Image`` as PNG bytes encoded by OpenCV, which
keeps a redraw at 256×256 in the low milliseconds (see ``benchmarks/bench_widgets.py``).
The panels expose their controls (``panel.controls["tolerance"]``), their
``compute_mask()`` and their ``score`` widget, so tests and the later
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

from course_lib import classical, metrics, viz
from course_lib.imageio import DEFAULT_MAX_PIXELS, ImageLoadError, decode_image

PANEL_SIDE = 256
"""Images are shown at most this many pixels on a side, so every slider responds at once."""


def fit_for_panel(rgb: np.ndarray, max_side: int = PANEL_SIDE) -> np.ndarray:
    """Return ``rgb`` downscaled (area averaging) so its longer side is at most ``max_side``."""
    h, w = rgb.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return rgb
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def png_bytes(rgb: np.ndarray) -> bytes:
    """Return an H×W×3 uint8 RGB image encoded as PNG bytes (fast, via OpenCV)."""
    ok, buffer = cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise ValueError("could not encode the image as PNG")
    return buffer.tobytes()


def strip(rgb: np.ndarray, mask: np.ndarray, truth: np.ndarray | None = None) -> np.ndarray:
    """Return the panel picture: overlay | mask | cut-out on a checkerboard (| error map with truth)."""
    alpha = mask.astype(np.float32)
    grey = np.repeat((alpha * 255).astype(np.uint8)[:, :, None], 3, axis=2)
    parts = [viz.overlay(rgb, alpha), grey, viz.composite(rgb, alpha, "checkerboard")]
    if truth is not None:
        parts.append(viz.error_map(mask, truth))
    gap = np.full((rgb.shape[0], 4, 3), 255, np.uint8)
    out = [parts[0]]
    for part in parts[1:]:
        out += [gap, part]
    return np.hstack(out)


# --- method families ---------------------------------------------------------------------------

def _int_slider(description, value, lo, hi, step=1):
    return W.IntSlider(value=value, min=lo, max=hi, step=step, description=description, continuous_update=False,
                       style={"description_width": "110px"}, layout=W.Layout(width="420px"))


def _float_slider(description, value, lo, hi, step):
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=description, continuous_update=False,
                         style={"description_width": "110px"}, layout=W.Layout(width="420px"))


def _dropdown(description, options, value):
    return W.Dropdown(options=options, value=value, description=description,
                      style={"description_width": "110px"}, layout=W.Layout(width="300px"))


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
        lambda: {"threshold": _int_slider("threshold", 128, 0, 255),
                 "polarity": _dropdown("product is", ["auto", "dark", "bright"], "auto"),
                 "grey": _dropdown("grey", [("luma (0.299, 0.587, 0.114)", "luma"), ("(R+G+B)/3", "mean")], "luma")},
        lambda rgb, threshold, polarity, grey: classical.threshold_mask(rgb, threshold, polarity=polarity, grey=grey)),
    "blur_otsu": Family(
        "Blur, then Otsu",
        lambda: {"filter": _dropdown("filter", ["none", "gaussian", "median", "bilateral"], "gaussian"),
                 "size": _int_slider("kernel size", 5, 1, 21, 2),
                 "polarity": _dropdown("product is", ["auto", "dark", "bright"], "auto")},
        lambda rgb, filter, size, polarity: classical.otsu_mask(_blurred(rgb, filter, size), polarity=polarity)),
    "morphology": Family(
        "Otsu, then morphology",
        lambda: {"operation": _dropdown("operation", ["none", "opening", "closing", "erode", "dilate"], "closing"),
                 "size": _int_slider("element size", 5, 1, 25),
                 "shape": _dropdown("element shape", ["ellipse", "rect", "cross"], "ellipse")},
        lambda rgb, operation, size, shape: (classical.otsu_mask(rgb) if operation == "none" else
                                             getattr(classical, operation)(classical.otsu_mask(rgb), size, shape))),
    "flood_fill": Family(
        "Flood fill from the border",
        lambda: {"tolerance": _float_slider("tolerance", 6.0, 0.0, 40.0, 0.5),
                 "blur_sigma": _float_slider("pre-blur σ", 1.0, 0.0, 3.0, 0.1)},
        lambda rgb, tolerance, blur_sigma: classical.flood_fill_background_mask(rgb, tolerance=tolerance,
                                                                               blur_sigma=blur_sigma)),
    "edges": Family(
        "Edges → contour → fill",
        lambda: {"low": _int_slider("Canny low", 30, 0, 255), "high": _int_slider("Canny high", 90, 0, 255),
                 "close_size": _int_slider("close gaps", 7, 1, 25)},
        lambda rgb, low, high, close_size: classical.edge_contour_mask(rgb, low=min(low, high), high=max(low, high),
                                                                       close_size=close_size)),
    "grabcut": Family(
        "GrabCut",
        lambda: {"iterations": _int_slider("iterations", 5, 1, 15),
                 "margin": _float_slider("border margin", 0.05, 0.01, 0.3, 0.01)},
        lambda rgb, iterations, margin: classical.grabcut_mask(rgb, iterations=iterations, margin=margin),
        slow=True),
}
"""The method families lesson 01 shows, by name."""


class MethodPanel:
    """One method family on one image: its sliders, the picture strip and the live score.

    Parameters
    ----------
    family : str
        A key of :data:`FAMILIES`.
    rgb : H×W×3 uint8
        The image (downscaled to :data:`PANEL_SIDE` for display speed).
    truth : H×W alpha or bool, optional
        The ground truth; without it the score says so.
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
        rgb = classical._check_rgb(rgb)
        self.rgb = fit_for_panel(rgb)
        if truth is not None:
            truth = np.asarray(truth, np.float32)
            if truth.shape != rgb.shape[:2]:
                raise ValueError(f"truth has shape {truth.shape} but the image is {rgb.shape[:2]}")
            truth = cv2.resize(truth, self.rgb.shape[1::-1], interpolation=cv2.INTER_AREA)
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
            self.status.value = f"<span style='color:#b2182b'>{html.escape(str(exc))}</span>"
            return
        hard_truth = None if self.truth is None else self.truth >= 0.5
        self.picture.value = png_bytes(strip(self.rgb, self.mask, hard_truth))
        if self.truth is None:
            self.score.value = "no ground truth for this image: judge by eye"
        else:
            s = metrics.scores(self.mask, self.truth)
            self.score.value = (f"IoU <b>{s['iou']:.3f}</b> · boundary F {s['boundary_f']:.3f} · "
                                f"precision {s['precision']:.3f} · recall {s['recall']:.3f}")
        self.last_seconds = time.perf_counter() - start
        self.status.value = f"<small>redrawn in {self.last_seconds * 1000:.0f} ms</small>"


# --- choosing an image --------------------------------------------------------------------------

class ImagePicker:
    """Pick the image the panels work on: a dataset sample, a demo photo, or an upload.

    ``on_pick(rgb, truth_or_None, label)`` is called with every new choice.
    ``demo`` is an optional mapping ``{name: (rgb, mask_or_None)}`` of shipped photos.
    """

    def __init__(self, split, on_pick: Callable, demo: dict | None = None, *, min_side: int = 32,
                 max_pixels: int = DEFAULT_MAX_PIXELS):
        self.split, self.on_pick, self.demo = split, on_pick, dict(demo or {})
        self.min_side, self.max_pixels = min_side, max_pixels
        sources = ["easy", "medium", "hard"] + (["demo photos"] if self.demo else []) + ["my upload"]
        self.source = W.ToggleButtons(options=sources, value="easy", description="image:")
        self.index = W.IntSlider(value=0, min=0, max=max(0, self._count("easy") - 1), description="sample",
                                 continuous_update=False)
        self.demo_choice = W.Dropdown(options=sorted(self.demo), description="photo",
                                      layout=W.Layout(display="none"))
        self.upload = W.FileUpload(accept="image/*", multiple=False, description="upload a photo",
                                   layout=W.Layout(display="none"))
        self.message = W.HTML()
        self.source.observe(lambda c: self._source_changed(), names="value")
        self.index.observe(lambda c: self._pick_sample(), names="value")
        self.demo_choice.observe(lambda c: self._pick_demo(), names="value")
        self.upload.observe(self._upload_changed, names="value")
        self.widget = W.VBox([self.source, W.HBox([self.index, self.demo_choice, self.upload]), self.message])

    def _indices(self, difficulty):
        return np.flatnonzero(self.split.difficulty == difficulty)

    def _count(self, difficulty):
        return len(self._indices(difficulty))

    def _source_changed(self):
        source = self.source.value
        self.message.value = ""
        self.index.layout.display = "" if source in ("easy", "medium", "hard") else "none"
        self.demo_choice.layout.display = "" if source == "demo photos" else "none"
        self.upload.layout.display = "" if source == "my upload" else "none"
        if source in ("easy", "medium", "hard"):
            self.index.max = max(0, self._count(source) - 1)
            self.index.value = min(self.index.value, self.index.max)
            self._pick_sample()
        elif source == "demo photos":
            self._pick_demo()
        else:
            self.message.value = "choose a photo of a product (PNG, JPEG, …) from your computer"

    def _pick_sample(self):
        indices = self._indices(self.source.value)
        if len(indices) == 0:
            self.message.value = f"no {html.escape(self.source.value)} samples in this split"
            return
        i = int(indices[self.index.value])
        meta = self.split.meta[i]
        label = f"{self.split.name} #{i}: {meta.get('product')} on {meta.get('background')} ({self.source.value})"
        self.message.value = html.escape(label)
        self.on_pick(self.split.rgb[i], self.split.alpha[i], label)

    def _pick_demo(self):
        if not self.demo_choice.value:
            return
        rgb, mask = self.demo[self.demo_choice.value]
        self.message.value = f"demo photo {html.escape(self.demo_choice.value)}" + (
            " (reference mask is approximate)" if mask is not None else " (no reference mask)")
        self.on_pick(rgb, mask, self.demo_choice.value)

    def _upload_changed(self, change):
        files = change["new"]
        if files:
            item = files[0]
            self.handle_upload(item["name"], bytes(item["content"]))

    def handle_upload(self, name: str, data: bytes) -> bool:
        """Decode an uploaded file and pick it; on failure show why in the panel. Returns success."""
        try:
            rgb = decode_image(data, name, max_pixels=self.max_pixels, min_side=self.min_side)
        except ImageLoadError as exc:
            self.message.value = f"<span style='color:#b2182b'>⚠ {html.escape(str(exc))}</span>"
            return False
        self.message.value = f"{html.escape(name)}: {rgb.shape[1]}×{rgb.shape[0]} pixels, no ground truth"
        self.on_pick(rgb, None, name)
        return True


def classical_explorer(split, families=("threshold", "blur_otsu", "morphology", "flood_fill", "edges", "grabcut"),
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

"""The comparison studio: a classical method and the U-Net side by side, with sliders, on any photo.

One app built from the panels the earlier lessons already have, so every
slider means here what it meant there:

- top: :class:`course_lib.views.picker.ImagePicker` — a dataset sample by
  difficulty, a shipped demo photo, or your own upload (a bad file gets a
  message naming it, not a traceback);
- left: a classical method family (dropdown) with its sliders — lesson 01's
  :class:`course_lib.views.classical_panels.MethodPanel`;
- right: a CNN's object probability — or, as the method, one of the three hybrids
  (:mod:`course_lib.hybrid`: GrabCut from the CNN's labels, inside the box
  the CNN places, or from the border with the CNN's hints) — a threshold, and lesson 06's postprocessing chain —
  :class:`course_lib.views.postprocess_panels.PostprocessPanel`, whose sliders
  describe a :class:`course_lib.pipeline.Pipeline`; under it a
  :class:`course_lib.views.picker.CheckpointPicker` swaps in another checkpoint
  (a path or an uploaded ``.keras`` file, e.g. one ``course-finetune`` wrote);
- bottom: for each side the overlay, the cut-out on a checkerboard and on
  white, the error map (red: background kept, blue: product missed), and
  IoU, Dice, boundary F and MAE against the ground truth where there is one.

Which CNN: on generated images (the dataset samples) lesson 04's U-Net, the
one trained on them; on photos (the demo and real photos, uploads) the
``photo_model`` — in :func:`course_studio`, the real-photo CNN
(:func:`course_lib.inference.load_real_model`), since lesson 04's U-Net is the
worst method on real photos. A checkpoint loaded in the app runs on both.

The CNN runs once per image (:class:`course_lib.inference.AlphaCache`);
moving a slider recomputes only the side it belongs to. Like the other
panels, the studio works on the photo downscaled to
:data:`~course_lib.views.controls.PANEL_SIDE` pixels on a side, so a slider answers
at once; the U-Net predicts on the full photo.

>>> from course_lib import datasets, synth, unet
>>> samples = [synth.make_sample(seed, size=64) for seed in range(2)]
>>> split = datasets.Split(np.stack([s.rgb for s in samples]), np.stack([s.alpha for s in samples]),
...                        np.array([s.meta["difficulty"] for s in samples]), [s.meta for s in samples], "tiny")
>>> app = Studio(split, unet.build_unet(None, 4, 2))     # any U-Net; the kit's is inference.load_pretrained()
>>> app.controls["threshold"].value = 0.7                # only the right side recomputes
>>> app.redraws["unet"], app.redraws["classical"]
(2, 1)
>>> app.numbers["unet"] == metrics.scores(app.alpha["unet"], app.truth)
True
>>> app.controls["unet_method"].value = "hybrid"         # the probability seeds GrabCut
>>> app.alpha["unet"].shape == app.rgb.shape[:2]
True
>>> app.image_kind, app.cnn_label()
('generated', "lesson 04's U-Net (generated images)")
"""

from __future__ import annotations

import html
import os
import time

import cv2
import ipywidgets as W
import numpy as np

from course_lib import metrics, viz
from course_lib.compositing import composite
from course_lib.hybrid import hybrid_alpha, hybrid_box_alpha, hybrid_frame_alpha
from course_lib.inference import AlphaCache, SizedModel, load_pretrained, load_real_model
from course_lib.pipeline import Pipeline, Step
from course_lib.validate import as_alpha, as_rgb
from course_lib.views.classical_panels import FAMILIES, MethodPanel
from course_lib.views.controls import dropdown, fit_for_panel, float_slider, join_with_gaps, png_bytes
from course_lib.views.picker import CheckpointPicker, ImagePicker
from course_lib.views.postprocess_panels import PostprocessPanel

__all__ = ["SIDES", "UNET_METHODS", "GENERATED_LABEL", "comparison_strip", "score_line", "Studio", "course_studio"]

SIDES = ("classical", "unet")
"""The two sides of the studio, as keys of ``studio.scores``, ``studio.alpha`` and ``studio.redraws``."""

UNET_METHODS = {"unet": "CNN alone", "hybrid": "CNN → GrabCut from its labels",
                "hybrid_box": "CNN → GrabCut inside its box", "hybrid_frame": "CNN → hints for GrabCut from the border"}
"""What the right side starts from: the CNN's probability, or one of the hybrids' alpha (:mod:`course_lib.hybrid`)."""

GENERATED_LABEL = "lesson 04's U-Net (generated images)"
"""How the studio names lesson 04's U-Net, the CNN it runs on generated images."""

_HYBRIDS = {"hybrid": hybrid_alpha, "hybrid_box": hybrid_box_alpha, "hybrid_frame": hybrid_frame_alpha}


def _as_cache(model) -> AlphaCache:
    """A model as an ``AlphaCache``: a :class:`~course_lib.inference.SizedModel` keeps its working size."""
    if isinstance(model, AlphaCache):
        return model
    if isinstance(model, SizedModel):
        return AlphaCache(model.model, size=model.size)
    return AlphaCache(model)


def _legend_html() -> str:
    swatch = ("<span style='display:inline-block;width:12px;height:12px;background:rgb{};"
              "border:1px solid #888;margin:0 3px 0 10px;vertical-align:middle'></span>{}")
    return ("<small>pictures: overlay | cut-out on a checkerboard | cut-out on white | errors —"
            + "".join(swatch.format(tuple(c), label) for label, c in viz.ERROR_COLOURS.items()) + "</small>")


def comparison_strip(rgb: np.ndarray, alpha: np.ndarray, truth: np.ndarray | None = None) -> np.ndarray:
    """Return one side's picture: overlay | cut-out on a checkerboard | cut-out on white (| error map).

    ``alpha``: H×W bool or float in [0, 1]; ``truth``: H×W alpha or None. Returns H×W'×3 uint8.
    """
    alpha = np.asarray(alpha, np.float32)
    parts = [viz.overlay(rgb, alpha), composite(rgb, alpha, "checkerboard"), composite(rgb, alpha, "white")]
    if truth is not None:
        parts.append(viz.error_map(alpha >= 0.5, np.asarray(truth) >= 0.5))
    return join_with_gaps(parts)


def score_line(s: dict | None) -> str:
    """Return the HTML score line of one side from :func:`course_lib.metrics.scores`.

    For ``None`` it says why there is none.
    """
    if s is None:
        return "no ground truth for this photo (an upload): judge the cut-out by eye"
    return (f"IoU <b>{s['iou']:.3f}</b> · Dice {s['dice']:.3f} · boundary F {s['boundary_f']:.3f} · "
            f"MAE {s['mae']:.4f}")


class Studio:
    """Classical method (left) vs U-Net + threshold + postprocessing (right) on one picked photo.

    Parameters
    ----------
    split : :class:`course_lib.datasets.Split`
        Where the picker's dataset samples come from (by difficulty).
    model : Keras model, :class:`~course_lib.inference.AlphaCache`, or path
        The CNN for generated images (lesson 04's U-Net:
        :func:`course_lib.inference.load_pretrained`), or the path of a
        ``.keras`` checkpoint (a fine-tuned one: lesson 10); a model is wrapped
        in an ``AlphaCache``, so each photo is predicted once.
    photo_model : as ``model``, or a :class:`~course_lib.inference.SizedModel`, optional
        The CNN for photos — demo photos and uploads (the real-photo CNN:
        :func:`course_lib.inference.load_real_model`, at its working size); a
        path is loaded with ``load_real_model``. Default: ``model`` runs on photos too.
    photo_label : str, optional
        How the app names ``photo_model``.
    demo : {name: (rgb, mask or None)}, optional
        Shipped photos (:func:`course_lib.demo.demo_mapping`).
    family : str
        The classical family shown first, a key of :data:`course_lib.views.classical_panels.FAMILIES`.
    threshold : float
        Where the U-Net's probability becomes a mask (the chain's first step).

    What tests and notebooks can reach: ``picker`` (the
    :class:`~course_lib.views.picker.ImagePicker`), ``checkpoint`` (the
    :class:`~course_lib.views.picker.CheckpointPicker`), ``use_model(model, label)``,
    ``image_kind`` (``"generated"`` or ``"photo"``: which CNN runs), ``cnn_label()``,
    ``controls`` (``"family"``, ``"unet_method"`` (a key of :data:`UNET_METHODS`),
    ``"threshold"``, and the postprocessing sliders by their names in
    ``PostprocessPanel``), ``classical_panel`` (the current ``MethodPanel``, its
    sliders in ``classical_panel.controls``), ``postprocess_panel``,
    ``pipeline()`` (the right side's chain), ``scores[side]`` (HTML widgets),
    ``alpha[side]`` (the current results), ``numbers[side]`` (the scores the
    score line shows, from :func:`course_lib.metrics.scores`), ``redraws[side]`` (how often each
    side has recomputed), ``message`` (what went wrong, if anything).
    """

    def __init__(self, split, model, *, photo_model=None, photo_label: str | None = None, demo: dict | None = None,
                 family: str = "otsu", threshold: float = 0.5):
        if family not in FAMILIES:
            raise ValueError(f"family={family!r} is not one of {tuple(FAMILIES)}")
        if len(split) == 0:
            raise ValueError("split is empty: the studio needs at least one sample to start on")
        self.model_label = GENERATED_LABEL
        if isinstance(model, (str, os.PathLike)):
            self.model_label, model = os.fspath(model), load_pretrained(model)
        self.unet_alpha = _as_cache(model)               # generated images
        if photo_model is None:
            self.photo_alpha, self.photo_label = self.unet_alpha, self.model_label
        else:
            if isinstance(photo_model, (str, os.PathLike)):
                photo_model = load_real_model(photo_model)
            self.photo_alpha = _as_cache(photo_model)
            self.photo_label = photo_label or f"the real-photo CNN, at {self.photo_alpha.size} px"
        self.image_kind = "generated"
        self.redraws = {side: 0 for side in SIDES}
        self.alpha: dict[str, np.ndarray | None] = {side: None for side in SIDES}
        self.numbers: dict[str, dict | None] = {side: None for side in SIDES}
        self.label = ""
        self._panels: dict[str, MethodPanel] = {}
        self._stale: set[str] = set()          # families whose panel still shows an earlier photo

        self.message = W.HTML()
        self.image_label = W.HTML()
        self.pictures = {side: W.Image(format="png", layout=W.Layout(max_width="100%")) for side in SIDES}
        # CSS classes name the widgets on the page, so a browser test can find them.
        self.scores = {side: W.HTML().add_class(f"studio-score-{side}") for side in SIDES}
        self.status = {side: W.HTML() for side in SIDES}
        self.classical_controls = W.VBox()

        rgb, truth = split.rgb[0], split.alpha[0]
        self._set_current(rgb, truth)
        self.postprocess_panel = PostprocessPanel(self.rgb, self._unet_probability(), self.truth)
        self.controls = {
            "family": dropdown("method", [(f.title, name) for name, f in FAMILIES.items()], family),
            "unet_method": dropdown("method", [(title, key) for key, title in UNET_METHODS.items()], "unet"),
            "threshold": float_slider("threshold", threshold, 0.01, 0.99, 0.01),
            **self.postprocess_panel.controls,
        }
        for name, control in self.controls.items():
            control.add_class(f"studio-{name.replace('_', '-')}")
        self._show_family(family)
        self.controls["family"].observe(lambda change: self._family_changed(), names="value")
        self.controls["threshold"].observe(lambda change: self.redraw_unet(), names="value")
        self.controls["unet_method"].observe(lambda change: self.redraw_unet(), names="value")
        for control in self.postprocess_panel.controls.values():   # after the panel's own observer: it runs first
            control.observe(lambda change: self._show("unet"), names="value")

        self.picker = ImagePicker(split, self._on_pick, demo)
        self.checkpoint = CheckpointPicker(self.use_model)
        self.model_html = W.HTML(self._model_text())
        self.widget = self._layout()
        self.redraw_unet()
        self.image_label.value = f"<b>image:</b> {html.escape(split.name)} #0"

    # --- the picked image --------------------------------------------------------------------------

    def _set_current(self, rgb, truth) -> None:
        self.full_rgb = as_rgb(rgb)
        self.rgb = fit_for_panel(self.full_rgb)
        self.truth = None
        if truth is not None:
            t = as_alpha(truth, "truth", self.full_rgb.shape[:2])
            self.truth = np.clip(cv2.resize(t, self.rgb.shape[1::-1], interpolation=cv2.INTER_AREA), 0, 1)
        self._probability = None
        self._hybrid: dict[str, np.ndarray] = {}

    def cnn(self) -> AlphaCache:
        """Return the CNN that runs on the current image: lesson 04's U-Net on generated images, else the photo CNN."""
        return self.unet_alpha if self.image_kind == "generated" else self.photo_alpha

    def cnn_label(self) -> str:
        """Return the name of the CNN that runs on the current image."""
        return self.model_label if self.image_kind == "generated" else self.photo_label

    def _unet_probability(self) -> np.ndarray:
        """The CNN's object probability at panel size (predicted on the full photo, once per photo)."""
        if self._probability is None:
            full = self.cnn()(self.full_rgb)
            self._probability = np.clip(cv2.resize(full, self.rgb.shape[1::-1], interpolation=cv2.INTER_AREA), 0, 1)
        return self._probability

    def _right_input(self) -> np.ndarray:
        """What the threshold cuts: the CNN's probability, or a hybrid's alpha (each computed once per photo)."""
        method = self.controls["unet_method"].value
        if method not in _HYBRIDS:
            return self._unet_probability()
        if method not in self._hybrid:
            self._hybrid[method] = _HYBRIDS[method](self.rgb, self._unet_probability())
        return self._hybrid[method]

    def use_model(self, model, label: str = "a checkpoint") -> None:
        """Use another CNN from now on, on every image (a Keras model, an ``AlphaCache`` or a ``.keras`` path).

        A checkpoint you load (a fine-tuned one: lesson 10) replaces both lesson 04's U-Net and the photo CNN.
        """
        if isinstance(model, (str, os.PathLike)):
            label, model = os.fspath(model), load_pretrained(model)
        self.unet_alpha = self.photo_alpha = _as_cache(model)
        self.model_label = self.photo_label = str(label)
        self._probability, self._hybrid = None, {}
        self.model_html.value = self._model_text()
        self.redraw_unet()

    def _model_text(self) -> str:
        if self.photo_alpha is self.unet_alpha:
            return f"<small>model: {html.escape(self.model_label)}</small>"
        generated = self.image_kind == "generated"
        this, other = ("generated image", "photos") if generated else ("photo", "generated images")
        other_label = self.photo_label if generated else self.model_label
        return (f"<small>model: <b>{html.escape(self.cnn_label())}</b> on this {this}; on {other}: "
                f"{html.escape(other_label)}</small>")

    def _on_pick(self, rgb, truth, label) -> None:
        """The picker's callback: the new photo goes to both sides (and to the CNN for its kind of image)."""
        previous_kind = self.image_kind
        self.image_kind = "generated" if self.picker.source.value in ("easy", "medium", "hard") else "photo"
        try:
            self.model_html.value = self._model_text()
            self._set_current(rgb, truth)
            self.classical_panel.set_image(self.rgb, self.truth)
            self._show("classical")
            self._stale = {name for name, panel in self._panels.items() if panel is not self.classical_panel}
            self.redraw_unet()
        except Exception as exc:  # a photo the kit cannot handle: say so in the app, keep it running
            self.image_kind = previous_kind
            self.message.value = (f"<span style='color:#b2182b'>⚠ could not use {html.escape(str(label))}: "
                                  f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</span>")
            return
        self.label = str(label)
        self.message.value = ""
        self.image_label.value = (f"<b>image:</b> {html.escape(self.label)} — {self.full_rgb.shape[1]}×"
                                  f"{self.full_rgb.shape[0]} pixels, shown at {self.rgb.shape[1]}×{self.rgb.shape[0]}")

    # --- left: the classical method ------------------------------------------------------------------

    def _show_family(self, name: str) -> None:
        if name not in self._panels:
            panel = MethodPanel(name, self.rgb, self.truth)
            for key, control in panel.controls.items():
                control.add_class(f"studio-classical-{key.replace('_', '-')}")
            for control in panel.controls.values():   # after the panel's own observer, which computes the mask
                control.observe(lambda change, p=panel: self._show("classical") if p is self.classical_panel
                                else None, names="value")
            self._panels[name] = panel
        panel = self._panels[name]
        self.classical_panel = panel
        if name in self._stale:
            self._stale.discard(name)
            panel.set_image(self.rgb, self.truth)
        self.classical_controls.children = [W.VBox(list(panel.controls.values())), panel.status]
        self._show("classical")

    def _family_changed(self) -> None:
        self._show_family(self.controls["family"].value)

    # --- right: the U-Net, its threshold and the chain -------------------------------------------------

    def pipeline(self) -> Pipeline:
        """Return the right side's chain: binarise at the threshold, then the postprocessing sliders' steps."""
        chain = self.postprocess_panel.pipeline()
        first = Step("binarise", {"threshold": float(self.controls["threshold"].value)})
        return Pipeline((first,) + chain.steps[1:])

    def redraw_unet(self) -> None:
        """Re-threshold the cached U-Net probability (or hybrid alpha) and run the chain (the panel does), then draw."""
        mask = (self._right_input() >= self.controls["threshold"].value).astype(np.float32)
        # The panel binarises at 0.5 first; a mask already cut at the threshold makes that the threshold's cut.
        self.postprocess_panel.set_image(self.rgb, mask, self.truth)
        self._show("unet")

    def _show(self, side: str) -> None:
        """Draw one side: its panel (the classical method's, or the postprocessing chain's) has just computed.

        A panel whose redraw failed (an impossible parameter, matting with nothing
        known) says why in its ``error``; the side shows that and keeps its last picture.
        """
        panel = self.classical_panel if side == "classical" else self.postprocess_panel
        if panel.error is not None:
            self.status[side].value = panel.status.value
            return
        alpha = panel.mask if side == "classical" else panel.alpha
        if alpha is None or alpha.shape != self.rgb.shape[:2]:
            return
        start = time.perf_counter()
        self.redraws[side] += 1
        self.alpha[side] = alpha
        self._draw(side, alpha)
        what = panel.family.title if side == "classical" else repr(self.pipeline())
        self.status[side].value = (f"<small>{html.escape(what)}: computed and drawn in "
                                   f"{(panel.last_seconds + time.perf_counter() - start) * 1000:.0f} ms</small>")

    # --- drawing -------------------------------------------------------------------------------------------

    def _draw(self, side: str, alpha: np.ndarray) -> None:
        self.pictures[side].value = png_bytes(comparison_strip(self.rgb, alpha, self.truth))
        self.numbers[side] = None if self.truth is None else metrics.scores(alpha, self.truth)
        self.scores[side].value = score_line(self.numbers[side])

    def _layout(self) -> W.Widget:
        box = {"border": "1px solid #ddd", "padding": "6px", "width": "50%"}
        left = W.VBox([W.HTML("<b>Classical method</b> (lesson 01)"), self.controls["family"],
                       self.classical_controls], layout=W.Layout(**box))
        right = W.VBox([W.HTML("<b>U-Net</b>: P(object) ≥ threshold, then lesson 06's chain"),
                        self.model_html, self.controls["unet_method"], self.controls["threshold"],
                        W.VBox(list(self.postprocess_panel.controls.values()))],
                       layout=W.Layout(**box))
        bottom = W.VBox([
            self.image_label, W.HTML(_legend_html()),
            W.HTML("<b>Classical</b>"), self.pictures["classical"], self.scores["classical"],
            self.status["classical"],
            W.HTML("<b>U-Net + postprocessing</b>"), self.pictures["unet"], self.scores["unet"],
            self.status["unet"],
        ])
        return W.VBox([W.HTML("<h3>Comparison studio: classical vs U-Net</h3>"), self.picker.widget,
                       self.checkpoint.widget, self.message, W.HBox([left, right]), bottom])


def course_studio(*, limit: int | None = None, model=None) -> Studio:
    """Return the studio on the kit's test split, the shipped demo photos and the real ``dev`` photos.

    ``limit`` samples of the test split (default: 30 in fast mode, 300 in full
    mode). With no ``model``, lesson 04's U-Net
    (:func:`course_lib.inference.load_pretrained`) runs on the generated
    samples and the real-photo CNN (:func:`course_lib.inference.load_real_model`)
    on photos: the demo photos, the real ``dev`` photos (named ``dev/…``; never
    ``holdout``, which is kept for final numbers) and uploads. A ``model`` (a
    Keras model or a ``.keras`` path, e.g. a fine-tuned checkpoint) runs on every image.
    """
    import os.path

    from course_lib import datasets, demo, inference, real
    from course_lib.config import DATA_DIR, pick
    split = datasets.load_split("test", limit=limit or pick(fast=30, full=300), progress=False)
    photos = {**demo.demo_mapping(), **{f"dev/{name}": pair for name, pair in real.real_mapping("dev").items()}}
    if model is not None:
        return Studio(split, model, demo=photos)
    where = os.path.relpath(inference.REAL_MODEL_PATH, DATA_DIR.parent)
    real_cnn = load_real_model()
    return Studio(split, load_pretrained(), photo_model=real_cnn, demo=photos,
                  photo_label=f"the real-photo CNN ({where}, at {real_cnn.size} px)")

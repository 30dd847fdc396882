"""Lesson 05's panel: threshold and temperature sliders on one photo's logits.

The probabilities are :func:`course_lib.calibration.object_probability` of the
logits at the slider's temperature; the picture is P(object) | overlay | mask |
cut-out (| errors), the score line IoU, boundary F and the soft alpha's MAE.
"""

from __future__ import annotations

import html
import time

import cv2
import ipywidgets as W
import numpy as np

from course_lib import metrics
from course_lib.calibration import binary_entropy, object_probability
from course_lib.validate import as_alpha, as_number, as_rgb
from course_lib.views.controls import (
    fit_for_panel,
    float_slider,
    grey_picture,
    join_with_gaps,
    log_slider,
    png_bytes,
    strip,
)

__all__ = ["ProbabilityPanel"]


class ProbabilityPanel:
    """Threshold and temperature sliders on one photo: redraws P(object), the mask, the cut-out and the scores.

    Parameters
    ----------
    rgb : H×W×3 uint8
        The photo.
    logits : H×W×2 float
        Its logits (:func:`predict_logits`).
    truth : H×W alpha or bool, optional
        Ground truth for the score line; without it the panel says so.
    threshold, temperature : float
        Starting values of the sliders.

    The temperature changes the probabilities (and so the MAE of the soft alpha
    and the entropy) but never which class is more likely: at threshold 0.5 the
    mask stays the same. At any other threshold it moves the mask too.
    ``panel.controls["threshold"]`` and ``panel.controls["temperature"]`` are the
    sliders; ``panel.score.value`` the score line; ``panel.mask`` the current mask.
    """

    def __init__(self, rgb, logits, truth=None, *, threshold: float = 0.5, temperature: float = 1.0,
                 max_side: int = 256):
        rgb = as_rgb(rgb)
        # the slider's range is built around the temperature
        temperature = as_number(temperature, "temperature", low=0, low_inclusive=False)
        logits = np.asarray(logits, np.float32)
        if logits.shape != rgb.shape[:2] + (2,):
            raise ValueError(f"logits must be H×W×2 for a {rgb.shape[0]}×{rgb.shape[1]} photo, got {logits.shape}")
        self.rgb = fit_for_panel(rgb, max_side)
        size = self.rgb.shape[1::-1]
        self.logits = cv2.resize(logits, size, interpolation=cv2.INTER_AREA) if self.rgb.shape != rgb.shape else logits
        self.truth = None
        if truth is not None:
            truth = as_alpha(truth, "truth", rgb.shape[:2])
            self.truth = cv2.resize(truth, size, interpolation=cv2.INTER_AREA) if self.rgb.shape != rgb.shape else truth
        self.controls = {
            "threshold": float_slider("threshold", threshold, 0.01, 0.99, 0.01),
            "temperature": log_slider("temperature T", temperature, min(-1.0, np.log10(temperature) - 0.5),
                                      max(1.0, np.log10(temperature) + 0.5), 0.02),
        }
        self.picture = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.score = W.HTML()
        self.status = W.HTML()
        self.alpha = self.mask = None
        self.scores: dict | None = None
        self.error: str | None = None
        self.last_seconds = 0.0
        for control in self.controls.values():
            control.observe(lambda change: self.redraw(), names="value")
        self.widget = W.VBox([W.HTML("<b>P(object) = softmax(z / T)[object] ≥ threshold</b>"),
                              W.VBox(list(self.controls.values())), self.picture, self.score, self.status])
        self.redraw()

    def redraw(self) -> None:
        """Recompute P(object) at the temperature, the mask at the threshold, the picture and the score line."""
        start = time.perf_counter()
        t, temperature = self.controls["threshold"].value, self.controls["temperature"].value
        self.alpha = object_probability(self.logits, temperature)
        self.mask = self.alpha >= t
        hard_truth = None if self.truth is None else self.truth >= 0.5
        picture = join_with_gaps([grey_picture(self.alpha), strip(self.rgb, self.mask, hard_truth)])
        self.picture.value = png_bytes(picture)
        spread = float(binary_entropy(self.alpha).mean())
        head = f"threshold {t:.2f} · T {temperature:.2f}: "
        if self.truth is None:
            self.scores = None
            self.score.value = (head + f"mean entropy {spread:.3f} bits · no ground truth for this photo: "
                                       "judge by eye")
        else:
            s = self.scores = {**metrics.scores(self.mask, self.truth), "mae_soft": metrics.mae(self.alpha, self.truth)}
            self.score.value = html.escape(head) + (
                f"IoU <b>{s['iou']:.3f}</b> · boundary F {s['boundary_f']:.3f} · "
                f"MAE of the soft alpha {s['mae_soft']:.4f} · mean entropy {spread:.3f} bits")
        self.last_seconds = time.perf_counter() - start
        self.status.value = (f"<small>picture: P(object) | overlay | mask | cut-out"
                             f"{' | errors' if self.truth is not None else ''} — redrawn in "
                             f"{self.last_seconds * 1000:.0f} ms</small>")

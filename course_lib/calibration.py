"""How far to trust a per-pixel softmax: probability and entropy maps, temperature, thresholds, calibration.

The U-Net's head (:mod:`course_lib.unet`) gives two scores per pixel, its
*logits* ``z = (z_background, z_object)`` (layer ``head_logits``), and a softmax
over that channel axis turns them into probabilities. This module reads those
probabilities and asks whether they mean what they say:

- :func:`predict_logits` — the logits of any photo at full size, through a model
  that stops at ``head_logits``;
- :func:`softmax_probabilities`, :func:`object_probability` — the softmax over
  the channel axis (the last one, NHWC), optionally at a *temperature* ``T``:
  ``softmax(z / T)``. ``T > 1`` flattens, ``T < 1`` sharpens, and the most likely
  class never changes;
- :func:`entropy` — the uncertainty of each pixel, in bits (0 sure, 1 a coin flip);
- :func:`reliability` and :func:`expected_calibration_error` — among pixels
  predicted with confidence about 0.9, are about 90 % right?
- :func:`fit_temperature` — the ``T`` that minimises the cross-entropy on held-out
  pixels (temperature scaling, Guo et al., ICML 2017);
- :func:`threshold_sweep`, :func:`best_threshold` — IoU and boundary F as the
  threshold on P(object) moves.

The pictures are elsewhere: the reliability diagram is
:func:`course_lib.views.charts.plot_reliability`, and the threshold and
temperature sliders :class:`course_lib.views.calibration_panel.ProbabilityPanel`.

For two classes the softmax is a sigmoid of the logit difference:
``softmax(z)[1] = σ(z_object − z_background)``, so at ``T`` the object
probability is ``σ((z₁ − z₀) / T)``.

>>> z = np.array([[[0.0, 2.0], [1.0, -1.0]]])                # 1×2 pixels × 2 classes
>>> print(object_probability(z).round(3))
[[0.881 0.119]]
>>> print(object_probability(z, temperature=4.0).round(3))   # flatter, same side of 0.5
[[0.622 0.378]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib import metrics, scratch
from course_lib.inference import WORK_SIZE, layer_model, predict_maps
from course_lib.validate import as_number

__all__ = ["logits_model", "predict_logits", "softmax_probabilities", "object_probability", "entropy",
           "binary_entropy", "Reliability", "reliability", "expected_calibration_error", "nll",
           "fit_temperature", "DEFAULT_THRESHOLDS", "ThresholdSweep", "threshold_sweep", "best_threshold"]

# --- logits of the U-Net --------------------------------------------------------------------------

def logits_model(model, layer: str = "head_logits"):
    """Return a Keras model from ``model``'s input to the output of its layer ``layer`` (the scores before softmax).

    The same weights, no copy; built once per model (:func:`course_lib.inference.layer_model`).
    """
    return layer_model(model, layer)


def predict_logits(model, images, *, size: int = WORK_SIZE, multiple: int | None = None,
                   batch_size: int = 16) -> list[np.ndarray]:
    """Return the U-Net's logits of each RGB photo, H×W×2 float32 (background, object) at the photo's own size.

    Parameters
    ----------
    model : keras.Model
        A U-Net with a ``head_logits`` layer (:func:`course_lib.unet.build_unet`).
    images : sequence of H×W×3 uint8
        RGB photos of any size (an N×H×W×3 array works too).
    size, multiple, batch_size :
        As in :func:`course_lib.inference.predict_alpha_batch`: the photo is
        letterboxed to ``size``, and the logits are resized back (bilinear:
        interpolating scores, not probabilities, keeps the softmax exact).
    """
    return predict_maps(logits_model(model), images, size=size, multiple=multiple, batch_size=batch_size)


# --- probabilities at a temperature ---------------------------------------------------------------


def softmax_probabilities(logits, temperature: float = 1.0) -> np.ndarray:
    """Return ``softmax(logits / T)`` over the last (channel) axis, same shape, float32.

    ``logits`` is …×K (NHWC: the classes are the *last* axis). ``T = 1`` is the
    model's own softmax; large ``T`` tends to the uniform ``1/K``.
    """
    z = np.asarray(logits)
    if z.ndim < 1 or z.shape[-1] < 2:
        raise ValueError(f"logits must have the classes on the last axis (…×K, K ≥ 2), got shape {z.shape}")
    temperature = as_number(temperature, "temperature", low=0, low_inclusive=False)
    return scratch.softmax(z / temperature, axis=-1).astype(np.float32)


def object_probability(logits, temperature: float = 1.0) -> np.ndarray:
    """Return P(object) = ``softmax(logits / T)[..., 1]``, the alpha estimate, shape …, float32 in [0, 1]."""
    return softmax_probabilities(logits, temperature)[..., 1]


def entropy(probs, axis: int = -1) -> np.ndarray:
    """Return the entropy ``−Σ p log₂ p`` of class probabilities along ``axis``, in bits (0 certain, log₂K uniform)."""
    p = np.asarray(probs, np.float64)
    if p.ndim == 0:
        raise ValueError("probs must be an array of class probabilities (…×K), got a scalar")
    terms = -p * np.log2(np.where(p > 0, p, 1.0))        # 0 · log 0 counts as 0
    return terms.sum(axis=axis).astype(np.float32)


def binary_entropy(p_object) -> np.ndarray:
    """Return the entropy in bits of a P(object) map, same shape: 0 where sure, 1 where p = 0.5."""
    p = np.asarray(p_object, np.float64)
    return entropy(np.stack([1 - p, p], axis=-1))


# --- calibration --------------------------------------------------------------------------------


def _as_class_probs(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    """Return (M×K probabilities, M int labels); a map of P(class 1) the shape of ``labels`` becomes two columns."""
    p = np.asarray(probs, np.float64)
    y = np.asarray(labels)
    if y.dtype == bool:
        y = y.astype(np.int64)
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be integer classes (or bool), got dtype {y.dtype}; "
                         "from an alpha use pixel_features.labels_from_alpha(alpha)")
    if p.shape == y.shape:                                  # a P(object) map
        p = np.stack([1 - p, p], axis=-1)
    if p.shape[:-1] != y.shape:
        raise ValueError(f"probs must be …×K with labels …, or both the same shape (P(object) and 0/1 labels); "
                         f"got probs {np.asarray(probs).shape} and labels {y.shape}")
    k = p.shape[-1]
    p, y = p.reshape(-1, k), y.reshape(-1)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"labels must be classes 0..{k - 1}, got {y.min()}..{y.max()}")
    return p, y


@dataclass
class Reliability:
    """The reliability diagram's bins: how confident the model was, and how often it was right.

    Attributes
    ----------
    edges : n_bins + 1 float — bin edges of the confidence, from 1/K to 1.
    counts : n_bins int — pixels in each bin (they sum to the number of pixels).
    confidence : n_bins float — mean confidence (top-class probability) in each bin; NaN if empty.
    accuracy : n_bins float — share of those pixels whose top class is right; NaN if empty.
    ece : float — expected calibration error, ``Σ counts/N · |accuracy − confidence|``.
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    ece: float

    @property
    def total(self) -> int:
        """Return the number of pixels binned."""
        return int(self.counts.sum())


def reliability(probs, labels, n_bins: int = 10) -> Reliability:
    """Return the reliability-diagram bins of per-pixel class probabilities against the true classes.

    Parameters
    ----------
    probs : …×K float, or a P(object) map the shape of ``labels``
        Class probabilities (e.g. :func:`softmax_probabilities`).
    labels : … int or bool
        The true class of each pixel (``pixel_features.labels_from_alpha(alpha)``).
    n_bins : int
        Equal-width bins of the confidence between ``1/K`` (a coin flip) and 1.

    The confidence of a pixel is its top-class probability; it is "right" when the
    top class is its true class. A calibrated model has accuracy ≈ confidence in every bin.

    >>> rel = reliability(np.array([0.95, 0.85, 0.25, 0.55]), np.array([1, 1, 1, 0]), n_bins=5)
    >>> rel.counts.tolist(), rel.accuracy[rel.counts > 0].tolist()     # 0.25 is 0.75 sure of "background"
    ([1, 0, 1, 1, 1], [0.0, 0.0, 1.0, 1.0])
    """
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive int, got {n_bins!r}")
    p, y = _as_class_probs(probs, labels)
    k = p.shape[1]
    conf = p.max(axis=1)
    right = p.argmax(axis=1) == y
    edges = np.linspace(1.0 / k, 1.0, n_bins + 1)
    # bin b holds edges[b] < conf ≤ edges[b + 1]; a confidence of exactly 1/K goes to the first bin
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, weights=conf, minlength=n_bins) / counts
        accuracy = np.bincount(which, weights=right.astype(np.float64), minlength=n_bins) / counts
    filled = counts > 0
    ece = float((counts[filled] / max(counts.sum(), 1) * np.abs(accuracy[filled] - mean_conf[filled])).sum())
    return Reliability(edges, counts, mean_conf, accuracy, ece)


def expected_calibration_error(probs, labels, n_bins: int = 10) -> float:
    """Return the ECE: the gap between confidence and accuracy, averaged over bins weighted by their pixels."""
    return reliability(probs, labels, n_bins).ece


def nll(logits, labels, temperature: float = 1.0) -> float:
    """Return the mean cross-entropy ``−log softmax(z / T)[true class]`` over pixels (nats)."""
    z = np.asarray(logits, np.float64) / as_number(temperature, "temperature", low=0, low_inclusive=False)
    y = np.asarray(labels).astype(np.int64)
    if z.shape[:-1] != y.shape:
        raise ValueError(f"logits must be …×K and labels …, got {z.shape} and {y.shape}")
    shifted = z - z.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-np.take_along_axis(log_p, y[..., None], axis=-1).mean())


def fit_temperature(logits, labels, *, bounds: tuple[float, float] = (0.05, 50.0), iterations: int = 50) -> float:
    """Return the temperature ``T`` that minimises the cross-entropy of ``softmax(logits / T)`` on these pixels.

    Fit it on a *validation* split, never on the test split you report.

    Parameters
    ----------
    logits : …×K float
        Scores before the softmax (:func:`predict_logits`).
    labels : … int or bool
        True classes.
    bounds : (float, float)
        The search interval for ``T``; a result at a bound means the optimum lies beyond it.
    iterations : int
        Bisection steps (each halves the interval of ``log T``).

    Notes
    -----
    With ``β = 1/T`` the loss is convex in ``β``, and its derivative is
    ``mean over pixels of Σ_k (p_k − y_k) z_k`` (``p = softmax(β z)``, ``y`` one-hot):
    bisection finds the ``β`` where it changes sign. Only one number is fitted,
    so the classes the model picks never change — only how sure it says it is.
    """
    lo_t, hi_t = (float(b) for b in bounds)
    if not (0 < lo_t < hi_t and np.isfinite(hi_t)):
        raise ValueError(f"bounds must be 0 < low < high, got {bounds!r}")
    z = np.asarray(logits, np.float32)
    y = np.asarray(labels).astype(np.int64)
    if z.shape[:-1] != y.shape:
        raise ValueError(f"logits must be …×K and labels …, got {z.shape} and {y.shape}")
    k = z.shape[-1]
    z = z.reshape(-1, k)
    z_true = np.take_along_axis(z, y.reshape(-1, 1), axis=1)[:, 0]

    def slope(beta: float) -> float:                   # d loss / d β
        p = scratch.softmax(beta * z, axis=-1)
        return float(((p * z).sum(axis=1) - z_true).mean())

    lo, hi = np.log(1 / hi_t), np.log(1 / lo_t)         # log β
    if slope(np.exp(lo)) >= 0:
        return hi_t
    if slope(np.exp(hi)) <= 0:
        return lo_t
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if slope(np.exp(mid)) > 0:
            hi = mid
        else:
            lo = mid
    return float(1 / np.exp((lo + hi) / 2))


# --- thresholds -----------------------------------------------------------------------------------

DEFAULT_THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.05), 2)
"""0.05, 0.10, …, 0.95: the thresholds :func:`threshold_sweep` tries by default."""


@dataclass
class ThresholdSweep:
    """Scores of ``alpha >= t`` for each threshold ``t``, averaged over images.

    Attributes
    ----------
    thresholds : T float
    iou, boundary_f : T float — mean over the images of the per-image score.
    per_image_iou : N×T float — every image's IoU at every threshold.
    """

    thresholds: np.ndarray
    iou: np.ndarray
    boundary_f: np.ndarray
    per_image_iou: np.ndarray

    def best(self, score: str = "iou") -> float:
        """Return the threshold with the highest mean ``score`` ("iou" or "boundary_f"); ties: the lowest."""
        if score not in ("iou", "boundary_f"):
            raise ValueError(f"score must be 'iou' or 'boundary_f', got {score!r}")
        return float(self.thresholds[int(np.argmax(getattr(self, score)))])


def _check_alphas(alphas, truths):
    alphas, truths = list(alphas), list(truths)
    if len(alphas) != len(truths) or not alphas:
        raise ValueError(f"give one truth per alpha (and at least one), got {len(alphas)} alphas and "
                         f"{len(truths)} truths")
    return alphas, truths


def threshold_sweep(alphas, truths, thresholds=DEFAULT_THRESHOLDS, *, tolerance: float = 2,
                    boundary: bool = True) -> ThresholdSweep:
    """Return IoU and boundary F of ``alpha >= t`` against each truth, for every threshold ``t``.

    Parameters
    ----------
    alphas : sequence of H×W float in [0, 1]
        Predicted P(object) maps.
    truths : sequence of H×W float or bool
        The true alphas (read as ``>= 0.5``).
    thresholds : sequence of float in (0, 1]
    tolerance : float
        Pixels of slack for the boundary F (:func:`course_lib.metrics.boundary_f`).
    boundary : bool
        False skips the boundary F (NaN), which is the slow part.
    """
    alphas, truths = _check_alphas(alphas, truths)
    thresholds = np.asarray(thresholds, np.float64)
    if thresholds.ndim != 1 or not thresholds.size or thresholds.min() <= 0 or thresholds.max() > 1:
        raise ValueError(f"thresholds must be a 1-D list of values in (0, 1], got {thresholds!r}")
    ious = np.empty((len(alphas), len(thresholds)))
    bfs = np.full((len(alphas), len(thresholds)), np.nan)
    for i, (given, truth) in enumerate(zip(alphas, truths)):
        alpha = np.asarray(given)
        hard_truth = metrics.as_hard(truth)
        for j, t in enumerate(thresholds):
            mask = alpha >= t
            ious[i, j] = metrics.iou(mask, hard_truth)
            if boundary:
                bfs[i, j] = metrics.boundary_f(mask, hard_truth, tolerance)
    return ThresholdSweep(thresholds, ious.mean(axis=0), bfs.mean(axis=0), ious)


def best_threshold(alphas, truths, thresholds=DEFAULT_THRESHOLDS) -> float:
    """Return the threshold ``t`` whose masks ``alpha >= t`` have the highest mean IoU over the images.

    The mean is of each image's own IoU (every photo counts once, whatever the
    size of its product); ties go to the lowest threshold.

    >>> truth = np.array([[0, 0, 1, 1]], float)
    >>> best_threshold([np.array([[0.1, 0.3, 0.35, 0.9]])], [truth], [0.2, 0.33, 0.5])
    0.33
    """
    return threshold_sweep(alphas, truths, thresholds, boundary=False).best("iou")

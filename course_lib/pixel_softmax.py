"""A per-pixel softmax classifier (object vs background), trained by gradient descent written from scratch.

The smallest model that *learns* to cut out a product: each pixel's feature
vector ``x`` (:mod:`course_lib.pixel_features`) goes through one linear layer
and a softmax over the classes {0: background, 1: object}::

    logits = (x − mean) / std · W + b          # F features → K = 2 scores
    p      = softmax(logits)                   # class probabilities

and ``W``, ``b`` are found by gradient descent on the cross-entropy (§4.2):
``θ ← θ − α ∇J(θ)``. The forward and backward passes are
:mod:`course_lib.scratch`'s, so lesson 03 trains with exactly what lesson 02 built.

>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(200, 2)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
>>> model = train_softmax_classifier(X, y, lr=1.0, steps=100, rng=rng)
>>> float(np.mean(model.predict(X) == y)) > 0.95
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from course_lib import scratch
from course_lib.pixel_features import pixel_features

__all__ = ["LOSSES", "one_hot", "loss_and_gradients", "SoftmaxClassifier", "train_softmax_classifier"]

LOSSES = ("cross_entropy", "mse")


def one_hot(y, n_classes: int) -> np.ndarray:
    """Return the one-hot rows of integer classes ``y`` (M), shape M×K float64."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be a 1-D array of integer classes, got shape {y.shape} dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y must hold classes 0..{n_classes - 1}, got values {y.min()}..{y.max()}")
    return np.eye(n_classes)[y]


def loss_and_gradients(W, b, X, Y, *, loss: str = "cross_entropy") -> tuple[float, np.ndarray, np.ndarray]:
    """Return ``(loss, dW, db)`` of the linear softmax classifier on a batch.

    Parameters
    ----------
    W : F×K float
        Weights.
    b : K float
        Biases.
    X : M×F float
        Features (already standardised).
    Y : M×K float
        One-hot targets.
    loss : {"cross_entropy", "mse"}
        Cross-entropy of the softmax (the standard), or the text's mean squared
        error between the softmax probabilities and the one-hot targets (ERRATA item 8
        (docs/ERRATA.md#item-8)).

    Returns
    -------
    loss : float
    dW : F×K, db : K — gradients of the loss.
    """
    return _loss_gradients_logits(W, b, X, Y, loss)[:3]


def _loss_gradients_logits(W, b, X, Y, loss):
    """Return ``(loss, dW, db, logits)``: :func:`loss_and_gradients` plus the scores, which training reuses."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    X, W = np.asarray(X, np.float64), np.asarray(W, np.float64)
    if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[0]:
        raise ValueError(f"X must be M×F and W F×K with the same F, got X {X.shape} and W {W.shape}")
    logits = X @ W + b
    if loss == "cross_entropy":
        value, cache = scratch.softmax_cross_entropy_forward(logits, Y)
        dlogits = scratch.softmax_cross_entropy_backward(1.0, cache)
    else:
        probs, soft_cache = scratch.softmax_forward(logits)
        value, mse_cache = scratch.mse_forward(probs, Y)
        dlogits = scratch.softmax_backward(scratch.mse_backward(1.0, mse_cache), soft_cache)
    return value, X.T @ dlogits, dlogits.sum(axis=0), logits


@dataclass
class SoftmaxClassifier:
    """A trained per-pixel softmax classifier: weights, the feature scaling it expects, and its history.

    Attributes
    ----------
    W : F×K float64, b : K float64
    mean, std : F float64 — features are standardised as ``(x − mean) / std`` before ``W``.
    history : dict with lists ``"loss"`` (training loss before each step) and ``"accuracy"``.
    features : callable ``H×W×3 uint8 → H×W×F`` used by :meth:`alpha` and :meth:`mask`.
    """

    W: np.ndarray
    b: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    history: dict = field(default_factory=lambda: {"loss": [], "accuracy": []})
    features: Callable[[np.ndarray], np.ndarray] = pixel_features

    def logits(self, X) -> np.ndarray:
        """Return the class scores, M×K, of raw (unstandardised) features ``X`` (M×F)."""
        X = np.asarray(X, np.float64)
        if X.ndim != 2 or X.shape[1] != self.W.shape[0]:
            raise ValueError(f"X must be M×{self.W.shape[0]} features, got shape {X.shape}")
        return (X - self.mean) / self.std @ self.W + self.b

    def predict_proba(self, X) -> np.ndarray:
        """Return the class probabilities, M×K, of features ``X`` (M×F)."""
        return scratch.softmax(self.logits(X))

    def predict(self, X) -> np.ndarray:
        """Return the most likely class of each row of ``X``, M int."""
        return self.logits(X).argmax(axis=1)

    def alpha(self, rgb) -> np.ndarray:
        """Return P(object) at every pixel of a photo, H×W float32 in [0, 1] (a soft mask)."""
        feats = self.features(rgb)
        h, w, f = feats.shape
        return self.predict_proba(feats.reshape(h * w, f))[:, 1].reshape(h, w).astype(np.float32)

    def mask(self, rgb) -> np.ndarray:
        """Return the hard product mask of a photo, H×W bool (``P(object) >= 0.5``)."""
        return self.alpha(rgb) >= 0.5


def train_softmax_classifier(X, y, *, lr: float, steps: int, rng: np.random.Generator, n_classes: int = 2,
                             loss: str = "cross_entropy", batch_size: int | None = None,
                             features: Callable[[np.ndarray], np.ndarray] = pixel_features,
                             init: tuple[np.ndarray, np.ndarray] | None = None) -> SoftmaxClassifier:
    """Return a :class:`SoftmaxClassifier` trained by (mini-batch) gradient descent from small random weights.

    Parameters
    ----------
    X : M×F float
        Features of the training pixels (raw; they are standardised here and the
        scaling is stored in the model).
    y : M int
        Their classes (0 background, 1 object).
    lr : float
        Learning rate α in ``θ ← θ − α ∇J(θ)``.
    steps : int
        Number of gradient steps.
    rng : numpy.random.Generator
        Draws the initial weights and the mini-batches; same seed, same model.
    n_classes : int
        K, the number of classes.
    loss : {"cross_entropy", "mse"}
        See :func:`loss_and_gradients`.
    batch_size : int, optional
        Pixels per step; ``None`` uses all of them (full-batch gradient descent).
    features : callable
        Stored in the model for :meth:`SoftmaxClassifier.alpha` (the one that made ``X``).
    init : (W, b), optional
        Start from these weights (F×K, K; for standardised features) instead of small
        random ones — e.g. to see how each loss recovers from a confidently wrong start.

    The history records the loss and accuracy on the step's batch before each
    update; a loss that turns NaN or infinite stops training early (too large ``lr``).
    """
    X = np.asarray(X, np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be M×F features with M ≥ 1, got shape {X.shape}")
    Y = one_hot(y, n_classes)
    y = Y.argmax(axis=1)
    if len(Y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(Y)} labels")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    mean, std = X.mean(axis=0), X.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)                # a constant feature stays 0 rather than dividing by 0
    Xs = (X - mean) / std
    if init is None:
        W = rng.normal(0, 0.01, (X.shape[1], n_classes))
        b = np.zeros(n_classes)
    else:
        W, b = (np.array(v, np.float64) for v in init)
        if W.shape != (X.shape[1], n_classes) or b.shape != (n_classes,):
            raise ValueError(f"init must be (W, b) of shapes {(X.shape[1], n_classes)} and {(n_classes,)}, "
                             f"got {W.shape} and {b.shape}")
    model = SoftmaxClassifier(W, b, mean, std, features=features)
    for _ in range(steps):
        if batch_size is None or batch_size >= len(Xs):
            xb, yb, labels = Xs, Y, y
        else:
            chosen = rng.choice(len(Xs), size=batch_size, replace=False)
            xb, yb, labels = Xs[chosen], Y[chosen], y[chosen]
        value, dW, db, logits = _loss_gradients_logits(W, b, xb, yb, loss)
        model.history["loss"].append(value)
        model.history["accuracy"].append(float(np.mean(logits.argmax(1) == labels)))
        if not np.isfinite(value) or not (np.all(np.isfinite(dW)) and np.all(np.isfinite(db))):
            break
        W, b = W - lr * dW, b - lr * db
    model.W, model.b = W, b
    return model

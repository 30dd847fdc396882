"""Three per-pixel linear classifiers on hand-made features: logistic regression, a linear SVM, a 1×1-convolution head.

The text's §3.2 step 4 separates object from background "with a classifier
such as a softmax classifier or an SVM". Applied to *each pixel's* feature
vector ``x`` (:func:`course_lib.pixel_features.pixel_features`), every one of
them draws the same kind of boundary — one hyperplane ``x · w + b = 0`` — and
differs only in the loss that places it:

- :func:`train_logistic_regression` — multinomial logistic regression: the
  softmax classifier of :mod:`course_lib.pixel_softmax`, trained by gradient
  descent on the cross-entropy (lesson 03's code, reused);
- :func:`train_linear_svm` — a linear SVM: hinge loss
  ``max(0, 1 − s (x · w + b))`` with ``s = ±1`` plus an L2 penalty, minimised by
  subgradient descent written here; its score becomes a probability through one
  fitted temperature, ``σ(score / T)`` (:func:`course_lib.calibration.fit_temperature`);
- :func:`train_conv_head` — a Keras model whose only layer is a
  ``Conv2D(2, kernel_size=1)`` with a softmax over the channel axis, applied to
  the whole feature image: the U-Net's head (``head_logits``, ``head_softmax``)
  on hand-made features instead of learned ones.

Each classifier has ``.alpha(rgb)`` (P(object), H×W float32) and ``.mask(rgb)``
(H×W bool), so :func:`course_lib.evaluate.evaluate_methods` scores it like any
other method. Photos are scaled so their longer side is :data:`WORK_SIZE`
before the features are computed (the features' windows are sized for it, as
the U-Net's input is), and P(object) is resized back to the photo.

The text's version — global pooling, a dense layer and one softmax: one
probability pair for the whole photo — is written out in lesson 05, section 3,
with a head's :meth:`ConvHead.softmax_weights` (ERRATA item 4 (docs/ERRATA.md#item-4)).

>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(400, 3)); y = (X[:, 0] - X[:, 1] > 0.2).astype(int)
>>> svm = train_linear_svm(X, y, lr=0.5, steps=200, rng=rng)
>>> float(np.mean((svm.decision(X) > 0) == y)) > 0.95
True
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from course_lib import calibration, pixel_softmax, scratch
from course_lib.inference import WORK_SIZE, layer_model, predict_maps, run_model
from course_lib.pixel_features import pixel_features
from course_lib.validate import as_rgb

__all__ = ["scale_to_work_size", "LinearPixelClassifier", "LogisticRegression", "train_logistic_regression",
           "hinge_loss_and_gradients", "LinearSVM", "train_linear_svm", "build_conv_head", "ConvHead",
           "train_conv_head", "feature_image", "unet_features"]


def _standardise(X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(X_standardised, mean, std)``; a constant feature keeps std 1 rather than dividing by 0."""
    X = np.asarray(X, np.float64)
    mean, std = X.mean(axis=0), X.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    return (X - mean) / std, mean, std


def _check_training(X, y, rng=None) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be M×F features with M ≥ 1, got shape {X.shape}")
    if y.shape != (len(X),) or not (np.issubdtype(y.dtype, np.integer) or y.dtype == bool):
        raise ValueError(f"y must hold one integer class (0 background, 1 object) per row of X: "
                         f"shape ({len(X)},), got shape {y.shape} dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"y must hold the classes 0 (background) and 1 (object), got {y.min()}..{y.max()}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return X, y


def scale_to_work_size(rgb: np.ndarray, work_size: int | None = WORK_SIZE) -> np.ndarray:
    """Return ``rgb`` scaled (aspect ratio kept) so its longer side is ``work_size``; ``None`` keeps it."""
    rgb = as_rgb(rgb)
    h, w = rgb.shape[:2]
    if work_size is None or max(h, w) == work_size:
        return rgb
    scale = work_size / max(h, w)
    size = (max(3, round(w * scale)), max(3, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


class LinearPixelClassifier:
    """What the three classifiers share: features at the working size, a linear score per pixel, P(object).

    Subclasses define :meth:`linear_weights` (``w``, ``b`` on *raw* features, so
    that ``score = x · w + b`` and "object" means ``score > 0``) and
    :meth:`probability`.
    """

    name = "linear classifier"

    def __init__(self, features: Callable[[np.ndarray], np.ndarray] = pixel_features,
                 work_size: int | None = WORK_SIZE):
        self.features, self.work_size = features, work_size

    def linear_weights(self) -> tuple[np.ndarray, float]:
        """Return ``(w, b)``: the score of raw features ``x`` (F) is ``x · w + b``, object where it is > 0."""
        raise NotImplementedError

    def decision(self, X) -> np.ndarray:
        """Return the signed score of each row of raw features ``X`` (M×F), M float64: object where > 0."""
        w, b = self.linear_weights()
        X = np.asarray(X, np.float64)
        if X.ndim != 2 or X.shape[1] != len(w):
            raise ValueError(f"X must be M×{len(w)} features, got shape {X.shape}")
        return X @ w + b

    def probability(self, X) -> np.ndarray:
        """Return P(object) of each row of raw features ``X`` (M×F), M float64 in [0, 1]."""
        raise NotImplementedError

    def probability_map(self, feats: np.ndarray) -> np.ndarray:
        """Return P(object) of every pixel of a feature image (H×W×F), H×W float32."""
        h, w, f = feats.shape
        return self.probability(feats.reshape(h * w, f)).reshape(h, w).astype(np.float32)

    def alpha(self, rgb) -> np.ndarray:
        """Return P(object) at every pixel of a photo, H×W float32 in [0, 1], at the photo's own size."""
        rgb = as_rgb(rgb)
        small = scale_to_work_size(rgb, self.work_size)
        p = self.probability_map(self.features(small))
        if p.shape != rgb.shape[:2]:
            p = cv2.resize(p, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
        return np.clip(p, 0.0, 1.0).astype(np.float32)

    def mask(self, rgb) -> np.ndarray:
        """Return the hard product mask of a photo, H×W bool (``P(object) >= 0.5``, i.e. score > 0)."""
        return self.alpha(rgb) >= 0.5

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name}, {len(self.linear_weights()[0])} features>"


# --- 1. logistic regression (softmax + cross-entropy, lesson 03's code) ---------------------------


class LogisticRegression(LinearPixelClassifier):
    """Multinomial logistic regression on pixel features: a trained :class:`~course_lib.pixel_softmax.SoftmaxClassifier`
    behind the common interface.

    ``P(object) = softmax(x W + b)[1] = σ(x · (W₁ − W₀) + b₁ − b₀)``. ``self.model``
    is the softmax classifier (weights for standardised features, its history).
    """

    name = "logistic regression"

    def __init__(self, model: pixel_softmax.SoftmaxClassifier, *, work_size: int | None = WORK_SIZE):
        super().__init__(model.features, work_size)
        self.model = model
        self.history = model.history

    def softmax_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(W, b)`` (F×2, 2) on raw features: the standardisation folded into the weights."""
        W = self.model.W / self.model.std[:, None]
        return W, self.model.b - self.model.mean @ W

    def linear_weights(self) -> tuple[np.ndarray, float]:
        W, b = self.softmax_weights()
        return W[:, 1] - W[:, 0], float(b[1] - b[0])

    def probability(self, X) -> np.ndarray:
        return self.model.predict_proba(X)[:, 1]


def train_logistic_regression(X, y, *, lr: float = 1.0, steps: int = 200, rng: np.random.Generator,
                              batch_size: int | None = None,
                              features: Callable[[np.ndarray], np.ndarray] = pixel_features,
                              work_size: int | None = WORK_SIZE) -> LogisticRegression:
    """Return a :class:`LogisticRegression` trained by gradient descent on the cross-entropy.

    The training is :func:`course_lib.pixel_softmax.train_softmax_classifier`
    (its loss and gradient: :func:`course_lib.pixel_softmax.loss_and_gradients`).
    ``X`` (M×F raw features) and ``y`` (M classes, 1 = object) come from
    :func:`course_lib.pixel_features.sample_pixels` with the same ``features``.
    """
    X, y = _check_training(X, y, rng)
    model = pixel_softmax.train_softmax_classifier(X, y, lr=lr, steps=steps, rng=rng, batch_size=batch_size,
                                                   features=features)
    return LogisticRegression(model, work_size=work_size)


# --- 2. a linear SVM (hinge loss, subgradient descent) --------------------------------------------


def hinge_loss_and_gradients(w, b, X, y, *, reg: float = 0.0) -> tuple[float, np.ndarray, float]:
    """Return ``(loss, dw, db)`` of the linear SVM on a batch: mean hinge loss plus ``reg/2 · |w|²``.

    Parameters
    ----------
    w : F float
        Weights (of standardised features).
    b : float
        Bias.
    X : M×F float
        Features.
    y : M int
        Classes 0 (background) / 1 (object); the hinge uses ``s = 2y − 1 = ±1``.
    reg : float
        Strength of the L2 penalty on ``w`` (not on ``b``).

    Returns
    -------
    loss : float — ``mean(max(0, 1 − s·(X w + b))) + reg/2 · w·w``
    dw : F float, db : float — a *sub*gradient: the hinge has a kink at margin 1,
    where this takes the flat side (0). Away from the kink it is the gradient.
    """
    X = np.asarray(X, np.float64)
    w = np.asarray(w, np.float64)
    if X.ndim != 2 or w.shape != (X.shape[1],):
        raise ValueError(f"X must be M×F and w F, got X {X.shape} and w {w.shape}")
    s = 2.0 * np.asarray(y, np.float64) - 1.0
    if s.shape != (len(X),):
        raise ValueError(f"y must hold one class per row of X, shape ({len(X)},), got {s.shape}")
    margins = s * (X @ w + b)
    active = (margins < 1).astype(np.float64)           # pixels inside the margin or on the wrong side
    m = len(X)
    loss = float(np.maximum(0.0, 1.0 - margins).mean() + 0.5 * reg * w @ w)
    coef = -s * active / m
    return loss, X.T @ coef + reg * w, float(coef.sum())


class LinearSVM(LinearPixelClassifier):
    """A linear SVM on pixel features, with its score turned into a probability by a fitted temperature.

    Attributes
    ----------
    w : F float64, b : float — for standardised features ``(x − mean) / std``.
    mean, std : F float64
    temperature : float — ``P(object) = σ(score / T)``; the SVM itself gives only the score.
    history : dict of lists ``"loss"`` and ``"accuracy"`` (before each step).
    """

    name = "linear SVM"

    def __init__(self, w, b, mean, std, *, temperature: float = 1.0, history: dict | None = None,
                 features: Callable[[np.ndarray], np.ndarray] = pixel_features, work_size: int | None = WORK_SIZE):
        super().__init__(features, work_size)
        self.w, self.b = np.asarray(w, np.float64), float(b)
        self.mean, self.std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
        self.temperature = float(temperature)
        self.history = history if history is not None else {"loss": [], "accuracy": []}

    def linear_weights(self) -> tuple[np.ndarray, float]:
        w = self.w / self.std
        return w, float(self.b - self.mean @ w)

    def probability(self, X) -> np.ndarray:
        return scratch.sigmoid(self.decision(X) / self.temperature)


def train_linear_svm(X, y, *, lr: float = 0.5, steps: int = 300, reg: float = 1e-3, rng: np.random.Generator,
                     batch_size: int | None = None, calibrate_on: tuple[np.ndarray, np.ndarray] | None = None,
                     features: Callable[[np.ndarray], np.ndarray] = pixel_features,
                     work_size: int | None = WORK_SIZE) -> LinearSVM:
    """Return a :class:`LinearSVM` trained by subgradient descent on the hinge loss.

    Parameters
    ----------
    X : M×F float, y : M int
        Raw features and classes (1 = object), as for :func:`train_logistic_regression`.
    lr : float
        First step size; step ``t`` uses ``lr / √(1 + t)`` — a subgradient does not
        shrink near the optimum the way a gradient does, so the step has to.
    steps : int
        Number of updates.
    reg : float
        L2 penalty (``reg/2 · |w|²``); it is what makes the SVM prefer the widest margin.
    rng : numpy.random.Generator
        Initial weights and mini-batches.
    batch_size : int, optional
        Pixels per step (``None``: all of them).
    calibrate_on : (X, y), optional
        Pixels on which to fit the temperature of ``σ(score / T)``; default the training pixels.
    """
    X, y = _check_training(X, y, rng)
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    if reg < 0:
        raise ValueError(f"reg must be >= 0, got {reg!r}")
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    Xs, mean, std = _standardise(X)
    w, b = rng.normal(0, 0.01, X.shape[1]), 0.0
    history = {"loss": [], "accuracy": []}
    for t in range(steps):
        if batch_size is None or batch_size >= len(Xs):
            xb, yb = Xs, y
        else:
            chosen = rng.choice(len(Xs), size=batch_size, replace=False)
            xb, yb = Xs[chosen], y[chosen]
        loss, dw, db = hinge_loss_and_gradients(w, b, xb, yb, reg=reg)
        history["loss"].append(loss)
        history["accuracy"].append(float(np.mean(((xb @ w + b) > 0) == yb)))
        step = lr / np.sqrt(1.0 + t)
        w, b = w - step * dw, b - step * db
    svm = LinearSVM(w, b, mean, std, history=history, features=features, work_size=work_size)
    Xc, yc = (X, y) if calibrate_on is None else _check_training(*calibrate_on)
    score = svm.decision(Xc)
    svm.temperature = calibration.fit_temperature(np.stack([np.zeros_like(score), score], axis=-1), yc)
    return svm


# --- 3. a 1×1-convolution head in Keras -----------------------------------------------------------


def build_conv_head(n_features: int, *, name: str = "pixel_head"):
    """Return a Keras model ``N×H×W×F → N×H×W×2`` probabilities: ``Conv2D(2, 1)`` and a softmax over channels.

    The layers carry the U-Net's names, ``head_logits`` and ``head_softmax``:
    this *is* the U-Net's head, fed hand-made features instead of learned ones.
    A 1×1 kernel sees one pixel at a time, so it is a dense layer applied at every pixel.
    """
    import keras
    from keras import layers

    if not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"n_features must be a positive int, got {n_features!r}")
    inputs = keras.Input(shape=(None, None, int(n_features)), name="features")     # N×H×W×F
    logits = layers.Conv2D(2, 1, name="head_logits")(inputs)                      # N×H×W×2
    probs = layers.Softmax(axis=-1, name="head_softmax")(logits)                   # over the channel axis
    return keras.Model(inputs, probs, name=name)


class ConvHead(LinearPixelClassifier):
    """The 1×1-convolution head as a per-pixel classifier: ``self.model`` is the Keras model, on raw features."""

    name = "1×1 conv head (Keras)"

    def __init__(self, model, *, history: dict | None = None,
                 features: Callable[[np.ndarray], np.ndarray] = pixel_features, work_size: int | None = WORK_SIZE):
        super().__init__(features, work_size)
        self.model = model
        self.history = history or {}

    @classmethod
    def from_weights(cls, W, b, **kwargs) -> ConvHead:
        """Return a head whose 1×1 kernel is ``W`` (F×2) and bias ``b`` (2): a dense layer per pixel."""
        W, b = np.asarray(W, np.float32), np.asarray(b, np.float32)
        if W.ndim != 2 or W.shape[1] != 2 or b.shape != (2,):
            raise ValueError(f"W must be F×2 and b 2, got {W.shape} and {b.shape}")
        model = build_conv_head(W.shape[0])
        model.get_layer("head_logits").set_weights([W[None, None], b])     # kernel 1×1×F×2
        return cls(model, **kwargs)

    @classmethod
    def from_logistic_regression(cls, logreg: LogisticRegression) -> ConvHead:
        """Return the head computing exactly ``logreg``'s probabilities, its weights copied into the 1×1 kernel."""
        W, b = logreg.softmax_weights()
        return cls.from_weights(W, b, features=logreg.features, work_size=logreg.work_size)

    def softmax_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the kernel as ``(W, b)``, F×2 and 2 float64."""
        kernel, bias = self.model.get_layer("head_logits").get_weights()
        return kernel[0, 0].astype(np.float64), bias.astype(np.float64)

    def linear_weights(self) -> tuple[np.ndarray, float]:
        W, b = self.softmax_weights()
        return W[:, 1] - W[:, 0], float(b[1] - b[0])

    def probability(self, X) -> np.ndarray:
        W, b = self.softmax_weights()
        X = np.asarray(X, np.float64)
        if X.ndim != 2 or X.shape[1] != len(W):
            raise ValueError(f"X must be M×{len(W)} features, got shape {X.shape}")
        return scratch.softmax(X @ W + b)[:, 1]

    def probability_map(self, feats: np.ndarray) -> np.ndarray:
        """Return P(object) of a feature image (H×W×F) from the Keras model itself: channel 1 of its NHWC output."""
        out = run_model(self.model, np.asarray(feats, np.float32)[None], 1)    # 1×H×W×2
        return out[0, ..., 1]


def train_conv_head(X, y, *, epochs: int = 5, batch_size: int = 512, lr: float = 0.05, seed: int = 0,
                    features: Callable[[np.ndarray], np.ndarray] = pixel_features,
                    work_size: int | None = WORK_SIZE) -> ConvHead:
    """Return a :class:`ConvHead` trained with Keras (Adam, cross-entropy) on the same pixels as the others.

    Each training pixel is fed as a 1×1 "image" (``M×1×1×F``): a 1×1 convolution
    sees nothing else anyway. The features are standardised for training, and the
    standardisation is then folded into the kernel, so the finished model takes
    raw feature images of any size. ``seed`` goes to ``keras.utils.set_random_seed``
    (initial kernel and batch order; it also reseeds Python's and NumPy's global generators).
    """
    import keras

    X, y = _check_training(X, y)
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    Xs, mean, std = _standardise(X)
    keras.utils.set_random_seed(seed)
    model = build_conv_head(X.shape[1])
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="categorical_crossentropy")
    onehot = np.eye(2, dtype=np.float32)[y]
    fit = model.fit(Xs[:, None, None, :].astype(np.float32), onehot[:, None, None, :], epochs=int(epochs),
                    batch_size=batch_size, shuffle=True, verbose=0)
    kernel, bias = model.get_layer("head_logits").get_weights()
    W = kernel[0, 0].astype(np.float64) / std[:, None]
    head = ConvHead.from_weights(W, bias - mean @ W, history=dict(fit.history), features=features,
                                 work_size=work_size)
    return head


def feature_image(classifier: LinearPixelClassifier, rgb) -> np.ndarray:
    """Return the feature image the classifier sees for a photo (scaled to its working size), H×W×F float32."""
    return np.asarray(classifier.features(scale_to_work_size(rgb, classifier.work_size)), np.float32)


# --- learned features: what the U-Net feeds its head ----------------------------------------------


def unet_features(model, *, layer: str = "head_logits", size: int = WORK_SIZE
                  ) -> Callable[[np.ndarray], np.ndarray]:
    """Return ``features(rgb) -> H×W×C float32``: the U-Net's learned features at the input of its ``layer``.

    With the default, these are the C channels the U-Net's own 1×1 head reads.
    A linear classifier trained on them shows how much of the U-Net's lead over
    the hand-made features is in the features rather than in the head. The photo
    goes through :func:`course_lib.inference.predict_maps`, like every prediction.
    """
    trunk = layer_model(model, layer, at="input")

    def features(rgb):
        return predict_maps(trunk, [rgb], size=size)[0]

    return features

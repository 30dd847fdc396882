"""The trained U-Net run with the course's own NumPy layers and Keras's weights.

Lesson 02 wrote ``conv2d``, pooling and softmax in NumPy and held them to
TensorFlow; this module puts those pieces together, level by level, in the order
of the architecture diagram, reading each layer's weights out of the Keras
model. If every activation matches Keras's, nothing in the network is magic:
it is convolutions, batch normalisation, ReLU, max pooling, bilinear
up-sampling, concatenation and a softmax over the two channels of each pixel.

Examples
--------
>>> from course_lib.unet import build_unet
>>> model = build_unet(16, base_filters=4, depth=2)
>>> x = np.random.default_rng(0).random((1, 16, 16, 3))
>>> acts = forward(model, x)
>>> acts["pool2"].shape, acts["head_softmax"].shape, acts["head_softmax"].dtype
((1, 4, 4, 8), (1, 16, 16, 2), dtype('float64'))
>>> theirs = keras_activations(model, x, ["head_softmax"])["head_softmax"]
>>> float(np.abs(acts["head_softmax"] - theirs).max()) < 1e-5        # NumPy agrees with Keras
True
"""

from __future__ import annotations

import numpy as np

from course_lib import scratch

__all__ = ["forward", "keras_activations", "batch_norm_inference", "upsample_bilinear"]


def batch_norm_inference(x: np.ndarray, gamma, beta, mean, variance, epsilon: float) -> np.ndarray:
    """Return ``gamma · (x − mean) / sqrt(variance + epsilon) + beta`` over the channel axis.

    That is what batch normalisation does when predicting.
    """
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def _source_index(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (lower index, upper index, weight of upper) for half-pixel-centred linear resizing."""
    src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    src = np.clip(src, 0, n_in - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, (src - lo).astype(np.float64)


def upsample_bilinear(x: np.ndarray, factor: int = 2) -> np.ndarray:
    """Return ``x`` (N×H×W×C) enlarged ``factor`` times by bilinear interpolation with half-pixel centres.

    The same sampling as ``tf.image.resize(..., "bilinear")`` and Keras's
    ``UpSampling2D(interpolation="bilinear")``: output pixel ``i`` looks at
    input position ``(i + 0.5) / factor − 0.5``, clamped to the image.

    Examples
    --------
    >>> row = np.array([0.0, 4.0]).reshape(1, 1, 2, 1)
    >>> upsample_bilinear(row)[0, 0, :, 0]
    array([0., 1., 3., 4.])
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"x must be N×H×W×C, got shape {x.shape}")
    _, h, w, _ = x.shape
    lo, hi, t = _source_index(h * factor, h)
    rows = x[:, lo] * (1 - t)[None, :, None, None] + x[:, hi] * t[None, :, None, None]
    lo, hi, t = _source_index(w * factor, w)
    return rows[:, :, lo] * (1 - t)[None, None, :, None] + rows[:, :, hi] * t[None, None, :, None]


def _depth(model) -> int:
    return sum(1 for layer in model.layers if layer.name.startswith("pool"))


def _conv_block(model, x: np.ndarray, prefix: str, acts: dict) -> np.ndarray:
    for i in (1, 2):
        conv = model.get_layer(f"{prefix}_conv{i}")
        weights = conv.get_weights()
        x = scratch.conv2d(x, weights[0], weights[1] if len(weights) > 1 else None, padding="same")
        acts[conv.name] = x
        bn = model.get_layer(f"{prefix}_bn{i}")
        gamma, beta, mean, variance = bn.get_weights()
        x = acts[bn.name] = batch_norm_inference(x, gamma, beta, mean, variance, bn.epsilon)
        x = acts[f"{prefix}_relu{i}"] = scratch.relu(x)
    return x


def forward(model, x: np.ndarray, *, upto: str | None = None) -> dict[str, np.ndarray]:
    """Return every activation of a :func:`course_lib.unet.build_unet` model, computed in NumPy.

    Parameters
    ----------
    model : keras.Model built by ``build_unet`` (its layer names are the map)
    x : N×H×W×3 float array in [0, 1]
    upto : str, optional
        Stop after the layer of this name (e.g. ``"enc1_relu2"``: just the first block).

    Returns
    -------
    dict
        Layer name → activation (float64, NHWC), in the order computed.
    """
    x = np.asarray(x, dtype=np.float64)
    acts: dict[str, np.ndarray] = {"image": x}
    depth, skips = _depth(model), []

    def done() -> bool:
        return upto is not None and upto in acts

    for level in range(1, depth + 1):
        x = _conv_block(model, x, f"enc{level}", acts)
        if done():
            return acts
        skips.append(x)
        x = acts[f"pool{level}"] = scratch.max_pool2d(x, 2)
    x = _conv_block(model, x, "bottleneck", acts)        # dropout does nothing when predicting
    for level in range(depth, 0, -1):
        x = acts[f"dec{level}_up"] = upsample_bilinear(x, 2)
        x = acts[f"dec{level}_concat"] = np.concatenate([x, skips[level - 1]], axis=-1)
        x = _conv_block(model, x, f"dec{level}", acts)
        if done():
            return acts
    head = model.get_layer("head_logits")
    kernel, bias = head.get_weights()
    logits = acts["head_logits"] = scratch.conv2d(x, kernel, bias)
    acts["head_softmax"] = scratch.softmax(logits, axis=-1)
    return acts


def keras_activations(model, x: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    """Return Keras's own activations of the named layers for ``x`` (for comparing with :func:`forward`)."""
    import keras

    probe = keras.Model(model.input, [model.get_layer(n).output for n in names])
    outputs = probe(np.asarray(x, np.float32), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {n: np.asarray(o) for n, o in zip(names, outputs)}

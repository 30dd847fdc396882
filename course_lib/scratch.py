"""A CNN's building blocks in plain NumPy: convolution, pooling, activations, softmax, losses — and their gradients.

Lessons 02 and 03 build these by hand so that nothing in a Keras layer is
magic. The library's versions are the references the exercises are checked
against, and the tests hold them to TensorFlow's numbers.

Conventions (as in TensorFlow/Keras):

- images and feature maps are ``N×H×W×C`` (NHWC), float32 or float64;
- a convolution kernel is ``kh×kw×C×O`` (height, width, input channels,
  output channels), bias ``O``;
- ``padding="valid"`` uses no padding; ``padding="same"`` pads so that the
  output has ``ceil(H / stride)`` rows, exactly like TensorFlow's ``"SAME"``:
  when the total padding is odd, the extra row/column goes at the bottom/right.

Every layer comes three ways, in the style of the CS231n assignments: a plain
function (``conv2d``) that returns the output; ``*_forward`` that returns
``(out, cache)``; and ``*_backward(dout, cache)`` that returns the gradients of
a scalar loss with respect to the inputs, given ``dout``, its gradient with
respect to the output. :func:`numerical_gradient` and :func:`relative_error`
check a backward pass against finite differences.

What a convolution layer computes (cross-correlation; see ERRATA item 1 (docs/ERRATA.md#item-1))::

    Y[n, i, j, o] = b[o] + Σ_{u,v,c} W[u, v, c, o] · X[n, i·s + u·d, j·s + v·d, c]

with stride ``s``, dilation ``d`` and ``X`` already padded.

>>> x = np.arange(16.0).reshape(1, 4, 4, 1)
>>> w = np.ones((2, 2, 1, 1))
>>> conv2d(x, w)[0, :, :, 0]
array([[10., 14., 18.],
       [26., 30., 34.],
       [42., 46., 50.]])
>>> max_pool2d(x, 2)[0, :, :, 0]
array([[ 5.,  7.],
       [13., 15.]])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "PADDINGS", "same_padding", "output_size",
    "conv2d", "conv2d_forward", "conv2d_backward", "conv2d_naive", "true_convolution2d",
    "max_pool2d", "max_pool2d_forward", "max_pool2d_backward",
    "avg_pool2d", "avg_pool2d_forward", "avg_pool2d_backward",
    "relu", "relu_forward", "relu_backward", "sigmoid", "sigmoid_forward", "sigmoid_backward",
    "softmax", "softmax_forward", "softmax_backward",
    "cross_entropy", "cross_entropy_forward", "cross_entropy_backward",
    "softmax_cross_entropy", "softmax_cross_entropy_forward", "softmax_cross_entropy_backward",
    "mse", "mse_forward", "mse_backward", "numerical_gradient", "relative_error",
]

PADDINGS = ("valid", "same")

# --- checks and sizes ----------------------------------------------------------------------------


def _as_float(array, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``array`` as float32/float64 (other numbers become float64), checking its rank."""
    array = np.asarray(array)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float64)
    if ndim is not None and array.ndim != ndim:
        layout = {4: "N×H×W×C", 2: "N×K"}.get(ndim, f"{ndim}-D")
        raise ValueError(f"{name} must be {layout} ({ndim} axes), got shape {array.shape}")
    return array


def _positive_pair(value, name: str) -> tuple[int, int]:
    """Return ``value`` (an int or a pair of ints) as a pair of positive ints."""
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{name} must be a positive int or a pair of them, got {value!r}")
    if min(pair) < 1:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_padding(padding) -> str:
    text = padding.lower() if isinstance(padding, str) else padding
    if text not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return text


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """Return TensorFlow's ``"SAME"`` padding ``(before, after)`` along one axis.

    The output has ``ceil(size / stride)`` positions; the padding needed for that
    is split in two, the odd one out going *after* (bottom/right).

    >>> same_padding(5, 3), same_padding(6, 3, stride=2), same_padding(4, 2)
    ((1, 1), (0, 1), (0, 1))
    """
    span = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def output_size(size: int, kernel: int, stride: int = 1, padding: str = "valid", dilation: int = 1) -> int:
    """Return the number of output positions along one axis of a convolution or pooling.

    ``"valid"``: ``floor((size − span) / stride) + 1`` with ``span = (kernel − 1)·dilation + 1``;
    ``"same"``: ``ceil(size / stride)``.

    >>> output_size(128, 3), output_size(128, 3, padding="same"), output_size(128, 3, 2, "same")
    (126, 128, 64)
    """
    padding = _check_padding(padding)
    span = (kernel - 1) * dilation + 1
    if padding == "same":
        return -(-size // stride)
    return max((size - span) // stride + 1, 0)


def _pad_hw(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], padding: str,
            dilation: tuple[int, int] = (1, 1), value: float = 0.0) -> tuple[np.ndarray, tuple]:
    """Return ``x`` padded on H and W as ``padding`` asks, and the pads ((top, bottom), (left, right))."""
    if padding == "valid":
        return x, ((0, 0), (0, 0))
    pads = tuple(same_padding(x.shape[1 + a], kernel[a], stride[a], dilation[a]) for a in (0, 1))
    if not any(sum(p) for p in pads):
        return x, pads
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=value), pads


def _check_fits(x_shape, kernel, dilation, padding, what: str) -> None:
    for axis, name in ((0, "height"), (1, "width")):
        span = (kernel[axis] - 1) * dilation[axis] + 1
        if padding == "valid" and x_shape[1 + axis] < span:
            raise ValueError(f"the {what} spans {span} pixels in {name} but the input is only "
                             f"{x_shape[1 + axis]} high/wide: use padding='same' or a smaller {what}")


# --- convolution -----------------------------------------------------------------------------------


def _conv_args(x, w, b, stride, padding, dilation):
    x = _as_float(x, "x", 4)
    w = _as_float(w, "w", 4)
    if w.shape[2] != x.shape[3]:
        raise ValueError(f"w has {w.shape[2]} input channels (w.shape[2]) but x has {x.shape[3]} "
                         f"(x.shape[3]); w must be kh×kw×C×O, got {w.shape} for x {x.shape}")
    dtype = np.result_type(x, w)
    if b is None:
        b = np.zeros(w.shape[3], dtype)
    else:
        b = _as_float(b, "b")
        if b.shape != (w.shape[3],):
            raise ValueError(f"b must have one value per output channel, shape ({w.shape[3]},), got {b.shape}")
    stride = _positive_pair(stride, "stride")
    dilation = _positive_pair(dilation, "dilation")
    padding = _check_padding(padding)
    _check_fits(x.shape, w.shape[:2], dilation, padding, "kernel")
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False), \
        stride, padding, dilation


def _windows(xp: np.ndarray, kernel, stride, dilation, out_hw) -> np.ndarray:
    """Return a strided view N×Ho×Wo×kh×kw×C of the windows of the padded input (no copy)."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    view = sliding_window_view(xp, (span_h, span_w), axis=(1, 2))      # N×H'×W'×C×span_h×span_w
    view = view[:, : (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw, :, ::dh, ::dw]
    return view.transpose(0, 1, 2, 4, 5, 3)                            # channels last: C is contiguous


def conv2d_forward(x, w, b=None, *, stride=1, padding: str = "valid", dilation=1):
    """Return ``(out, cache)``: the 2-D convolution (cross-correlation) of ``x`` with ``w``, plus ``b``.

    Vectorised as im2col: every window of the padded input becomes one row of a
    matrix (a strided view, copied once), and one matrix product with the
    kernel gives every output value.

    Parameters
    ----------
    x : N×H×W×C float32 or float64
        Input images or feature maps.
    w : kh×kw×C×O float
        Kernels, TensorFlow's layout.
    b : O float, optional
        One bias per output channel (default zeros).
    stride : int or (int, int)
        Step of the window in rows and columns.
    padding : {"valid", "same"}
        ``"same"`` pads with zeros exactly as TensorFlow's ``"SAME"``.
    dilation : int or (int, int)
        Spacing between kernel taps (``1``: an ordinary kernel).

    Returns
    -------
    out : N×Ho×Wo×O, the dtype of ``x`` and ``w`` combined
    cache : tuple for :func:`conv2d_backward`
    """
    x, w, b, stride, padding, dilation = _conv_args(x, w, b, stride, padding, dilation)
    kh, kw, c, o = w.shape
    xp, pads = _pad_hw(x, (kh, kw), stride, padding, dilation)
    ho = output_size(x.shape[1], kh, stride[0], padding, dilation[0])
    wo = output_size(x.shape[2], kw, stride[1], padding, dilation[1])
    cols = _windows(xp, (kh, kw), stride, dilation, (ho, wo)).reshape(-1, kh * kw * c)  # the one copy
    out = (cols @ w.reshape(kh * kw * c, o) + b).reshape(x.shape[0], ho, wo, o)
    return out, (x.shape, xp.shape, pads, cols, w, stride, dilation)


def conv2d(x, w, b=None, *, stride=1, padding: str = "valid", dilation=1) -> np.ndarray:
    """Return the 2-D convolution layer's output, N×Ho×Wo×O, as ``tf.nn.conv2d`` computes it (plus ``b``).

    See :func:`conv2d_forward` for the parameters. Like every CNN library, this is
    cross-correlation: the kernel is not flipped (:func:`true_convolution2d` flips it).

    >>> sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)[:, :, None, None]
    >>> step = np.repeat([[0, 0, 1, 1]], 3, axis=0).reshape(1, 3, 4, 1)   # dark → bright
    >>> conv2d(step, sobel_x)[0, 0, :, 0]                                 # positive on the rising edge
    array([4., 4.])
    """
    return conv2d_forward(x, w, b, stride=stride, padding=padding, dilation=dilation)[0]


def conv2d_backward(dout, cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(dx, dw, db)``, the gradients of the loss with respect to ``x``, ``w`` and ``b``.

    ``dout`` is N×Ho×Wo×O, the gradient with respect to :func:`conv2d_forward`'s output.
    ``dw`` is one matrix product of the cached windows with ``dout``; ``dx``
    sends each output's gradient back through every kernel tap (kh·kw strided adds).
    """
    x_shape, xp_shape, pads, cols, w, (sh, sw), (dh, dw_) = cache
    kh, kw, c, o = w.shape
    dout = np.asarray(dout, dtype=w.dtype)
    n, ho, wo, _ = dout.shape
    d2 = dout.reshape(-1, o)
    db = d2.sum(axis=0)
    dw = (cols.T @ d2).reshape(kh, kw, c, o)
    dxp = np.zeros(xp_shape, w.dtype)
    for u in range(kh):
        for v in range(kw):
            rows = slice(u * dh, u * dh + (ho - 1) * sh + 1, sh)
            columns = slice(v * dw_, v * dw_ + (wo - 1) * sw + 1, sw)
            dxp[:, rows, columns, :] += dout @ w[u, v].T
    (top, _), (left, _) = pads
    dx = dxp[:, top: top + x_shape[1], left: left + x_shape[2], :]
    return dx, dw, db


def conv2d_naive(x, w, b=None, *, stride=1, padding: str = "valid", dilation=1) -> np.ndarray:
    """Return the same as :func:`conv2d`, computed by seven plain loops — the formula, read aloud.

    For teaching and for checking: it is several hundred times slower than
    :func:`conv2d`. Use it on inputs of a few dozen pixels.
    """
    x, w, b, (sh, sw), padding, (dh, dw) = _conv_args(x, w, b, stride, padding, dilation)
    kh, kw, c_in, c_out = w.shape
    xp, _ = _pad_hw(x, (kh, kw), (sh, sw), padding, (dh, dw))
    ho = output_size(x.shape[1], kh, sh, padding, dh)
    wo = output_size(x.shape[2], kw, sw, padding, dw)
    out = np.zeros((x.shape[0], ho, wo, c_out), x.dtype)
    for n in range(x.shape[0]):
        for i in range(ho):
            for j in range(wo):
                for o in range(c_out):
                    total = b[o]
                    for u in range(kh):
                        for v in range(kw):
                            for c in range(c_in):
                                total += w[u, v, c, o] * xp[n, i * sh + u * dh, j * sw + v * dw, c]
                    out[n, i, j, o] = total
    return out


def true_convolution2d(x, w, b=None, *, stride=1, padding: str = "valid") -> np.ndarray:
    """Return the mathematical convolution: :func:`conv2d` with the kernel flipped in both axes.

    For a learned kernel the difference does not matter (the network learns the
    flipped weights); for a hand-made, asymmetric kernel such as Sobel it flips
    the sign of the answer.
    """
    w = _as_float(w, "w", 4)
    return conv2d(x, w[::-1, ::-1], b, stride=stride, padding=padding)


# --- pooling ----------------------------------------------------------------------------------------


def _pool_args(x, pool_size, stride, padding):
    x = _as_float(x, "x", 4)
    pool = _positive_pair(pool_size, "pool_size")
    stride = pool if stride is None else _positive_pair(stride, "stride")
    padding = _check_padding(padding)
    _check_fits(x.shape, pool, (1, 1), padding, "pooling window")
    ho = output_size(x.shape[1], pool[0], stride[0], padding)
    wo = output_size(x.shape[2], pool[1], stride[1], padding)
    return x, pool, stride, padding, (ho, wo)


def _pool_windows(xp, pool, stride, out_hw) -> np.ndarray:
    """Return the windows N×Ho×Wo×C×(ph·pw) of the padded input (a copy)."""
    (ph, pw), (sh, sw), (ho, wo) = pool, stride, out_hw
    view = sliding_window_view(xp, (ph, pw), axis=(1, 2))[:, : (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw]
    return view.reshape(view.shape[:4] + (ph * pw,))


def max_pool2d_forward(x, pool_size=2, stride=None, padding: str = "valid"):
    """Return ``(out, cache)``: the maximum of each ``pool_size`` window, N×Ho×Wo×C.

    Parameters
    ----------
    x : N×H×W×C float
    pool_size : int or (int, int)
        Window height and width.
    stride : int or (int, int), optional
        Step of the window; defaults to ``pool_size`` (windows side by side, as Keras does).
    padding : {"valid", "same"}
        ``"same"`` pads as TensorFlow does, and padded cells never win the maximum.

    Returns
    -------
    out : N×Ho×Wo×C, the dtype of ``x``
    cache : tuple for :func:`max_pool2d_backward`
    """
    x, pool, stride, padding, out_hw = _pool_args(x, pool_size, stride, padding)
    xp, pads = _pad_hw(x, pool, stride, padding, value=-np.inf)
    windows = _pool_windows(xp, pool, stride, out_hw)
    arg = windows.argmax(axis=-1)
    out = np.take_along_axis(windows, arg[..., None], axis=-1)[..., 0]
    return out, (x.shape, xp.shape, pads, pool, stride, arg)


def max_pool2d(x, pool_size=2, stride=None, padding: str = "valid") -> np.ndarray:
    """Return the max-pooled feature map, N×Ho×Wo×C, as ``tf.nn.max_pool2d`` computes it.

    ``P[n, i, j, c] = max_{0≤u<ph, 0≤v<pw} F[n, i·s + u, j·s + v, c]``
    (ERRATA item 2 (docs/ERRATA.md#item-2)).
    See :func:`max_pool2d_forward` for the parameters.
    """
    return max_pool2d_forward(x, pool_size, stride, padding)[0]


def max_pool2d_backward(dout, cache) -> np.ndarray:
    """Return ``dx``: each output's gradient goes to the input that was the maximum of its window.

    (Ties go to the first maximum in row-major order, as in most libraries.)
    """
    x_shape, xp_shape, pads, (ph, pw), (sh, sw), arg = cache
    dout = np.asarray(dout)
    _, ho, wo, _ = dout.shape
    dxp = np.zeros(xp_shape, np.result_type(dout.dtype, np.float32))
    for u in range(ph):
        for v in range(pw):
            dxp[:, u: u + (ho - 1) * sh + 1: sh, v: v + (wo - 1) * sw + 1: sw] += dout * (arg == u * pw + v)
    (top, _), (left, _) = pads
    return dxp[:, top: top + x_shape[1], left: left + x_shape[2]]


def avg_pool2d_forward(x, pool_size=2, stride=None, padding: str = "valid"):
    """Return ``(out, cache)``: the mean of each window, N×Ho×Wo×C.

    With ``padding="same"`` the mean is over the window's cells that lie inside
    the image (TensorFlow's rule): padding never dilutes the average.
    Parameters as :func:`max_pool2d_forward`.
    """
    x, pool, stride, padding, out_hw = _pool_args(x, pool_size, stride, padding)
    xp, pads = _pad_hw(x, pool, stride, padding)
    inside, _ = _pad_hw(np.ones((1,) + x.shape[1:3] + (1,), x.dtype), pool, stride, padding)
    count = _pool_windows(inside, pool, stride, out_hw).sum(axis=-1)        # 1×Ho×Wo×1
    out = _pool_windows(xp, pool, stride, out_hw).sum(axis=-1) / count
    return out, (x.shape, xp.shape, pads, pool, stride, count)


def avg_pool2d(x, pool_size=2, stride=None, padding: str = "valid") -> np.ndarray:
    """Return the average-pooled feature map, N×Ho×Wo×C, as ``tf.nn.avg_pool2d`` computes it.

    See :func:`avg_pool2d_forward` for the parameters.
    """
    return avg_pool2d_forward(x, pool_size, stride, padding)[0]


def avg_pool2d_backward(dout, cache) -> np.ndarray:
    """Return ``dx``: each output's gradient, shared equally among the inside cells of its window."""
    x_shape, xp_shape, pads, (ph, pw), (sh, sw), count = cache
    dout = np.asarray(dout)
    _, ho, wo, _ = dout.shape
    share = dout / count
    dxp = np.zeros(xp_shape, np.result_type(dout.dtype, np.float32))
    for u in range(ph):
        for v in range(pw):
            dxp[:, u: u + (ho - 1) * sh + 1: sh, v: v + (wo - 1) * sw + 1: sw] += share
    (top, _), (left, _) = pads
    return dxp[:, top: top + x_shape[1], left: left + x_shape[2]]


# --- activations ------------------------------------------------------------------------------------


def relu_forward(x):
    """Return ``(max(x, 0), cache)``, same shape and dtype as ``x``."""
    x = _as_float(x, "x")
    return np.maximum(x, 0), x


def relu(x) -> np.ndarray:
    """Return ``max(x, 0)`` element-wise, the rectified linear unit (§3.1)."""
    return relu_forward(x)[0]


def relu_backward(dout, cache) -> np.ndarray:
    """Return ``dx = dout`` where the input was positive, 0 elsewhere (the derivative at 0 is taken as 0)."""
    return np.asarray(dout) * (cache > 0)


def sigmoid_forward(x):
    """Return ``(1 / (1 + exp(−x)), cache)``, computed without overflow for large ``|x|``."""
    x = _as_float(x, "x")
    e = np.exp(-np.abs(x))                          # never overflows
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, out


def sigmoid(x) -> np.ndarray:
    """Return the logistic sigmoid ``1 / (1 + exp(−x))`` element-wise, values in (0, 1)."""
    return sigmoid_forward(x)[0]


def sigmoid_backward(dout, cache) -> np.ndarray:
    """Return ``dx = dout · σ(x) · (1 − σ(x))``."""
    return np.asarray(dout) * cache * (1 - cache)


# --- softmax and losses ----------------------------------------------------------------------------


def softmax_forward(z, axis: int = -1):
    """Return ``(softmax(z), cache)``; see :func:`softmax`."""
    z = _as_float(z, "z")
    shifted = z - z.max(axis=axis, keepdims=True)   # exp(≤ 0) never overflows; the result is unchanged
    e = np.exp(shifted)
    p = e / e.sum(axis=axis, keepdims=True)
    return p, (p, axis)


def softmax(z, axis: int = -1) -> np.ndarray:
    """Return ``exp(z) / Σ exp(z)`` along ``axis``: non-negative, summing to 1 — class probabilities.

    Numerically stable: the maximum is subtracted first, so logits of 1000 give
    probabilities, not ``nan``.

    >>> softmax(np.array([1000.0, 1000.0, -1000.0]))
    array([0.5, 0.5, 0. ])
    """
    return softmax_forward(z, axis)[0]


def softmax_backward(dout, cache) -> np.ndarray:
    """Return ``dz = p · (dout − Σ dout·p)``, the softmax Jacobian applied to ``dout``."""
    p, axis = cache
    dout = np.asarray(dout)
    return p * (dout - (dout * p).sum(axis=axis, keepdims=True))


def _check_targets(probs: np.ndarray, targets, name: str = "targets") -> np.ndarray:
    targets = _as_float(targets, name)
    if targets.shape != probs.shape:
        raise ValueError(f"{name} must have the shape of the predictions {probs.shape} "
                         f"(one-hot or probabilities on the last axis), got {targets.shape}")
    return targets


def cross_entropy_forward(probs, targets, *, eps: float = 1e-7):
    """Return ``(loss, cache)``; see :func:`cross_entropy`."""
    probs = _as_float(probs, "probs")
    targets = _check_targets(probs, targets)
    if probs.ndim < 1 or probs.size == 0:
        raise ValueError(f"probs must have at least one class axis and values, got shape {probs.shape}")
    clipped = np.clip(probs, eps, 1 - eps)
    count = probs.size // probs.shape[-1]
    loss = float(-(targets * np.log(clipped)).sum() / count)
    return loss, (probs, targets, eps, count)


def cross_entropy(probs, targets, *, eps: float = 1e-7) -> float:
    """Return the mean categorical cross-entropy ``−Σ_k t_k log p_k`` over every sample.

    Parameters
    ----------
    probs : ...×K float
        Predicted class probabilities on the last axis (e.g. :func:`softmax` output).
    targets : ...×K float
        One-hot labels (or target probabilities), same shape.
    eps : float
        Probabilities are clipped to ``[eps, 1 − eps]`` before the log, as Keras does,
        so a confident mistake costs ``−log(eps) ≈ 16``, not infinity.

    Returns
    -------
    float, averaged over all axes but the last (Keras' ``categorical_crossentropy``).
    """
    return cross_entropy_forward(probs, targets, eps=eps)[0]


def cross_entropy_backward(dloss, cache) -> np.ndarray:
    """Return ``dprobs = −dloss · t / p / count`` (0 where ``p`` was clipped)."""
    probs, targets, eps, count = cache
    inside = (probs >= eps) & (probs <= 1 - eps)
    return np.where(inside, -float(dloss) * targets / np.clip(probs, eps, 1) / count, 0.0)


def softmax_cross_entropy_forward(logits, targets, axis: int = -1):
    """Return ``(loss, cache)``: :func:`cross_entropy` of ``softmax(logits)``, computed from logits.

    Working with ``log softmax = z − max − log Σ exp(z − max)`` never takes the
    log of 0, so no clipping is needed. ``axis`` must be the last axis.
    """
    logits = _as_float(logits, "logits")
    targets = _check_targets(logits, targets)
    if axis not in (-1, logits.ndim - 1):
        raise ValueError(f"axis must be the last axis (-1), got {axis}")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    count = logits.size // logits.shape[-1]
    loss = float(-(targets * log_p).sum() / count)
    return loss, (np.exp(log_p), targets, count)


def softmax_cross_entropy(logits, targets) -> float:
    """Return the mean cross-entropy of ``softmax(logits)`` against one-hot ``targets`` (…×K each)."""
    return softmax_cross_entropy_forward(logits, targets)[0]


def softmax_cross_entropy_backward(dloss, cache) -> np.ndarray:
    """Return ``dlogits = dloss · (softmax(logits) − targets) / count`` — the famous simple gradient."""
    p, targets, count = cache
    return float(dloss) * (p - targets) / count


def mse_forward(pred, target):
    """Return ``(loss, cache)``; see :func:`mse`."""
    pred = _as_float(pred, "pred")
    target = _check_targets(pred, target, "target")
    diff = pred - target
    return float(np.mean(diff ** 2)), (diff,)


def mse(pred, target) -> float:
    """Return the mean squared error ``mean((pred − target)²)`` over every element (§4.2's loss).

    Same value as Keras' ``MeanSquaredError`` (mean over the last axis, then over samples).
    """
    return mse_forward(pred, target)[0]


def mse_backward(dloss, cache) -> np.ndarray:
    """Return ``dpred = dloss · 2 (pred − target) / size``."""
    (diff,) = cache
    return float(dloss) * 2 * diff / diff.size


# --- gradient checking -----------------------------------------------------------------------------


def numerical_gradient(f: Callable[[np.ndarray], object], x: np.ndarray, dout=None, *,
                       h: float = 1e-5) -> np.ndarray:
    """Return the central-difference gradient of ``f`` at ``x``, same shape as ``x`` (float64).

    If ``f`` returns a scalar, this is ``∂f/∂x``. If it returns an array, pass
    ``dout`` (same shape as that array): the result is the gradient of
    ``Σ f(x)·dout`` — what a ``*_backward(dout, cache)`` should return.
    ``x`` is changed in place one element at a time and restored; use float64.
    Costs two calls of ``f`` per element of ``x``: keep ``x`` small.

    Examples
    --------
    Hold :func:`conv2d_backward` to finite differences on a 4×4 image and two 3×3 kernels:

    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.normal(size=(1, 4, 4, 1)), rng.normal(size=(3, 3, 1, 2))
    >>> out, cache = conv2d_forward(x, w)
    >>> dout = rng.normal(size=out.shape)
    >>> dx, dw, db = conv2d_backward(dout, cache)
    >>> out.shape, dx.shape, dw.shape, db.shape
    ((1, 2, 2, 2), (1, 4, 4, 1), (3, 3, 1, 2), (2,))
    >>> relative_error(dx, numerical_gradient(lambda v: conv2d(v, w), x, dout)) < 1e-7
    True
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"x must be a float64 NumPy array (changed in place and restored), got "
                        f"{type(x).__name__} of dtype {getattr(x, 'dtype', None)}")
    if h <= 0:
        raise ValueError(f"h must be positive, got {h}")
    weight = None if dout is None else np.asarray(dout, np.float64)

    def scalar() -> float:
        value = f(x)
        if weight is None:
            if np.ndim(value) != 0:
                raise ValueError(f"f returned shape {np.shape(value)}: pass dout to weight its outputs")
            return float(value)
        return float(np.sum(np.asarray(value) * weight))

    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        index = it.multi_index
        keep = x[index]
        x[index] = keep + h
        plus = scalar()
        x[index] = keep - h
        minus = scalar()
        x[index] = keep
        grad[index] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, b) -> float:
    """Return ``max |a − b| / max(|a| + |b|, 1e-8)``: about 1e-7 or less means two gradients agree.

    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0000001])) < 1e-7
    True
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

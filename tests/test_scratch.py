"""course_lib.scratch (and the per-pixel softmax built on it): TensorFlow's numbers, exact gradients, clear errors.

Forward passes are compared with ``tf.nn`` and Keras losses on a grid of
shapes, strides, paddings and dilations in float64; backward passes with
``tf.GradientTape`` and with central differences.
"""

from __future__ import annotations

import keras  # a dependency of the kit: an import that fails is an error, never a skip
import numpy as np
import pytest
import tensorflow as tf

from course_lib import pixel_features, pixel_softmax, scratch

TOL = 1e-5


def rel(a, b) -> float:
    return scratch.relative_error(np.asarray(a), np.asarray(b))


def tf_pairs(value):
    return [1, *value, 1] if isinstance(value, tuple) else value


# shape (N, H, W, C), kernel (kh, kw, O), stride, padding, dilation
CONV_GRID = [
    ((1, 7, 7, 1), (3, 3, 1), 1, "valid", 1),
    ((2, 9, 8, 3), (3, 3, 4), 1, "same", 1),
    ((1, 10, 11, 2), (2, 4, 3), 2, "same", 1),          # even kernel: asymmetric padding
    ((1, 10, 11, 2), (3, 3, 3), 2, "same", 2),          # stride and dilation together
    ((2, 8, 9, 3), (3, 2, 2), (2, 3), "valid", (1, 2)),
    ((1, 12, 12, 4), (5, 5, 2), 3, "same", 1),
    ((3, 6, 5, 2), (1, 1, 5), 1, "valid", 1),            # 1×1 convolution
    ((1, 9, 9, 2), (3, 3, 2), 1, "same", 3),
    ((1, 5, 4, 1), (5, 4, 1), 1, "valid", 1),            # the kernel covers the whole image
    ((1, 13, 7, 3), (4, 3, 2), (3, 1), "same", 1),
]


def conv_case(shape, kernel, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape).astype(dtype)
    w = rng.normal(size=kernel[:2] + (shape[3], kernel[2])).astype(dtype)
    b = rng.normal(size=kernel[2]).astype(dtype)
    return x, w, b


# --- forward passes against TensorFlow ---------------------------------------------------------

@pytest.mark.parametrize("shape, kernel, stride, padding, dilation", CONV_GRID)
def test_conv2d_matches_tensorflow(shape, kernel, stride, padding, dilation):
    x, w, b = conv_case(shape, kernel)
    ours = scratch.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    theirs = tf.nn.conv2d(x, w, strides=tf_pairs(stride), padding=padding.upper(),
                          dilations=tf_pairs(dilation)).numpy() + b
    assert ours.shape == theirs.shape and ours.dtype == np.float64
    assert rel(ours, theirs) < TOL


@pytest.mark.parametrize("shape, kernel, stride, padding, dilation", CONV_GRID[:6])
def test_conv2d_naive_matches_tensorflow(shape, kernel, stride, padding, dilation):
    x, w, b = conv_case(shape, kernel, seed=1)
    ours = scratch.conv2d_naive(x, w, b, stride=stride, padding=padding, dilation=dilation)
    theirs = tf.nn.conv2d(x, w, strides=tf_pairs(stride), padding=padding.upper(),
                          dilations=tf_pairs(dilation)).numpy() + b
    assert rel(ours, theirs) < TOL


def test_conv2d_keeps_float32_and_agrees_with_tensorflow():
    x, w, b = conv_case((1, 16, 16, 8), (3, 3, 8), dtype=np.float32)
    ours = scratch.conv2d(x, w, b, padding="same")
    theirs = tf.nn.conv2d(x, w, 1, "SAME").numpy() + b
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_true_convolution_flips_sobel_sign():
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)[:, :, None, None]
    ramp = np.tile(np.arange(6.0), (6, 1)).reshape(1, 6, 6, 1)       # brighter to the right
    correlation = scratch.conv2d(ramp, sobel)
    convolution = scratch.true_convolution2d(ramp, sobel)
    assert np.all(correlation == 8) and np.all(convolution == -8)
    from scipy.signal import convolve2d
    np.testing.assert_allclose(convolution[0, :, :, 0], convolve2d(ramp[0, :, :, 0], sobel[:, :, 0, 0], "valid"))


# (N, H, W, C), pool size, stride, padding
POOL_GRID = [
    ((1, 8, 8, 2), 2, None, "valid"),
    ((2, 7, 9, 3), 2, None, "same"),
    ((1, 9, 9, 1), 3, 2, "valid"),
    ((1, 9, 10, 2), 3, 2, "same"),
    ((1, 6, 7, 2), (2, 3), (1, 2), "same"),
    ((2, 5, 5, 1), 3, 1, "same"),
    ((1, 11, 6, 2), (4, 2), (3, 2), "same"),
]


@pytest.mark.parametrize("shape, pool, stride, padding", POOL_GRID)
def test_pooling_matches_tensorflow(shape, pool, stride, padding):
    x = np.random.default_rng(2).normal(size=shape)
    tf_stride = pool if stride is None else stride
    ours_max = scratch.max_pool2d(x, pool, stride, padding)
    ours_avg = scratch.avg_pool2d(x, pool, stride, padding)
    theirs_max = tf.nn.max_pool2d(x, pool, tf_stride, padding.upper()).numpy()
    theirs_avg = tf.nn.avg_pool2d(x, pool, tf_stride, padding.upper()).numpy()
    assert ours_max.shape == theirs_max.shape and ours_avg.shape == theirs_avg.shape
    assert rel(ours_max, theirs_max) < TOL
    assert rel(ours_avg, theirs_avg) < TOL


def test_avg_pool_same_divides_by_the_cells_inside():
    x = np.ones((1, 3, 3, 1))
    out = scratch.avg_pool2d(x, 2, 2, "same")                   # windows hang over the edge
    assert out.shape == (1, 2, 2, 1) and np.all(out == 1.0)     # padding never dilutes the mean


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_matches_tensorflow_and_is_stable(axis):
    z = np.random.default_rng(3).normal(size=(4, 5, 3)) * 4
    assert rel(scratch.softmax(z, axis=axis), tf.nn.softmax(z, axis=axis).numpy()) < TOL
    huge = np.array([[1000.0, 999.0, -1000.0]])
    p = scratch.softmax(huge)
    assert np.all(np.isfinite(p)) and rel(p, tf.nn.softmax(huge).numpy()) < TOL


def test_losses_match_keras():
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(6, 5, 4)) * 3
    targets = np.eye(4)[rng.integers(0, 4, size=(6, 5))]
    probs = scratch.softmax(logits)
    keras_ce = keras.losses.CategoricalCrossentropy(dtype="float64")
    keras_ce_logits = keras.losses.CategoricalCrossentropy(from_logits=True, dtype="float64")
    keras_mse = keras.losses.MeanSquaredError(dtype="float64")
    assert rel(scratch.cross_entropy(probs, targets), float(keras_ce(targets, probs))) < TOL
    assert rel(scratch.softmax_cross_entropy(logits, targets), float(keras_ce_logits(targets, logits))) < TOL
    assert rel(scratch.mse(probs, targets), float(keras_mse(targets, probs))) < TOL
    # a confident mistake is clipped as Keras clips it (to 1e-7), not infinite
    certain = np.array([[1.0, 0.0]])
    assert rel(scratch.cross_entropy(certain, np.array([[0.0, 1.0]])),
               float(keras_ce(np.array([[0.0, 1.0]]), certain))) < TOL


def test_activations_match_tensorflow():
    x = np.linspace(-800, 800, 41)
    assert np.array_equal(scratch.relu(x), tf.nn.relu(x).numpy())
    with np.errstate(over="raise"):                              # the stable sigmoid never overflows
        assert rel(scratch.sigmoid(x), tf.math.sigmoid(x).numpy()) < TOL


# --- backward passes against tf.GradientTape ----------------------------------------------------

def tf_dilated_kernel(w, dilation):
    """Return ``w`` with ``dilation − 1`` zeros between taps, differentiably.

    TensorFlow's CPU kernels have no gradient for dilated convolutions; an
    ordinary convolution with the spread-out kernel is the same function.
    """
    dh, dw = (dilation, dilation) if np.isscalar(dilation) else dilation
    kh, kw = w.shape[0], w.shape[1]
    rows = np.eye((kh - 1) * dh + 1)[:, ::dh]          # span×kh: tap u goes to row u·dh
    cols = np.eye((kw - 1) * dw + 1)[:, ::dw]
    return tf.einsum("au,bv,uvco->abco", rows, cols, w)


@pytest.mark.parametrize("shape, kernel, stride, padding, dilation", CONV_GRID)
def test_conv2d_backward_matches_gradient_tape(shape, kernel, stride, padding, dilation):
    x, w, b = conv_case(shape, kernel, seed=5)
    out, cache = scratch.conv2d_forward(x, w, b, stride=stride, padding=padding, dilation=dilation)
    dout = np.random.default_rng(6).normal(size=out.shape)
    dx, dw, db = scratch.conv2d_backward(dout, cache)
    xt, wt, bt = (tf.Variable(v) for v in (x, w, b))
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(xt, tf_dilated_kernel(wt, dilation), strides=tf_pairs(stride),
                         padding=padding.upper()) + bt
        loss = tf.reduce_sum(y * dout)
    gx, gw, gb = tape.gradient(loss, [xt, wt, bt])
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel(dx, gx.numpy()) < TOL and rel(dw, gw.numpy()) < TOL and rel(db, gb.numpy()) < TOL


@pytest.mark.parametrize("shape, pool, stride, padding", POOL_GRID)
def test_pool_backward_matches_gradient_tape(shape, pool, stride, padding):
    x = np.random.default_rng(7).normal(size=shape)
    tf_stride = pool if stride is None else stride
    for forward, backward, op in ((scratch.max_pool2d_forward, scratch.max_pool2d_backward, tf.nn.max_pool2d),
                                  (scratch.avg_pool2d_forward, scratch.avg_pool2d_backward, tf.nn.avg_pool2d)):
        out, cache = forward(x, pool, stride, padding)
        dout = np.random.default_rng(8).normal(size=out.shape)
        xt = tf.Variable(x)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(op(xt, pool, tf_stride, padding.upper()) * dout)
        assert rel(backward(dout, cache), tape.gradient(loss, xt).numpy()) < TOL, op.__name__


def test_activation_and_loss_backwards_match_gradient_tape():
    rng = np.random.default_rng(9)
    z = rng.normal(size=(5, 4)) * 2
    dout = rng.normal(size=z.shape)
    targets = np.eye(4)[rng.integers(0, 4, 5)]
    zt = tf.Variable(z)
    cases = {
        "relu": (scratch.relu_forward, scratch.relu_backward, lambda t: tf.reduce_sum(tf.nn.relu(t) * dout), dout),
        "sigmoid": (scratch.sigmoid_forward, scratch.sigmoid_backward,
                    lambda t: tf.reduce_sum(tf.math.sigmoid(t) * dout), dout),
        "softmax": (scratch.softmax_forward, scratch.softmax_backward,
                    lambda t: tf.reduce_sum(tf.nn.softmax(t) * dout), dout),
        "softmax cross-entropy": (lambda v: scratch.softmax_cross_entropy_forward(v, targets),
                                  scratch.softmax_cross_entropy_backward,
                                  lambda t: tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(targets, t)), 1.0),
        "mse": (lambda v: scratch.mse_forward(v, targets), scratch.mse_backward,
                lambda t: tf.reduce_mean((t - targets) ** 2), 1.0),
    }
    for name, (forward, backward, tf_loss, upstream) in cases.items():
        _, cache = forward(z)
        with tf.GradientTape() as tape:
            loss = tf_loss(zt)
        assert rel(backward(upstream, cache), tape.gradient(loss, zt).numpy()) < TOL, name
    probs = scratch.softmax(z)
    pt = tf.Variable(probs)
    _, cache = scratch.cross_entropy_forward(probs, targets)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(-tf.reduce_sum(targets * tf.math.log(pt), axis=-1))
    assert rel(scratch.cross_entropy_backward(1.0, cache), tape.gradient(loss, pt).numpy()) < TOL


# --- backward passes against numerical gradients ------------------------------------------------

@pytest.mark.parametrize("stride, padding, dilation", [(1, "same", 1), (2, "same", 1), (1, "valid", 2)])
def test_conv2d_backward_matches_numerical_gradient(stride, padding, dilation):
    x, w, b = conv_case((2, 5, 6, 2), (3, 3, 3), seed=10)
    out, cache = scratch.conv2d_forward(x, w, b, stride=stride, padding=padding, dilation=dilation)
    dout = np.random.default_rng(11).normal(size=out.shape)
    dx, dw, db = scratch.conv2d_backward(dout, cache)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    assert rel(dx, scratch.numerical_gradient(lambda v: scratch.conv2d(v, w, b, **kwargs), x, dout)) < 1e-7
    assert rel(dw, scratch.numerical_gradient(lambda v: scratch.conv2d(x, v, b, **kwargs), w, dout)) < 1e-7
    assert rel(db, scratch.numerical_gradient(lambda v: scratch.conv2d(x, w, v, **kwargs), b, dout)) < 1e-7


def test_pool_and_activation_backwards_match_numerical_gradients():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(1, 5, 5, 2))
    for forward, backward in ((scratch.max_pool2d_forward, scratch.max_pool2d_backward),
                              (scratch.avg_pool2d_forward, scratch.avg_pool2d_backward)):
        out, cache = forward(x, 2, 2, "same")
        dout = rng.normal(size=out.shape)
        numeric = scratch.numerical_gradient(lambda v, forward=forward: forward(v, 2, 2, "same")[0], x, dout)
        assert rel(backward(dout, cache), numeric) < 1e-7
    z = rng.normal(size=(3, 4))
    for forward, backward in ((scratch.sigmoid_forward, scratch.sigmoid_backward),
                              (scratch.softmax_forward, scratch.softmax_backward)):
        out, cache = forward(z)
        dout = rng.normal(size=out.shape)
        numeric = scratch.numerical_gradient(lambda v, forward=forward: forward(v)[0], z, dout)
        assert rel(backward(dout, cache), numeric) < 1e-7


def test_numerical_gradient_and_relative_error_helpers():
    x = np.array([1.0, -2.0, 3.0])
    grad = scratch.numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])                 # restored after probing
    assert scratch.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert scratch.relative_error(np.array([1.0]), np.array([-1.0])) == 1.0
    with pytest.raises(TypeError, match="float64"):
        scratch.numerical_gradient(lambda v: v.sum(), x.astype(np.float32))
    with pytest.raises(ValueError, match="pass dout"):
        scratch.numerical_gradient(lambda v: v * 2, x)


# --- sizes, the text's formulas, bad inputs -----------------------------------------------------

def test_same_padding_and_output_size_follow_tensorflow():
    assert scratch.same_padding(5, 3) == (1, 1)
    assert scratch.same_padding(4, 2) == (0, 1)                       # the odd one goes after
    assert scratch.same_padding(6, 3, stride=2) == (0, 1)
    assert scratch.same_padding(9, 3, dilation=2) == (2, 2)
    for size in range(1, 12):
        for k in (1, 2, 3, 5):
            for s in (1, 2, 3):
                y = tf.nn.max_pool2d(np.zeros((1, size, size, 1)), k, s, "SAME")
                assert scratch.output_size(size, k, s, "same") == y.shape[1]
                if size >= k:
                    y = tf.nn.max_pool2d(np.zeros((1, size, size, 1)), k, s, "VALID")
                    assert scratch.output_size(size, k, s, "valid") == y.shape[1]


@pytest.mark.parametrize("call, error, words", [
    (lambda: scratch.conv2d(np.zeros((5, 5, 1)), np.zeros((3, 3, 1, 1))), ValueError, "x must be N×H×W×C"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 3, 1))), ValueError, "input channels"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 2)), np.zeros(3)), ValueError,
     "one value per output channel"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), padding="full"), ValueError,
     "padding must be 'valid' or 'same', got 'full'"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), stride=0), ValueError,
     "stride must be positive, got 0"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), dilation=1.5), TypeError,
     "dilation must be a positive int"),
    (lambda: scratch.conv2d(np.zeros((1, 2, 5, 1)), np.zeros((3, 3, 1, 1))), ValueError,
     "spans 3 pixels in height"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1), dtype=object), np.zeros((3, 3, 1, 1))), TypeError,
     "x must hold numbers"),
    (lambda: scratch.max_pool2d(np.zeros((1, 5, 5, 1)), 0), ValueError, "pool_size must be positive"),
    (lambda: scratch.avg_pool2d(np.zeros((1, 2, 2, 1)), 3), ValueError, "pooling window spans 3"),
    (lambda: scratch.cross_entropy(np.ones((2, 3)) / 3, np.zeros((2, 2))), ValueError,
     "targets must have the shape of the predictions"),
    (lambda: scratch.mse(np.zeros(3), np.zeros(4)), ValueError, "target must have the shape"),
    (lambda: scratch.relative_error(np.zeros(2), np.zeros(3)), ValueError, "a has shape (2,) but b has (3,)"),
])
def test_bad_inputs_raise_naming_the_parameter(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


# --- per-pixel features and the softmax classifier ----------------------------------------------

def _toy_photo(seed=0, size=32):
    rng = np.random.default_rng(seed)
    rgb = np.full((size, size, 3), (200, 205, 210), np.uint8)
    alpha = np.zeros((size, size), np.float32)
    alpha[size // 4: 3 * size // 4, size // 3: 2 * size // 3] = 1
    rgb[alpha > 0] = (180, 40, 30)
    noise = rng.integers(-6, 7, rgb.shape)
    return np.clip(rgb.astype(int) + noise, 0, 255).astype(np.uint8), alpha


def test_pixel_features_shape_range_and_meaning():
    rgb, alpha = _toy_photo()
    feats = pixel_features.pixel_features(rgb)
    assert feats.shape == (32, 32, len(pixel_features.FEATURE_NAMES)) and feats.dtype == np.float32
    assert np.all(np.isfinite(feats)) and feats.min() >= 0 and feats.max() <= 1.5
    border = pixel_features.FEATURE_NAMES.index("distance to border colours")
    inside, outside = feats[..., border][alpha > 0], feats[..., border][alpha == 0]
    assert inside.min() > outside.max()                    # the product's colour is nowhere on the border
    with pytest.raises(ValueError, match="H×W×3 uint8"):
        pixel_features.pixel_features(rgb.astype(np.float32))


def _pixels(seed=0):
    photos = [_toy_photo(seed + i) for i in range(3)]
    rgb = np.stack([p[0] for p in photos])
    alpha = np.stack([p[1] for p in photos])
    return pixel_features.sample_pixels(rgb, alpha, per_image=120, rng=np.random.default_rng(seed))


@pytest.mark.parametrize("loss", pixel_softmax.LOSSES)
def test_classifier_gradient_matches_numerical_gradient(loss):
    X, y = _pixels()
    rng = np.random.default_rng(15)
    Xs = (X - X.mean(0)) / X.std(0).clip(1e-6)
    Y = pixel_softmax.one_hot(y, 2)
    W, b = rng.normal(size=(X.shape[1], 2)), rng.normal(size=2)
    _, dW, db = pixel_softmax.loss_and_gradients(W, b, Xs, Y, loss=loss)
    numeric_W = scratch.numerical_gradient(lambda v: pixel_softmax.loss_and_gradients(v, b, Xs, Y, loss=loss)[0], W)
    numeric_b = scratch.numerical_gradient(lambda v: pixel_softmax.loss_and_gradients(W, v, Xs, Y, loss=loss)[0], b)
    assert rel(dW, numeric_W) < 1e-6 and rel(db, numeric_b) < 1e-6


def test_classifier_learns_and_is_deterministic():
    X, y = _pixels()
    first = pixel_softmax.train_softmax_classifier(X, y, lr=1.0, steps=60, rng=np.random.default_rng(1))
    again = pixel_softmax.train_softmax_classifier(X, y, lr=1.0, steps=60, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(first.W, again.W)
    assert first.history == again.history and len(first.history["loss"]) == 60
    assert first.history["loss"][-1] < 0.5 * first.history["loss"][0]
    assert np.mean(first.predict(X) == y) > 0.97
    rgb, alpha = _toy_photo(seed=9)
    assert first.alpha(rgb).shape == alpha.shape and first.mask(rgb).dtype == bool
    assert np.mean(first.mask(rgb) == (alpha > 0.5)) > 0.95
    X2, y2 = _pixels()
    np.testing.assert_array_equal(X, X2)


def test_classifier_mini_batches_and_confidently_wrong_start():
    X, y = _pixels()
    trained = pixel_softmax.train_softmax_classifier(X, y, lr=1.0, steps=80, rng=np.random.default_rng(2),
                                                     batch_size=64)
    assert np.mean(trained.predict(X) == y) > 0.95
    wrong = (-5 * trained.W, -5 * trained.b)
    ce = pixel_softmax.train_softmax_classifier(X, y, lr=1.0, steps=30, rng=np.random.default_rng(2), init=wrong)
    mse = pixel_softmax.train_softmax_classifier(X, y, lr=1.0, steps=30, rng=np.random.default_rng(2), init=wrong,
                                                 loss="mse")
    assert ce.history["accuracy"][-1] > mse.history["accuracy"][-1] + 0.2   # ERRATA 8: MSE's gradient vanishes


@pytest.mark.parametrize("kwargs, words", [
    (dict(lr=0.0), "lr must be a positive number"),
    (dict(steps=-1), "steps must be a non-negative int"),
    (dict(loss="hinge"), "loss must be one of"),
    (dict(rng=0), "rng must be a numpy.random.Generator"),
    (dict(batch_size=0), "batch_size must be a positive int"),
])
def test_classifier_bad_arguments(kwargs, words):
    X, y = _pixels()
    args = {**dict(lr=1.0, steps=2, rng=np.random.default_rng(0)), **kwargs}
    with pytest.raises((ValueError, TypeError), match=words):
        pixel_softmax.train_softmax_classifier(X, y, **args)
    with pytest.raises(ValueError, match="classes 0..1"):
        pixel_softmax.one_hot(np.array([0, 2]), 2)

"""course_lib.pixel_softmax: gradients checked numerically, training that learns, and a model that repeats for a seed.

The gradient checks follow CS231n: central differences on every weight, compared
by relative error, and a failure says which weight and by how much.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import pixel_softmax as ps
from course_lib import scratch

relative_error = scratch.relative_error          # lesson 02's checker, itself tested in test_scratch.py


def numerical_gradient(f, x, h=1e-5):
    """Central differences of the scalar ``f()`` (which reads ``x``) with respect to every element of ``x``."""
    return scratch.numerical_gradient(lambda _: f(), x, h=h)


def assert_gradient(analytic, numeric, name, tolerance=1e-6):
    error = relative_error(analytic, numeric)
    if error > tolerance:
        worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), np.shape(analytic))
        pytest.fail(f"{name}{list(worst)}: analytic {np.asarray(analytic)[worst]:.6g}, numerical "
                    f"{np.asarray(numeric)[worst]:.6g}; relative error {error:.2e} > {tolerance:.0e}")


def problem(m=12, f=4, k=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, f))
    y = rng.integers(0, k, m)
    W = rng.normal(0, 0.5, (f, k))
    b = rng.normal(0, 0.5, k)
    return W, b, X, ps.one_hot(y, k)


def separable(m=400, seed=0):
    """Two blobs of 3 features whose class is the sign of x0 + x1 (a linear boundary)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3)) * [1.0, 2.0, 0.5] + [0.3, -0.2, 5.0]
    y = (X[:, 0] + 0.5 * X[:, 1] > 0.2).astype(np.int64)
    return X, y


# --- one-hot and the loss values ---------------------------------------------------------------------------


def test_one_hot_rows():
    np.testing.assert_array_equal(ps.one_hot(np.array([1, 0, 2]), 3), [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="classes 0..1"):
        ps.one_hot(np.array([0, 2]), 2)
    with pytest.raises(ValueError, match="integer classes"):
        ps.one_hot(np.array([0.0, 1.0]), 2)


def test_losses_by_hand_at_zero_weights():
    _, _, X, Y = problem(m=6, f=3, k=2)
    W, b = np.zeros((3, 2)), np.zeros(2)
    # every probability is 1/2: cross-entropy ln 2; squared error (1/2)² on each of the K entries
    assert ps.loss_and_gradients(W, b, X, Y)[0] == pytest.approx(math.log(2))
    assert ps.loss_and_gradients(W, b, X, Y, loss="mse")[0] == pytest.approx(0.25)


def test_cross_entropy_by_hand_on_two_samples():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    W = np.array([[2.0, 0.0], [0.0, 1.0]])                   # logits: [2, 0] and [0, 2]
    b = np.array([0.0, 0.0])
    Y = np.array([[1.0, 0.0], [1.0, 0.0]])                   # right with p = σ(2), then wrong with p = σ(−2)
    p_right = 1 / (1 + math.exp(-2))
    expected = -(math.log(p_right) + math.log(1 - p_right)) / 2
    value, dW, db = ps.loss_and_gradients(W, b, X, Y)
    assert value == pytest.approx(expected)
    # dlogits = (p − y) / M; db is its column sum
    dlogits = np.array([[p_right - 1, 1 - p_right], [(1 - p_right) - 1, p_right]]) / 2
    np.testing.assert_allclose(db, dlogits.sum(axis=0))
    np.testing.assert_allclose(dW, X.T @ dlogits)


# --- gradients against central differences -----------------------------------------------------------------


@pytest.mark.parametrize("loss", ps.LOSSES)
@pytest.mark.parametrize("k", [2, 3])
def test_gradients_match_central_differences(loss, k):
    W, b, X, Y = problem(k=k, seed=k)
    _, dW, db = ps.loss_and_gradients(W, b, X, Y, loss=loss)
    value = lambda: ps.loss_and_gradients(W, b, X, Y, loss=loss)[0]          # noqa: E731
    assert_gradient(dW, numerical_gradient(value, W), f"dW ({loss}, K={k})")
    assert_gradient(db, numerical_gradient(value, b), f"db ({loss}, K={k})")


def test_the_gradient_check_can_fail():
    W, b, X, Y = problem()
    _, dW, _ = ps.loss_and_gradients(W, b, X, Y)
    numeric = numerical_gradient(lambda: ps.loss_and_gradients(W, b, X, Y)[0], W)
    assert relative_error(2 * dW, numeric) > 0.1
    assert relative_error(dW, numeric) < 1e-6


def test_bad_loss_and_shapes_are_named():
    W, b, X, Y = problem()
    with pytest.raises(ValueError, match="'hinge'"):
        ps.loss_and_gradients(W, b, X, Y, loss="hinge")
    with pytest.raises(ValueError, match=r"X \(12, 4\) and W \(3, 2\)"):
        ps.loss_and_gradients(W[:3], b, X, Y)


# --- training ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ps.LOSSES)
def test_training_lowers_the_loss_and_separates_separable_data(loss):
    X, y = separable()
    model = ps.train_softmax_classifier(X, y, lr=1.0 if loss == "cross_entropy" else 4.0, steps=200,
                                        rng=np.random.default_rng(0), loss=loss)
    losses = model.history["loss"]
    assert len(losses) == 200 and len(model.history["accuracy"]) == 200
    assert losses[-1] < 0.5 * losses[0], f"{loss}: {losses[0]:.4f} → {losses[-1]:.4f}"
    accuracy = float(np.mean(model.predict(X) == y))
    assert accuracy >= 0.97, f"{loss}: accuracy {accuracy:.3f}"


def test_full_batch_history_is_the_loss_and_accuracy_before_each_step():
    X, y = separable(m=100, seed=1)
    longer = ps.train_softmax_classifier(X, y, lr=0.5, steps=6, rng=np.random.default_rng(3))
    shorter = ps.train_softmax_classifier(X, y, lr=0.5, steps=5, rng=np.random.default_rng(3))
    # the 6th record was made with the weights the 5-step run ended with
    Xs = (X - shorter.mean) / shorter.std
    expected_loss = ps.loss_and_gradients(shorter.W, shorter.b, Xs, ps.one_hot(y, 2))[0]
    assert longer.history["loss"][5] == pytest.approx(expected_loss, rel=1e-12)
    assert longer.history["accuracy"][5] == pytest.approx(float(np.mean(shorter.predict(X) == y)))
    assert longer.history["loss"][:5] == shorter.history["loss"]


def test_features_are_standardised_with_the_training_data_statistics():
    X, y = separable(m=50, seed=2)
    X[:, 2] = 7.0                                        # a constant feature: std 0 must not divide by zero
    model = ps.train_softmax_classifier(X, y, lr=0.5, steps=3, rng=np.random.default_rng(0))
    np.testing.assert_allclose(model.mean, X.mean(axis=0))
    np.testing.assert_allclose(model.std[:2], X[:, :2].std(axis=0))
    assert model.std[2] == 1.0 and np.all(np.isfinite(model.W))
    logits = (X - model.mean) / model.std @ model.W + model.b
    np.testing.assert_allclose(model.logits(X), logits)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(model.predict_proba(X), p / p.sum(axis=1, keepdims=True), atol=1e-12)
    np.testing.assert_array_equal(model.predict(X), logits.argmax(axis=1))


def test_same_seed_same_model_and_another_seed_another():
    X, y = separable(m=200, seed=4)

    def fit(seed):
        return ps.train_softmax_classifier(X, y, lr=0.5, steps=20, batch_size=32, rng=np.random.default_rng(seed))

    a, b, c = fit(9), fit(9), fit(10)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.b, b.b)
    assert a.history == b.history
    assert not np.array_equal(a.W, c.W)


def test_training_does_not_touch_numpys_global_random_state():
    X, y = separable(m=60, seed=5)
    state = np.random.get_state()[1].copy()
    ps.train_softmax_classifier(X, y, lr=0.5, steps=5, batch_size=8, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_zero_steps_keeps_the_given_start():
    X, y = separable(m=30, seed=6)
    W0, b0 = np.arange(6.0).reshape(3, 2), np.array([0.5, -0.5])
    model = ps.train_softmax_classifier(X, y, lr=0.1, steps=0, rng=np.random.default_rng(0), init=(W0, b0))
    np.testing.assert_array_equal(model.W, W0)
    np.testing.assert_array_equal(model.b, b0)
    assert model.history == {"loss": [], "accuracy": []}


def test_the_classifier_cuts_out_a_photo_from_its_own_features():
    # features = the red channel alone: object where red is bright
    rgb = np.zeros((8, 10, 3), np.uint8)
    rgb[2:6, 3:8, 0] = 220
    rgb[..., 0] += np.random.default_rng(0).integers(0, 30, (8, 10)).astype(np.uint8)

    def red(image):
        return image[..., :1].astype(np.float64) / 255

    truth = rgb[..., 0] > 150
    model = ps.train_softmax_classifier(red(rgb).reshape(-1, 1), truth.reshape(-1).astype(int), lr=1.0,
                                        steps=200, rng=np.random.default_rng(0), features=red)
    alpha = model.alpha(rgb)
    assert alpha.shape == (8, 10) and alpha.dtype == np.float32 and 0 <= alpha.min() and alpha.max() <= 1
    np.testing.assert_array_equal(model.mask(rgb), truth)
    np.testing.assert_allclose(alpha, model.predict_proba(red(rgb).reshape(-1, 1))[:, 1].reshape(8, 10), atol=1e-6)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"lr": 0.0}, ValueError, "lr must be a positive number"),
    ({"lr": float("nan")}, ValueError, "lr must be a positive number"),
    ({"steps": -1}, ValueError, "steps must be a non-negative int"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"loss": "hinge"}, ValueError, "'hinge'"),
    ({"rng": 0}, TypeError, "numpy.random.Generator"),
    ({"init": (np.zeros((2, 2)), np.zeros(2))}, ValueError, "init must be"),
])
def test_bad_training_arguments_are_named(kwargs, error, message):
    X, y = separable(m=10)
    args = {"lr": 0.1, "steps": 1, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=message):
        ps.train_softmax_classifier(X, y, **args)


def test_features_and_labels_must_agree_in_length():
    X, y = separable(m=10)
    with pytest.raises(ValueError, match="X has 10 rows but y has 9 labels"):
        ps.train_softmax_classifier(X, y[:9], lr=0.1, steps=1, rng=np.random.default_rng(0))

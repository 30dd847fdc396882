"""course_lib.pixel_classifiers: gradients held to finite differences, and each classifier better than a constant."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import datasets, metrics, pixel_features, pixel_softmax, scratch
from course_lib import pixel_classifiers as pc


@pytest.fixture(scope="module")
def pixels():
    train = datasets.load_split("train", limit=32, progress=False)
    X, y = pixel_features.sample_pixels(train.rgb, train.alpha, per_image=200, rng=np.random.default_rng(0))
    return X, y


@pytest.fixture(scope="module")
def classifiers(pixels):
    X, y = pixels
    return {"logistic regression": pc.train_logistic_regression(X, y, steps=150, rng=np.random.default_rng(1)),
            "linear SVM": pc.train_linear_svm(X, y, steps=150, rng=np.random.default_rng(1)),
            "1×1 conv head": pc.train_conv_head(X, y, epochs=3, seed=1)}


@pytest.fixture(scope="module")
def test_split():
    return datasets.load_split("test", limit=12, progress=False)


def test_logistic_regression_gradient_matches_a_numerical_gradient(pixels):
    X, y = pixels
    rng = np.random.default_rng(2)
    Xs = (X[:60] - X.mean(0)) / X.std(0)
    Y = pixel_softmax.one_hot(y[:60], 2)
    W, b = rng.normal(size=(X.shape[1], 2)), rng.normal(size=2)
    _, dW, db = pixel_softmax.loss_and_gradients(W, b, Xs, Y)
    numeric_W = scratch.numerical_gradient(lambda v: pixel_softmax.loss_and_gradients(v, b, Xs, Y)[0], W)
    numeric_b = scratch.numerical_gradient(lambda v: pixel_softmax.loss_and_gradients(W, v, Xs, Y)[0], b)
    assert scratch.relative_error(dW, numeric_W) < 1e-6
    assert scratch.relative_error(db, numeric_b) < 1e-6


def test_hinge_subgradient_matches_a_numerical_gradient_away_from_the_hinge():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 5))
    y = rng.integers(0, 2, 80)
    w, b = rng.normal(size=5), np.array([0.3])
    margins = (2 * y - 1) * (X @ w + b[0])
    keep = np.abs(margins - 1) > 1e-3                # finite differences across the kink would not agree
    X, y = X[keep], y[keep]
    assert len(X) > 60 and (margins[keep] < 1).any() and (margins[keep] > 1).any()   # both sides of the hinge
    _, dw, db = pc.hinge_loss_and_gradients(w, b[0], X, y, reg=0.1)
    numeric_w = scratch.numerical_gradient(lambda v: pc.hinge_loss_and_gradients(v, b[0], X, y, reg=0.1)[0], w,
                                           h=1e-6)
    numeric_b = scratch.numerical_gradient(lambda v: pc.hinge_loss_and_gradients(w, v[0], X, y, reg=0.1)[0], b,
                                           h=1e-6)
    assert scratch.relative_error(dw, numeric_w) < 1e-6
    assert scratch.relative_error(np.array([db]), numeric_b) < 1e-6


def test_hinge_loss_is_zero_beyond_the_margin_and_linear_inside():
    X = np.array([[2.0], [0.5], [-1.0]])
    y = np.array([1, 1, 1])
    loss, dw, db = pc.hinge_loss_and_gradients(np.array([1.0]), 0.0, X, y)
    assert loss == pytest.approx((0 + 0.5 + 2.0) / 3)
    assert dw[0] == pytest.approx(-(0.5 - 1.0) / 3) and db == pytest.approx(-2 / 3)


def test_each_classifier_beats_a_constant_predictor_on_the_test_split(classifiers, test_split):
    truth = test_split.alpha >= 0.5
    constant_iou = np.mean([metrics.iou(np.ones_like(t), t) for t in truth])   # "everything is object"; all
    majority = max(truth.mean(), 1 - truth.mean())                              # background scores IoU 0
    for name, clf in classifiers.items():
        masks = np.stack([clf.mask(rgb) for rgb in test_split.rgb])
        mean_iou = np.mean([metrics.iou(m, t) for m, t in zip(masks, truth)])
        accuracy = (masks == truth).mean()
        assert mean_iou > constant_iou + 0.3, (name, mean_iou, constant_iou)
        assert accuracy > majority, (name, accuracy, majority)


def test_alpha_is_a_probability_map_at_the_photo_size_and_mask_agrees(classifiers):
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (90, 150, 3), dtype=np.uint8)        # not the working size, not square
    for name, clf in classifiers.items():
        alpha = clf.alpha(rgb)
        assert alpha.shape == (90, 150) and alpha.dtype == np.float32, name
        assert 0 <= alpha.min() and alpha.max() <= 1, name
        assert np.array_equal(clf.mask(rgb), alpha >= 0.5), name


def test_probability_is_on_the_same_side_as_the_linear_score(classifiers, pixels):
    X = pixels[0][:500]
    for name, clf in classifiers.items():
        assert np.array_equal(clf.probability(X) > 0.5, clf.decision(X) > 0), name


def test_conv_head_with_copied_weights_computes_the_logistic_regression(classifiers, test_split):
    logreg = classifiers["logistic regression"]
    head = pc.ConvHead.from_logistic_regression(logreg)
    assert head.model.get_layer("head_logits").kernel.shape == (1, 1, 12, 2)
    np.testing.assert_allclose(head.alpha(test_split.rgb[0]), logreg.alpha(test_split.rgb[0]), atol=1e-5)


def test_the_heads_weights_give_its_map_and_the_whole_image_answer_of_lesson_05(classifiers, test_split):
    # lesson 05, section 3 (ERRATA 4) writes both designs with softmax_weights(): per pixel, and on the pooled photo
    head = classifiers["1×1 conv head"]
    feats = pc.feature_image(head, test_split.rgb[0]).astype(np.float64)
    W, b = head.softmax_weights()
    per_pixel = scratch.softmax(feats @ W + b)[..., 1]
    np.testing.assert_allclose(per_pixel, head.probability_map(feats), atol=1e-5)   # the Keras layer's own answer
    whole = scratch.softmax(feats.reshape(-1, feats.shape[-1]).mean(axis=0) @ W + b)
    assert whole.shape == (2,) and whole.sum() == pytest.approx(1)
    np.testing.assert_allclose(whole, scratch.softmax((feats @ W + b).mean(axis=(0, 1))), atol=1e-12)
    assert per_pixel.min() < whole[1] < per_pixel.max()            # one number where the map holds many


def test_bad_inputs_raise_naming_the_parameter(pixels):
    X, y = pixels
    with pytest.raises(ValueError, match="y must hold"):
        pc.train_linear_svm(X, y[:-1], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="classes 0"):
        pc.train_linear_svm(X, y + 1, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be"):
        pc.train_logistic_regression(X, y, rng=0)
    with pytest.raises(ValueError, match="W must be F×2"):
        pc.ConvHead.from_weights(np.zeros((3, 3)), np.zeros(2))

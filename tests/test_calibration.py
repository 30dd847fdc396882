"""course_lib.calibration: stable softmax on the channel axis, temperature, reliability bins, thresholds, the panel."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import calibration, inference, scratch, unet
from course_lib.views import calibration_panel


def test_stable_softmax_matches_tensorflow_on_extreme_logits_without_overflow():
    import tensorflow as tf

    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0], [999.0, 1000.0], [-1000.0, -999.5],
                  [0.0, 1e-3]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        ours = scratch.softmax(z)
        probs = calibration.softmax_probabilities(z.reshape(1, 2, 3, 2))
    reference = tf.nn.softmax(tf.constant(z), axis=-1).numpy()
    assert np.isfinite(ours).all()
    np.testing.assert_allclose(ours, reference, atol=1e-6, rtol=0)
    np.testing.assert_allclose(probs.reshape(-1, 2), reference, atol=1e-6, rtol=0)


def test_two_class_softmax_is_the_sigmoid_of_the_logit_difference():
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(size=(500, 2)) * 5, [[1000.0, -1000.0], [-800.0, 800.0]]])
    for temperature in (1.0, 0.3, 7.0):
        p = calibration.object_probability(z, temperature)
        s = scratch.sigmoid((z[:, 1] - z[:, 0]) / temperature)
        np.testing.assert_allclose(p, s, atol=1e-6)


def test_softmax_runs_over_the_channel_axis_of_nhwc_and_the_wrong_axis_is_not_a_probability_per_pixel():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(1, 4, 6, 2))                        # N×H×W×C, as Keras returns it
    right = calibration.softmax_probabilities(logits)
    np.testing.assert_allclose(right.sum(axis=-1), 1, atol=1e-6)
    wrong = scratch.softmax(logits, axis=1)                      # "channels first": sums over the rows instead
    assert not np.allclose(wrong.sum(axis=-1), 1)
    assert right[0, 0, :, :].shape == (6, 2)                      # the text's prediction[0, 0, :, :]: one row
    assert right[0, ..., 1].shape == (4, 6)                       # the object channel: the whole map


def test_temperature_one_leaves_probabilities_unchanged_and_large_temperature_flattens():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(8, 8, 2)) * 4
    np.testing.assert_allclose(calibration.softmax_probabilities(z, 1.0), scratch.softmax(z), atol=1e-7)
    flat = calibration.object_probability(z, 1e4)
    assert np.abs(flat - 0.5).max() < 1e-3
    entropies = [calibration.binary_entropy(calibration.object_probability(z, t)).mean() for t in (0.5, 1, 2, 8)]
    assert np.all(np.diff(entropies) > 0) and entropies[-1] < 1
    same_side = calibration.object_probability(z, 3.0) >= 0.5
    assert np.array_equal(same_side, calibration.object_probability(z) >= 0.5)
    with pytest.raises(ValueError, match="temperature must be a positive"):
        calibration.softmax_probabilities(z, 0.0)


def test_entropy_is_zero_when_sure_and_one_bit_at_a_coin_flip():
    np.testing.assert_allclose(calibration.binary_entropy(np.array([0.0, 1.0, 0.5])), [0, 0, 1], atol=1e-7)
    assert calibration.entropy(np.full((3, 4), 0.25)).tolist() == [2.0, 2.0, 2.0]


def test_reliability_bins_sum_to_the_number_of_pixels():
    rng = np.random.default_rng(3)
    p = rng.random((5, 16, 16))
    p[0, 0, :4] = [0.5, 1.0, 0.0, 0.75]                           # the edges of the bins are counted too
    labels = rng.random((5, 16, 16)) < 0.4
    for n_bins in (1, 7, 10):
        rel = calibration.reliability(p, labels, n_bins=n_bins)
        assert rel.counts.sum() == p.size == rel.total
        assert len(rel.counts) == n_bins and rel.edges[0] == 0.5 and rel.edges[-1] == 1.0
    probs = calibration.softmax_probabilities(rng.normal(size=(4, 9, 9, 3)))
    rel = calibration.reliability(probs, rng.integers(0, 3, (4, 9, 9)))
    assert rel.counts.sum() == 4 * 9 * 9 and rel.edges[0] == pytest.approx(1 / 3)


def test_ece_is_small_for_calibrated_probabilities_and_large_for_overconfident_ones():
    rng = np.random.default_rng(4)
    p = rng.random(200_000)
    labels = rng.random(200_000) < p                              # each pixel is object with probability p
    assert calibration.expected_calibration_error(p, labels) < 0.01
    overconfident = np.where(p >= 0.5, 1.0, 0.0)
    assert calibration.expected_calibration_error(overconfident, labels) > 0.2


def test_fit_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(40_000, 2)) * 4
    labels = (rng.random(40_000) < calibration.object_probability(z, 2.5)).astype(int)
    fitted = calibration.fit_temperature(z, labels)
    assert fitted == pytest.approx(2.5, rel=0.08)
    assert calibration.nll(z, labels, fitted) < calibration.nll(z, labels, 1.0)
    assert calibration.fit_temperature(z, labels, bounds=(0.1, 1.5)) == 1.5      # the optimum lies beyond


def test_threshold_sweep_and_best_threshold():
    truth = np.zeros((10, 10))
    truth[2:8, 2:8] = 1
    alpha = np.where(truth > 0, 0.35, 0.1)                        # an unsure model: the object sits at 0.35
    sweep = calibration.threshold_sweep([alpha, alpha], [truth, truth], [0.2, 0.3, 0.5])
    np.testing.assert_allclose(sweep.iou, [1, 1, 0])
    assert sweep.per_image_iou.shape == (2, 3) and sweep.boundary_f[0] == pytest.approx(1)
    assert sweep.best() == 0.2 and calibration.best_threshold([alpha], [truth], [0.5, 0.3]) == 0.3


@pytest.fixture(scope="module")
def tiny_unet():
    import keras

    keras.utils.set_random_seed(0)
    return unet.build_unet(None, base_filters=4, depth=2, dropout=0.0)


def test_predict_logits_gives_the_models_own_probabilities_at_the_photo_size(tiny_unet):
    rng = np.random.default_rng(6)
    photos = [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), rng.integers(0, 256, (20, 44, 3), dtype=np.uint8)]
    logits = calibration.predict_logits(tiny_unet, photos, size=32)
    assert [z.shape for z in logits] == [(32, 32, 2), (20, 44, 2)]
    alpha = inference.predict_alpha(tiny_unet, photos[0], size=32)
    np.testing.assert_allclose(calibration.object_probability(logits[0]), alpha, atol=1e-5)
    with pytest.raises(ValueError, match="no layer 'nope'"):
        calibration.logits_model(tiny_unet, "nope")


def test_panel_sliders_change_the_mask_and_the_score():
    rng = np.random.default_rng(7)
    truth = np.zeros((40, 50), np.float32)
    truth[10:30, 12:38] = 1
    logits = np.stack([np.zeros_like(truth), (truth - 0.5) * 4 + rng.normal(0, 1.5, truth.shape)], axis=-1)
    rgb = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    panel = calibration_panel.ProbabilityPanel(rgb, logits, truth)
    assert panel.picture.value[:8] == b"\x89PNG\r\n\x1a\n" and "IoU" in panel.score.value
    first, mask = panel.score.value, panel.mask.copy()
    panel.controls["temperature"].value = 4.0                      # flatter probabilities, same classes at 0.5
    assert panel.score.value != first and np.array_equal(panel.mask, mask)
    second = panel.score.value
    panel.controls["threshold"].value = 0.8                         # now the mask moves
    assert panel.score.value != second and not np.array_equal(panel.mask, mask)
    assert panel.last_seconds < 1.0
    hot = calibration_panel.ProbabilityPanel(rgb, logits, truth, temperature=30.0)    # beyond the usual range: kept
    assert hot.controls["temperature"].value == pytest.approx(30.0) and "T 30.00" in hot.score.value
    no_truth = calibration_panel.ProbabilityPanel(rgb, logits)
    assert "no ground truth" in no_truth.score.value
    with pytest.raises(ValueError, match="logits must be H×W×2"):
        calibration_panel.ProbabilityPanel(rgb, logits[:, :10])

"""course_lib.training and .unet_loss: the loss and metric against hand-computed values, and a tiny training run.

Randomness comes from ``numpy.random.default_rng`` and ``seed=`` arguments only,
never from NumPy's global state.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from course_lib import datasets, metrics, synth, train_loop, training, unet, unet_loss

# one image, 2×2 pixels: alpha (target) and P(object) (prediction)
ALPHA = np.array([[1.0, 0.0], [0.5, 0.0]], np.float32)
P_OBJ = np.array([[0.8, 0.1], [0.4, 0.2]], np.float32)


def as_batch(alpha, p_obj):
    """Return ``(y_true N×H×W×1, y_pred N×H×W×2)`` from H×W arrays or N×H×W stacks."""
    alpha, p_obj = np.asarray(alpha, np.float32), np.asarray(p_obj, np.float32)
    if alpha.ndim == 2:
        alpha, p_obj = alpha[None], p_obj[None]
    return alpha[..., None], np.stack([1 - p_obj, p_obj], axis=-1)


def cross_entropy_numpy(alpha, p_obj):
    """Mean over pixels of −[(1 − α) log(1 − p) + α log p], with Keras' clipping of p."""
    p = np.clip(np.asarray(p_obj, np.float64), 1e-7, 1 - 1e-7)
    a = np.asarray(alpha, np.float64)
    return float(np.mean(-((1 - a) * np.log(1 - p) + a * np.log(p))))


def dice_loss_numpy(alpha, p_obj, smooth=1.0):
    """1 − mean over images of (2 Σ αp + s) / (Σ α + Σ p + s)."""
    a, p = np.asarray(alpha, np.float64), np.asarray(p_obj, np.float64)
    if a.ndim == 2:
        a, p = a[None], p[None]
    dice = [(2 * (ai * pi).sum() + smooth) / (ai.sum() + pi.sum() + smooth) for ai, pi in zip(a, p)]
    return 1 - float(np.mean(dice))


def tiny_split(n=4, size=32, seed=0, name="tiny") -> datasets.Split:
    samples = [synth.make_sample(seed + i, size=size) for i in range(n)]
    return datasets.Split(np.stack([s.rgb for s in samples]), np.stack([s.alpha for s in samples]),
                          np.array([s.meta["difficulty"] for s in samples]), [s.meta for s in samples], name)


# --- loss and metric ----------------------------------------------------------------------------------------


def test_dice_loss_by_hand():
    # Σαp = 0.8 + 0.2 = 1.0, Σα = 1.5, Σp = 1.5: Dice = (2·1 + 1) / (3 + 1) = 0.75
    assert float(unet_loss.dice_loss(*as_batch(ALPHA, P_OBJ))) == pytest.approx(0.25, abs=1e-6)
    assert float(unet_loss.dice_loss(*as_batch(ALPHA, P_OBJ), smooth=0.0)) == pytest.approx(1 / 3, abs=1e-6)
    # two images: the mean of per-image Dice (0.75 and, for an empty image and empty prediction, 1), not pooled
    two = as_batch(np.stack([ALPHA, np.zeros_like(ALPHA)]), np.stack([P_OBJ, np.zeros_like(P_OBJ)]))
    assert float(unet_loss.dice_loss(*two)) == pytest.approx(0.125, abs=1e-6)


def test_dice_loss_matches_numpy_on_random_batches():
    rng = np.random.default_rng(0)
    alpha, p = rng.random((3, 5, 7)), rng.random((3, 5, 7))
    assert float(unet_loss.dice_loss(*as_batch(alpha, p))) == pytest.approx(dice_loss_numpy(alpha, p), rel=1e-5)


def test_cross_entropy_dice_by_hand():
    ce = (-math.log(0.8) - math.log(0.9) - 0.5 * (math.log(0.6) + math.log(0.4)) - math.log(0.8)) / 4
    assert cross_entropy_numpy(ALPHA, P_OBJ) == pytest.approx(ce)             # the reference itself, by hand
    y_true, y_pred = as_batch(ALPHA, P_OBJ)
    assert float(unet_loss.CrossEntropyDice(dice_weight=0.0)(y_true, y_pred)) == pytest.approx(ce, rel=1e-5)
    assert float(unet_loss.CrossEntropyDice()(y_true, y_pred)) == pytest.approx(ce + 0.25, rel=1e-5)
    assert float(unet_loss.CrossEntropyDice(dice_weight=0.5)(y_true, y_pred)) == pytest.approx(ce + 0.125, rel=1e-5)


def test_cross_entropy_of_a_certain_mistake_is_clipped_not_infinite():
    y_true, y_pred = as_batch(np.ones((1, 1)), np.zeros((1, 1)))
    value = float(unet_loss.CrossEntropyDice(dice_weight=0.0)(y_true, y_pred))
    assert value == pytest.approx(-math.log(1e-7), rel=1e-3)


def test_cross_entropy_dice_matches_numpy_on_random_batches_and_survives_its_config():
    rng = np.random.default_rng(1)
    alpha, p = rng.random((2, 6, 4)), rng.random((2, 6, 4))
    loss = unet_loss.CrossEntropyDice(dice_weight=0.3)
    expected = cross_entropy_numpy(alpha, p) + 0.3 * dice_loss_numpy(alpha, p)
    assert float(loss(*as_batch(alpha, p))) == pytest.approx(expected, rel=1e-5)
    again = unet_loss.CrossEntropyDice.from_config(loss.get_config())
    assert again.dice_weight == 0.3 and float(again(*as_batch(alpha, p))) == pytest.approx(expected, rel=1e-5)


def test_mask_iou_pools_pixels_over_updates_and_resets():
    metric = unet_loss.MaskIoU()
    # batch 1: truth 1 1 0 0, prediction 1 0 1 0 (0.5 counts as object on both sides): ∩ 1, ∪ 3
    metric.update_state(*as_batch(np.array([[1.0, 0.5, 0.0, 0.2]]), np.array([[0.9, 0.1, 0.5, 0.4]])))
    assert float(metric.result()) == pytest.approx(1 / 3, abs=1e-6)
    # batch 2: ∩ 1, ∪ 1; pooled (1 + 1) / (3 + 1) = 0.5, not the mean of 1/3 and 1
    metric.update_state(*as_batch(np.array([[1.0, 0.0]]), np.array([[0.7, 0.3]])))
    assert float(metric.result()) == pytest.approx(0.5, abs=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 1.0                      # nothing seen, nothing wrong
    metric.update_state(*as_batch(np.zeros((2, 2)), np.zeros((2, 2))))
    assert float(metric.result()) == 1.0                      # empty truth and empty prediction agree


def test_steps_for_covers_every_sample():
    assert [training.steps_for(n, 16) for n in (0, 1, 16, 17, 32, 33)] == [1, 1, 1, 2, 2, 3]


# --- the compiled model ----------------------------------------------------------------------------------------


def test_compiled_unet_reports_the_loss_and_iou_computed_by_hand():
    split = tiny_split(4, 32, seed=7)
    training.set_seed(0)
    model = training.compile_unet(unet.build_unet(32, base_filters=4, depth=2), learning_rate=1e-3, dice_weight=0.7)
    assert isinstance(model.loss, unet_loss.CrossEntropyDice) and model.loss.dice_weight == 0.7
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(1e-3)
    x, alpha = split.rgb.astype(np.float32) / 255, split.alpha
    scores = model.evaluate(x, alpha[..., None], batch_size=4, verbose=0, return_dict=True)
    p_obj = model.predict(x, verbose=0)[..., 1]
    expected = cross_entropy_numpy(alpha, p_obj) + 0.7 * dice_loss_numpy(alpha, p_obj)
    assert scores["loss"] == pytest.approx(expected, rel=1e-4)
    assert scores["iou"] == pytest.approx(metrics.iou((p_obj >= 0.5).reshape(-1, 32), (alpha >= 0.5).reshape(-1, 32)),
                                          abs=1e-6)


def test_set_seed_makes_initial_weights_repeatable():
    def initial(seed):
        training.set_seed(seed)
        return unet.build_unet(32, base_filters=4, depth=1).get_weights()

    first, again, other = initial(4), initial(4), initial(5)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))


def test_training_batches_keep_each_image_with_its_own_alpha():
    split = tiny_split(5, 32, seed=3)
    order = []
    for x, y in datasets.as_tf_dataset(split, batch_size=2, shuffle=True, seed=9):
        assert x.shape[1:] == (32, 32, 3) and y.shape[1:] == (32, 32, 1)
        for xi, yi in zip(x.numpy(), y.numpy()):
            i = int(np.argmin(np.abs(split.rgb / 255.0 - xi).reshape(len(split), -1).max(axis=1)))
            np.testing.assert_allclose(xi, split.rgb[i] / 255.0, atol=1e-6)
            np.testing.assert_array_equal(yi[..., 0], split.alpha[i])
            order.append(i)
    assert sorted(order) == list(range(5))


# --- a tiny run of fit_unet ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    train, val = tiny_split(4, 32, seed=0, name="train"), tiny_split(2, 32, seed=50, name="val")
    best = tmp_path_factory.mktemp("fit") / "best.weights.h5"
    printed = []

    class Collect(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            printed.append(dict(logs))

    model, history, seconds = training.fit_unet(train, val, epochs=2, batch_size=2, base_filters=4, depth=2,
                                                seed=3, patience=None, callbacks=[Collect()], best_weights=best)
    return train, val, best, model, history, seconds, printed


def test_fit_unet_returns_a_history_of_every_epoch(tiny_run):
    train, val, best, model, history, seconds, printed = tiny_run
    assert isinstance(model, keras.Model) and model.output_shape == (None, 32, 32, 2)
    assert {"loss", "iou", "val_loss", "val_iou"} <= set(history.history)
    assert all(len(v) == 2 for v in history.history.values())
    assert all(np.isfinite(v) for v in history.history["loss"])
    assert [round(p["loss"], 6) for p in printed] == [round(v, 6) for v in history.history["loss"]]
    assert seconds > 0 and best.is_file()


def test_fit_unet_restores_the_weights_of_the_best_validation_epoch(tiny_run):
    # with seed 3 the first epoch scores best on validation (0.24 vs 0.10), so the last weights are not the kept ones
    train, val, best, model, history, seconds, printed = tiny_run
    x = val.rgb.astype(np.float32) / 255
    p_obj = model.predict(x, verbose=0)[..., 1]
    score = metrics.iou((p_obj >= 0.5).reshape(-1, 32), (val.alpha >= 0.5).reshape(-1, 32))
    assert score == pytest.approx(max(history.history["val_iou"]), abs=1e-6)


def test_fit_unet_with_zero_learning_rate_keeps_the_weights_it_starts_from():
    train, val = tiny_split(2, 32, seed=10), tiny_split(2, 32, seed=60)
    training.set_seed(8)
    start = unet.build_unet(32, base_filters=4, depth=2)
    model, _, _ = training.fit_unet(train, val, epochs=1, batch_size=2, base_filters=4, depth=2, seed=1,
                                    learning_rate=0.0, patience=None, init_from=start)
    for a, b in zip(model.trainable_weights, start.trainable_weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


# --- callbacks ---------------------------------------------------------------------------------------------------


def test_progress_line_prints_one_line_per_epoch_with_the_numbers(capsys):
    line = train_loop.ProgressLine()
    line.on_train_begin()
    line.on_epoch_end(0, {"loss": 0.51234, "iou": 0.9, "learning_rate": 0.002})
    line.on_epoch_end(1, {"loss": 0.25, "iou": 0.95})
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith("epoch   1  loss 0.5123  iou 0.9000") and "learning_rate" not in out[0]
    assert out[1].startswith("epoch   2  loss 0.2500  iou 0.9500") and out[1].endswith(" s]")


def test_live_plot_keeps_every_epochs_numbers_and_redraws_one_figure(monkeypatch):
    import IPython.display
    import matplotlib

    matplotlib.use("Agg")

    class Handle:                                   # what a notebook's display(..., display_id=True) returns
        def __init__(self):
            self.shown = []

        def update(self, obj):
            self.shown.append(obj)

    handle = Handle()
    monkeypatch.setattr(IPython.display, "display", lambda obj, display_id=False: handle)
    plot = training.LivePlot()
    plot.on_train_begin()
    plot.on_epoch_end(0, {"loss": 0.5, "iou": 0.8, "val_loss": 0.6, "val_iou": 0.7})
    plot.on_epoch_end(1, {"loss": 0.4, "iou": 0.85, "val_loss": 0.55, "val_iou": 0.75})
    assert plot.history == {"loss": [0.5, 0.4], "iou": [0.8, 0.85], "val_loss": [0.6, 0.55], "val_iou": [0.7, 0.75]}
    assert len(handle.shown) == 2
    loss_axes = handle.shown[-1].axes[0]
    assert [list(line.get_ydata()) for line in loss_axes.lines] == [[0.5, 0.4], [0.6, 0.55]]

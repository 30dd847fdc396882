"""The U-Net, its loss and metric, and predict_alpha: shapes, the sanity ladder, full-size output."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import inference, metrics, synth, training, unet, unet_loss


def _batch(n: int, size: int, seed: int = 0):
    samples = [synth.make_sample(seed + i, size=size) for i in range(n)]
    x = np.stack([s.rgb for s in samples]).astype(np.float32) / 255.0
    y = np.stack([s.alpha for s in samples])[..., None]
    return x, y


@pytest.mark.parametrize("size, base, depth", [(32, 4, 1), (64, 8, 2), (64, 4, 3), ((48, 80), 4, 4)])
def test_unet_builds_with_expected_shapes(size, base, depth):
    model = unet.build_unet(size, base_filters=base, depth=depth)
    h, w = (size, size) if isinstance(size, int) else size
    assert model.output_shape == (None, h, w, 2)
    shapes = dict(unet.level_shapes(model))
    for level in range(1, depth + 1):
        assert shapes[f"pool{level}"] == (None, h // 2 ** level, w // 2 ** level, base * 2 ** (level - 1))
        assert shapes[f"dec{level}_concat"][-1] == base * 2 ** level + base * 2 ** (level - 1)
    assert shapes["bottleneck_relu2"] == (None, h // 2 ** depth, w // 2 ** depth, base * 2 ** depth)


def test_unet_outputs_a_softmax_over_two_channels_at_every_pixel():
    model = unet.build_unet(32, base_filters=4, depth=2)
    probs = model.predict(np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32), verbose=0)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-5)
    assert probs.min() >= 0


def test_fully_convolutional_model_takes_any_multiple_of_the_pooling_factor():
    model = unet.build_unet(None, base_filters=4, depth=2)
    assert model.predict(np.zeros((1, 20, 36, 3), np.float32), verbose=0).shape == (1, 20, 36, 2)


@pytest.mark.parametrize("kwargs, word", [({"input_size": 50, "depth": 2}, "divisible"),
                                          ({"depth": 0}, "depth"), ({"base_filters": 0}, "base_filters"),
                                          ({"dropout": 1.0}, "dropout")])
def test_bad_architecture_arguments_are_named(kwargs, word):
    with pytest.raises(ValueError, match=word):
        unet.build_unet(**{"input_size": 64, **kwargs})


def test_print_levels_shows_every_level_and_the_parameter_count(capsys):
    model = unet.build_unet(64, base_filters=4, depth=2)
    unet.print_levels(model)
    out = capsys.readouterr().out
    for name in ("image", "pool1", "pool2", "bottleneck_relu2", "dec2_concat", "dec1_concat", "head_softmax"):
        assert name in out
    assert f"{model.count_params():,}" in out


def test_dice_loss_is_zero_for_a_perfect_prediction_and_one_for_the_opposite():
    alpha = np.zeros((1, 8, 8, 1), np.float32)
    alpha[0, 2:6, 2:6] = 1
    perfect = np.concatenate([1 - alpha, alpha], axis=-1)
    opposite = perfect[..., ::-1]
    assert float(unet_loss.dice_loss(alpha, perfect, smooth=0.0)) == pytest.approx(0.0, abs=1e-6)
    assert float(unet_loss.dice_loss(alpha, opposite, smooth=0.0)) == pytest.approx(1.0, abs=1e-6)


def test_mask_iou_metric_matches_course_metrics():
    rng = np.random.default_rng(3)
    alpha = (rng.random((2, 16, 16, 1)) > 0.5).astype(np.float32)
    p_obj = rng.random((2, 16, 16, 1)).astype(np.float32)
    metric = unet_loss.MaskIoU()
    metric.update_state(alpha, np.concatenate([1 - p_obj, p_obj], axis=-1))
    expected = metrics.iou((p_obj >= 0.5).reshape(-1, 16), (alpha >= 0.5).reshape(-1, 16))  # all pixels pooled
    assert float(metric.result()) == pytest.approx(expected, abs=1e-6)


def test_loss_at_initialisation_is_near_ln2_and_one_step_lowers_it():
    training.set_seed(0)
    x, y = _batch(8, 64)
    model = training.compile_unet(unet.build_unet(64, base_filters=8, depth=2), learning_rate=1e-3, dice_weight=0.0)
    initial = float(model.evaluate(x, y, verbose=0)[0])
    assert abs(initial - math.log(2)) < 0.1, f"cross-entropy at initialisation {initial:.3f}, expected ≈ ln 2"
    model.train_on_batch(x, y)
    assert float(model.evaluate(x, y, verbose=0)[0]) < initial


def test_model_overfits_eight_samples():
    """The sanity ladder: a network that cannot memorise 8 images has a bug."""
    training.set_seed(1)
    x, y = _batch(8, 64, seed=100)
    # momentum 0.9: predictions use batch normalisation's running statistics, which must catch up in 100 steps
    model = training.compile_unet(unet.build_unet(64, base_filters=8, depth=2, dropout=0.0, bn_momentum=0.9),
                                  learning_rate=1e-2)
    model.fit(x, y, batch_size=8, epochs=100, verbose=0)
    probs = model.predict(x, verbose=0)[..., 1]
    score = metrics.iou((probs >= 0.5).reshape(-1, 64), (y[..., 0] >= 0.5).reshape(-1, 64))
    assert score >= 0.95, f"IoU on the 8 training images is {score:.3f} after 100 steps"


def test_training_is_deterministic_for_a_seed():
    x, y = _batch(4, 32)
    weights = []
    for _ in range(2):
        training.set_seed(5)
        model = training.compile_unet(unet.build_unet(32, base_filters=4, depth=2))
        model.fit(x, y, batch_size=2, epochs=1, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class _ConstantModel:
    """Stands in for a Keras model: records the input and predicts a centred square."""

    def predict(self, x, batch_size=None, verbose=0):
        self.seen = x
        out = np.zeros((*x.shape[:3], 2), np.float32)
        out[..., 0] = 1
        return out


@pytest.mark.parametrize("h, w", [(37, 91), (300, 17), (128, 128), (1, 5), (255, 256)])
def test_predict_alpha_returns_the_photo_full_size(h, w):
    model = unet.build_unet(None, base_filters=4, depth=2)
    rgb = np.random.default_rng(h * w).integers(0, 256, (h, w, 3), dtype=np.uint8)
    alpha = inference.predict_alpha(model, rgb, size=64)
    assert alpha.shape == (h, w) and alpha.dtype == np.float32
    assert 0 <= alpha.min() and alpha.max() <= 1


def test_predict_alpha_letterboxes_to_a_multiple_and_keeps_rgb_order():
    fake = _ConstantModel()
    rgb = np.zeros((50, 100, 3), np.uint8)
    rgb[..., 0] = 255                                           # pure red in RGB order
    inference.predict_alpha(fake, rgb, size=64, multiple=16)
    assert fake.seen.shape == (1, 64, 64, 3)
    assert fake.seen[0, 0, 0].tolist() == [1.0, 0.0, 0.0]       # red stays in channel 0, scaled to [0, 1]


def test_predict_alpha_takes_one_model_through_many_working_sizes():
    # Keras 3's predict() generalises to unknown sizes after a second shape, which bilinear up-sampling
    # cannot trace; predict_alpha must keep working when a lesson changes the working size
    model = unet.build_unet(None, base_filters=4, depth=2)
    rgb = np.zeros((30, 40, 3), np.uint8)
    for size in (32, 64, 48, 32):
        assert inference.predict_alpha(model, rgb, size=size).shape == (30, 40)


def test_predict_alpha_batch_handles_mixed_sizes():
    model = unet.build_unet(None, base_filters=4, depth=2)
    images = [np.zeros((40, 70, 3), np.uint8), np.zeros((90, 33, 3), np.uint8)]
    out = inference.predict_alpha_batch(model, images, size=32)
    assert [a.shape for a in out] == [(40, 70), (90, 33)]
    assert inference.predict_alpha_batch(model, []) == []


@pytest.mark.parametrize("bad", [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 4), np.uint8),
                                 np.zeros((10, 10, 3), np.float32)])
def test_predict_alpha_refuses_non_rgb_input(bad):
    with pytest.raises(ValueError, match="H×W×3 uint8"):
        inference.predict_alpha(_ConstantModel(), bad)


def test_missing_checkpoint_names_the_command_that_makes_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make model"):
        inference.load_pretrained(tmp_path / "nope.keras")


class _CountingModel(_ConstantModel):
    def __init__(self):
        self.calls = 0

    def predict(self, x, batch_size=None, verbose=0):
        self.calls += 1
        return super().predict(x, batch_size, verbose)


def test_alpha_cache_predicts_each_distinct_image_once():
    fake = _CountingModel()
    cache = inference.AlphaCache(fake, size=32)
    a, b = np.zeros((20, 30, 3), np.uint8), np.full((20, 30, 3), 9, np.uint8)
    cache.warm([a, b, a], batch_size=16)
    assert fake.calls == 1 and len(cache) == 2
    assert cache(a).shape == (20, 30) and fake.calls == 1
    edited = a.copy()
    edited[0, 0] = 1
    cache(edited)
    assert fake.calls == 2 and len(cache) == 3


def test_alpha_cache_forgets_the_oldest_beyond_its_size():
    cache = inference.AlphaCache(_CountingModel(), size=32, max_items=2)
    images = [np.full((8, 8, 3), v, np.uint8) for v in range(3)]
    for rgb in images:
        cache(rgb)
    assert len(cache) == 2


class _LeftHalfModel:
    """Predicts 'object' on the left half of whatever it sees: a mirror view must be flipped back."""

    def predict(self, x, batch_size=None, verbose=0):
        out = np.zeros((*x.shape[:3], 2), np.float32)
        out[..., : x.shape[2] // 2, 1] = 1
        out[..., 0] = 1 - out[..., 1]
        return out


def test_tta_maps_each_view_back_to_the_photo_frame():
    rgb = np.zeros((32, 32, 3), np.uint8)
    plain = inference.predict_alpha_tta(_LeftHalfModel(), [rgb], sizes=(32,), flip=False)[0]
    assert plain[:, :16].mean() == 1 and plain[:, 16:].mean() == 0
    both = inference.predict_alpha_tta(_LeftHalfModel(), [rgb], sizes=(32, 64), flip=True)[0]
    np.testing.assert_allclose(both, 0.5)            # left half from one view, right half from its mirror
    assert both.shape == (32, 32)


def test_tta_needs_a_size():
    with pytest.raises(ValueError, match="sizes"):
        inference.predict_alpha_tta(_LeftHalfModel(), [np.zeros((8, 8, 3), np.uint8)], sizes=())


def test_a_model_used_for_prediction_can_still_be_freed():
    import gc
    import weakref

    model = unet.build_unet(None, base_filters=4, depth=2)
    inference.predict_alpha(model, np.zeros((16, 16, 3), np.uint8), size=16)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None

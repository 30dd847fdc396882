"""course_lib.inference against models whose output is a known function of the input.

A "model" here is either a small Keras model with fixed weights (so the
tf.function path of ``run_model`` is exercised) or a plain object with a
``predict`` method (``run_model`` falls back to it), which lets a test count
calls and see exactly what the network was given.
"""

from __future__ import annotations

import re

import cv2
import keras
import numpy as np
import pytest

from course_lib import inference


class FunctionModel:
    """A stand-in model: ``predict(x)`` returns ``fn(x)`` and records every batch it was given."""

    def __init__(self, fn):
        self.fn, self.batches = fn, []

    @property
    def calls(self) -> int:
        return len(self.batches)

    def predict(self, x, batch_size=None, verbose=0):
        self.batches.append(np.array(x))
        return self.fn(np.asarray(x))


def red_is_object(x):
    """Channel 1 (object) is the red input, channel 0 the blue one: a wrong channel index shows."""
    return np.stack([x[..., 2], x[..., 0]], axis=-1)


def pixel_sigmoid_model(k: float = 8.0) -> keras.Model:
    """A Keras 1×1 convolution + softmax with P(object) = sigmoid(k · (red − 0.5)) at every pixel."""
    inputs = keras.Input((None, None, 3))
    conv = keras.layers.Conv2D(2, 1)
    model = keras.Model(inputs, keras.layers.Softmax()(conv(inputs)))
    kernel = np.zeros((1, 1, 3, 2), np.float32)
    kernel[0, 0, 0, 1] = k                                        # logit 1 − logit 0 = k · red − k / 2
    conv.set_weights([kernel, np.array([0.0, -k / 2], np.float32)])
    return model


def random_conv_model(seed: int = 0) -> keras.Model:
    """A Keras 3×3 convolution + softmax with fixed random weights: not mirror-symmetric."""
    inputs = keras.Input((None, None, 3))
    conv = keras.layers.Conv2D(2, 3, padding="same")
    model = keras.Model(inputs, keras.layers.Softmax()(conv(inputs)))
    rng = np.random.default_rng(seed)
    conv.set_weights([rng.normal(0, 2, (3, 3, 3, 2)).astype(np.float32), np.zeros(2, np.float32)])
    return model


def random_rgb(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def ramp_rgb(h, w):
    """Red rises left → right, blue top → bottom, green constant: smooth, so resizing barely changes it."""
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[..., 0] = np.linspace(0, 255, w).round().astype(np.uint8)[None, :]
    rgb[..., 1] = 90
    rgb[..., 2] = np.linspace(0, 255, h).round().astype(np.uint8)[:, None]
    return rgb


# --- letterbox, crop and resize back ------------------------------------------------------------------------


@pytest.mark.parametrize("h, w", [(48, 32), (32, 48), (40, 24), (24, 40)])
def test_at_scale_one_the_alpha_is_exactly_the_models_object_channel_of_the_photo(h, w):
    # size = the longer side: no resizing, only padding to a multiple of 16 and cropping it off again
    rgb = random_rgb(h, w, seed=h + w)
    fake = FunctionModel(red_is_object)
    alpha = inference.predict_alpha(fake, rgb, size=max(h, w), multiple=16)
    assert alpha.shape == (h, w) and alpha.dtype == np.float32
    np.testing.assert_array_equal(alpha, rgb[..., 0].astype(np.float32) / 255)
    side = int(np.ceil(max(h, w) / 16) * 16)
    seen = fake.batches[0]
    assert seen.shape == (1, side, side, 3)
    # the photo sits in the top-left corner; the padding replicates its last row and column
    np.testing.assert_array_equal(seen[0, :h, :w], rgb.astype(np.float32) / 255)
    np.testing.assert_array_equal(seen[0, h:, :w], np.repeat(seen[0, h - 1:h, :w], side - h, axis=0))
    np.testing.assert_array_equal(seen[0, :, w:], np.repeat(seen[0, :, w - 1:w], side - w, axis=1))


def test_a_keras_model_gives_its_known_function_at_every_pixel():
    rgb = random_rgb(40, 24, seed=1)
    model = pixel_sigmoid_model(k=8.0)
    alpha = inference.predict_alpha(model, rgb, size=40)
    red = rgb[..., 0].astype(np.float64) / 255
    np.testing.assert_allclose(alpha, 1 / (1 + np.exp(-8.0 * (red - 0.5))), atol=1e-6)
    maps = inference.predict_maps(model, [rgb], size=40)[0]
    assert maps.shape == (40, 24, 2) and maps.dtype == np.float32
    np.testing.assert_allclose(maps[..., 0], 1 - alpha, atol=1e-6)


@pytest.mark.parametrize("h, w, size", [(90, 60, 45), (60, 90, 45), (20, 12, 40), (33, 70, 64)])
def test_a_resized_prediction_comes_back_at_the_photos_size_in_the_photos_frame(h, w, size):
    rgb = ramp_rgb(h, w)
    alpha = inference.predict_alpha(FunctionModel(red_is_object), rgb, size=size)
    assert alpha.shape == (h, w)
    # the same steps written out: scale the longer side to `size`, (model = identity on red), scale back
    scale = size / max(h, w)
    nh, nw = round(h * scale), round(w * scale)
    small = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    expected = cv2.resize(small[..., 0].astype(np.float32) / 255, (w, h), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_allclose(alpha, expected, atol=1e-6)
    # and, the ramp being smooth, that is the photo's own red ramp up to about one step of the small image
    np.testing.assert_allclose(alpha, rgb[..., 0] / 255, atol=1.5 / min(nw, w))


def test_predict_maps_keeps_every_channel_and_a_single_channel_axis():
    rgb = ramp_rgb(30, 50)
    maps = inference.predict_maps(FunctionModel(lambda x: x), [rgb], size=50)[0]
    np.testing.assert_array_equal(maps, rgb.astype(np.float32) / 255)
    one = inference.predict_maps(FunctionModel(lambda x: x[..., :1]), [rgb], size=25)[0]   # resized back
    assert one.shape == (30, 50, 1)
    np.testing.assert_allclose(one[..., 0], rgb[..., 0] / 255, atol=0.05)
    assert inference.predict_maps(FunctionModel(lambda x: x), []) == []


def test_alpha_is_clipped_to_the_unit_interval():
    rgb = random_rgb(16, 16)
    alpha = inference.predict_alpha(FunctionModel(lambda x: np.stack([x[..., 0], 3 * x[..., 0] - 1], -1)),
                                    rgb, size=16)
    np.testing.assert_allclose(alpha, np.clip(3 * (rgb[..., 0] / 255) - 1, 0, 1), atol=1e-6)


def test_a_batch_of_mixed_sizes_equals_one_photo_at_a_time_for_any_batch_size():
    model = random_conv_model(seed=2)
    images = [random_rgb(40, 70, 3), random_rgb(90, 33, 4), random_rgb(32, 32, 5)]
    singles = [inference.predict_alpha(model, im, size=32) for im in images]
    for batch_size in (1, 2, 16):
        batch = inference.predict_alpha_batch(model, images, size=32, batch_size=batch_size)
        assert [a.shape for a in batch] == [im.shape[:2] for im in images]
        for got, want in zip(batch, singles):
            np.testing.assert_allclose(got, want, atol=1e-6)


def test_tta_is_the_mean_of_the_views_each_mapped_back():
    model = random_conv_model(seed=3)
    rgb = random_rgb(40, 24, seed=6)
    plain = inference.predict_alpha(model, rgb, size=32)
    mirrored = inference.predict_alpha(model, np.ascontiguousarray(rgb[:, ::-1]), size=32)[:, ::-1]
    assert not np.allclose(plain, mirrored, atol=1e-3)       # the model is not symmetric: the test can see a flip
    flip = inference.predict_alpha_tta(model, [rgb], sizes=(32,), flip=True)[0]
    np.testing.assert_allclose(flip, (plain + mirrored) / 2, atol=1e-6)
    larger = inference.predict_alpha(model, rgb, size=48)
    sizes = inference.predict_alpha_tta(model, [rgb], sizes=(32, 48), flip=False)[0]
    np.testing.assert_allclose(sizes, (plain + larger) / 2, atol=1e-6)
    assert sizes.shape == (40, 24) and sizes.dtype == np.float32


# --- AlphaCache ---------------------------------------------------------------------------------------------


def test_cache_predicts_each_distinct_image_once_and_returns_predict_alphas_value():
    fake = FunctionModel(red_is_object)
    cache = inference.AlphaCache(fake, size=32)
    a, b = random_rgb(20, 30, 1), random_rgb(20, 30, 2)
    np.testing.assert_array_equal(cache(a), inference.predict_alpha(FunctionModel(red_is_object), a, size=32))
    cache(b)
    cache(a.copy())                                   # same bytes, another array: a look-up
    cache(b)
    assert fake.calls == 2 and len(cache) == 2
    cache(np.zeros((6, 2, 3), np.uint8))
    cache(np.zeros((2, 6, 3), np.uint8))              # same bytes, other shape: another image
    assert fake.calls == 4 and len(cache) == 4


def test_warm_predicts_only_the_missing_images_in_batches():
    fake = FunctionModel(red_is_object)
    cache = inference.AlphaCache(fake, size=16)
    images = [random_rgb(16, 16, seed) for seed in range(5)]
    cache(images[0])
    cache.warm(images + [images[1]], batch_size=2)     # 4 new images (one listed twice): 2 batches of 2
    assert [b.shape[0] for b in fake.batches] == [1, 2, 2]
    assert len(cache) == 5
    for rgb in images:
        np.testing.assert_array_equal(cache(rgb), rgb[..., 0].astype(np.float32) / 255)
    assert fake.calls == 3


def test_cache_evicts_the_oldest_image_first():
    fake = FunctionModel(red_is_object)
    cache = inference.AlphaCache(fake, size=16, max_items=2)
    first, second, third = (random_rgb(16, 16, seed) for seed in (10, 11, 12))
    for rgb in (first, second, third):
        cache(rgb)
    assert fake.calls == 3 and len(cache) == 2
    cache(second)
    cache(third)
    assert fake.calls == 3, "the two newest images must still be cached"
    cache(first)
    assert fake.calls == 4, "the oldest image must have been evicted"


def test_warm_beyond_max_items_keeps_the_newest():
    fake = FunctionModel(red_is_object)
    cache = inference.AlphaCache(fake, size=16, max_items=2)
    images = [random_rgb(16, 16, seed) for seed in (20, 21, 22)]
    cache.warm(images, batch_size=16)
    assert fake.calls == 1 and len(cache) == 2
    cache(images[1])
    cache(images[2])
    assert fake.calls == 1
    cache(images[0])
    assert fake.calls == 2


# --- bad inputs ---------------------------------------------------------------------------------------------


BAD_IMAGES = {
    "grey": np.zeros((10, 10), np.uint8),
    "float": np.zeros((10, 10, 3), np.float32),
    "empty": np.zeros((0, 5, 3), np.uint8),
}


@pytest.mark.parametrize("kind", sorted(BAD_IMAGES))
@pytest.mark.parametrize("call", [
    inference.predict_alpha,
    lambda m, im: inference.predict_maps(m, [im]),
    lambda m, im: inference.predict_alpha_batch(m, [np.zeros((8, 8, 3), np.uint8), im]),
    lambda m, im: inference.predict_alpha_tta(m, [im]),
    lambda m, im: inference.AlphaCache(m)(im),
    lambda m, im: inference.AlphaCache(m).warm([im]),
], ids=["predict_alpha", "predict_maps", "predict_alpha_batch", "tta", "cache", "warm"])
def test_bad_images_raise_value_error_before_the_model_runs(call, kind):
    fake = FunctionModel(red_is_object)
    with pytest.raises(ValueError, match="no pixels" if kind == "empty" else "H×W×3 uint8"):
        call(fake, BAD_IMAGES[kind])
    assert fake.calls == 0


def test_load_pretrained_names_the_missing_path(tmp_path):
    path = tmp_path / "absent" / "unet.keras"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        inference.load_pretrained(path)


def test_the_default_padding_multiple_is_the_models_down_sampling_factor():
    from course_lib import unet

    assert inference.size_multiple(FunctionModel(red_is_object)) == 1
    assert inference.size_multiple(pixel_sigmoid_model()) == 1
    assert inference.size_multiple(unet.build_unet(None, base_filters=4, depth=2)) == 4
    assert inference.size_multiple(unet.build_unet(None, base_filters=4, depth=3)) == 8
    fake = FunctionModel(red_is_object)
    inference.predict_alpha(fake, random_rgb(30, 50), size=50)            # a stand-in needs no padding
    assert fake.batches[0].shape == (1, 50, 50, 3)


# --- the real-photo CNN --------------------------------------------------------------------------------


def test_load_real_model_says_which_file_is_missing(tmp_path):
    missing = tmp_path / "models" / "better.keras"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing)) + ".*is missing"):
        inference.load_real_model(missing)


def test_the_real_photo_cnn_is_the_shipped_candidate_at_its_working_size():
    import json

    from course_lib.config import DATA_DIR, REPO_ROOT

    pick = json.loads((DATA_DIR / "models" / "real_model_choice.json").read_text())["pick"]   # chosen on dev
    assert inference.REAL_MODEL_PATH == REPO_ROOT / pick["shipped_as"] and inference.REAL_MODEL_PATH.is_file()
    assert inference.REAL_WORK_SIZE == pick["work_size"]
    assert inference.REAL_MODEL_PATH != inference.MODEL_PATH, "lesson 04's U-Net is not the model for photos"
    model, size = inference.load_real_model()
    assert size == inference.REAL_WORK_SIZE and isinstance(model, keras.Model)
    assert model.output_shape[-1] == 2, "background and object channels, as every kit U-Net"
    rgb = np.random.default_rng(0).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    alpha = inference.predict_alpha(model, rgb, size=size)
    assert alpha.shape == (50, 70) and alpha.dtype == np.float32 and 0 <= alpha.min() <= alpha.max() <= 1

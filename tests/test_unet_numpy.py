"""The U-Net recomputed with the course's NumPy layers matches Keras, layer by layer."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from course_lib import unet, unet_numpy


@pytest.mark.parametrize("h, w, c", [(1, 1, 1), (2, 3, 2), (5, 4, 3), (8, 8, 1)])
def test_bilinear_upsampling_matches_tensorflow(h, w, c):
    x = np.random.default_rng(h * 10 + w).normal(size=(2, h, w, c))
    ref = tf.image.resize(x, (2 * h, 2 * w), method="bilinear").numpy()
    # tf.image.resize computes in float32 whatever the input dtype
    np.testing.assert_allclose(unet_numpy.upsample_bilinear(x, 2), ref, rtol=1e-6, atol=1e-6)


def test_upsampling_refuses_a_single_image_without_batch_axis():
    with pytest.raises(ValueError, match="N×H×W×C"):
        unet_numpy.upsample_bilinear(np.zeros((4, 4, 3)))


def _model_with_nontrivial_batch_norm(seed: int = 0):
    model = unet.build_unet(32, base_filters=4, depth=2)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.name.endswith(("_bn1", "_bn2")):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.1, beta.shape),
                               rng.normal(0, 0.2, mean.shape), rng.uniform(0.5, 2.0, var.shape)])
    return model


def test_whole_network_matches_keras_activations():
    model = _model_with_nontrivial_batch_norm()
    x = np.random.default_rng(1).random((2, 32, 32, 3))
    ours = unet_numpy.forward(model, x)
    names = [n for n in ours if n != "image"]
    theirs = unet_numpy.keras_activations(model, x, names)
    for name in names:
        np.testing.assert_allclose(ours[name], theirs[name], atol=1e-4, rtol=1e-4, err_msg=name)
    np.testing.assert_allclose(ours["head_softmax"].sum(-1), 1.0, atol=1e-9)


def test_forward_can_stop_after_the_first_block():
    model = _model_with_nontrivial_batch_norm(2)
    acts = unet_numpy.forward(model, np.zeros((1, 32, 32, 3)), upto="enc1_relu2")
    assert list(acts)[-1] == "enc1_relu2" and "pool1" not in acts
    assert acts["enc1_relu2"].shape == (1, 32, 32, 4)

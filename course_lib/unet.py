"""A U-Net for product cut-outs: encoder, bottleneck, decoder with skip connections,
and a two-class softmax at every pixel.

The course text (§3.2) ends its CNN with a fully connected layer and one softmax
for the whole image — a classifier. Background removal needs a label per pixel
(ERRATA item 4 (docs/ERRATA.md#item-4)), so this network is fully convolutional: its last layer is a
1×1 convolution to two channels, {background, object}, and a softmax over that
channel axis at every pixel.

Layer names follow the diagram: ``enc1_conv1``, ``pool1``, ``bottleneck_conv1``,
``dec1_up``, ``dec1_concat``, ``head_logits``, ``head_softmax``.

Examples
--------
>>> model = build_unet(32, base_filters=4, depth=2)
>>> model.input_shape, model.output_shape
((None, 32, 32, 3), (None, 32, 32, 2))
>>> [name for name, shape in level_shapes(model)][:3]
['image', 'enc1_relu2', 'pool1']
>>> import numpy as np
>>> probs = np.asarray(model(np.zeros((1, 32, 32, 3), np.float32), training=False))
>>> probs.dtype, bool(np.allclose(probs.sum(axis=-1), 1, atol=1e-5))   # a softmax at every pixel
(dtype('float32'), True)
"""

from __future__ import annotations

import keras
from keras import layers

__all__ = ["build_unet", "level_shapes", "print_levels"]


def _conv_block(x, filters: int, prefix: str, bn_momentum: float):
    """Two 3×3 convolutions, each followed by batch normalisation and ReLU."""
    for i in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{prefix}_conv{i}")(x)
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"{prefix}_bn{i}")(x)
        x = layers.ReLU(name=f"{prefix}_relu{i}")(x)
    return x


def build_unet(input_size: int | tuple[int, int] | None = 128, base_filters: int = 16, depth: int = 4,
               *, dropout: float = 0.1, bn_momentum: float = 0.99, name: str = "unet") -> keras.Model:
    """Return an uncompiled Keras U-Net mapping ``N×H×W×3`` images in [0, 1] to ``N×H×W×2`` softmax maps.

    Parameters
    ----------
    input_size : int, (height, width) or None
        None builds a fully convolutional model for any size divisible by ``2**depth``.
    base_filters : int
        Filters of the first level; each level down doubles them.
    depth : int
        Number of pooling steps (the bottleneck is ``2**depth`` times smaller).
    dropout : float
        Dropout rate in the bottleneck (0 disables it).
    bn_momentum : float
        How slowly batch normalisation's running mean and variance follow the
        batches. Predictions use those running values, so after only a few
        hundred steps (an overfitting check) 0.99 still remembers the random
        start; 0.9 catches up within tens of steps.

    Channel 1 of the output is the probability of "object" (the alpha estimate),
    channel 0 that of "background".
    """
    if isinstance(input_size, int):
        input_size = (input_size, input_size)
    if input_size is not None:
        h, w = input_size
        if h % 2 ** depth or w % 2 ** depth:
            raise ValueError(f"input_size {input_size} must be divisible by 2**depth = {2 ** depth}")
    if depth < 1 or base_filters < 1:
        raise ValueError(f"depth and base_filters must be positive, got depth={depth}, base_filters={base_filters}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
    shape = (None, None, 3) if input_size is None else (*input_size, 3)
    inputs = keras.Input(shape=shape, name="image")
    x, skips = inputs, []
    for level in range(1, depth + 1):
        x = _conv_block(x, base_filters * 2 ** (level - 1), f"enc{level}", bn_momentum)
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level}")(x)
    x = _conv_block(x, base_filters * 2 ** depth, "bottleneck", bn_momentum)
    if dropout:
        x = layers.Dropout(dropout, name="bottleneck_dropout")(x)
    for level in range(depth, 0, -1):
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"dec{level}_up")(x)
        x = layers.Concatenate(name=f"dec{level}_concat")([x, skips[level - 1]])
        x = _conv_block(x, base_filters * 2 ** (level - 1), f"dec{level}", bn_momentum)
    logits = layers.Conv2D(2, 1, name="head_logits")(x)
    probs = layers.Softmax(axis=-1, name="head_softmax")(logits)
    return keras.Model(inputs, probs, name=name)


def level_shapes(model: keras.Model) -> list[tuple[str, tuple]]:
    """Return ``(layer name, output shape)`` for the layers that show the U shape: blocks, pools, ups, head."""
    keep = ("image", "pool", "_relu2", "_concat", "head_")
    return [(layer.name, tuple(layer.output.shape)) for layer in model.layers
            if any(k in layer.name for k in keep)]


def print_levels(model: keras.Model) -> None:
    """Print the shape at every level of the U, indented by depth, for the lesson.

    Examples
    --------
    >>> print_levels(build_unet(16, base_filters=2, depth=1, dropout=0))
    image                  (None, 16, 16, 3)
    enc1_relu2             (None, 16, 16, 2)
    pool1                  (None, 8, 8, 2)
      bottleneck_relu2       (None, 8, 8, 4)
    dec1_concat            (None, 16, 16, 6)
    dec1_relu2             (None, 16, 16, 2)
    head_logits            (None, 16, 16, 2)
    head_softmax           (None, 16, 16, 2)
    parameters: 520
    """
    depth = 0
    for name, shape in level_shapes(model):
        if name.startswith("pool"):
            depth += 1
        if name.endswith("_concat"):
            depth -= 1
        indent = "  " * (depth if not name.startswith("pool") else depth - 1)
        print(f"{indent}{name:22s} {shape}")
    print(f"parameters: {model.count_params():,}")

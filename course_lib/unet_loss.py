"""The U-Net's objective as Keras objects: Dice loss, cross-entropy + Dice, and the pooled-IoU metric.

Targets are the soft alpha (``N×H×W×1``); predictions are the softmax's two
channels (``N×H×W×2``, channel 1 = object); the loss turns a target into the
two-channel ``[1 − α, α]``. All three are registered with Keras (package
``course_lib``), so a checkpoint compiled with them (``checkpoint.keras`` of a
run, :mod:`course_lib.train_loop`) loads again once this module is imported.
:func:`course_lib.training.compile_unet` puts them on a model.

>>> import numpy as np
>>> alpha = np.ones((1, 2, 2, 1), np.float32)
>>> perfect = np.concatenate([1 - alpha, alpha], axis=-1)
>>> round(float(dice_loss(alpha, perfect, smooth=0.0)), 6)
0.0
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["dice_loss", "CrossEntropyDice", "MaskIoU"]


def _two_channel(alpha):
    alpha = ops.cast(alpha, "float32")
    return ops.concatenate([1.0 - alpha, alpha], axis=-1)


@keras.saving.register_keras_serializable(package="course_lib")
def dice_loss(y_true, y_pred, smooth: float = 1.0):
    """Return ``1 − Dice`` of the object channel per image, averaged (soft, differentiable)."""
    alpha = ops.cast(y_true[..., 0], "float32")
    p = y_pred[..., 1]
    inter = ops.sum(alpha * p, axis=(1, 2))
    total = ops.sum(alpha, axis=(1, 2)) + ops.sum(p, axis=(1, 2))
    return 1.0 - ops.mean((2.0 * inter + smooth) / (total + smooth))


@keras.saving.register_keras_serializable(package="course_lib")
class CrossEntropyDice(keras.losses.Loss):
    """Per-pixel categorical cross-entropy plus ``dice_weight`` × Dice loss.

    Cross-entropy is the right loss for a per-pixel classifier (ERRATA item 8
    (docs/ERRATA.md#item-8),
    not MSE); the Dice term keeps small products from being ignored.
    """

    def __init__(self, dice_weight: float = 1.0, name: str = "ce_dice", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dice_weight = dice_weight

    def call(self, y_true, y_pred):
        target = _two_channel(y_true)
        probs = ops.clip(y_pred, 1e-7, 1.0 - 1e-7)
        ce = -ops.mean(ops.sum(target * ops.log(probs), axis=-1))
        return ce + self.dice_weight * dice_loss(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "dice_weight": self.dice_weight}


@keras.saving.register_keras_serializable(package="course_lib")
class MaskIoU(keras.metrics.Metric):
    """IoU of ``object probability >= 0.5`` against ``alpha >= 0.5``, accumulated over all pixels seen."""

    def __init__(self, name: str = "iou", **kwargs):
        super().__init__(name=name, **kwargs)
        self.intersection = self.add_variable(shape=(), initializer="zeros", name="intersection")
        self.union = self.add_variable(shape=(), initializer="zeros", name="union")

    def update_state(self, y_true, y_pred, sample_weight=None):
        t = ops.cast(y_true[..., 0] >= 0.5, "float32")
        p = ops.cast(y_pred[..., 1] >= 0.5, "float32")
        self.intersection.assign_add(ops.sum(t * p))
        self.union.assign_add(ops.sum(ops.maximum(t, p)))

    def result(self):
        return ops.where(self.union > 0, self.intersection / ops.maximum(self.union, 1.0), 1.0)

    def reset_state(self):
        self.intersection.assign(0.0)
        self.union.assign(0.0)

"""Training the U-Net: loss (cross-entropy + Dice), IoU metric, callbacks, and a fit helper.

The data pipeline is :func:`course_lib.datasets.as_tf_dataset` (flips, scale and
crop, colour jitter when ``augment=True``); this module adds what the network
needs around it. Targets are the soft alpha (``N×H×W×1``); the loss turns them
into two-channel targets ``[1 − α, α]`` for the softmax output.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import numpy as np
from keras import ops

__all__ = ["dice_loss", "CrossEntropyDice", "MaskIoU", "compile_unet", "ProgressLine", "LivePlot", "fit_unet",
           "steps_for", "set_seed"]


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


def compile_unet(model: keras.Model, *, learning_rate: float = 2e-3, dice_weight: float = 1.0) -> keras.Model:
    """Compile ``model`` with Adam, :class:`CrossEntropyDice` and :class:`MaskIoU`; return it."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=CrossEntropyDice(dice_weight),
                  metrics=[MaskIoU()])
    return model


class ProgressLine(keras.callbacks.Callback):
    """Print one plain line per epoch (for scripts and logs): loss, IoU, validation, time."""

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        parts = [f"{k} {v:.4f}" for k, v in logs.items() if k != "learning_rate"]
        print(f"epoch {epoch + 1:3d}  " + "  ".join(parts) + f"  [{time.perf_counter() - self.start:.0f} s]",
              flush=True)


class LivePlot(keras.callbacks.Callback):
    """Redraw the loss and IoU curves in the notebook after every epoch (one figure, updated in place)."""

    def on_train_begin(self, logs=None):
        from IPython.display import display

        self.history: dict[str, list[float]] = {}
        self.handle = display("training starts…", display_id=True)

    def on_epoch_end(self, epoch, logs=None):
        import matplotlib.pyplot as plt

        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        fig, axes = plt.subplots(1, 2, figsize=(9, 3))
        for ax, key in zip(axes, ("loss", "iou")):
            for prefix, style in (("", "-"), ("val_", "--")):
                if prefix + key in self.history:
                    ax.plot(range(1, epoch + 2), self.history[prefix + key], style, label=prefix + key or key)
            ax.set_xlabel("epoch"); ax.set_ylabel(key); ax.legend(); ax.set_title(key)
        fig.tight_layout()
        if self.handle is not None:            # outside Jupyter display() returns no handle: nothing to redraw
            self.handle.update(fig)
        plt.close(fig)


def fit_unet(train, val, *, epochs: int, batch_size: int = 16, learning_rate: float = 2e-3,
             base_filters: int = 16, depth: int = 4, seed: int = 0, patience: int | None = 5,
             callbacks: list | None = None, best_weights: str | Path | None = None,
             augment: str = "standard", init_from=None):
    """Train a fresh U-Net on two :class:`course_lib.datasets.Split` s; return ``(model, history, seconds)``.

    The course's recipe, shared by ``scripts/train_unet.py`` (the shipped
    checkpoint) and lesson 04: augmentation on, Adam with cosine decay to 5 %,
    cross-entropy + Dice, early stopping on validation IoU, and the weights of
    the best epoch restored at the end (kept in ``best_weights``, a
    ``.weights.h5`` path, or a temporary file). ``augment`` names a recipe of
    :data:`course_lib.datasets.AUGMENTATIONS`; ``init_from`` (a model of the same
    architecture) starts from its weights instead of random ones: fine-tuning.
    """
    import tempfile

    from course_lib import datasets, unet

    set_seed(seed)
    size = train.rgb.shape[1]
    steps = epochs * steps_for(len(train), batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps, alpha=0.05)
    model = compile_unet(unet.build_unet(size, base_filters, depth), learning_rate=schedule)
    if init_from is not None:
        model.set_weights(init_from.get_weights())
    with tempfile.TemporaryDirectory() as scratch_dir:
        path = Path(best_weights) if best_weights else Path(scratch_dir) / "best.weights.h5"
        cbs = list(callbacks or []) + [keras.callbacks.ModelCheckpoint(
            path, monitor="val_iou", mode="max", save_best_only=True, save_weights_only=True)]
        if patience:
            cbs.append(keras.callbacks.EarlyStopping(monitor="val_iou", mode="max", patience=patience))
        start = time.perf_counter()
        history = model.fit(datasets.as_tf_dataset(train, batch_size=batch_size, augment=augment, seed=seed),
                            validation_data=datasets.as_tf_dataset(val, batch_size=32, shuffle=False),
                            epochs=epochs, callbacks=cbs, verbose=0)
        seconds = time.perf_counter() - start
        model.load_weights(path)
    return model, history, seconds


def steps_for(n: int, batch_size: int) -> int:
    """Return the number of batches that cover ``n`` samples."""
    return max(1, math.ceil(n / batch_size))


def set_seed(seed: int) -> None:
    """Seed Keras and its backend (weight initialisation, dropout, shuffling), and nothing of NumPy's.

    ``keras.utils.set_random_seed`` also reseeds Python's and NumPy's global
    generators; the kit draws its NumPy randomness from passed
    ``numpy.random.Generator`` s only, so NumPy's global state is put back as it was.
    """
    state = np.random.get_state()
    keras.utils.set_random_seed(seed)
    np.random.set_state(state)

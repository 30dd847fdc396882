"""Training the U-Net: compiled with its loss and metric, a live plot, and the fit recipes.

The data pipeline is :func:`course_lib.datasets.as_tf_dataset` (flips, scale and
crop, colour jitter when ``augment=True``); this module adds what the network
needs around it. Targets are the soft alpha (``N×H×W×1``); the loss and the
metric (:mod:`course_lib.unet_loss`) turn them into two-channel targets
``[1 − α, α]`` for the softmax output. The epochs run in
:func:`course_lib.train_loop.fit`.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import numpy as np

from course_lib.train_loop import ProgressLine
from course_lib.unet_loss import CrossEntropyDice, MaskIoU

__all__ = ["compile_unet", "LivePlot", "fit_unet", "train_course_unet", "steps_for", "set_seed"]


def compile_unet(model: keras.Model, *, learning_rate: float = 2e-3, dice_weight: float = 1.0) -> keras.Model:
    """Compile ``model`` with Adam, :class:`CrossEntropyDice` and :class:`MaskIoU`; return it."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=CrossEntropyDice(dice_weight),
                  metrics=[MaskIoU()])
    return model


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
            ax.set_xlabel("epoch")
            ax.set_ylabel(key)
            ax.legend()
            ax.set_title(key)
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
    the best epoch restored at the end (also written to ``best_weights``, a
    ``.weights.h5`` path, when given). ``augment`` names a recipe of
    :data:`course_lib.datasets.AUGMENTATIONS`; ``init_from`` (a model of the same
    architecture) starts from its weights instead of random ones: fine-tuning.
    The epochs run in :func:`course_lib.train_loop.fit`, in memory; ``history``
    is a ``keras.callbacks.History`` whose ``.history`` maps ``loss``, ``iou``
    (means over the epoch's batches), ``val_loss`` and ``val_iou`` to one value
    per epoch; ``seconds`` is the wall time, validation included.
    """
    from course_lib import datasets, train_loop, unet

    set_seed(seed)
    size = train.rgb.shape[1]
    steps = steps_for(len(train), batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps, alpha=0.05)
    model = compile_unet(unet.build_unet(size, base_filters, depth), learning_rate=schedule)
    if init_from is not None:
        model.set_weights(init_from.get_weights())
    train_data = datasets.as_tf_dataset(train, batch_size=batch_size, augment=augment, seed=seed)
    val_data = datasets.as_tf_dataset(val, batch_size=32, shuffle=False)

    def validate(model) -> dict:
        scores = model.evaluate(val_data, verbose=0, return_dict=True)
        return {f"val_{k}": v for k, v in scores.items()}

    start = time.perf_counter()
    result = train_loop.fit(model, lambda epoch: train_data, epochs=epochs, validate=validate, monitor="val_iou",
                            patience=patience, callbacks=callbacks, progress=None, steps=steps)
    seconds = time.perf_counter() - start
    if best_weights:
        from course_lib.imageio import atomic_path

        with atomic_path(best_weights, overwrite=True) as tmp:
            model.save_weights(tmp)
    history = keras.callbacks.History()
    history.history, history.epoch = result.history, list(range(result.epochs_run))
    return model, history, seconds


def train_course_unet(out: str | Path, *, epochs: int = 16, batch_size: int = 16, base_filters: int = 16,
                      depth: int = 4, learning_rate: float = 2e-3, seed: int = 0, limit: int | None = None,
                      patience: int | None = 5, augment: str = "standard", init: str | Path | None = None,
                      overwrite: bool = False, command: str = "") -> dict:
    """Train the course's U-Net on the generated train split (:func:`fit_unet`), save it; return its record.

    Writes ``<out>/unet.keras`` (uncompiled, loadable with ``safe_mode=True``,
    any input size divisible by ``2**depth``) and ``<out>/training.json`` (the
    recipe, the per-epoch history, wall time, machine; the returned record),
    each atomically. ``limit`` uses only the first N training images; ``init``
    (a checkpoint of the same base filters and depth) fine-tunes it instead of
    starting from random weights. An existing ``unet.keras`` is replaced only
    with ``overwrite`` (``FileExistsError``). ``scripts/train_unet.py`` is its
    command line (``make model``).
    """
    import json
    import os
    import platform

    from course_lib import datasets, unet
    from course_lib.imageio import atomic_path, write_atomic

    out = Path(out)
    target = out / "unet.keras"
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True (--force) to replace it, or choose another folder")
    if augment not in datasets.AUGMENTATIONS:
        raise ValueError(f"augment must be one of {sorted(datasets.AUGMENTATIONS)}, got {augment!r}")
    train = datasets.load_split("train", limit=limit)
    val = datasets.load_split("val")
    size = train.rgb.shape[1]
    print(f"training a U-Net (base {base_filters}, depth {depth}) on {len(train)} images of "
          f"{size}×{size}, validating on {len(val)}", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    init_model = None
    if init is not None:
        from course_lib import inference

        init_model = inference.load_pretrained(init)
        print(f"fine-tuning from {init}", flush=True)
    model, history, seconds = fit_unet(
        train, val, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, base_filters=base_filters,
        depth=depth, seed=seed, patience=patience, callbacks=[ProgressLine()], augment=augment, init_from=init_model)

    # ship an uncompiled copy that accepts any size: no optimizer state, no custom objects needed to load it
    shipped = unet.build_unet(None, base_filters, depth)
    shipped.set_weights(model.get_weights())
    with atomic_path(target, overwrite=True) as tmp:
        shipped.save(tmp)
    record = {
        "command": command,
        "recipe": {"epochs_requested": epochs, "epochs_run": len(history.history["loss"]),
                   "batch_size": batch_size, "base_filters": base_filters, "depth": depth,
                   "learning_rate": learning_rate, "schedule": "cosine decay to 5%", "seed": seed,
                   "train_images": len(train), "val_images": len(val), "image_size": size,
                   "augmentation": datasets.AUGMENTATIONS[augment],
                   "loss": "per-pixel cross-entropy + Dice", "dataset_manifest": datasets.read_manifest(),
                   "fine_tuned_from": None if init is None else str(init)},
        "parameters": int(shipped.count_params()),
        "wall_seconds": round(seconds, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}, "
                   f"Python {platform.python_version()}, Keras {keras.__version__}",
        "history": {k: [round(float(v), 5) for v in vals] for k, vals in history.history.items()},
        "best_val_iou": round(max(history.history["val_iou"]), 4),
        "file_megabytes": round(target.stat().st_size / 1e6, 2),
    }
    write_atomic(out / "training.json", json.dumps(record, indent=1).encode("utf-8"), overwrite=True)
    print(f"saved {target} ({record['file_megabytes']} MB) after {seconds / 60:.1f} min; "
          f"best val IoU {record['best_val_iou']}", flush=True)
    return record


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

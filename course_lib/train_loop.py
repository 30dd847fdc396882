"""One training loop for every network the kit trains: epochs of batches, validation, the best weights, resume.

:func:`fit` runs a compiled Keras model over ``epochs`` epochs. Each epoch it
asks the batch source for that epoch's batches (``batches(epoch)`` yields
``(x, y)`` pairs: ``x`` N×H×W×3 float32 in [0, 1], ``y`` N×H×W×1 float32 alpha),
trains one step per batch, then scores the model with ``validate(model)``
(a dict of numbers, e.g. ``{"val_iou": 0.81}``) and keeps the weights of the
epoch whose ``monitor`` score is highest (best-by-validation). ``patience``
stops early after that many epochs without a new best.

Two ways to keep what it learns:

- **in memory** (``out=None``; lessons, fine-tuning): the best weights stay in
  memory and are put back into the model at the end;
- **in a folder** (``out=PATH``; long runs): after *every* epoch it writes
  ``<out>/checkpoint.keras`` (model and optimizer), ``<out>/state.json`` (the
  recipe, the per-epoch history, training seconds per epoch, the best epoch)
  and, when the epoch is the best so far, ``<out>/best.keras`` — each atomically
  (:func:`course_lib.imageio.atomic_path`), so a stop at any moment leaves the
  last complete epoch. ``fit(None, batches, out=PATH, resume=True, ...)``
  continues from those files. The batch source must be deterministic by epoch
  (e.g. :func:`course_lib.synth_scenes.training_batches` from step
  ``epoch * steps``): a resumed run then sees exactly the images an
  uninterrupted run would have seen, from the same weights and optimizer
  state. (Dropout's random masks are not in the checkpoint: after a resume
  they differ, so the numbers match an uninterrupted run's closely, not exactly.)

Progress: ``progress="line"`` prints one plain line per epoch (for scripts and
logs), ``"bar"`` a tqdm bar over the steps (notebooks), ``None`` nothing.

>>> import numpy as np, keras
>>> keras.utils.set_random_seed(0)
>>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
>>> model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
>>> x = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32); y = np.array([[1.0], [-1.0]], np.float32)
>>> def batches(epoch):
...     yield x, y
>>> def validate(model):
...     return {"val_score": -float(np.mean((model(x) - y) ** 2))}
>>> result = fit(model, batches, epochs=3, validate=validate, monitor="val_score", progress=None)
>>> result.epochs_run, sorted(result.history), result.best_epoch
(3, ['loss', 'val_score'], 3)
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

__all__ = ["CHECKPOINT", "STATE", "BEST", "TrainResult", "ProgressLine", "fit", "read_state",
           "save_model_atomic"]

CHECKPOINT, STATE, BEST = "checkpoint.keras", "state.json", "best.keras"
"""The files a run with an output folder keeps: last epoch (model + optimizer), its record, the best epoch."""


@dataclass
class TrainResult:
    """What :func:`fit` did.

    ``model`` holds the best epoch's weights when ``restore_best`` (the last
    epoch's otherwise); ``history`` maps each training log (``loss``, ``iou``,
    …, the mean over the epoch's batches) and each validation score to one value
    per epoch; ``best_epoch`` counts from 1 (0: the model as it came, with
    ``validate_first``; ``None`` without validation); ``initial`` the scores
    before any training (``validate_first``); ``step_losses`` the loss of every
    step this call ran; ``seconds`` the training time of the epochs this call ran.
    """

    model: object
    history: dict = field(default_factory=dict)
    best_epoch: int | None = None
    best_score: float | None = None
    epochs_run: int = 0
    stopped_early: bool = False
    initial: dict | None = None
    step_losses: list = field(default_factory=list)
    seconds: float = 0.0
    out: Path | None = None


class ProgressLine(keras.callbacks.Callback):
    """Print one plain line per epoch (for scripts and logs): loss, IoU, validation, time."""

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        parts = [f"{k} {v:.4f}" for k, v in logs.items() if k != "learning_rate"]
        print(f"epoch {epoch + 1:3d}  " + "  ".join(parts) + f"  [{time.perf_counter() - self.start:.0f} s]",
              flush=True)


def read_state(out: str | os.PathLike) -> dict:
    """Return the ``state.json`` of the run in ``out``; ``FileNotFoundError`` saying why if there is none."""
    out = Path(out)
    state_path, checkpoint = out / STATE, out / CHECKPOINT
    if not state_path.is_file() or not checkpoint.is_file():
        missing = " and ".join(p.name for p in (state_path, checkpoint) if not p.is_file())
        raise FileNotFoundError(f"nothing to resume in {out}: no {missing} (start a new run there instead)")
    try:
        return json.loads(state_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{state_path} is not a run's state ({exc}): start the run again in another folder") from None


def save_model_atomic(model, path: str | os.PathLike) -> Path:
    """Save ``model`` (a ``.keras`` file, optimizer included) so the file appears complete or not at all."""
    from course_lib.imageio import atomic_path

    with atomic_path(path, overwrite=True) as tmp:
        model.save(tmp)
    return Path(path)


def _write_state(out: Path, state: dict) -> None:
    from course_lib.imageio import write_atomic

    rounded = {**state, "history": {k: [round(v, 5) for v in values] for k, values in state["history"].items()}}
    write_atomic(out / STATE, (json.dumps(rounded, indent=1) + "\n").encode("utf-8"), overwrite=True)


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, Keras {keras.__version__}"


def _prepare_folder(model, out: Path, *, resume: bool, recipe: dict | None):
    """Return ``(model, state)``: a fresh run's (refusing to start over a run) or the resumed run's."""
    from course_lib import unet_loss  # noqa: F401  (registers the loss and metric a checkpoint names)

    if resume:
        state = read_state(out)
        if recipe is not None:
            state["recipe"] = recipe
        return keras.saving.load_model(out / CHECKPOINT), state
    if (out / CHECKPOINT).exists() or (out / STATE).exists():
        raise FileExistsError(f"{out} already holds a run ({CHECKPOINT}, {STATE}): resume it, or choose another "
                              f"output folder")
    if model is None:
        raise ValueError("model is None: give a compiled model (or a function that builds one) for a new run")
    out.mkdir(parents=True, exist_ok=True)
    model = model() if callable(model) and not isinstance(model, keras.Model) else model
    return model, {"recipe": recipe or {}, "history": {}, "epoch_seconds": [], "machine": _machine()}


def _as_number(value) -> float:
    return float(np.asarray(value))


def fit(model, batches: Callable[[int], Iterable], *, epochs: int, validate: Callable | None = None,
        monitor: str | None = None, out: str | os.PathLike | None = None, recipe: dict | None = None,
        resume: bool = False, patience: int | None = None, restore_best: bool = True, validate_first: bool = False,
        callbacks: list | None = None, progress: str | None = "line", steps: int | None = None) -> TrainResult:
    """Train ``model`` for ``epochs`` epochs of ``batches(epoch)``; return a :class:`TrainResult`.

    Parameters
    ----------
    model : compiled Keras model, or a function returning one
        The function is called only for a new run; with ``resume=True`` pass
        ``None``: the model (and its optimizer) come from ``<out>/checkpoint.keras``.
    batches : callable
        ``batches(epoch)`` (epoch from 0) yields the epoch's ``(x, y)`` batches.
        It must depend on ``epoch`` alone for a resumed run to see the images
        the uninterrupted run would have.
    epochs : int
        Epochs in all; a resumed run continues up to this many.
    validate : callable, optional
        ``validate(model)`` returns a dict of scores for the epoch; without it
        no epoch is better than another and the last weights are kept.
    monitor : str
        The score of ``validate``'s dict to maximise (default: its first key).
    out : path, optional
        Keep the run in this folder (see the module's docstring); ``None``: in memory.
    recipe : dict, optional
        Stored as ``state.json``'s ``"recipe"`` (what made the run; JSON values).
    resume : bool
        Continue the run in ``out``; ``FileNotFoundError`` if there is none. A new
        run (``resume=False``) over an existing one is refused (``FileExistsError``).
    patience : int, optional
        Stop after this many epochs without a new best score (``None`` or 0: never).
    restore_best : bool
        Put the best epoch's weights back into the model at the end.
    validate_first : bool
        Score the model before any training (``result.initial``); the model as it
        came counts as epoch 0, and training must beat it to be kept.
    callbacks : list of ``keras.callbacks.Callback``, optional
        Called at the start and end of training and of every epoch, with the epoch's logs.
    progress : ``"line"``, ``"bar"`` or None
    steps : int, optional
        Batches per epoch, for the progress bar's total.
    """
    if progress not in ("line", "bar", None):
        raise ValueError(f"progress must be 'line', 'bar' or None, got {progress!r}")
    epochs = int(epochs)
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if out is not None:
        out = Path(out)
        model, state = _prepare_folder(model, out, resume=resume, recipe=recipe)
    elif resume:
        raise ValueError("resume=True needs out=, the folder of the run to continue")
    else:
        model = model() if callable(model) and not isinstance(model, keras.Model) else model
        state = {"recipe": recipe or {}, "history": {}, "epoch_seconds": []}
    history = state["history"]
    done = len(state["epoch_seconds"])
    best_epoch, best_score = state.get("best_epoch"), state.get("best_score")
    best_weights = None
    result = TrainResult(model, history, out=out)
    if validate is not None and validate_first and done == 0:
        result.initial = state["initial"] = {k: _as_number(v) for k, v in validate(model).items()}
        monitor = monitor or next(iter(result.initial))
        best_epoch, best_score, best_weights = 0, result.initial[monitor], model.get_weights()
    callback_list = keras.callbacks.CallbackList(list(callbacks or []) + ([ProgressLine()] if progress == "line"
                                                                         else []), model=model)
    bar = None
    if progress == "bar":
        from tqdm.auto import tqdm

        bar = tqdm(total=None if steps is None else steps * (epochs - done), desc="training", unit="step",
                   leave=False)
    callback_list.on_train_begin()
    waited = 0 if best_epoch is None else done - best_epoch
    for epoch in range(done, epochs):
        callback_list.on_epoch_begin(epoch)
        start = time.perf_counter()
        step_logs: list[dict] = []
        for x, y in batches(epoch):
            logs = model.train_on_batch(x, y, return_dict=True)
            step_logs.append({k: _as_number(v) for k, v in logs.items()})
            result.step_losses.append(step_logs[-1]["loss"])
            if bar is not None:
                bar.update()
        if not step_logs:
            raise ValueError(f"batches({epoch}) yielded no batch: the batch source is empty")
        seconds = time.perf_counter() - start
        logs = {k: float(np.mean([s[k] for s in step_logs])) for k in step_logs[0]}
        if validate is not None:
            logs.update({k: _as_number(v) for k, v in validate(model).items()})
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        state["epoch_seconds"].append(round(seconds, 1))
        result.seconds += seconds
        result.epochs_run = epoch + 1
        improved = False
        if validate is not None:
            monitor = monitor or next(k for k in logs if k not in step_logs[0])
            if monitor not in logs:
                raise KeyError(f"monitor={monitor!r} is not a score validate() returns ({sorted(logs)})")
            if best_score is None or logs[monitor] > best_score:
                best_epoch, best_score, improved, waited = epoch + 1, logs[monitor], True, 0
                state["best_epoch"], state["best_score"] = best_epoch, round(best_score, 5)
                if out is None:
                    best_weights = model.get_weights()
            else:
                waited += 1
        if out is not None:
            save_model_atomic(model, out / CHECKPOINT)
            if improved:
                save_model_atomic(model, out / BEST)
            _write_state(out, state)
        if bar is not None:
            bar.set_postfix({k: f"{v:.3f}" for k, v in logs.items()})
        callback_list.on_epoch_end(epoch, logs)
        if patience and waited >= patience and epoch + 1 < epochs:
            result.stopped_early = True
            break
        if getattr(model, "stop_training", False):
            result.stopped_early = True
            break
    if bar is not None:
        bar.close()
    callback_list.on_train_end()
    if out is not None and result.stopped_early:
        state["stopped_early"] = True
        _write_state(out, state)
    if restore_best and best_epoch is not None:
        if best_weights is not None:
            model.set_weights(best_weights)
        elif out is not None and (out / BEST).is_file():
            model.set_weights(keras.saving.load_model(out / BEST, compile=False).get_weights())
    result.best_epoch, result.best_score = best_epoch, best_score
    return result


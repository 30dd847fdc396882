"""course_lib.train_loop: one loop for every training; resume continues the same images, the best epoch is kept."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from course_lib import metrics, train_loop

SIZE = 32


def _model(seed: int = 0):
    """A tiny compiled U-Net without dropout: its random draws are the one thing a checkpoint does not keep."""
    from course_lib import training, unet

    training.set_seed(seed)
    return training.compile_unet(unet.build_unet(SIZE, base_filters=4, depth=2, dropout=0.0), learning_rate=1e-2)


class Batches:
    """A batch source deterministic by (epoch, step) that records what each epoch was given."""

    def __init__(self, steps: int = 2, batch_size: int = 2):
        self.steps, self.batch_size, self.seen = steps, batch_size, []

    def __call__(self, epoch: int):
        from course_lib import synth_scenes

        self.seen.append(epoch)
        return synth_scenes.training_batches(epoch * self.steps, self.steps, self.batch_size, SIZE, scene_share=0.5)


def _validate(model):
    from course_lib import synth

    samples = [synth.make_sample(900 + i, size=SIZE) for i in range(2)]
    x = np.stack([s.rgb for s in samples]).astype(np.float32) / 255
    p = np.asarray(model(x, training=False))[..., 1]
    return {"val_iou": float(np.mean([metrics.iou(pi >= 0.5, s.alpha >= 0.5) for pi, s in zip(p, samples)]))}


def test_a_resumed_run_continues_with_the_images_an_uninterrupted_run_sees(tmp_path):
    whole, first, rest = Batches(), Batches(), Batches()
    train_loop.fit(_model, whole, epochs=2, validate=_validate, out=tmp_path / "whole", progress=None)
    train_loop.fit(_model, first, epochs=1, validate=_validate, out=tmp_path / "cut", progress=None)
    result = train_loop.fit(None, rest, epochs=2, validate=_validate, out=tmp_path / "cut", resume=True,
                            progress=None)
    assert whole.seen == [0, 1] and first.seen == [0] and rest.seen == [1]
    a = json.loads((tmp_path / "whole" / "state.json").read_text())
    b = json.loads((tmp_path / "cut" / "state.json").read_text())
    assert len(b["history"]["loss"]) == len(a["history"]["loss"]) == 2 and len(b["epoch_seconds"]) == 2
    assert result.epochs_run == 2 and len(result.step_losses) == 2         # this call ran epoch 2 only
    # the same images in the same order with the optimizer's state restored: the same losses, up to float noise
    np.testing.assert_allclose(b["history"]["loss"], a["history"]["loss"], rtol=1e-4)
    np.testing.assert_allclose(b["history"]["val_iou"], a["history"]["val_iou"], atol=1e-4)
    assert not [p.name for p in (tmp_path / "cut").iterdir() if p.name.startswith(".") or ".tmp" in p.name]


def test_best_keras_is_the_epoch_with_the_best_validation_score(tmp_path):
    scores = iter([0.3, 0.9, 0.5])
    kept = {}

    def validate(model):
        score = next(scores)
        kept[score] = [w.copy() for w in model.get_weights()]
        return {"val_iou": score}

    result = train_loop.fit(_model(), Batches(), epochs=3, validate=validate, out=tmp_path, progress=None)
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["best_epoch"] == result.best_epoch == 2 and state["history"]["val_iou"] == [0.3, 0.9, 0.5]
    best = keras.saving.load_model(tmp_path / "best.keras", compile=False)
    last = keras.saving.load_model(tmp_path / "checkpoint.keras", compile=False)
    for a, b in zip(best.get_weights(), kept[0.9]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(last.get_weights(), kept[0.5]):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(best.get_weights(), last.get_weights()))
    for a, b in zip(result.model.get_weights(), kept[0.9]):       # restore_best: the model holds epoch 2
        np.testing.assert_array_equal(a, b)


def test_in_memory_early_stopping_restores_the_best_weights_and_counts_the_model_as_it_came():
    scores = iter([0.5, 0.4, 0.3, 0.2, 0.1])
    start = _model()
    initial = [w.copy() for w in start.get_weights()]
    result = train_loop.fit(start, Batches(), epochs=5, validate=lambda m: {"val_iou": next(scores)},
                            patience=2, validate_first=True, progress=None)
    assert result.initial == {"val_iou": 0.5} and result.best_epoch == 0
    assert result.stopped_early and result.epochs_run == 2 and len(result.step_losses) == 4
    for a, b in zip(result.model.get_weights(), initial):        # no epoch beat the model as it came
        np.testing.assert_array_equal(a, b)


def test_a_new_run_never_starts_over_an_existing_one_and_resume_needs_a_run(tmp_path):
    train_loop.fit(_model(), Batches(steps=1), epochs=1, out=tmp_path / "run", progress=None)
    with pytest.raises(FileExistsError, match="already holds a run"):
        train_loop.fit(_model(), Batches(steps=1), epochs=1, out=tmp_path / "run", progress=None)
    with pytest.raises(FileNotFoundError, match="nothing to resume in .*none: no state.json and checkpoint.keras"):
        train_loop.fit(None, Batches(), epochs=2, out=tmp_path / "none", resume=True, progress=None)
    with pytest.raises(ValueError, match="resume=True needs out="):
        train_loop.fit(None, Batches(), epochs=2, resume=True, progress=None)
    with pytest.raises(ValueError, match="progress must be"):
        train_loop.fit(_model(), Batches(), epochs=1, progress="loud")


def test_progress_line_prints_one_line_per_epoch(capsys):
    train_loop.fit(_model(), Batches(steps=1), epochs=2, validate=_validate, progress="line")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    assert len(lines) == 2 and "loss" in lines[0] and "val_iou" in lines[0]

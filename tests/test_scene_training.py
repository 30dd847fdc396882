"""scripts/train_real_model.py: a checkpoint every epoch, a resume that continues, images drawn from seeds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import load_script

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "train_real_model.py"


@pytest.fixture(scope="module")
def script():
    return load_script(SCRIPT)


def test_training_images_are_drawn_from_seeds():
    from course_lib import synth_scenes

    first = next(synth_scenes.training_batches(6, 2, 2, 32, scene_share=0.5))
    again = next(synth_scenes.training_batches(6, 2, 2, 32, scene_share=0.5))
    other = next(synth_scenes.training_batches(8, 2, 2, 32, scene_share=0.5))
    assert first[0].shape == (2, 32, 32, 3) and first[1].shape == (2, 32, 32, 1)
    assert np.array_equal(first[0], again[0]) and not np.array_equal(first[0], other[0])
    assert 0 <= first[0].min() and first[0].max() <= 1


def test_a_run_checkpoints_every_epoch_and_resumes(script, tmp_path):
    out = tmp_path / "run"
    args = ["--out", str(out), "--encoder", "unet", "--base-filters", "4", "--depth", "2", "--size", "32",
            "--steps", "2", "--batch-size", "2", "--val", "4"]
    assert script.main(args + ["--epochs", "1"]) == 0
    state = json.loads((out / "state.json").read_text())
    assert len(state["history"]["loss"]) == 1 and (out / "checkpoint.keras").is_file() and (out / "best.keras").is_file()
    with pytest.raises(SystemExit):                      # never overwrites a run silently
        script.main(args + ["--epochs", "1"])
    assert script.main(["--out", str(out), "--resume", "--epochs", "2"]) == 0
    state = json.loads((out / "state.json").read_text())
    assert len(state["history"]["loss"]) == 2 and len(state["epoch_seconds"]) == 2
    assert not list(out.glob("*.tmp*")), "atomic writes leave no temporary files"
    import keras
    model = keras.saving.load_model(out / "best.keras", safe_mode=True, compile=False)
    assert model.output_shape[-1] == 2


def test_init_starts_from_a_parent_and_refuses_another_architecture(script, tmp_path):
    import keras

    small = ["--encoder", "unet", "--base-filters", "4", "--depth", "2", "--size", "32", "--steps", "1",
             "--batch-size", "2", "--val", "4", "--epochs", "1"]
    assert script.main(["--out", str(tmp_path / "parent")] + small) == 0
    parent = keras.saving.load_model(tmp_path / "parent" / "checkpoint.keras", compile=False)
    assert script.main(["--out", str(tmp_path / "child"), "--init", str(tmp_path / "parent" / "checkpoint.keras"),
                        "--first-image", "2", "--lr", "0"] + small) == 0
    child = keras.saving.load_model(tmp_path / "child" / "checkpoint.keras", compile=False)
    for a, b in zip(parent.get_weights(), child.get_weights()):
        if a.ndim > 1:                                   # kernels: a zero learning rate keeps the parent's
            np.testing.assert_allclose(a, b, atol=1e-6)
    deeper = small[:small.index("--depth")] + ["--depth", "3"] + small[small.index("--depth") + 2:]
    with pytest.raises(SystemExit, match="2"):            # argparse's error exit, after naming the mismatch
        script.main(["--out", str(tmp_path / "other"), "--init", str(tmp_path / "parent" / "checkpoint.keras")] + deeper)

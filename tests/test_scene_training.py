"""course_lib.scene_training: a checkpoint every epoch, a resume that continues, images drawn from seeds."""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import numpy as np
import pytest

from course_lib import scene_training
from course_lib.config import REPO_ROOT

SMALL = {"encoder": "unet", "base_filters": 4, "depth": 2, "size": 32, "steps": 2, "batch_size": 2, "val": 4}


def test_training_images_are_drawn_from_seeds():
    from course_lib import synth_scenes

    first = next(synth_scenes.training_batches(6, 2, 2, 32, scene_share=0.5))
    again = next(synth_scenes.training_batches(6, 2, 2, 32, scene_share=0.5))
    other = next(synth_scenes.training_batches(8, 2, 2, 32, scene_share=0.5))
    assert first[0].shape == (2, 32, 32, 3) and first[1].shape == (2, 32, 32, 1)
    assert np.array_equal(first[0], again[0]) and not np.array_equal(first[0], other[0])
    assert 0 <= first[0].min() and first[0].max() <= 1


def test_a_run_checkpoints_every_epoch_and_resumes(tmp_path):
    out = tmp_path / "run"
    scene_training.train_scene_model(out, epochs=1, progress=None, **SMALL)
    state = json.loads((out / "state.json").read_text())
    assert len(state["history"]["loss"]) == 1
    assert (out / "checkpoint.keras").is_file() and (out / "best.keras").is_file()
    assert state["recipe"]["encoder"] == "unet" and state["recipe"]["epochs"] == 1 and state["best_epoch"] == 1
    assert set(state["history"]) == {"loss", "iou", "val_scene_iou", "val_single_iou"}
    with pytest.raises(FileExistsError, match="resume"):          # never overwrites a run silently
        scene_training.train_scene_model(out, epochs=1, progress=None, **SMALL)
    with pytest.raises(ValueError, match="own recipe"):
        scene_training.train_scene_model(out, resume=True, epochs=2, lr=0.5)
    scene_training.train_scene_model(out, resume=True, epochs=2, progress=None)
    state = json.loads((out / "state.json").read_text())
    assert len(state["history"]["loss"]) == 2 and len(state["epoch_seconds"]) == 2 and state["recipe"]["epochs"] == 2
    assert not list(out.glob("*.tmp*")) and not list(out.glob(".*")), "atomic writes leave no temporary files"
    model = keras.saving.load_model(out / "best.keras", safe_mode=True, compile=False)
    assert model.output_shape[-1] == 2


def test_the_recipe_records_a_run_folder_inside_the_repository_relative_to_it(tmp_path):
    from course_lib.config import REPO_ROOT

    recipe = scene_training.SceneRecipe(encoder="unet")
    assert scene_training._recipe_dict(recipe, REPO_ROOT / "build" / "runs" / "x")["out"] == "build/runs/x"
    assert scene_training._recipe_dict(recipe, tmp_path / "run")["out"] == str((tmp_path / "run").resolve())


def test_resuming_nothing_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to resume in .*state.json and checkpoint.keras"):
        scene_training.train_scene_model(tmp_path / "none", resume=True)
    with pytest.raises(TypeError, match="unknown recipe settings \\['steps_per_epoch'\\]"):
        scene_training.train_scene_model(tmp_path / "bad", steps_per_epoch=3)
    with pytest.raises(ValueError, match="encoder must be"):
        scene_training.SceneRecipe(encoder="resnet")


def test_init_starts_from_a_parent_and_refuses_another_architecture(tmp_path):
    small = {**SMALL, "steps": 1, "epochs": 1}
    scene_training.train_scene_model(tmp_path / "parent", progress=None, **small)
    parent_path = tmp_path / "parent" / "checkpoint.keras"
    parent = keras.saving.load_model(parent_path, compile=False)
    scene_training.train_scene_model(tmp_path / "child", init=parent_path, first_image=2, lr=0.0, progress=None,
                                     **small)
    child = keras.saving.load_model(tmp_path / "child" / "checkpoint.keras", compile=False)
    for a, b in zip(parent.get_weights(), child.get_weights()):
        if a.ndim > 1:                                   # kernels: a zero learning rate keeps the parent's
            np.testing.assert_allclose(a, b, atol=1e-6)
    with pytest.raises(ValueError, match="architecture differs"):
        scene_training.train_scene_model(tmp_path / "other", init=parent_path, progress=None,
                                         **{**small, "depth": 3})


def test_the_script_is_a_thin_command_line():
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "train_real_model.py"), "--help"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and "--resume" in result.stdout and "--first-image" in result.stdout
    assert all(flag in result.stdout for flag in ("--context", "--stamps", "--busy-share", "--harmonise"))


def test_the_real_parts_settings_need_the_stamps():
    from course_lib.scene_training import SceneRecipe

    assert SceneRecipe().parts() is None
    for settings in ({"busy_share": 0.3}, {"centred_share": 0.2}, {"harmonise": True}):
        with pytest.raises(ValueError, match="stamps=True"):
            SceneRecipe(**settings)
    with pytest.raises(ValueError, match="busy_share"):
        SceneRecipe(stamps=True, busy_share=1.5)


def test_the_context_branch_is_built_for_the_vgg_encoder_only():
    from course_lib.scene_training import SceneRecipe, build_model

    with pytest.raises(ValueError, match="encoder='vgg' only"):
        SceneRecipe(encoder="unet", context=True)
    model = build_model(SceneRecipe(blocks=2, context=True, from_scratch=True, epochs=1, steps=1))
    assert model.get_layer("global_context") is not None

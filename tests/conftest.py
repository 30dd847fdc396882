"""Shared test set-up: quiet TensorFlow, notebook timings in the summary."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

NOTEBOOK_SECONDS: dict[str, float] = {}
"""Filled by tests/test_notebooks.py: each executed notebook's wall time."""


SLOW_KINDS = ("notebook", "browser", "dask", "export", "training")
"""Markers that say why a test is slow; each implies ``slow``, which ``make test`` deselects."""

SLOW_TESTS: dict[str, str] = {
    # test file (or file::test name prefix): its kind. Each took 10 s or more on 2 shared cores; a test
    # file can as well say it itself with @pytest.mark.slow (or a kind). tests/test_make.py checks that
    # every entry still names a test, so a rename cannot quietly move a slow test into `make test`.
    "test_ablation.py::test_a_smoke_run_trains_resumes_and_scores": "training",
    "test_checkpoint.py::test_checkpoint_meets_the_quality_bar_on_fresh_images": "slow",
    "test_train_loop.py::test_a_resumed_run_continues_with_the_images_an_uninterrupted_run_sees": "training",
    "test_train_loop.py::test_best_keras_is_the_epoch_with_the_best_validation_score": "training",
    "test_train_loop.py::test_a_new_run_never_starts_over_an_existing_one_and_resume_needs_a_run": "training",
    "test_train_loop.py::test_in_memory_early_stopping_restores_the_best_weights": "training",
    "test_scene_training.py::test_init_starts_from_a_parent_and_refuses_another_architecture": "training",
    "test_scene_training.py::test_a_run_checkpoints_every_epoch_and_resumes": "training",
    "test_finetune.py::test_the_command_line_fine_tunes_a_folder_end_to_end": "training",
    "test_finetune.py::test_fine_tuning_lowers_held_out_loss_and_writes_a_checkpoint_that_loads_safely": "training",
    "test_pretrained.py::test_a_few_steps_lower_the_loss": "training",
    "test_unet.py::test_model_overfits_eight_samples": "training",
    "test_unet.py::test_training_is_deterministic_for_a_seed": "training",
    "test_training.py::test_fit_unet_with_zero_learning_rate_keeps_the_weights_it_starts_from": "training",
    "test_training.py::test_fit_unet_returns_a_history_of_every_epoch": "training",
    "test_export.py::test_every_variant_loads_and_scores_within_tolerance_of_keras": "export",
    "test_cli.py::test_sigint_midway_leaves_a_valid_report_and_no_partial_file_and_resume_finishes": "slow",
    "test_benchmarks.py::test_every_benchmark_uses_the_shared_helpers_and_answers_help[bench_pretrained.py]": "slow",
    "test_real_photos.py::test_every_reference_mask_replays_from_its_annotation": "slow",
    "test_demo.py::test_mask_script_reproduces_the_committed_masks_exactly": "slow",
    "test_dask.py": "dask",
    "test_studio_browser.py": "browser",
    "test_annotator_browser.py": "browser",
}
"""Slow tests in files that do not mark them themselves, by name prefix; ``make test`` leaves them out."""


def slow_kind(nodeid: str) -> str | None:
    """Return the kind :data:`SLOW_TESTS` gives the test ``nodeid`` ("tests/test_x.py::name[param]"), or None."""
    name = nodeid.split("tests/", 1)[-1]
    return next((kind for prefix, kind in SLOW_TESTS.items() if name.startswith(prefix)), None)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark the tests :data:`SLOW_TESTS` names, and every test of a slow kind ``slow`` as well,
    so that ``-m "not slow"`` leaves them all out."""
    for item in items:
        kind = slow_kind(item.nodeid)
        if kind:
            item.add_marker(getattr(pytest.mark, kind))
        if any(item.get_closest_marker(kind) for kind in SLOW_KINDS) and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
        # pytest-xdist (`make test` runs two workers, --dist loadgroup): a notebook's tests share one worker,
        # so that each lesson runs once per mode and no two runs of one lesson share its build/ folder at once.
        notebook = getattr(item, "callspec", None) and item.callspec.params.get("path")
        if isinstance(notebook, Path) and notebook.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(notebook.stem))


def pytest_terminal_summary(terminalreporter):
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("notebook run times")
    for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
        terminalreporter.write_line(f"{seconds:8.1f} s  {name}")
    terminalreporter.write_line(f"{sum(NOTEBOOK_SECONDS.values()):8.1f} s  total")


@pytest.fixture(scope="module")
def split():
    """Six generated 96×96 samples, two per difficulty: a small split for widget and studio tests."""
    from course_lib import synth
    from course_lib.datasets import Split

    samples = [synth.make_sample(s, size=96, difficulty=d)
               for s, d in zip(range(6), ["easy", "medium", "hard"] * 2)]
    return Split(np.stack([s.rgb for s in samples]), np.stack([s.alpha for s in samples]),
                 np.array([s.meta["difficulty"] for s in samples]), [s.meta for s in samples], "toy")

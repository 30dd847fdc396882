"""The shipped U-Net: loads safely, and meets the quality bar on images it has never seen."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import datasets, inference, metrics

FRESH_SEED = 31_415_926            # not a seed of the manifest: these images never took part in training
FRESH_COUNT = 150


@pytest.fixture(scope="module")
def model():
    return inference.load_pretrained()


@pytest.fixture(scope="module")
def fresh():
    manifest = datasets.read_manifest()
    assert FRESH_SEED not in [spec["seed"] for spec in manifest["splits"].values()]
    return datasets.generate_split("fresh", size=manifest["size"], count=FRESH_COUNT, seed=FRESH_SEED,
                                   mix=manifest["difficulty_mix"], progress=False)


def test_checkpoint_is_small_and_loads_in_safe_mode(model):
    assert inference.MODEL_PATH.stat().st_size <= 10_000_000
    assert model.output_shape[-1] == 2
    assert not [layer.name for layer in model.layers if type(layer).__name__ == "Lambda"]


def test_checkpoint_meets_the_quality_bar_on_fresh_images(model, fresh):
    alphas = inference.predict_alpha_batch(model, list(fresh.rgb))
    scores = np.array([metrics.iou(a, t) for a, t in zip(alphas, fresh.alpha)])
    overall = scores.mean()
    hard = scores[fresh.difficulty == "hard"].mean()
    assert overall >= inference.QUALITY_BAR["all"], f"mean IoU {overall:.3f} on {len(scores)} fresh images"
    assert hard >= inference.QUALITY_BAR["hard"], f"mean IoU {hard:.3f} on the fresh hard images"


def test_checkpoint_card_matches_the_file(model):
    import json

    card = json.loads((inference.MODEL_PATH.parent / "model_card.json").read_text())
    assert card["parameters"] == model.count_params()
    assert card["quality_bar"]["mean_iou"] == inference.QUALITY_BAR

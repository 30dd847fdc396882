"""data/models/candidates: every candidate loads offline with safe_mode, predicts an alpha, and has its card."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course_lib import inference
from course_lib.config import DATA_DIR

CANDIDATES = sorted((DATA_DIR / "models" / "candidates").glob("*.keras"))


def test_there_is_a_candidate():
    assert CANDIDATES, "data/models/candidates holds no .keras file"


@pytest.mark.parametrize("path", CANDIDATES, ids=[p.stem for p in CANDIDATES])
def test_a_candidate_loads_predicts_and_has_a_card(path):
    model = inference.load_pretrained(path)              # safe_mode=True, no download
    rgb = np.random.default_rng(0).integers(0, 256, (90, 130, 3), dtype=np.uint8)
    alpha = inference.predict_alpha(model, rgb)
    assert alpha.shape == (90, 130) and alpha.dtype == np.float32 and 0 <= alpha.min() and alpha.max() <= 1
    card = json.loads(path.with_suffix(".card.json").read_text())
    assert path.with_suffix(".md").is_file()
    for side in ("dev", "holdout"):
        assert card[side]["photos"] == len(card[side]["per_photo"]) > 0
        medians = card[side]["median_iou"]
        assert set(medians) >= {"candidate", "grabcut", "lesson 04 U-Net"}
        per_photo = [v["candidate"] for v in card[side]["per_photo"].values()]
        assert medians["candidate"] == pytest.approx(np.median(per_photo), abs=1e-3)

"""course_lib.evaluate: tidy rows, per-difficulty summaries, failures recorded not fatal."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import evaluate
from course_lib.datasets import Split


@pytest.fixture
def split():
    alpha = np.zeros((4, 8, 8), np.float32)
    alpha[:, 2:6, 2:6] = 1.0
    rgb = np.zeros((4, 8, 8, 3), np.uint8)
    rgb[alpha > 0.5] = 255
    return Split(rgb, alpha, np.array(["easy", "easy", "hard", "hard"]), [{}] * 4, "toy")


def perfect(rgb):
    return rgb[..., 0] > 128


def half(rgb):
    mask = rgb[..., 0] > 128
    mask[:4] = False        # loses the top half of the square
    return mask


def broken(rgb):
    raise RuntimeError("boom")


def test_rows_are_tidy(split):
    rows = evaluate.evaluate_methods({"perfect": perfect, "half": half}, split, progress=False)
    assert len(rows) == 8
    assert {r["method"] for r in rows} == {"perfect", "half"}
    assert all(r["iou"] == 1.0 for r in rows if r["method"] == "perfect")
    assert all(r["iou"] == pytest.approx(0.5) for r in rows if r["method"] == "half")
    assert [r["difficulty"] for r in rows if r["method"] == "half"] == ["easy", "easy", "hard", "hard"]


def test_a_failing_method_is_recorded_and_the_loop_goes_on(split):
    rows = evaluate.evaluate_methods({"broken": broken, "perfect": perfect}, split, progress=False)
    bad = [r for r in rows if r["method"] == "broken"]
    assert len(bad) == 4 and all(np.isnan(r["iou"]) and "boom" in r["error"] for r in bad)
    assert all(r["iou"] == 1.0 for r in rows if r["method"] == "perfect")


def test_summary_by_difficulty_and_table(split):
    rows = evaluate.evaluate_methods({"perfect": perfect, "half": half}, split, progress=False)
    summary = evaluate.summarise(rows)
    assert summary["half"]["hard"]["median"] == pytest.approx(0.5)
    assert summary["perfect"]["all"]["n"] == 4
    text = evaluate.format_table(summary)
    assert "perfect" in text and "1.000 (1.00)" in text and "0.500 (0.50)" in text
    assert evaluate.worst(rows, "half", n=2)[0]["method"] == "half"


def test_empty_methods_are_refused(split):
    with pytest.raises(ValueError, match="methods is empty"):
        evaluate.evaluate_methods({}, split)

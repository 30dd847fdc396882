"""course_lib.ablation: every arm on the same budget, the stored table consistent with the code that wrote it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course_lib import ablation, real

STORED = ablation.OUTPUT


def test_the_stored_table_matches_the_arms_and_the_real_set():
    result = json.loads(STORED.read_text())
    assert list(result["arms"]) == [name for name in ablation.ARMS if name in result["arms"]]
    assert {"unet_generated", "unet_scenes", "vgg_finetuned"} <= set(result["arms"])
    sizes = {side: len(real.as_split(side)) for side in real.SPLITS}      # the photos with a reference mask
    for name, row in result["arms"].items():
        for key, value in ablation.ARMS[name][1].items():
            assert row["recipe"][key] == value, (name, key)
        assert (row["recipe"]["epochs"], row["recipe"]["steps"], row["recipe"]["batch_size"]) == \
            (result["budget"]["epochs"], result["budget"]["steps"], result["budget"]["batch_size"]), "equal budget"
        assert row["epochs"] == result["budget"]["epochs"]
        assert 0 <= row["generated_mean_iou"] <= 1
        for side in real.SPLITS:
            per_photo = row[f"{side}_iou"]
            assert row[f"{side}_photos"] == len(per_photo) == sizes[side]
            assert row[f"{side}_median_iou"] == pytest.approx(np.median(list(per_photo.values())), abs=1e-3)
            grabcut = result["grabcut"][f"{side}_iou"]
            assert row[f"{side}_wins_vs_grabcut"] == sum(per_photo[n] > grabcut[n] for n in per_photo)
        tuned = row["tuned"]                               # the working size is chosen on dev alone
        by_size = {int(k): v for k, v in tuned["dev_median_by_size"].items()}
        assert 128 in by_size and tuned["dev_median_iou"] == max(by_size.values()) == by_size[tuned["work_size"]]
        assert by_size[128] == row["dev_median_iou"]
        if tuned["work_size"] == 128:
            assert tuned["holdout_median_iou"] == row["holdout_median_iou"]
    holdout_names = {m["name"] for m in real.as_split("holdout").meta}
    assert holdout_names == set(result["grabcut"]["holdout_iou"])


@pytest.mark.training
def test_a_smoke_run_trains_resumes_and_scores(tmp_path, capsys):
    runs, output = tmp_path / "runs", tmp_path / "ablation.json"
    common = {"runs": runs, "output": output, "steps": 1, "val": 2, "test_limit": 2, "photos": 1, "work_sizes": [96]}
    returned = ablation.run(["unet_generated"], epochs=1, **common)
    first = json.loads(output.read_text())
    assert first == json.loads(json.dumps(returned))
    row = first["arms"]["unet_generated"]
    assert row["epochs"] == 1 and row["recipe"]["scene_share"] == 0 and row["recipe"]["encoder"] == "unet"
    assert row["dev_photos"] == row["holdout_photos"] == 1 and 0 <= row["dev_median_iou"] <= 1
    assert set(row["tuned"]["dev_median_by_size"]) == {"96", "128"} and row["tuned"]["work_size"] in (96, 128)
    ablation.run(["unet_generated"], epochs=2, **common)           # resumes the arm to two epochs
    state = json.loads((runs / "unet_generated" / "state.json").read_text())
    assert len(state["history"]["loss"]) == 2
    ablation.run(["unet_generated"], epochs=2, **common)           # finished: skipped, scored again
    assert len(json.loads((runs / "unet_generated" / "state.json").read_text())["history"]["loss"]) == 2
    assert "| `unet_generated` |" in ablation.table(json.loads(output.read_text()))
    assert "unet_generated: already trained" in capsys.readouterr().out
    with pytest.raises(ValueError, match="no arm \\['vgg5'\\]"):
        ablation.run(["vgg5"], **common)

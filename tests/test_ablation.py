"""course_lib.ablation: every arm and seed on one budget, the stored table consistent with the code that wrote it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course_lib import ablation, real
from course_lib.config import DATA_DIR

STORED = ablation.OUTPUT


@pytest.fixture(scope="module")
def stored():
    return json.loads(STORED.read_text())


def test_every_arm_has_three_seeds_on_one_budget(stored):
    assert list(stored["arms"]) == [name for name in ablation.ARMS if name in stored["arms"]]
    assert {"unet_generated", "unet_scenes", "vgg_random", "vgg_finetuned"} <= set(stored["arms"])
    assert len(stored["seeds"]) >= 3
    budget = stored["budget"]
    for name, runs in stored["runs"].items():
        assert sorted(map(int, runs)) == ablation.arm_seeds(name, sorted(stored["seeds"])), name
        for seed, run in runs.items():
            recipe = run["recipe"]
            for key, value in ablation.ARMS[name][1].items():
                assert recipe[key] == value, (name, key)
            assert (recipe["epochs"], recipe["steps"], recipe["batch_size"], recipe["size"], recipe["seed"]) == \
                (budget["epochs"], budget["steps"], budget["batch_size"], budget["size"], int(seed)), "equal budget"
            assert run["epochs"] == budget["epochs"] and 1 <= run["best_epoch"] <= run["epochs"]
            assert run["convergence"] == pytest.approx(max(run["val_scene_iou"]) - max(run["val_scene_iou"][:-2]),
                                                       abs=1e-3)


def test_each_arm_row_is_recomputed_from_its_seeds(stored):
    dev_names = {m["name"] for m in real.as_split("dev").meta}            # the photos with a reference mask
    assert set(stored["grabcut"]["dev_iou"]) == dev_names
    for name, row in stored["arms"].items():
        records = {int(seed): run for seed, run in stored["runs"][name].items()}
        for run in records.values():
            assert set(run["dev_iou"]) == {str(s) for s in stored["work_sizes"]}
            assert all(set(scores) == dev_names for scores in run["dev_iou"].values())
        assert ablation.summarise_arm(records, stored["grabcut"]["dev_iou"]) == row, name
        assert row["dev_median_iou"]["min"] <= row["dev_median_iou"]["mean"] <= row["dev_median_iou"]["max"]


def test_holdout_is_scored_once_for_the_arm_dev_chose(stored):
    arms, final = stored["arms"], stored["final"]
    full = [a for a in arms if a not in ablation.SCREENED]
    assert final["arm"] == max(full, key=lambda a: arms[a]["dev_median_iou"]["mean"])
    assert final["work_size"] == arms[final["arm"]]["work_size"]
    assert not any("holdout" in key for row in arms.values() for key in row), "holdout only for the final model"
    assert not any("holdout" in key for runs in stored["runs"].values() for run in runs.values() for key in run)
    holdout = {m["name"] for m in real.as_split("holdout").meta}
    assert set(final["holdout_iou"]) == holdout == set(stored["grabcut"]["holdout_iou"])
    by_seed = final["holdout_iou_by_seed"]
    assert sorted(map(int, by_seed)) == sorted(stored["seeds"]) and len(by_seed) >= 3
    medians = sorted(float(np.median(list(d.values()))) for d in by_seed.values())
    assert final["holdout_median_iou"]["values"] == pytest.approx(
        [float(np.median(list(by_seed[str(s)].values()))) for s in stored["seeds"]], abs=1e-4)
    assert all(e["arm"] != final["arm"] for e in stored.get("earlier_finals", []))
    assert (final["holdout_median_iou"]["min"], final["holdout_median_iou"]["max"]) == \
        pytest.approx((medians[0], medians[-1]), abs=1e-4)


def test_the_stored_conclusions_are_the_computed_ones(stored):
    assert stored["conclusions"] == ablation.conclusions(stored)
    assert len(stored["conclusions"]) >= 4
    table = ablation.table(stored)
    assert all(f"| `{name}` |" in table for name in stored["arms"])


def _spread(*values):
    return {"mean": float(np.mean(values)), "min": min(values), "max": max(values), "values": list(values)}


def test_conclusions_call_overlapping_seeds_noise_and_separated_ones_a_gap():
    def arm(*dev):
        return {"dev_median_iou": _spread(*dev), "convergence": _spread(0.0, 0.02, 0.005)}

    result = {"seeds": [0, 1, 2], "grabcut": {"dev_median_iou": 0.6},
              "arms": {"unet_generated": arm(0.30, 0.32, 0.31), "unet_scenes": arm(0.29, 0.35, 0.40),
                       "vgg_random": arm(0.50, 0.52, 0.55), "vgg_finetuned": arm(0.61, 0.65, 0.70)}}
    text = ablation.conclusions(result)
    assert "within the noise" in text[0] and "unet_scenes" in text[0]        # 0.29–0.40 overlaps 0.30–0.32
    assert "the gap is the measure's" in text[1] and "+0.177" in text[1]
    assert "the gap is the measure's" in text[2]
    assert "`vgg_finetuned`" in text[3] and "every seed of it beats GrabCut" in text[3]
    assert text[4].startswith("8 of 12 runs had levelled off")
    result["grabcut"]["dev_median_iou"] = 0.9
    assert "no arm beats GrabCut" in ablation.conclusions(result)[3]
    result["arms"]["vgg_real_parts"] = arm(0.60, 0.66, 0.72)
    text = ablation.conclusions(result)
    assert "Real parts" in text[3] and "within the noise" in text[3] and "`vgg_real_parts`" in text[4]


def test_screened_arms_have_one_seed_and_cannot_be_the_final_model():
    assert ablation.arm_seeds("vgg_stamps_busy", (0, 1, 2)) == [0]
    assert ablation.arm_seeds("vgg_context", (0, 1, 2)) == [0, 1, 2]
    assert set(ablation.SCREENED) <= set(ablation.ARMS)

    def arm(*dev):
        return {"dev_median_iou": _spread(*dev), "convergence": _spread(*[0.0] * len(dev))}

    result = {"seeds": [0, 1, 2], "grabcut": {"dev_median_iou": 0.7},
              "arms": {"vgg_finetuned": arm(0.55, 0.56, 0.60), "vgg_stamps": arm(0.58),
                       "vgg_stamps_busy": arm(0.70), "vgg_stamps_centred": arm(0.60),
                       "vgg_real_parts": arm(0.50, 0.53, 0.57)}}
    text = ablation.conclusions(result)
    busy = next(t for t in text if t.startswith("Busy real backgrounds (one seed)"))
    assert "+0.120" in busy and "worth seeds of its own" in busy and "(0.070, `vgg_real_parts`)" in busy
    centred = next(t for t in text if t.startswith("Centred whole products"))
    assert "+0.020" in centred and "one seed cannot tell" in centred
    assert any("`vgg_finetuned`" in t and "with every seed" in t for t in text)   # not the one-seed 0.70


def test_an_earlier_final_models_holdout_score_stays_on_record():
    old = {"final": {"arm": "vgg_real_parts", "work_size": 64, "holdout_median_iou": _spread(0.47, 0.48, 0.50),
                     "holdout_wins_vs_grabcut": _spread(17, 17, 18), "holdout_iou": {"a": 0.5}}}
    assert ablation.earlier_finals(old, "vgg_real_parts") == []                 # the same model: nothing new
    kept = ablation.earlier_finals(old, "vgg_context")
    assert [e["arm"] for e in kept] == ["vgg_real_parts"] and "holdout_iou" not in kept[0]
    assert ablation.earlier_finals({"earlier_finals": kept, "final": {**old["final"], "arm": "vgg_context"}},
                                   "vgg_context") == kept
    assert ablation.earlier_finals({}, "vgg_context") == []


@pytest.mark.training
def test_a_smoke_run_trains_resumes_and_scores(tmp_path, capsys):
    runs, output = tmp_path / "runs", tmp_path / "ablation.json"
    common = {"runs": runs, "output": output, "steps": 1, "val": 2, "test_limit": 2, "photos": 2, "work_sizes": [48],
              "size": 32, "seeds": [0, 1]}
    returned = ablation.run(["unet_generated"], epochs=1, **common)
    first = json.loads(output.read_text())
    assert first == json.loads(json.dumps(returned))
    row = first["arms"]["unet_generated"]
    assert set(row["dev_mean_median_by_size"]) == {"32", "48"} and row["work_size"] in (32, 48)
    assert row["dev_photos"] == 2 and len(row["dev_median_iou"]["values"]) == 2
    assert first["final"]["arm"] == "unet_generated" and first["final"]["holdout_photos"] == 2
    for seed in (0, 1):
        state = json.loads((runs / "unet_generated" / f"seed{seed}" / "state.json").read_text())
        assert state["recipe"]["seed"] == seed and state["recipe"]["size"] == 32
    ablation.run(["unet_generated"], epochs=2, **common)           # resumes both seeds to two epochs
    state = json.loads((runs / "unet_generated" / "seed1" / "state.json").read_text())
    assert len(state["history"]["loss"]) == 2
    ablation.run(["unet_generated"], epochs=2, **common)           # finished: skipped, scored again
    assert "unet_generated seed 1: already trained" in capsys.readouterr().out
    assert "| `unet_generated` |" in ablation.table(json.loads(output.read_text()))

    # scripts/pick_real_model.py: the best dev median among the runs, shipped without the optimiser
    pick_json, shipped = tmp_path / "pick.json", tmp_path / "ship" / "picked.keras"
    folders = [str(runs / "unet_generated" / f"seed{seed}") for seed in (0, 1)]
    assert _pick_script([*folders, "--work-sizes", "32", "48", "--test-limit", "2", "--out", str(pick_json),
                         "--ship", str(shipped)]) == 0
    pick = json.loads(pick_json.read_text())
    best = max(m for r in pick["runs"].values() for m in r["dev_median_by_size"].values())
    assert pick["pick"]["dev_median_iou"] == best and pick["pick"]["work_size"] in (32, 48)
    assert "holdout" not in json.dumps(pick["runs"])
    import keras

    keras.saving.load_model(shipped, safe_mode=True, compile=False)
    assert shipped.stat().st_size < (runs / "unet_generated" / "seed0" / "best.keras").stat().st_size   # no Adam
    assert json.loads(shipped.with_suffix(".training.json").read_text())["recipe"]["encoder"] == "unet"
    assert all(r["pickable"] and r["weights_megabytes"] > 0 for r in pick["runs"].values())
    with pytest.raises(SystemExit):
        _pick_script([str(tmp_path / "nothing"), "--out", str(pick_json)])
    with pytest.raises(SystemExit):                                    # nothing small enough
        _pick_script([*folders, "--work-sizes", "32", "--test-limit", "2", "--out", str(pick_json),
                      "--max-megabytes", "0.001"])


def _pick_script(argv) -> int:
    import importlib.util

    from course_lib.config import REPO_ROOT

    spec = importlib.util.spec_from_file_location("pick_real_model", REPO_ROOT / "scripts" / "pick_real_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


def test_bad_arms_and_seeds_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no arm \\['vgg5'\\]"):
        ablation.run(["vgg5"], runs=tmp_path, output=tmp_path / "a.json")
    with pytest.raises(ValueError, match="at least one seed"):
        ablation.run(["unet_generated"], seeds=[], runs=tmp_path, output=tmp_path / "a.json")
    with pytest.raises(ValueError, match="no arm 'vgg5'"):
        ablation.train_arm("vgg5", tmp_path, epochs=1, steps=1, val=1)


def test_the_long_runs_have_three_seeds_per_recipe_and_their_table_follows_from_the_record():
    """data/models/real_model_choice.json: the shipped CNN's recipe and the global-context one, three seeds each."""
    choice = json.loads((DATA_DIR / "models" / "real_model_choice.json").read_text(encoding="utf-8"))
    groups = ablation.recipe_groups(choice)
    long = {label: g for label, g in groups.items() if g["recipe"]["epochs"] == 40}
    assert len(long) == 2 and {g["recipe"]["context"] for g in long.values()} == {False, True}
    for label, g in groups.items():
        runs = [r for r in choice["runs"].values() if r["recipe"]["seed"] in g["seeds"]
                and {k: v for k, v in r["recipe"].items() if k not in ("out", "seed")} == g["recipe"]]
        assert len(runs) == len(g["seeds"]) >= 3, label
        means = {size: np.mean([r["dev_median_by_size"][size] for r in runs]) for size in runs[0]["dev_median_by_size"]}
        assert means[str(g["work_size"])] == max(means.values()), label
        assert sorted(g["dev_median_iou"]["values"]) == sorted(r["dev_median_by_size"][str(g["work_size"])]
                                                                for r in runs)
    table = ablation.groups_table(groups)
    assert table.count("\n") == len(groups) + 1 and all(label in table for label in groups)
    one, other = list(long)
    sentence = ablation.compare_groups(groups, one, other)
    separated = ablation._separated(groups[one]["dev_median_iou"], groups[other]["dev_median_iou"])
    assert ("within the noise" in sentence) != separated

"""course_lib.real_default and data/models/real_default.json: the tools' default is the dev winner, from dev only."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from course_lib import cutout, inference, real, real_default
from course_lib.config import DATA_DIR

README = DATA_DIR.parent / "README.md"


@pytest.fixture(scope="module")
def stored():
    return json.loads(real_default.CHOICE_PATH.read_text(encoding="utf-8"))


def test_the_default_is_the_best_dev_median_and_the_medians_follow_from_the_photos(stored):
    methods = stored["methods"]
    assert set(methods) == set(real_default.CANDIDATES) and set(stored["medians"]) == set(methods)
    for name, entry in methods.items():
        scores = list(entry["per_photo"].values())
        assert entry["median"] == stored["medians"][name]
        assert abs(float(np.median(scores)) - entry["median"]) <= 5e-5, name
        for seed, per_photo in entry.get("per_seed", {}).items():
            assert abs(float(np.median(list(per_photo.values()))) - entry["median_per_seed"][seed]) <= 5e-5
        if real_default.CANDIDATES[name][1]:                     # GrabCut-based: every seed, and their mean
            assert sorted(map(int, entry["per_seed"])) == sorted(stored["seeds"]) and len(stored["seeds"]) >= 2
            for photo, value in entry["per_photo"].items():
                mean = np.mean([entry["per_seed"][str(s)][photo] for s in stored["seeds"]])
                assert abs(mean - value) <= 5e-5, (name, photo)
        assert abs(float(np.mean(scores)) - stored["means"][name]) <= 5e-5, name
        base = methods["grabcut"]["per_photo"]
        better = sum(entry["per_photo"][k] > base[k] + 0.01 for k in base)
        worse = sum(entry["per_photo"][k] < base[k] - 0.01 for k in base)
        assert stored["versus_grabcut"][name] == {"better": better, "worse": worse}, name
    assert stored["rule"] == real_default.CHOICE_RULE
    assert stored["default"] == real_default.choose_from_record(stored)
    chosen = stored["versus_grabcut"][stored["default"]]
    assert stored["default"] == "grabcut" or chosen["better"] > chosen["worse"]


def _leads_in_every_run(stored, name):
    """Recomputed from the stored per-seed IoUs: does ``name`` beat GrabCut on more photos than it trails, every run?"""
    grabcut = stored["methods"]["grabcut"]
    entries = [stored["methods"][name]] + [scored[name] for scored in stored["training_seeds"]["methods"].values()
                                           if name in scored]
    runs = []
    for entry in entries:
        if "per_seed" in entry:
            runs += [(entry["per_seed"][seed], grabcut["per_seed"][seed]) for seed in grabcut["per_seed"]]
        else:
            runs.append((entry["per_photo"], grabcut["per_photo"]))
    counts = [(sum(m[k] > g[k] + 0.01 for k in g), sum(m[k] < g[k] - 0.01 for k in g)) for m, g in runs]
    return all(better > worse for better, worse in counts)


def test_the_default_beats_grabcut_with_every_seed_of_the_cnn_and_of_grabcut(stored):
    training = stored["training_seeds"]
    shipped = json.loads(inference.REAL_MODEL_PATH.with_suffix(".training.json").read_text(encoding="utf-8"))
    assert training["shipped"] == shipped["recipe"]["seed"]
    assert len(training["runs"]) >= 2 and str(training["shipped"]) not in training["runs"], \
        "three training seeds of the CNN's recipe: the shipped one and at least two more"
    assert set(training["methods"]) == set(training["runs"])
    dev = set(stored["photos"])
    for seed, scored in training["methods"].items():
        assert set(scored) == set(real_default.REAL_CNN_CANDIDATES), seed
        for name, entry in scored.items():
            assert set(entry["per_photo"]) == dev, (seed, name)
            assert abs(float(np.median(list(entry["per_photo"].values()))) - entry["median"]) <= 5e-5
            for photo, value in entry["per_photo"].items():
                if "per_seed" in entry:
                    mean = np.mean([entry["per_seed"][str(s)][photo] for s in stored["seeds"]])
                    assert abs(mean - value) <= 5e-5, (seed, name, photo)
    versus = stored["versus_grabcut"]
    allowed = [name for name in stored["methods"] if name == "grabcut" or (
        versus[name]["better"] > versus[name]["worse"] and _leads_in_every_run(stored, name))]
    assert stored["default"] in allowed
    assert all(stored["medians"][stored["default"]] >= stored["medians"][name] for name in allowed)


def test_a_method_that_trails_with_one_training_seed_is_not_chosen():
    grabcut = {"per_photo": {"p": 0.5, "q": 0.5, "r": 0.5},
               "per_seed": {"0": {"p": 0.5, "q": 0.5, "r": 0.5}, "1": {"p": 0.5, "q": 0.5, "r": 0.5}}}
    good = {"p": 0.9, "q": 0.9, "r": 0.1}
    hybrid = {"per_photo": good, "per_seed": {"0": good, "1": good}}
    record = {"methods": {"grabcut": grabcut, "real_hybrid": hybrid}, "training_seeds": {"methods": {}}}
    assert real_default.choose_from_record(record) == "real_hybrid"
    bad = {"p": 0.9, "q": 0.1, "r": 0.1}
    record["training_seeds"]["methods"] = {"1": {"real_hybrid": {"per_photo": bad, "per_seed": {"0": good, "1": bad}}}}
    assert real_default.choose_from_record(record) == "grabcut"
    pairs = real_default.seeded_comparisons(record["methods"], record["training_seeds"]["methods"])["real_hybrid"]
    assert len(pairs) == 4 and pairs[-1] == (bad, grabcut["per_seed"]["1"])
    with pytest.raises(ValueError, match="reference='grabcut'"):
        real_default.seeded_comparisons({"real_hybrid": hybrid})


def _choose_script(argv):
    import importlib.util

    from course_lib.config import REPO_ROOT

    script = REPO_ROOT / "scripts" / "choose_real_default.py"
    spec = importlib.util.spec_from_file_location("choose_real_default", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


def test_training_runs_of_another_recipe_or_the_shipped_seed_are_refused(tmp_path, capsys):
    shipped = json.loads(inference.REAL_MODEL_PATH.with_suffix(".training.json").read_text(encoding="utf-8"))["recipe"]
    run = tmp_path / "run"
    run.mkdir()
    (run / "best.keras").write_bytes(b"")
    (run / "checkpoint.keras").write_bytes(b"")
    for recipe, message in (({**shipped, "seed": shipped["seed"] + 1, "blocks": 5}, r"differs in \['blocks'\]"),
                            (dict(shipped), "already scored")):
        (run / "state.json").write_text(json.dumps({"recipe": recipe, "history": {"loss": []}}))
        with pytest.raises(SystemExit):
            _choose_script(["--training-runs", str(run), "--out", str(tmp_path / "out.json")])
        assert re.search(message, capsys.readouterr().err)
    with pytest.raises(SystemExit):
        _choose_script(["--training-runs", str(tmp_path / "nothing"), "--out", str(tmp_path / "out.json")])
    assert "not a finished run" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()


def test_the_holdout_record_scores_the_default_and_grabcut_once_per_reason():
    record = real_default.read_holdout()
    assert record is not None and record["split"] == "holdout"
    holdout = {p["name"] for p in real.read_photos("holdout") if p.get("split") == "holdout"}
    assert set(record["photos"]) <= holdout and len(record["photos"]) >= 40
    assert "grabcut" in record["per_photo"], "holdout must hold GrabCut, scored with the same seeds"
    assert record["times_scored"] == 1 + len(record["reasons_for_again"])
    for name, scores in record["per_photo"].items():
        assert set(scores) == set(record["photos"]), name
        assert abs(float(np.median(list(scores.values()))) - record["medians"][name]) <= 5e-5, name
        wins = sum(scores[p] > record["per_photo"]["grabcut"][p] for p in scores)
        assert record["wins_over_grabcut"][name] == wins, name


def test_every_default_holdout_judged_stays_on_record_with_its_model_and_commit():
    record = real_default.read_holdout()
    grabcut = record["per_photo"]["grabcut"]
    assert record["model"] == real_default.model_of(record["default_when_scored"])
    earlier = record["earlier_defaults"]
    assert len(earlier) == record["times_scored"] - 1, "one earlier entry per earlier scoring"
    for e in earlier:
        assert set(e["per_photo"]) == set(record["photos"]) and e["photos"] == len(record["photos"])
        assert abs(float(np.median(list(e["per_photo"].values()))) - e["median"]) <= 5e-5, e["default"]
        # counted against GrabCut in its own run; the same here means GrabCut's scores have not moved since
        assert e["wins_over_grabcut"] == sum(e["per_photo"][p] > grabcut[p] for p in grabcut), e["default"]
        assert e["model"] is None or (DATA_DIR.parent / e["model"]).is_file(), e["model"]
        assert re.fullmatch(r"[0-9a-f]{7,40}", e["commit"]), e["commit"]


def test_earlier_defaults_carry_every_entry_forward_and_skip_grabcut():
    def record(name, scores, earlier=()):
        return {"default_when_scored": name, "commit": "abc1234", "seeds": [0, 1], "photos": ["a", "b", "c"],
                "per_photo": {name: scores, "grabcut": {"a": 0.5, "b": 0.5, "c": 0.5}},
                "earlier_defaults": list(earlier)}
    assert real_default.earlier_defaults(None) == []
    first = real_default.earlier_defaults(record("hybrid_box", {"a": 0.1, "b": 0.9, "c": 0.2}))
    assert [(e["default"], e["median"], e["wins_over_grabcut"], e["model"]) for e in first] == [
        ("hybrid_box", 0.2, 1, "data/models/unet.keras")]
    second = real_default.earlier_defaults(record("real_hybrid", {"a": 0.6, "b": 0.7, "c": 0.8}, first))
    assert [e["default"] for e in second] == ["hybrid_box", "real_hybrid"] and second[0] == first[0]
    assert second[1]["summary"] == real_default.CANDIDATES["real_hybrid"][0]
    assert real_default.earlier_defaults(record("grabcut", {"a": 0.5, "b": 0.5, "c": 0.5}, second)) == second, \
        "GrabCut is scored again beside every default: nothing to keep"
    with pytest.raises(ValueError, match="not a candidate"):
        real_default.model_of("magic")


def test_only_dev_photos_were_scored(stored):
    dev = {p["name"] for p in real.read_photos("dev")}
    holdout = {p["name"] for p in real.read_photos("holdout")}
    assert stored["split"] == "dev" and set(stored["photos"]) == dev
    text = json.dumps(stored)
    for name, entry in stored["methods"].items():
        assert set(entry["per_photo"]) == dev, name
        for per_photo in entry.get("per_seed", {}).values():
            assert set(per_photo) == dev
    leaked = [h for h in holdout - dev if re.search(rf'"{re.escape(h)}"', text)]
    assert not leaked, f"holdout photos in the choice: {leaked}"


def test_the_choice_records_its_command_model_and_working_size(stored):
    assert stored["command"].startswith("python scripts/choose_real_default.py")
    assert stored["real_model"]["path"].endswith(inference.REAL_MODEL_PATH.name)
    assert stored["real_model"]["work_size"] == inference.REAL_WORK_SIZE
    sweep = stored["work_size_sweep"]["median_iou"]
    assert stored["work_size_sweep"]["best"] == int(max(sweep, key=sweep.get)) == inference.REAL_WORK_SIZE, \
        "inference.REAL_WORK_SIZE must be the working size dev chose"
    assert all(name in cutout.METHODS for name in stored["methods"]), "every candidate is a course-cutout method"


def test_the_tools_resolve_auto_to_the_stored_winner(stored):
    assert real_default.default_method() == stored["default"]
    assert cutout.resolve_method("auto") == cutout.resolve_method() == stored["default"]
    assert cutout.resolve_method("otsu") == "otsu"
    with pytest.raises(ValueError, match="method='watershed'"):
        cutout.resolve_method("watershed")


def test_a_missing_or_broken_choice_falls_back_and_says_why(tmp_path):
    missing = tmp_path / "real_default.json"
    assert real_default.default_method(missing) == real_default.FALLBACK
    with pytest.raises(FileNotFoundError, match="choose_real_default.py"):
        real_default.read_choice(missing)
    missing.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        real_default.read_choice(missing)
    missing.write_text(json.dumps({"default": "magic"}))
    with pytest.raises(ValueError, match="no known default"):
        real_default.read_choice(missing)
    assert real_default.default_method(missing) == real_default.FALLBACK


def test_score_candidates_scores_every_seed_and_averages_them():
    """Two squares on a background, CNNs that see them exactly: every method is scored per photo and per seed."""
    from course_lib.datasets import Split

    rgbs, alphas = [], []
    for k in range(2):
        rgb = np.full((48, 56, 3), 30, np.uint8)
        alpha = np.zeros((48, 56), np.float32)
        alpha[10 + k:34, 12:40 - k] = 1
        rgb[alpha > 0] = (230, 200, 40)
        rgbs.append(rgb)
        alphas.append(alpha)
    split = Split(np.stack(rgbs), np.stack(alphas), np.array(["real"] * 2),
                  [{"name": "one"}, {"name": "two"}], "toy")

    def exact(rgb):                                   # a CNN that is exactly right
        return next(a for r, a in zip(split.rgb, split.alpha) if np.array_equal(r, rgb))
    scores = real_default.score_candidates(exact, exact, split, seeds=(0, 1))
    assert set(scores) == set(real_default.CANDIDATES)
    assert scores["real_cnn"]["per_photo"] == {"one": 1.0, "two": 1.0} and "per_seed" not in scores["real_cnn"]
    for name in ("real_hybrid_box", "grabcut"):
        assert set(scores[name]["per_seed"]) == {"0", "1"}
        assert all(v > 0.9 for v in scores[name]["per_photo"].values()), (name, scores[name])
    with pytest.raises(ValueError, match="seeds"):
        real_default.score_candidates(exact, exact, split, seeds=())


def test_readme_states_the_choice_with_its_dev_numbers(stored):
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Which method the tools use"):]
    section = section[:section.find("\n## ", 5)] if "\n## " in section[5:] else section
    assert f"`{stored['default']}`" in section
    for name, median in stored["medians"].items():
        assert f"`{name}`" in section and f"{median:.3f}" in section, f"{name} {median:.3f} missing from README"
    assert "python scripts/choose_real_default.py" in section


def test_the_paired_bootstrap_agrees_with_scipys_and_refuses_bad_input():
    from scipy import stats

    rng = np.random.default_rng(3)
    base = {f"p{i}": float(v) for i, v in enumerate(rng.uniform(0.2, 0.9, 40))}
    scores = {p: min(1.0, v + float(rng.normal(0.03, 0.1))) for p, v in base.items()}
    ours = real_default.paired_bootstrap(scores, base, resamples=4000, seed=1)
    a, b = np.array([scores[p] for p in sorted(base)]), np.array([base[p] for p in sorted(base)])
    theirs = stats.bootstrap((a, b), lambda x, y, axis=-1: np.median(x, axis=axis) - np.median(y, axis=axis),
                             paired=True, vectorized=True, n_resamples=4000, confidence_level=0.9,
                             method="percentile", random_state=2).confidence_interval
    assert abs(ours["low"] - theirs.low) < 0.02 and abs(ours["high"] - theirs.high) < 0.02, (ours, theirs)
    assert ours["gap"] == round(float(np.median(a) - np.median(b)), 4) and ours["low"] <= ours["gap"] <= ours["high"]
    assert ours == real_default.paired_bootstrap(scores, base, resamples=4000, seed=1), "repeatable for a seed"
    flipped = real_default.paired_bootstrap(base, scores, resamples=4000, seed=1)
    assert flipped["gap"] == -ours["gap"] and abs(flipped["low"] + ours["high"]) < 1e-9
    with pytest.raises(ValueError, match="one only: \\['p0'\\]"):
        real_default.paired_bootstrap({p: v for p, v in scores.items() if p != "p0"}, base)
    with pytest.raises(ValueError, match="no photos"):
        real_default.paired_bootstrap({}, {})
    with pytest.raises(ValueError, match="confidence"):
        real_default.paired_bootstrap(scores, base, confidence=1.0)
    with pytest.raises(ValueError, match="resamples"):
        real_default.paired_bootstrap(scores, base, resamples=10)


def test_the_noise_script_prints_an_interval_for_every_candidate_and_default(capsys):
    import runpy

    main = runpy.run_path(str(DATA_DIR.parent / "scripts" / "dev_noise.py"))["main"]
    assert main(["--resamples", "200"]) == 0
    out = capsys.readouterr().out
    stored = real_default.read_choice()
    for name in stored["methods"]:
        if name != "grabcut":
            gap = stored["medians"][name] - stored["medians"]["grabcut"]
            assert re.search(rf"^  {name} +{re.escape(f'{gap:+.3f}')} +\[", out, re.M), name
    record = real_default.read_holdout()
    assert len(re.findall(r"\(the default (?:at \w+|now)\)", out)) == len(record["earlier_defaults"]) + 1

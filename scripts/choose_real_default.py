"""Score the tools' candidate methods on the real `dev` photos and record the winner as their default.

    .venv/bin/python scripts/choose_real_default.py                  # writes data/models/real_default.json
    .venv/bin/python scripts/choose_real_default.py --training-runs RUN_SEED1 RUN_SEED2   # what the JSON records
    .venv/bin/python scripts/choose_real_default.py --out build/real_default.json --limit 5   # a quick look

The candidates (:data:`course_lib.real_default.CANDIDATES`): the real-photo CNN
alone, GrabCut from its labels, inside its box and from the border with its
hints; lesson 04's U-Net alone, GrabCut from its labels and inside its box; and
GrabCut from the border. First the real-photo CNN's working size is swept on
`dev` (it must match ``inference.REAL_WORK_SIZE``, which the tools use); every
GrabCut-based candidate runs with each seed of ``--seeds``.
``--training-runs`` names the runs of the shipped CNN's recipe with its other
training seeds (``scripts/train_real_model.py --seed N``): the candidates that
run the real-photo CNN are scored with each of them too, and a method must beat
GrabCut with every seed to be chosen (:func:`course_lib.real_default.choose`).
Prints a table of median IoU (mean over the seeds, and each seed) and writes
per-photo scores, medians, the chosen default and this command. Only `dev` is read:
`holdout` is for final numbers, never for choosing.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_lib import inference, real, real_default, scene_training, train_loop
from course_lib.config import DATA_DIR, repo_relative
from course_lib.imageio import write_atomic


def _shipped_recipe() -> dict:
    """The recipe that trained the shipped real-photo CNN (its ``.training.json``)."""
    record = inference.REAL_MODEL_PATH.with_suffix(".training.json")
    if not record.is_file():
        raise FileNotFoundError(f"{record} is missing: the shipped CNN's training record (scripts/pick_real_model.py "
                                "--ship writes it)")
    return json.loads(record.read_text(encoding="utf-8"))["recipe"]


def _training_siblings(runs: list[Path]) -> dict[int, Path]:
    """``{seed: run folder}`` for runs of the shipped CNN's recipe with other seeds; ValueError says what is wrong."""
    shipped = _shipped_recipe()
    family = scene_training.recipe_family(shipped)
    out = {}
    for folder in runs:
        if not (folder / train_loop.BEST).is_file():
            raise ValueError(f"{folder}: no {train_loop.BEST} (not a finished run of scripts/train_real_model.py)")
        recipe = train_loop.read_state(folder)["recipe"]
        differs = sorted(k for k in family if recipe.get(k) != family[k])
        if differs:
            raise ValueError(f"{folder} is not the shipped CNN's recipe with another seed: it differs in {differs}")
        if recipe["seed"] == shipped["seed"] or recipe["seed"] in out:
            raise ValueError(f"{folder}: training seed {recipe['seed']} is already scored (the shipped CNN has "
                             f"seed {shipped['seed']})")
        out[int(recipe["seed"])] = folder
    return out


def _entry(name: str, scores: dict) -> dict:
    """One candidate's JSON entry: what it is, its median, its per-photo IoUs and, with GrabCut, each seed's."""
    entry = {"summary": real_default.CANDIDATES[name][0],
             "median": real_default.medians({name: scores["per_photo"]})[name], "per_photo": scores["per_photo"]}
    if "per_seed" in scores:
        entry["median_per_seed"] = real_default.medians(scores["per_seed"])
        entry["per_seed"] = scores["per_seed"]
    return entry


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=real_default.CHOICE_PATH, help="the JSON to write")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(real_default.SEEDS), help="GrabCut's seeds")
    parser.add_argument("--training-runs", type=Path, nargs="*", default=[],
                        help="runs of the shipped CNN's recipe with other training seeds (best.keras, state.json)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N dev photos (a smoke test)")
    args = parser.parse_args(argv)
    split = real.as_split("dev")
    if args.limit:
        split = real.as_split("dev", [m["name"] for m in split.meta][:args.limit])
    names = [m["name"] for m in split.meta]
    print(f"{len(names)} dev photos")

    try:
        siblings = _training_siblings(args.training_runs)
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    real_model, _ = inference.load_real_model()
    sizes = real_default.sweep_work_size(real_model, split)
    work_size = int(max(sizes, key=sizes.get))
    print("real-photo CNN alone, median IoU by working size: "
          + ", ".join(f"{s} px {m:.3f}" for s, m in sizes.items()) + f" -> {work_size} px")
    if work_size != inference.REAL_WORK_SIZE:
        print(f"note: dev now prefers {work_size} px, inference.REAL_WORK_SIZE is {inference.REAL_WORK_SIZE}: "
              "the tools use the constant; update it and run this again", file=sys.stderr)
    real_cnn = inference.AlphaCache(real_model, size=inference.REAL_WORK_SIZE)
    unet_cnn = inference.AlphaCache(inference.load_pretrained(), size=inference.WORK_SIZE)
    real_cnn.warm(list(split.rgb))
    unet_cnn.warm(list(split.rgb))
    thresholds = real_default.sweep_threshold(real_cnn, split)

    scores = real_default.score_candidates(real_cnn, unet_cnn, split, seeds=args.seeds)
    others = {}
    for seed, folder in siblings.items():
        cache = inference.AlphaCache(inference.load_pretrained(folder / train_loop.BEST), size=inference.REAL_WORK_SIZE)
        cache.warm(list(split.rgb))
        others[seed] = cache
    training = real_default.score_training_seeds(others, unet_cnn, split, seeds=args.seeds)
    per_photo = {name: s["per_photo"] for name, s in scores.items()}
    medians = real_default.medians(per_photo)
    methods = {name: _entry(name, s) for name, s in scores.items()}
    training_methods = {seed: {name: _entry(name, s) for name, s in scored.items()}
                        for seed, scored in training.items()}
    record_seeds = {"shipped": _shipped_recipe()["seed"],
                    "runs": {str(seed): repo_relative(folder) for seed, folder in siblings.items()},
                    "methods": training_methods}
    default = real_default.choose_from_record({"methods": methods, "training_seeds": record_seeds})

    mean, wins = real_default.means(per_photo), real_default.versus(per_photo, "grabcut")
    print(f"\n{'method':<18}{'median IoU':>11}{'mean':>7}  vs GrabCut from the border   median per seed")
    for name, entry in sorted(methods.items(), key=lambda kv: -kv[1]["median"]):
        seeds = ", ".join(f"{k}: {v:.3f}" for k, v in entry.get("median_per_seed", {}).items())
        print(f"{name:<18}{entry['median']:>11.3f}{mean[name]:>7.3f}  better on {wins[name]['better']:>2}, "
              f"worse on {wins[name]['worse']:>2}       {seeds}")
    comparisons = real_default.seeded_comparisons(methods, training_methods)
    for seed, scored in training_methods.items():
        print(f"with the CNN of training seed {seed}: " + ", ".join(
            f"{name} median {entry['median']:.3f}" for name, entry in scored.items()))
    for name, runs in comparisons.items():
        counts = [real_default.better_worse(m, g) for m, g in runs]
        print(f"{name:<18} better / worse than GrabCut from the border, run by run: "
              + ", ".join(f"{c['better']}/{c['worse']}" for c in counts))
    print(f"\ndefault: {default} ({real_default.CHOICE_RULE})")

    result = {
        "split": "dev",
        "photos": names,
        "command": " ".join(["python scripts/choose_real_default.py", *map(shlex.quote, argv or sys.argv[1:])]),
        "real_model": {"path": Path(os.path.relpath(inference.REAL_MODEL_PATH, DATA_DIR.parent)).as_posix(),
                       "work_size": inference.REAL_WORK_SIZE},
        "work_size_sweep": {"median_iou": sizes, "best": work_size},
        "threshold_sweep": {"median_iou": thresholds,
                            "note": "the real-photo CNN alone at each threshold, for the reader; not a candidate "
                                    "(chosen and scored on the same photos, it would flatter itself)"},
        "seeds": list(args.seeds),
        "medians": medians,
        "default": default,
        "rule": real_default.CHOICE_RULE,
        "means": real_default.means(per_photo),
        "versus_grabcut": real_default.versus(per_photo, "grabcut"),
        "methods": methods,
        "training_seeds": record_seeds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out, (json.dumps(result, indent=1, ensure_ascii=False) + "\n").encode("utf-8"), overwrite=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

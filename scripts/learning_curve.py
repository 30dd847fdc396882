"""How many photos must you label? Fine-tune on 5, 10, 20 and all real ``dev`` photos; score on ``holdout``.

    .venv/bin/python scripts/learning_curve.py                       # about 40 min on 2 CPU cores; resumable
    .venv/bin/python scripts/learning_curve.py --tiny                # a smoke test in a few minutes
    nohup nice -n 5 .venv/bin/python scripts/learning_curve.py > build/learning_curve.log 2>&1 &

Two sections, each run with :func:`course_lib.finetune.finetune` from the
shipped model (``--model`` for another), the recipe of the command line
``course-finetune`` with fewer steps:

1. ``mix`` — which share of each batch should be generated samples? Measured
   on ``dev`` only: its scenes are split into two folds; for each share, train
   on one fold and score on the other, both ways round. The share with the best
   median IoU is the one the curve uses (and the library's default,
   :data:`course_lib.finetune.GENERATED_SHARE`, should match it).
2. ``curve`` — for each size, several random draws of that many ``dev``
   photos; within a draw, whole scenes are held out for early stopping
   (:func:`course_lib.finetune.group_split`), as a user's own folder would be.
   Every run is scored on every ``holdout`` photo, which nothing here trains or
   tunes on; the shipped model and GrabCut are scored on them too, as
   reference lines.
3. ``control`` — the same fine-tuning with generated samples only (no
   labelled photo trained on; the ``dev`` photos only choose the stopping
   step), scored on ``holdout`` and, as in ``mix``, on the two ``dev`` folds:
   how much of the gain is the photos', and how much the generator's.

Results go to ``data/models/learning_curve.json`` (lesson 10 plots it) after
every run, atomically; a run already in the file is not repeated, so a stopped
script continues where it stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from course_lib import classical, finetune, metrics
from course_lib.config import DATA_DIR, REPO_ROOT
from course_lib.imageio import write_atomic
from course_lib.inference import MODEL_PATH, WORK_SIZE, load_pretrained

OUT = DATA_DIR / "models" / "learning_curve.json"


def score(model, pairs, size: int) -> dict:
    rows = finetune.held_out_scores(model, pairs, size)
    return {"median_iou": round(float(np.median([r["iou"] for r in rows])), 4),
            "mean_iou": round(float(np.mean([r["iou"] for r in rows])), 4),
            "median_boundary_f": round(float(np.median([r["boundary_f"] for r in rows])), 4),
            "median_mae": round(float(np.median([r["mae"] for r in rows])), 4),
            "per_photo": {p.name: round(r["iou"], 4) for p, r in zip(pairs, rows)}}


def save(state: dict, path: Path) -> None:
    write_atomic(path, (json.dumps(state, indent=1) + "\n").encode("utf-8"), overwrite=True)


def train_once(model, initial, train, args, share: float, seed: int) -> tuple[finetune.FinetuneResult, list]:
    """Reset to the starting weights; hold out whole scenes of ``train`` for early stopping; fine-tune."""
    model.set_weights(initial)
    groups = {p.name: p.group for p in train}
    fit, stop = finetune.group_split([p.name for p in train], groups, val_fraction=0.2, seed=seed)
    by_name = {p.name: p for p in train}
    result = finetune.finetune(model, [by_name[n] for n in fit], [by_name[n] for n in stop], steps=args.steps,
                               batch_size=args.batch_size, size=args.size, learning_rate=args.lr,
                               generated_share=share, eval_every=args.eval_every, patience=args.patience,
                               seed=seed, progress=False)
    return result, stop


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help=f"default {OUT.relative_to(REPO_ROOT)}")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20, 0], help="0 means all dev photos")
    parser.add_argument("--draws", type=int, default=3, help="random draws per size (one for all photos)")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.0, 0.25, 0.5],
                        help="generated shares the mix section compares")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--eval-every", type=int, default=10)
    parser.add_argument("--patience", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--size", type=int, default=WORK_SIZE)
    parser.add_argument("--lr", type=float, default=finetune.LEARNING_RATE)
    parser.add_argument("--holdout-limit", type=int, default=None, help="score on the first N holdout photos only")
    parser.add_argument("--tiny", action="store_true", help="a smoke test: 2 and 3 photos, 3 steps, 4 holdout photos")
    args = parser.parse_args(argv)
    if args.tiny:
        args.sizes, args.draws, args.shares, args.steps, args.eval_every = [2, 3], 1, [0.0, 0.5], 3, 1
        args.holdout_limit = args.holdout_limit or 4
    out = args.out or (REPO_ROOT / "build" / "learning_curve_tiny.json" if args.tiny else OUT)
    out.parent.mkdir(parents=True, exist_ok=True)
    recipe = {k: v for k, v in vars(args).items() if k in ("sizes", "draws", "shares", "steps", "eval_every",
                                                          "patience", "batch_size", "size", "lr", "holdout_limit")}
    model_path = Path(args.model).resolve()
    recipe["model"] = str(model_path.relative_to(REPO_ROOT) if model_path.is_relative_to(REPO_ROOT) else args.model)
    state = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    if state and state.get("recipe") != recipe:
        parser.error(f"{out} was made with another recipe ({state.get('recipe')}); give another --out or delete it")
    state.update({"about": __doc__.splitlines()[0], "recipe": recipe, "status": "running",
                  "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
                  "command": "python scripts/learning_curve.py " + " ".join(sys.argv[1:] if argv is None else argv)})
    state.setdefault("mix", {"runs": []})
    state.setdefault("curve", {"runs": []})

    dev, holdout = finetune.real_pairs("dev"), finetune.real_pairs("holdout", args.holdout_limit)
    model, initial = load_pretrained(args.model), None
    initial = model.get_weights()
    print(f"{len(dev)} dev photos, {len(holdout)} holdout photos; {args.steps} steps at most per run", flush=True)

    if "reference" not in state:
        start = time.perf_counter()
        shipped = score(model, holdout, args.size)
        grabcut = [metrics.iou(classical.grabcut_mask(p.rgb), p.mask) for p in holdout]
        state["reference"] = {"holdout_photos": [p.name for p in holdout], "shipped": shipped,
                              "grabcut": {"median_iou": round(float(np.median(grabcut)), 4),
                                          "mean_iou": round(float(np.mean(grabcut)), 4),
                                          "per_photo": {p.name: round(v, 4) for p, v in zip(holdout, grabcut)}},
                              "seconds": round(time.perf_counter() - start, 1)}
        save(state, out)
        print(f"holdout: shipped median IoU {shipped['median_iou']:.3f}, GrabCut "
              f"{state['reference']['grabcut']['median_iou']:.3f}", flush=True)

    # 1. the mix, on dev only: two folds of scenes, each scored by a model trained on the other
    groups = {p.name: p.group for p in dev}
    rest, fold = finetune.group_split([p.name for p in dev], groups, val_fraction=0.4, seed=0)
    folds = [rest, fold]
    state["mix"]["folds"] = folds
    by_name = {p.name: p for p in dev}
    done = {(r["share"], r["fold"]) for r in state["mix"]["runs"]}
    for share in args.shares:
        for k in (0, 1):
            if (share, k) in done:
                continue
            train, scored = [by_name[n] for n in folds[1 - k]], [by_name[n] for n in folds[k]]
            result, stop = train_once(model, initial, train, args, share, seed=k)
            s = score(model, scored, args.size)
            state["mix"]["runs"].append({"share": share, "fold": k, "trained_on": len(train) - len(stop),
                                         "stopping_photos": stop, "best_step": result.best_step,
                                         "steps_run": result.steps_run, "seconds": round(result.seconds, 1),
                                         **{key: s[key] for key in ("median_iou", "mean_iou")}})
            save(state, out)
            print(f"mix: share {share:.2f}, scored fold {k} ({len(scored)} photos): median IoU {s['median_iou']:.3f} "
                  f"[{result.steps_run} steps, {result.seconds:.0f} s]", flush=True)
    means = {share: float(np.mean([r["median_iou"] for r in state["mix"]["runs"] if r["share"] == share]))
             for share in args.shares}
    chosen = max(args.shares, key=lambda s: (round(means[s], 4), -abs(s - finetune.GENERATED_SHARE)))
    state["mix"].update({"mean_of_fold_medians": {str(k): round(v, 4) for k, v in means.items()}, "chosen": chosen})
    save(state, out)
    print(f"mix: chosen generated share {chosen} (mean of the two folds' median IoU: {means[chosen]:.3f})", flush=True)

    # 2. the curve: n dev photos, several draws, scored on holdout
    done = {(r["n"], r["draw"]) for r in state["curve"]["runs"]}
    for size in args.sizes:
        n = len(dev) if size == 0 or size >= len(dev) else size
        for draw in range(1 if n == len(dev) else args.draws):
            if (n, draw) in done:
                continue
            rng = np.random.default_rng([n, draw, 10])
            picked = [dev[i] for i in sorted(rng.choice(len(dev), n, replace=False))]
            result, stop = train_once(model, initial, picked, args, chosen, seed=draw)
            s = score(model, holdout, args.size)
            state["curve"]["runs"].append({"n": n, "draw": draw, "photos": [p.name for p in picked],
                                           "stopping_photos": stop, "best_step": result.best_step,
                                           "steps_run": result.steps_run, "stopped_early": result.stopped_early,
                                           "seconds": round(result.seconds, 1), **s})
            save(state, out)
            print(f"curve: {n} photos, draw {draw}: holdout median IoU {s['median_iou']:.3f} "
                  f"[{result.steps_run} steps, {result.seconds:.0f} s]", flush=True)
    # 3. the control: the same fine-tuning with generated samples only. Is the gain the photos', or the generator's?
    if "control" not in state:
        model.set_weights(initial)
        result = finetune.finetune(model, dev, dev, steps=args.steps, batch_size=args.batch_size, size=args.size,
                                   learning_rate=args.lr, generated_share=1.0, eval_every=args.eval_every,
                                   patience=args.patience, seed=0, progress=False)
        s = score(model, holdout, args.size)
        state["control"] = {"about": "0 labelled photos trained on: every view generated; the dev photos only chose "
                                     "the stopping step", "best_step": result.best_step,
                            "steps_run": result.steps_run, "seconds": round(result.seconds, 1), **s}
        save(state, out)
        print(f"control (generated samples only): holdout median IoU {s['median_iou']:.3f} "
              f"[{result.steps_run} steps, {result.seconds:.0f} s]", flush=True)
    if "dev_folds" not in state["control"]:         # and on dev, as the mix section measured the shares
        runs = []
        for k in (0, 1):
            train, scored = [by_name[n] for n in folds[1 - k]], [by_name[n] for n in folds[k]]
            result, stop = train_once(model, initial, train, args, 1.0, seed=k)
            s = score(model, scored, args.size)
            runs.append({"share": 1.0, "fold": k, "stopping_photos": stop, "best_step": result.best_step,
                         "steps_run": result.steps_run, "seconds": round(result.seconds, 1),
                         "median_iou": s["median_iou"], "mean_iou": s["mean_iou"]})
            print(f"control on dev: share 1.00, scored fold {k}: median IoU {s['median_iou']:.3f}", flush=True)
        state["control"]["dev_folds"] = runs
        state["control"]["dev_mean_of_fold_medians"] = round(float(np.mean([r["median_iou"] for r in runs])), 4)
        save(state, out)
    state["status"] = "complete"
    save(state, out)
    print(f"wrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

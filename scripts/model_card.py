"""Score the shipped U-Net and write its model card (JSON + Markdown) next to it.

    .venv/bin/python scripts/model_card.py                       # data/models/ (make model runs this)
    .venv/bin/python scripts/model_card.py --model-dir build/quick --limit 60

Reads ``<model-dir>/unet.keras`` and the ``training.json`` that
``scripts/train_unet.py`` wrote beside it, then measures, in this run:
the test split by difficulty (U-Net and every lesson-01 method, through
``course_lib.evaluate``), the real photos of ``data/demo/`` (U-Net vs the
classical methods), and inference throughput at 256×256. Writes
``model_card.json`` and ``MODEL_CARD.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from course_lib import classical, datasets, demo, evaluate, inference, synth  # noqa: E402
from course_lib.config import DATA_DIR  # noqa: E402

QUALITY_BAR = inference.QUALITY_BAR

SCORES = ("iou", "boundary_f", "mae")


def score_table(rows: list[dict]) -> dict:
    """Return ``{method: {difficulty: {score: {"median", "mean", "p10"}}}}`` for the card."""
    table: dict = {}
    for score in SCORES:
        for method, by_difficulty in evaluate.summarise(rows, score).items():
            for difficulty, stats in by_difficulty.items():
                cell = table.setdefault(method, {}).setdefault(difficulty, {"n": stats["n"]})
                cell[score] = {k: round(stats[k], 4) for k in ("median", "mean", "p10")}
    return table


def throughput(model, n: int = 32) -> float:
    """Return images per second of ``predict_alpha_batch`` on 256×256 photos."""
    photos = [synth.make_sample(seed, size=256).rgb for seed in range(n)]
    inference.predict_alpha_batch(model, photos[:16])
    start = time.perf_counter()
    inference.predict_alpha_batch(model, photos)
    return n / (time.perf_counter() - start)


def markdown(card: dict) -> str:
    t, test, real = card["training"], card["test_split"], card["demo_set"]
    levels = [d for d in evaluate.DIFFICULTY_ORDER if any(d in by for by in test["scores"].values())]
    lines = [
        "# Model card: the course U-Net",
        "",
        f"A U-Net (`course_lib.unet.build_unet`, base filters {t['recipe']['base_filters']}, depth "
        f"{t['recipe']['depth']}, {card['parameters']:,} parameters, {card['file_megabytes']} MB) with a "
        "two-class softmax at every pixel, trained from scratch on the kit's synthetic product photos. "
        "Loads with `keras.saving.load_model(path, safe_mode=True)`; input: RGB in [0, 1], any size "
        "divisible by 16; output channel 1 is the object probability (the alpha estimate). "
        "`course_lib.inference.predict_alpha` handles any photo size.",
        "",
        "## Training",
        "",
        f"- Command: `{t['command']}` (or `make model`, which also writes this card)",
        f"- Data: the train split of `data/dataset_manifest.json` ({t['recipe']['train_images']} images of "
        f"{t['recipe']['image_size']}×{t['recipe']['image_size']}, seed "
        f"{t['recipe']['dataset_manifest']['splits']['train']['seed']}), validation {t['recipe']['val_images']}",
        f"- Recipe: {t['recipe']['loss']}; Adam, learning rate {t['recipe']['learning_rate']} with "
        f"{t['recipe']['schedule']}; batch {t['recipe']['batch_size']}; augmentation: "
        f"{t['recipe']['augmentation']}; seed {t['recipe']['seed']}",
        f"- Epochs: {t['recipe']['epochs_run']} of {t['recipe']['epochs_requested']} (best validation IoU "
        f"{t['best_val_iou']}, weights of the best epoch kept)",
        f"- Wall time: {t['wall_seconds'] / 60:.0f} min on {t['machine']}",
        "",
        f"## Synthetic test split ({test['count']} images, seed {test['seed']}, never used in training)",
        "",
        "Mean IoU / median IoU / median boundary F (2 px) / mean alpha MAE, by difficulty:",
        "",
        "| method | " + " | ".join(levels) + " |",
        "|---|" + "---|" * len(levels),
    ]
    for method, by in test["scores"].items():
        cells = [f"{by[d]['iou']['mean']:.3f} / {by[d]['iou']['median']:.3f} / "
                 f"{by[d]['boundary_f']['median']:.3f} / {by[d]['mae']['mean']:.3f}" if d in by else ""
                 for d in levels]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    bar = card["quality_bar"]
    lines += ["", f"Quality bar (mean IoU ≥ {QUALITY_BAR['all']} overall, ≥ {QUALITY_BAR['hard']} on hard, "
              f"above the best classical method on every difficulty): **{'met' if bar['met'] else 'NOT met'}** "
              f"({'; '.join(bar['notes'])}).", "",
              f"## Real photos (`data/demo/`, {len(real['photos'])} photos)", "",
              "Reference masks were made with GrabCut plus hand-placed corrections (see "
              "`data/demo/SOURCES.md`): scores are approximate, and they flatter GrabCut. IoU per photo:", "",
              "| photo | " + " | ".join(real["methods"]) + " |", "|---|" + "---|" * len(real["methods"])]
    for name, by_method in real["photos"].items():
        lines.append(f"| {name} | " + " | ".join(f"{by_method[m]:.3f}" for m in real["methods"]) + " |")
    lines.append("| **median** | " + " | ".join(f"**{real['median'][m]:.3f}**" for m in real["methods"]) + " |")
    lines += ["", f"Where the U-Net loses on real photos: {real['verdict']}", "",
              "## Speed", "",
              f"`predict_alpha` on 256×256 photos: {card['images_per_second_256']:.1f} images/s on "
              f"{os.cpu_count()} CPU cores (measured while writing this card; `benchmarks/bench_unet.py` "
              "compares with GrabCut in one run).", "",
              "## Limits", "",
              "- Trained only on generated images: simple product shapes, clean outlines, no people, no hair.",
              "- Works at 128×128 internally; the alpha is upsampled to the photo's size, so fine edges are "
              "soft — lesson 06 refines them.",
              "- Several products, or a product cut by the frame, are outside what it saw in training.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=DATA_DIR / "models")
    parser.add_argument("--limit", type=int, default=None, help="first N test images (default: all)")
    args = parser.parse_args()
    model = inference.load_pretrained(args.model_dir / "unet.keras")
    training_record = json.loads((args.model_dir / "training.json").read_text())

    test = datasets.load_split("test", limit=args.limit)
    unet_alpha = inference.AlphaCache(model)
    unet_alpha.warm(test.rgb)
    methods = {"unet": unet_alpha, **classical.METHODS}
    test_scores = score_table(evaluate.evaluate_methods(methods, test))

    notes, met = [], True
    for level in ("easy", "medium", "hard", "all"):
        mine = test_scores["unet"][level]["iou"]["mean"]
        best = max(classical.METHODS, key=lambda m: test_scores[m][level]["iou"]["mean"])
        theirs = test_scores[best][level]["iou"]["mean"]
        ok = mine > theirs and mine >= QUALITY_BAR.get(level, 0)
        met &= ok
        notes.append(f"{level}: U-Net {mine:.3f} vs {best} {theirs:.3f}")

    photos = demo.load_demo_set()
    real_split = demo.as_split()
    unet_alpha.warm(real_split.rgb)
    real_rows = evaluate.evaluate_methods(methods, real_split)
    names = [p.name for p in photos]
    per_photo = {names[r["index"]]: {} for r in real_rows}
    for r in real_rows:
        per_photo[names[r["index"]]][r["method"]] = round(r["iou"], 4)
    medians = {m: round(float(np.median([per_photo[n][m] for n in names])), 4) for m in methods}
    losses = [n for n in names if per_photo[n]["unet"] < max(per_photo[n][m] for m in classical.METHODS)]
    verdict = (f"on {len(losses)} of {len(names)} photos a classical method scores higher "
               f"({', '.join(losses) or 'none'}); median U-Net {medians['unet']:.3f} vs best classical "
               f"{max(medians[m] for m in classical.METHODS):.3f}.")

    target = args.model_dir / "unet.keras"
    card = {
        "parameters": int(model.count_params()),
        "file_megabytes": round(target.stat().st_size / 1e6, 2),
        "training": training_record,
        "test_split": {"count": len(test), "seed": datasets.read_manifest()["splits"]["test"]["seed"],
                       "scores": test_scores},
        "quality_bar": {"mean_iou": QUALITY_BAR, "met": bool(met), "notes": notes},
        "demo_set": {"methods": list(methods), "photos": per_photo, "median": medians, "verdict": verdict},
        "images_per_second_256": round(throughput(model), 1),
    }
    (args.model_dir / "model_card.json").write_text(json.dumps(card, indent=1) + "\n")
    (args.model_dir / "MODEL_CARD.md").write_text(markdown(card))
    print(markdown(card))


if __name__ == "__main__":
    main()

"""Measure the CNN + GrabCut hybrid against each alone, photo by photo, on generated and real photos.

    .venv/bin/python scripts/evaluate_hybrid.py                                   # shipped model; generated + dev
    .venv/bin/python scripts/evaluate_hybrid.py --model build/finetune/dev/model.keras --splits holdout
    .venv/bin/python scripts/evaluate_hybrid.py --splits generated dev holdout --json build/hybrid.json

Three methods per photo: the CNN alone (its probability ≥ 0.5), GrabCut alone
(lesson 01's, a box 5 % inside the frame) and the hybrid
(:func:`course_lib.hybrid.hybrid_alpha`: the CNN's probability seeds GrabCut,
no box). Prints, per split, one line per photo (IoU of each, and the hybrid's
gain over each alone), then the medians and how often the hybrid helps or
hurts. ``holdout`` is for final numbers only: tune nothing on it.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from course_lib import classical, datasets, evaluate, hybrid, inference, real

METHODS = ("CNN", "GrabCut", "hybrid")


def photos(split: str, limit: int | None):
    """Return ``(Split, names)``: the generated test split, or one side of data/real."""
    if split == "generated":
        data = datasets.load_split("test", limit=limit or 60, progress=False)
        return data, [f"test #{i} ({d})" for i, d in enumerate(data.difficulty)]
    data = real.as_split(split)
    if limit:
        data = real.as_split(split, [m["name"] for m in data.meta][:limit])
    return data, [m["name"] for m in data.meta]


def measure(model, split: str, limit: int | None) -> dict:
    """Return per-photo IoU of the three methods on one split, with medians and win/loss counts."""
    data, names = photos(split, limit)
    cnn = inference.AlphaCache(model)
    cnn.warm(list(data.rgb))
    methods = {"CNN": cnn, "GrabCut": classical.grabcut_mask, "hybrid": hybrid.hybrid_method(cnn)}
    rows = evaluate.evaluate_methods(methods, data, progress=False)
    iou = {(r["index"], r["method"]): r["iou"] for r in rows}
    per_photo = {name: {m: round(iou[i, m], 4) for m in METHODS} for i, name in enumerate(names)}
    medians = {m: round(float(np.median([v[m] for v in per_photo.values()])), 4) for m in METHODS}
    versus = {}
    for other in ("CNN", "GrabCut"):
        gains = [v["hybrid"] - v[other] for v in per_photo.values()]
        worst_first = sorted(per_photo, key=lambda n: per_photo[n]["hybrid"] - per_photo[n][other])
        versus[other] = {"helps": int(sum(g > 0.01 for g in gains)), "hurts": int(sum(g < -0.01 for g in gains)),
                         "median_gain": round(float(np.median(gains)), 4), "hurts_most": worst_first[:3]}
    return {"photos": len(names), "median_iou": medians, "versus": versus, "per_photo": per_photo}


def print_split(split: str, result: dict) -> None:
    print(f"\n## {split}: {result['photos']} photos, IoU per photo\n")
    width = max(len(n) for n in result["per_photo"]) + 2
    print(f"{'photo':<{width}}" + "".join(f"{m:>10}" for m in METHODS) + f"{'vs CNN':>10}{'vs GrabCut':>12}")
    for name, v in result["per_photo"].items():
        print(f"{name:<{width}}" + "".join(f"{v[m]:>10.3f}" for m in METHODS)
              + f"{v['hybrid'] - v['CNN']:>+10.3f}{v['hybrid'] - v['GrabCut']:>+12.3f}")
    print(f"{'median':<{width}}" + "".join(f"{result['median_iou'][m]:>10.3f}" for m in METHODS))
    for other, s in result["versus"].items():
        print(f"hybrid vs {other} alone: better on {s['helps']}, worse on {s['hurts']} of {result['photos']} "
              f"(±0.01), median gain {s['median_gain']:+.3f}; hurts most on {', '.join(s['hurts_most'])}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=inference.MODEL_PATH, help="the CNN (a .keras checkpoint)")
    parser.add_argument("--splits", nargs="+", default=["generated", "dev"], choices=["generated", "dev", "holdout"])
    parser.add_argument("--limit", type=int, default=None, help="photos per split (generated: default 60)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    model = inference.load_pretrained(args.model)
    results = {"model": str(args.model), "thresholds": {"sure_background": hybrid.SURE_BACKGROUND,
                                                        "sure_object": hybrid.SURE_OBJECT, "band": hybrid.BAND,
                                                        "max_side": hybrid.MAX_SIDE}}
    print(f"CNN: {args.model}")
    for split in args.splits:
        results[split] = measure(model, split, args.limit)
        print_split(split, results[split])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Score a real-photo candidate model and write its card (Markdown + JSON) beside it.

    .venv/bin/python scripts/candidate_card.py --model data/models/candidates/vgg3_scenes.keras \\
        --state build/runs/vgg3/state.json

Measures, in this run (:mod:`course_lib.model_scores`): the generated test
split (mean IoU, the candidate and lesson 04's shipped U-Net), every real photo
of ``data/real`` per side — each lesson-01 method, GrabCut started from the
candidate's probability, the shipped U-Net and the candidate, per photo — and
throughput at 256×256. The ``holdout`` numbers are final numbers: the candidate
was chosen on ``dev``. Writes ``<model>.card.json`` and ``<model>.md``
(:mod:`course_lib.model_card`); for a model trained on the Tux Paint stamps, also
``<model>.LICENSE.md``, its GPL-2 notice (:data:`course_lib.model_card.STAMPS_LICENCE`).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_lib import classical, datasets, inference, model_card, model_scores, real
from course_lib.imageio import write_atomic
from course_lib.mask_proposal import propose_mask

HYBRID = "GrabCut from candidate"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True, help="the run's state.json (recipe and history)")
    parser.add_argument("--test-limit", type=int, default=300)
    parser.add_argument("--work-size", type=int, default=inference.WORK_SIZE,
                        help="the longer side photos are scaled to for the candidate (px; the size dev chose)")
    args = parser.parse_args(argv)
    state = json.loads(args.state.read_text())
    candidate, shipped = inference.load_pretrained(args.model), inference.load_pretrained()
    test = datasets.load_split("test", limit=args.test_limit, progress=False)
    cnn = inference.AlphaCache(candidate, size=args.work_size)
    methods = {**classical.METHODS, HYBRID: lambda rgb: propose_mask(rgb, prior=cnn(rgb)),
               "lesson 04 U-Net": inference.AlphaCache(shipped), "candidate": cnn}
    sides = {}
    for side in real.SPLITS:
        split = real.as_split(side)
        sides[side] = model_scores.real_side_scores(methods, split, [m["name"] for m in split.meta],
                                                    automatic=[*classical.METHODS, HYBRID])
    card = {"model": str(args.model), "recipe": state["recipe"], "epochs_run": len(state["history"]["loss"]),
            "best_epoch": state.get("best_epoch"), "training_minutes": sum(state["epoch_seconds"]) / 60,
            "machine": state.get("machine", ""),
            "test": {"n": len(test), "candidate_mean_iou": round(model_scores.mean_iou(candidate, test), 4),
                     "shipped_mean_iou": round(model_scores.mean_iou(shipped, test), 4)},
            **sides,
            "photos_per_second": round(model_scores.throughput(candidate, work_size=args.work_size), 1),
            "shipped_photos_per_second": round(model_scores.throughput(shipped), 1),
            "work_size": args.work_size,
            "checkpoint": model_card.checkpoint_entry(args.model),
            "command": (f"python scripts/candidate_card.py --model {args.model} --state {args.state}"
                        + (f" --work-size {args.work_size}" if args.work_size != inference.WORK_SIZE else ""))}
    licence = model_card.training_licence(state["recipe"])
    if licence:                                             # weights trained on GPL-2 stamps: GPL-2, said twice
        card["licence"] = licence
        notice = args.model.with_suffix(".LICENSE.md")
        write_atomic(notice, f"# Licence of `{args.model.name}`\n\n**{licence['spdx']}.** {licence['notice']}\n"
                     .encode(), overwrite=True)
        print(f"wrote {notice}")
    base = args.model.with_suffix("")
    model_card.write_card(card, "candidate", f"{base}.md", f"{base}.card.json")
    print(f"wrote {base}.md: dev median {card['dev']['median_iou']['candidate']:.3f}, holdout median "
          f"{card['holdout']['median_iou']['candidate']:.3f}, wins {card['holdout']['candidate_wins']}/"
          f"{card['holdout']['photos']}, generated {card['test']['candidate_mean_iou']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

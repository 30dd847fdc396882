"""Score the tools' candidate methods on the real `dev` photos and record the winner as their default.

    .venv/bin/python scripts/choose_real_default.py                  # writes data/models/real_default.json
    .venv/bin/python scripts/choose_real_default.py --out build/real_default.json --limit 5   # a quick look

The candidates (:data:`course_lib.real_default.CANDIDATES`): the real-photo CNN
alone, GrabCut from its labels and inside its box, the same three with lesson
04's U-Net, and GrabCut from the border. First the real-photo CNN's working size
is swept on `dev` (it must match ``inference.REAL_WORK_SIZE``, which the tools
use); every GrabCut-based candidate runs with each seed of ``--seeds``. Prints a
table of median IoU (mean over the seeds, and each seed) and writes per-photo
scores, medians, the chosen default and this command. Only `dev` is read:
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

from course_lib import inference, real, real_default
from course_lib.config import DATA_DIR
from course_lib.imageio import write_atomic


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=real_default.CHOICE_PATH, help="the JSON to write")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(real_default.SEEDS), help="GrabCut's seeds")
    parser.add_argument("--limit", type=int, default=None, help="only the first N dev photos (a smoke test)")
    args = parser.parse_args(argv)
    split = real.as_split("dev")
    if args.limit:
        split = real.as_split("dev", [m["name"] for m in split.meta][:args.limit])
    names = [m["name"] for m in split.meta]
    print(f"{len(names)} dev photos")

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
    per_photo = {name: s["per_photo"] for name, s in scores.items()}
    medians = real_default.medians(per_photo)
    default = real_default.choose(per_photo)
    methods = {}
    for name, s in scores.items():
        entry = {"summary": real_default.CANDIDATES[name][0], "median": medians[name], "per_photo": s["per_photo"]}
        if "per_seed" in s:
            entry["median_per_seed"] = real_default.medians(s["per_seed"])
            entry["per_seed"] = s["per_seed"]
        methods[name] = entry

    mean, wins = real_default.means(per_photo), real_default.versus(per_photo, "grabcut")
    print(f"\n{'method':<18}{'median IoU':>11}{'mean':>7}  vs GrabCut from the border   median per seed")
    for name, entry in sorted(methods.items(), key=lambda kv: -kv[1]["median"]):
        seeds = ", ".join(f"{k}: {v:.3f}" for k, v in entry.get("median_per_seed", {}).items())
        print(f"{name:<18}{entry['median']:>11.3f}{mean[name]:>7.3f}  better on {wins[name]['better']:>2}, "
              f"worse on {wins[name]['worse']:>2}       {seeds}")
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
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out, (json.dumps(result, indent=1, ensure_ascii=False) + "\n").encode("utf-8"), overwrite=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Pick the real-photo CNN among trained runs on `dev`, and ship it as a candidate without its optimiser.

    .venv/bin/python scripts/pick_real_model.py build/runs/vgg3_real_parts_seed0 build/ablation/vgg_real_parts/seed* \\
        --ship data/models/candidates/vgg3_real_parts.keras          # make real-model runs it on its one run

Each run folder is one :func:`course_lib.scene_training.train_scene_model` run
(``best.keras`` and ``state.json``). Each is scored by
:func:`course_lib.ablation.score_run`: the generated test split, and every real
`dev` photo at each working size. The pick is the run and working size with the
best dev median IoU among the runs whose weights fit ``--max-megabytes`` (a file
every clone of the kit carries: 20 MB by default, beside lesson 04's 8 MB U-Net);
a larger run is scored and listed, not picked. `holdout` is not read. Writes the
scores and the pick to ``--out``; with ``--ship``, saves the pick's network there (weights only,
``safe_mode`` loadable, no optimiser state) with its ``state.json`` beside it
as ``<name>.training.json``. Its card is then ``scripts/candidate_card.py``'s job.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from course_lib import ablation, datasets, inference, real, real_default
from course_lib.config import DATA_DIR, REPO_ROOT, repo_relative
from course_lib.imageio import write_atomic

OUT = DATA_DIR / "models" / "real_model_choice.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+", help="run folders, each with best.keras and state.json")
    parser.add_argument("--work-sizes", type=int, nargs="+", default=list(real_default.WORK_SIZES),
                        help="working sizes tried on dev (default: those choose_real_default.py sweeps)")
    parser.add_argument("--test-limit", type=int, default=150, help="generated test images scored")
    parser.add_argument("--out", type=Path, default=OUT, help="the JSON to write")
    parser.add_argument("--ship", type=Path, default=None, help="save the pick's network here (.keras)")
    parser.add_argument("--max-megabytes", type=float, default=20.0,
                        help="only runs whose float32 weights fit in this many MB can be picked")
    args = parser.parse_args(argv)
    missing = [str(r) for r in args.runs if not (r / "best.keras").is_file() or not (r / "state.json").is_file()]
    if missing:
        parser.error(f"not a finished run (best.keras and state.json): {', '.join(missing)}")
    if args.ship is not None and args.ship.suffix != ".keras":
        parser.error(f"--ship must name a .keras file, got {args.ship}")
    dev = real.as_split("dev")
    test = datasets.load_split("test", limit=args.test_limit, progress=False)
    scored = {}
    for run in args.runs:
        record = ablation.score_run(run, dev, test, args.work_sizes)
        record["dev_median_by_size"] = {size: round(float(np.median(list(scores.values()))), 4)
                                        for size, scores in record["dev_iou"].items()}
        record["weights_megabytes"] = round(record["parameters"] * 4 / 1e6, 1)
        record["pickable"] = record["weights_megabytes"] <= args.max_megabytes
        scored[repo_relative(run)] = record
        best = max(record["dev_median_by_size"].items(), key=lambda kv: kv[1])
        print(f"{repo_relative(run)}: {record['epochs']} epochs, {record['training_minutes']:.0f} min; dev median "
              + ", ".join(f"{s} px {m:.3f}" for s, m in record["dev_median_by_size"].items())
              + f"; best {best[1]:.3f} at {best[0]} px; generated {record['generated_mean_iou']:.3f}; "
              f"{record['weights_megabytes']} MB{'' if record['pickable'] else ' (too large to pick)'}")
    pickable = [(r, s) for r, rec in scored.items() if rec["pickable"] for s in rec["dev_median_by_size"]]
    if not pickable:
        parser.error(f"no run's weights fit in {args.max_megabytes} MB")
    run, size = max(pickable, key=lambda rs: scored[rs[0]]["dev_median_by_size"][rs[1]])
    result = {"split": "dev", "runs": scored, "pick": {"run": run, "work_size": int(size),
              "dev_median_iou": scored[run]["dev_median_by_size"][size]},
              "rule": (f"the run and working size with the best dev median IoU among runs whose weights fit in "
                       f"{args.max_megabytes:g} MB (holdout not read)"),
              "command": " ".join(["python scripts/pick_real_model.py", *map(shlex.quote, argv or sys.argv[1:])])}
    if args.ship is not None:
        folder = Path(run) if Path(run).is_absolute() else REPO_ROOT / run
        model = inference.load_pretrained(folder / "best.keras")
        args.ship.parent.mkdir(parents=True, exist_ok=True)
        model.save(args.ship)                                  # compile=False on load: no optimiser state
        write_atomic(args.ship.with_suffix(".training.json"), (folder / "state.json").read_bytes(), overwrite=True)
        result["pick"]["shipped_as"] = repo_relative(args.ship)
        print(f"saved {args.ship} ({args.ship.stat().st_size / 1e6:.1f} MB)")
    write_atomic(args.out, (json.dumps(result, indent=1) + "\n").encode("utf-8"), overwrite=True)
    print(f"pick: {run} at {size} px, dev median {result['pick']['dev_median_iou']:.3f}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

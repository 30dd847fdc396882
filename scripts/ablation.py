"""Train each counter-measure of lesson 04b with three seeds on one budget, score on dev, write the table.

    .venv/bin/python scripts/ablation.py --arms unet_generated unet_scenes vgg_random vgg_finetuned
    .venv/bin/python scripts/ablation.py --seeds 0 1 2 3       # one more seed per arm; resumable
    .venv/bin/python scripts/ablation.py --score-only         # re-score the trained runs only

The command line of :func:`course_lib.ablation.run` (the arms, the budget and
what is scored: see :mod:`course_lib.ablation`). Each run trains in
``<runs>/<arm>/seed<k>``, checkpointed every epoch, and resumes where it
stopped. Only the arm dev chose is scored on holdout.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_lib import ablation


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arms", nargs="+", choices=list(ablation.ARMS), default=list(ablation.ARMS))
    parser.add_argument("--runs", type=Path, default=ablation.RUNS)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(ablation.SEEDS))
    parser.add_argument("--size", type=int, default=ablation.SIZE, help="training images are size × size")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=100, help="batches of 8 per epoch")
    parser.add_argument("--val", type=int, default=40, help="generated validation images per epoch")
    parser.add_argument("--test-limit", type=int, default=150, help="generated test images scored")
    parser.add_argument("--photos", type=int, default=None, help="score only the first N photos per side (a smoke run)")
    parser.add_argument("--work-sizes", type=int, nargs="+", default=list(ablation.WORK_SIZES),
                        help="working sizes tried on dev, besides the size the arms were trained at")
    parser.add_argument("--score-only", action="store_true")
    parser.add_argument("--train-only", action="store_true", help="train the runs, score nothing")
    parser.add_argument("--output", type=Path, default=ablation.OUTPUT)
    args = parser.parse_args(argv)
    result = ablation.run(args.arms, runs=args.runs, seeds=args.seeds, size=args.size, epochs=args.epochs,
                          steps=args.steps, val=args.val,
                          test_limit=args.test_limit, photos=args.photos, work_sizes=args.work_sizes,
                          score_only=args.score_only, train_only=args.train_only, output=args.output)
    if result is None:
        return 0
    print(f"\nwrote {args.output}\n\n{ablation.table(result)}\n")
    print("\n".join(result["conclusions"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

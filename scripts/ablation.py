"""Train each counter-measure of lesson 04b on the same budget, score all on real photos, write the table.

    .venv/bin/python scripts/ablation.py                       # every arm, 4 epochs: ~75 min on 2 cores; resumable
    .venv/bin/python scripts/ablation.py --arms unet_generated unet_scenes
    .venv/bin/python scripts/ablation.py --score-only         # re-score the trained arms only

The command line of :func:`course_lib.ablation.run` (the arms, the budget and
what is scored: see :mod:`course_lib.ablation`). Each arm trains in
``<runs>/<arm>``, checkpointed every epoch, and resumes where it stopped.
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
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--steps", type=int, default=100, help="batches of 8 per epoch")
    parser.add_argument("--val", type=int, default=40, help="generated validation images per epoch")
    parser.add_argument("--test-limit", type=int, default=150, help="generated test images scored")
    parser.add_argument("--photos", type=int, default=None, help="score only the first N photos per side (a smoke run)")
    parser.add_argument("--work-sizes", type=int, nargs="+", default=list(ablation.WORK_SIZES),
                        help="working sizes tried on dev, besides the 128 px the arms were trained at")
    parser.add_argument("--score-only", action="store_true")
    parser.add_argument("--output", type=Path, default=ablation.OUTPUT)
    args = parser.parse_args(argv)
    result = ablation.run(args.arms, runs=args.runs, epochs=args.epochs, steps=args.steps, val=args.val,
                          test_limit=args.test_limit, photos=args.photos, work_sizes=args.work_sizes,
                          score_only=args.score_only, output=args.output)
    print(f"\nwrote {args.output}\n\n{ablation.table(result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

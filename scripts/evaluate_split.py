"""Print the comparison table of segmentation methods on a split of the course dataset.

    .venv/bin/python scripts/evaluate_split.py                      # classical methods, test split
    .venv/bin/python scripts/evaluate_split.py --methods otsu grabcut --limit 60 --score boundary_f

The same numbers as lesson 01's closing table (course_lib.evaluate), in full mode.
"""

from __future__ import annotations

import argparse
import time

from course_lib import classical, datasets, evaluate

SCORES = ("iou", "dice", "boundary_f", "mae", "precision", "recall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=datasets.SPLITS)
    parser.add_argument("--limit", type=int, default=None, help="first N images (default: the whole split)")
    parser.add_argument("--methods", nargs="+", default=list(classical.METHODS), choices=list(classical.METHODS))
    parser.add_argument("--score", default="iou", choices=SCORES)
    args = parser.parse_args()
    split = datasets.load_split(args.split, limit=args.limit)
    start = time.perf_counter()
    rows = evaluate.evaluate_methods({m: classical.METHODS[m] for m in args.methods}, split)
    print(f"{len(split)} images of the {args.split} split, {time.perf_counter() - start:.1f} s")
    print(evaluate.format_table(evaluate.summarise(rows, args.score), args.score))


if __name__ == "__main__":
    main()

"""Print the classical methods' scores on the real demo photos, per photo and the median.

    .venv/bin/python scripts/evaluate_demo.py
    .venv/bin/python scripts/evaluate_demo.py --methods otsu grabcut --photos apple coffee

The same loop and scores as scripts/evaluate_split.py (course_lib.evaluate), on
data/demo/ instead of a generated split. The references there are GrabCut plus
hand corrections, so the numbers are approximate, and they flatter GrabCut.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from course_lib import classical, demo, evaluate

SCORES = {"iou": "IoU", "boundary_f": "boundary F"}


def per_photo_table(rows: list[dict], names: list[str], methods: list[str], score: str) -> str:
    """Return a text table: one line per photo, one column per method, then the median line."""
    width = max([len(n) for n in names] + [6])
    head = f"{'photo':<{width}}  " + "  ".join(f"{m:>10}" for m in methods)
    lines = [f"{SCORES[score]} (1 = matches the reference)", head, "-" * len(head)]
    value = {(r["index"], r["method"]): r[score] for r in rows}
    for i, name in enumerate(names):
        lines.append(f"{name:<{width}}  " + "  ".join(f"{value[i, m]:>10.3f}" for m in methods))
    lines.append("-" * len(head))
    medians = [np.nanmedian([value[i, m] for i in range(len(names))]) for m in methods]
    lines.append(f"{'median':<{width}}  " + "  ".join(f"{v:>10.3f}" for v in medians))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(classical.METHODS), choices=list(classical.METHODS))
    parser.add_argument("--photos", nargs="+", metavar="NAME", help="only these demo photos (default: all)")
    args = parser.parse_args()
    split = demo.as_split(args.photos)
    names = [m["name"] for m in split.meta]
    start = time.perf_counter()
    rows = evaluate.evaluate_methods({m: classical.METHODS[m] for m in args.methods}, split, progress=False)
    print(f"{len(split)} demo photos × {len(args.methods)} methods, {time.perf_counter() - start:.1f} s "
          f"(references: GrabCut + hand corrections, approximate; they flatter GrabCut)\n")
    for score in SCORES:
        print(per_photo_table(rows, names, args.methods, score), end="\n\n")
    failed = [r for r in rows if r["error"]]
    for r in failed:
        print(f"{names[r['index']]} / {r['method']}: {r['error']}")


if __name__ == "__main__":
    main()

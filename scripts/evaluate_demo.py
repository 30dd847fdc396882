"""Print the classical methods' and models' scores on real photos, per photo and the median.

    .venv/bin/python scripts/evaluate_demo.py
    .venv/bin/python scripts/evaluate_demo.py --methods otsu grabcut --photos apple coffee
    .venv/bin/python scripts/evaluate_demo.py --set dev --model shipped=data/models/unet.keras --hybrid

The same loop and scores as scripts/evaluate_split.py (course_lib.evaluate), on
real photos instead of a generated split: the demo set (data/demo, references
GrabCut plus hand-placed hints), or a side of the real set (data/real: ``dev``
to tune on; ``holdout`` for final numbers only). ``--model LABEL=PATH`` adds a
U-Net checkpoint; ``--hybrid`` adds, for each model, GrabCut started from the
model's probability (course_lib.mask_proposal.propose_mask with ``prior=``): an
automatic classical method that needs no box. The last lines say, per model,
on how many photos it beats the best automatic classical method (the one with
the highest median).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from course_lib import classical, demo, evaluate, mask_proposal, real

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


def wins_line(rows: list[dict], names: list[str], model: str, automatic: list[str]) -> str:
    """Return how often ``model`` beats the automatic classical method with the best median IoU, per photo."""
    value = {(r["index"], r["method"]): r["iou"] for r in rows}
    medians = {m: np.nanmedian([value[i, m] for i in range(len(names))]) for m in automatic}
    best = max(medians, key=medians.get)
    wins = sum(value[i, model] > value[i, best] for i in range(len(names)))
    return (f"{model}: median IoU {np.nanmedian([value[i, model] for i in range(len(names))]):.3f}; "
            f"beats {best} (best automatic classical, median {medians[best]:.3f}) on {wins} of {len(names)} photos")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(classical.METHODS), choices=list(classical.METHODS))
    parser.add_argument("--photos", nargs="+", metavar="NAME", help="only these photos (default: all)")
    parser.add_argument("--set", dest="photo_set", default="demo", choices=("demo",) + real.SPLITS)
    parser.add_argument("--model", action="append", default=[], metavar="LABEL=PATH",
                        help="a .keras U-Net to score too (repeat for several)")
    parser.add_argument("--hybrid", action="store_true", help="also GrabCut started from each model's probability")
    args = parser.parse_args(argv)
    split = demo.as_split(args.photos) if args.photo_set == "demo" else real.as_split(args.photo_set, args.photos)
    names = [m["name"] for m in split.meta]
    methods = {m: classical.METHODS[m] for m in args.methods}
    automatic = list(methods)
    models = []
    for spec in args.model:
        label, _, path = spec.partition("=")
        if not path:
            parser.error(f"--model {spec!r}: write LABEL=PATH")
        from course_lib import inference

        cnn = inference.AlphaCache(inference.load_pretrained(path))
        cnn.warm([split.rgb[i] for i in range(len(split))], batch_size=1)
        methods[label] = cnn
        models.append(label)
        if args.hybrid:
            hybrid = f"grabcut from {label}"
            methods[hybrid] = lambda rgb, cnn=cnn: mask_proposal.propose_mask(rgb, prior=cnn(rgb))
            automatic.append(hybrid)
    start = time.perf_counter()
    rows = evaluate.evaluate_methods(methods, split, progress=False)
    print(f"{len(split)} photos of {args.photo_set} × {len(methods)} methods, {time.perf_counter() - start:.1f} s\n")
    for score in SCORES:
        print(per_photo_table(rows, names, list(methods), score), end="\n\n")
    for model in models:
        print(wins_line(rows, names, model, automatic))
    failed = [r for r in rows if r["error"]]
    for r in failed:
        print(f"{names[r['index']]} / {r['method']}: {r['error']}")


if __name__ == "__main__":
    main()

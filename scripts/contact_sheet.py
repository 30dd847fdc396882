"""Write a contact sheet: every photo of a real set with a model's cut-out and its error map, and the IoU.

    .venv/bin/python scripts/contact_sheet.py --set holdout --out build/contact_holdout.png
    .venv/bin/python scripts/contact_sheet.py --set dev --model build/runs/vgg3/best.keras --out /tmp/dev.png

One row per photo: the photo | the cut-out on white | the error map (red:
background kept, blue: product missed) | its IoU. A mean IoU hides what a
picture shows at once: which photos fail, and how. Lesson 04b shows the
holdout sheet of the default model.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from course_lib import demo, inference, real, viz
from course_lib.imageio import save_png


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="photo_set", default="holdout", choices=("demo",) + real.SPLITS)
    parser.add_argument("--model", type=Path, default=inference.MODEL_PATH)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--force", action="store_true", help="replace an existing sheet")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists; pass --force to replace it")
    photos = demo.load_demo_set() if args.photo_set == "demo" else real.load_real(args.photo_set)
    model = inference.load_pretrained(args.model)
    sheet, ious = viz.contact_sheet(photos, lambda rgb: inference.predict_alpha(model, rgb))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_png(args.out, sheet, overwrite=args.force)
    print(f"{args.out}: {len(photos)} photos of {args.photo_set}, median IoU {np.median(ious):.3f} "
          f"({args.model})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

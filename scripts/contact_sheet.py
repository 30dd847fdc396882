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

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import demo, inference, metrics, real, viz  # noqa: E402
from course_lib.imageio import save_png  # noqa: E402
from course_lib.views.controls import join_with_gaps  # noqa: E402

CELL = 160


def _fit(rgb: np.ndarray) -> np.ndarray:
    """Return ``rgb`` scaled into a CELL×CELL white square, aspect ratio kept."""
    h, w = rgb.shape[:2]
    scale = CELL / max(h, w)
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    out = np.full((CELL, CELL, 3), 255, np.uint8)
    out[:small.shape[0], :small.shape[1]] = small
    return out


def _label(text: str, width: int = 2 * CELL) -> np.ndarray:
    tile = np.full((CELL, width, 3), 255, np.uint8)
    for k, line in enumerate(text.split("\n")):
        cv2.putText(tile, line, (6, 24 + 22 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
    return tile


def contact_sheet(photos, predict) -> tuple[np.ndarray, list[float]]:
    """Return the sheet (H×W×3 uint8) and each photo's IoU, for ``predict(rgb) -> H×W alpha``."""
    rows, ious = [], []
    for photo in photos:
        alpha = predict(photo.rgb)
        iou = metrics.iou(alpha, photo.mask)
        ious.append(iou)
        parts = [_fit(photo.rgb), _fit(viz.composite(photo.rgb, alpha, "white")),
                 _fit(viz.error_map(alpha >= 0.5, photo.mask)),
                 _label(f"{photo.name}\nIoU {iou:.3f}\nmean alpha {float(np.mean(alpha)):.2f}"
                        f"\nobject in truth {float(photo.mask.mean()):.2f}")]
        rows.append(join_with_gaps(parts))
    sheet = np.vstack([np.pad(r, ((0, 4), (0, 0), (0, 0)), constant_values=255) for r in rows])
    return sheet, ious


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
    sheet, ious = contact_sheet(photos, lambda rgb: inference.predict_alpha(model, rgb))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_png(args.out, sheet, overwrite=args.force)
    print(f"{args.out}: {len(photos)} photos of {args.photo_set}, median IoU {np.median(ious):.3f} "
          f"({args.model})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

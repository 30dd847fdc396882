"""Measures against the gap between generated and real photos, scored on both.

    .venv/bin/python scripts/domain_gap.py                                   # the shipped model
    .venv/bin/python scripts/domain_gap.py --models data/models/unet.keras build/unet-strong/unet.keras

For each model and each way of predicting (one view; a mirrored second view;
mirrored views at three working sizes) it prints the mean and median IoU on
the real photos of ``data/demo/`` (approximate GrabCut-made references) and the
mean IoU on the synthetic test split, so a measure that helps real photos but
hurts generated ones (or the reverse) shows. Lesson 04 and the model card quote
what this prints.

The fine-tuning experiment it was written for (not shipped: it lowered the real-photo IoU)::

    .venv/bin/python scripts/train_unet.py --init data/models/unet.keras --augment strong \
        --epochs 4 --lr 5e-4 --patience 0 --out build/unet-strong          # about 18 min on 2 cores
    .venv/bin/python scripts/domain_gap.py --models data/models/unet.keras build/unet-strong/unet.keras
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from course_lib import datasets, demo, inference, metrics

VIEWS = {
    "one view": {"sizes": (128,), "flip": False},
    "+ mirror": {"sizes": (128,), "flip": True},
    "+ mirror, 3 sizes": {"sizes": (96, 128, 160), "flip": True},
}
"""The ways of predicting compared: test-time augmentation settings for ``predict_alpha_tta``."""


def ious(model, images, truths, view: dict) -> np.ndarray:
    alphas = inference.predict_alpha_tta(model, list(images), **view)
    return np.array([metrics.iou(a, t) for a, t in zip(alphas, truths)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", type=Path, default=[inference.MODEL_PATH])
    parser.add_argument("--limit", type=int, default=None, help="first N synthetic test images")
    args = parser.parse_args()
    photos = demo.load_demo_set()
    test = datasets.load_split("test", limit=args.limit, progress=False)
    print(f"{len(photos)} real photos, {len(test)} synthetic test images; IoU at alpha ≥ 0.5")
    print(f"{'model':34s} {'prediction':18s} {'real mean':>9s} {'real median':>11s} {'synthetic mean':>14s}")
    for path in args.models:
        model = inference.load_pretrained(path)
        for name, view in VIEWS.items():
            real = ious(model, [p.rgb for p in photos], [p.mask for p in photos], view)
            synthetic = ious(model, test.rgb, test.alpha, view)
            print(f"{str(path):34s} {name:18s} {real.mean():9.3f} {np.median(real):11.3f} {synthetic.mean():14.3f}",
                  flush=True)


if __name__ == "__main__":
    main()

"""Regenerate the demo photos' reference masks from data/demo/annotations.json, deterministically.

    .venv/bin/python scripts/make_demo_masks.py                  # check/write data/demo/masks/
    .venv/bin/python scripts/make_demo_masks.py --only apple --force
    .venv/bin/python scripts/make_demo_masks.py --out /tmp/masks --overlays /tmp/overlays

A thin command line over :func:`course_lib.annotation_store.replay_folder`:
each mask is GrabCut started from the photo's box and hand-placed hints (an
outline with a band, sure object/background strokes, ``maybe`` regions), then
the annotation's corrections, exactly as the annotation tool replays it
(``course_lib.mask_proposal``'s docstring describes the strokes). Masks are approximate, not
pixel-exact mattes.

A mask is an 8-bit PNG whose three channels are equal: white (255) = object,
black (0) = background. An existing mask is never replaced silently: an
identical one is left alone, a different one is reported and kept unless
``--force`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from course_lib import annotation_store, mask_proposal
from course_lib.config import DATA_DIR
from course_lib.imageio import save_png

DEMO_DIR = DATA_DIR / "demo"
STATUS = {"written": "written", "unchanged": "unchanged", "replaced": "replaced (--force)",
          "differs": "DIFFERS ({changed} pixels), kept; rerun with --force to replace"}


def overlay(rgb: np.ndarray, mask: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return three panels for checking a mask by eye (H×3W×3 uint8, enlarged if small).

    The photo | the background tinted magenta, the mask's edge in green | the
    hints GrabCut started from: sure object tinted blue, sure background red.
    """
    edge = np.zeros(mask.shape, np.uint8)
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(edge, contours, -1, 1, 1)
    cut = rgb.astype(np.float32)
    cut[~mask] = 0.35 * cut[~mask] + 0.65 * np.array([255, 0, 255], np.float32)
    hints = rgb.astype(np.float32)
    for label, colour in ((cv2.GC_FGD, (0, 0, 255)), (cv2.GC_BGD, (255, 0, 0))):
        hints[labels == label] = 0.5 * hints[labels == label] + 0.5 * np.array(colour, np.float32)
    for panel in (cut, hints):
        panel[edge > 0] = (0, 255, 0)
    side = np.hstack([rgb, cut.astype(np.uint8), hints.astype(np.uint8)])
    scale = max(1, 600 // max(side.shape[:2]))
    return np.kron(side, np.ones((scale, scale, 1), np.uint8)) if scale > 1 else side


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=Path, default=DEMO_DIR / annotation_store.ANNOTATIONS_FILE,
                        help=f"the folder's {annotation_store.ANNOTATIONS_FILE}")
    parser.add_argument("--images", type=lambda p: Path(p).resolve(), default=DEMO_DIR / "images")
    parser.add_argument("--out", type=Path, default=DEMO_DIR / "masks", help="folder for the masks")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these photos")
    parser.add_argument("--force", action="store_true", help="replace masks that differ")
    parser.add_argument("--overlays", type=Path,
                        help="also write overlays for checking by eye here (replaced each run)")
    args = parser.parse_args(argv)

    if args.annotations.name != annotation_store.ANNOTATIONS_FILE:
        parser.error(f"--annotations must be a folder's {annotation_store.ANNOTATIONS_FILE}, got {args.annotations}")
    if not args.annotations.exists():
        parser.error(f"annotations file {args.annotations} is missing")
    store = annotation_store.AnnotationStore(args.annotations.parent, images=args.images)
    if args.only:
        unknown = sorted(set(args.only) - {a.stem for a in store.annotations.values()} - set(store.annotations))
        if unknown:
            parser.error(f"--only: no photo called {unknown} in {args.annotations}")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.overlays:
        args.overlays.mkdir(parents=True, exist_ok=True)
    results = annotation_store.replay_folder(store.folder, args.out, force=args.force, only=args.only,
                                             images=args.images)
    kept = failed = 0
    for result in results:
        annotation = store.annotations[result.photo]
        if result.status == "error":
            print(f"{annotation.stem:<12} ERROR {result.reason}")
            failed += 1
            continue
        mask = result.mask
        kept += result.status == "differs"
        if args.overlays:
            labels = mask_proposal.seed_labels(mask.shape, annotation.box, annotation.hints)
            save_png(args.overlays / f"{annotation.stem}.png", overlay(store.load(result.photo), mask, labels),
                     overwrite=True)
        status = STATUS[result.status].format(changed=result.changed)
        if result.matches_record is False:
            status += f"; not the mask recorded in {args.annotations.name} (mask_sha1)"
        print(f"{annotation.stem:<12} {mask.shape[1]:>4}×{mask.shape[0]:<4} object {mask.mean():6.1%}  {status}")
    if kept:
        print(f"{kept} mask(s) differ from what the annotations give and were not replaced", file=sys.stderr)
    return 1 if kept or failed else 0


if __name__ == "__main__":
    sys.exit(main())

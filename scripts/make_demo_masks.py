"""Regenerate the demo photos' reference masks from data/demo/annotations.json, deterministically.

    .venv/bin/python scripts/make_demo_masks.py                  # check/write data/demo/masks/
    .venv/bin/python scripts/make_demo_masks.py --only apple --force
    .venv/bin/python scripts/make_demo_masks.py --out /tmp/masks --overlays /tmp/overlays

Each reference mask is GrabCut plus hand-placed corrections, not a pixel-exact
matte. For every photo, annotations.json gives:

- ``rect`` (default: the whole image): ``[x, y, width, height]``; outside it is
  sure background, inside probably foreground (GrabCut's usual start);
- ``outline`` (optional): ``{"band": pixels, "polygons": [[[x, y], ...], ...],
  "circles": [[x, y, r], ...]}``, the object's edge placed by hand, roughly:
  farther than ``band`` outside every shape is sure background, farther than
  ``band`` inside one is sure foreground, and GrabCut decides the band between;
- ``strokes``: corrections painted last, in order. ``{"label": …, "line":
  [[x, y], ...], "width": pixels}`` is a polyline, ``{"label": …, "polygon":
  [[x, y], ...]}`` a filled polygon. ``fg`` and ``bg`` are *sure* labels, which
  GrabCut keeps and fits its colour models around; ``maybe`` hands a region
  back to GrabCut (e.g. the gaps between a wheel's spokes inside an outline);
- ``iterations`` and ``seed`` of OpenCV's GrabCut (its k-means draws random numbers).

A mask is written with course_lib.imageio.save_png as an 8-bit PNG whose three
channels are equal: white (255) = object, black (0) = background.
An existing mask is never replaced silently: an identical one is left alone, a
different one is reported and kept unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from course_lib.config import DATA_DIR
from course_lib.imageio import load_image, save_png

DEMO_DIR = DATA_DIR / "demo"
LABELS = {"fg": cv2.GC_FGD, "bg": cv2.GC_BGD, "maybe": cv2.GC_PR_FGD}


def _points(points, what: str, name: str, minimum: int) -> np.ndarray:
    array = np.asarray(points, dtype=np.int32)
    if array.ndim != 2 or array.shape[1] != 2 or len(array) < minimum:
        raise ValueError(f"{name}: {what} needs a list of at least {minimum} [x, y] points, got {points!r}")
    return array.reshape(-1, 1, 2)


def _paint_outline(labels: np.ndarray, outline: dict, name: str) -> None:
    """Mark pixels farther than ``band`` outside every outlined shape as sure background, inside as sure foreground."""
    inside = np.zeros(labels.shape, np.uint8)
    for polygon in outline.get("polygons", []):
        cv2.fillPoly(inside, [_points(polygon, "an outline polygon", name, 3)], 1)
    for circle in outline.get("circles", []):
        x, y, r = (int(v) for v in circle)
        cv2.circle(inside, (x, y), r, 1, thickness=cv2.FILLED)
    if not inside.any():
        raise ValueError(f"{name}: the outline has no polygons or circles inside the image")
    band = float(outline.get("band", 8))
    labels[cv2.distanceTransform(1 - inside, cv2.DIST_L2, 5) > band] = cv2.GC_BGD
    labels[cv2.distanceTransform(inside, cv2.DIST_L2, 5) > band] = cv2.GC_FGD


def paint_labels(shape: tuple[int, int], annotation: dict, name: str = "photo") -> np.ndarray:
    """Return GrabCut's starting label map (H×W uint8 of ``cv2.GC_*``): rect, outline, then strokes in order."""
    h, w = shape
    x, y, rw, rh = (int(v) for v in annotation.get("rect", (0, 0, w, h)))
    if rw <= 0 or rh <= 0 or x < 0 or y < 0 or x + rw > w or y + rh > h:
        raise ValueError(f"{name}: rect {annotation['rect']} does not fit in the {w}×{h} image")
    labels = np.full((h, w), cv2.GC_BGD, np.uint8)
    labels[y:y + rh, x:x + rw] = cv2.GC_PR_FGD
    if "outline" in annotation:
        _paint_outline(labels, annotation["outline"], name)
    for stroke in annotation.get("strokes", []):
        if stroke.get("label") not in LABELS:
            raise ValueError(f"{name}: stroke label {stroke.get('label')!r} is not one of {list(LABELS)}")
        value = int(LABELS[stroke["label"]])
        if "polygon" in stroke:
            cv2.fillPoly(labels, [_points(stroke["polygon"], "a polygon stroke", name, 3)], value)
        elif "line" in stroke:
            width = max(1, int(stroke.get("width", 5)))
            cv2.polylines(labels, [_points(stroke["line"], "a line stroke", name, 2)], False, value, thickness=width)
        else:
            raise ValueError(f"{name}: stroke {stroke!r} has neither 'line' nor 'polygon'")
    return labels


def reference_mask(rgb: np.ndarray, annotation: dict, name: str = "photo") -> np.ndarray:
    """Return the reference mask (H×W bool, True = object) of one photo from its annotation."""
    labels = paint_labels(rgb.shape[:2], annotation, name)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(int(annotation.get("seed", 0)))
    cv2.grabCut(np.ascontiguousarray(rgb[:, :, ::-1]), labels, None, bgd, fgd,
                int(annotation.get("iterations", 5)), cv2.GC_INIT_WITH_MASK)
    return (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)


def mask_to_rgb(mask: np.ndarray) -> np.ndarray:
    """Return a bool mask as the H×W×3 uint8 image the PNG holds (255 = object)."""
    return np.repeat((mask.astype(np.uint8) * 255)[:, :, None], 3, axis=2)


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


def read_annotations(path: Path) -> list[dict]:
    """Return the list of photo annotations in ``path``, checked for names and required keys."""
    try:
        photos = json.loads(path.read_text(encoding="utf-8"))["photos"]
    except FileNotFoundError:
        raise FileNotFoundError(f"annotations file {path} is missing") from None
    except (json.JSONDecodeError, KeyError) as exc:
        raise ValueError(f"{path} is not a demo annotations file: {exc}") from None
    for entry in photos:
        missing = [k for k in ("name", "file") if k not in entry]
        if missing:
            raise ValueError(f"{path}: entry {entry.get('name', entry)!r} lacks {missing}")
    return photos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=Path, default=DEMO_DIR / "annotations.json")
    parser.add_argument("--images", type=Path, default=DEMO_DIR / "images")
    parser.add_argument("--out", type=Path, default=DEMO_DIR / "masks", help="folder for the masks")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these photos")
    parser.add_argument("--force", action="store_true", help="replace masks that differ")
    parser.add_argument("--overlays", type=Path, help="also write overlays for checking by eye here (replaced each run)")
    args = parser.parse_args(argv)

    photos = read_annotations(args.annotations)
    if args.only:
        unknown = sorted(set(args.only) - {p["name"] for p in photos})
        if unknown:
            parser.error(f"--only: no photo called {unknown} in {args.annotations}")
        photos = [p for p in photos if p["name"] in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.overlays:
        args.overlays.mkdir(parents=True, exist_ok=True)
    kept = 0
    for entry in photos:
        name = entry["name"]
        rgb = load_image(args.images / entry["file"])
        mask = reference_mask(rgb, entry, name)
        target = args.out / f"{name}.png"
        status = "written"
        if target.exists():
            old = load_image(target)[:, :, 0] >= 128
            if old.shape == mask.shape and np.array_equal(old, mask):
                status = "unchanged"
            elif args.force:
                save_png(target, mask_to_rgb(mask), overwrite=True)
                status = "replaced (--force)"
            else:
                changed = int((old != mask).sum()) if old.shape == mask.shape else "all"
                status = f"DIFFERS ({changed} pixels), kept; rerun with --force to replace"
                kept += 1
        else:
            save_png(target, mask_to_rgb(mask))
        if args.overlays:
            save_png(args.overlays / f"{name}.png", overlay(rgb, mask, paint_labels(mask.shape, entry, name)),
                     overwrite=True)
        print(f"{name:<12} {mask.shape[1]:>4}×{mask.shape[0]:<4} object {mask.mean():6.1%}  {status}")
    if kept:
        print(f"{kept} mask(s) differ from what the annotations give and were not replaced", file=sys.stderr)
    return 1 if kept else 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure every Tux Paint stamp and template, draft the reviewed lists, and draw contact sheets to review them.

    make cutouts                                   # fetch and unpack the packages first
    .venv/bin/python scripts/review_stamps.py      # lists and sheets into build/cutouts/
    .venv/bin/python scripts/review_stamps.py --write   # also rewrite data/cutouts/*.csv

For each stamp: :func:`course_lib.stamps.stamp_measures` and the rule's
verdict. A stamp already in ``data/cutouts/stamps.csv`` with the same SHA-256
keeps its reviewed decision (``kept``, ``reason``, ``note``); a new one gets
the rule's draft: a photo is kept, clip-art, halo, soft alpha and too small are
left out, a mirrored copy (``*_mirror.png``) is a duplicate, a PNG beside an
SVG of the same name is a vector rendering, and the stamps between the
thresholds are marked ``review`` for a person to decide on the sheets.

The sheets (``build/cutouts/sheet_<group>_<page>.png``, not committed) show each
stamp on a checkerboard, its alpha brightened (``alpha ** 0.2``: a faint halo
shows as grey) and its number in ``build/cutouts/index.txt``.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from course_lib import imageio, stamps
from course_lib.compositing import composite
from course_lib.config import REPO_ROOT
from course_lib.imageio import load_image, load_rgba
from course_lib.stamp_review import draft_row, mark_copies, merge

CELL = 150          # thumbnail side in a sheet, pixels
PER_PAGE = 40


def cell(rgb: np.ndarray, alpha: np.ndarray, label: str, font) -> Image.Image:
    """Return one sheet cell: the stamp on a checkerboard, its brightened alpha, and a label."""
    h, w = alpha.shape
    scale = CELL / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    shown = composite(rgb, alpha, "checkerboard")
    picture = Image.fromarray(shown).resize(size, Image.BILINEAR)
    bright = Image.fromarray((np.power(alpha, 0.2) * 255).astype(np.uint8)).resize(size, Image.NEAREST)
    out = Image.new("RGB", (2 * CELL + 12, CELL + 30), "white")
    out.paste(picture, (2, 2))
    out.paste(bright.convert("RGB"), (CELL + 8, 2))
    ImageDraw.Draw(out).text((2, CELL + 6), label, fill="black", font=font)
    return out


def sheets(rows: list[dict], pictures: dict, group: str, out_dir: Path, font) -> list[Path]:
    """Write the rows' sheets, PER_PAGE stamps a page; return their paths."""
    written = []
    columns = 5
    for page in range(math.ceil(len(rows) / PER_PAGE)):
        chunk = rows[page * PER_PAGE:(page + 1) * PER_PAGE]
        n_rows = math.ceil(len(chunk) / columns)
        sheet = Image.new("RGB", (columns * (2 * CELL + 16), n_rows * (CELL + 34)), (235, 235, 235))
        for i, row in enumerate(chunk):
            rgb, alpha = pictures[row["file"]]
            label = f"{row['index']} {Path(row['file']).stem[:22]} f={float(row['flat_share']):.2f}"
            sheet.paste(cell(rgb, alpha, label, font), ((i % columns) * (2 * CELL + 16), (i // columns) * (CELL + 34)))
        path = out_dir / f"sheet_{group}_{page + 1:02d}.png"
        sheet.save(path)
        written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "cutouts", help="folder for sheets, drafts")
    parser.add_argument("--write", action="store_true", help="rewrite data/cutouts/stamps.csv and backgrounds.csv")
    parser.add_argument("--no-sheets", action="store_true", help="only the lists")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    folder = stamps.package_tree(stamps.STAMPS_PACKAGE) / stamps.STAMPS_FOLDER
    rows, pictures = [], {}
    for path in sorted(folder.rglob("*.png")):
        name = path.relative_to(folder).as_posix()
        rgb, alpha = load_rgba(path)
        pictures[name] = (rgb, alpha)
        rows.append(draft_row(name, path, rgb, alpha))
    rows = merge(mark_copies(rows), stamps.STAMPS_LIST)

    templates = stamps.package_tree(stamps.TEMPLATES_PACKAGE) / stamps.TEMPLATES_FOLDER
    backgrounds = []
    for path in sorted(templates.glob("*.jpg")):
        rgb = load_image(path)
        alpha = np.ones(rgb.shape[:2], np.float32)
        pictures["templates/" + path.name] = (rgb, alpha)
        backgrounds.append({"file": path.name, "sha256": imageio.file_sha256(path), "category": "templates",
                            "width": rgb.shape[1], "height": rgb.shape[0], "object_pixels": rgb.shape[0] * rgb.shape[1],
                            "flat_share": f"{stamps.flat_pair_share(rgb, alpha):.6f}", "halo_share": "0.000000",
                            "rule": "template", "kept": "yes", "reason": "", "note": ""})
    backgrounds = merge(backgrounds, stamps.BACKGROUNDS_LIST)

    stamps.write_list(args.out / "stamps.csv", rows)
    stamps.write_list(args.out / "backgrounds.csv", backgrounds)
    if args.write:
        undecided = [r["file"] for r in rows if r["kept"] not in ("yes", "no")]
        if undecided:
            parser.error(f"{len(undecided)} stamps still need a decision (kept=review), e.g. {undecided[:5]}")
        stamps.write_list(stamps.STAMPS_LIST, rows)
        stamps.write_list(stamps.BACKGROUNDS_LIST, backgrounds)

    rows.sort(key=lambda r: float(r["flat_share"]) if r["flat_share"] != "nan" else 2.0)
    for index, row in enumerate(rows):
        row["index"] = index
    with open(args.out / "index.txt", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(f"{row['index']}\t{row['file']}\t{row['flat_share']}\t{row['halo_share']}\t{row['rule']}"
                         f"\t{row['kept']}\t{row['reason']}\n")
    if not args.no_sheets:
        font = ImageFont.load_default(size=13)
        groups = {"kept": [r for r in rows if r["kept"] == "yes"],
                  "review": [r for r in rows if r["kept"] == "review"],
                  "excluded": [r for r in rows if r["kept"] == "no"]}
        for group, members in groups.items():
            sheets(members, pictures, group, args.out, font)
        for index, row in enumerate(backgrounds):
            row["index"] = f"t{index}"
        sheets(backgrounds, {r["file"]: pictures["templates/" + r["file"]] for r in backgrounds}, "templates",
               args.out, font)

    counts = Counter((r["kept"], r["reason"]) for r in rows)
    for (kept, reason), n in sorted(counts.items()):
        print(f"{kept:6s} {reason or '-':14s} {n}")
    print(f"{len(rows)} stamps, {len(backgrounds)} templates; lists and sheets in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

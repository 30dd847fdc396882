"""Drafting the reviewed list of Tux Paint stamps: the rule's verdict per stamp, copies, earlier decisions kept.

``scripts/review_stamps.py`` measures every stamp with :mod:`course_lib.stamps`,
drafts a row per stamp with :func:`draft_row`, marks byte-identical copies
(:func:`mark_copies`) and keeps every decision a person already made
(:func:`merge`), then draws contact sheets for the stamps left to review.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from course_lib import imageio, stamps

__all__ = ["draft_row", "mark_copies", "merge"]


def draft_row(name: str, path: Path, rgb: np.ndarray, alpha: np.ndarray) -> dict:
    """Return a list row for one stamp: its measures, the rule's verdict and the draft decision."""
    m = stamps.stamp_measures(rgb, alpha)
    verdict = stamps.rule_verdict(m)
    row = {"file": name, "sha256": imageio.file_sha256(path), "category": str(Path(name).parent),
           "width": m["width"], "height": m["height"], "object_pixels": m["object_pixels"],
           "flat_share": f"{m['flat_share']:.6f}",
           "halo_share": f"{m['halo_share']:.6f}", "rule": verdict, "note": ""}
    if path.stem.endswith("_mirror"):
        row.update(kept="no", reason="duplicate", note=f"mirrored copy of {path.stem[:-7]}.png")
    elif verdict == "photo":
        row.update(kept="yes", reason="")
    elif verdict == "review" and path.with_suffix(".svg").is_file():
        row.update(kept="no", reason="vector", note=f"{path.stem}.svg is beside it")
    elif verdict == "review":
        row.update(kept="review", reason="")
    else:
        row.update(kept="no", reason=verdict)
    return row


def mark_copies(rows: list[dict]) -> list[dict]:
    """Mark every stamp whose bytes equal an earlier one's (by file name) as a duplicate of it."""
    first = {}
    for row in rows:
        earlier = first.setdefault(row["sha256"], row["file"])
        if earlier != row["file"] and row["kept"] != "no":
            row.update(kept="no", reason="duplicate", note=f"the same bytes as {earlier}")
    return rows


def merge(drafts: list[dict], reviewed_path: Path) -> list[dict]:
    """Return ``drafts`` with the reviewed decision of every file whose SHA-256 is unchanged."""
    if not reviewed_path.is_file():
        return drafts
    with open(reviewed_path, newline="", encoding="utf-8") as handle:
        old = {r["file"]: r for r in csv.DictReader(handle)}
    for row in drafts:
        before = old.get(row["file"])
        if before and before["sha256"] == row["sha256"] and before["kept"] in ("yes", "no"):
            row.update(kept=before["kept"], reason=before["reason"], note=before["note"])
    return drafts

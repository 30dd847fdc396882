"""Run segmentation methods over a split and summarise the scores by difficulty.

One loop produces every comparison table in the course, so lessons 00b, 01, 03
and later ones print numbers that mean the same thing. Results are "tidy": one
row per image × method, with its difficulty, scores and time.

>>> from course_lib import classical, datasets            # doctest: +SKIP
>>> rows = evaluate_methods({"otsu": classical.otsu_mask}, datasets.load_split("test", limit=30))
>>> print(format_table(summarise(rows)))                  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np

from course_lib import metrics

DIFFICULTY_ORDER = ("easy", "medium", "hard", "real", "all")
"""Column order of every table; "real" is the demo photos (course_lib.demo), "all" pools the rows."""


def evaluate_methods(methods: Mapping[str, Callable[[np.ndarray], np.ndarray]], split, *,
                     tolerance: float = 2, progress: bool = True) -> list[dict]:
    """Return one row per image × method: ``index``, ``difficulty``, ``method``, the scores, ``seconds``.

    Each method maps an ``H×W×3 uint8`` image to a mask (bool) or alpha (float in
    [0, 1]); it is scored against the split's exact alpha with
    :func:`course_lib.metrics.scores`. A method that raises on an image is
    recorded with NaN scores and the error text, and the loop goes on.
    """
    from tqdm.auto import tqdm

    if not methods:
        raise ValueError("methods is empty: give at least one name → function")
    rows = []
    total = len(split) * len(methods)
    with tqdm(total=total, desc="evaluating", disable=not progress, leave=False) as bar:
        for index in range(len(split)):
            rgb, truth = split.rgb[index], split.alpha[index]
            for name, method in methods.items():
                start = time.perf_counter()
                row = {"index": index, "difficulty": str(split.difficulty[index]), "method": name}
                try:
                    pred = method(rgb)
                    row.update(metrics.scores(pred, truth, tolerance=tolerance))
                    row["error"] = ""
                except Exception as exc:  # one failing image must not hide the others' scores
                    row.update({k: float("nan") for k in ("iou", "dice", "precision", "recall",
                                                          "boundary_f", "mae")})
                    row["error"] = f"{type(exc).__name__}: {exc}"
                row["seconds"] = time.perf_counter() - start
                rows.append(row)
                bar.update()
    return rows


def summarise(rows: list[dict], score: str = "iou") -> dict[str, dict[str, dict[str, float]]]:
    """Return ``{method: {difficulty: {"median", "p10", "mean", "n"}}}`` of one score, plus ``"all"``."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    methods = list(dict.fromkeys(r["method"] for r in rows))
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
        out[method] = {}
        for difficulty in DIFFICULTY_ORDER:
            values = np.array([r[score] for r in mine if difficulty == "all" or r["difficulty"] == difficulty],
                              dtype=float)
            values = values[~np.isnan(values)]
            if len(values):
                out[method][difficulty] = {"median": float(np.median(values)),
                                           "p10": float(np.percentile(values, 10)),
                                           "mean": float(values.mean()), "n": int(len(values))}
    return out


def format_table(summary: dict, score: str = "IoU") -> str:
    """Return a plain-text table: one row per method, median (10th percentile) per difficulty."""
    columns = [d for d in DIFFICULTY_ORDER if any(d in v for v in summary.values())]
    width = max([len(m) for m in summary] + [6])
    lines = [f"{'method':<{width}}  " + "  ".join(f"{c + ' ' + score:>18}" for c in columns),
             f"{'':<{width}}  " + "  ".join(f"{'median (p10)':>18}" for _ in columns)]
    for method, by_difficulty in summary.items():
        cells = []
        for c in columns:
            s = by_difficulty.get(c)
            cells.append(f"{s['median']:.3f} ({s['p10']:.2f})".rjust(18) if s else " " * 18)
        lines.append(f"{method:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)


def worst(rows: list[dict], method: str, n: int = 4, score: str = "iou") -> list[dict]:
    """Return the ``n`` rows of ``method`` with the lowest ``score`` (NaN counts as worst)."""
    mine = [r for r in rows if r["method"] == method]
    return sorted(mine, key=lambda r: -np.inf if np.isnan(r[score]) else r[score])[:n]

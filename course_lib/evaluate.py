"""Run segmentation methods over a split and summarise the scores by difficulty.

One loop produces every comparison table in the course, so lessons 00b, 01, 03
and later ones print numbers that mean the same thing. Results are "tidy": one
row per image × method, with its difficulty, scores and time.

>>> from course_lib import classical, synth
>>> from course_lib.datasets import Split
>>> samples = [synth.make_sample(seed, size=48, difficulty="easy") for seed in range(3)]
>>> split = Split(np.stack([s.rgb for s in samples]), np.stack([s.alpha for s in samples]),
...               np.array(["easy"] * 3), [s.meta for s in samples], "tiny")
>>> rows = evaluate_methods({"otsu": classical.otsu_mask}, split, progress=False)
>>> len(rows), sorted(rows[0])[:4]
(3, ['boundary_f', 'dice', 'difficulty', 'error'])
>>> print(format_table(summarise(rows)))                      # doctest: +ELLIPSIS
method ...

Your own photos: a folder with ``images/`` and ``masks/`` (same stems) goes
through the same loop with :func:`evaluate_folder`. The pictures of lesson 07
— :func:`course_lib.views.charts.plot_score_distribution` (a score per method
per difficulty), :func:`~course_lib.views.charts.plot_method_scatter` (one method
against another, image by image) and :func:`~course_lib.views.charts.worst_gallery`
(where each method fails) — all read those rows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from course_lib import metrics
from course_lib.imageio import IMAGE_SUFFIXES, ImageLoadError, load_folder, load_image

__all__ = ["SCORES", "DIFFICULTY_ORDER", "evaluate_methods", "summarise", "format_table", "worst",
           "load_folder_split", "evaluate_folder", "paired_scores"]

SCORES = ("iou", "dice", "precision", "recall", "boundary_f", "mae")
"""The scores in every row (:func:`course_lib.metrics.scores`)."""

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
                    row.update({k: float("nan") for k in SCORES})
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


# --- a folder of your own photos -------------------------------------------------------------------


def _load_truth(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """Return the mask at ``path`` as an H×W float32 alpha in [0, 1] (grey level / 255), checked against ``shape``."""
    grey = load_image(path)[:, :, 0].astype(np.float32) / 255.0   # a grey PNG comes back as R = G = B
    if grey.shape != tuple(shape):
        raise ImageLoadError(f"{path} is {grey.shape[1]}×{grey.shape[0]} pixels but its photo is "
                             f"{shape[1]}×{shape[0]}")
    return grey


def load_folder_split(folder: str | os.PathLike, *, difficulty: str = "real"):
    """Return ``(split, errors)``: the good image/mask pairs of ``folder`` and why each bad one failed.

    Parameters
    ----------
    folder : path
        Holds ``images/`` (photos, any size) and ``masks/`` (one per photo,
        same stem, any image format; grey level / 255 is the alpha, so a
        0/255 mask or a soft alpha both work).
    difficulty : str
        The label every pair carries in the tables (``"real"`` for photos).

    Returns
    -------
    split : :class:`course_lib.datasets.Split`
        ``rgb[i]`` H_i×W_i×3 uint8 and ``alpha[i]`` H_i×W_i float32 (object
        arrays, as :func:`course_lib.demo.as_split` gives); ``meta[i]["name"]``
        is the stem, ``meta[i]["path"]`` the photo's path.
    errors : {stem: message}
        A photo that does not load, a missing or unreadable mask, a mask of the
        wrong size, a mask without a photo: each named, none fatal.
    """
    from course_lib.datasets import Split

    folder = Path(folder)
    image_dir, mask_dir = folder / "images", folder / "masks"
    if not image_dir.is_dir():
        raise FileNotFoundError(f"{folder} has no images/ folder: put the photos in {image_dir} "
                                f"and their masks (same names) in {mask_dir}")
    photos = load_folder(image_dir)
    masks = {p.stem: p for p in sorted(mask_dir.glob("*")) if p.suffix.lower() in IMAGE_SUFFIXES} \
        if mask_dir.is_dir() else {}
    errors: dict[str, str] = {path.stem: message for path, message in photos.errors.items()}
    pairs = []
    for path, rgb in photos.images.items():
        if path.stem not in masks:
            errors[path.stem] = f"{path} has no mask: expected {mask_dir / path.stem}.png"
            continue
        try:
            pairs.append((path, rgb, _load_truth(masks[path.stem], rgb.shape[:2])))
        except ImageLoadError as exc:
            errors[path.stem] = str(exc)
    photo_stems = {p.stem for p in list(photos.images) + list(photos.errors)}
    for stem, path in masks.items():
        if stem not in photo_stems:
            errors[stem] = f"{path} has no photo in {image_dir}"
    rgb, alpha = np.empty(len(pairs), object), np.empty(len(pairs), object)
    for i, (_, r, a) in enumerate(pairs):   # item by item: NumPy would try to broadcast a list
        rgb[i], alpha[i] = r, a
    meta = [{"name": p.stem, "path": str(p), "product": p.stem, "background": "your photo"} for p, _, _ in pairs]
    split = Split(rgb, alpha, np.array([difficulty] * len(pairs), dtype=object).astype(str), meta, folder.name)
    return split, dict(sorted(errors.items()))


def evaluate_folder(methods: Mapping[str, Callable[[np.ndarray], np.ndarray]], folder: str | os.PathLike, *,
                    difficulty: str = "real", tolerance: float = 2, progress: bool = True) -> list[dict]:
    """Return :func:`evaluate_methods`'s rows for a folder of ``images/`` + ``masks/`` pairs, bad files included.

    Every row also has ``name`` (the file's stem). A pair that cannot be read
    gives one row per method with NaN scores and the reason in ``error``, so a
    table of 40 photos with one broken file still shows 39 scores and says
    which file failed and why. See :func:`load_folder_split` for the layout.
    """
    if not methods:
        raise ValueError("methods is empty: give at least one name → function")
    split, errors = load_folder_split(folder, difficulty=difficulty)
    rows = evaluate_methods(methods, split, tolerance=tolerance, progress=progress) if len(split) else []
    for row in rows:
        row["name"] = split.meta[row["index"]]["name"]
    for k, (stem, message) in enumerate(errors.items()):
        for method in methods:
            rows.append({"index": len(split) + k, "difficulty": difficulty, "method": method, "name": stem,
                         **{score: float("nan") for score in SCORES}, "error": message, "seconds": 0.0})
    return rows


def paired_scores(rows: list[dict], method_x: str, method_y: str, score: str = "iou") -> list[tuple]:
    """Return ``[(difficulty, score of method_x, score of method_y, row key)]`` for the images both scored."""
    def key(r):
        return r["index"], r["difficulty"], r.get("name")

    xs = {key(r): r for r in rows if r["method"] == method_x}
    out = []
    for r in rows:
        if r["method"] == method_y and key(r) in xs:
            out.append((r["difficulty"], float(xs[key(r)][score]), float(r[score]), key(r)))
    return out

"""The measurements a model card reports: scores by difficulty, the quality bar, real photos, speed.

``scripts/model_card.py``, ``scripts/candidate_card.py`` and
:mod:`course_lib.finetune` measure a model with these functions and hand the
numbers to :mod:`course_lib.model_card`, which writes the card. A *method* is
a segmenter ``rgb -> alpha`` (``H×W×3 uint8`` in, ``H×W`` float in [0, 1] or bool
out), as in :func:`course_lib.evaluate.evaluate_methods`.

>>> rows = [{"name": "a", "group": "g", "iou_before": 0.5, "iou_after": 0.9},
...         {"name": "b", "group": "g", "iou_before": 0.7, "iou_after": 0.8}]
>>> median_scores(rows)
{'iou_before': 0.6, 'iou_after': 0.85}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np

from course_lib import evaluate, metrics

__all__ = ["CARD_SCORES", "LEVELS", "score_table", "quality_bar", "throughput", "generated_iou", "mean_iou",
           "per_photo_iou", "demo_set_scores", "real_side_scores", "median_scores"]

CARD_SCORES = ("iou", "boundary_f", "mae")
"""The scores a card's test-split table gives per method and difficulty."""

LEVELS = ("easy", "medium", "hard", "all")
"""The difficulties the quality bar is checked on ("all" pools them)."""

Method = Callable[[np.ndarray], np.ndarray]


def score_table(rows: list[dict], scores=CARD_SCORES) -> dict:
    """Return ``{method: {difficulty: {"n", score: {"median", "mean", "p10"}}}}``, rounded to 4 places.

    ``rows`` are :func:`course_lib.evaluate.evaluate_methods`'s, one per image × method.

    >>> rows = [{"method": "m", "difficulty": "easy", "iou": v, "boundary_f": 1.0, "mae": 0.0} for v in (0.5, 1.0)]
    >>> score_table(rows)["m"]["easy"]["iou"]
    {'median': 0.75, 'mean': 0.75, 'p10': 0.55}
    """
    table: dict = {}
    for score in scores:
        for method, by_difficulty in evaluate.summarise(rows, score).items():
            for difficulty, stats in by_difficulty.items():
                cell = table.setdefault(method, {}).setdefault(difficulty, {"n": stats["n"]})
                cell[score] = {k: round(stats[k], 4) for k in ("median", "mean", "p10")}
    return table


def quality_bar(table: dict, bar: Mapping[str, float], *, model: str = "unet", baselines=()) -> dict:
    """Return the card's ``quality_bar``: ``{"mean_iou": bar, "met": bool, "notes": [str per level]}``.

    Met when, on every level of :data:`LEVELS`, ``model``'s mean IoU in ``table``
    (:func:`score_table`) is above the best of ``baselines`` and at least
    ``bar[level]`` (a level ``bar`` does not name has no floor).

    >>> cell = lambda mean: {"iou": {"mean": mean}}
    >>> table = {"unet": {lvl: cell(0.96) for lvl in LEVELS}, "otsu": {lvl: cell(0.5) for lvl in LEVELS}}
    >>> result = quality_bar(table, {"all": 0.95, "hard": 0.9}, baselines=["otsu"])
    >>> result["met"], result["notes"][0]
    (True, 'easy: U-Net 0.960 vs otsu 0.500')
    """
    baselines = list(baselines)
    if not baselines:
        raise ValueError("baselines is empty: name the methods the model must beat")
    for name in [model, *baselines]:
        missing = [lvl for lvl in LEVELS if lvl not in table.get(name, {})]
        if missing:
            raise ValueError(f"table has no mean IoU of {name!r} on {missing}")
    notes, met = [], True
    for level in LEVELS:
        mine = table[model][level]["iou"]["mean"]
        best = max(baselines, key=lambda m: table[m][level]["iou"]["mean"])
        theirs = table[best][level]["iou"]["mean"]
        met &= bool(mine > theirs and mine >= bar.get(level, 0))
        notes.append(f"{level}: U-Net {mine:.3f} vs {best} {theirs:.3f}")
    return {"mean_iou": dict(bar), "met": bool(met), "notes": notes}


def throughput(model, n: int = 32, size: int = 256, work_size: int | None = None) -> float:
    """Return images per second of :func:`course_lib.inference.predict_alpha_batch` on ``n`` generated photos.

    The photos are ``size×size`` (:func:`course_lib.synth.make_sample`, seeds 0…n-1),
    predicted at ``work_size`` (default: the kit's ``inference.WORK_SIZE``);
    one batch of 16 runs first, untimed, so graph tracing is not counted.
    """
    from course_lib import inference, synth

    work_size = inference.WORK_SIZE if work_size is None else work_size
    photos = [synth.make_sample(seed, size=size).rgb for seed in range(n)]
    inference.predict_alpha_batch(model, photos[:16], size=work_size)
    start = time.perf_counter()
    inference.predict_alpha_batch(model, photos, size=work_size)
    return n / (time.perf_counter() - start)


def generated_iou(model, n: int, size: int, *, seed: int = 900_000) -> float:
    """Return the mean IoU over ``n`` generated photos, odd ones scenes and even ones single products.

    Samples ``seed + i`` of :func:`course_lib.synth_scenes.make_scene` (odd ``i``) and
    :func:`course_lib.synth.make_sample` (even ``i``), ``size×size``, predicted at ``size``:
    what a model knew before fine-tuning, measured again after it.
    """
    from course_lib import synth, synth_scenes
    from course_lib.inference import predict_alpha_batch

    samples = [synth_scenes.make_scene(seed + i, size=size) if i % 2 else
               synth.make_sample(seed + i, size=size) for i in range(n)]
    alphas = predict_alpha_batch(model, [s.rgb for s in samples], size=size)
    return float(np.mean([metrics.iou(a, s.alpha) for a, s in zip(alphas, samples)]))


def mean_iou(model, split) -> float:
    """Return the model's mean IoU over a split (:class:`course_lib.datasets.Split`), predicted at the kit's size."""
    from course_lib.inference import predict_alpha_batch

    alphas = predict_alpha_batch(model, list(split.rgb))
    return float(np.mean([metrics.iou(a, t) for a, t in zip(alphas, split.alpha)]))


def _scores_by_photo(methods: Mapping[str, Method], split, names: list[str], progress: bool) -> dict:
    if len(names) != len(split):
        raise ValueError(f"names has {len(names)} entries, but the split has {len(split)} photos")
    rows = evaluate.evaluate_methods(methods, split, progress=progress)
    iou = {(r["index"], r["method"]): r["iou"] for r in rows}
    return {name: {m: iou[i, m] for m in methods} for i, name in enumerate(names)}


def _rounded(raw: dict, methods) -> tuple[dict, dict]:
    per_photo = {name: {m: round(v[m], 4) for m in methods} for name, v in raw.items()}
    medians = {m: round(float(np.median([v[m] for v in raw.values()])), 4) for m in methods}
    return per_photo, medians


def per_photo_iou(methods: Mapping[str, Method], split, names: list[str], *,
                  progress: bool = False) -> tuple[dict, dict]:
    """Return ``(per_photo, medians)``: ``{name: {method: IoU}}`` and ``{method: median IoU}``, rounded to 4 places.

    ``names`` label the split's photos in order. Medians (and the comparisons
    of :func:`demo_set_scores` and :func:`real_side_scores`) use the unrounded scores.
    """
    return _rounded(_scores_by_photo(methods, split, names, progress), methods)


def demo_set_scores(methods: Mapping[str, Method], split, names: list[str], *, model: str = "unet",
                    baselines=(), progress: bool = True) -> dict:
    """Return the shipped card's ``demo_set``: ``{"methods", "photos", "median", "verdict"}``.

    ``photos`` is :func:`per_photo_iou`'s table; the verdict counts the photos
    where one of ``baselines`` scores higher than ``model``.
    """
    baselines = list(baselines)
    if not baselines:
        raise ValueError("baselines is empty: name the methods the model is compared with")
    raw = _scores_by_photo(methods, split, names, progress)
    per_photo, medians = _rounded(raw, methods)
    losses = [n for n in names if raw[n][model] < max(raw[n][m] for m in baselines)]
    verdict = (f"on {len(losses)} of {len(names)} photos a classical method scores higher "
               f"({', '.join(losses) or 'none'}); median U-Net {medians[model]:.3f} vs best classical "
               f"{max(medians[m] for m in baselines):.3f}.")
    return {"methods": list(methods), "photos": per_photo, "median": medians, "verdict": verdict}


def real_side_scores(methods: Mapping[str, Method], split, names: list[str], *, candidate: str = "candidate",
                     automatic=(), progress: bool = False) -> dict:
    """Return a candidate card's side (``dev`` or ``holdout``): medians, the best automatic method, wins, per photo.

    ``automatic`` are the methods that need no help (lesson 01's and the
    candidate-seeded GrabCut); the best of them by median IoU is the one the
    candidate must beat photo by photo.
    """
    automatic = list(automatic)
    if not automatic:
        raise ValueError("automatic is empty: name the methods the candidate is compared with")
    raw = _scores_by_photo(methods, split, names, progress)
    per_photo, medians = _rounded(raw, methods)
    best = max(automatic, key=medians.get)
    wins = [n for n in names if raw[n][candidate] > raw[n][best]]
    return {"photos": len(names), "median_iou": medians, "best_automatic": best, "candidate_wins": len(wins),
            "candidate_loses_on": [n for n in names if n not in wins], "per_photo": per_photo}


def median_scores(rows: list[dict]) -> dict:
    """Return the median of every score column of per-photo rows (all keys but ``name``, ``group``, ``side``)."""
    keys = [k for k in (rows[0] if rows else {}) if k not in ("name", "group", "side")]
    return {k: round(float(np.median([r[k] for r in rows])), 4) for k in keys}

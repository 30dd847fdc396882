"""Which method the tools run on real photos: the candidates, scored on the real ``dev`` photos, and the winner.

The kit's rule: until a CNN closes the gap to GrabCut on real photos, the tools
(``course-cutout``, :func:`course_lib.cutout.load_segmenter`) default to
whatever scores best on ``dev``. :func:`score_candidates` scores every
candidate the tools can run (:data:`CANDIDATES`) on ``dev``, photo by photo;
:func:`choose` keeps the best median IoU among GrabCut and the methods that beat it on more photos than they trail it,
with every seed;
``scripts/choose_real_default.py`` writes both to :data:`CHOICE_PATH`, and the
tools read the winner from there (:func:`default_method`).

GrabCut draws random numbers (its colour models start from k-means), so every
GrabCut-based candidate is scored with each of :data:`SEEDS`
(``cv2.setRNGSeed``): a photo's score is the mean over the seeds, and the JSON
keeps each seed's scores too. ``holdout`` is never scored here: it is for final
numbers, not for choosing.

>>> scores = {"a": {"p1": 0.5, "p2": 0.9, "p3": 0.1}, "b": {"p1": 0.6, "p2": 0.6, "p3": 0.6}}
>>> medians(scores), choose(scores)
({'a': 0.5, 'b': 0.6}, 'b')
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from course_lib.config import DATA_DIR, repo_relative

__all__ = ["CHOICE_PATH", "HOLDOUT_PATH", "read_holdout", "model_of", "earlier_defaults", "SEEDS", "CANDIDATES",
           "FALLBACK", "WORK_SIZES", "THRESHOLDS", "REAL_CNN_CANDIDATES", "candidate_methods", "score_candidates",
           "score_training_seeds", "medians", "means", "better_worse", "versus", "paired_bootstrap",
           "seeded_comparisons", "choose", "choose_from_record", "CHOICE_RULE", "sweep_work_size", "sweep_threshold",
           "read_choice", "default_method"]

CHOICE_PATH = DATA_DIR / "models" / "real_default.json"
"""Where the scores on ``dev`` and the chosen default live (written by ``scripts/choose_real_default.py``)."""

HOLDOUT_PATH = DATA_DIR / "models" / "real_default_holdout.json"
"""The chosen default and GrabCut, scored once on ``holdout`` after the choice.

Written by ``scripts/score_default_on_holdout.py``."""

SEEDS = (0, 1)
"""The seeds each GrabCut-based candidate runs with; a photo's score is their mean."""

CANDIDATES = {
    "real_cnn": ("the real-photo CNN alone (probability ≥ 0.5)", False),
    "real_hybrid": ("GrabCut from the real-photo CNN's labels", True),
    "real_hybrid_box": ("GrabCut inside the box the real-photo CNN places", True),
    "real_hybrid_frame": ("GrabCut from the border, with the real-photo CNN's hints", True),
    "cnn": ("lesson 04's U-Net (generated images) alone", False),
    "hybrid": ("GrabCut from lesson 04's U-Net's labels", True),
    "hybrid_box": ("GrabCut inside the box lesson 04's U-Net places", True),
    "grabcut": ("GrabCut from the border (lesson 01: a box 5 % inside the frame)", True),
}
"""The candidates, ``{name: (what it is, whether GrabCut runs)}``; each name is a ``course-cutout --method``."""

REAL_CNN_CANDIDATES = ("real_cnn", "real_hybrid", "real_hybrid_box", "real_hybrid_frame")
"""The candidates that run the real-photo CNN: scored again with the CNN of each training seed of its recipe."""

FALLBACK = "grabcut"
"""The default when :data:`CHOICE_PATH` cannot be read: the best method on ``dev`` before any CNN was measured."""

WORK_SIZES = (64, 80, 96, 112, 128, 160)
"""The working sizes tried for the real-photo CNN on ``dev`` (lesson 04b's sweep)."""

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
"""The thresholds tried for the real-photo CNN alone on ``dev`` (recorded, not a candidate: :func:`sweep_threshold`)."""


def candidate_methods(real_cnn: Callable, unet_cnn: Callable, seed: int = 0) -> dict[str, Callable]:
    """Return ``{name: rgb -> alpha}`` for every :data:`CANDIDATES` entry, GrabCut seeded with ``seed``.

    ``real_cnn`` and ``unet_cnn`` map a photo to the object probability of the
    real-photo CNN and of lesson 04's U-Net (an
    :class:`~course_lib.inference.AlphaCache` each, so a photo is predicted once
    however many candidates and seeds use it).
    """
    from course_lib import classical, hybrid

    return {
        "real_cnn": lambda rgb: real_cnn(rgb) >= 0.5,
        "real_hybrid": hybrid.hybrid_method(real_cnn, "labels", seed=seed),
        "real_hybrid_box": hybrid.hybrid_method(real_cnn, "box", seed=seed),
        "real_hybrid_frame": hybrid.hybrid_method(real_cnn, "frame", seed=seed),
        "cnn": lambda rgb: unet_cnn(rgb) >= 0.5,
        "hybrid": hybrid.hybrid_method(unet_cnn, "labels", seed=seed),
        "hybrid_box": hybrid.hybrid_method(unet_cnn, "box", seed=seed),
        "grabcut": lambda rgb: classical.grabcut_mask(rgb, seed=seed),
    }


def _iou_by_photo(methods: dict[str, Callable], split) -> dict[str, dict[str, float]]:
    """Return ``{method: {photo: IoU}}`` (rounded to 4 decimals) over a :class:`~course_lib.datasets.Split`."""
    from course_lib import evaluate

    rows = evaluate.evaluate_methods(methods, split, progress=False)
    failed = [f"{split.meta[r['index']]['name']} / {r['method']}: {r['error']}" for r in rows if r["error"]]
    if failed:
        raise RuntimeError(f"a candidate failed on a {split.name} photo: " + "; ".join(failed[:5]))
    out: dict[str, dict[str, float]] = {name: {} for name in methods}
    for r in rows:
        out[r["method"]][split.meta[r["index"]]["name"]] = round(float(r["iou"]), 4)
    return out


def score_candidates(real_cnn: Callable, unet_cnn: Callable, split, seeds=SEEDS, names=None) -> dict[str, dict]:
    """Return ``{name: {"per_photo": {photo: IoU}, "per_seed": {seed: {photo: IoU}}}}`` for every candidate.

    ``names`` limits the scoring to those candidates (all of :data:`CANDIDATES` by default).

    ``per_photo`` is the mean over ``seeds`` for a GrabCut-based candidate (the
    CNN alone has no seed: it is scored once). IoUs are rounded to 4 decimals,
    and the means are taken from the rounded values, so the stored numbers follow
    from each other exactly.
    """
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed for GrabCut")
    names = list(CANDIDATES) if names is None else list(names)
    unknown = sorted(set(names) - set(CANDIDATES))
    if unknown:
        raise ValueError(f"names={unknown} are not candidates: choose from {sorted(CANDIDATES)}")

    def chosen(seed):
        return {k: v for k, v in candidate_methods(real_cnn, unet_cnn, seed).items() if k in names}

    by_seed = {int(seed): _iou_by_photo(chosen(int(seed)), split) for seed in seeds}
    first = by_seed[int(seeds[0])]
    out = {}
    for name in names:
        uses_grabcut = CANDIDATES[name][1]
        if not uses_grabcut:
            out[name] = {"per_photo": first[name]}
            continue
        per_seed = {str(seed): scores[name] for seed, scores in by_seed.items()}
        per_photo = {photo: round(float(np.mean([s[photo] for s in per_seed.values()])), 4) for photo in first[name]}
        out[name] = {"per_photo": per_photo, "per_seed": per_seed}
    return out


def score_training_seeds(real_cnns: dict, unet_cnn: Callable, split, seeds=SEEDS) -> dict[str, dict]:
    """Return ``{training seed: {name: scores}}`` for :data:`REAL_CNN_CANDIDATES`, once per real-photo CNN.

    ``real_cnns`` maps a training seed to the CNN that recipe trained with that
    seed (an :class:`~course_lib.inference.AlphaCache`). The shipped CNN is one
    of them, and it was picked on ``dev`` as the best of them, so its ``dev``
    scores flatter its recipe; a method that runs it must win with the others
    too (:func:`choose_from_record`). Each entry is as :func:`score_candidates` returns.
    """
    return {str(int(seed)): score_candidates(cnn, unet_cnn, split, seeds=seeds, names=REAL_CNN_CANDIDATES)
            for seed, cnn in real_cnns.items()}


def medians(per_photo: dict[str, dict[str, float]]) -> dict[str, float]:
    """Return each method's median over its photos, rounded to 4 decimals: ``{method: median}``."""
    return {name: round(float(np.median(list(scores.values()))), 4) for name, scores in per_photo.items()}


def means(per_photo: dict[str, dict[str, float]]) -> dict[str, float]:
    """Return each method's mean over its photos, rounded to 4 decimals: ``{method: mean}``."""
    return {name: round(float(np.mean(list(scores.values()))), 4) for name, scores in per_photo.items()}


def better_worse(scores: dict[str, float], base: dict[str, float], margin: float = 0.01) -> dict[str, int]:
    """Return ``{"better": n, "worse": n}``: on how many photos ``scores`` beats or trails ``base`` (by > ``margin``).

    >>> better_worse({"p": 0.9, "q": 0.505, "r": 0.2}, {"p": 0.5, "q": 0.5, "r": 0.5})
    {'better': 1, 'worse': 1}
    """
    return {"better": sum(scores[k] > base[k] + margin for k in base),
            "worse": sum(scores[k] < base[k] - margin for k in base)}


def versus(per_photo: dict[str, dict[str, float]], reference: str = "grabcut", margin: float = 0.01) -> dict:
    """Return ``{method: {"better": n, "worse": n}}``: on how many photos each beats or trails ``reference``.

    A photo counts when the IoUs differ by more than ``margin``. A median can
    hide a long tail: a method may win the median and still lose more photos than it wins.

    >>> versus({"g": {"p": 0.5, "q": 0.5}, "m": {"p": 0.9, "q": 0.505}}, "g")["m"]
    {'better': 1, 'worse': 0}
    """
    if reference not in per_photo:
        raise ValueError(f"reference={reference!r} is not one of the scored methods {sorted(per_photo)}")
    return {name: better_worse(scores, per_photo[reference], margin) for name, scores in per_photo.items()}


def paired_bootstrap(scores: dict[str, float], base: dict[str, float], *, resamples: int = 10_000,
                     confidence: float = 0.9, seed: int = 0) -> dict:
    """Return how far the photos let one trust a median gap: ``scores``' median minus ``base``'s, resampled.

    The photos are drawn with replacement ``resamples`` times, the same draw
    for both methods (the comparison is photo by photo); each draw gives one
    gap of medians. Returns ``{"gap", "low", "high", "above"}``: the gap on the
    photos as they are, the ``confidence`` percentile interval of the drawn
    gaps, and the share of draws in which ``scores`` leads. An interval that
    spans 0 means these photos cannot tell the two methods apart by median.

    >>> r = paired_bootstrap({"a": 0.6, "b": 0.7, "c": 0.8}, {"a": 0.5, "b": 0.6, "c": 0.7})
    >>> r["gap"], r["low"], r["high"], r["above"]        # a constant lead of 0.1: every draw says so
    (0.1, 0.1, 0.1, 1.0)
    """
    photos = sorted(base)
    if not photos:
        raise ValueError("no photos to compare")
    if set(scores) != set(photos):
        raise ValueError(f"both methods need scores on the same photos; these are scored by one only: "
                         f"{sorted(set(scores) ^ set(photos))}")
    if int(resamples) != resamples or resamples < 100:
        raise ValueError(f"resamples={resamples!r} must be a whole number, at least 100")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence={confidence!r} must lie strictly between 0 and 1")
    a = np.array([scores[p] for p in photos], np.float64)
    b = np.array([base[p] for p in photos], np.float64)
    draws = np.random.default_rng(seed).integers(0, len(photos), size=(resamples, len(photos)))
    gaps = np.median(a[draws], axis=1) - np.median(b[draws], axis=1)
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(gaps, [tail, 100 - tail])
    return {"gap": round(float(np.median(a) - np.median(b)), 4), "low": round(float(low), 4),
            "high": round(float(high), 4), "above": round(float(np.mean(gaps > 0)), 4)}


def seeded_comparisons(methods: dict[str, dict], training: dict[str, dict] | None = None,
                       reference: str = "grabcut") -> dict[str, list[tuple[dict, dict]]]:
    """Return ``{method: [(its per-photo IoUs, the reference's), ...]}``: one pair per seeded run of the method.

    ``methods`` is ``{name: {"per_photo": ..., "per_seed": ...}}`` (as
    :func:`score_candidates` returns). A GrabCut-based method with GrabCut seed
    ``g`` is paired with the reference run with the same ``g``; a method without
    seeds with the reference's mean. ``training`` (as
    :func:`score_training_seeds` returns) adds the pairs of each other training
    seed of the real-photo CNN.

    >>> g = {"per_photo": {"p": 0.5}, "per_seed": {"0": {"p": 0.4}, "1": {"p": 0.6}}}
    >>> m = {"per_photo": {"p": 0.7}, "per_seed": {"0": {"p": 0.7}, "1": {"p": 0.7}}}
    >>> seeded_comparisons({"grabcut": g, "m": m})["m"]
    [({'p': 0.7}, {'p': 0.4}), ({'p': 0.7}, {'p': 0.6})]
    """
    if reference not in methods:
        raise ValueError(f"reference={reference!r} is not one of the scored methods {sorted(methods)}")
    base = methods[reference]

    def pairs(entry):
        if "per_seed" in entry and "per_seed" in base:
            return [(entry["per_seed"][g], base["per_seed"][g]) for g in sorted(entry["per_seed"], key=int)]
        return [(entry["per_photo"], base["per_photo"])]

    out = {name: pairs(entry) for name, entry in methods.items() if name != reference}
    for scored in (training or {}).values():
        for name, entry in scored.items():
            out.setdefault(name, []).extend(pairs(entry))
    return out


def _leads(scores: dict, base: dict, margin: float) -> bool:
    """True when ``scores`` beats ``base`` on more photos than it trails it (by more than ``margin``)."""
    counts = better_worse(scores, base, margin)
    return counts["better"] > counts["worse"]


def choose(per_photo: dict[str, dict[str, float]], reference: str = "grabcut", margin: float = 0.01,
           comparisons: dict[str, list[tuple[dict, dict]]] | None = None) -> str:
    """Return the default: the best median among ``reference`` and the methods that beat it with every seed.

    A method replaces ``reference`` (GrabCut from the border) only when, on
    ``dev``, it is better than GrabCut on more photos than it is worse (by more
    than ``margin`` IoU, :func:`versus`) *and* has the higher median — and, when
    ``comparisons`` (:func:`seeded_comparisons`) lists its seeded runs, does so
    in every one of them: each GrabCut seed and each training seed of its CNN.

    This is the third rule, and each change came after a look at ``holdout``
    (``data/models/real_default_holdout.json`` keeps the reasons). The best
    median alone chose ``hybrid_box`` on ``dev`` (0.794 against 0.720) although
    it trailed GrabCut on 8 photos and led on 6; on ``holdout`` it reached
    0.199 against GrabCut's 0.689. Counting photos then chose ``real_hybrid``
    (10 photos better, 8 worse) with the one CNN picked on ``dev`` as the best
    of its seeds, and on ``holdout`` it reached 0.430. A gap that one seed makes
    and another does not is noise: a decision needs it with every seed.

    >>> choose({"grabcut": {"p": 0.5, "q": 0.5, "r": 0.5}, "m": {"p": 0.9, "q": 0.9, "r": 0.1}})
    'm'
    >>> choose({"grabcut": {"p": 0.5, "q": 0.5, "r": 0.5}, "m": {"p": 0.9, "q": 0.1, "r": 0.1}})
    'grabcut'
    >>> other_seed = ({"p": 0.9, "q": 0.1, "r": 0.1}, {"p": 0.5, "q": 0.5, "r": 0.5})
    >>> choose({"grabcut": {"p": 0.5, "q": 0.5, "r": 0.5}, "m": {"p": 0.9, "q": 0.9, "r": 0.1}},
    ...        comparisons={"m": [other_seed]})
    'grabcut'
    """
    if not per_photo:
        raise ValueError("per_photo is empty: score at least one method")
    by_median = medians(per_photo)
    if reference not in per_photo:
        return max(by_median, key=by_median.get)
    comparisons = comparisons or {}
    allowed = [name for name in per_photo if name == reference or (
        _leads(per_photo[name], per_photo[reference], margin)
        and all(_leads(scores, base, margin) for scores, base in comparisons.get(name, [])))]
    return max(allowed, key=by_median.get)


def choose_from_record(record: dict, reference: str = "grabcut", margin: float = 0.01) -> str:
    """Return :func:`choose`'s answer for a stored choice (``data/models/real_default.json``), every seed included."""
    methods = record["methods"]
    training = record.get("training_seeds", {}).get("methods")
    return choose({name: entry["per_photo"] for name, entry in methods.items()}, reference, margin,
                  comparisons=seeded_comparisons(methods, training, reference))


CHOICE_RULE = ("the best dev median among GrabCut from the border and the methods that beat it on more dev photos "
               "than they trail it (by more than 0.01 IoU), on the mean over seeds and with every seed: each GrabCut "
               "seed and, for a method that runs the real-photo CNN, each training seed of the CNN's recipe")
"""The rule :func:`choose` applies, as the JSON records it."""


def sweep_work_size(model, split, sizes=WORK_SIZES) -> dict[str, float]:
    """Return ``{size: median IoU on split}`` of ``model`` alone (probability ≥ 0.5) at each working size."""
    from course_lib import inference, metrics

    out = {}
    for size in sizes:
        alphas = inference.predict_alpha_batch(model, list(split.rgb), size=int(size))
        out[str(int(size))] = round(float(np.median([metrics.iou(a >= 0.5, t >= 0.5)
                                                      for a, t in zip(alphas, split.alpha)])), 4)
    return out


def sweep_threshold(cnn: Callable, split, thresholds=THRESHOLDS) -> dict[str, float]:
    """Return ``{threshold: median IoU on split}`` of a CNN alone cut at each threshold.

    Recorded for the reader, not a candidate: a threshold chosen on these 21
    photos and scored on the same photos flatters itself.
    """
    from course_lib import metrics

    probabilities = [cnn(rgb) for rgb in split.rgb]
    return {f"{t:.2f}": round(float(np.median([metrics.iou(p >= t, truth >= 0.5)
                                                for p, truth in zip(probabilities, split.alpha)])), 4)
            for t in thresholds}


def read_holdout(path: str | os.PathLike = HOLDOUT_PATH) -> dict | None:
    """Return the final ``holdout`` scores of the chosen default (``scripts/score_default_on_holdout.py``), or None."""
    path = Path(path)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def model_of(name: str) -> str | None:
    """Return the checkpoint candidate ``name`` runs, relative to the repository (``None``: GrabCut, no model).

    >>> model_of("real_hybrid_frame"), model_of("hybrid_box"), model_of("grabcut")
    ('data/models/candidates/vgg3_real_parts.keras', 'data/models/unet.keras', None)
    """
    from course_lib import inference

    if name not in CANDIDATES:
        raise ValueError(f"{name!r} is not a candidate: one of {sorted(CANDIDATES)}")
    if name == "grabcut":
        return None
    path = inference.REAL_MODEL_PATH if name in REAL_CNN_CANDIDATES else inference.MODEL_PATH
    return repo_relative(path)


def earlier_defaults(previous: dict | None) -> list[dict]:
    """Return the holdout scores of every default holdout judged before, to keep when it scores a new one.

    ``previous`` is the holdout record being replaced (:func:`read_holdout`).
    Each time dev chooses a new default, or the same one with a new CNN,
    holdout scores it once more; the earlier default's score stays on record,
    with the commit and the model it was scored with, so that a reader sees
    every dev pick holdout has judged, not only the latest. Its wins were
    counted against GrabCut scored with the same seeds in the same run.

    >>> record = {"default_when_scored": "real_hybrid", "commit": "abc1234", "photos": ["a", "b"],
    ...           "per_photo": {"real_hybrid": {"a": 0.5, "b": 0.7}, "grabcut": {"a": 0.6, "b": 0.6}}}
    >>> [(e["default"], e["median"], e["wins_over_grabcut"], e["model"]) for e in earlier_defaults(record)]
    [('real_hybrid', 0.6, 1, 'data/models/candidates/vgg3_real_parts.keras')]
    """
    if previous is None:
        return []
    out = list(previous.get("earlier_defaults", []))
    name = previous["default_when_scored"]
    if name == "grabcut":           # GrabCut is scored again beside every default: nothing to keep
        return out
    scores, grabcut = previous["per_photo"][name], previous["per_photo"]["grabcut"]
    out.append({"default": name, "summary": previous.get("summary", CANDIDATES[name][0]),
                "model": previous.get("model", model_of(name)), "commit": previous.get("commit"),
                "seeds": previous.get("seeds"), "median": medians({name: scores})[name],
                "wins_over_grabcut": sum(scores[p] > grabcut[p] for p in scores), "photos": len(scores),
                "per_photo": scores})
    return out


def read_choice(path: str | os.PathLike = CHOICE_PATH) -> dict:
    """Return the stored choice (the JSON ``scripts/choose_real_default.py`` wrote).

    Raises FileNotFoundError (with the command that writes it) or ValueError (a file that is not the choice).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python scripts/choose_real_default.py` to score the "
                                "candidates on the real dev photos and write it")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}): write it again with scripts/choose_real_default.py") \
            from None
    if not isinstance(data, dict) or data.get("default") not in CANDIDATES:
        raise ValueError(f"{path} names no known default method (expected one of {sorted(CANDIDATES)})")
    return data


def default_method(path: str | os.PathLike = CHOICE_PATH) -> str:
    """Return the method the tools run on real photos by default: the stored ``dev`` winner.

    When the file cannot be read, :data:`FALLBACK` (GrabCut from the border,
    the best method on ``dev`` before any CNN was measured).
    """
    try:
        return read_choice(path)["default"]
    except (FileNotFoundError, ValueError):
        return FALLBACK

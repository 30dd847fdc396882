"""What a model card holds and how it is written: one card as JSON (the numbers) and Markdown (made from them).

The kit writes three kinds of card, each a ``dict`` that is saved as JSON and
rendered to Markdown by this module alone:

``"shipped"``
    lesson 04's U-Net (``data/models/model_card.json`` → ``MODEL_CARD.md``),
    measured by ``scripts/model_card.py``;
``"candidate"``
    a real-photo candidate (``data/models/candidates/<name>.card.json`` → ``<name>.md``),
    measured by ``scripts/candidate_card.py``;
``"finetuned"``
    a checkpoint made by ``course-finetune`` (:mod:`course_lib.finetune`), with its
    per-photo report (:func:`write_report`).

:func:`check_card` says which field a card lacks (:class:`CardError`);
:func:`card_markdown` renders it; :func:`write_card` writes both files
atomically (:func:`course_lib.imageio.write_atomic`). The Markdown is a function
of the JSON only, so a stored card can be re-rendered anywhere and must equal
its ``.md`` byte for byte. Every kind may carry a ``licence`` — ``{"spdx":
"GPL-2.0-or-later", "notice": "..."}`` for a model trained on data under that
licence — rendered as a "Licence" section.

>>> card = {"checkpoint": {"file": "model.keras", "sha256": "ab" * 32, "megabytes": 1.0}}
>>> check_card(card, "finetuned")
Traceback (most recent call last):
  ...
course_lib.model_card.CardError: the finetuned card has no parent.path (text)
"""

from __future__ import annotations

import json
import os
from numbers import Real
from pathlib import Path

from course_lib.imageio import file_sha256, write_atomic
from course_lib.model_scores import median_scores

__all__ = ["KINDS", "STAMPS_LICENCE", "training_licence", "inherited_licence", "CardError", "check_card",
           "card_markdown", "card_json", "read_card", "write_card", "checkpoint_entry", "report_markdown",
           "write_report"]

KINDS = ("shipped", "candidate", "finetuned")
"""The kinds of card: lesson 04's shipped U-Net, a real-photo candidate, a fine-tuned checkpoint."""

STAMPS_LICENCE = {
    "spdx": "GPL-2.0-or-later",
    "notice": ("These weights were trained on scenes made with Tux Paint's stamps and photos (Debian's "
               "`tuxpaint-stamps-default` and `tuxpaint-data`, GPL-2-or-later), so they derive from GPL-2 data and "
               "are distributed under the GNU General Public License, version 2 or (at your option) any later "
               "version. The code that trained them, and the kit's other files, stay MIT (see the README's "
               "Licence section). The stamps themselves are never committed: `make cutouts` fetches them."),
}
"""The licence of a model trained on the Tux Paint stamps (a recipe with ``stamps``), for its card and notice."""


def training_licence(recipe: dict) -> dict | None:
    """Return the licence a model's training data imposes on it: :data:`STAMPS_LICENCE` for the stamps, else None.

    >>> training_licence({"stamps": True})["spdx"], training_licence({"stamps": False})
    ('GPL-2.0-or-later', None)
    """
    return dict(STAMPS_LICENCE) if recipe.get("stamps") else None


def inherited_licence(parent: str | os.PathLike) -> dict | None:
    """Return the licence a checkpoint's weights carry on to a model trained from them (None for the kit's MIT).

    Read from the card beside it (``<name>.card.json``): fine-tuning GPL-2 weights gives GPL-2 weights.
    """
    card = Path(parent).with_suffix(".card.json")
    if not card.is_file():
        return None
    lic = json.loads(card.read_text(encoding="utf-8")).get("licence")
    return dict(lic) if lic else None


NUMBER, TEXT, FLAG, TABLE, LIST = "a number", "text", "true or false", "a table (JSON object)", "a list"

_SHIPPED_RECIPE_NUMBERS = ("base_filters", "depth", "train_images", "image_size", "val_images", "learning_rate",
                           "batch_size", "seed", "epochs_run", "epochs_requested")

_FIELDS: dict[str, dict[str, str]] = {
    "shipped": {
        "parameters": NUMBER, "file_megabytes": NUMBER, "training.command": TEXT,
        **{f"training.recipe.{k}": NUMBER for k in _SHIPPED_RECIPE_NUMBERS},
        "training.recipe.loss": TEXT, "training.recipe.schedule": TEXT, "training.recipe.augmentation": TEXT,
        "training.recipe.dataset_manifest.splits.train.seed": NUMBER,
        "training.best_val_iou": NUMBER, "training.wall_seconds": NUMBER, "training.machine": TEXT,
        "test_split.count": NUMBER, "test_split.seed": NUMBER, "test_split.scores": TABLE,
        "quality_bar.mean_iou.all": NUMBER, "quality_bar.mean_iou.hard": NUMBER, "quality_bar.met": FLAG,
        "quality_bar.notes": LIST,
        "demo_set.methods": LIST, "demo_set.photos": TABLE, "demo_set.median": TABLE, "demo_set.verdict": TEXT,
        "images_per_second_256": NUMBER, "speed_cpu_cores": NUMBER,
    },
    "candidate": {
        "model": TEXT, "recipe": TABLE, "epochs_run": NUMBER, "training_minutes": NUMBER, "machine": TEXT,
        "test.n": NUMBER, "test.candidate_mean_iou": NUMBER, "test.shipped_mean_iou": NUMBER,
        **{f"{side}.{k}": kind for side in ("dev", "holdout") for k, kind in (
            ("photos", NUMBER), ("median_iou", TABLE), ("median_iou.candidate", NUMBER), ("best_automatic", TEXT),
            ("candidate_wins", NUMBER), ("candidate_loses_on", LIST), ("per_photo", TABLE))},
        "photos_per_second": NUMBER, "shipped_photos_per_second": NUMBER, "work_size": NUMBER, "command": TEXT,
    },
    "finetuned": {
        "checkpoint.file": TEXT, "checkpoint.sha256": TEXT,
        "parent.path": TEXT, "parent.sha256": TEXT,
        "pairs.folder": TEXT, "pairs.usable": NUMBER, "pairs.problems": NUMBER,
        "split.rule": TEXT, "split.train": LIST, "split.held_out": LIST,
        "recipe.size": NUMBER, "recipe.batch_size": NUMBER, "recipe.generated_per_batch": NUMBER,
        "recipe.steps": NUMBER,
        "training.steps_run": NUMBER, "training.best_step": NUMBER, "training.stopped_early": FLAG,
        "training.seconds": NUMBER,
        "held_out.n": NUMBER, **{f"held_out.median_{k}_{s}": NUMBER for k in ("iou", "boundary_f", "mae")
                                 for s in ("before", "after")},
        "held_out_note": TEXT,
        "generated.n": NUMBER, "generated.iou_before": NUMBER, "generated.iou_after": NUMBER,
        "machine": TEXT, "command": TEXT,
    },
}
"""The fields each kind of card must hold (dotted paths into the JSON) and what each must be."""

_OPTIONAL: dict[str, dict[str, str]] = {
    "checkpoint": {"checkpoint.file": TEXT, "checkpoint.sha256": TEXT},
    "scored": {"scored.folder": TEXT, "scored.n": NUMBER, "scored.median_iou_before": NUMBER,
               "scored.median_iou_after": NUMBER},
    "licence": {"licence.spdx": TEXT, "licence.notice": TEXT},
}
"""Fields checked only when the card has the first part of their path (and it is not empty)."""


class CardError(ValueError):
    """A model card lacks a field, or a field holds the wrong kind of value; the message names the field."""


def _is(value, what: str) -> bool:
    if what == NUMBER:
        return isinstance(value, Real) and not isinstance(value, bool)
    return isinstance(value, {TEXT: str, FLAG: bool, TABLE: dict, LIST: list}[what])


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def check_card(card: dict, kind: str, *, source: str | os.PathLike | None = None) -> dict:
    """Return ``card`` once every field its ``kind`` needs is there and of the right type; raise :class:`CardError`.

    Parameters
    ----------
    card : dict
        The card as JSON would hold it.
    kind : {"shipped", "candidate", "finetuned"}
    source : path, optional
        Where the card was read from; the error message starts with it.

    The error names the dotted path of the first missing or wrong field, e.g.
    ``the finetuned card has no held_out.median_iou_after (a number)``.
    """
    _check_kind(kind)
    where = f"{source}: " if source is not None else ""
    if not isinstance(card, dict):
        raise CardError(f"{where}a {kind} card is a JSON object (dict), got {type(card).__name__}")
    fields = dict(_FIELDS[kind])
    for top, extra in _OPTIONAL.items():
        if card.get(top):
            fields.update(extra)
    for path, what in fields.items():
        value, parts = card, path.split(".")
        for part in parts:
            if not isinstance(value, dict) or part not in value:
                raise CardError(f"{where}the {kind} card has no {path} ({what})")
            value = value[part]
        if not _is(value, what):
            raise CardError(f"{where}the {kind} card's {path} must be {what}, got {value!r}")
    return card


def card_json(card: dict) -> str:
    """Return the card as the JSON text the kit stores (one-space indent, a final newline)."""
    return json.dumps(card, indent=1) + "\n"


def card_markdown(card: dict, kind: str) -> str:
    """Return the card's Markdown, made from the card alone (checked first with :func:`check_card`)."""
    check_card(card, kind)
    render = {"shipped": _shipped_markdown, "candidate": _candidate_markdown, "finetuned": _finetuned_markdown}
    try:
        lines = render[kind](card)
    except (KeyError, TypeError, ValueError) as exc:
        raise CardError(f"the {kind} card cannot be rendered: {type(exc).__name__}: {exc} "
                        f"(a per-photo or per-method table lacks an entry?)") from exc
    return "\n".join(lines + _licence_lines(card))


def read_card(path: str | os.PathLike, kind: str) -> dict:
    """Return the card stored as JSON at ``path``, checked (:class:`CardError` names the file and the field)."""
    path = Path(path)
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CardError(f"{path} is not JSON: {exc}") from None
    return check_card(card, kind, source=path)


def write_card(card: dict, kind: str, markdown_path: str | os.PathLike, json_path: str | os.PathLike, *,
               overwrite: bool = True) -> tuple[Path, Path]:
    """Write the card's JSON and Markdown, each complete or not at all; return ``(markdown_path, json_path)``.

    Both texts are made before either file is touched, so a card that fails
    :func:`check_card` or cannot be serialised leaves the old files as they
    were. Each file is written with :func:`course_lib.imageio.write_atomic`;
    without ``overwrite`` an existing file is never replaced (``FileExistsError``).
    """
    markdown, text = card_markdown(card, kind), card_json(card)
    write_atomic(json_path, text.encode("utf-8"), overwrite=overwrite)
    write_atomic(markdown_path, markdown.encode("utf-8"), overwrite=overwrite)
    return Path(markdown_path), Path(json_path)


def checkpoint_entry(path: str | os.PathLike) -> dict:
    """Return a card's ``checkpoint`` field for a model file: ``{"file", "sha256", "megabytes"}``."""
    path = Path(path)
    return {"file": path.name, "sha256": file_sha256(path), "megabytes": round(path.stat().st_size / 1e6, 2)}


def _checkpoint_lines(card: dict) -> list[str]:
    c = card.get("checkpoint")
    return [f"Checkpoint: `{c['file']}`, sha256 `{c['sha256']}`.", ""] if c else []


def _licence_lines(card: dict) -> list[str]:
    lic = card.get("licence")
    return ["## Licence", "", f"**{lic['spdx']}.** {lic['notice']}", ""] if lic else []


# --- lesson 04's shipped U-Net -----------------------------------------------------------------------


def _shipped_markdown(card: dict) -> list[str]:
    from course_lib.evaluate import DIFFICULTY_ORDER

    t, test, real = card["training"], card["test_split"], card["demo_set"]
    levels = [d for d in DIFFICULTY_ORDER if any(d in by for by in test["scores"].values())]
    lines = [
        "# Model card: the course U-Net",
        "",
        f"A U-Net (`course_lib.unet.build_unet`, base filters {t['recipe']['base_filters']}, depth "
        f"{t['recipe']['depth']}, {card['parameters']:,} parameters, {card['file_megabytes']} MB) with a "
        "two-class softmax at every pixel, trained from scratch on the kit's synthetic product photos. "
        "Loads with `keras.saving.load_model(path, safe_mode=True)`; input: RGB in [0, 1], any size "
        "divisible by 16; output channel 1 is the object probability (the alpha estimate). "
        "`course_lib.inference.predict_alpha` handles any photo size.",
        "",
        *_checkpoint_lines(card),
        "## Training",
        "",
        f"- Command: `{t['command']}` (or `make model`, which also writes this card)",
        f"- Data: the train split of `data/dataset_manifest.json` ({t['recipe']['train_images']} images of "
        f"{t['recipe']['image_size']}×{t['recipe']['image_size']}, seed "
        f"{t['recipe']['dataset_manifest']['splits']['train']['seed']}), validation {t['recipe']['val_images']}",
        f"- Recipe: {t['recipe']['loss']}; Adam, learning rate {t['recipe']['learning_rate']} with "
        f"{t['recipe']['schedule']}; batch {t['recipe']['batch_size']}; augmentation: "
        f"{t['recipe']['augmentation']}; seed {t['recipe']['seed']}",
        f"- Epochs: {t['recipe']['epochs_run']} of {t['recipe']['epochs_requested']} (best validation IoU "
        f"{t['best_val_iou']}, weights of the best epoch kept)",
        f"- Wall time: {t['wall_seconds'] / 60:.0f} min on {t['machine']}",
        "",
        f"## Synthetic test split ({test['count']} images, seed {test['seed']}, never used in training)",
        "",
        "Mean IoU / median IoU / median boundary F (2 px) / mean alpha MAE, by difficulty:",
        "",
        "| method | " + " | ".join(levels) + " |",
        "|---|" + "---|" * len(levels),
    ]
    for method, by in test["scores"].items():
        cells = [f"{by[d]['iou']['mean']:.3f} / {by[d]['iou']['median']:.3f} / "
                 f"{by[d]['boundary_f']['median']:.3f} / {by[d]['mae']['mean']:.3f}" if d in by else ""
                 for d in levels]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    bar = card["quality_bar"]
    lines += ["", f"Quality bar (mean IoU ≥ {bar['mean_iou']['all']} overall, ≥ {bar['mean_iou']['hard']} on hard, "
              f"above the best classical method on every difficulty): **{'met' if bar['met'] else 'NOT met'}** "
              f"({'; '.join(bar['notes'])}).", "",
              f"## Real photos (`data/demo/`, {len(real['photos'])} photos)", "",
              "Reference masks were made with GrabCut plus hand-placed corrections (see "
              "`data/demo/SOURCES.md`): scores are approximate, and they flatter GrabCut. IoU per photo:", "",
              "| photo | " + " | ".join(real["methods"]) + " |", "|---|" + "---|" * len(real["methods"])]
    for name, by_method in real["photos"].items():
        lines.append(f"| {name} | " + " | ".join(f"{by_method[m]:.3f}" for m in real["methods"]) + " |")
    lines.append("| **median** | " + " | ".join(f"**{real['median'][m]:.3f}**" for m in real["methods"]) + " |")
    lines += ["", f"Where the U-Net loses on real photos: {real['verdict']}", "",
              "## Speed", "",
              f"`predict_alpha` on 256×256 photos: {card['images_per_second_256']:.1f} images/s on "
              f"{card['speed_cpu_cores']} CPU cores (measured while writing this card; `benchmarks/bench_unet.py` "
              "compares with GrabCut in one run).", "",
              "## Limits", "",
              "- Trained only on generated images: simple product shapes, clean outlines, no people, no hair.",
              "- Works at 128×128 internally; the alpha is upsampled to the photo's size, so fine edges are "
              "soft — lesson 06 refines them.",
              "- Several products, or a product cut by the frame, are outside what it saw in training.", ""]
    return lines


# --- a real-photo candidate --------------------------------------------------------------------------


def _candidate_markdown(card: dict) -> list[str]:
    recipe = card["recipe"]
    lines = [f"# Candidate card: `{card['model']}`", "",
             "A U-Net with a pretrained VGG16 encoder (`course_lib.pretrained.build_vgg_unet`, "
             f"{recipe.get('blocks')} blocks, encoder {'frozen' if recipe.get('freeze') else 'fine-tuned'}"
             f"{', a global-context branch' if recipe.get('context') else ''}), "
             "trained on domain-randomised scenes"
             f"{' with real Tux Paint stamps and photos' if recipe.get('stamps') else ''} and single products "
             "(`scripts/train_real_model.py`). **A candidate for real photos**: the tools run it as their "
             "real-photo CNN when `course_lib.inference.REAL_MODEL_PATH` names it; the default *method* on real "
             "photos is whatever wins on `dev` (`data/models/real_default.json`), and lesson 04's U-Net stays the "
             "model for generated images.", "",
             *_checkpoint_lines(card),
             "## Training", "",
             f"- recipe: {json.dumps(card['recipe'])}",
             f"- epochs run: {card['epochs_run']} (best by validation IoU on scenes: epoch {card.get('best_epoch')}), "
             f"{card['training_minutes']:.0f} min on {card['machine']}", "",
             "## Generated test split", "",
             f"{card['test']['n']} images: candidate mean IoU {card['test']['candidate_mean_iou']:.4f}, "
             f"lesson 04's U-Net {card['test']['shipped_mean_iou']:.4f}.", ""]
    for side in ("dev", "holdout"):
        s = card[side]
        methods = list(s["median_iou"])
        lines += [f"## Real `{side}` photos ({s['photos']})", "",
                  "| method | median IoU |", "|---|---|"]
        lines += [f"| {m} | {s['median_iou'][m]:.3f} |" for m in methods]
        lines += ["", f"The candidate beats the best automatic classical method ({s['best_automatic']}) on "
                  f"{s['candidate_wins']} of {s['photos']} photos; it loses on: "
                  f"{', '.join(s['candidate_loses_on'])}.",
                  "", "| photo | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
        lines += [f"| {name} | " + " | ".join(f"{v[m]:.3f}" for m in methods) + " |"
                  for name, v in s["per_photo"].items()]
        lines.append("")
    lines += ["## Speed", "", f"{card['photos_per_second']:.1f} photos/s at 256×256 on this machine "
              f"(network at {card['work_size']}×{card['work_size']}); lesson 04's U-Net "
              f"{card['shipped_photos_per_second']:.1f} in the same run.", "",
              "## The bar (issue 22: real photos, round two)", "",
              "The CNN alone: holdout median IoU ≥ 0.60, mean IoU ≥ 0.93 on the generated test split, ≥ 10 photos/s "
              "at 256×256 (the real-photo default, a method, must reach a holdout median ≥ 0.75 and beat GrabCut "
              "from the border on ≥ 24 of 40 photos: `data/models/real_default_holdout.json`). "
              f"This candidate: holdout median {card['holdout']['median_iou']['candidate']:.3f}, wins "
              f"{card['holdout']['candidate_wins']}/{card['holdout']['photos']}, generated "
              f"{card['test']['candidate_mean_iou']:.3f}, {card['photos_per_second']:.1f} photos/s.", "",
              f"Re-create: `{card['command']}`", ""]
    return lines


# --- a fine-tuned checkpoint and its report ----------------------------------------------------------


def _finetuned_markdown(card: dict) -> list[str]:
    r, t = card["recipe"], card["training"]
    held = card["held_out"]
    lines = [f"# Model card: `{card['checkpoint']['file']}` (fine-tuned)", "",
             f"Fine-tuned from `{card['parent']['path']}` (sha256 {card['parent']['sha256'][:12]}…) on the labelled "
             f"photos of `{card['pairs']['folder']}` with `course_lib.finetune`. Loads with "
             "`course_lib.inference.load_pretrained(path)` (`safe_mode=True`); input RGB in [0, 1]; output channel 1 "
             f"is the object probability; predict at {r['size']}×{r['size']} "
             f"(`predict_alpha(model, rgb, size={r['size']})`).",
             "", "## Data", "",
             f"- {card['pairs']['usable']} usable pairs ({card['pairs']['problems']} files reported and left out); "
             f"{len(card['split']['train'])} for training, {len(card['split']['held_out'])} held out by group "
             f"({card['split']['rule']})",
             f"- each batch: {r['batch_size'] - r['generated_per_batch']} augmented views of your photos "
             f"(crop 60–100 %, mirror, brightness/contrast/saturation) + {r['generated_per_batch']} generated "
             "samples (`course_lib.synth_scenes.training_pair`)", "",
             "## Training", "",
             f"- recipe: {json.dumps(r)}",
             f"- {t['steps_run']} steps of at most {r['steps']} (best held-out IoU at step {t['best_step']}"
             f"{', stopped early' if t['stopped_early'] else ''}), {t['seconds'] / 60:.1f} min on {card['machine']}",
             f"- command: `{card['command']}`", "",
             "## Held-out photos (groups never trained on)", "",
             f"Median IoU {held['median_iou_before']:.3f} before → {held['median_iou_after']:.3f} after; "
             f"boundary F {held['median_boundary_f_before']:.3f} → {held['median_boundary_f_after']:.3f}; "
             f"MAE {held['median_mae_before']:.4f} → {held['median_mae_after']:.4f} ({held['n']} photos; "
             f"per photo in `report.md`). {card['held_out_note']}", "",
             "## Generated photos (what it knew before)", "",
             f"Mean IoU on {card['generated']['n']} generated samples: {card['generated']['iou_before']:.3f} before, "
             f"{card['generated']['iou_after']:.3f} after.", "",
             "## Limits", "",
             "- Trained on a few photos: it knows your kind of photo, not photos in general; check new kinds of photo "
             "before trusting it.",
             "- The held-out photos chose the best step, so their score flatters it a little; photos that took no part "
             "(`--score-dir`) give the honest number.", ""]
    if card.get("scored"):
        s = card["scored"]
        lines[-5:-5] = ["## Photos that took no part (`--score-dir`)", "",
                        f"`{s['folder']}`, {s['n']} photos: median IoU {s['median_iou_before']:.3f} before → "
                        f"{s['median_iou_after']:.3f} after.", ""]
    return lines


def report_markdown(card: dict, rows: list[dict]) -> str:
    """Return the fine-tuning report: one table row per photo (IoU, boundary F, MAE before and after), medians.

    ``rows`` are :func:`course_lib.finetune.before_after`'s, one per photo: ``name``,
    ``group``, ``iou_before``, ``iou_after``, … and ``iou_<method>`` for other methods.
    """
    check_card(card, "finetuned")
    others = [k[4:] for k in (rows[0] if rows else {}) if k.startswith("iou_") and k[4:] not in ("before", "after")]
    lines = [f"# Fine-tuning report: `{card['checkpoint']['file']}`", "",
             f"Held-out photos: groups never trained on. {card['held_out_note']}", "",
             "| photo | group | IoU before | IoU after | boundary F before | after | MAE before | after |"
             + "".join(f" IoU {o} |" for o in others), "|---" * (8 + len(others)) + "|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['group']} | {r['iou_before']:.3f} | {r['iou_after']:.3f} | "
                     f"{r['boundary_f_before']:.3f} | {r['boundary_f_after']:.3f} | {r['mae_before']:.4f} | "
                     f"{r['mae_after']:.4f} |" + "".join(f" {r[f'iou_{o}']:.3f} |" for o in others))
    if rows:
        m = median_scores(rows)
        lines.append(f"| **median** | | **{m['iou_before']:.3f}** | **{m['iou_after']:.3f}** | "
                     f"{m['boundary_f_before']:.3f} | {m['boundary_f_after']:.3f} | {m['mae_before']:.4f} | "
                     f"{m['mae_after']:.4f} |" + "".join(f" {m[f'iou_{o}']:.3f} |" for o in others))
        better = sum(r["iou_after"] > r["iou_before"] for r in rows)
        lines += ["", f"Fine-tuning raised the IoU on {better} of {len(rows)} held-out photos and lowered it on "
                  f"{sum(r['iou_after'] < r['iou_before'] for r in rows)}."]
    lines += ["", "`worst_cases.png`: the held-out photos with the lowest IoU after fine-tuning — photo | reference "
              "mask | before, errors | after, errors (red: background kept, blue: object missed).", ""]
    return "\n".join(lines)


def write_report(card: dict, rows: list[dict], markdown_path: str | os.PathLike, json_path: str | os.PathLike, *,
                 overwrite: bool = True) -> tuple[Path, Path]:
    """Write the fine-tuning report (Markdown, and JSON ``{"rows", "medians"}``) atomically; return both paths."""
    markdown = report_markdown(card, rows)
    text = json.dumps({"rows": rows, "medians": median_scores(rows)}, indent=1) + "\n"
    write_atomic(json_path, text.encode("utf-8"), overwrite=overwrite)
    write_atomic(markdown_path, markdown.encode("utf-8"), overwrite=overwrite)
    return Path(markdown_path), Path(json_path)

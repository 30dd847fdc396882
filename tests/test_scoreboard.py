"""The real-photo scoreboard: computed from stored per-photo scores, shown the same everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from course_lib import scoreboard

ROOT = Path(__file__).resolve().parent.parent
LESSONS_WITH_THE_BOARD = ("04_training_a_unet", "04b_from_synthetic_to_real", "07_evaluation_and_comparison",
                          "08_deployment_and_speed", "10_your_own_photos")


def _card(dev: dict, holdout: dict) -> dict:
    """A candidate card whose per-photo scores are ``{method: {photo: iou}}`` turned photo-major."""
    def photo_major(scores):
        photos = next(iter(scores.values()))
        return {p: {m: scores[m][p] for m in scores} for p in photos}
    return {"dev": {"per_photo": photo_major(dev)}, "holdout": {"per_photo": photo_major(holdout)}}


def _scores(**values):
    return {method: dict(zip("abc", row)) for method, row in values.items()}


@pytest.fixture
def models_dir(tmp_path):
    folder = tmp_path / "data" / "models"
    (folder / "candidates").mkdir(parents=True)
    methods = dict(grabcut=(0.9, 0.5, 0.2), candidate=(0.8, 0.6, 0.3), otsu=(0.1, 0.1, 0.1),
                   edges=(0.2, 0.9, 0.0), **{"lesson 04 U-Net": (0.0, 0.0, 0.5), "GrabCut from candidate": (1, 1, 1)})
    (folder / "candidates" / "toy.card.json").write_text(json.dumps(_card(_scores(**methods), _scores(**methods))))
    return folder


def test_medians_and_wins_follow_from_the_per_photo_scores(models_dir):
    rows = {r.key: r for r in scoreboard.build(models_dir)}
    assert rows["candidate"].holdout_median == 0.6
    assert rows["candidate"].holdout_wins == 2            # 0.6 > 0.5 and 0.3 > 0.2; 0.8 < 0.9
    assert rows["grabcut"].holdout_wins == 0
    assert rows["hybrid_labels"].dev_wins == 3
    assert rows["lesson04_unet"].dev_median == 0.0
    assert "the best, GrabCut from the candidate's labels, reaches 1.00" in scoreboard.conclusion(list(rows.values()))


def test_the_conclusion_says_when_grabcut_still_wins(models_dir):
    card_path = models_dir / "candidates" / "toy.card.json"
    card = json.loads(card_path.read_text())
    for side in ("dev", "holdout"):
        for photo in card[side]["per_photo"].values():
            photo["GrabCut from candidate"] = photo["candidate"] = 0.0
    card_path.write_text(json.dumps(card))
    sentence = scoreboard.conclusion(scoreboard.build(models_dir))
    assert "no CNN or hybrid of the kit beats it yet" in sentence
    assert "GrabCut from the border reaches a median IoU of 0.50" in sentence


def _ablation(dev_iou: dict, final_arm: str | None = "x") -> dict:
    recipe = {"encoder": "unet", "scene_share": 0.0}
    return {"arms": {"x": {"dev_iou": dev_iou}},
            "runs": {"x": {"0": {"recipe": recipe}, "1": {"recipe": recipe}, "2": {"recipe": recipe}}},
            "final": {"arm": final_arm, "holdout_iou": {"a": 0.95, "b": 0.4, "c": 0.1}} if final_arm else {}}


def test_ablation_arms_show_holdout_only_for_the_arm_dev_chose(models_dir):
    (models_dir / "ablation.json").write_text(json.dumps(_ablation({"a": 1.0, "b": 0.4, "c": 0.0})))
    arm = next(r for r in scoreboard.build(models_dir) if r.key == "ablation:x")
    assert "mean of 3 seeds" in arm.what and "dev chose it" in arm.what
    assert (arm.dev_median, arm.dev_wins, arm.holdout_median, arm.holdout_wins) == (0.4, 1, 0.4, 1)
    (models_dir / "ablation.json").write_text(json.dumps(_ablation({"a": 1.0, "b": 0.4, "c": 0.0}, final_arm="y")))
    arm = next(r for r in scoreboard.build(models_dir) if r.key == "ablation:x")
    assert arm.holdout_iou is None and "| – | – |" in scoreboard.markdown([arm])


def test_earlier_defaults_stay_on_the_board_holdout_only_and_are_counted(models_dir):
    grabcut = {"a": 0.9, "b": 0.5, "c": 0.2}
    choice = {"default": "real_hybrid_frame", "seeds": [0, 1],
              "methods": {"real_hybrid_frame": {"summary": "frame", "per_photo": {"a": 0.9, "b": 0.9, "c": 0.9}},
                          "grabcut": {"summary": "border", "per_photo": grabcut}}}
    earlier = [{"default": "hybrid_box", "summary": "box", "model": "data/models/unet.keras", "commit": "1111111",
                "per_photo": {"a": 0.1, "b": 0.6, "c": 0.3}},
               {"default": "real_hybrid", "summary": "labels", "model": None, "commit": "2222222",
                "per_photo": {"a": 0.95, "b": 0.8, "c": 0.7}}]
    record = {"per_photo": {"real_hybrid_frame": {"a": 0.2, "b": 0.3, "c": 0.4}, "grabcut": grabcut},
              "earlier_defaults": earlier}
    (models_dir / "real_default.json").write_text(json.dumps(choice))
    (models_dir / "real_default_holdout.json").write_text(json.dumps(record))
    rows = scoreboard.build(models_dir)
    picks = [r for r in rows if r.key.startswith("earlier_default:")]
    assert [(r.holdout_median, r.holdout_wins, r.dev_median) for r in picks] == [(0.3, 2, None), (0.8, 3, None)]
    assert "`1111111`" in picks[0].name and "(data/models/unet.keras)" in picks[0].what
    assert "Holdout has judged 3 of dev's picks for the tools' default in turn (0.30, 0.80, 0.30); 1 of them " \
           "beat GrabCut there." in scoreboard.conclusion(rows)
    record.pop("earlier_defaults")
    (models_dir / "real_default_holdout.json").write_text(json.dumps(record))
    assert "Holdout has judged" not in scoreboard.conclusion(scoreboard.build(models_dir))


def test_a_photo_without_a_grabcut_score_is_refused(models_dir):
    (models_dir / "ablation.json").write_text(json.dumps(_ablation({"a": 1.0, "zzz": 0.5})))
    rows = scoreboard.build(models_dir)
    with pytest.raises(ValueError, match="no GrabCut score for \\['zzz'\\]"):
        scoreboard.markdown(rows)


def test_the_same_scene_rows_are_dev_only_and_their_sentence_is_computed(models_dir):
    same = {"summary": {"photos": 2, "by_scene": {"s": {}}}, "after": {"a": 0.95, "c": 0.6},
            "control": {"per_photo": {"a": 0.3, "c": 0.4}}}
    (models_dir / "same_scene.json").write_text(json.dumps(same))
    rows = scoreboard.build(models_dir)
    row = next(r for r in rows if r.key == "same_scene")
    assert row.holdout_iou is None and row.dev_wins == 2 and row.dev_median == pytest.approx(0.775)
    assert next(r for r in rows if r.key == "same_scene_control").dev_median == pytest.approx(0.35)
    sentence = scoreboard.conclusion(rows)
    # lesson 04's U-Net had 0.0 and 0.5 on a and c (median 0.25); GrabCut 0.9 and 0.2 (median 0.55)
    assert "goes from 0.25 to 0.78 on those 2 dev photos, its control" in sentence and "to 0.35" in sentence
    assert "the labelled photos add 0.43 over the control, and the result scores above GrabCut." in sentence
    same["control"]["per_photo"] = {"a": 0.95, "c": 0.6}
    (models_dir / "same_scene.json").write_text(json.dumps(same))
    assert "the gain is the extra training's" in scoreboard.conclusion(scoreboard.build(models_dir))


def test_no_card_is_a_clear_error(tmp_path):
    (tmp_path / "candidates").mkdir()
    with pytest.raises(FileNotFoundError, match="candidate_card.py"):
        scoreboard.build(tmp_path)


def test_the_readme_shows_the_board_of_the_stored_scores():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Scoreboard" in readme, "the README has no section named 'Scoreboard'"
    start, end = readme.index(scoreboard.README_START), readme.index(scoreboard.README_END)
    shown = readme[start:end + len(scoreboard.README_END)]
    assert shown == scoreboard.readme_block(), (
        "the README's scoreboard differs from the stored scores: run python scripts/scoreboard.py --readme")


@pytest.mark.parametrize("lesson", LESSONS_WITH_THE_BOARD)
def test_the_lesson_renders_the_board_rather_than_retyping_it(lesson):
    nb = nbformat.read(ROOT / "notebooks" / f"{lesson}.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "scoreboard.show(" in code, f"{lesson} does not render the scoreboard (scoreboard.show())"
    grabcut = next(r for r in scoreboard.build() if r.key == "grabcut")
    typed = f"{grabcut.holdout_median:.3f}"
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert typed not in prose, f"{lesson} types the board's number {typed} in its prose: render it instead"

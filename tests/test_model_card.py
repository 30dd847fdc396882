"""model_card and model_scores: stored cards re-render byte for byte, writes are atomic, errors name the field."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest

from course_lib import imageio, model_card, model_scores
from course_lib.config import DATA_DIR
from course_lib.datasets import Split
from course_lib.model_card import CardError

MODELS = DATA_DIR / "models"
STORED = [(MODELS / "model_card.json", MODELS / "MODEL_CARD.md", "shipped")] + [
    (path, path.parent / (path.name[:-len(".card.json")] + ".md"), "candidate")
    for path in sorted((MODELS / "candidates").glob("*.card.json"))]


def finetuned_card() -> dict:
    """A complete fine-tuned card, as ``finetune.write_checkpoint`` makes it (numbers made up)."""
    return {
        "checkpoint": {"file": "model.keras", "sha256": "ab" * 32, "megabytes": 7.4},
        "parent": {"path": "data/models/unet.keras", "sha256": "cd" * 32},
        "pairs": {"folder": "my_photos", "usable": 12, "problems": 1, "reported": [["bad.jpg", "not an image"]]},
        "split": {"rule": "file name up to '_'", "train": [f"t{i}.jpg" for i in range(9)],
                  "held_out": ["h0.jpg", "h1.jpg", "h2.jpg"]},
        "recipe": {"steps": 300, "batch_size": 8, "size": 128, "learning_rate": 0.0003, "generated_share": 0.5,
                   "generated_per_batch": 4},
        "training": {"steps_run": 120, "best_step": 80, "stopped_early": True, "seconds": 95.0,
                     "history": {"step": [0, 40], "held_out_iou": [0.5, 0.6]}},
        "held_out": {"n": 3, "median_iou_before": 0.61, "median_iou_after": 0.83, "median_boundary_f_before": 0.4,
                     "median_boundary_f_after": 0.7, "median_mae_before": 0.12, "median_mae_after": 0.05},
        "held_out_note": "They also chose the best step.",
        "generated": {"n": 16, "iou_before": 0.95, "iou_after": 0.94},
        "machine": "x86_64, 2 CPU cores", "command": "course-finetune my_photos --out ft",
    }


def report_rows() -> list[dict]:
    return [{"name": f"h{i}.jpg", "group": f"g{i}", "iou_before": b, "iou_after": a, "boundary_f_before": 0.5,
             "boundary_f_after": 0.6, "mae_before": 0.1, "mae_after": 0.05, "iou_otsu": 0.3}
            for i, (b, a) in enumerate([(0.5, 0.9), (0.7, 0.6), (0.6, 0.8)])]


# --- the stored cards --------------------------------------------------------------------------------


def test_every_stored_card_is_found():
    assert [kind for *_, kind in STORED].count("candidate") >= 1
    assert all(md.is_file() for _, md, _ in STORED), "every card's JSON has its Markdown beside it"


@pytest.mark.parametrize("json_path, md_path, kind", STORED, ids=[p.name for p, *_ in STORED])
def test_a_stored_card_renders_to_its_markdown_byte_for_byte(json_path, md_path, kind):
    card = model_card.read_card(json_path, kind)
    assert model_card.card_markdown(card, kind) == md_path.read_text(encoding="utf-8"), (
        f"{md_path.name} is out of step with {json_path.name}: re-render it with course_lib.model_card.write_card")
    assert model_card.card_json(card) == json_path.read_text(encoding="utf-8")


# --- writing -----------------------------------------------------------------------------------------


def test_write_card_round_trips_and_leaves_no_temporary_file(tmp_path):
    card = finetuned_card()
    md, js = model_card.write_card(card, "finetuned", tmp_path / "MODEL_CARD.md", tmp_path / "model_card.json")
    assert model_card.read_card(js, "finetuned") == card
    text = md.read_text(encoding="utf-8")
    assert text == model_card.card_markdown(card, "finetuned")
    assert "Median IoU 0.610 before → 0.830 after" in text and "stopped early" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MODEL_CARD.md", "model_card.json"]


def test_write_card_keeps_the_old_files_when_the_card_cannot_be_written(tmp_path, monkeypatch):
    md, js = tmp_path / "MODEL_CARD.md", tmp_path / "model_card.json"
    md.write_text("old card"), js.write_text("{}")
    bad = finetuned_card()
    bad["recipe"]["odd"] = {1, 2}                     # a set: JSON cannot hold it
    with pytest.raises(CardError, match="cannot be rendered"):
        model_card.write_card(bad, "finetuned", md, js)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)       # the write itself fails, after some bytes went out
    with pytest.raises(OSError, match="No space left"):
        model_card.write_card(finetuned_card(), "finetuned", md, js)
    assert (md.read_text(), js.read_text()) == ("old card", "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MODEL_CARD.md", "model_card.json"], "no partial file"


def test_write_card_refuses_to_replace_without_overwrite_and_names_a_missing_folder(tmp_path):
    md, js = tmp_path / "MODEL_CARD.md", tmp_path / "model_card.json"
    js.write_text("{}")
    with pytest.raises(FileExistsError, match="model_card.json"):
        model_card.write_card(finetuned_card(), "finetuned", md, js, overwrite=False)
    assert js.read_text() == "{}" and not md.exists()
    with pytest.raises(FileNotFoundError, match="nowhere"):
        model_card.write_card(finetuned_card(), "finetuned", tmp_path / "nowhere" / "c.md",
                              tmp_path / "nowhere" / "c.json")


def test_write_report_writes_rows_and_their_medians(tmp_path):
    rows = report_rows()
    md, js = model_card.write_report(finetuned_card(), rows, tmp_path / "report.md", tmp_path / "report.json")
    stored = json.loads(js.read_text())
    assert stored["rows"] == rows
    assert stored["medians"]["iou_after"] == pytest.approx(np.median([r["iou_after"] for r in rows]))
    text = md.read_text()
    assert "| **median** | | **0.600** | **0.800** |" in text and " IoU otsu |" in text
    assert "raised the IoU on 2 of 3 held-out photos and lowered it on 1" in text


# --- what a card must hold ---------------------------------------------------------------------------


def _stored(kind: str) -> dict:
    path = next(p for p, _, k in STORED if k == kind)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind, path, what", [
    ("finetuned", "held_out.median_iou_after", "a number"), ("finetuned", "generated.iou_before", "a number"),
    ("finetuned", "parent.sha256", "text"), ("shipped", "images_per_second_256", "a number"),
    ("shipped", "training.recipe.base_filters", "a number"), ("shipped", "demo_set.median", "a table"),
    ("candidate", "holdout.median_iou.candidate", "a number"), ("candidate", "test.candidate_mean_iou", "a number"),
])
def test_a_card_missing_a_metric_is_an_error_naming_the_field(kind, path, what):
    card = finetuned_card() if kind == "finetuned" else _stored(kind)
    *parents, last = path.split(".")
    holder = card
    for part in parents:
        holder = holder[part]
    del holder[last]
    with pytest.raises(CardError, match=rf"the {kind} card has no {path.replace('.', '[.]')} \({what}"):
        model_card.card_markdown(card, kind)


def test_a_field_of_the_wrong_type_is_an_error_naming_the_field_and_value():
    card = finetuned_card()
    card["held_out"]["median_iou_after"] = "0.83"
    with pytest.raises(CardError, match=r"held_out.median_iou_after must be a number, got '0.83'"):
        model_card.check_card(card, "finetuned")
    card = finetuned_card()
    card["training"]["stopped_early"] = "yes"
    with pytest.raises(CardError, match="training.stopped_early must be true or false"):
        model_card.check_card(card, "finetuned")
    card = finetuned_card()
    card["generated"]["n"] = True                     # a bool is not a count
    with pytest.raises(CardError, match="generated.n must be a number"):
        model_card.check_card(card, "finetuned")


def test_read_card_names_the_file(tmp_path):
    card = finetuned_card()
    del card["machine"]
    path = tmp_path / "model_card.json"
    path.write_text(json.dumps(card))
    with pytest.raises(CardError, match=rf"{path.name}: the finetuned card has no machine \(text\)"):
        model_card.read_card(path, "finetuned")
    path.write_text("{not json")
    with pytest.raises(CardError, match="is not JSON"):
        model_card.read_card(path, "finetuned")


def test_an_unknown_kind_and_a_gap_in_a_per_photo_table_are_clear_errors():
    with pytest.raises(ValueError, match="kind must be one of"):
        model_card.card_markdown(finetuned_card(), "mine")
    card = _stored("shipped")
    first = next(iter(card["demo_set"]["photos"]))
    del card["demo_set"]["photos"][first]["grabcut"]
    with pytest.raises(CardError, match="cannot be rendered.*grabcut"):
        model_card.card_markdown(card, "shipped")


def test_scored_photos_are_checked_and_rendered_when_present():
    card = finetuned_card()
    card["scored"] = {"folder": "other", "n": 4, "median_iou_before": 0.5, "median_iou_after": 0.75}
    text = model_card.card_markdown(card, "finetuned")
    assert "`other`, 4 photos: median IoU 0.500 before → 0.750 after." in text
    assert text.index("took no part (`--score-dir`)") < text.index("## Limits")
    del card["scored"]["median_iou_after"]
    with pytest.raises(CardError, match="scored.median_iou_after"):
        model_card.card_markdown(card, "finetuned")


# --- licence and checkpoint ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", model_card.KINDS)
def test_a_licence_notice_is_rendered_as_the_last_section(kind):
    card = finetuned_card() if kind == "finetuned" else _stored(kind)
    card.pop("licence", None)                                 # a stored candidate may carry one already
    plain = model_card.card_markdown(card, kind)
    card["licence"] = {"spdx": "GPL-2.0-or-later", "notice": "Trained on photos licensed under the GPL-2."}
    text = model_card.card_markdown(card, kind)
    assert text == plain + "\n## Licence\n\n**GPL-2.0-or-later.** Trained on photos licensed under the GPL-2.\n"
    del card["licence"]["notice"]
    with pytest.raises(CardError, match="licence.notice"):
        model_card.card_markdown(card, kind)


def test_checkpoint_entry_hashes_the_file(tmp_path):
    path = tmp_path / "weights.keras"
    path.write_bytes(b"abc")
    assert imageio.file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    big = bytes(range(256)) * 10_000                  # more than one read block
    path.write_bytes(big)
    assert model_card.checkpoint_entry(path) == {"file": "weights.keras", "sha256": hashlib.sha256(big).hexdigest(),
                                                 "megabytes": 2.56}


def test_a_checkpoint_line_appears_on_shipped_and_candidate_cards_that_have_one():
    for kind in ("shipped", "candidate"):
        card = _stored(kind)
        card["checkpoint"] = {"file": "unet.keras", "sha256": "ef" * 32, "megabytes": 8.11}
        text = model_card.card_markdown(card, kind)
        assert f"Checkpoint: `unet.keras`, sha256 `{'ef' * 32}`.\n\n## Training" in text


# --- model_scores ------------------------------------------------------------------------------------


def _squares(n: int = 3, size: int = 40) -> tuple[Split, list[str]]:
    """White 20×20 squares on black, at a different place in each photo; the alpha is the square."""
    rgb = np.zeros((n, size, size, 3), np.uint8)
    alpha = np.zeros((n, size, size), np.float32)
    for i in range(n):
        rgb[i, 5 + 5 * i:25 + 5 * i, 5:25] = 255
        alpha[i, 5 + 5 * i:25 + 5 * i, 5:25] = 1
    return Split(rgb, alpha, np.array(["real"] * n), [{} for _ in range(n)], "squares"), [f"p{i}" for i in range(n)]


def _methods() -> dict:
    def exact(rgb):
        return rgb[..., 0] > 127

    def left_half(rgb):                               # the square's left 10 columns: IoU 0.5
        mask = exact(rgb)
        mask[:, 15:] = False
        return mask

    def first_two(rgb):                               # exact on p0 and p1, nothing on p2
        return exact(rgb) if rgb[10:15, 5:25].any() else np.zeros(rgb.shape[:2], bool)

    return {"exact": exact, "half": left_half, "candidate": first_two}


def test_per_photo_iou_and_the_sides_give_known_answers():
    split, names = _squares()
    per_photo, medians = model_scores.per_photo_iou(_methods(), split, names)
    assert per_photo == {"p0": {"exact": 1.0, "half": 0.5, "candidate": 1.0},
                         "p1": {"exact": 1.0, "half": 0.5, "candidate": 1.0},
                         "p2": {"exact": 1.0, "half": 0.5, "candidate": 0.0}}
    assert medians == {"exact": 1.0, "half": 0.5, "candidate": 1.0}
    side = model_scores.real_side_scores(_methods(), split, names, automatic=["half"])
    assert (side["best_automatic"], side["candidate_wins"], side["candidate_loses_on"]) == ("half", 2, ["p2"])
    demo_set = model_scores.demo_set_scores(_methods(), split, names, model="candidate", baselines=["half"],
                                            progress=False)
    assert demo_set["verdict"] == ("on 1 of 3 photos a classical method scores higher (p2); median U-Net 1.000 "
                                   "vs best classical 0.500.")
    with pytest.raises(ValueError, match="names has 2 entries, but the split has 3"):
        model_scores.per_photo_iou(_methods(), split, names[:2])


def test_quality_bar_needs_every_level_above_the_floor_and_the_best_baseline():
    def table(unet_hard):
        levels = {lvl: {"iou": {"mean": 0.97}} for lvl in model_scores.LEVELS}
        return {"unet": {**levels, "hard": {"iou": {"mean": unet_hard}}},
                "grabcut": {lvl: {"iou": {"mean": 0.8}} for lvl in model_scores.LEVELS}}

    bar = {"all": 0.95, "hard": 0.9}
    assert model_scores.quality_bar(table(0.91), bar, baselines=["grabcut"])["met"] is True
    result = model_scores.quality_bar(table(0.89), bar, baselines=["grabcut"])     # beats grabcut, under the floor
    assert result["met"] is False and result["notes"][2] == "hard: U-Net 0.890 vs grabcut 0.800"
    assert result["mean_iou"] == bar
    with pytest.raises(ValueError, match="no mean IoU of 'otsu'"):
        model_scores.quality_bar(table(0.91), bar, baselines=["otsu"])


def test_throughput_and_generated_iou_run_on_a_tiny_model():
    from course_lib import unet

    model = unet.build_unet(None, 4, 2)
    assert model_scores.throughput(model, n=4, size=64) > 0
    iou = model_scores.generated_iou(model, 2, 32)
    assert 0.0 <= iou <= 1.0


def test_every_candidate_trained_on_the_stamps_carries_the_gpl_notice_twice():
    cards = sorted((DATA_DIR / "models" / "candidates").glob("*.card.json"))
    assert cards
    for path in cards:
        card = json.loads(path.read_text())
        notice = path.with_name(path.name.replace(".card.json", ".LICENSE.md"))
        if card["recipe"].get("stamps"):
            assert card.get("licence") == model_card.STAMPS_LICENCE, path.name
            assert model_card.STAMPS_LICENCE["notice"] in notice.read_text(), notice.name
            assert "GPL-2.0-or-later" in path.with_name(path.name.replace(".card.json", ".md")).read_text()
        else:
            assert "licence" not in card and not notice.exists(), path.name

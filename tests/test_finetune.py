"""course_lib.finetune: reading pairs, the group split, a short fine-tuning run, and course-finetune's refusals."""

from __future__ import annotations

import io
import json
import re

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from course_lib import finetune, finetune_cli, synth, unet
from course_lib.annotation_store import Annotation, AnnotationStore, mask_to_rgb
from course_lib.imageio import save_png
from course_lib.inference import MODEL_PATH

SIZE = 32


def _pairs(n: int, size: int = 48) -> list[finetune.Pair]:
    samples = [synth.make_sample(seed, size=size, difficulty="easy") for seed in range(n)]
    return [finetune.Pair(f"g{i // 2}_{i:02d}.png", s.rgb, s.alpha >= 0.5, f"g{i // 2}") for i, s in enumerate(samples)]


def _write_folder(folder, pairs):
    (folder / "masks").mkdir(parents=True, exist_ok=True)
    for p in pairs:
        save_png(folder / p.name, p.rgb)
        save_png(folder / "masks" / p.name, mask_to_rgb(p.mask))


@pytest.fixture(scope="module")
def tiny_model_path(tmp_path_factory):
    keras.utils.set_random_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    unet.build_unet(None, 4, 2).save(path)
    return path


# --- the folder --------------------------------------------------------------------------------------


def test_a_corrupt_or_unmatched_pair_is_reported_and_skipped(tmp_path):
    good = _pairs(3)
    _write_folder(tmp_path, good)
    (tmp_path / "broken.jpg").write_bytes(b"<html>not a photo</html>")            # corrupt photo, with a mask
    save_png(tmp_path / "masks" / "broken.png", mask_to_rgb(good[0].mask))
    save_png(tmp_path / "lonely.png", good[0].rgb)                                # photo without a mask
    save_png(tmp_path / "masks" / "orphan.png", mask_to_rgb(good[0].mask))        # mask without a photo
    save_png(tmp_path / "small.png", good[0].rgb)                                 # mask of another size
    save_png(tmp_path / "masks" / "small.png", mask_to_rgb(np.zeros((10, 10), bool)))
    grey = np.full((48, 48, 3), 128, np.uint8)
    save_png(tmp_path / "grey.png", good[0].rgb)                                  # a mask that is not black/white
    save_png(tmp_path / "masks" / "grey.png", grey)

    pairs, problems = finetune.read_pairs(tmp_path)

    assert [p.name for p in pairs] == [p.name for p in good]
    assert all(np.array_equal(a.mask, b.mask) and np.array_equal(a.rgb, b.rgb) for a, b in zip(pairs, good))
    reasons = dict(problems)
    assert set(reasons) == {"broken.jpg", "lonely.png", "masks/orphan.png", "small.png", "grey.png"}, problems
    assert "not an image" in reasons["broken.jpg"]
    assert "no mask masks/lonely.png" in reasons["lonely.png"]
    assert "no photo" in reasons["masks/orphan.png"]
    assert "10×10" in reasons["small.png"]
    assert "grey values" in reasons["grey.png"]


def test_pairs_follow_the_annotation_tools_folder_and_its_skips(tmp_path):
    photos = tmp_path / "images"
    photos.mkdir()
    good = _pairs(2)
    for p in good:
        save_png(photos / p.name, p.rgb)
    store = AnnotationStore(tmp_path, images="images")
    store.save(Annotation(good[0].name), good[0].mask)
    store.save(Annotation(good[1].name, status="skipped"))
    pairs, problems = finetune.read_pairs(tmp_path)
    assert [p.name for p in pairs] == [good[0].name]
    assert problems == [(good[1].name, "skipped in the annotation tool (no mask)")]
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        finetune.read_pairs(tmp_path / "nowhere")


def test_groups_from_a_csv_column_or_a_prefix(tmp_path):
    table = tmp_path / "groups.csv"
    table.write_text("photo,scene\nmug_1.jpg,kitchen\nmug_2,kitchen\nvase.png,hall\n", encoding="utf-8")
    groups, missing = finetune.groups_from_csv(table, "scene", ["mug_1.jpg", "mug_2.jpg", "vase.png", "cup.png"])
    assert groups == {"mug_1.jpg": "kitchen", "mug_2.jpg": "kitchen", "vase.png": "hall", "cup.png": "cup"}
    assert missing == ["cup.png"]
    with pytest.raises(ValueError, match="no column 'room'.*'photo', 'scene'"):
        finetune.groups_from_csv(table, "room", ["vase.png"])
    assert finetune.groups_from_prefix(["a-1.png", "b.png"], "-") == {"a-1.png": "a", "b.png": "b"}


@settings(max_examples=200, deadline=None)
@given(groups=st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=40),
       val_fraction=st.floats(0.0, 0.9), seed=st.integers(0, 2**32 - 1))
def test_the_group_split_never_puts_one_group_on_both_sides(groups, val_fraction, seed):
    names = [f"photo{i}.jpg" for i in range(len(groups))]
    group_of = dict(zip(names, groups))
    train, held = finetune.group_split(names, group_of, val_fraction=val_fraction, seed=seed)
    assert not {group_of[n] for n in train} & {group_of[n] for n in held}
    assert sorted(train + held) == sorted(names) and not set(train) & set(held)
    assert train, "at least one group always stays for training"
    if len(set(groups)) >= 2 and round(val_fraction * len(names)) >= 1:
        assert held, "with two groups or more, something is held out"
    assert [n for n in names if n in train] == train, "the split keeps the photos' order"


# --- training -----------------------------------------------------------------------------------------


def test_augmented_views_keep_photo_and_mask_together():
    rng = np.random.default_rng(0)
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, 30:] = 255                                   # right half white = the object
    mask = np.zeros((40, 60), bool)
    mask[:, 30:] = True
    for _ in range(10):
        x, y = finetune.augment_pair(rgb, mask, rng, SIZE)
        assert x.shape == (SIZE, SIZE, 3) and y.shape == (SIZE, SIZE, 1) and x.dtype == y.dtype == np.float32
        bright = x.mean(axis=2) > 0.5
        assert (bright == (y[..., 0] > 0.5)).mean() > 0.9, "the mask follows the crop and the mirror"


def test_fine_tuning_lowers_held_out_loss_and_writes_a_checkpoint_that_loads_safely(tmp_path):
    pairs = _pairs(12)
    train, held = pairs[:9], pairs[9:]
    keras.utils.set_random_seed(1)
    model = unet.build_unet(None, 4, 2, bn_momentum=0.5)      # running statistics that follow a few steps
    before = finetune.held_out_loss(model, held, SIZE)
    result = finetune.finetune(model, train, held, steps=12, batch_size=4, size=SIZE, learning_rate=1e-2,
                               generated_share=0.25, eval_every=4, patience=0, progress=False)
    after = finetune.held_out_loss(model, held, SIZE)
    assert after < before, f"held-out loss {before:.3f} → {after:.3f}"
    assert result.steps_run == 12 and result.history["step"] == [0, 4, 8, 12]
    best = int(np.argmax(result.history["held_out_iou"]))
    assert result.best_step == result.history["step"][best] or result.best_step == 0
    ious = [s["iou"] for s in finetune.held_out_scores(model, held, SIZE)]
    assert np.mean(ious) == pytest.approx(max(result.history["held_out_iou"]), abs=1e-4), "the best weights are kept"

    rows = finetune.before_after(held, unet.build_unet(None, 4, 2), model, size=SIZE)
    picture = finetune.worst_cases_picture(held, rows, model, model, n=2, size=SIZE, cell=40)
    card = {"parent": {"path": "tiny", "sha256": "0" * 64}, "pairs": {"folder": "x", "usable": 12, "problems": 0},
            "split": {"rule": "test", "train": [p.name for p in train], "held_out": [p.name for p in held]},
            "recipe": {"steps": 12, "batch_size": 4, "size": SIZE, "generated_per_batch": 1},
            "training": {"steps_run": 12, "best_step": result.best_step, "stopped_early": False, "seconds": 1.0},
            "held_out": {"n": 3, "median_iou_before": 0.1, "median_iou_after": 0.2, "median_boundary_f_before": 0.1,
                         "median_boundary_f_after": 0.2, "median_mae_before": 0.3, "median_mae_after": 0.2},
            "held_out_note": "", "generated": {"n": 0, "iou_before": 0.0, "iou_after": 0.0}, "machine": "test",
            "command": "test"}
    paths = finetune.write_outputs(tmp_path / "out", model, card, rows, picture)
    loaded = keras.saving.load_model(paths["model"], safe_mode=True)
    x = np.random.default_rng(0).random((1, SIZE, SIZE, 3)).astype(np.float32)
    assert np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    assert json.loads(paths["card_json"].read_text())["checkpoint"]["file"] == "model.keras"
    assert "IoU before" in paths["report"].read_text() and paths["worst"].stat().st_size > 0


def test_no_training_photo_is_a_clear_error():
    with pytest.raises(ValueError, match="train is empty"):
        finetune.finetune(unet.build_unet(None, 4, 2), [], progress=False)


# --- the command line ----------------------------------------------------------------------------------


def _run(args):
    from typer.testing import CliRunner

    result = CliRunner().invoke(finetune_cli.app, [str(a) for a in args], env={"COLUMNS": "400"})
    return result.exit_code, re.sub(r"[\s│╭╮╰╯─]+", " ", result.output)


def test_the_command_line_refuses_what_it_cannot_do(tmp_path, tiny_model_path):
    folder = tmp_path / "photos"
    _write_folder(folder, _pairs(1))
    out = tmp_path / "out"
    cases = [
        ([tmp_path / "nowhere", "--out", out], 2, "is not a folder"),
        ([folder], 2, "Missing option '--out'"),
        ([folder, "--out", out, "--model", tmp_path / "none.keras"], 2, "none.keras is not a file"),
        ([folder, "--out", out, "--groups", "g.csv", "--group-prefix", "_"], 2, "not both"),
        ([folder, "--out", MODEL_PATH.parent], 2, "shipped model is never overwritten"),
        ([folder, "--out", out, "--steps", 0], 2, "--steps"),
        ([folder, "--out", out, "--model", tiny_model_path], 1, "1 usable photo + mask pair"),
    ]
    for args, code, text in cases:
        exit_code, output = _run(args)
        assert exit_code == code and text in output, (args, output)
    assert not out.exists(), "nothing was written"


def test_the_command_line_never_writes_over_an_existing_output(tmp_path, tiny_model_path):
    folder = tmp_path / "photos"
    _write_folder(folder, _pairs(4))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    exit_code, output = _run([folder, "--out", out, "--model", tiny_model_path])
    assert exit_code == 2 and "--overwrite" in output
    assert (out / "notes.txt").read_text() == "mine"


def test_the_command_line_fine_tunes_a_folder_end_to_end(tmp_path, tiny_model_path):
    folder = tmp_path / "photos"
    _write_folder(folder, _pairs(4))
    (folder / "bad.jpg").write_bytes(b"GIF89a broken")
    save_png(folder / "masks" / "bad.png", mask_to_rgb(np.ones((8, 8), bool)))
    others = tmp_path / "others"
    _write_folder(others, _pairs(6)[4:])
    out = tmp_path / "out"
    exit_code, output = _run([folder, "--out", out, "--model", tiny_model_path, "--steps", 2, "--size", SIZE,
                              "--batch-size", 2, "--group-prefix", "_", "--score-dir", others, "--no-classical",
                              "--quiet"])
    assert exit_code == 0, output
    assert "skipped bad.jpg" in output and "wrote" in output
    assert {p.name for p in out.iterdir()} == {"model.keras", "MODEL_CARD.md", "model_card.json", "report.md",
                                              "report.json", "worst_cases.png"}
    card = json.loads((out / "model_card.json").read_text())
    assert card["pairs"]["usable"] == 4 and card["pairs"]["problems"] == 1     # bad.jpg
    assert not set(card["split"]["train"]) & set(card["split"]["held_out"])
    assert card["scored"]["n"] == 2 and "took no part" in (out / "MODEL_CARD.md").read_text()
    assert len(json.loads((out / "report.json").read_text())["rows"]) == len(card["split"]["held_out"]) + 2
    keras.saving.load_model(out / "model.keras", safe_mode=True)
    assert Image.open(io.BytesIO((out / "worst_cases.png").read_bytes())).size[0] > 0

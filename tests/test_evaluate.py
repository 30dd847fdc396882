"""course_lib.evaluate: tidy rows, per-difficulty summaries, failures recorded not fatal."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import evaluate
from course_lib.datasets import Split
from course_lib.views import charts


@pytest.fixture
def split():
    alpha = np.zeros((4, 8, 8), np.float32)
    alpha[:, 2:6, 2:6] = 1.0
    rgb = np.zeros((4, 8, 8, 3), np.uint8)
    rgb[alpha > 0.5] = 255
    return Split(rgb, alpha, np.array(["easy", "easy", "hard", "hard"]), [{}] * 4, "toy")


def perfect(rgb):
    return rgb[..., 0] > 128


def half(rgb):
    mask = rgb[..., 0] > 128
    mask[:4] = False        # loses the top half of the square
    return mask


def broken(rgb):
    raise RuntimeError("boom")


def test_rows_are_tidy(split):
    rows = evaluate.evaluate_methods({"perfect": perfect, "half": half}, split, progress=False)
    assert len(rows) == 8
    assert {r["method"] for r in rows} == {"perfect", "half"}
    assert all(r["iou"] == 1.0 for r in rows if r["method"] == "perfect")
    assert all(r["iou"] == pytest.approx(0.5) for r in rows if r["method"] == "half")
    assert [r["difficulty"] for r in rows if r["method"] == "half"] == ["easy", "easy", "hard", "hard"]


def test_a_failing_method_is_recorded_and_the_loop_goes_on(split):
    rows = evaluate.evaluate_methods({"broken": broken, "perfect": perfect}, split, progress=False)
    bad = [r for r in rows if r["method"] == "broken"]
    assert len(bad) == 4 and all(np.isnan(r["iou"]) and "boom" in r["error"] for r in bad)
    assert all(r["iou"] == 1.0 for r in rows if r["method"] == "perfect")


def test_summary_by_difficulty_and_table(split):
    rows = evaluate.evaluate_methods({"perfect": perfect, "half": half}, split, progress=False)
    summary = evaluate.summarise(rows)
    assert summary["half"]["hard"]["median"] == pytest.approx(0.5)
    assert summary["perfect"]["all"]["n"] == 4
    text = evaluate.format_table(summary)
    assert "perfect" in text and "1.000 (1.00)" in text and "0.500 (0.50)" in text
    assert evaluate.worst(rows, "half", n=2)[0]["method"] == "half"


def test_empty_methods_are_refused(split):
    with pytest.raises(ValueError, match="methods is empty"):
        evaluate.evaluate_methods({}, split)


# --- a folder of photos, and the pictures of the rows -----------------------------------------


@pytest.fixture
def photo_folder(tmp_path):
    """images/ + masks/: two good pairs, a broken photo, a mask of the wrong size, a photo without mask,
    an orphan mask."""
    from PIL import Image

    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for stem, size in (("mug", (40, 30)), ("vase", (24, 36))):
        h, w = size
        mask = np.zeros((h, w), np.uint8)
        mask[h // 4: 3 * h // 4, w // 4: 3 * w // 4] = 255
        rgb = np.repeat(mask[:, :, None], 3, axis=2)
        Image.fromarray(rgb).save(tmp_path / "images" / f"{stem}.png")
        Image.fromarray(mask).save(tmp_path / "masks" / f"{stem}.png")
    (tmp_path / "images" / "broken.jpg").write_bytes(b"<html>not a photo</html>")
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "masks" / "broken.png")
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tmp_path / "images" / "wrong_size.png")
    Image.fromarray(np.zeros((21, 20), np.uint8)).save(tmp_path / "masks" / "wrong_size.png")
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tmp_path / "images" / "no_mask.png")
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(tmp_path / "masks" / "orphan.png")
    return tmp_path


def test_evaluate_folder_scores_good_pairs_and_reports_every_bad_file(photo_folder):
    rows = evaluate.evaluate_folder({"perfect": perfect, "half": half}, photo_folder, progress=False)
    by_name = {}
    for r in rows:
        by_name.setdefault(r["name"], []).append(r)
    assert set(by_name) == {"mug", "vase", "broken", "wrong_size", "no_mask", "orphan"}
    assert all(len(v) == 2 for v in by_name.values()), "one row per file × method"
    assert all(r["iou"] == 1.0 and r["error"] == "" for r in rows if r["method"] == "perfect"
               and r["name"] in ("mug", "vase"))
    assert "not an image" in by_name["broken"][0]["error"]
    assert "21" in by_name["wrong_size"][0]["error"] and "its photo is 20×20" in by_name["wrong_size"][0]["error"]
    assert "has no mask" in by_name["no_mask"][0]["error"]
    assert "has no photo" in by_name["orphan"][0]["error"]
    assert all(np.isnan(r["iou"]) for name in ("broken", "wrong_size", "no_mask", "orphan") for r in by_name[name])
    assert {r["difficulty"] for r in rows} == {"real"}
    summary = evaluate.summarise(rows)
    assert summary["perfect"]["real"]["n"] == 2        # the failures do not count as scores


def test_evaluate_folder_without_images_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="images/"):
        evaluate.evaluate_folder({"perfect": perfect}, tmp_path)


def test_load_folder_split_reads_soft_masks(photo_folder):
    from PIL import Image

    Image.fromarray(np.full((40, 30), 128, np.uint8)).save(photo_folder / "masks" / "mug.png")
    split, errors = evaluate.load_folder_split(photo_folder)
    mug = [m["name"] for m in split.meta].index("mug")
    assert split.alpha[mug].dtype == np.float32 and split.alpha[mug].max() == pytest.approx(128 / 255)
    assert set(errors) == {"broken", "wrong_size", "no_mask", "orphan"}


@pytest.mark.parametrize("kind", ["box", "violin"])
def test_score_distribution_has_a_group_per_difficulty_and_a_legend(split, kind):
    import matplotlib.pyplot as plt

    rows = evaluate.evaluate_methods({"perfect": perfect, "half": half, "broken": broken}, split, progress=False)
    fig = charts.plot_score_distribution(rows, kind=kind)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["easy", "hard"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["perfect", "half", "broken (4 failed)"]
    assert ax.get_ylabel() == "IoU" and ax.get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="kind"):
        charts.plot_score_distribution(rows, kind="pie")


def test_method_scatter_pairs_images_and_counts_wins(split):
    import matplotlib.pyplot as plt

    rows = evaluate.evaluate_methods({"half": half, "perfect": perfect}, split, progress=False)
    pairs = evaluate.paired_scores(rows, "half", "perfect")
    assert [(p[1], p[2]) for p in pairs] == [(pytest.approx(0.5), 1.0)] * 4
    fig = charts.plot_method_scatter(rows, "half", "perfect")
    ax = fig.axes[0]
    assert "perfect better on 4 of 4" in ax.get_title()
    assert ax.get_xlabel() == "half IoU" and ax.get_ylabel() == "perfect IoU"
    plt.close(fig)
    with pytest.raises(ValueError, match="no rows for method 'unet'"):
        charts.plot_method_scatter(rows, "half", "unet")


def test_worst_gallery_shows_each_methods_worst_images_and_failures(photo_folder):
    import matplotlib.pyplot as plt

    methods = {"perfect": perfect, "half": half}
    split, _ = evaluate.load_folder_split(photo_folder)
    rows = evaluate.evaluate_folder(methods, photo_folder, progress=False)
    fig = charts.worst_gallery(rows, split, methods, n=3)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert sum("could not be scored" in t for t in titles) == 6     # 3 per method: NaN counts as worst
    plt.close(fig)
    scored = [r for r in rows if r["error"] == ""]
    fig = charts.worst_gallery(scored, split, methods, n=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert sum("IoU 1.000" in t for t in titles) == 4 and any("mug (real)" in t for t in titles)
    assert fig.axes[0].get_ylabel() == "perfect" and fig.axes[2].get_ylabel() == "half"
    plt.close(fig)

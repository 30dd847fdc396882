"""The shipped demo photos, their reference masks, the mask script and course_lib.demo."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_lib import classical, demo, evaluate
from course_lib.imageio import ImageLoadError, load_image, save_png

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
SCRIPT = ROOT / "scripts" / "make_demo_masks.py"
INDEX = demo.read_index()


@pytest.fixture(scope="module")
def photos():
    return demo.load_demo_set()


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def copy_demo(tmp_path: Path, names: list[str]) -> Path:
    """Copy the index and the files of ``names`` into ``tmp_path/demo``; return that folder."""
    folder = tmp_path / "demo"
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    shutil.copy(DEMO / "annotations.json", folder)
    for entry in INDEX:
        if entry["name"] in names:
            shutil.copy(DEMO / "images" / entry["file"], folder / "images")
            shutil.copy(DEMO / "masks" / f"{entry['name']}.png", folder / "masks")
    return folder


def test_the_set_is_at_least_twelve_photos_with_unique_names():
    names = [e["name"] for e in INDEX]
    assert len(names) >= 12
    assert len(set(names)) == len(names)
    assert len({e["file"] for e in INDEX}) == len(names)


def test_every_indexed_photo_loads_small_enough(photos):
    assert [p.name for p in photos] == [e["name"] for e in INDEX]
    for p in photos:
        assert p.rgb.dtype == np.uint8 and p.rgb.ndim == 3 and p.rgb.shape[2] == 3, p.name
        assert max(p.rgb.shape[:2]) <= 640, f"{p.name} is {p.rgb.shape[1]}×{p.rgb.shape[0]}; longest side > 640"
        assert p.source and p.licence, p.name


def test_no_stray_files_and_the_folder_stays_small():
    listed = {e["file"] for e in INDEX}
    assert {p.name for p in (DEMO / "images").iterdir()} == listed
    assert {p.name for p in (DEMO / "masks").iterdir()} == {f"{e['name']}.png" for e in INDEX}
    total = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert total < 4_000_000, f"data/demo holds {total:,} bytes"


def test_masks_match_their_photos_and_are_neither_empty_nor_full(photos):
    for p in photos:
        assert p.mask.dtype == bool and p.mask.shape == p.rgb.shape[:2], p.name
        fraction = p.mask.mean()
        assert 0.03 <= fraction <= 0.85, f"{p.name}: object covers {fraction:.1%} of the photo"


def test_mask_files_are_black_and_white_pngs():
    for entry in INDEX:
        grey = load_image(DEMO / "masks" / f"{entry['name']}.png")
        assert set(np.unique(grey).tolist()) == {0, 255}, entry["name"]


def test_mask_script_reproduces_the_committed_masks_exactly(tmp_path, photos):
    result = run_script("--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for p in photos:
        regenerated = demo.load_mask(tmp_path / f"{p.name}.png", p.rgb.shape[:2])
        differ = int((regenerated != p.mask).sum())
        assert differ == 0, f"{p.name}: {differ} pixels differ from data/demo/masks/{p.name}.png"


def test_mask_script_never_replaces_a_different_mask_without_force(tmp_path):
    target = tmp_path / "gift.png"
    save_png(target, np.zeros((128, 128, 3), np.uint8))
    before = target.read_bytes()
    kept = run_script("--out", str(tmp_path), "--only", "gift")
    assert kept.returncode == 1 and "DIFFERS" in kept.stdout and "--force" in kept.stdout
    assert target.read_bytes() == before
    forced = run_script("--out", str(tmp_path), "--only", "gift", "--force")
    assert forced.returncode == 0 and "replaced" in forced.stdout
    again = run_script("--out", str(tmp_path), "--only", "gift")
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_sources_names_every_file():
    text = (DEMO / "SOURCES.md").read_text(encoding="utf-8")
    missing = [e["file"] for e in INDEX if f"images/{e['file']}" not in text]
    assert not missing, f"SOURCES.md does not describe {missing}"
    for word in ("approximate", "GrabCut", "flatter"):
        assert word in text


def test_demo_mapping_fits_the_image_picker():
    mapping = demo.demo_mapping(["gift", "jar_lid"])
    assert list(mapping) == ["gift", "jar_lid"]
    rgb, mask = mapping["gift"]
    assert rgb.shape == (128, 128, 3) and mask.shape == (128, 128) and mask.dtype == bool


def test_as_split_runs_through_evaluate_methods():
    split = demo.as_split(["gift", "jar_lid", "lighter"])
    assert len(split) == 3 and list(split.difficulty) == ["real"] * 3
    assert split.rgb[1].shape == (135, 160, 3) and split.alpha[1].dtype == np.float32
    rows = evaluate.evaluate_methods({"otsu": classical.otsu_mask}, split, progress=False)
    assert [r["error"] for r in rows] == ["", "", ""]
    assert all(0 <= r["iou"] <= 1 for r in rows)
    assert evaluate.summarise(rows)["otsu"]["all"]["n"] == 3
    assert split.subset([2]).meta[0]["name"] == "lighter"


def test_as_split_with_a_size_stacks_like_a_generated_split():
    split = demo.as_split(["gift", "coffee"], size=64)
    assert split.rgb.shape == (2, 64, 64, 3) and split.rgb.dtype == np.uint8
    assert split.alpha.shape == (2, 64, 64) and split.alpha.dtype == np.float32
    assert 0 <= split.alpha.min() and split.alpha.max() <= 1
    with pytest.raises(ValueError, match="size"):
        demo.as_split(["gift"], size=0)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(KeyError, match="apple"):
        demo.load_demo_set(["no_such_photo"])


def test_missing_photo_error_names_the_file(tmp_path):
    folder = copy_demo(tmp_path, ["gift"])
    (folder / "images" / "gift.png").unlink()
    with pytest.raises(ImageLoadError, match=r"images[/\\]gift\.png does not exist"):
        demo.load_demo_set(["gift"], folder)


def test_unreadable_mask_error_names_the_file(tmp_path):
    folder = copy_demo(tmp_path, ["gift"])
    (folder / "masks" / "gift.png").write_bytes(b"<html>not a png</html>")
    with pytest.raises(ImageLoadError, match=r"masks[/\\]gift\.png is not an image"):
        demo.load_demo_set(["gift"], folder)


def test_mask_of_the_wrong_size_or_grey_levels_is_refused_by_name(tmp_path):
    folder = copy_demo(tmp_path, ["gift"])
    mask_path = folder / "masks" / "gift.png"
    save_png(mask_path, np.zeros((64, 128, 3), np.uint8), overwrite=True)
    with pytest.raises(ImageLoadError, match=r"gift\.png is 128×64 pixels but its photo is 128×128"):
        demo.load_demo_set(["gift"], folder)
    save_png(mask_path, np.full((128, 128, 3), 128, np.uint8), overwrite=True)
    with pytest.raises(ImageLoadError, match=r"gift\.png is not a black-and-white mask"):
        demo.load_demo_set(["gift"], folder)


def test_missing_index_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="annotations.json"):
        demo.load_demo_set(folder=tmp_path)

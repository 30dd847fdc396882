"""``catalogue.find_inputs``'s naming rule: every photo gets an output name of its own, the same whatever the order.

The rule (``course-cutout --help`` states it): a photo keeps its path below the input that found it; photos whose
names would clash keep their extension (``mug_jpg``); if that is not enough, the folders that tell them apart
(``shop1/mug_jpg``). The CLI runs over such folders are in ``tests/test_cli.py``.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

from course_lib import catalogue, cutout


def _touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"")          # naming never reads a photo


def _names(inputs, folder: Path, **kwargs) -> dict[str, str]:
    """Return photo (relative to ``folder``) → output name, for ``find_inputs(inputs)``."""
    found = catalogue.find_inputs([str(i) for i in inputs], **kwargs)
    return {Path(os.path.relpath(path, folder)).as_posix(): name.as_posix() for path, name in found}


def _claims(names) -> list[str]:
    """Return every file stem the names may write (cut-out and mask), as a case-insensitive file system sees them."""
    return [claim.casefold() for name in names for claim in (name, f"{name}.mask")]


def test_a_folder_without_clashes_keeps_the_plain_names(tmp_path):
    _touch(tmp_path, "mug.jpg", "cup.png", "bags/tote.jpg", "a/mug.jpg", "b/mug.jpg")
    assert _names([tmp_path], tmp_path) == {"a/mug.jpg": "a/mug", "b/mug.jpg": "b/mug", "bags/tote.jpg": "bags/tote",
                                            "cup.png": "cup", "mug.jpg": "mug"}


def test_the_same_stem_with_two_extensions_keeps_the_extension_in_both_names(tmp_path):
    _touch(tmp_path, "mug.jpg", "mug.png", "mug.webp", "cup.jpg", "bags/mug.jpg")
    assert _names([tmp_path], tmp_path) == {"bags/mug.jpg": "bags/mug", "cup.jpg": "cup", "mug.jpg": "mug_jpg",
                                            "mug.png": "mug_png", "mug.webp": "mug_webp"}


@pytest.mark.parametrize("photos, expected", [
    (("Mug.JPG", "mug.png"), {"Mug.JPG": "Mug_JPG", "mug.png": "mug_png"}),      # one file on macOS and Windows
    (("mug.jpg", "mug.mask.png"), {"mug.jpg": "mug_jpg", "mug.mask.png": "mug.mask_png"}),   # mug.mask.png = mask
    # a name made at step 2 that another photo has already: that one moves up too, and everyone stays apart
    (("mug.jpg", "mug.png", "mug_jpg.png"), {"mug.jpg": "mug_jpg", "mug.png": "mug_png", "mug_jpg.png": "mug_jpg_png"}),
], ids=["case", "mask", "cascade"])
def test_names_that_one_file_system_would_confuse_are_told_apart(tmp_path, photos, expected):
    _touch(tmp_path, *photos)
    assert _names([tmp_path], tmp_path) == expected


def test_the_same_name_in_two_inputs_keeps_the_folders_that_tell_them_apart(tmp_path):
    _touch(tmp_path, "shop1/mug.jpg", "shop1/cup.jpg", "shop2/mug.jpg", "shop2/bags/mug.jpg")
    as_folders = _names([tmp_path / "shop1", tmp_path / "shop2"], tmp_path)
    assert as_folders == {"shop1/cup.jpg": "cup", "shop1/mug.jpg": "shop1/mug_jpg", "shop2/mug.jpg": "shop2/mug_jpg",
                          "shop2/bags/mug.jpg": "bags/mug"}
    as_files = _names([tmp_path / "shop1/mug.jpg", tmp_path / "shop2/mug.jpg", tmp_path / "shop2/bags/mug.jpg"],
                      tmp_path)
    assert as_files == {"shop1/mug.jpg": "shop1/mug_jpg", "shop2/mug.jpg": "shop2/mug_jpg",
                        "shop2/bags/mug.jpg": "shop2/bags/mug_jpg"}
    as_patterns = _names([tmp_path / "shop1/*.jpg", tmp_path / "shop2/*.jpg"], tmp_path)
    assert as_patterns == {"shop1/cup.jpg": "cup", "shop1/mug.jpg": "shop1/mug_jpg", "shop2/mug.jpg": "shop2/mug_jpg"}


def test_a_pattern_keeps_the_path_below_its_fixed_folders(tmp_path):
    _touch(tmp_path, "shop/a/mug.jpg", "shop/b/mug.jpg", "shop/b/x.jpg/inner.png")
    assert _names([tmp_path / "shop/*/mug.jpg"], tmp_path) == {"shop/a/mug.jpg": "a/mug", "shop/b/mug.jpg": "b/mug"}
    # a folder the pattern matches: its photos keep their path below the pattern's fixed folders too
    assert _names([tmp_path / "shop/*"], tmp_path) == {"shop/a/mug.jpg": "a/mug", "shop/b/mug.jpg": "b/mug",
                                                       "shop/b/x.jpg": "b/x", "shop/b/x.jpg/inner.png": "b/x.jpg/inner"}


def test_the_names_do_not_depend_on_the_order_of_the_inputs(tmp_path):
    _touch(tmp_path, "shop1/mug.jpg", "shop1/mug.png", "shop2/mug.jpg", "shop2/bags/mug.jpg", "loose/mug.jpg")
    inputs = [tmp_path / "shop1", tmp_path / "shop2", tmp_path / "loose/mug.jpg", tmp_path / "shop2/bags"]
    every_order = [_names(order, tmp_path) for order in itertools.permutations(inputs)]
    assert all(names == every_order[0] for names in every_order), every_order
    # shop2/bags/mug.jpg is found twice (in shop2/ and as shop2/bags/): once, with the longer name
    assert every_order[0] == {"loose/mug.jpg": "loose/mug_jpg", "shop1/mug.jpg": "shop1/mug_jpg",
                              "shop1/mug.png": "mug_png", "shop2/mug.jpg": "shop2/mug_jpg",
                              "shop2/bags/mug.jpg": "bags/mug"}


def test_many_tricky_names_never_share_an_output(tmp_path):
    rng = np.random.default_rng(23)
    stems, suffixes = ["mug", "Mug", "mug.mask", "mug_jpg", "mug_png", "cup"], [".jpg", ".JPG", ".png", ".webp"]
    photos = {f"{folder}/{sub}{stem}{suffix}" for folder, sub, stem, suffix in zip(
        rng.choice(["s1", "s2", "s3/x"], 200), rng.choice(["", "a/", "b/", "a/mug/"], 200),
        rng.choice(stems, 200), rng.choice(suffixes, 200))}
    _touch(tmp_path, *photos)
    inputs = [tmp_path / "s1", tmp_path / "s2", tmp_path / "s3/x/a", tmp_path / "s3/x/**/*.png", tmp_path / "s3"]
    names = _names(inputs, tmp_path)
    assert set(names) == photos
    claims = _claims(names.values())
    clashes = {c for c in claims if claims.count(c) > 1}
    # only names that differ in case alone may remain (a photo per case: a case-sensitive file system holds both)
    assert all(len({n for n in names.values() if n.casefold() == c.removesuffix(".mask")}) > 1 for c in clashes)
    assert len(set(names.values())) == len(names)
    assert _names(inputs[::-1], tmp_path) == names


def test_the_output_folder_inside_an_input_is_left_out(tmp_path):
    _touch(tmp_path, "mug.jpg", "cut/mug.png", "cut/deep/cup.png")
    out = tmp_path / "cut"
    assert _names([tmp_path], tmp_path, exclude=out) == {"mug.jpg": "mug"}
    assert _names([tmp_path / "**/*.png"], tmp_path, exclude=out) == {"**/*.png": "*"}    # matches nothing


def test_missing_inputs_stay_in_their_place(tmp_path):
    _touch(tmp_path, "mug.jpg", "cup.jpg")
    found = catalogue.find_inputs([str(tmp_path / "mug.jpg"), str(tmp_path / "no_*.jpg"), str(tmp_path / "cup.jpg"),
                                   str(tmp_path / "gone.jpg")])
    assert [(p.name, n.as_posix()) for p, n in found] == [("mug.jpg", "mug"), ("no_*.jpg", "no_*"),
                                                          ("cup.jpg", "cup"), ("gone.jpg", "gone")]


def test_plan_gives_every_photo_its_own_output_and_mask(tmp_path):
    _touch(tmp_path, "in/mug.jpg", "in/mug.png", "in/Mug.webp", "in/mug.mask.jpg", "in/a/mug.jpg", "in/b/mug.jpg")
    spec = cutout.OutputSpec(mask=True)
    entries = catalogue.plan(catalogue.find_inputs([tmp_path / "in"]), tmp_path / "out", spec)
    assert all(e.job is not None for e in entries) and len(entries) == 6
    written = [p for e in entries for p in (e.job.output, e.job.mask)]
    assert len({str(p).casefold() for p in written}) == 12, written


def test_plan_still_refuses_two_photos_given_the_same_name(tmp_path):
    # find_inputs never does this; a caller that makes its own names gets a failed row, never an overwrite
    _touch(tmp_path, "a.png", "b.png")
    entries = catalogue.plan([(tmp_path / "a.png", Path("x")), (tmp_path / "b.png", Path("x"))], tmp_path / "out",
                             cutout.OutputSpec())
    assert entries[0].job is not None and entries[1].job is None
    assert entries[1].row["status"] == "failed" and "rename one" in entries[1].row["error"]

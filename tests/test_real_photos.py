"""data/real: photos with sources and licences, split by scene, and never in any training data (the leakage test)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from course_lib import synth_backgrounds, synth_scenes
from course_lib.config import DATA_DIR
from course_lib.imageio import load_image

REAL = DATA_DIR / "real"
INDEX = json.loads((REAL / "photos.json").read_text(encoding="utf-8"))
PHOTOS = INDEX["photos"]
SPLITS = ("dev", "holdout")
REDISTRIBUTABLE = {"Apache-2.0 AND BSD-3-Clause", "BSD-3-Clause", "CC0", "public domain",
                   "no known copyright restrictions"}
"""Licences that allow redistribution in an MIT repository (no copyleft, research-only or non-commercial).
"No known copyright restrictions" is the Brooklyn Museum's statement for scikit-image's coins, which
scikit-image redistributes under its BSD licence; SOURCES.md says so."""


def test_enough_photos_on_each_side():
    counts = {split: sum(p["split"] == split for p in PHOTOS) for split in SPLITS}
    assert counts["dev"] >= 20 and counts["holdout"] >= 40, counts


@pytest.mark.parametrize("photo", PHOTOS, ids=[p["name"] for p in PHOTOS])
def test_every_photo_is_there_with_its_origin_and_a_redistributable_licence(photo):
    path = REAL / photo["file"]
    assert path.is_file(), f"{path} is missing"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == photo["sha256"], f"{path} changed since photos.json"
    assert photo["licence"] in REDISTRIBUTABLE, f"{photo['name']}: licence {photo['licence']!r}"
    assert photo["source"]["package"] and photo["source"]["path"] and photo["source"]["version"]
    assert photo["split"] == INDEX["scenes"][photo["scene"]]["split"], "a photo is on its scene's side"
    assert photo["file"].startswith(photo["split"] + "/images/")
    shape = load_image(path).shape[:2]
    assert shape == tuple(photo["size"][::-1]) or shape == tuple(photo["size"])


def test_the_split_is_by_scene_and_by_source_file():
    sides = {}
    for p in PHOTOS:
        for key in (("scene", p["scene"]), ("source", p["source"]["sha256"])):
            sides.setdefault(key, set()).add(p["split"])
    shared = sorted(k for k, s in sides.items() if len(s) > 1)
    assert not shared, f"on both sides of the split: {shared}"


def _thumb(path: Path) -> np.ndarray:
    grey = cv2.cvtColor(load_image(path), cv2.COLOR_RGB2GRAY)
    t = cv2.resize(grey, (16, 16), interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
    return (t - t.mean()) / (t.std() + 1e-6)


def test_no_holdout_photo_is_a_near_copy_of_a_dev_photo():
    dev = {p["name"]: _thumb(REAL / p["file"]) for p in PHOTOS if p["split"] == "dev"}
    for p in PHOTOS:
        if p["split"] != "holdout":
            continue
        t = _thumb(REAL / p["file"])
        worst = max(dev, key=lambda n: float(np.dot(t, dev[n])) / len(t))
        assert float(np.dot(t, dev[worst])) / len(t) < 0.95, f"{p['name']} looks like dev photo {worst}"


def _skimage_sources(photos) -> set[str]:
    return {Path(p["source"]["path"]).stem for p in photos if "skimage" in p["source"]["path"]}


def test_no_real_photo_is_a_source_of_the_training_generators():
    """The leakage test: what the scene generator and the real-photo training script draw from."""
    real_sources = _skimage_sources(PHOTOS)
    used = set(synth_scenes.TEXTURE_SOURCES)
    assert not used & real_sources, f"the scene generator takes texture from real-photo scenes: {used & real_sources}"
    assert set(synth_scenes.TEXTURE_SOURCES) <= set(synth_backgrounds.TEXTURE_NAMES + synth_backgrounds.PHOTO_NAMES)
    kinds = synth_scenes.SINGLE_PRODUCT_BACKGROUNDS
    assert "photo" not in kinds, "synth's photo backdrops include real-photo scenes"
    assert set(kinds) <= set(synth_backgrounds.BACKGROUND_KINDS)


def test_the_leakage_test_would_notice_a_real_scene_in_the_generator(monkeypatch):
    monkeypatch.setattr(synth_scenes, "TEXTURE_SOURCES", synth_scenes.TEXTURE_SOURCES + ("rocket",))
    with pytest.raises(AssertionError, match="rocket"):
        test_no_real_photo_is_a_source_of_the_training_generators()


def test_no_training_scene_reproduces_a_real_photo():
    """A scene's background is made from TEXTURE_SOURCES only: no real photo's thumbnail shows up in it."""
    thumbs = {p["name"]: _thumb(REAL / p["file"]) for p in PHOTOS}
    for seed in range(40):
        rgb = synth_scenes.make_scene(seed, size=64).rgb
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        t = cv2.resize(grey, (16, 16), interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
        t = (t - t.mean()) / (t.std() + 1e-6)
        best = max(float(np.dot(t, v)) / len(t) for v in thumbs.values())
        assert best < 0.95


@pytest.mark.parametrize("split", SPLITS)
def test_every_reference_mask_replays_from_its_annotation(split):
    """The masks are the annotation tool's: replaying annotations.json gives every mask byte for byte."""
    from course_lib import annotation_store

    results = annotation_store.replay_folder(REAL / split)
    bad = [(r.photo, r.status, r.reason) for r in results if r.status != "unchanged" or not r.matches_record]
    assert results and not bad, bad
    store = annotation_store.AnnotationStore(REAL / split)
    for name, ann in store.annotations.items():
        assert ann.source and ann.licence and ann.note, f"{split}/{name}: source, licence and note are recorded"
        assert ann.status == "skipped" or ann.seconds or ann.note.startswith("the demo set"), \
            f"{split}/{name}: the annotator's work time is recorded"

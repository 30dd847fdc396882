"""course_lib.annotation_store: annotations survive JSON, replay byte for byte; the folder store."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from course_lib import annotation_store, synth
from course_lib.annotation_store import Annotation, AnnotationStore
from course_lib.imageio import save_png
from course_lib.mask_proposal import apply_corrections, propose_mask


def test_replay_is_byte_identical_and_survives_json():
    rgb = synth.make_sample(1, size=96).rgb
    box = (10, 12, 80, 84)
    hints = [{"label": "object", "points": [[45, 48]], "width": 5},
             {"label": "background", "points": [[12, 14], [30, 14], [12, 30]], "width": 0}]
    a = Annotation("x.png", box=box, hints=hints, seed=3,
                   corrections=[{"label": "object", "points": [[40, 40], [50, 45]], "width": 5},
                                {"label": "background", "points": [[0, 0], [20, 0], [0, 20]], "width": 0}])
    mask = apply_corrections(propose_mask(rgb, box, a.hints, seed=3), a.corrections)
    back = Annotation.from_dict("x.png", json.loads(json.dumps(a.to_dict())))
    assert back == a
    assert annotation_store.mask_sha1(annotation_store.replay(rgb, back)) == annotation_store.mask_sha1(mask)
    with pytest.raises(ValueError, match="pass prior="):
        annotation_store.replay(rgb, Annotation("x.png", prior={"model": "unet", "background": 0.1, "object": 0.9}))


def test_bad_annotations_are_refused_by_name():
    with pytest.raises(ValueError, match="at least 3"):
        Annotation("a.png", corrections=[{"label": "object", "points": [[1, 1]], "width": 0}])
    with pytest.raises(ValueError, match="file name without folders"):
        Annotation("sub/a.png")
    with pytest.raises(ValueError, match="x0 < x1"):
        Annotation("a.png", box=(5, 5, 5, 9))
    with pytest.raises(ValueError, match=r"unknown annotation keys \['colour'\]"):
        Annotation.from_dict("a.png", {"colour": "red"})


@pytest.fixture
def folder(tmp_path):
    for seed in (0, 1, 2):
        save_png(tmp_path / f"p{seed}.png", synth.make_sample(seed, size=48).rgb)
    return tmp_path


def accept(store, photo, box=(4, 4, 44, 44)):
    a = Annotation(photo, box=box, seconds=2.0)
    return store.save(a, annotation_store.replay(store.load(photo), a))


def test_the_store_is_resumable_and_never_overwrites(folder):
    store = AnnotationStore(folder)
    assert store.pending() == ["p0.png", "p1.png", "p2.png"]
    saved = accept(store, "p0.png")
    store.save(Annotation("p1.png", status="skipped", seconds=1.0))
    assert store.pending() == ["p2.png"]
    assert sorted(p.name for p in (folder / "masks").iterdir()) == ["p0.png"]    # skipped: no mask
    again = AnnotationStore(folder)
    assert again.pending() == ["p2.png"] and again.get("p0.png") == saved
    assert annotation_store.mask_sha1(annotation_store.load_mask(folder / "masks" / "p0.png")) == saved.mask_sha1
    with pytest.raises(FileExistsError, match="annotation of p0.png"):
        accept(again, "p0.png")
    save_png(folder / "masks" / "p2.png", np.zeros((48, 48, 3), np.uint8))     # a mask made by hand
    with pytest.raises(FileExistsError, match=r"masks[/\\]p2\.png already exists"):
        accept(again, "p2.png")
    redone = Annotation("p0.png", box=(2, 2, 40, 40))
    again.save(redone, annotation_store.replay(again.load("p0.png"), redone), overwrite=True)
    assert AnnotationStore(folder).get("p0.png").box == (2, 2, 40, 40)


def test_writes_are_atomic_and_a_failed_write_changes_nothing(folder, monkeypatch):
    store = AnnotationStore(folder)
    accept(store, "p0.png")
    before = (folder / "annotations.json").read_bytes()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))   # the rename
    with pytest.raises(OSError, match="disk full"):
        accept(store, "p1.png")
    monkeypatch.undo()
    assert (folder / "annotations.json").read_bytes() == before
    assert not (folder / "masks" / "p1.png").exists() and "p1.png" in store.pending()
    assert not [p for p in folder.rglob("*") if p.name.startswith(".")]          # no temporary files left
    accept(store, "p1.png")                                                     # and it can be done again
    assert AnnotationStore(folder).pending() == ["p2.png"]


def test_bad_photos_are_reported_and_skipped(folder):
    (folder / "corrupt.png").write_bytes((folder / "p0.png").read_bytes()[:60])
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "page.jpg").write_bytes(b"<html>not a photo</html>")
    (folder / "p0.jpg").write_bytes((folder / "p0.png").read_bytes())
    (folder / "notes.txt").write_text("not a photo and not an image ending")
    store = AnnotationStore(folder)
    problems = dict(store.scan())
    assert set(problems) == {"corrupt.png", "empty.jpg", "page.jpg", "p0.png"}
    assert "empty (0 bytes)" in problems["empty.jpg"] and "not an image" in problems["page.jpg"]
    assert "truncated or corrupt" in problems["corrupt.png"] and "same stem" in problems["p0.png"]
    assert store.pending() == ["p0.jpg", "p1.png", "p2.png"]


def test_replay_folder_reproduces_and_reports_differences(folder, tmp_path_factory):
    store = AnnotationStore(folder)
    for photo in ("p0.png", "p1.png"):
        accept(store, photo)
    assert [(r.photo, r.status, r.matches_record) for r in annotation_store.replay_folder(folder)] == [
        ("p0.png", "unchanged", True), ("p1.png", "unchanged", True)]
    save_png(folder / "masks" / "p1.png", np.zeros((48, 48, 3), np.uint8), overwrite=True)
    results = {r.photo: r for r in annotation_store.replay_folder(folder)}
    assert results["p1.png"].status == "differs" and results["p1.png"].changed > 0
    out = tmp_path_factory.mktemp("out")
    assert {r.status for r in annotation_store.replay_folder(folder, out)} == {"written"}
    assert (out / "p0.png").read_bytes()
    assert annotation_store.replay_folder(folder, out, only=["p1"])[0].status == "unchanged"

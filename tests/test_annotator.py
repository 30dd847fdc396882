"""course_lib.views.annotator: the annotation widget, driven without a browser."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course_lib import annotation_store, synth
from course_lib.imageio import save_png
from course_lib.views.annotator import Annotator


@pytest.fixture
def folder(tmp_path):
    for seed in (0, 1, 2):
        save_png(tmp_path / f"p{seed}.png", synth.make_sample(seed, size=96).rgb)
    (tmp_path / "broken.jpg").write_bytes(b"<html>this is a web page</html>")
    return tmp_path


def test_a_box_a_hint_and_accept_write_the_mask_and_the_annotation(folder):
    tool = Annotator(folder)
    assert tool.photo == "p0.png" and "1 of 3" in tool.status.value
    blank = tool.picture.value
    tool.mode = "box"
    tool.press(8, 8)
    tool.drag(50, 60)
    tool.release(88, 90)
    assert tool.box == (8, 8, 89, 91) and tool.mask is not None and tool.error is None
    boxed = tool.picture.value
    assert boxed != blank
    tool.mode = "background"
    tool.press(10, 85)
    tool.drag(30, 85)
    tool.release(50, 85)
    assert tool.hints == [{"label": "background", "points": [[10, 85], [30, 85], [50, 85]], "width": 9}]
    assert tool.picture.value != boxed
    tool.mode = "brush +"
    tool.brush.value = 5
    tool.press(48, 48)
    tool.release(48, 48)
    assert tool.mask[48, 48] and tool.corrections[-1]["points"] == [[48, 48]]
    tool.propose()                                    # again: the correction is kept
    assert tool.mask[48, 48]
    mask = tool.mask.copy()
    tool.accept()
    assert tool.photo == "p1.png" and "2 of 3" in tool.status.value
    saved = json.loads((folder / "annotations.json").read_text())["photos"]["p0.png"]
    assert saved["status"] == "accepted" and saved["seconds"] > 0 and saved["box"] == [8, 8, 89, 91]
    assert np.array_equal(annotation_store.load_mask(folder / "masks" / "p0.png"), mask)
    store = annotation_store.AnnotationStore(folder)
    replayed = annotation_store.replay(store.load("p0.png"), store.get("p0.png"))
    assert np.array_equal(replayed, mask)


def test_mouse_events_map_the_picture_to_photo_pixels(folder):
    tool = Annotator(folder, side=48)                  # the 96-pixel photos are shown at half size
    assert tool.scale == 0.5
    for kind, x, y in (("mousedown", 4, 4), ("mousemove", 20, 20), ("mouseup", 44, 45)):
        tool.handle_event({"type": kind, "dataX": x, "dataY": y})
    assert tool.box == (8, 8, 89, 91)
    tool.undo()
    assert tool.box is None


def test_skip_writes_no_mask_and_a_bad_photo_shows_its_reason(folder):
    tool = Annotator(folder)
    assert "broken.jpg is not an image" in tool.problems.value
    tool.skip()
    assert tool.photo == "p1.png" and not (folder / "masks").exists()
    assert json.loads((folder / "annotations.json").read_text())["photos"]["p0.png"]["status"] == "skipped"
    tool.buttons["accept"].click()                      # nothing drawn yet: a message, not a traceback
    assert tool.photo == "p1.png" and "draw a box" in tool.message.value
    resumed = Annotator(folder)
    assert resumed.photo == "p1.png"
    resumed.buttons["skip"].click()
    resumed.buttons["skip"].click()
    assert resumed.photo is None and "done" in resumed.status.value


class _CentreModel:
    """A stand-in CNN: sure of the middle of whatever it is shown; records the side it was shown at."""

    name = "centre"

    def __init__(self):
        self.sides = []

    def predict(self, x, batch_size=None, verbose=0):
        self.sides.append(x.shape[1])
        out = np.zeros(x.shape[:3] + (2,), np.float32)
        h, w = x.shape[1:3]
        out[:, h // 4: 3 * h // 4, w // 4: 3 * w // 4, 1] = 1.0
        out[..., 0] = 1.0 - out[..., 1]
        return out


def test_a_model_prior_runs_at_the_models_working_size_and_the_real_cnn_is_named(folder, monkeypatch):
    from course_lib import inference

    cnn = _CentreModel()
    tool = Annotator(folder, model=inference.SizedModel(cnn, 40))
    assert cnn.sides == [40] and tool.prior is not None and tool.prior.shape == (96, 96)
    assert tool.prior[48, 48] == 1.0 and tool.prior[2, 2] == 0.0
    assert tool.annotation().prior["model"] == "centre"

    loaded = []

    def fake_real(path=inference.REAL_MODEL_PATH, size=inference.REAL_WORK_SIZE):
        loaded.append(path)
        return inference.SizedModel(_CentreModel(), size)
    monkeypatch.setattr(inference, "load_real_model", fake_real)
    real_tool = Annotator(folder, model="real")                  # the real-photo CNN, at its working size
    assert loaded == [inference.REAL_MODEL_PATH] and real_tool.model.sides == [inference.REAL_WORK_SIZE]
    assert real_tool.annotation().prior["model"] == inference.REAL_MODEL_PATH.stem == "vgg3_real_parts"
    with pytest.raises(ValueError, match="model='unet'"):
        Annotator(folder, model="unet")

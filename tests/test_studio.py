"""course_lib.views.studio driven as a learner would, without a browser: each side's sliders move only that side."""

from __future__ import annotations

import html
import io

import numpy as np
import pytest
from PIL import Image

from course_lib import inference, metrics
from course_lib.views import studio
from course_lib.views.controls import PANEL_SIDE


@pytest.fixture(scope="module")
def model():
    import keras

    from course_lib import unet
    keras.utils.set_random_seed(0)
    return unet.build_unet(None, 4, 2)      # tiny and untrained: the tests are about the plumbing, not the scores


@pytest.fixture
def predictions(monkeypatch):
    """Count the U-Net predictions (AlphaCache calls predict_alpha for an image it has not seen)."""
    calls = []
    real = inference.predict_alpha

    def counting(model, rgb, **kwargs):
        calls.append(rgb.shape)
        return real(model, rgb, **kwargs)
    monkeypatch.setattr(inference, "predict_alpha", counting)
    return calls


@pytest.fixture
def app(split, model, predictions):
    demo = {"square": (split.rgb[1], split.alpha[1] >= 0.5), "unmasked": (split.rgb[2], None)}
    return studio.Studio(split, model, demo=demo)


def _count_calls(monkeypatch, obj, name):
    calls = []
    real = getattr(obj, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(obj, name, counting)
    return calls


def test_the_studio_starts_on_the_first_sample_with_both_sides_scored(app, split, predictions):
    assert len(predictions) == 1, "one U-Net prediction for the first image"
    for side in studio.SIDES:
        expected = metrics.scores(app.alpha[side], app.truth)
        assert app.numbers[side] == expected
        text = app.scores[side].value
        assert (f"IoU <b>{expected['iou']:.3f}</b>" in text and f"Dice {expected['dice']:.3f}" in text
                and f"boundary F {expected['boundary_f']:.3f}" in text and f"MAE {expected['mae']:.4f}" in text), text
        assert app.pictures[side].value[:8] == b"\x89PNG\r\n\x1a\n"
    assert app.alpha["classical"].shape == app.alpha["unet"].shape == (96, 96)


def test_a_classical_slider_redraws_the_classical_side_only(app, monkeypatch, predictions):
    chain = _count_calls(monkeypatch, app.postprocess_panel, "redraw")
    before = {side: app.scores[side].value for side in studio.SIDES}
    redraws = dict(app.redraws)
    app.classical_panel.controls["size"].value = 21          # the Otsu family's blur: a much blurrier mask
    assert app.scores["classical"].value != before["classical"]
    assert app.numbers["classical"] == metrics.scores(app.classical_panel.mask, app.truth)
    assert app.scores["unet"].value == before["unet"]
    assert app.redraws == {"classical": redraws["classical"] + 1, "unet": redraws["unet"]}
    assert chain == [] and len(predictions) == 1, "the U-Net side must not recompute"


def test_the_threshold_redraws_the_unet_side_only_from_the_cached_prediction(app, monkeypatch, predictions):
    classical = _count_calls(monkeypatch, app.classical_panel, "compute_mask")
    before = {side: app.scores[side].value for side in studio.SIDES}
    app.controls["threshold"].value = 0.99                    # almost nothing is sure enough to be product
    after_high = app.scores["unet"].value
    app.controls["threshold"].value = 0.01                    # almost everything is
    assert len({before["unet"], after_high, app.scores["unet"].value}) >= 2
    assert app.scores["unet"].value != after_high
    assert app.numbers["unet"] == metrics.scores(app.postprocess_panel.alpha, app.truth)
    assert app.scores["classical"].value == before["classical"]
    assert classical == [], "the classical side must not recompute"
    assert len(predictions) == 1, "a threshold change re-uses the cached U-Net prediction"
    assert app.pipeline()[0].params == {"threshold": 0.01}


def test_a_postprocessing_slider_changes_the_chain_and_the_unet_side(app, monkeypatch):
    classical = _count_calls(monkeypatch, app.classical_panel, "compute_mask")
    redraws = dict(app.redraws)
    app.controls["edge"].value = "feather"
    app.controls["sigma"].value = 3.0
    assert app.pipeline()[-1].name == "feather" and app.pipeline()[-1].params["sigma"] == 3.0
    assert app.redraws == {"classical": redraws["classical"], "unet": redraws["unet"] + 2}
    assert app.alpha["unet"] is app.postprocess_panel.alpha
    assert "feather(sigma=3.0)" in app.status["unet"].value
    assert classical == []


def test_the_picked_sample_flows_to_both_sides(app, split, predictions):
    app.picker.source.value = "hard"                          # samples 2 and 5
    app.picker.index.value = 1
    expected = split.rgb[5]
    assert np.array_equal(app.rgb, expected)
    assert np.array_equal(app.classical_panel.rgb, expected)
    assert np.array_equal(app.postprocess_panel.rgb, expected)
    assert np.allclose(app.truth, split.alpha[5], atol=1e-6)
    assert "#5" in app.image_label.value
    assert len(predictions) == 3, "samples 0, 2 and 5 were shown, each predicted once"
    app.picker.index.value = 0
    app.picker.index.value = 1                                # back to samples 2 and 5: both cached
    assert len(predictions) == 3 and np.array_equal(app.rgb, expected)


def test_a_family_switch_shows_the_current_image(app, split):
    app.picker.source.value = "medium"
    app.controls["family"].value = "flood_fill"
    assert np.array_equal(app.classical_panel.rgb, split.rgb[1])
    assert "tolerance" in app.classical_panel.controls
    before = app.scores["classical"].value
    app.classical_panel.controls["tolerance"].value = 40.0
    assert app.scores["classical"].value != before
    app.controls["family"].value = "otsu"                     # its panel was made on image 0: now shows image 1
    assert np.array_equal(app.classical_panel.rgb, split.rgb[1])


def test_demo_photos_with_and_without_a_reference(app):
    app.picker.source.value = "demo photos"
    app.picker.demo_choice.value = "square"
    assert "approximate" in app.picker.message.value
    assert app.numbers["classical"] == metrics.scores(app.classical_panel.mask, app.truth)
    assert f"IoU <b>{app.numbers['classical']['iou']:.3f}</b>" in app.scores["classical"].value
    app.picker.demo_choice.value = "unmasked"
    assert all("no ground truth" in app.scores[side].value for side in studio.SIDES)


def test_an_upload_has_no_ground_truth_and_says_so(app):
    buffer = io.BytesIO()
    Image.fromarray(np.full((300, 200, 3), 90, np.uint8)).save(buffer, format="PNG")
    assert app.picker.handle_upload("shelf.png", buffer.getvalue())
    for side in studio.SIDES:
        assert "no ground truth" in app.scores[side].value
    assert app.rgb.shape[:2] == (PANEL_SIDE, round(200 * PANEL_SIDE / 300))
    assert "shelf.png" in app.image_label.value and "200×300" in app.image_label.value


def test_a_bad_upload_gives_a_message_not_a_traceback(app):
    before = app.rgb.copy()
    assert not app.picker.handle_upload("notes.jpg", b"<html><body>not a photo</body></html>")
    assert "notes.jpg" in app.picker.message.value and "not an image" in app.picker.message.value
    assert np.array_equal(app.rgb, before), "the studio keeps showing the last good photo"
    assert not app.picker.handle_upload("dot.png", _png(np.zeros((4, 4, 3), np.uint8)))
    assert "dot.png" in app.picker.message.value


def test_an_image_the_studio_cannot_use_is_answered_in_the_app(app, monkeypatch):
    def broken(rgb):
        raise RuntimeError("the model ran out of memory")
    monkeypatch.setattr(app, "unet_alpha", broken)
    app._on_pick(np.zeros((50, 60, 3), np.uint8), None, "odd.png")
    assert "odd.png" in app.message.value and "out of memory" in app.message.value


def test_bad_arguments_are_named(split, model):
    with pytest.raises(ValueError, match="family='sam'"):
        studio.Studio(split, model, family="sam")


def _png(rgb):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_chain_that_fails_is_answered_in_the_app(app, monkeypatch):
    from course_lib import postprocess

    def impossible(*args, **kwargs):
        raise ValueError("matting needs both known product and known background")
    monkeypatch.setattr(postprocess, "refine_matting", impossible)
    before = app.pictures["unet"].value
    app.controls["edge"].value = "matting"
    assert "matting needs both" in app.status["unet"].value
    assert app.pictures["unet"].value == before, "the last good picture stays"


# --- which CNN runs: lesson 04's U-Net on generated images, the real-photo CNN on photos ------------------


@pytest.fixture(scope="module")
def photo_model():
    import keras

    from course_lib import unet
    keras.utils.set_random_seed(1)
    return unet.build_unet(None, 2, 2)          # another tiny U-Net, told apart from `model` by identity


def test_photos_run_the_photo_cnn_and_generated_images_lesson_04s(split, model, photo_model):
    demo = {"square": (split.rgb[1], split.alpha[1] >= 0.5)}
    app = studio.Studio(split, model, photo_model=inference.SizedModel(photo_model, 64), demo=demo,
                        photo_label="the photo CNN")
    assert app.image_kind == "generated" and app.cnn().model is model and len(app.unet_alpha) == 1
    assert studio.GENERATED_LABEL == "lesson 04's U-Net (generated images)"
    assert f"<b>{html.escape(studio.GENERATED_LABEL)}</b> on this generated image" in app.model_html.value
    app.picker.source.value = "demo photos"
    app.picker.demo_choice.value = "square"
    assert app.image_kind == "photo" and app.cnn() is app.photo_alpha
    assert app.photo_alpha.model is photo_model and app.photo_alpha.size == 64
    assert len(app.photo_alpha) == 1 and len(app.unet_alpha) == 1, "the demo photo went to the photo CNN only"
    expected = inference.predict_alpha(photo_model, app.full_rgb, size=64)
    assert np.allclose(app.photo_alpha(app.full_rgb), expected)
    assert "<b>the photo CNN</b> on this photo" in app.model_html.value
    app.controls["unet_method"].value = "hybrid_box"       # GrabCut inside the photo CNN's box
    from course_lib import hybrid
    assert np.array_equal(app._right_input(), hybrid.hybrid_box_alpha(app.rgb, app._unet_probability()))
    buffer = io.BytesIO()
    Image.fromarray(np.full((80, 70, 3), 90, np.uint8)).save(buffer, format="PNG")
    app.picker.source.value = "my upload"
    assert app.picker.handle_upload("shelf.png", buffer.getvalue())
    assert app.image_kind == "photo" and len(app.photo_alpha) == 2 and len(app.unet_alpha) == 1
    app.picker.source.value = "easy"                        # back to a generated sample: lesson 04's U-Net again
    assert app.image_kind == "generated" and app.cnn() is app.unet_alpha
    app.use_model(model, "mine.keras")                      # a loaded checkpoint runs on every image
    assert app.photo_alpha is app.unet_alpha and "mine.keras" in app.model_html.value


def test_course_studio_runs_the_real_photo_cnn_on_photos(monkeypatch, model, photo_model):
    """course_studio() wires inference.load_real_model() (the file REAL_MODEL_PATH names) to photos."""
    loaded = []

    def fake_real(path=inference.REAL_MODEL_PATH, size=inference.REAL_WORK_SIZE):
        loaded.append(path)
        return inference.SizedModel(photo_model, size)
    monkeypatch.setattr(studio, "load_real_model", fake_real)
    monkeypatch.setattr(studio, "load_pretrained", lambda *a, **k: model)
    app = studio.course_studio(limit=3)
    assert loaded == [inference.REAL_MODEL_PATH]
    assert app.photo_alpha.model is photo_model and app.photo_alpha.size == inference.REAL_WORK_SIZE
    assert app.unet_alpha.model is model
    assert "vgg3_real_parts.keras" in app.photo_label and inference.REAL_MODEL_PATH.name in app.photo_label
    dev = [name for name in app.picker.demo if name.startswith("dev/")]
    assert dev and not any("holdout" in name for name in app.picker.demo)
    app.picker.source.value = "demo photos"
    app.picker.demo_choice.value = dev[0]
    assert app.image_kind == "photo" and app.cnn().model is photo_model and len(app.photo_alpha) >= 1

"""course_lib.hybrid: the CNN's probability seeds GrabCut; the studio offers it, and takes another checkpoint."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import hybrid, metrics


def _blob_photo(h: int, w: int, seed: int):
    """A photo with one coloured ellipse on a textured background, and its true mask."""
    rng = np.random.default_rng(seed)
    rgb = rng.integers(20, 90, (h, w, 3), dtype=np.uint8)
    truth = np.zeros((h, w), np.uint8)
    centre = (int(w * rng.uniform(0.3, 0.7)), int(h * rng.uniform(0.3, 0.7)))
    axes = (max(2, int(w * rng.uniform(0.1, 0.3))), max(2, int(h * rng.uniform(0.1, 0.3))))
    cv2.ellipse(truth, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    rgb[truth == 1] = rng.integers(150, 255, 3)
    return rgb, truth.astype(bool)


def _cnn_like(truth: np.ndarray, blur: float, shift: int = 0) -> np.ndarray:
    """A CNN's soft, slightly misplaced probability: the true mask shifted and blurred."""
    p = np.roll(truth.astype(np.float32), shift, axis=1)
    return np.clip(cv2.GaussianBlur(p, (0, 0), blur), 0, 1) if blur > 0 else p


@settings(max_examples=25, deadline=None)
@given(h=st.integers(24, 90), w=st.integers(24, 90), seed=st.integers(0, 1000), blur=st.floats(0, 6),
       shift=st.integers(-5, 5), noise=st.floats(0, 0.5), max_side=st.sampled_from([None, 40]))
def test_the_hybrid_is_a_valid_alpha_that_never_claims_sure_background(h, w, seed, blur, shift, noise, max_side):
    rgb, truth = _blob_photo(h, w, seed)
    rng = np.random.default_rng(seed)
    p = np.clip(_cnn_like(truth, blur, shift) + noise * rng.standard_normal((h, w)), 0, 1).astype(np.float32)
    alpha = hybrid.hybrid_alpha(rgb, p, max_side=max_side)
    assert alpha.shape == (h, w) and alpha.dtype == np.float32
    assert np.isfinite(alpha).all() and alpha.min() >= 0 and alpha.max() <= 1
    assert not (alpha[p < hybrid.SURE_BACKGROUND] >= 0.5).any(), "a pixel the CNN was sure was background"


def test_grabcut_may_not_grow_into_what_the_cnn_was_sure_of():
    rgb = np.full((60, 80, 3), 40, np.uint8)
    rgb[10:50, 10:70] = 230                               # one bright object, 60 px wide
    p = np.zeros((60, 80), np.float32)
    p[10:50, 10:40] = 0.99                                # the CNN sees its left half only ...
    p[10:50, 40:50] = 0.3                                 # ... is unsure of the next part ...
    alpha = hybrid.hybrid_alpha(rgb, p, band=0.15)        # ... and sure the rest is background (band: 12 px)
    assert alpha[10:50, 10:50].mean() > 0.95, "in a wide band GrabCut takes the unsure part the colours call object"
    assert alpha[:, 50:].max() == 0, "but never the part the CNN was sure of"
    narrow = hybrid.hybrid_alpha(rgb, p, band=0.02)
    assert narrow[:, 45:].max() == 0, "outside a narrow band the CNN decides"


def test_the_hybrid_sharpens_a_blurred_cnn_edge():
    rgb, truth = _blob_photo(120, 160, 3)
    p = _cnn_like(truth, 4.0, shift=3)
    cnn, both = metrics.iou(p, truth), metrics.iou(hybrid.hybrid_alpha(rgb, p), truth)
    assert both > cnn + 0.03 and both > 0.95, (cnn, both)


def test_when_grabcut_cannot_run_the_cnns_mask_comes_back():
    rgb = np.zeros((20, 30, 3), np.uint8)
    for p in (np.zeros((20, 30), np.float32), np.ones((20, 30), np.float32)):
        assert np.array_equal(hybrid.hybrid_alpha(rgb, p), (p >= 0.5).astype(np.float32))


def test_the_labels_follow_the_table():
    p = np.zeros((20, 20), np.float32)
    p[5:15, 5:15] = 1.0
    p[0, 0], p[0, 1] = 0.2, 0.6
    labels = hybrid.hybrid_labels(p, band=0.1)            # band: 2 px
    assert labels[10, 10] == cv2.GC_FGD and labels[5, 10] == cv2.GC_PR_FGD      # deep inside / at the edge
    assert labels[0, 0] == cv2.GC_PR_BGD and labels[0, 1] == cv2.GC_PR_FGD and labels[19, 19] == cv2.GC_BGD


def test_bad_inputs_are_named():
    rgb = np.zeros((10, 12, 3), np.uint8)
    with pytest.raises(ValueError, match="object_prob"):
        hybrid.hybrid_alpha(rgb, np.zeros((12, 10), np.float32))
    with pytest.raises(ValueError, match="rgb"):
        hybrid.hybrid_alpha(rgb[..., 0], np.zeros((10, 12), np.float32))
    with pytest.raises(ValueError, match="sure_object"):
        hybrid.hybrid_labels(np.zeros((4, 4), np.float32), sure_object=0.3)


# --- the studio -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    import keras

    from course_lib import unet

    keras.utils.set_random_seed(0)
    model = unet.build_unet(None, 4, 2)
    path = tmp_path_factory.mktemp("ckpt") / "model.keras"
    model.save(path)
    return model, path


def test_the_studio_offers_the_hybrid_and_takes_a_checkpoint(split, tiny, tmp_path):
    from course_lib.views import studio

    _, path = tiny
    app = studio.Studio(split, path)                       # a checkpoint's path is enough
    assert str(path) in app.model_html.value
    redraws = dict(app.redraws)
    app.controls["unet_method"].value = "hybrid"
    assert app.redraws == {"classical": redraws["classical"], "unet": redraws["unet"] + 1}
    assert np.array_equal(app._right_input(), hybrid.hybrid_alpha(app.rgb, app._unet_probability()))
    assert app.numbers["unet"] == metrics.scores(app.alpha["unet"], app.truth)

    assert app.checkpoint.load_path(path)
    assert "model.keras" in app.model_html.value and "using" in app.checkpoint.message.value
    assert app.checkpoint.handle_upload("mine.keras", path.read_bytes())
    assert "mine.keras" in app.model_html.value
    assert not app.checkpoint.handle_upload("notes.keras", b"not a zip")
    assert "notes.keras cannot be used" in app.checkpoint.message.value
    assert not app.checkpoint.load_path(tmp_path / "photo.png")
    assert "a checkpoint is a .keras file" in app.checkpoint.message.value
    assert not app.checkpoint.load_path("")
    assert "mine.keras" in app.model_html.value, "a failed load keeps the model in use"


def test_course_cutout_runs_the_hybrid(tmp_path):
    """`course-cutout --method hybrid` writes an RGBA cut-out of the photo's size with object and background."""
    from PIL import Image

    from course_lib import cli, synth

    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(synth.make_sample(3, size=96).rgb).save(photos / "p.png")
    assert cli.main([str(photos), "--out", str(tmp_path / "out"), "--method", "hybrid"]) == 0
    alpha = np.asarray(Image.open(tmp_path / "out" / "p.png"))[..., 3]
    assert alpha.shape == (96, 96) and alpha.min() == 0 and alpha.max() == 255

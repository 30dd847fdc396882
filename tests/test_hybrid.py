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


# --- the box variant: GrabCut inside the box the CNN places ------------------------------------------


def _square_scene(h=80, w=100, top=20, left=30, side=30):
    """A bright square on a dark, slightly noisy background, and its true mask."""
    rng = np.random.default_rng(0)
    rgb = rng.integers(20, 50, (h, w, 3), dtype=np.uint8)
    truth = np.zeros((h, w), bool)
    truth[top:top + side, left:left + side] = True
    rgb[truth] = (220, 180, 60)
    return rgb, truth


def test_the_box_holds_the_cnns_object_widened_by_the_margin_and_clipped():
    p = np.zeros((50, 60), np.float32)
    p[10:30, 20:30] = 0.7                                   # 10 wide, 20 high
    assert hybrid.cnn_box(p, margin=0.0) == (20, 10, 30, 30)
    assert hybrid.cnn_box(p, margin=0.2) == (18, 6, 32, 34)  # 2 px left and right, 4 px up and down
    assert hybrid.cnn_box(p, margin=0.2, threshold=0.8) is None
    assert hybrid.cnn_box(p, margin=5.0) == (0, 0, 60, 50), "a wide margin stops at the frame"
    p[40, 55] = 0.9                                         # a second object: the box holds both
    assert hybrid.cnn_box(p, margin=0.0) == (20, 10, 56, 41)


def test_grabcut_inside_the_cnns_box_finds_the_whole_square():
    rgb, truth = _square_scene()
    p = np.zeros(truth.shape, np.float32)
    p[30:40, 40:50] = 0.9                                   # the CNN sees only the square's middle ...
    assert metrics.iou(p >= 0.5, truth) < 0.25
    alpha = hybrid.hybrid_box_alpha(rgb, p, margin=1.5)     # ... its box, widened by 15 px, holds all of it
    assert alpha.dtype == np.float32 and set(np.unique(alpha)) <= {0.0, 1.0}
    assert metrics.iou(alpha, truth) > 0.95
    box = hybrid.cnn_box(p, margin=1.5)
    assert box == (25, 15, 65, 55)
    outside = np.ones(truth.shape, bool)
    outside[box[1]:box[3], box[0]:box[2]] = False
    assert alpha[outside].max() == 0, "nothing outside the box is object"
    tight = hybrid.hybrid_box_alpha(rgb, p, margin=0.0)     # a box inside the square: it cannot reach out
    assert tight[p < 0.5].max() == 0
    small = hybrid.hybrid_box_alpha(rgb, p, margin=1.5, max_side=40)   # GrabCut on a half-size copy
    assert small.shape == truth.shape and metrics.iou(small, truth) > 0.85


def test_the_box_variant_is_repeatable_for_a_seed():
    rgb, truth = _square_scene()
    p = cv2.GaussianBlur(truth.astype(np.float32), (0, 0), 3)
    first = hybrid.hybrid_box_alpha(rgb, p, seed=3)
    assert np.array_equal(first, hybrid.hybrid_box_alpha(rgb, p, seed=3))


def test_the_box_variants_degenerate_cases():
    rgb, truth = _square_scene()
    empty = hybrid.hybrid_box_alpha(rgb, np.zeros(truth.shape, np.float32))
    assert empty.shape == truth.shape and empty.max() == 0, "a CNN that sees nothing: no object"
    whole = hybrid.hybrid_box_alpha(rgb, np.ones(truth.shape, np.float32))   # the box is the frame
    from course_lib import classical

    border = classical.grabcut_mask(rgb, seed=0)            # GrabCut from lesson 01's border box instead
    assert np.array_equal(whole >= 0.5, border), "the whole frame falls back to GrabCut from the border"
    assert metrics.iou(whole, truth) > 0.95
    tiny = hybrid.hybrid_box_alpha(np.zeros((3, 3, 3), np.uint8), np.ones((3, 3), np.float32))
    assert tiny.shape == (3, 3) and np.isfinite(tiny).all(), "too small for GrabCut: the CNN's mask in the box"


def test_the_box_variants_bad_inputs_are_named():
    rgb = np.zeros((10, 12, 3), np.uint8)
    with pytest.raises(ValueError, match="object_prob"):
        hybrid.hybrid_box_alpha(rgb, np.zeros((12, 10), np.float32))
    with pytest.raises(ValueError, match="object_prob"):
        hybrid.hybrid_box_alpha(rgb, np.full((10, 12), 2.0, np.float32))
    with pytest.raises(ValueError, match="margin"):
        hybrid.hybrid_box_alpha(rgb, np.zeros((10, 12), np.float32), margin=-0.1)
    with pytest.raises(ValueError, match="threshold"):
        hybrid.cnn_box(np.zeros((10, 12), np.float32), threshold=1.5)
    with pytest.raises(ValueError, match="iterations"):
        hybrid.hybrid_box_alpha(rgb, np.zeros((10, 12), np.float32), iterations=0)
    with pytest.raises(ValueError, match="variant='boxes'"):
        hybrid.hybrid_method(lambda im: np.zeros(im.shape[:2], np.float32), "boxes")


def test_hybrid_method_runs_each_variant():
    rgb, truth = _square_scene()
    p = np.zeros(truth.shape, np.float32)
    p[22:48, 32:58] = 0.8

    def cnn(im):
        return p
    expected = hybrid.hybrid_box_alpha(rgb, p, margin=0.2)
    assert np.array_equal(hybrid.hybrid_method(cnn, "box", margin=0.2)(rgb), expected)
    assert np.array_equal(hybrid.hybrid_method(cnn)(rgb), hybrid.hybrid_alpha(rgb, p))
    assert np.array_equal(hybrid.hybrid_method(cnn, "frame")(rgb), hybrid.hybrid_frame_alpha(rgb, p))


# --- the frame variant: GrabCut from the border, with the CNN's hints --------------------------------


def test_the_frame_labels_change_lesson_01s_rectangle_only_where_the_cnn_says():
    p = np.zeros((40, 60), np.float32)
    p[0:20, 20:40] = 0.8                                    # an object the top edge cuts
    p[30:35, 50:55] = 0.03                                  # a patch the CNN is surer of than the rest
    labels = hybrid.frame_labels(p)
    from course_lib.mask_proposal import seed_labels

    rectangle = seed_labels(p.shape, hybrid._border_box(p.shape))     # lesson 01's start: strip 3 px × 2 px
    changed = labels != rectangle
    assert (labels[0:2, 20:40] == cv2.GC_PR_FGD).all(), "where the object crosses the strip: probably object"
    assert (labels[0:2, 0:20] == cv2.GC_BGD).all() and (labels[38:, :] == cv2.GC_BGD).all(), "the rest: sure"
    assert (labels[2:38, 3:57][p[2:38, 3:57] < hybrid.SURE_BACKGROUND] == cv2.GC_PR_BGD).all()
    assert (labels[2:38, 3:57][p[2:38, 3:57] >= hybrid.SURE_BACKGROUND] == cv2.GC_PR_FGD).all()
    assert changed.sum() == 40 + (p[2:38, 3:57] < hybrid.SURE_BACKGROUND).sum(), "nothing else changes"
    none = hybrid.frame_labels(np.full((40, 60), 0.3, np.float32))
    assert np.array_equal(none, rectangle), "an unsure CNN leaves lesson 01's rectangle as it is"


def test_the_frame_hybrid_keeps_an_object_the_photo_cuts():
    from course_lib import classical

    rgb, truth = _square_scene(top=0, left=30, side=40)     # the square runs off the top edge
    p = cv2.GaussianBlur(truth.astype(np.float32), (0, 0), 2)
    border = classical.grabcut_mask(rgb, seed=0)
    frame = hybrid.hybrid_frame_alpha(rgb, p)
    assert metrics.iou(frame, truth) > 0.97, metrics.iou(frame, truth)
    assert metrics.iou(frame, truth) > metrics.iou(border, truth) + 0.05, "the border alone cuts the strip off"
    assert frame[0:4, 30:70].min() == 1.0


def test_the_frame_hybrid_lets_grabcut_overturn_the_hints():
    rgb, truth = _square_scene()
    p = np.zeros(truth.shape, np.float32)
    p[20:50, 30:45] = 0.9                                   # the CNN sees the left half, and is sure of nothing else
    alpha = hybrid.hybrid_frame_alpha(rgb, p)
    assert metrics.iou(alpha, truth) > 0.95, "probably background is a hint: the colours win"
    assert np.array_equal(alpha, hybrid.hybrid_frame_alpha(rgb, p)), "repeatable for a seed"


def test_the_frame_hybrids_degenerate_cases():
    from course_lib import classical

    rgb, truth = _square_scene()
    none = hybrid.hybrid_frame_alpha(rgb, np.zeros(truth.shape, np.float32))   # sure there is no object anywhere
    assert np.array_equal(none >= 0.5, classical.grabcut_mask(rgb, seed=0)), "then lesson 01's rectangle alone"
    tiny = hybrid.hybrid_frame_alpha(np.zeros((3, 3, 3), np.uint8), np.ones((3, 3), np.float32))
    assert np.array_equal(tiny, np.ones((3, 3), np.float32)), "too small for GrabCut: the CNN's own mask"
    small = hybrid.hybrid_frame_alpha(rgb, cv2.GaussianBlur(truth.astype(np.float32), (0, 0), 2), max_side=40)
    assert small.shape == truth.shape and metrics.iou(small, truth) > 0.85


def test_the_frame_hybrids_bad_inputs_are_named():
    rgb = np.zeros((10, 12, 3), np.uint8)
    with pytest.raises(ValueError, match="object_prob"):
        hybrid.hybrid_frame_alpha(rgb, np.zeros((12, 10), np.float32))
    with pytest.raises(ValueError, match="frame_object"):
        hybrid.frame_labels(np.zeros((10, 12), np.float32), frame_object=1.5)
    with pytest.raises(ValueError, match="sure_background"):
        hybrid.hybrid_frame_alpha(rgb, np.zeros((10, 12), np.float32), sure_background=0.7)
    with pytest.raises(ValueError, match="iterations"):
        hybrid.hybrid_frame_alpha(rgb, np.zeros((10, 12), np.float32), iterations=0)


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

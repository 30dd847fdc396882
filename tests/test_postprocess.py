"""course_lib.postprocess, .pipeline and .views.postprocess_panels: each step does what its docstring says."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from course_lib import imageio
from course_lib import postprocess as pp
from course_lib.pipeline import (
    DEFAULT,
    STEPS,
    CachedSegmenter,
    Pipeline,
    Step,
    ablation_methods,
    ablation_table,
    reference_segmenter,
)


def ring(size=21, outer=(3, 18), inner=(8, 13)) -> np.ndarray:
    m = np.zeros((size, size), bool)
    m[outer[0]:outer[1], outer[0]:outer[1]] = True
    m[inner[0]:inner[1], inner[0]:inner[1]] = False
    return m


@pytest.fixture(scope="module")
def sample():
    from course_lib import synth
    return synth.make_sample(4, size=96, product="bag", difficulty="medium")


# --- holes, components, specks -------------------------------------------------------------------

def test_fill_holes_fills_a_rings_inside_and_nothing_else():
    m = ring()
    filled = pp.fill_holes(m)
    expected = np.zeros_like(m)
    expected[3:18, 3:18] = True
    assert filled.dtype == bool and np.array_equal(filled, expected)


def test_fill_holes_leaves_background_that_reaches_the_border():
    c = ring()
    c[10, 13:] = False                 # cut the ring open to the right border: a bay, not a hole
    assert np.array_equal(pp.fill_holes(c), c)
    assert not pp.fill_holes(np.zeros((5, 5), bool)).any() and pp.fill_holes(np.ones((5, 5), bool)).all()


def test_fill_holes_max_area_keeps_large_holes():
    m = ring(size=40, outer=(2, 38), inner=(10, 30))     # a 20×20 hole: 25 % of the image
    m[4:6, 4:6] = False                                     # and a 2×2 pinhole
    out = pp.fill_holes(m, max_area=0.01)
    assert out[4:6, 4:6].all() and not out[10:30, 10:30].any()
    assert pp.fill_holes(m)[10:30, 10:30].all()


def test_fill_holes_agrees_with_the_lesson_01_flood_fill():
    from course_lib.classical import border_connected
    m = np.random.default_rng(0).random((30, 40)) > 0.45
    assert np.array_equal(pp.fill_holes(m), ~border_connected(~m))


def test_keep_largest_keeps_the_right_component():
    m = np.zeros((30, 30), bool)
    m[2:8, 2:8] = True                 # 36 pixels
    m[12:27, 10:25] = True             # 225 pixels: the product
    m[28, 28] = True                   # a speck
    kept = pp.keep_largest(m)
    expected = np.zeros_like(m)
    expected[12:27, 10:25] = True
    assert np.array_equal(kept, expected)
    both = pp.keep_largest(m, relative_area=0.1)
    assert both[2:8, 2:8].all() and both[12:27, 10:25].all() and not both[28, 28]
    assert not pp.keep_largest(np.zeros((4, 4), bool)).any()


def test_keep_largest_connectivity_decides_about_diagonal_touches():
    m = np.zeros((6, 6), bool)
    m[0:3, 0:3] = True
    m[3:5, 3:5] = True                 # touches the first square only at a corner
    assert pp.keep_largest(m, connectivity=8).sum() == 13
    assert pp.keep_largest(m, connectivity=4).sum() == 9


def test_remove_specks_by_fraction_of_the_image():
    m = np.zeros((100, 100), bool)
    m[20:80, 20:80] = True
    m[2:4, 2:4] = True                 # 4 pixels = 0.0004 of the image
    out = pp.remove_specks(m, min_area=0.001)
    assert not out[2:4, 2:4].any() and out[20:80, 20:80].all()
    assert pp.remove_specks(m, min_area=0.0001)[2:4, 2:4].all()


def test_soft_alpha_is_read_as_a_hard_mask():
    alpha = ring().astype(np.float32) * 0.8
    assert np.array_equal(pp.fill_holes(alpha), pp.fill_holes(ring()))


# --- trimap ----------------------------------------------------------------------------------------------

def test_trimap_has_three_values_and_a_band_of_the_given_radius():
    m = np.zeros((40, 40), bool)
    m[10:30, 10:30] = True
    t = pp.trimap(m, radius=3)
    assert t.dtype == np.float32 and set(np.unique(t)) == {0.0, 0.5, 1.0}
    row = t[20]
    assert list(np.flatnonzero(row == 0.5)) == [7, 8, 9, 10, 11, 12, 27, 28, 29, 30, 31, 32]
    assert np.array_equal(np.unique(pp.trimap_to_uint8(t)), [0, 128, 255])


# --- guided filter -----------------------------------------------------------------------------------------

def guided_filter_loops(guide, src, radius, eps):
    """He et al.'s guided filter straight from the formulas: one window at a time (slow)."""
    g = guide.astype(np.float64)
    g = g[:, :, None] if g.ndim == 2 else g
    p = src.astype(np.float64)
    h, w, c = g.shape
    a, b = np.zeros((h, w, c)), np.zeros((h, w))

    def window(y, x):
        return slice(max(y - radius, 0), y + radius + 1), slice(max(x - radius, 0), x + radius + 1)

    for y in range(h):
        for x in range(w):
            gw, pw = g[window(y, x)].reshape(-1, c), p[window(y, x)].ravel()
            mean_I, mean_p = gw.mean(axis=0), pw.mean()
            cov = (gw * pw[:, None]).mean(axis=0) - mean_I * mean_p
            sigma = (gw[:, :, None] * gw[:, None, :]).mean(axis=0) - np.outer(mean_I, mean_I)
            a[y, x] = np.linalg.solve(sigma + eps * np.eye(c), cov)
            b[y, x] = mean_p - a[y, x] @ mean_I
    q = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            q[y, x] = a[window(y, x)].reshape(-1, c).mean(axis=0) @ g[y, x] + b[window(y, x)].mean()
    return q


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("radius, eps", [(1, 1e-3), (3, 1e-2), (4, 1e-5)])
def test_guided_filter_matches_the_loop_reference(channels, radius, eps):
    rng = np.random.default_rng(radius)
    guide = rng.random((13, 17, 3) if channels == 3 else (13, 17))
    src = rng.random((13, 17))
    ours = pp.guided_filter(guide, src, radius, eps)
    assert ours.shape == (13, 17) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, guided_filter_loops(guide, src, radius, eps), atol=1e-5)


def test_guided_filter_keeps_a_step_edge_that_a_gaussian_of_the_same_radius_blurs():
    step = np.zeros((32, 64), np.float32)
    step[:, 32:] = 1.0
    guide = np.clip(step * 0.8 + 0.1 + np.random.default_rng(2).normal(0, 0.01, step.shape), 0, 1)
    radius = 4
    guided = pp.guided_filter(guide, step, radius, 1e-3)
    gaussian = cv2.GaussianBlur(step, (2 * radius + 1, 2 * radius + 1), 0)
    err_guided, err_gauss = np.abs(guided - step).mean(), np.abs(gaussian - step).mean()
    assert err_guided < 0.25 * err_gauss, (err_guided, err_gauss)


def test_refinement_keeps_alpha_in_range_and_softens_only_near_edges(sample):
    hard = sample.alpha >= 0.5
    for alpha in (pp.refine_guided(sample.rgb, hard, 2, 1e-3), pp.feather(hard, 1.0)):
        assert alpha.dtype == np.float32 and 0 <= alpha.min() and alpha.max() <= 1
        far = ~pp.trimap(hard, 6).astype(bool) | (pp.trimap(hard, 6) == 1)
        assert np.abs(alpha[far] - hard[far]).max() < 0.05


# --- matting ---------------------------------------------------------------------------------------------

def test_matting_returns_alpha_in_range_equal_to_the_trimaps_known_regions(sample):
    tri = pp.trimap(sample.alpha >= 0.5, 3)
    alpha = pp.matting(sample.rgb, tri)
    assert alpha.shape == tri.shape and alpha.dtype == np.float32
    assert alpha.min() >= 0 and alpha.max() <= 1
    known = (tri == 0) | (tri == 1)
    assert np.array_equal(alpha[known], tri[known])
    band = tri == 0.5
    assert 0 < alpha[band].mean() < 1


def test_matting_recovers_a_soft_edge_between_two_colours():
    yy, xx = np.mgrid[:64, :64]
    truth = np.clip(20.5 - np.hypot(yy - 32, xx - 32), 0, 1).astype(np.float32)   # a disc, one-pixel soft edge
    a = truth[:, :, None]
    rgb = np.rint(a * [200, 40, 30] + (1 - a) * [30, 60, 190]).astype(np.uint8)
    alpha = pp.refine_matting(rgb, truth >= 0.5, radius=4)
    band = pp.trimap(truth >= 0.5, 4) == 0.5
    assert np.abs(alpha - truth)[band].max() < 0.05
    assert np.abs(alpha - truth).mean() < 0.1 * np.abs((truth >= 0.5) - truth).mean()


def test_matting_on_the_cropped_band_equals_matting_on_the_whole_image():
    import pymatting

    from course_lib import synth
    s = synth.make_sample(9, size=64, product="can", background="studio")
    tri = np.zeros((64, 64), np.float32)
    tri[20:44, 22:40] = 0.5
    tri[26:38, 27:35] = 1.0
    whole = pymatting.estimate_alpha_cf(s.rgb.astype(np.float64) / 255.0, tri.astype(np.float64))
    np.testing.assert_allclose(pp.matting(s.rgb, tri), whole, atol=1e-3)
    small = pp.matting(s.rgb, tri, max_pixels=200)          # downscaled: approximate, known pixels exact
    assert np.array_equal(small[tri != 0.5], tri[tri != 0.5])


# --- foreground, composite, export -------------------------------------------------------------------------

def green_screen(sample):
    """A product on pure green with its exact alpha, and the product colours F spread outward."""
    from scipy import ndimage
    opaque = sample.alpha >= 0.99
    nearest = ndimage.distance_transform_edt(~opaque, return_distances=False, return_indices=True)
    fore = sample.rgb[nearest[0], nearest[1]]
    a = sample.alpha[:, :, None]
    shot = np.rint(a * fore + (1 - a) * np.array([0, 255, 0])).astype(np.uint8)
    return shot, fore


def test_estimate_foreground_removes_the_old_background_from_edges(sample):
    shot, fore = green_screen(sample)
    estimate = pp.estimate_foreground(shot, sample.alpha)
    opaque = sample.alpha >= 1
    assert np.array_equal(estimate[opaque], shot[opaque])
    edge = (sample.alpha > 0.2) & (sample.alpha < 0.8)
    err_raw = np.abs(shot[edge].astype(float) - fore[edge]).mean()
    err_est = np.abs(estimate[edge].astype(float) - fore[edge]).mean()
    assert err_est < 0.5 * err_raw, (err_est, err_raw)


def test_save_cutout_writes_an_rgba_png(tmp_path, sample):
    alpha = pp.refine_guided(sample.rgb, sample.alpha >= 0.5, 1, 1e-3)
    path = pp.save_cutout(tmp_path / "cut.png", sample.rgb, alpha)
    rgb, back = imageio.load_rgba(path)
    assert np.abs(back - alpha).max() <= 0.5 / 255 + 1e-6
    opaque = alpha >= 1
    assert np.array_equal(rgb[opaque], sample.rgb[opaque])
    with pytest.raises(FileExistsError):
        pp.save_cutout(path, sample.rgb, alpha)


# --- bad inputs ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: pp.fill_holes(np.zeros((4, 4, 3), bool)), r"mask must be an H×W mask or alpha, got shape \(4, 4, 3\)"),
    (lambda: pp.fill_holes(np.full((4, 4), 255.0)), r"mask must lie in \[0, 1\].*255"),
    (lambda: pp.fill_holes(np.zeros((4, 4), bool), max_area=0), r"max_area must be a number in \(0.0, 1.0\], got 0"),
    (lambda: pp.keep_largest(np.zeros((4, 4), bool), connectivity=6), "connectivity must be 4 or 8, got 6"),
    (lambda: pp.trimap(np.zeros((4, 4), bool), radius=0), r"radius must be an integer >= 1, got 0"),
    (lambda: pp.guided_filter(np.zeros((4, 4)), np.zeros((4, 4)), 2, eps=0), r"eps must be a positive number, got 0"),
    (lambda: pp.guided_filter(np.zeros((4, 4)), np.zeros((4, 5)), 2), r"guide has shape \(4, 4\), but src is \(4, 5\)"),
    (lambda: pp.guided_filter(np.zeros((4, 4, 2)), np.zeros((4, 4)), 2), "guide must be an H×W grey or H×W×3"),
    (lambda: pp.refine_guided(np.zeros((4, 4, 3)), np.zeros((4, 4)), 1), "rgb must be an H×W×3 uint8 RGB image"),
    (lambda: pp.feather(np.zeros((4, 4), bool), sigma=-1), "sigma must be a positive number"),
    (lambda: pp.matting(np.zeros((8, 8, 3), np.uint8), np.full((8, 8), 0.5)),
     "tri needs both known product"),
    (lambda: Pipeline(["magic"]), "no step called 'magic'; the steps are"),
    (lambda: Pipeline([("closing", {"radius": 3})]), "step 'closing' has no parameter 'radius'"),
    (lambda: Pipeline([("closing", {"size": "5"})]), "step 'closing': size must be an integer"),
    (lambda: Pipeline.from_json('{"steps": []}'), "is not a saved pipeline"),
    (lambda: Pipeline.from_json('{"format": "course_lib.pipeline", "version": 9, "steps": []}'), "version 9"),
    (lambda: Pipeline.from_json("{nope"), "is not valid JSON"),
    (lambda: DEFAULT(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5))), r"raw has shape \(4, 5\)"),
])
def test_bad_inputs_raise_naming_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- the pipeline ----------------------------------------------------------------------------------------------

def test_pipeline_saved_and_loaded_gives_identical_output(tmp_path, sample):
    pipe = DEFAULT.then("feather", sigma=0.7)
    path = pipe.save(tmp_path / "chain.json")
    loaded = Pipeline.load(path)
    assert loaded == pipe and repr(loaded) == repr(pipe)
    raw = np.clip(sample.alpha + np.random.default_rng(5).normal(0, 0.3, sample.alpha.shape), 0, 1)
    assert np.array_equal(loaded(sample.rgb, raw), pipe(sample.rgb, raw))
    with pytest.raises(FileExistsError):
        pipe.save(path)


def test_pipeline_is_readable_and_fills_in_defaults():
    pipe = Pipeline(["fill_holes", ("closing", {"size": 7}), {"step": "guided_filter", "params": {"eps": 0.01}}])
    assert pipe[1] == Step("closing", {"size": 7, "shape": "ellipse"})
    assert "closing(size=7, shape='ellipse')" in repr(pipe) and "→" in repr(pipe)
    html = pipe._repr_html_()
    assert html.count("<tr>") == 4 and "guided_filter" in html and STEPS["fill_holes"].summary[:20] in html
    assert isinstance(pipe[:2], Pipeline) and len(pipe[:2]) == 2 and len(pipe + "feather") == 4


def test_pipeline_trace_and_after(sample):
    trace = DEFAULT.trace(sample.rgb, sample.alpha)
    assert [label for label, _ in trace][1:] == [s.label for s in DEFAULT]
    assert all(a.dtype == np.float32 and a.shape == sample.alpha.shape for _, a in trace)
    method = DEFAULT.after(lambda rgb: sample.alpha)
    assert np.array_equal(method(sample.rgb), trace[-1][1])


def test_ablation_runs_each_step_once_per_image_and_matches_the_prefixes(sample):
    from course_lib import evaluate
    from course_lib.datasets import Split
    calls = []
    segment = CachedSegmenter(lambda rgb: calls.append(1) or (rgb[:, :, 0] > 100))
    pipe = Pipeline(["opening", "fill_holes", ("guided_filter", {"radius": 1})])
    methods = ablation_methods(segment, pipe, name="red", alternatives=[("feather", {"sigma": 1.0})])
    assert list(methods) == ["red", "+ opening(size=3, shape='ellipse')", "+ fill_holes(max_area=None)",
                             "+ guided_filter(radius=1, eps=0.001)", "  feather(sigma=1.0) instead"]
    split = Split(sample.rgb[None], sample.alpha[None], np.array(["medium"]), [sample.meta], "one")
    rows = evaluate.evaluate_methods(methods, split, progress=False)
    assert len(calls) == 1 and not any(r["error"] for r in rows)
    raw = sample.rgb[:, :, 0] > 100
    assert np.array_equal(methods["+ fill_holes(max_area=None)"](sample.rgb), pipe[:2](sample.rgb, raw) > 0.5)
    table = ablation_table(rows)
    assert "red" in table and "MAE" in table and len(table.splitlines()) == 2 + len(methods)


def test_reference_segmenter_knows_only_its_split(sample):
    from course_lib.datasets import Split
    split = Split(sample.rgb[None], sample.alpha[None], np.array(["medium"]), [sample.meta], "one")
    segment = reference_segmenter(split)
    assert np.array_equal(segment(sample.rgb), sample.alpha >= 0.5)
    with pytest.raises(KeyError, match="not in split 'one'"):
        segment(np.zeros_like(sample.rgb))


# --- the slider panel -------------------------------------------------------------------------------------------

def test_panel_sliders_change_the_score_and_the_pipeline(sample):
    from course_lib.views.postprocess_panels import PostprocessPanel
    raw = np.clip(sample.alpha + np.random.default_rng(6).normal(0, 0.35, sample.alpha.shape), 0, 1)
    panel = PostprocessPanel(sample.rgb, raw, sample.alpha)
    assert panel.picture.value[:8] == b"\x89PNG\r\n\x1a\n" and "MAE" in panel.score.value
    before = panel.score.value
    panel.controls["open_size"].value = 1
    panel.controls["close_size"].value = 1
    assert panel.score.value != before
    assert [s.name for s in panel.pipeline()] == ["binarise", "fill_holes", "keep_largest", "guided_filter"]
    scores = set()
    for radius in (1, 4, 8):
        panel.controls["radius"].value = radius
        scores.add(panel.score.value)
    assert len(scores) == 3
    panel.controls["edge"].value = "matting"
    panel.controls["trimap_radius"].value = 3
    assert panel.pipeline()[-1] == Step("matting", {"radius": 3})
    assert np.array_equal(panel.alpha, panel.pipeline()(panel.rgb, panel.raw))
    assert "no ground truth" in PostprocessPanel(sample.rgb, raw).score.value

"""course_lib.synth_scenes: seeded, several objects anywhere, the object area spread out, exact alpha."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import synth_scenes


@pytest.fixture(scope="module")
def scenes():
    return [synth_scenes.make_scene(seed, size=64) for seed in range(80)]


def test_same_seed_same_bytes_and_different_seeds_differ():
    a, b = synth_scenes.make_scene(5, size=(48, 80)), synth_scenes.make_scene(5, size=(48, 80))
    assert a.rgb.shape == (48, 80, 3) and a.alpha.shape == (48, 80)
    assert np.array_equal(a.rgb, b.rgb) and np.array_equal(a.alpha, b.alpha)
    assert not np.array_equal(a.rgb, synth_scenes.make_scene(6, size=(48, 80)).rgb)


def test_alpha_is_a_valid_matte_and_matches_the_recorded_fraction(scenes):
    for s in scenes:
        assert s.alpha.dtype == np.float32 and 0 <= s.alpha.min() and s.alpha.max() <= 1
        assert abs(float(s.alpha.mean()) - s.meta["object_fraction"]) < 0.05    # camera blur moves it a little
        assert s.meta["n_objects"] == len(s.meta["objects"]) >= 1


def test_the_object_area_spans_small_to_large(scenes):
    fractions = np.array([s.meta["object_fraction"] for s in scenes])
    assert fractions.min() < 0.06 and fractions.max() > 0.45
    assert 0.02 <= fractions.min() and fractions.max() <= 0.9


def test_several_objects_cut_by_the_frame_and_real_colours_all_occur(scenes):
    counts = [s.meta["n_objects"] for s in scenes]
    assert 0.3 < np.mean(np.array(counts) == 1) < 0.75 and max(counts) >= 3
    objects = [o for s in scenes for o in s.meta["objects"]]
    assert any(o["cut_by_frame"] for o in objects) and not all(o["cut_by_frame"] for o in objects)
    share = np.mean([o["retextured"] for o in objects if o["kind"] != "glass"])
    assert 0.4 < share < 0.8, share


def test_objects_are_not_always_in_the_middle(scenes):
    """The old generator's shortcut: the product's centre was always near the frame's centre."""
    centres = []
    for s in scenes:
        ys, xs = np.nonzero(s.alpha > 0.5)
        if len(ys):
            centres.append((ys.mean() / 64, xs.mean() / 64))
    centres = np.array(centres)
    assert centres[:, 1].std() > 0.12 and centres[:, 0].std() > 0.12


def test_a_cutout_is_pasted_with_its_own_colours():
    rgb = np.zeros((40, 30, 3), np.uint8)
    rgb[..., 0] = 255                                     # a pure red object
    alpha = np.zeros((40, 30), np.float32)
    alpha[5:35, 5:25] = 1
    seen = []
    for seed in range(12):
        s = synth_scenes.make_scene(seed, size=96, n_objects=1, cutouts=[(rgb, alpha)], background="studio")
        if s.meta["objects"][0]["kind"] == "cutout":
            inside = s.alpha > 0.9
            seen.append(s.rgb[inside].mean(axis=0))
    assert seen, "half of the objects should be cut-outs when some are given"
    for colour in seen:
        assert colour[0] > 150 and colour[1] < 80 and colour[2] < 80


def test_the_floor_background_is_a_textured_plane():
    s = synth_scenes.make_scene(3, size=96, background="floor", n_objects=1)
    back = s.rgb[s.alpha < 0.01].astype(np.float32)
    assert back.std() > 8                                  # a texture, not a flat colour


@pytest.mark.parametrize("kwargs, message", [
    ({"n_objects": 0}, "n_objects"), ({"n_objects": 2.5}, "n_objects"), ({"background": "moon"}, "background"),
    ({"retexture_share": 1.5}, "retexture_share"), ({"size": 8}, "at least 16"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        synth_scenes.make_scene(0, **{"size": 32, **kwargs})


def test_large_single_objects_when_asked_and_old_recipes_unchanged():
    from course_lib.synth_scenes import training_pair

    big = synth_scenes.make_scene(4, size=64, n_objects=1, fraction_range=(0.5, 0.6))
    assert big.meta["n_objects"] == 1 and big.meta["object_fraction"] > 0.3
    with pytest.raises(ValueError, match="fraction_range"):
        synth_scenes.make_scene(0, size=32, fraction_range=(0.5, 0.1))
    for seed in range(6):                          # large_share=0 draws nothing extra: the old stream, byte for byte
        assert np.array_equal(training_pair(seed, 32)[0], training_pair(seed, 32, 0.7, 0.0)[0])
    fractions = [training_pair(seed, 48, 1.0, 1.0)[1].mean() for seed in range(8)]
    assert min(fractions) > 0.15

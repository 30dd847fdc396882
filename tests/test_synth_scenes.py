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


def _stamp(colour, h=40, w=30):
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[...] = colour
    alpha = np.zeros((h, w), np.float32)
    alpha[4:h - 4, 4:w - 4] = 1
    return rgb, alpha


def _surface(colour, side=120, seed=0):
    noise = np.random.default_rng(seed).integers(-40, 40, (side, side, 3))
    return np.clip(np.asarray(colour) + noise, 0, 255).astype(np.uint8)


def test_real_parts_switched_off_draw_the_original_scenes():
    off = synth_scenes.RealParts()                  # no pictures, every share 0
    for seed in range(6):
        a, b = synth_scenes.make_scene(seed, size=48), synth_scenes.make_scene(seed, size=48, parts=off)
        assert np.array_equal(a.rgb, b.rgb) and np.array_equal(a.alpha, b.alpha)
        assert np.array_equal(synth_scenes.training_pair(seed, 32)[0],
                              synth_scenes.training_pair(seed, 32, parts=off)[0])


def test_a_busy_background_is_labelled_background_and_defocused():
    parts = synth_scenes.RealParts(cutouts=(_stamp((255, 0, 0)),), backgrounds=(_surface((0, 160, 0)),))
    s = synth_scenes.make_scene(1, size=96, background="busy", n_objects=1, parts=parts,
                                fraction_range=(0.05, 0.06))
    assert s.meta["background"] == "busy" and s.meta["n_objects"] == 1
    assert 0.03 < s.alpha.mean() < 0.08, "the clutter stamps must not be labelled object"
    green, sharp = s.rgb[..., 1].astype(np.float32), _surface((0, 160, 0))[..., 1].astype(np.float32)
    background = (s.alpha[:, 1:] < 0.01) & (s.alpha[:, :-1] < 0.01)
    step = np.abs(np.diff(green, axis=1))[background].mean()          # how much neighbours differ
    assert step < 0.6 * np.abs(np.diff(sharp, axis=1)).mean(), "a busy background is defocused"
    with pytest.raises(ValueError, match="busy"):
        synth_scenes.make_scene(1, size=32, background="busy")
    with pytest.raises(ValueError, match="backgrounds and cutouts"):
        synth_scenes.RealParts(busy_share=0.5)


def test_busy_share_draws_busy_scenes():
    parts = synth_scenes.RealParts(cutouts=(_stamp((255, 0, 0)),), backgrounds=(_surface((0, 160, 0)),),
                                   busy_share=1.0)
    assert {synth_scenes.make_scene(seed, size=32, parts=parts).meta["background"] for seed in range(4)} == {"busy"}


def test_objects_take_colours_from_real_stamps_never_from_surfaces():
    parts = synth_scenes.RealParts(cutouts=(_stamp((0, 0, 255)),))       # a pure blue object
    retextured = []
    for seed in range(40):
        s = synth_scenes.make_scene(seed, size=64, n_objects=1, parts=parts, retexture_share=1.0, background="studio")
        if s.meta["objects"] and s.meta["objects"][0]["kind"] not in ("cutout", "glass"):
            retextured.append(s.rgb[s.alpha > 0.95].astype(np.float32).mean(axis=0))
    assert retextured
    for colour in retextured:                       # the stamp's blue, shaded; never brick, grass or gravel
        assert colour[2] > colour[0] + 30 and colour[2] > colour[1] + 30


def test_harmonise_moves_an_object_towards_its_scene_cast():
    rng = np.random.default_rng(0)
    grey = np.full((20, 20, 3), 0.5, np.float32)
    alpha = np.ones((20, 20), np.float32)
    warm = np.zeros((20, 20, 3), np.float32) + np.float32([0.8, 0.4, 0.2])
    out = synth_scenes.harmonise(rng, grey, alpha, warm)
    assert out[..., 0].mean() > 0.5 > out[..., 2].mean()


def test_centred_scenes_hold_one_whole_object_in_the_middle():
    parts = synth_scenes.RealParts(cutouts=(_stamp((200, 200, 0)),), centred_share=1.0)
    for seed in range(6):
        rgb, alpha = synth_scenes.training_pair(seed, 64, scene_share=1.0, parts=parts)
        ys, xs = np.nonzero(alpha > 0.5)
        assert len(ys) and 0.1 * 64 * 64 * 0.5 < (alpha > 0.5).sum() < 0.75 * 64 * 64
        assert ys.min() > 0 and xs.min() > 0 and ys.max() < 63 and xs.max() < 63, "the object is whole"
        assert abs(ys.mean() - 32) < 14 and abs(xs.mean() - 32) < 14

"""course_lib.synth: deterministic, exact alpha, every kind reachable, shadows at alpha 0."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import synth
from course_lib.synth_backgrounds import BACKGROUND_KINDS
from course_lib.synth_products import PRODUCT_KINDS


def test_same_seed_same_bytes():
    a, b = synth.make_sample(123, size=96), synth.make_sample(123, size=96)
    assert a.rgb.tobytes() == b.rgb.tobytes()
    assert a.alpha.tobytes() == b.alpha.tobytes()
    assert a.meta == b.meta


def test_different_seeds_differ():
    a, b = synth.make_sample(1, size=96), synth.make_sample(2, size=96)
    assert not np.array_equal(a.rgb, b.rgb)


def test_generator_argument_is_accepted_and_advances():
    rng = np.random.default_rng(5)
    a, b = synth.make_sample(rng, size=64), synth.make_sample(rng, size=64)
    assert a.meta["seed"] is None and not np.array_equal(a.rgb, b.rgb)


@pytest.mark.parametrize("size", [64, (80, 120)])
def test_types_shapes_and_ranges(size):
    s = synth.make_sample(9, size=size)
    h, w = (size, size) if isinstance(size, int) else size
    assert s.rgb.shape == (h, w, 3) and s.rgb.dtype == np.uint8
    assert s.alpha.shape == (h, w) and s.alpha.dtype == np.float32
    assert s.alpha.min() >= 0.0 and s.alpha.max() <= 1.0
    assert s.meta["difficulty"] in synth.DIFFICULTIES


def test_outline_alpha_is_fractional():
    for seed in range(5):
        s = synth.make_sample(seed, size=96, product="box", background="paper")
        soft = (s.alpha > 0.02) & (s.alpha < 0.98)
        assert soft.sum() >= 20, "anti-aliased outline must have fractional alpha"
        assert (s.alpha == 1.0).sum() > 100 and (s.alpha == 0.0).sum() > 100


def test_glass_is_partly_transparent():
    s = synth.make_sample(3, size=128, product="glass", difficulty="medium")
    inside = s.alpha[(s.alpha > 0.1)]
    assert np.median(inside) < 0.9, "a glass body must be see-through, not opaque"


def test_shadow_darkens_the_background_but_has_alpha_zero():
    for seed in range(8):
        s = synth.make_sample(seed, size=128, difficulty="medium", background="paper")
        from scipy import ndimage
        near_product = ndimage.binary_dilation(s.alpha > 0, iterations=4)
        shadow_only = (s.shadow > 0.05) & ~near_product
        assert shadow_only.sum() > 0, f"seed {seed}: expected a visible shadow outside the product"
        assert np.all(s.alpha[shadow_only] == 0.0)


def test_mug_handle_has_a_hole():
    from scipy import ndimage
    for seed in range(6):
        s = synth.make_sample(seed, size=128, product="mug", background="studio")
        solid = s.alpha > 0.5
        holes = ndimage.binary_fill_holes(solid) & ~solid
        if holes.sum() >= 4:
            return
    pytest.fail("no mug had background visible through its handle")


@pytest.mark.parametrize("product", PRODUCT_KINDS)
def test_every_product_kind_renders(product):
    s = synth.make_sample(11, size=64, product=product, difficulty="hard")
    assert s.meta["product"] == product and (s.alpha > 0.5).mean() > 0.03


@pytest.mark.parametrize("background", BACKGROUND_KINDS)
def test_every_background_kind_renders(background):
    s = synth.make_sample(12, size=64, background=background)
    assert s.meta["background"] == background


def test_random_sampling_reaches_every_kind_and_difficulty():
    seen = {"product": set(), "background": set(), "difficulty": set()}
    for seed in range(300):
        meta = synth.make_sample(seed, size=32).meta
        for key in seen:
            seen[key].add(meta[key])
    assert seen["product"] == set(PRODUCT_KINDS)
    assert seen["background"] == set(BACKGROUND_KINDS)
    assert seen["difficulty"] == set(synth.DIFFICULTIES)


def test_white_on_white_is_a_hard_case():
    s = synth.make_sample(4, size=64, difficulty="hard", background="studio")
    assert s.meta["white_on_white"] and s.meta["contrast"] < 0.25


@pytest.mark.parametrize("kwargs, match", [
    ({"size": 0}, "size"), ({"size": (10, 64)}, "size"), ({"size": "big"}, "size"),
    ({"difficulty": "brutal"}, "difficulty='brutal'"), ({"product": "toaster"}, "product='toaster'"),
    ({"background": "space"}, "background='space'"),
])
def test_bad_arguments_name_the_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synth.make_sample(0, **{"size": 64, **kwargs})


def test_bad_seed_is_refused():
    with pytest.raises(ValueError, match="seed_or_rng"):
        synth.make_sample(-1)

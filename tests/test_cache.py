"""course_lib.cache: results keyed by an image's bytes, computed once, the oldest forgotten first."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.cache import ImageCache, image_key


def test_the_key_follows_the_pixels_not_the_object():
    a = np.zeros((3, 4, 3), np.uint8)
    assert image_key(a) == image_key(a.copy())
    b = a.copy()
    b[0, 0, 0] = 1
    assert image_key(a) != image_key(b)
    assert image_key(a) != image_key(a.astype(np.float32))            # same values, other dtype
    assert image_key(a) != image_key(a.reshape(4, 3, 3))              # same bytes, other shape


def test_each_image_is_computed_once_and_the_oldest_is_evicted():
    calls = []
    cache = ImageCache(max_items=2)
    images = [np.full((2, 2, 3), v, np.uint8) for v in range(3)]

    def compute(im):
        calls.append(int(im[0, 0, 0]))
        return int(im[0, 0, 0]) * 10

    assert [cache.get(im, compute) for im in images[:2]] == [0, 10]
    assert cache.get(images[0].copy(), compute) == 0 and calls == [0, 1]   # a look-up, not a computation
    cache.get(images[2], compute)                                          # full: the oldest (image 0) goes
    assert images[0] not in cache and images[1] in cache and images[2] in cache and len(cache) == 2
    cache.get(images[0], compute)
    assert calls == [0, 1, 2, 0]


def test_max_items_must_be_positive():
    with pytest.raises(ValueError, match="max_items"):
        ImageCache(0)

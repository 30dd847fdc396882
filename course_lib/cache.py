"""Remember a result per image: keyed by the image's bytes, the oldest forgotten first.

The comparison tables, the studio and the ablations call a slow segmenter (the
U-Net, GrabCut) one image at a time, often on the same image again. An
:class:`ImageCache` keys each result by :func:`image_key` — the image's shape
and a hash of its bytes, so an edited photo is computed anew — and holds at
most ``max_items`` results, forgetting the oldest, so a long session stays small.

>>> import numpy as np
>>> cache = ImageCache(max_items=2)
>>> images = [np.full((2, 2, 3), v, np.uint8) for v in (0, 1, 2)]
>>> [cache.get(im, lambda im: int(im[0, 0, 0])) for im in images]
[0, 1, 2]
>>> images[0] in cache, images[1] in cache, len(cache)       # the oldest went first
(False, True, 2)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["image_key", "ImageCache"]


def image_key(image) -> tuple:
    """Return ``(shape, sha1 of the bytes)``: equal for two arrays with the same shape, dtype and pixels."""
    image = np.ascontiguousarray(image)
    return image.shape, str(image.dtype), hashlib.sha1(image.tobytes()).hexdigest()


class ImageCache:
    """A bounded mapping ``image -> result``, keyed by :func:`image_key`; the oldest entry is evicted first."""

    def __init__(self, max_items: int = 1024):
        if not isinstance(max_items, int) or max_items < 1:
            raise ValueError(f"max_items must be a positive int, got {max_items!r}")
        self.max_items = max_items
        self._results: dict[tuple, Any] = {}

    def __contains__(self, image) -> bool:
        return image_key(image) in self._results

    def __len__(self) -> int:
        return len(self._results)

    def put(self, image, result) -> None:
        """Store ``result`` for ``image``, first forgetting the oldest entry if the cache is full."""
        key = image_key(image)
        if key not in self._results and len(self._results) >= self.max_items:
            self._results.pop(next(iter(self._results)))
        self._results[key] = result

    def get(self, image, compute: Callable[[np.ndarray], Any]) -> Any:
        """Return the stored result for ``image``, computing and storing ``compute(image)`` if there is none."""
        key = image_key(image)
        if key not in self._results:
            self.put(image, compute(image))
        return self._results[key]

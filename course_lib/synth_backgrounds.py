"""Backgrounds for the synthetic product photos: studio sweeps to cluttered tabletops.

Every function takes a ``numpy.random.Generator`` and a size and returns an
``H×W×3 float32`` image in [0, 1]. Real textures and photos come from images
that scikit-image ships inside its wheel (no download).

Examples
--------
>>> rng = np.random.default_rng(0)
>>> back = make_background("clutter", rng, 48, 64)
>>> back.shape, back.dtype, bool(0 <= back.min() and back.max() <= 1)
((48, 64, 3), dtype('float32'), True)
>>> red = (0.8, 0.1, 0.1)                  # only "matched" uses the product's colour
>>> sorted({make_background(kind, rng, 16, 24, product_colour=red).shape for kind in BACKGROUND_KINDS})
[(16, 24, 3)]
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

__all__ = ["BACKGROUND_KINDS", "TEXTURE_NAMES", "PHOTO_NAMES", "skimage_image", "make_background", "random_crop",
           "studio", "gradient", "paper", "texture", "photo", "clutter", "matched"]

BACKGROUND_KINDS = ("studio", "gradient", "paper", "texture", "photo", "clutter", "matched")
"""Background kinds; ``matched`` takes its colour from the product (see :func:`matched`)."""

TEXTURE_NAMES = ("brick", "grass", "gravel")
"""scikit-image's bundled textures that the ``texture`` backgrounds crop (grey, tinted here)."""
PHOTO_NAMES = ("coffee", "chelsea", "astronaut", "rocket", "motorcycle_left", "hubble_deep_field")
"""scikit-image's bundled photos that the ``photo`` backgrounds crop: training data, so never a holdout scene."""


@cache
def skimage_image(name: str) -> np.ndarray:
    """Return a bundled scikit-image picture as float32 H×W×3 in [0, 1] (cached)."""
    from skimage import data

    image = data.stereo_motorcycle()[0] if name == "motorcycle_left" else getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image[:, :, :3].astype(np.float32) / 255.0


def random_crop(rng: np.random.Generator, image: np.ndarray, h: int, w: int,
                min_fraction: float = 0.35) -> np.ndarray:
    """Return a random crop of ``image`` (at least ``min_fraction`` of its short side) resized to h×w."""
    ih, iw = image.shape[:2]
    side = int(min(ih, iw) * rng.uniform(min_fraction, 1.0))
    ch, cw = side, min(iw, int(side * w / h))
    y = int(rng.integers(0, ih - ch + 1))
    x = int(rng.integers(0, iw - cw + 1))
    crop = image[y:y + ch, x:x + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)


def _linear_ramp(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Return an h×w ramp from 0 to 1 along a random direction."""
    angle = rng.uniform(0, 2 * np.pi)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    t = np.cos(angle) * x / max(w - 1, 1) + np.sin(angle) * y / max(h - 1, 1)
    return (t - t.min()) / max(float(t.max() - t.min()), 1e-6)


def studio(rng: np.random.Generator, h: int, w: int, tone: float | None = None) -> np.ndarray:
    """Return a light studio sweep: near-white, brighter at the top, with vignetting."""
    tone = rng.uniform(0.86, 0.99) if tone is None else tone
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    sweep = tone - rng.uniform(0.02, 0.10) * (y / h) ** 1.5
    r2 = ((x - w / 2) / (w / 2)) ** 2 + ((y - h * 0.45) / (h / 2)) ** 2
    vignette = 1.0 - rng.uniform(0.03, 0.15) * np.clip(r2, 0, 2) / 2
    tint = 1.0 + rng.uniform(-0.02, 0.02, size=3).astype(np.float32)
    return np.clip((sweep * vignette)[:, :, None] * tint, 0, 1).astype(np.float32)


def gradient(rng: np.random.Generator, h: int, w: int, colours=None, gentle: bool = False) -> np.ndarray:
    """Return a smooth two-colour gradient at a random angle (``gentle``: two close colours)."""
    if colours is not None:
        c0, c1 = colours
    elif gentle:
        c0 = rng.uniform(0.15, 0.95, size=3)
        c1 = np.clip(c0 + rng.normal(0, 0.08, size=3), 0, 1)
    else:
        c0, c1 = rng.uniform(0.15, 0.95, size=(2, 3))
    t = _linear_ramp(rng, h, w)[:, :, None]
    return ((1 - t) * np.asarray(c0, np.float32) + t * np.asarray(c1, np.float32)).astype(np.float32)


def paper(rng: np.random.Generator, h: int, w: int, colour=None) -> np.ndarray:
    """Return coloured paper: a flat colour with faint fibres and a soft light falloff."""
    colour = rng.uniform(0.1, 0.95, size=3) if colour is None else np.asarray(colour)
    fibres = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.2)
    fibres = fibres / (np.abs(fibres).max() + 1e-6) * rng.uniform(0.01, 0.04)
    light = 1.0 - rng.uniform(0.0, 0.12) * _linear_ramp(rng, h, w)
    out = colour.astype(np.float32)[None, None, :] * light[:, :, None] + fibres[:, :, None]
    return np.clip(out, 0, 1).astype(np.float32)


def texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Return a real texture (brick, grass or gravel from scikit-image), tinted and cropped."""
    name = TEXTURE_NAMES[int(rng.integers(len(TEXTURE_NAMES)))]
    grey = random_crop(rng, skimage_image(name), h, w)
    tint = rng.uniform(0.35, 1.0, size=3).astype(np.float32)
    contrast = rng.uniform(0.6, 1.1)
    mean = grey.mean()
    out = (mean + (grey - mean) * contrast) * tint * rng.uniform(0.8, 1.25)
    return np.clip(out, 0, 1).astype(np.float32)


def photo(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Return a crop of a real photo used as a backdrop (scikit-image's bundled photos)."""
    name = PHOTO_NAMES[int(rng.integers(len(PHOTO_NAMES)))]
    crop = random_crop(rng, skimage_image(name), h, w, min_fraction=0.3)
    blur = rng.uniform(0.0, 1.5)  # backdrops are often slightly out of focus
    if blur > 0.3:
        crop = cv2.GaussianBlur(crop, (0, 0), blur)
    return crop.astype(np.float32)


def clutter(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Return a tabletop (wood-like streaks) with distractor objects: cups, boxes, papers."""
    base = rng.uniform(0.35, 0.8, size=3).astype(np.float32) * np.array([1.0, 0.8, 0.6], np.float32)
    streaks = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), sigmaX=w / 6, sigmaY=0.8)
    streaks = streaks / (np.abs(streaks).max() + 1e-6)
    table = base[None, None, :] * (1 + 0.18 * streaks[:, :, None])
    wall_line = int(h * rng.uniform(0.0, 0.35))  # the back wall behind the table
    if wall_line > 0:
        table[:wall_line] = rng.uniform(0.5, 0.95, size=3).astype(np.float32)
    canvas = np.ascontiguousarray(table)
    for _ in range(int(rng.integers(4, 9))):
        colour = tuple(float(c) for c in rng.uniform(0.05, 0.98, size=3))
        cx, cy = int(rng.integers(-w // 8, w + w // 8)), int(rng.integers(0, h))
        size = int(rng.integers(max(3, w // 12), max(4, w // 4)))
        shape = rng.integers(3)
        if shape == 0:
            cv2.ellipse(canvas, (cx, cy), (size, int(size * rng.uniform(0.4, 1.0))), float(rng.uniform(0, 180)),
                        0, 360, colour, -1, cv2.LINE_AA)
        elif shape == 1:
            box = cv2.boxPoints(((cx, cy), (size * 1.6, size * rng.uniform(0.5, 1.2)), float(rng.uniform(0, 90))))
            cv2.fillPoly(canvas, [box.astype(np.int32)], colour, cv2.LINE_AA)
        else:
            end = (cx + int(rng.integers(-w // 2, w // 2)), cy + int(rng.integers(-h // 4, h // 4)))
            cv2.line(canvas, (cx, cy), end, colour, max(1, size // 4), cv2.LINE_AA)
    canvas = cv2.GaussianBlur(canvas, (0, 0), rng.uniform(0.6, 2.0))  # distractors sit out of focus
    return np.clip(canvas, 0, 1).astype(np.float32)


def matched(rng: np.random.Generator, h: int, w: int, product_colour) -> np.ndarray:
    """Return a background whose colour is close to ``product_colour`` (the hard case)."""
    colour = np.clip(np.asarray(product_colour, np.float32) + rng.normal(0, 0.05, size=3), 0, 1)
    if rng.random() < 0.5:
        return paper(rng, h, w, colour)
    other = np.clip(colour + rng.normal(0, 0.08, size=3), 0, 1)
    return gradient(rng, h, w, (colour, other))


def make_background(kind: str, rng: np.random.Generator, h: int, w: int, product_colour=None,
                    gentle: bool = False) -> np.ndarray:
    """Return an ``H×W×3 float32`` background of the named kind (``gentle``: a gradient of close colours)."""
    if kind == "matched":
        if product_colour is None:
            raise ValueError("background 'matched' needs product_colour")
        return matched(rng, h, w, product_colour)
    if kind == "gradient":
        return gradient(rng, h, w, gentle=gentle)
    builders = {"studio": studio, "gradient": gradient, "paper": paper, "texture": texture,
                "photo": photo, "clutter": clutter}
    if kind not in builders:
        raise ValueError(f"background={kind!r} is not one of {BACKGROUND_KINDS}")
    return builders[kind](rng, h, w)

"""Synthetic product photos with exact alpha: the data every score in the course is computed on.

Nothing is downloaded: a seeded generator paints a product (bottle, can, mug,
box, book, phone, shoe, bag, watch or a partly transparent glass) at high
resolution, downsamples it so the outline gets fractional alpha, casts its
shadow onto a background (studio sweep, gradient, paper, real texture, photo,
cluttered table, or a colour matched to the product), composites
``out = α·F + (1 − α)·B``, and adds camera effects (light falloff, blur, noise,
JPEG). The shadow darkens the background only, so it has alpha 0 — the case
thresholds get wrong.

Difficulty is chosen first and decides the background kind and how far the
product's colour is from the background's:

- ``easy``: studio, gradient or paper backgrounds, strong colour contrast, soft shadows;
- ``medium``: real textures, paper or gradients with moderate contrast, stronger shadows,
  glass allowed;
- ``hard``: cluttered tables, photo backdrops, colour-matched backgrounds and
  white products on white.

>>> s = make_sample(7, size=64)
>>> s.rgb.shape, s.rgb.dtype, s.alpha.dtype, s.meta["difficulty"] in DIFFICULTIES
((64, 64, 3), dtype('uint8'), dtype('float32'), True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from course_lib.synth_backgrounds import BACKGROUND_KINDS, make_background
from course_lib.synth_products import PRODUCT_KINDS, render_product

__all__ = ["DIFFICULTIES", "GENERATOR_VERSION", "BACKGROUNDS_BY_DIFFICULTY", "Sample", "cast_shadow", "camera_effects",
           "make_sample"]

DIFFICULTIES = ("easy", "medium", "hard")
"""Difficulty levels, in order."""

GENERATOR_VERSION = 2
"""Bumped whenever the pictures change, so cached datasets are rebuilt."""

BACKGROUNDS_BY_DIFFICULTY = {
    "easy": ("studio", "gradient", "paper"),
    "medium": ("texture", "paper", "gradient", "studio"),
    "hard": ("clutter", "photo", "matched", "studio"),
}
"""Which background kinds each difficulty draws from (``studio`` in ``hard`` means white on white)."""

_DEFAULT_DIFFICULTY = {"studio": "easy", "gradient": "easy", "paper": "easy", "texture": "medium",
                       "photo": "hard", "clutter": "hard", "matched": "hard"}
# colour distance (RGB, 0..√3) and brightness difference (luma, 0..1) between the product and the
# background's mean that each difficulty asks for: easy products stand out even in grey
_CONTRAST = {"easy": (0.55, 2.0), "medium": (0.25, 0.6), "hard": (0.0, 2.0)}
_LUMA_GAP = {"easy": (0.3, 1.0), "medium": (0.05, 0.3), "hard": (0.0, 1.0)}
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass
class Sample:
    """One synthetic photo and its ground truth.

    Attributes
    ----------
    rgb : H×W×3 uint8
        The photo, RGB.
    alpha : H×W float32 in [0, 1]
        Exact alpha matte: 1 product, 0 background, fractional on outlines and glass.
    shadow : H×W float32 in [0, 1]
        How much the shadow darkened the background (alpha is 0 wherever only shadow is).
    meta : dict
        ``seed``, ``product``, ``background``, ``difficulty``, ``contrast`` and the
        photometric settings, enough to describe the sample in a gallery.
    """

    rgb: np.ndarray
    alpha: np.ndarray
    shadow: np.ndarray
    meta: dict = field(default_factory=dict)


def _as_rng(seed_or_rng) -> tuple[np.random.Generator, int | None]:
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng, None
    if isinstance(seed_or_rng, (int, np.integer)) and not isinstance(seed_or_rng, bool) and seed_or_rng >= 0:
        return np.random.default_rng(int(seed_or_rng)), int(seed_or_rng)
    raise ValueError(f"seed_or_rng must be a non-negative int or a numpy Generator, got {seed_or_rng!r}")


def _as_size(size) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)):
        size = (int(size), int(size))
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be an int or (height, width), got {size!r}") from None
    if h < 16 or w < 16 or h > 2048 or w > 2048:
        raise ValueError(f"size must be between 16 and 2048 pixels per side, got {size!r}")
    return h, w


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _product_colour(rng: np.random.Generator, background_mean: np.ndarray, difficulty: str,
                    white_on_white: bool) -> np.ndarray:
    """Return a product colour whose distance from the background fits the difficulty."""
    if white_on_white:
        return np.clip(np.array([0.95, 0.95, 0.94]) + rng.normal(0, 0.015, 3), 0, 1).astype(np.float32)
    lo, hi = _CONTRAST[difficulty]
    luma_lo, luma_hi = _LUMA_GAP[difficulty]
    best, best_gap = None, np.inf
    for _ in range(80):
        colour = rng.uniform(0.03, 0.97, 3)
        if rng.random() < 0.3:  # some saturated colours, as product photos have
            colour[int(rng.integers(3))] = rng.uniform(0.0, 0.15)
        d = float(np.linalg.norm(colour - background_mean))
        luma = float(abs(_LUMA @ (colour - background_mean)))
        if lo <= d <= hi and luma_lo <= luma <= luma_hi:
            return colour.astype(np.float32)
        gap = max(lo - d, d - hi, 0) + max(luma_lo - luma, luma - luma_hi, 0)
        if gap < best_gap:
            best, best_gap = colour, gap
    return best.astype(np.float32)


def cast_shadow(rng: np.random.Generator, alpha: np.ndarray, strength: float) -> np.ndarray:
    """Return the shadow map: a contact shadow under the product plus a blurred cast shadow."""
    h, w = alpha.shape
    ys, xs = np.nonzero(alpha > 0.5)
    if len(ys) == 0:
        return np.zeros_like(alpha)
    bottom, left, right = ys.max(), xs.min(), xs.max()
    contact = np.zeros_like(alpha)
    cv2.ellipse(contact, (int((left + right) / 2), int(bottom)), (max(2, int((right - left) * 0.55)),
                max(1, int(h * 0.025))), 0, 0, 360, 1.0, -1)
    contact = cv2.GaussianBlur(contact, (0, 0), max(1.0, h * 0.015))
    dx = rng.uniform(-0.25, 0.25) * (right - left)
    shear = rng.uniform(-0.8, 0.8)
    squash = rng.uniform(0.15, 0.45)
    # flatten the silhouette onto the floor: rows above the base are pushed down and sideways
    matrix = np.float32([[1, shear * squash, dx - shear * squash * bottom],
                         [0, squash, (1 - squash) * bottom]])
    cast = cv2.warpAffine(alpha, matrix, (w, h), flags=cv2.INTER_LINEAR)
    cast = cv2.GaussianBlur(cast, (0, 0), max(1.0, h * rng.uniform(0.01, 0.04)))
    shadow = np.clip(0.9 * contact + rng.uniform(0.4, 0.9) * cast, 0, 1) * strength
    return shadow.astype(np.float32)


def camera_effects(rng: np.random.Generator, rgb: np.ndarray, alpha: np.ndarray, meta: dict
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Apply light falloff, lens blur (to rgb and alpha alike), sensor noise and JPEG; return (uint8, alpha)."""
    h, w = alpha.shape
    falloff = rng.uniform(0.0, 0.22)
    angle = rng.uniform(0, 2 * np.pi)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (np.cos(angle) * x / w + np.sin(angle) * y / h)
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
    rgb = rgb * (1.0 - falloff * ramp)[:, :, None]
    blur = rng.uniform(0.3, 0.9) if rng.random() < 0.4 else 0.0
    if blur > 0:
        rgb = cv2.GaussianBlur(rgb, (0, 0), blur)
        alpha = cv2.GaussianBlur(alpha, (0, 0), blur)  # a defocused outline is a softer alpha
    noise = rng.uniform(0.0, 0.025)
    rgb = rgb + rng.normal(0, noise, rgb.shape).astype(np.float32)
    out = np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)
    quality = int(rng.integers(55, 96)) if rng.random() < 0.7 else None
    if quality is not None:
        ok, buffer = cv2.imencode(".jpg", out[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
        out = cv2.imdecode(buffer, cv2.IMREAD_COLOR)[:, :, ::-1].copy()
    meta.update(light_falloff=round(falloff, 3), blur=round(blur, 3), noise=round(noise, 4), jpeg_quality=quality)
    return out, np.clip(alpha, 0, 1).astype(np.float32)


def make_sample(seed_or_rng, size=256, difficulty: str | None = None, *, product: str | None = None,
                background: str | None = None) -> Sample:
    """Return one synthetic product photo with its exact alpha.

    Parameters
    ----------
    seed_or_rng : int or numpy.random.Generator
        Same seed, same bytes.
    size : int or (height, width)
        Output size in pixels (16 to 2048 per side).
    difficulty : {"easy", "medium", "hard"}, optional
        Drawn at random when not given (or implied by ``background``).
    product : one of PRODUCT_KINDS, optional
        Force a product kind (drawn at random otherwise).
    background : one of BACKGROUND_KINDS, optional
        Force a background kind (drawn from the difficulty's kinds otherwise).

    Examples
    --------
    >>> s = make_sample(3, size=(48, 64), product="mug", background="paper")
    >>> s.rgb.shape, s.alpha.shape, s.shadow.dtype, s.meta["product"], s.meta["difficulty"]
    ((48, 64, 3), (48, 64), dtype('float32'), 'mug', 'easy')
    >>> bool(s.alpha.min() == 0 and s.alpha.max() == 1)       # background and solid product
    True
    >>> np.array_equal(s.rgb, make_sample(3, size=(48, 64), product="mug", background="paper").rgb)
    True
    """
    rng, seed = _as_rng(seed_or_rng)
    h, w = _as_size(size)
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty={difficulty!r} is not one of {DIFFICULTIES}")
    if product is not None and product not in PRODUCT_KINDS:
        raise ValueError(f"product={product!r} is not one of {PRODUCT_KINDS}")
    if background is not None and background not in BACKGROUND_KINDS:
        raise ValueError(f"background={background!r} is not one of {BACKGROUND_KINDS}")

    if difficulty is None:
        difficulty = _DEFAULT_DIFFICULTY[background] if background else _pick(rng, DIFFICULTIES)
    if background is None:
        background = _pick(rng, BACKGROUNDS_BY_DIFFICULTY[difficulty])
    if product is None:
        kinds = PRODUCT_KINDS if difficulty != "easy" else tuple(k for k in PRODUCT_KINDS if k != "glass")
        product = _pick(rng, kinds)
    white_on_white = difficulty == "hard" and background == "studio"

    # the background's mean colour steers the product colour (except for "matched", which follows the product)
    if background == "matched":
        back_mean = rng.uniform(0.1, 0.9, 3).astype(np.float32)
        colour = _product_colour(rng, back_mean, "hard", False)
        back = make_background("matched", rng, h, w, product_colour=colour)
    else:
        back = make_background(background, rng, h, w, gentle=difficulty == "easy")
        back_mean = back.reshape(-1, 3).mean(axis=0)
        colour = _product_colour(rng, back_mean, difficulty, white_on_white)

    fore, alpha = render_product(product, rng, h, w, colour)
    strength = {"easy": rng.uniform(0.08, 0.25), "medium": rng.uniform(0.3, 0.6),
                "hard": rng.uniform(0.2, 0.6)}[difficulty]
    shadow = cast_shadow(rng, alpha, strength)
    back = back * (1.0 - shadow)[:, :, None]
    composite = alpha[:, :, None] * fore + (1.0 - alpha[:, :, None]) * back
    meta = {"seed": seed, "product": product, "background": background, "difficulty": difficulty,
            "white_on_white": white_on_white, "product_colour": [round(float(c), 3) for c in colour],
            "contrast": round(float(np.linalg.norm(colour - back_mean)), 3),
            "shadow_strength": round(float(strength), 3)}
    rgb, alpha = camera_effects(rng, composite.astype(np.float32), alpha, meta)
    return Sample(rgb=rgb, alpha=alpha, shadow=shadow, meta=meta)

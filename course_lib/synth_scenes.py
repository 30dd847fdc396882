"""Domain-randomised scenes: several products anywhere, at any size, on real surfaces, with exact alpha.

The generator of :mod:`course_lib.synth` draws one upright product near the
centre of the frame, at about half its height, in front of a flat backdrop. A
network trained only on that learns a shortcut real photos do not share ("the
object is the blob in the middle"), and on a real photo it marks the table as
the product. This generator breaks those regularities on purpose (domain
randomisation, Tobin et al. 2017; cut, paste and learn, Dwibedi et al. 2017):

- one to four objects, placed anywhere, some cut by the frame, overlapping;
- the object area from about 3 % to 80 % of the frame, drawn log-uniformly;
- each object rotated, mirrored and scaled; its colours from a real photo's
  crop for most products, the product's own shading kept (so real texture is on
  the object side too, not only behind it — REAL-PHOTOS.md says why that matters);
- real object cut-outs (``cutouts=``: RGB + alpha pairs, e.g. made with
  :mod:`course_lib.annotation_store` from photos that are neither ``dev`` nor ``holdout``);
- backgrounds from :mod:`course_lib.synth_backgrounds` or a table/floor plane
  seen in perspective, textured with a real photo, under a wall;
- a contact shadow under every object, then the camera effects of :mod:`course_lib.synth`.

:class:`RealParts` adds real pictures fetched at build time (``make cutouts``:
Tux Paint's GPL-2 stamps and template photos, :mod:`course_lib.stamps`), all
off by default so that older recipes draw the same images:

- ``busy`` backgrounds: a real photo (bark, rocks, leaves, waves), defocused,
  with two to six defocused real stamps on it as clutter — labelled
  background, because the object is the one in focus;
- objects repainted only with colours taken from real stamps, never with a
  surface texture, so an object can no longer wear the floor's own texture and
  vanish into it while still labelled object;
- colours harmonised: each pasted object takes on part of its scene's colour cast;
- ``centred`` scenes: one whole object, roughly centred, at 10–70 % of the
  frame, as most catalogue photos are.

Every real picture used comes from :data:`TEXTURE_SOURCES` (scikit-image's
bundled files), which a test keeps apart from the real ``dev`` and ``holdout`` scenes.

>>> s = make_scene(0, size=64)
>>> s.rgb.shape, s.rgb.dtype, s.alpha.dtype, 1 <= s.meta["n_objects"] <= 4
((64, 64, 3), dtype('uint8'), dtype('float32'), True)
>>> np.array_equal(s.rgb, make_scene(0, size=64).rgb)          # same seed, same bytes
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from course_lib.synth import Sample, camera_effects, cast_shadow
from course_lib.synth_backgrounds import TEXTURE_NAMES, make_background, random_crop, skimage_image
from course_lib.synth_products import PRODUCT_KINDS, render_product
from course_lib.validate import as_alpha, as_number, as_rgb

__all__ = ["SCENE_VERSION", "TEXTURE_SOURCES", "SCENE_BACKGROUNDS", "OBJECT_COUNTS", "SINGLE_PRODUCT_BACKGROUNDS",
           "RealParts", "make_scene", "floor_scene", "busy_background", "retexture", "harmonise", "sprite",
           "training_pair", "training_batches"]

SCENE_VERSION = 1
"""Bumped whenever the pictures change, so cached datasets are rebuilt."""

TEXTURE_SOURCES = TEXTURE_NAMES + ("chelsea", "hubble_deep_field")
"""The scikit-image pictures this generator takes real colours and surfaces from: none is a scene of the
real ``dev`` or ``holdout`` photos (``data/real``), which ``tests/test_real_photos.py`` checks. synth's other
backdrop photos (coffee, motorcycle, rocket, astronaut) are real-photo scenes, so they are not used here."""

SCENE_BACKGROUNDS = ("floor", "floor", "studio", "gradient", "paper", "texture", "clutter")
"""Background kinds, drawn uniformly (``floor`` twice as often): ``floor`` is a real-textured plane in perspective
under a wall; the rest are synth's. Not synth's ``photo``: its crops hold whole real objects (a cup, a person)
that would be labelled background, the rule a network must not learn."""

OBJECT_COUNTS = (1, 1, 1, 1, 2, 2, 3, 4)
"""How many objects a scene has, drawn uniformly from this tuple (half the scenes have one)."""

SINGLE_PRODUCT_BACKGROUNDS = ("studio", "gradient", "paper", "texture", "clutter", "matched")
"""synth's backgrounds for the single-product images mixed into training. Not ``photo``: its crops include
real-photo scenes (coffee, motorcycle, rocket, astronaut) of ``data/real``, which training must never see."""

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass(frozen=True)
class RealParts:
    """Real pictures and the shares a scene mix uses them at (every share 0: the original generator).

    ``cutouts``: (H×W×3 uint8, H×W alpha) real objects, pasted as objects, used
    for the objects' colours and defocused as clutter; ``backgrounds``: H×W×3
    uint8 real photos of surfaces (no whole objects in them). ``busy_share`` of
    the scenes get :func:`busy_background`; ``centred_share`` of them hold one
    whole, roughly centred object; ``harmonise`` colour-matches objects to the scene.
    """

    cutouts: tuple = ()
    backgrounds: tuple = ()
    busy_share: float = 0.0
    centred_share: float = 0.0
    harmonise: bool = False

    def __post_init__(self):
        for name in ("busy_share", "centred_share"):
            as_number(getattr(self, name), name, low=0, high=1)
        if self.busy_share > 0 and not (self.backgrounds and self.cutouts):
            raise ValueError("busy_share > 0 needs backgrounds and cutouts (run make cutouts, then "
                             "course_lib.stamps.load_backgrounds() and load_cutouts())")

    @classmethod
    def from_stamps(cls, *, max_side: int = 256, **shares) -> RealParts:
        """Load Tux Paint's kept stamps and template photos (``make cutouts``) at most ``max_side`` px a side."""
        from course_lib import stamps

        return cls(tuple(stamps.load_cutouts(max_side=max_side)),
                   tuple(stamps.load_backgrounds(max_side=2 * max_side)), **shares)


def _texture_crop(rng: np.random.Generator, h: int, w: int, sources: Sequence[str] = TEXTURE_SOURCES) -> np.ndarray:
    """Return an h×w float32 RGB crop of one of ``sources`` (scikit-image names), randomly tinted when grey."""
    name = sources[int(rng.integers(len(sources)))]
    crop = random_crop(rng, skimage_image(name), h, w, min_fraction=0.15)
    if name in TEXTURE_NAMES:                                # grey textures get a colour
        crop = crop * rng.uniform(0.35, 1.1, size=3).astype(np.float32)
    return np.clip(crop, 0, 1).astype(np.float32)


def floor_scene(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Return an H×W×3 float32 background: a real-textured table or floor in perspective, under a wall.

    The plane's far edge (the horizon) lies in the upper part of the frame or
    above it; its texture shrinks towards the horizon, as a table top does.
    """
    horizon = int(h * rng.uniform(-0.2, 0.55))
    wall = make_background(("studio", "gradient", "paper", "texture")[int(rng.integers(4))], rng, h, w)
    plane = _texture_crop(rng, h, w, TEXTURE_NAMES)         # surfaces only: no photo with objects in it
    top = max(horizon, 0)
    squeeze = rng.uniform(0.15, 0.45)                         # how much narrower the far edge looks
    shift = rng.uniform(-0.2, 0.2) * w
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[w * squeeze + shift, horizon], [w * (1 - squeeze) + shift, horizon],
                      [w * 1.6, h * 1.25], [-w * 0.6, h * 1.25]])
    warped = cv2.warpPerspective(plane, cv2.getPerspectiveTransform(src, dst), (w, h),
                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    out = wall.copy()
    out[top:] = warped[top:]
    if 0 < horizon < h:                                       # a soft, slightly darker table edge
        edge = slice(max(horizon - 1, 0), min(horizon + 2, h))
        out[edge] *= rng.uniform(0.6, 0.9)
    light = np.linspace(rng.uniform(0.75, 1.0), rng.uniform(0.95, 1.15), h, dtype=np.float32)[:, None, None]
    return np.clip(out * light, 0, 1).astype(np.float32)


def retexture(rng: np.random.Generator, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Return ``colour`` (h×w×3 float32) repainted with a real photo's crop, keeping its shading.

    The shading is the product's luma relative to its mean luma over the
    object: highlights and shadows stay where the renderer put them.
    """
    h, w = alpha.shape
    return np.clip(_texture_crop(rng, h, w) * _shading(colour, alpha), 0, 1).astype(np.float32)


def _shading(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The product's luma relative to its mean luma over the object (h×w×1): where the renderer put light and shade."""
    inside = alpha > 0.5
    luma = colour @ _LUMA
    mean = float(luma[inside].mean()) if inside.any() else float(luma.mean())
    return np.clip(luma / max(mean, 1e-3), 0.2, 2.0)[:, :, None]


def busy_background(rng: np.random.Generator, h: int, w: int, backgrounds: Sequence, cutouts: Sequence
                    ) -> np.ndarray:
    """Return an H×W×3 float32 busy background: a defocused real photo under two to six defocused real stamps.

    Everything here is background: the blur (a shallow depth of field) is what
    tells the in-focus object apart, as it does in a product photo taken on a
    cluttered desk or outdoors.
    """
    photo = np.asarray(backgrounds[int(rng.integers(len(backgrounds)))], np.float32) / 255
    canvas = random_crop(rng, photo, h, w, min_fraction=0.3)
    for _ in range(int(rng.integers(2, 7))):
        rgb, alpha = cutouts[int(rng.integers(len(cutouts)))]
        colour, alpha = _tight(np.asarray(rgb, np.float32) / 255, np.asarray(alpha, np.float32))
        colour, alpha = _transform(rng, colour, alpha, rng.uniform(0.02, 0.25) * h * w)
        sh, sw = alpha.shape
        placed_colour, placed_alpha = _paste((h, w), colour, alpha, int(rng.uniform(0, 1) * h - sh / 2),
                                             int(rng.uniform(0, 1) * w - sw / 2))
        a = placed_alpha[:, :, None]
        canvas = a * placed_colour + (1 - a) * canvas
    sigma = rng.uniform(0.8, 3.0) * max(h, w) / 128             # defocus: the same at every working size
    return np.clip(cv2.GaussianBlur(canvas, (0, 0), sigma), 0, 1).astype(np.float32)


def harmonise(rng: np.random.Generator, colour: np.ndarray, alpha: np.ndarray, around: np.ndarray) -> np.ndarray:
    """Return ``colour`` moved part of the way (25–60 %) towards the colour cast of ``around`` (its scene, same shape).

    The cast is the ratio of the scene's mean colour to its mean grey: a warm
    room makes the object warmer, as the light in one photo does to everything in it.
    """
    inside = alpha > 0.5
    if not inside.any():
        return colour
    mean = around.reshape(-1, 3).mean(axis=0)
    cast = mean / max(float(mean @ _LUMA), 1e-3)
    strength = rng.uniform(0.25, 0.6)
    return np.clip(colour * (1 - strength + strength * cast), 0, 1).astype(np.float32)


def _stamp_colours(rng: np.random.Generator, colour: np.ndarray, alpha: np.ndarray, cutouts: Sequence
                   ) -> np.ndarray:
    """``colour`` repainted with a crop from inside a real stamp, shading kept: an object's colours, no floor's."""
    h, w = alpha.shape
    rgb, a = cutouts[int(rng.integers(len(cutouts)))]
    ys, xs = np.nonzero(np.asarray(a) > 0.9)
    if len(ys) < 16:
        return colour
    y0, y1, x0, x1 = np.percentile(ys, 25), np.percentile(ys, 75), np.percentile(xs, 25), np.percentile(xs, 75)
    inner = np.asarray(rgb, np.float32)[int(y0):int(y1) + 1, int(x0):int(x1) + 1] / 255
    crop = cv2.resize(inner, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(crop * _shading(colour, alpha), 0, 1).astype(np.float32)


def _tight(colour: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.nonzero(alpha > 0.01)
    if not len(ys):
        return colour, alpha
    return colour[ys.min():ys.max() + 1, xs.min():xs.max() + 1], alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def sprite(rng: np.random.Generator, side: int, *, cutouts: Sequence = (), retexture_share: float = 0.6,
           stamp_colours: bool = False) -> tuple[np.ndarray, np.ndarray, dict]:
    """Return one object cropped to its outline: (colour h×w×3 float32, alpha h×w float32, its description).

    A real cut-out from ``cutouts`` half the time when there are any, else a
    rendered product (drawn in a ``side``×``side`` canvas), repainted with a
    real photo's colours with probability ``retexture_share`` — with
    ``stamp_colours``, colours from inside a real cut-out, never a surface's.
    """
    if cutouts and rng.random() < 0.5:
        index = int(rng.integers(len(cutouts)))
        rgb, alpha = cutouts[index]
        colour = as_rgb(rgb, "cut-out").astype(np.float32) / 255
        colour = np.clip(colour * rng.uniform(0.8, 1.2, size=3).astype(np.float32), 0, 1)   # white balance
        colour, alpha = _tight(colour, as_alpha(alpha, "cut-out alpha", colour.shape[:2]))
        return colour, alpha, {"kind": "cutout", "cutout": index, "retextured": False}
    kind = PRODUCT_KINDS[int(rng.integers(len(PRODUCT_KINDS)))]
    colour, alpha = render_product(kind, rng, side, side, rng.uniform(0.03, 0.97, 3).astype(np.float32),
                                   supersample=2)
    retextured = kind != "glass" and rng.random() < retexture_share
    if retextured:
        colour = _stamp_colours(rng, colour, alpha, cutouts) if stamp_colours and cutouts else \
            retexture(rng, colour, alpha)
    colour, alpha = _tight(colour, alpha)
    return colour, alpha, {"kind": kind, "retextured": bool(retextured)}


def _transform(rng: np.random.Generator, colour: np.ndarray, alpha: np.ndarray, area: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Scale the sprite so its alpha covers about ``area`` pixels, then rotate and maybe mirror it."""
    scale = np.sqrt(area / max(float(alpha.sum()), 1.0))
    h, w = alpha.shape
    angle = rng.uniform(-25, 25) if rng.random() < 0.8 else rng.uniform(-180, 180)
    if rng.random() < 0.5:
        colour, alpha = colour[:, ::-1], alpha[:, ::-1]
    rad = np.deg2rad(angle)
    nw = int(np.ceil((abs(w * np.cos(rad)) + abs(h * np.sin(rad))) * scale)) + 2
    nh = int(np.ceil((abs(w * np.sin(rad)) + abs(h * np.cos(rad))) * scale)) + 2
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    matrix[:, 2] += (nw / 2 - w / 2, nh / 2 - h / 2)
    flags = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    colour = cv2.warpAffine(np.ascontiguousarray(colour), matrix, (nw, nh), flags=flags,
                            borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(np.ascontiguousarray(alpha), matrix, (nw, nh), flags=flags,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return colour, np.clip(alpha, 0, 1)


def _paste(canvas_shape: tuple[int, int], colour: np.ndarray, alpha: np.ndarray, top: int, left: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Return (colour, alpha) of a sprite placed at (top, left) in a canvas of ``canvas_shape``; off-frame parts cut."""
    H, W = canvas_shape
    full_c = np.zeros((H, W, 3), np.float32)
    full_a = np.zeros((H, W), np.float32)
    h, w = alpha.shape
    y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + h, H), min(left + w, W)
    if y0 < y1 and x0 < x1:
        full_c[y0:y1, x0:x1] = colour[y0 - top:y1 - top, x0 - left:x1 - left]
        full_a[y0:y1, x0:x1] = alpha[y0 - top:y1 - top, x0 - left:x1 - left]
    return full_c, full_a


def make_scene(seed_or_rng, size=256, *, n_objects: int | None = None, background: str | None = None,
               cutouts: Sequence = (), retexture_share: float = 0.6,
               fraction_range: tuple[float, float] = (0.03, 0.8), parts: RealParts | None = None,
               centred: bool = False) -> Sample:
    """Return one domain-randomised scene with its exact alpha (the union of every object's).

    Parameters
    ----------
    seed_or_rng : int or numpy.random.Generator
        Same seed, same bytes.
    size : int or (height, width)
        Output size in pixels.
    n_objects : int, optional
        1 to 8 objects; drawn from :data:`OBJECT_COUNTS` when not given.
    background : one of SCENE_BACKGROUNDS, optional
    cutouts : sequence of (H×W×3 uint8, H×W alpha) pairs
        Real objects to paste besides the rendered products.
    retexture_share : float in [0, 1]
        How often a rendered product wears a real photo's colours.
    fraction_range : (low, high)
        The objects' total area, as a fraction of the frame, is drawn log-uniformly from this range.
    parts : RealParts, optional
        Real stamps and photos: ``busy`` backgrounds at ``parts.busy_share``
        (``background="busy"`` forces one), objects coloured from real stamps
        only, colours harmonised; without it, the original generator, bytes unchanged.
    centred : bool
        Every object whole and its centre in the middle fifth of the frame (a catalogue photo).

    Returns a :class:`course_lib.synth.Sample`; ``meta`` holds the seed, the
    background, each object's kind, area fraction and whether the frame cuts it,
    and the total object fraction.
    """
    if isinstance(seed_or_rng, np.random.Generator):
        rng, seed = seed_or_rng, None
    else:
        seed = int(as_number(seed_or_rng, "seed", low=0, integer=True))
        rng = np.random.default_rng([seed, SCENE_VERSION, 7])
    h, w = (size, size) if np.isscalar(size) else (int(size[0]), int(size[1]))
    if min(h, w) < 16:
        raise ValueError(f"size must be at least 16 pixels a side, got {(h, w)}")
    retexture_share = as_number(retexture_share, "retexture_share", low=0, high=1)
    low, high = (as_number(f, "fraction_range", low=0.001, high=1.0) for f in fraction_range)
    if low > high:
        raise ValueError(f"fraction_range must be (low, high) with low <= high, got {fraction_range}")
    if n_objects is None:
        n_objects = OBJECT_COUNTS[int(rng.integers(len(OBJECT_COUNTS)))]
    n_objects = int(as_number(n_objects, "n_objects", low=1, high=8, integer=True))
    if background is None and parts is not None and parts.busy_share > 0 and rng.random() < parts.busy_share:
        background = "busy"
    if background is None:
        background = SCENE_BACKGROUNDS[int(rng.integers(len(SCENE_BACKGROUNDS)))]
    if background == "busy":
        if parts is None or not (parts.backgrounds and parts.cutouts):
            raise ValueError("background='busy' needs parts= with real backgrounds and cut-outs (RealParts)")
        canvas = busy_background(rng, h, w, parts.backgrounds, parts.cutouts)
    elif background not in SCENE_BACKGROUNDS:
        raise ValueError(f"background={background!r} is not one of {SCENE_BACKGROUNDS} or 'busy'")
    else:
        canvas = floor_scene(rng, h, w) if background == "floor" else make_background(background, rng, h, w)
    if parts is not None and not cutouts:
        cutouts = parts.cutouts
    alpha_total = np.zeros((h, w), np.float32)
    shadow_total = np.zeros((h, w), np.float32)
    total_fraction = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    shares = rng.dirichlet(np.full(n_objects, 2.0)) * total_fraction
    objects = []
    for share in sorted(shares, reverse=True):              # big ones first: small ones land in front
        colour, alpha, info = sprite(rng, min(256, 2 * max(h, w)), cutouts=cutouts,
                                     retexture_share=retexture_share,
                                     stamp_colours=parts is not None and bool(parts.cutouts))
        colour, alpha = _transform(rng, colour, alpha, share * h * w)
        if parts is not None and parts.harmonise:
            colour = harmonise(rng, colour, alpha, canvas)
        sh, sw = alpha.shape
        if centred:                                           # whole, its centre in the middle fifth
            top = int(np.clip(rng.uniform(0.4, 0.6) * h - sh / 2, 0, max(h - sh, 0)))
            left = int(np.clip(rng.uniform(0.4, 0.6) * w - sw / 2, 0, max(w - sw, 0)))
        else:
            # the centre anywhere but the outermost tenth: large objects and objects near an edge are cut
            top = int(rng.uniform(0.1, 0.9) * h - sh / 2)
            left = int(rng.uniform(0.1, 0.9) * w - sw / 2)
        placed_colour, placed_alpha = _paste((h, w), colour, alpha, top, left)
        if placed_alpha.sum() < 4:
            continue
        shadow = cast_shadow(rng, placed_alpha, rng.uniform(0.15, 0.6))
        shadow = shadow * (1 - placed_alpha)
        canvas = canvas * (1 - shadow)[:, :, None]
        a = placed_alpha[:, :, None]
        canvas = a * placed_colour + (1 - a) * canvas
        alpha_total = placed_alpha + (1 - placed_alpha) * alpha_total
        shadow_total = np.maximum(shadow_total, shadow)
        cut = bool(placed_alpha.sum() < 0.98 * alpha.sum())
        objects.append({**info, "fraction": round(float(placed_alpha.sum()) / (h * w), 4), "cut_by_frame": cut})
    meta = {"seed": seed, "scene_version": SCENE_VERSION, "background": background, "difficulty": "scene",
            **({"real_parts": True, "centred": centred} if parts is not None else {}),
            "n_objects": len(objects), "objects": objects,
            "object_fraction": round(float(alpha_total.mean()), 4)}
    rgb, alpha_total = camera_effects(rng, canvas.astype(np.float32), alpha_total, meta)
    return Sample(rgb=rgb, alpha=alpha_total, shadow=shadow_total * (1 - alpha_total), meta=meta)


def training_pair(seed: int, size: int = 128, scene_share: float = 0.7, large_share: float = 0.0,
                  parts: RealParts | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return training image ``seed``: (H×W×3 uint8, H×W float32 alpha), a scene or a single product, maybe mirrored.

    ``scene_share`` of the images are :func:`make_scene`; the rest are
    :func:`course_lib.synth.make_sample` on :data:`SINGLE_PRODUCT_BACKGROUNDS`, so
    a model keeps solving the course's generated photos too. ``large_share`` of the
    scenes hold one large object (30 % to 85 % of the frame), as many product
    photos do; 0 draws no extra random number, so older recipes stay as they were.
    ``parts`` (:class:`RealParts`): real stamps and photos in the scenes, and
    ``parts.centred_share`` of the scenes one whole, centred object at 10–70 %
    of the frame; ``None`` keeps the original mix.

    >>> rgb, alpha = training_pair(3, size=32)
    >>> rgb.shape, alpha.shape, np.array_equal(rgb, training_pair(3, size=32)[0])
    ((32, 32, 3), (32, 32), True)
    """
    from course_lib import synth

    rng = np.random.default_rng([seed, 41])
    if rng.random() < scene_share:
        large = large_share > 0 and rng.random() < large_share
        centred = parts is not None and parts.centred_share > 0 and rng.random() < parts.centred_share
        if centred:
            s = make_scene(rng, size=size, n_objects=1, fraction_range=(0.1, 0.7), parts=parts, centred=True)
        elif large:
            s = make_scene(rng, size=size, n_objects=1, fraction_range=(0.3, 0.85), parts=parts)
        else:
            s = make_scene(rng, size=size, parts=parts)
    else:
        kind = SINGLE_PRODUCT_BACKGROUNDS[int(rng.integers(len(SINGLE_PRODUCT_BACKGROUNDS)))]
        s = synth.make_sample(rng, size=size, background=kind)
    rgb, alpha = s.rgb, s.alpha
    if rng.random() < 0.5:
        rgb, alpha = rgb[:, ::-1], alpha[:, ::-1]
    return np.ascontiguousarray(rgb), np.ascontiguousarray(alpha)


def training_batches(first_step: int, steps: int, batch_size: int = 8, size: int = 128, *, scene_share: float = 0.7,
                     large_share: float = 0.0, seed: int = 0, parts: RealParts | None = None):
    """Yield ``steps`` batches ``(x N×H×W×3 float32 in [0, 1], y N×H×W×1)``, from step ``first_step`` on.

    Image ``k`` of step ``t`` is :func:`training_pair` of a seed made from
    ``(seed, t, k)``: a run resumed at step ``t`` sees what it would have seen.
    """
    for step in range(first_step, first_step + steps):
        pairs = [training_pair(seed * 10_000_000 + step * batch_size + k, size, scene_share, large_share, parts)
                 for k in range(batch_size)]
        yield (np.stack([rgb.astype(np.float32) / 255 for rgb, _ in pairs]),
               np.stack([alpha[:, :, None] for _, alpha in pairs]))

"""Products for the synthetic photos, drawn part by part at high resolution.

Each product is painted into a :class:`Painter` at ``supersample``× the final
size; downsampling with area averaging then gives exact, fractional alpha along
every outline (anti-aliasing by coverage). Parts are composited "over" each
other with premultiplied colour, so a semi-transparent glass body and its rim
combine the way light does.

Examples
--------
>>> colour, alpha = render_product("mug", np.random.default_rng(0), 48, 64, (0.2, 0.4, 0.8))
>>> colour.shape, colour.dtype, alpha.shape, alpha.dtype
((48, 64, 3), dtype('float32'), (48, 64), dtype('float32'))
>>> bool(((alpha > 0) & (alpha < 1)).any())      # the outline has fractional alpha
True
>>> _, glass_alpha = render_product("glass", np.random.default_rng(0), 48, 64, (0.9, 0.9, 0.9))
>>> bool(glass_alpha.max() < 1)                  # a glass is nowhere fully opaque
True
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["PRODUCT_KINDS", "DRAWERS", "render_product", "Painter", "Placement",
           "cylinder_shade", "vertical_shade"]

PRODUCT_KINDS = ("bottle", "can", "mug", "box", "book", "phone", "shoe", "bag", "watch", "glass")
"""Product kinds; ``glass`` is partly transparent, ``mug`` and ``bag`` have holes, ``bag`` and ``watch`` thin parts."""

_WORDS = ("ECO", "FRESH", "NOVA", "PURE", "ORGANIC", "LUX", "MAX", "AQUA", "BIO", "ZEN", "2026", "NEW")


class Painter:
    """Premultiplied RGB + alpha canvas that parts are painted onto, front-most last."""

    def __init__(self, height: int, width: int):
        self.h, self.w = height, width
        self.premult = np.zeros((height, width, 3), np.float32)
        self.alpha = np.zeros((height, width), np.float32)

    def blank(self) -> np.ndarray:
        """Return a zeroed uint8 mask to draw a part's shape into with OpenCV."""
        return np.zeros((self.h, self.w), np.uint8)

    def paint(self, mask: np.ndarray, colour, opacity: float = 1.0) -> None:
        """Composite a part (``mask`` uint8/bool, ``colour`` RGB triple or H×W×3) over the canvas."""
        a = (mask > 0).astype(np.float32) * np.float32(opacity)
        colour = np.asarray(colour, np.float32)
        if colour.ndim == 1:
            colour = colour[None, None, :]
        a3 = a[:, :, None]
        self.premult = a3 * colour + (1.0 - a3) * self.premult
        self.alpha = a + (1.0 - a) * self.alpha

    def downsample(self, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (straight colour H×W×3, alpha H×W), both float32, at the final size."""
        premult = cv2.resize(self.premult, (width, height), interpolation=cv2.INTER_AREA)
        alpha = np.clip(cv2.resize(self.alpha, (width, height), interpolation=cv2.INTER_AREA), 0, 1)
        colour = premult / np.maximum(alpha, 1e-6)[:, :, None]
        return np.clip(colour, 0, 1), alpha


@dataclass
class Placement:
    """Where a product sits on the high-resolution canvas (pixels)."""

    cx: float
    bottom: float
    height: float

    def x(self, fraction: float) -> int:
        """Return the x coordinate ``fraction`` product-heights right of the centre."""
        return int(round(self.cx + fraction * self.height))

    def y(self, fraction: float) -> int:
        """Return the y coordinate ``fraction`` product-heights above the bottom."""
        return int(round(self.bottom - fraction * self.height))


# --- shading ------------------------------------------------------------------------------

def cylinder_shade(painter: Painter, x0: int, x1: int, colour, rng: np.random.Generator,
                   gloss: float) -> np.ndarray:
    """Return an H×W×3 colour map of a vertical cylinder: diffuse falloff, a specular band, a rim light."""
    xs = np.arange(painter.w, dtype=np.float32)
    t = np.clip((xs - x0) / max(x1 - x0, 1), 0, 1)
    diffuse = 0.55 + 0.45 * np.clip(np.sin(np.pi * t), 0, 1) ** 0.7
    centre = rng.uniform(0.22, 0.38)
    spec = gloss * np.exp(-((t - centre) / 0.06) ** 2)
    rim = 0.25 * gloss * np.exp(-((t - 0.95) / 0.03) ** 2)
    base = np.asarray(colour, np.float32)
    row = base[None, :] * diffuse[:, None] + (spec + rim)[:, None] * (1.0 - base[None, :] * 0.5)
    return np.broadcast_to(np.clip(row, 0, 1)[None, :, :], (painter.h, painter.w, 3))


def vertical_shade(painter: Painter, y0: int, y1: int, colour, top: float = 1.1, bottom: float = 0.8) -> np.ndarray:
    """Return an H×W×3 colour map lit from above: ``top`` × colour at y0 down to ``bottom`` × at y1."""
    ys = np.arange(painter.h, dtype=np.float32)
    t = np.clip((ys - y0) / max(y1 - y0, 1), 0, 1)
    factor = top + (bottom - top) * t
    col = np.asarray(colour, np.float32)[None, :] * factor[:, None]
    return np.broadcast_to(np.clip(col, 0, 1)[:, None, :], (painter.h, painter.w, 3))


def _rounded_rect(mask: np.ndarray, x0: int, y0: int, x1: int, y1: int, radius: int) -> np.ndarray:
    radius = max(0, min(radius, (x1 - x0) // 2, (y1 - y0) // 2))
    cv2.rectangle(mask, (x0 + radius, y0), (x1 - radius, y1), 255, -1)
    cv2.rectangle(mask, (x0, y0 + radius), (x1, y1 - radius), 255, -1)
    for cx, cy in ((x0 + radius, y0 + radius), (x1 - radius, y0 + radius),
                   (x0 + radius, y1 - radius), (x1 - radius, y1 - radius)):
        cv2.circle(mask, (cx, cy), radius, 255, -1)
    return mask


def _label_text(painter: Painter, rng: np.random.Generator, x0: int, y0: int, x1: int, y1: int,
                ink) -> None:
    """Paint a word centred in the box (x0, y0)-(x1, y1), scaled to fit."""
    word = _WORDS[int(rng.integers(len(_WORDS)))]
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), _ = cv2.getTextSize(word, font, 1.0, 2)
    scale = 0.8 * min((x1 - x0) / max(tw, 1), (y1 - y0) / max(th, 1))
    if scale <= 0.05:
        return
    thickness = max(1, int(round(2 * scale)))
    (tw, th), _ = cv2.getTextSize(word, font, scale, thickness)
    mask = painter.blank()
    org = (int((x0 + x1 - tw) / 2), int((y0 + y1 + th) / 2))
    cv2.putText(mask, word, org, font, scale, 255, thickness, cv2.LINE_8)
    painter.paint(mask, ink)


def _label_colour(rng: np.random.Generator, colour) -> np.ndarray:
    """Return a label colour: often white (white inside the product must stay opaque), else a contrast."""
    if rng.random() < 0.6:
        return np.array([0.96, 0.96, 0.94], np.float32)
    return np.clip(1.0 - np.asarray(colour, np.float32) + rng.normal(0, 0.1, 3), 0, 1)


# --- the products --------------------------------------------------------------------------

def bottle(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    w = at.height * rng.uniform(0.17, 0.24)
    x0, x1 = int(at.cx - w), int(at.cx + w)
    shoulder, neck_top = at.y(rng.uniform(0.55, 0.68)), at.y(0.9)
    neck = int(w * rng.uniform(0.3, 0.45))
    body = _rounded_rect(p.blank(), x0, shoulder, x1, int(at.bottom), int(w * 0.25))
    cv2.ellipse(body, (int(at.cx), shoulder), (int(w), int(w * 0.6)), 0, 180, 360, 255, -1)
    cv2.rectangle(body, (int(at.cx) - neck, neck_top), (int(at.cx) + neck, shoulder), 255, -1)
    p.paint(body, cylinder_shade(p, x0, x1, colour, rng, gloss=0.8))
    cap = _rounded_rect(p.blank(), int(at.cx) - neck - 2, at.y(1.0), int(at.cx) + neck + 2, neck_top + 2, 3)
    cap_colour = rng.uniform(0.05, 0.9, 3)
    p.paint(cap, cylinder_shade(p, int(at.cx) - neck, int(at.cx) + neck, cap_colour, rng, 0.4))
    ly0, ly1 = at.y(rng.uniform(0.3, 0.4)), at.y(rng.uniform(0.08, 0.15))
    label = p.blank()
    cv2.rectangle(label, (x0, ly0), (x1, ly1), 255, -1)
    label_colour = _label_colour(rng, colour)
    p.paint(label & body, cylinder_shade(p, x0, x1, label_colour, rng, gloss=0.2))
    _label_text(p, rng, x0 + int(0.2 * w), ly0, x1 - int(0.2 * w), ly1, 1 - label_colour)


def can(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    w = at.height * rng.uniform(0.22, 0.3)
    x0, x1 = int(at.cx - w), int(at.cx + w)
    top, rim = at.y(1.0), int(w * 0.18)
    body = p.blank()
    cv2.rectangle(body, (x0, top + rim), (x1, int(at.bottom) - rim), 255, -1)
    cv2.ellipse(body, (int(at.cx), int(at.bottom) - rim), (int(w), rim), 0, 0, 180, 255, -1)
    p.paint(body, cylinder_shade(p, x0, x1, colour, rng, gloss=1.0))
    lid = p.blank()
    cv2.ellipse(lid, (int(at.cx), top + rim), (int(w), rim), 0, 0, 360, 255, -1)
    p.paint(lid, np.array([0.78, 0.78, 0.8], np.float32))
    band = p.blank()
    cv2.rectangle(band, (x0, at.y(0.62)), (x1, at.y(0.38)), 255, -1)
    band_colour = _label_colour(rng, colour)
    p.paint(band & body, cylinder_shade(p, x0, x1, band_colour, rng, gloss=0.6))
    _label_text(p, rng, x0 + int(0.15 * w), at.y(0.6), x1 - int(0.15 * w), at.y(0.4), 1 - band_colour)


def mug(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    w = at.height * rng.uniform(0.3, 0.38)
    x0, x1 = int(at.cx - w), int(at.cx + w)
    top, rim = at.y(1.0), int(w * 0.22)
    # handle first, behind the body: a thick ring whose inside is background (a hole through the product)
    handle = p.blank()
    hx, hy = x1, at.y(0.55)
    outer = (int(w * 0.55), int(at.height * 0.28))
    thickness = max(2, int(w * rng.uniform(0.12, 0.18)))
    cv2.ellipse(handle, (hx, hy), outer, 0, -90, 90, 255, thickness)
    p.paint(handle, cylinder_shade(p, hx, hx + outer[0], colour, rng, 0.5))
    body = p.blank()
    cv2.rectangle(body, (x0, top + rim), (x1, int(at.bottom) - rim // 2), 255, -1)
    cv2.ellipse(body, (int(at.cx), int(at.bottom) - rim // 2), (int(w), rim // 2), 0, 0, 180, 255, -1)
    cv2.ellipse(body, (int(at.cx), top + rim), (int(w), rim), 0, 0, 360, 255, -1)
    p.paint(body, cylinder_shade(p, x0, x1, colour, rng, gloss=0.7))
    inside = p.blank()  # the cup's interior: often white, and it must stay opaque
    cv2.ellipse(inside, (int(at.cx), top + rim), (int(w * 0.9), int(rim * 0.8)), 0, 0, 360, 255, -1)
    inner = np.array([0.93, 0.92, 0.9], np.float32) if rng.random() < 0.7 else np.asarray(colour) * 0.6
    p.paint(inside, vertical_shade(p, top, top + 2 * rim, inner, 0.75, 1.0))
    if rng.random() < 0.6:
        _label_text(p, rng, x0 + int(0.25 * w), at.y(0.7), x1 - int(0.25 * w), at.y(0.3),
                    _label_colour(rng, colour))


def box(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    w = at.height * rng.uniform(0.3, 0.45)
    depth = at.height * rng.uniform(0.12, 0.25)
    x0, x1 = int(at.cx - w), int(at.cx + w - depth)
    top = at.y(1.0) + int(depth * 0.6)
    dx, dy = int(depth), int(depth * 0.6)
    front = np.array([[x0, top], [x1, top], [x1, int(at.bottom)], [x0, int(at.bottom)]], np.int32)
    side = np.array([[x1, top], [x1 + dx, top - dy], [x1 + dx, int(at.bottom) - dy], [x1, int(at.bottom)]], np.int32)
    lid = np.array([[x0, top], [x0 + dx, top - dy], [x1 + dx, top - dy], [x1, top]], np.int32)
    base = np.asarray(colour, np.float32)
    for poly, shade in ((side, 0.68), (lid, 1.15), (front, 0.95)):
        mask = p.blank()
        cv2.fillPoly(mask, [poly], 255)
        p.paint(mask, vertical_shade(p, top - dy, int(at.bottom), np.clip(base * shade, 0, 1), 1.05, 0.9))
    label = p.blank()
    lx0, lx1 = x0 + int((x1 - x0) * 0.15), x1 - int((x1 - x0) * 0.15)
    ly0, ly1 = top + int((at.bottom - top) * 0.3), top + int((at.bottom - top) * 0.6)
    cv2.rectangle(label, (lx0, ly0), (lx1, ly1), 255, -1)
    label_colour = _label_colour(rng, colour)
    p.paint(label, label_colour)
    _label_text(p, rng, lx0, ly0, lx1, ly1, 1 - label_colour)


def book(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    w = at.height * rng.uniform(0.3, 0.38)
    x0, x1 = int(at.cx - w), int(at.cx + w)
    top = at.y(1.0)
    pages = p.blank()
    cv2.rectangle(pages, (x0 + 4, top + 4), (x1 + int(w * 0.06), int(at.bottom)), 255, -1)
    p.paint(pages, np.array([0.95, 0.94, 0.88], np.float32))
    cover = _rounded_rect(p.blank(), x0, top, x1, int(at.bottom) - 4, 4)
    p.paint(cover, vertical_shade(p, top, int(at.bottom), colour, 1.08, 0.85))
    spine = p.blank()
    cv2.rectangle(spine, (x0, top), (x0 + int(w * 0.12), int(at.bottom) - 4), 255, -1)
    p.paint(spine, np.clip(np.asarray(colour) * 0.7, 0, 1))
    title = _label_colour(rng, colour)
    _label_text(p, rng, x0 + int(w * 0.25), at.y(0.85), x1 - int(w * 0.1), at.y(0.65), title)
    art = p.blank()
    cv2.circle(art, (int(at.cx + w * 0.06), at.y(0.4)), int(w * rng.uniform(0.2, 0.4)), 255, -1)
    p.paint(art, rng.uniform(0, 1, 3))


def phone(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    w = at.height * rng.uniform(0.22, 0.27)
    x0, x1 = int(at.cx - w), int(at.cx + w)
    top = at.y(1.0)
    frame = _rounded_rect(p.blank(), x0, top, x1, int(at.bottom), int(w * 0.3))
    p.paint(frame, cylinder_shade(p, x0, x1, colour, rng, gloss=0.5))
    inset = max(2, int(w * 0.08))
    screen = _rounded_rect(p.blank(), x0 + inset, top + 3 * inset, x1 - inset, int(at.bottom) - 3 * inset,
                           int(w * 0.15))
    c0, c1 = rng.uniform(0, 1, (2, 3))
    ys = np.linspace(0, 1, p.h, dtype=np.float32)[:, None, None]
    p.paint(screen, np.broadcast_to((1 - ys) * c0 + ys * c1, (p.h, 1, 3)) * np.ones((1, p.w, 1), np.float32))
    lens = p.blank()
    cv2.circle(lens, (int(at.cx), top + int(1.5 * inset)), max(1, inset // 2), 255, -1)
    p.paint(lens, np.array([0.05, 0.05, 0.08], np.float32))


def shoe(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    length = at.height * rng.uniform(0.85, 1.05)
    x0 = int(at.cx - length / 2)
    h = at.height * 0.5
    b = int(at.bottom)
    upper = np.array([[x0, b - int(h * 0.25)], [x0 + int(length * 0.05), b - int(h * 0.9)],
                      [x0 + int(length * 0.3), b - int(h * 1.0)], [x0 + int(length * 0.45), b - int(h * 0.65)],
                      [x0 + int(length * 0.85), b - int(h * 0.45)], [x0 + int(length), b - int(h * 0.2)],
                      [x0 + int(length), b], [x0, b]], np.int32)
    mask = p.blank()
    cv2.fillPoly(mask, [upper], 255)
    p.paint(mask, vertical_shade(p, b - int(h), b, colour, 1.15, 0.8))
    sole = p.blank()
    cv2.rectangle(sole, (x0, b - int(h * 0.18)), (x0 + int(length), b), 255, -1)
    p.paint(sole & mask, np.array([0.95, 0.95, 0.93], np.float32))
    for i in range(4):  # laces: thin light lines
        xa = x0 + int(length * (0.33 + 0.07 * i))
        lace = p.blank()
        cv2.line(lace, (xa, b - int(h * (0.85 - 0.05 * i))), (xa + int(length * 0.06), b - int(h * (0.7 - 0.05 * i))),
                 255, max(1, int(h * 0.03)))
        p.paint(lace & mask, np.array([0.97, 0.97, 0.97], np.float32))


def bag(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    w = at.height * rng.uniform(0.35, 0.45)
    top = at.y(0.62)
    strap = p.blank()  # a thin strap: the space under it is background
    thickness = max(2, int(at.height * rng.uniform(0.02, 0.035)))
    cv2.ellipse(strap, (int(at.cx), top), (int(w * 0.55), int(at.height * 0.36)), 0, 180, 360, 255, thickness)
    p.paint(strap, np.clip(np.asarray(colour) * 0.6, 0, 1))
    body = np.array([[int(at.cx - w * 0.8), top], [int(at.cx + w * 0.8), top],
                     [int(at.cx + w), int(at.bottom)], [int(at.cx - w), int(at.bottom)]], np.int32)
    mask = p.blank()
    cv2.fillPoly(mask, [body], 255)
    p.paint(mask, vertical_shade(p, top, int(at.bottom), colour, 1.1, 0.8))
    flap = p.blank()
    cv2.fillPoly(flap, [np.array([[int(at.cx - w * 0.8), top], [int(at.cx + w * 0.8), top],
                                  [int(at.cx), top + int((at.bottom - top) * 0.45)]], np.int32)], 255)
    p.paint(flap, np.clip(np.asarray(colour) * 0.85, 0, 1))
    clasp = p.blank()
    cv2.circle(clasp, (int(at.cx), top + int((at.bottom - top) * 0.42)), max(2, int(w * 0.06)), 255, -1)
    p.paint(clasp, np.array([0.85, 0.75, 0.35], np.float32))


def watch(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    r = int(at.height * rng.uniform(0.2, 0.26))
    cx, cy = int(at.cx), at.y(0.5)
    strap_w = int(r * rng.uniform(0.8, 1.1))
    strap = p.blank()
    cv2.rectangle(strap, (cx - strap_w // 2, at.y(1.0)), (cx + strap_w // 2, int(at.bottom)), 255, -1)
    for k in range(3):  # holes through the strap show the background
        cv2.circle(strap, (cx, int(at.bottom) - int(at.height * (0.06 + 0.07 * k))), max(1, r // 10), 0, -1)
    p.paint(strap, vertical_shade(p, at.y(1.0), int(at.bottom), colour, 1.05, 0.85))
    case = p.blank()
    cv2.circle(case, (cx, cy), r, 255, -1)
    p.paint(case, cylinder_shade(p, cx - r, cx + r, np.array([0.75, 0.75, 0.78]), rng, 1.0))
    face = p.blank()
    cv2.circle(face, (cx, cy), int(r * 0.82), 255, -1)
    dial = np.array([0.97, 0.97, 0.95], np.float32) if rng.random() < 0.5 else rng.uniform(0, 0.3, 3)
    p.paint(face, dial)
    hands = p.blank()
    for angle, length in ((rng.uniform(0, 2 * np.pi), 0.5), (rng.uniform(0, 2 * np.pi), 0.7)):
        cv2.line(hands, (cx, cy), (cx + int(r * length * np.cos(angle)), cy + int(r * length * np.sin(angle))),
                 255, max(1, r // 12))
    p.paint(hands, 1 - dial)


def glass(p: Painter, at: Placement, colour, rng: np.random.Generator) -> None:
    """A drinking glass: a mostly transparent body (alpha well below 1) with an opaque-ish rim and base."""
    w = at.height * rng.uniform(0.22, 0.3)
    top = at.y(1.0)
    taper = rng.uniform(0.75, 0.95)
    body = np.array([[int(at.cx - w), top], [int(at.cx + w), top],
                     [int(at.cx + w * taper), int(at.bottom)], [int(at.cx - w * taper), int(at.bottom)]], np.int32)
    tint = np.clip(0.75 + 0.25 * np.asarray(colour, np.float32), 0, 1)
    mask = p.blank()
    cv2.fillPoly(mask, [body], 255)
    p.paint(mask, cylinder_shade(p, int(at.cx - w), int(at.cx + w), tint, rng, gloss=1.0),
            opacity=rng.uniform(0.2, 0.45))
    if rng.random() < 0.6:  # a drink inside: more opaque, coloured
        level = at.y(rng.uniform(0.3, 0.7))
        drink = p.blank()
        cv2.fillPoly(drink, [body], 255)
        drink[:level] = 0
        p.paint(drink, np.asarray(colour, np.float32) * 0.85, opacity=rng.uniform(0.55, 0.85))
    walls = p.blank()
    cv2.polylines(walls, [body], True, 255, max(2, int(w * 0.06)))
    p.paint(walls, tint, opacity=0.75)
    base = p.blank()
    cv2.rectangle(base, (int(at.cx - w * taper), int(at.bottom) - max(3, int(at.height * 0.05))),
                  (int(at.cx + w * taper), int(at.bottom)), 255, -1)
    p.paint(base, tint * 0.95, opacity=0.85)


DRAWERS = {"bottle": bottle, "can": can, "mug": mug, "box": box, "book": book, "phone": phone,
           "shoe": shoe, "bag": bag, "watch": watch, "glass": glass}


def render_product(kind: str, rng: np.random.Generator, height: int, width: int, colour,
                   supersample: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Return (colour H×W×3 float32, alpha H×W float32) of one product of ``kind``, anti-aliased."""
    if kind not in DRAWERS:
        raise ValueError(f"product={kind!r} is not one of {PRODUCT_KINDS}")
    painter = Painter(height * supersample, width * supersample)
    size = min(height, width) * supersample
    at = Placement(cx=width * supersample * rng.uniform(0.42, 0.58),
                   bottom=height * supersample * rng.uniform(0.8, 0.9),
                   height=size * rng.uniform(0.5, 0.7))
    DRAWERS[kind](painter, at, np.asarray(colour, np.float32), rng)
    return painter.downsample(height, width)

"""From a raw mask to a clean cut-out with a soft edge: lesson 06's postprocessing steps.

A segmenter (a threshold, GrabCut, the U-Net) gives a mask with specks, holes,
stray blobs and a jagged or misplaced edge. The steps here repair it, in the
order a lesson applies them:

1. **clean the hard mask** — :func:`binarise`, opening/closing (lesson 01's
   :func:`course_lib.classical.opening` and :func:`~course_lib.classical.closing`),
   :func:`fill_holes`, :func:`remove_specks`, :func:`keep_largest`;
2. **a soft edge** — :func:`trimap`, then :func:`guided_filter` (NumPy, box
   filters by cumulative sums: :func:`course_lib.box_filter.box_mean`),
   :func:`matting` (closed-form matting, pymatting) or :func:`feather`;
   :func:`course_lib.boxes.zoom_box` finds where to look;
3. **the cut-out** — :func:`estimate_foreground` removes the old background's
   colour from edge pixels, :func:`course_lib.compositing.composite` places the
   product on white, a colour or another photo, and :func:`save_cutout` writes
   an RGBA PNG (through :func:`course_lib.imageio.save_png`).

Conventions: images are ``H×W×3 uint8 RGB``; masks ``H×W bool`` (True =
product); alphas ``H×W float32`` in [0, 1]. A step that needs a hard mask
accepts an alpha too and reads it as ``alpha >= 0.5``. Sizes and radii are in
pixels of the image they act on.

The course text's §4.3 (part 4) formulas are not here: lesson 06 writes them out as printed,
in a few lines, and runs them next to these steps (ERRATA item 5 (docs/ERRATA.md#item-5)).

>>> import numpy as np
>>> ring = np.zeros((7, 7), bool); ring[1:6, 1:6] = True; ring[3, 3] = False
>>> bool(fill_holes(ring)[3, 3]), bool(ring[3, 3])
(True, False)
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from course_lib import classical, imageio
from course_lib.box_filter import box_mean
from course_lib.boxes import bounding_box
from course_lib.validate import as_alpha, as_mask, as_number, as_rgb

__all__ = ["binarise", "fill_holes", "keep_largest",
           "remove_specks", "trimap", "trimap_to_uint8", "guided_filter", "refine_guided", "feather", "matting",
           "refine_matting", "estimate_foreground", "save_cutout"]

# --- a clean hard mask -----------------------------------------------------------------------


def binarise(alpha, threshold: float = 0.5) -> np.ndarray:
    """Return the hard mask ``alpha >= threshold`` (H×W bool) of an alpha or probability map."""
    threshold = as_number(threshold, "threshold", low=0.0, high=1.0, low_inclusive=False)
    return as_alpha(alpha) >= threshold


def fill_holes(mask, max_area: float | None = None) -> np.ndarray:
    """Return ``mask`` with its holes filled: background the image border cannot reach becomes product.

    A flood fill from the border (through 4-connected background pixels, the
    dual of an 8-connected product) marks the real background; everything else
    is product. This also fills holes that belong to the product, such as the
    inside of a mug's handle — ``max_area`` keeps those: only holes with at most
    this fraction of the image's pixels are filled.

    Parameters
    ----------
    mask : H×W bool (or alpha, read as ``>= 0.5``)
    max_area : float in (0, 1], optional
        Largest hole to fill, as a fraction of the image; ``None`` fills all.

    Returns
    -------
    H×W bool
    """
    m = as_mask(mask)
    if max_area is not None:
        max_area = as_number(max_area, "max_area", low=0.0, high=1.0, low_inclusive=False)
    h, w = m.shape
    # a one-pixel frame of background joins every border pixel, so one fill from a corner reaches them all
    background = np.pad(~m, 1, constant_values=True).astype(np.uint8)
    reached = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(background, reached, (0, 0), 1, flags=4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    holes = ~m & (reached[2:-2, 2:-2] == 0)
    if max_area is not None and holes.any():
        count, labels, stats, _ = cv2.connectedComponentsWithStats(holes.astype(np.uint8), connectivity=4)
        small = stats[:, cv2.CC_STAT_AREA] <= max_area * h * w
        small[0] = False
        holes = small[labels]
    return m | holes


def _components(mask: np.ndarray, connectivity: int):
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=connectivity)
    return labels, stats[:, cv2.CC_STAT_AREA]


def keep_largest(mask, relative_area: float = 1.0, connectivity: int = 8) -> np.ndarray:
    """Return the largest connected component of ``mask`` (and any others nearly as large), H×W bool.

    Parameters
    ----------
    mask : H×W bool (or alpha, read as ``>= 0.5``)
    relative_area : float in (0, 1]
        Keep every component with at least this fraction of the largest one's
        area: 1 keeps only the largest; 0.2 also keeps a second product a fifth its size.
    connectivity : {4, 8}
        Whether diagonal neighbours join a component.
    """
    m = as_mask(mask)
    relative_area = as_number(relative_area, "relative_area", low=0.0, high=1.0, low_inclusive=False)
    labels, areas = _components(m, connectivity)
    if len(areas) <= 1:                      # label 0 is the background: nothing to keep
        return m.copy()
    keep = areas >= relative_area * areas[1:].max()
    keep[0] = False
    return keep[labels]


def remove_specks(mask, min_area: float = 0.001, connectivity: int = 8) -> np.ndarray:
    """Return ``mask`` without its small islands: components below ``min_area`` of the image, H×W bool.

    ``min_area`` is a fraction of the image's pixels (0.001 of 128×128 is 16
    pixels), so the same setting works at any resolution.
    """
    m = as_mask(mask)
    min_area = as_number(min_area, "min_area", low=0.0, high=1.0)
    labels, areas = _components(m, connectivity)
    keep = areas >= min_area * m.size
    keep[0] = False
    return keep[labels]


def trimap(mask, radius: int = 4) -> np.ndarray:
    """Return the trimap of a hard mask: 0 background, 0.5 unknown, 1 product (H×W float32).

    The unknown band holds the pixels within ``radius`` pixels of the mask's
    edge, on both sides (erode and dilate with a disc of diameter ``2·radius + 1``):
    about ``2·radius + 1`` pixels wide. The values 0 / 0.5 / 1 are what
    pymatting expects; :func:`trimap_to_uint8` gives the 0 / 128 / 255 of trimap image files.
    """
    m = as_mask(mask)
    radius = as_number(radius, "radius", low=1, integer=True)
    size = 2 * radius + 1
    inside, outside = classical.erode(m, size, "ellipse"), ~classical.dilate(m, size, "ellipse")
    out = np.full(m.shape, 0.5, np.float32)
    out[inside] = 1.0
    out[outside] = 0.0
    return out


def trimap_to_uint8(tri) -> np.ndarray:
    """Return a 0 / 0.5 / 1 trimap as the 0 / 128 / 255 ``uint8`` image used in trimap files."""
    t = as_alpha(tri, "tri")
    return np.where(t >= 1, 255, np.where(t <= 0, 0, 128)).astype(np.uint8)


# --- soft edges ---------------------------------------------------------------------------------


def _as_guide(guide, shape=None) -> np.ndarray:
    g = np.asarray(guide)
    if g.ndim not in (2, 3) or (g.ndim == 3 and g.shape[2] != 3):
        raise ValueError(f"guide must be an H×W grey or H×W×3 colour image, got shape {g.shape}")
    if shape is not None and g.shape[:2] != tuple(shape):
        raise ValueError(f"guide has shape {g.shape[:2]}, but src is {tuple(shape)}")
    if g.dtype == np.uint8:
        return g.astype(np.float64) / 255.0
    if g.dtype == bool or not np.issubdtype(g.dtype, np.number):
        raise ValueError(f"guide must be uint8 (0–255) or float (0–1), got dtype {g.dtype}")
    return g.astype(np.float64)


def guided_filter(guide, src, radius: int = 4, eps: float = 1e-3) -> np.ndarray:
    """Return ``src`` smoothed where ``guide`` is flat and kept sharp where ``guide`` has edges (H×W float32).

    He, Sun & Tang's guided filter (ECCV 2010; TPAMI 2013): in every window
    ``ω_k`` of ``(2·radius + 1)²`` pixels the output is a linear function of the
    guide, ``q = a_k·I + b_k``, fitted to ``src`` by least squares with a
    penalty ``eps·|a_k|²``; each pixel averages the ``a_k, b_k`` of the windows
    that contain it. With a colour guide ``a_k`` is a 3-vector:
    ``a_k = (Σ_k + eps·U)⁻¹ cov_k(I, p)``, ``b_k = mean_k(p) − a_k·mean_k(I)``.
    All means are :func:`box_mean`, so the cost does not grow with the radius.

    Parameters
    ----------
    guide : H×W or H×W×3, uint8 (0–255) or float (0–1)
        The photo whose edges the output follows.
    src : H×W float (or bool)
        What is filtered, e.g. a hard mask.
    radius : int >= 1
        Window radius in pixels.
    eps : float > 0
        Regularisation, in squared guide units (guide in [0, 1]): edges with a
        contrast well above ``sqrt(eps)`` are kept, weaker ones smoothed.

    Returns
    -------
    H×W float32 (not clipped: it can over- or undershoot by a little).
    """
    p = np.asarray(src)
    if p.ndim != 2:
        raise ValueError(f"src must be H×W, got shape {p.shape}")
    p = p.astype(np.float64)
    g = _as_guide(guide, p.shape)                                     # the guide, I in the formulas
    radius = as_number(radius, "radius", low=1, integer=True)
    eps = as_number(eps, "eps", low=0.0, low_inclusive=False)
    mean_p = box_mean(p, radius)
    if g.ndim == 2:
        mean_I = box_mean(g, radius)
        cov_Ip = box_mean(g * p, radius) - mean_I * mean_p
        var_I = box_mean(g * g, radius) - mean_I ** 2
        a = cov_Ip / (var_I + eps)
        b = mean_p - a * mean_I
        return (box_mean(a, radius) * g + box_mean(b, radius)).astype(np.float32)
    mean_I = box_mean(g, radius)                                      # H×W×3
    cov_Ip = box_mean(g * p[:, :, None], radius) - mean_I * mean_p[:, :, None]
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    products = np.stack([g[:, :, i] * g[:, :, j] for i, j in pairs], axis=2)
    second = box_mean(products, radius)
    s = {pair: second[:, :, k] - mean_I[:, :, pair[0]] * mean_I[:, :, pair[1]] for k, pair in enumerate(pairs)}
    s_rr, s_rg, s_rb, s_gg, s_gb, s_bb = (s[pair] + (eps if pair[0] == pair[1] else 0.0) for pair in pairs)
    # a = Σ⁻¹ cov for a symmetric 3×3 Σ per pixel, by its adjugate (faster than a batched solve)
    inv_rr, inv_rg, inv_rb = s_gg * s_bb - s_gb ** 2, s_gb * s_rb - s_rg * s_bb, s_rg * s_gb - s_gg * s_rb
    inv_gg, inv_gb, inv_bb = s_rr * s_bb - s_rb ** 2, s_rb * s_rg - s_rr * s_gb, s_rr * s_gg - s_rg ** 2
    det = s_rr * inv_rr + s_rg * inv_rg + s_rb * inv_rb
    c_r, c_g, c_b = cov_Ip[:, :, 0], cov_Ip[:, :, 1], cov_Ip[:, :, 2]
    a = np.stack([inv_rr * c_r + inv_rg * c_g + inv_rb * c_b,
                  inv_rg * c_r + inv_gg * c_g + inv_gb * c_b,
                  inv_rb * c_r + inv_gb * c_g + inv_bb * c_b], axis=2) / det[:, :, None]
    b = mean_p - (a * mean_I).sum(axis=2)
    q = (box_mean(a, radius) * g).sum(axis=2) + box_mean(b, radius)
    return q.astype(np.float32)


def refine_guided(rgb, mask, radius: int = 4, eps: float = 1e-3) -> np.ndarray:
    """Return a soft alpha: ``mask`` guided-filtered by the colour photo and clipped to [0, 1] (H×W float32)."""
    rgb = as_rgb(rgb)
    alpha = as_alpha(mask, "mask", rgb.shape[:2])
    return np.clip(guided_filter(rgb, alpha, radius, eps), 0.0, 1.0)


def feather(mask, sigma: float = 1.0) -> np.ndarray:
    """Return the mask with a blurred edge: a Gaussian of ``sigma`` pixels, H×W float32 in [0, 1].

    Feathering ignores the photo: the edge softens the same way on a sharp
    outline and on a hair. Far from the edge the alpha stays exactly 0 or 1.
    """
    alpha = as_alpha(mask, "mask")
    sigma = as_number(sigma, "sigma", low=0.0, low_inclusive=False)
    blurred = cv2.GaussianBlur(alpha, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    return np.clip(blurred, 0.0, 1.0)


def matting(rgb, tri, *, max_pixels: int = 400_000) -> np.ndarray:
    """Return the closed-form matting alpha (Levin, Lischinski & Weiss 2008) for a trimap, H×W float32.

    pymatting solves a sparse linear system over the unknown pixels. Two things
    keep it fast enough for a lesson:

    - only the bounding box of the unknown band (plus 3 pixels, the reach of its
      3×3 windows) is solved — the same answer as solving the whole image;
    - when that box has more than ``max_pixels`` pixels it is downscaled to fit,
      solved, and the alpha scaled back (an approximation: thin detail below
      the reduced resolution is lost). At the kit's sizes (128² test images,
      demo photos up to 640×554) the default never downscales.

    Known pixels (trimap 0 or 1) keep their value exactly; the result lies in [0, 1].

    Parameters
    ----------
    rgb : H×W×3 uint8
    tri : H×W float, 0 background / 0.5 unknown / 1 product (see :func:`trimap`)
    max_pixels : int
    """
    import pymatting

    rgb = as_rgb(rgb)
    t = as_alpha(tri, "tri", rgb.shape[:2]).astype(np.float64)
    max_pixels = as_number(max_pixels, "max_pixels", low=64, integer=True)
    unknown = (t > 0) & (t < 1)
    if not unknown.any():
        return t.astype(np.float32)
    if not (t == 1).any() or not (t == 0).any():
        raise ValueError("tri needs both known product (1) and known background (0) pixels for matting; "
                         f"it has {int((t == 1).sum())} product and {int((t == 0).sum())} background pixels")
    t[unknown] = 0.5
    box = bounding_box(unknown, 3)
    image, crop = rgb[box].astype(np.float64) / 255.0, t[box]
    h, w = crop.shape
    scale = min(1.0, float(np.sqrt(max_pixels / (h * w))))
    if scale < 1.0:
        size = (max(8, round(w * scale)), max(8, round(h * scale)))
        small = pymatting.estimate_alpha_cf(cv2.resize(image, size, interpolation=cv2.INTER_AREA),
                                            cv2.resize(crop, size, interpolation=cv2.INTER_NEAREST))
        solved = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        solved = np.where((crop > 0) & (crop < 1), solved, crop)
    else:
        solved = pymatting.estimate_alpha_cf(image, crop)
    out = t.copy()
    out[box] = solved
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def refine_matting(rgb, mask, radius: int = 4) -> np.ndarray:
    """Return a soft alpha by closed-form matting on the :func:`trimap` of ``mask`` (H×W float32).

    Everything deeper than ``radius`` pixels inside or outside the mask's edge is
    taken as known; the band between is solved from the photo's colours.
    """
    rgb = as_rgb(rgb)
    m = as_mask(as_alpha(mask, "mask", rgb.shape[:2]))
    if not m.any() or m.all():
        return m.astype(np.float32)
    tri = trimap(m, radius)
    if not (tri == 1).any():               # a product thinner than the band: nothing is known to be product
        return m.astype(np.float32)
    return matting(rgb, tri)


# --- the cut-out ---------------------------------------------------------------------------------


def estimate_foreground(rgb, alpha, *, margin: int = 8) -> np.ndarray:
    """Return the product's own colours, with the old background removed from edge pixels (H×W×3 uint8).

    An edge pixel with alpha 0.6 is 60 % product and 40 % old background; pasted
    onto a new background as it is, it carries a fringe of the old one
    ("colour bleeding"). pymatting's ``estimate_foreground_ml`` (Germer et al.
    2020) solves ``I = α·F + (1 − α)·B`` for smooth ``F`` and ``B``. It runs on
    the bounding box of the soft pixels (0 < α < 1) plus ``margin``; pixels with
    α = 1 keep their colour exactly, and so does everything outside the box.
    """
    import pymatting

    rgb = as_rgb(rgb)
    a = as_alpha(alpha, "alpha", rgb.shape[:2])
    margin = as_number(margin, "margin", low=0, integer=True)
    soft = (a > 0) & (a < 1)
    out = rgb.copy()
    if not soft.any():
        return out
    box = bounding_box(soft, margin)
    fore = pymatting.estimate_foreground_ml(rgb[box].astype(np.float64) / 255.0, a[box].astype(np.float64))
    fore = np.clip(np.rint(fore * 255.0), 0, 255).astype(np.uint8)
    opaque = a[box] >= 1.0
    fore[opaque] = rgb[box][opaque]
    out[box] = fore
    return out


def save_cutout(path: str | os.PathLike, rgb, alpha, *, decontaminate: bool = True,
                overwrite: bool = False) -> Path:
    """Write the cut-out as an RGBA PNG (colour ``F``, transparency ``alpha``) and return its path.

    With ``decontaminate`` the colour channels hold :func:`estimate_foreground`,
    so any program that places the PNG on a new background shows no fringe of
    the old one. Written by :func:`course_lib.imageio.save_png` (atomic; never
    replaces a file unless ``overwrite=True``).
    """
    rgb = as_rgb(rgb)
    a = as_alpha(alpha, "alpha", rgb.shape[:2])
    fore = estimate_foreground(rgb, a) if decontaminate else rgb
    return imageio.save_png(path, fore, a, overwrite=overwrite)


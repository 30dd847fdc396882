"""Classical segmentation of product photos: grey levels, thresholds, filters, edges, morphology,
region growing from the border, GrabCut, and contours.

Every ``*_mask`` function takes an ``H×W×3 uint8`` RGB photo and returns an
``H×W bool`` mask (True = product), with its parameters named and checked.
OpenCV does the heavy lifting; the few functions a lesson asks students to
write themselves (:func:`otsu_threshold`, :func:`border_connected`) are written
out here as the reference the self-checks compare with.

``polarity`` says which side of a threshold is the product: ``"dark"`` (darker
than the threshold), ``"bright"``, or ``"auto"``: the side that touches the
image border less, since product photos frame the product with background.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from course_lib.validate import as_mask, as_odd, as_rgb

__all__ = ["POLARITIES", "SHAPES", "grey_mean", "grey_luma", "border_fraction", "choose_polarity",
           "threshold_mask", "otsu_threshold", "otsu_mask", "adaptive_mask", "gaussian_blur", "median_blur",
           "bilateral_filter", "sobel_magnitude", "canny_edges", "structuring_element", "erode", "dilate",
           "opening", "closing", "border_connected", "flood_fill_background_mask", "grabcut_mask",
           "edge_contour_mask", "METHODS"]

POLARITIES = ("auto", "dark", "bright")
SHAPES = {"ellipse": cv2.MORPH_ELLIPSE, "rect": cv2.MORPH_RECT, "cross": cv2.MORPH_CROSS}


# --- checks ----------------------------------------------------------------------------------

def _check_polarity(polarity: str) -> str:
    if polarity not in POLARITIES:
        raise ValueError(f"polarity={polarity!r} is not one of {POLARITIES}")
    return polarity


# --- grey levels -----------------------------------------------------------------------------

def grey_mean(rgb) -> np.ndarray:
    """Return the course text's grey, ``(R + G + B) / 3``, as H×W uint8 (rounded)."""
    rgb = as_rgb(rgb)
    return np.rint(rgb.astype(np.float32).mean(axis=2)).astype(np.uint8)


def grey_luma(rgb) -> np.ndarray:
    """Return the luma grey ``0.299 R + 0.587 G + 0.114 B`` (what OpenCV and most tools use), H×W uint8."""
    return cv2.cvtColor(as_rgb(rgb), cv2.COLOR_RGB2GRAY)


# --- thresholds ------------------------------------------------------------------------------

def border_fraction(mask) -> float:
    """Return the share of the image's border pixels that are True in ``mask``."""
    m = as_mask(mask)
    border = np.concatenate([m[0], m[-1], m[1:-1, 0], m[1:-1, -1]])
    return float(border.mean())


def choose_polarity(bright_mask) -> np.ndarray:
    """Return ``bright_mask`` or its inverse, whichever touches the image border less."""
    bright_mask = as_mask(bright_mask, "bright_mask")
    return bright_mask if border_fraction(bright_mask) <= border_fraction(~bright_mask) else ~bright_mask


def _apply_polarity(bright: np.ndarray, polarity: str) -> np.ndarray:
    _check_polarity(polarity)
    if polarity == "bright":
        return bright
    if polarity == "dark":
        return ~bright
    return choose_polarity(bright)


def threshold_mask(rgb, threshold: float = 128, *, polarity: str = "auto", grey: str = "luma") -> np.ndarray:
    """Return the pixels on the product's side of a fixed grey ``threshold`` (bright: ``grey > threshold``)."""
    if not 0 <= threshold <= 255:
        raise ValueError(f"threshold must lie in [0, 255], got {threshold}")
    if grey not in ("luma", "mean"):
        raise ValueError(f"grey={grey!r} is not 'luma' or 'mean'")
    g = grey_luma(rgb) if grey == "luma" else grey_mean(rgb)
    return _apply_polarity(g > threshold, polarity)


def otsu_threshold(grey) -> int:
    """Return Otsu's threshold of an H×W uint8 image: the t maximising the between-class variance.

    Pixels ``<= t`` form one class and ``> t`` the other (OpenCV's convention).
    Written out with a histogram and cumulative sums, as lesson 01 asks students to.
    """
    grey = np.asarray(grey)
    if grey.ndim != 2 or grey.dtype != np.uint8:
        raise ValueError(f"grey must be an H×W uint8 image, got shape {grey.shape} dtype {grey.dtype}")
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    p = hist / hist.sum()
    omega = np.cumsum(p)                       # weight of the class <= t
    mu = np.cumsum(p * np.arange(256))         # its unnormalised mean
    mu_total = mu[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu_total * omega - mu) ** 2 / (omega * (1 - omega))
    between = np.nan_to_num(between, nan=-1.0, posinf=-1.0)
    return int(np.argmax(between))


def otsu_mask(rgb, *, polarity: str = "auto", blur_sigma: float = 0.0) -> np.ndarray:
    """Return the product mask from Otsu's threshold on the luma grey (optionally after a Gaussian blur)."""
    g = grey_luma(rgb)
    if blur_sigma < 0:
        raise ValueError(f"blur_sigma must be >= 0, got {blur_sigma}")
    if blur_sigma > 0:
        g = cv2.GaussianBlur(g, (0, 0), blur_sigma)
    return _apply_polarity(g > otsu_threshold(g), polarity)


def adaptive_mask(rgb, *, block_size: int = 51, offset: float = 5.0, polarity: str = "auto") -> np.ndarray:
    """Return the mask of pixels brighter than their neighbourhood's mean minus ``offset`` (local threshold)."""
    block_size = as_odd(block_size, "block_size", 3)
    g = grey_luma(rgb)
    bright = cv2.adaptiveThreshold(g, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block_size, offset) > 0
    return _apply_polarity(bright, polarity)


# --- filters and edges -----------------------------------------------------------------------

def gaussian_blur(rgb, sigma: float = 1.5) -> np.ndarray:
    """Return ``rgb`` smoothed by a Gaussian of standard deviation ``sigma`` pixels (uint8)."""
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    return cv2.GaussianBlur(as_rgb(rgb), (0, 0), sigma)


def median_blur(rgb, size: int = 5) -> np.ndarray:
    """Return ``rgb`` with each pixel replaced by the median of its ``size``×``size`` window (uint8)."""
    return cv2.medianBlur(as_rgb(rgb), as_odd(size, "size", 3))


def bilateral_filter(rgb, diameter: int = 9, sigma_colour: float = 40, sigma_space: float = 5) -> np.ndarray:
    """Return ``rgb`` smoothed where colours are similar but not across edges (uint8)."""
    if diameter < 1 or sigma_colour <= 0 or sigma_space <= 0:
        raise ValueError(f"diameter, sigma_colour, sigma_space must be positive, got "
                         f"{diameter}, {sigma_colour}, {sigma_space}")
    return cv2.bilateralFilter(as_rgb(rgb), int(diameter), float(sigma_colour), float(sigma_space))


def sobel_magnitude(rgb) -> np.ndarray:
    """Return the Sobel gradient magnitude of the luma grey, H×W float32 (grey levels per pixel)."""
    g = grey_luma(rgb).astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    return np.hypot(gx, gy)


def canny_edges(rgb, low: float = 50, high: float = 150) -> np.ndarray:
    """Return Canny's thin edges of the luma grey as an H×W bool map."""
    if not 0 <= low <= high:
        raise ValueError(f"need 0 <= low <= high, got low={low}, high={high}")
    return cv2.Canny(grey_luma(rgb), float(low), float(high)) > 0


# --- morphology ------------------------------------------------------------------------------

def structuring_element(size: int, shape: str = "ellipse") -> np.ndarray:
    """Return a ``size``×``size`` structuring element (uint8) of the named shape."""
    if shape not in SHAPES:
        raise ValueError(f"shape={shape!r} is not one of {tuple(SHAPES)}")
    if not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    return cv2.getStructuringElement(SHAPES[shape], (int(size), int(size)))


def _morph(mask, op, size, shape) -> np.ndarray:
    m = as_mask(mask).astype(np.uint8)
    return cv2.morphologyEx(m, op, structuring_element(size, shape), borderType=cv2.BORDER_REPLICATE) > 0


def erode(mask, size: int = 3, shape: str = "ellipse") -> np.ndarray:
    """Return the mask shrunk: a pixel stays only if the whole element around it is True."""
    return _morph(mask, cv2.MORPH_ERODE, size, shape)


def dilate(mask, size: int = 3, shape: str = "ellipse") -> np.ndarray:
    """Return the mask grown: a pixel is set if any pixel under the element is True."""
    return _morph(mask, cv2.MORPH_DILATE, size, shape)


def opening(mask, size: int = 3, shape: str = "ellipse") -> np.ndarray:
    """Return erode then dilate: removes specks and thin bridges smaller than the element."""
    return _morph(mask, cv2.MORPH_OPEN, size, shape)


def closing(mask, size: int = 3, shape: str = "ellipse") -> np.ndarray:
    """Return dilate then erode: fills gaps and small holes smaller than the element."""
    return _morph(mask, cv2.MORPH_CLOSE, size, shape)


# --- region growing from the border -----------------------------------------------------------

def border_connected(candidates) -> np.ndarray:
    """Return the True pixels of ``candidates`` that are 4-connected to the image border (bool).

    The breadth-first flood fill that lesson 01's exercise asks for: start from
    every candidate pixel on the border, and spread to candidate neighbours.
    """
    c = as_mask(candidates, "candidates")
    h, w = c.shape
    reached = np.zeros_like(c)
    queue = deque()
    for y, x in [(0, x) for x in range(w)] + [(h - 1, x) for x in range(w)] + \
                [(y, 0) for y in range(h)] + [(y, w - 1) for y in range(h)]:
        if c[y, x] and not reached[y, x]:
            reached[y, x] = True
            queue.append((y, x))
    while queue:
        y, x = queue.popleft()
        for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
            if 0 <= ny < h and 0 <= nx < w and c[ny, nx] and not reached[ny, nx]:
                reached[ny, nx] = True
                queue.append((ny, nx))
    return reached


def flood_fill_background_mask(rgb, *, tolerance: float = 6, step: int = 4, blur_sigma: float = 1.0) -> np.ndarray:
    """Return the product mask: everything the background flood fill from the border does not reach.

    Region growing: from seeds spaced ``step`` pixels along the border, spread to
    neighbours whose colour differs from the neighbour they are reached from by at
    most ``tolerance`` per channel (OpenCV's floating range), so smooth
    gradients and vignetting are followed. Holes inside the product that the
    background cannot reach stay product. The Gaussian pre-blur (``blur_sigma``)
    lets the fill cross sensor noise and JPEG blocks, at the price of a halo of
    about one pixel around the product, where the blurred edge steps by more than
    ``tolerance``.
    """
    rgb = as_rgb(rgb)
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if step < 1:
        raise ValueError(f"step must be >= 1, got {step}")
    image = cv2.GaussianBlur(rgb, (0, 0), blur_sigma) if blur_sigma > 0 else rgb.copy()
    h, w = rgb.shape[:2]
    filled = np.zeros((h + 2, w + 2), np.uint8)
    diff = (float(tolerance),) * 3
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
    seeds = [(x, 0) for x in range(0, w, step)] + [(x, h - 1) for x in range(0, w, step)] + \
            [(0, y) for y in range(0, h, step)] + [(w - 1, y) for y in range(0, h, step)]
    for x, y in seeds:
        if not filled[y + 1, x + 1]:
            cv2.floodFill(image, filled, (x, y), (0, 0, 0), diff, diff, flags)
    return filled[1:-1, 1:-1] == 0


# --- GrabCut and contours ----------------------------------------------------------------------

def grabcut_mask(rgb, *, margin: float = 0.05, iterations: int = 5, seed: int = 0) -> np.ndarray:
    """Return GrabCut's product mask, initialised with a rectangle ``margin`` (fraction) inside the border.

    Slow by design (a colour model per iteration and a graph cut): about 0.1–1 s
    at 256×256. OpenCV's GrabCut draws random numbers, so ``seed`` fixes them.
    """
    rgb = as_rgb(rgb)
    if not 0 < margin < 0.5:
        raise ValueError(f"margin must lie in (0, 0.5), got {margin}")
    if not isinstance(iterations, (int, np.integer)) or iterations < 1:
        raise ValueError(f"iterations must be a positive integer, got {iterations!r}")
    h, w = rgb.shape[:2]
    mx, my = max(1, int(round(w * margin))), max(1, int(round(h * margin)))
    rect = (mx, my, w - 2 * mx, h - 2 * my)
    mask = np.zeros((h, w), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(seed)
    cv2.grabCut(rgb[:, :, ::-1].copy(), mask, rect, bgd, fgd, int(iterations), cv2.GC_INIT_WITH_RECT)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def edge_contour_mask(rgb, *, low: float = 30, high: float = 90, close_size: int = 7,
                      min_area: float = 0.01) -> np.ndarray:
    """Return the filled outlines of the largest closed edge contours: Canny → closing → fill.

    Contours with less than ``min_area`` (fraction of the image) are ignored; the
    largest one and any others at least half its area are filled.
    """
    edges = canny_edges(rgb, low, high)
    closed = closing(edges, close_size, "ellipse")
    contours, _ = cv2.findContours(closed.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    h, w = closed.shape
    areas = [cv2.contourArea(c) for c in contours]
    keep = [c for c, a in zip(contours, areas) if a >= min_area * h * w and a >= 0.5 * max(areas, default=0)]
    out = np.zeros((h, w), np.uint8)
    if keep:
        cv2.drawContours(out, keep, -1, 1, thickness=cv2.FILLED)
    return out > 0


METHODS = {
    "otsu": otsu_mask,
    "adaptive": adaptive_mask,
    "flood_fill": flood_fill_background_mask,
    "edges": edge_contour_mask,
    "grabcut": grabcut_mask,
}
"""The segmenters compared in lesson 01, by short name, with their default parameters."""

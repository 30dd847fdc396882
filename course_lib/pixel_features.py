"""Hand-made per-pixel features of a product photo, and labelled pixels to train a classifier on.

A per-pixel classifier (lesson 03's softmax, lesson 05's logistic regression
or linear SVM) sees each pixel as a short vector of numbers: its colour, the
mean colour around it, how much the grey level changes there, how different it
is from the colour of the image border (which is nearly always background in a
product photo), and where it sits in the frame. The gradients are convolutions
with hand-made Sobel kernels (lesson 02), computed with
:func:`course_lib.scratch.conv2d`; the local means are window means over odd
windows (:func:`course_lib.box_filter.box_mean`, windows clipped at the border).

>>> from course_lib import synth
>>> sample = synth.make_sample(0, size=64)
>>> features = pixel_features(sample.rgb)
>>> features.shape, features.dtype, len(FEATURE_NAMES)
((64, 64, 12), dtype('float32'), 12)
"""

from __future__ import annotations

import numpy as np

from course_lib import scratch
from course_lib.box_filter import box_mean
from course_lib.validate import as_odd, as_rgb

__all__ = ["FEATURE_NAMES", "LUMA", "SOBEL_X", "border_colours", "border_distance", "pixel_features",
           "labels_from_alpha", "sample_pixels"]

FEATURE_NAMES: tuple[str, ...] = (
    "red", "green", "blue",
    "local mean red", "local mean green", "local mean blue",
    "local std of grey",
    "gradient magnitude",
    "distance to border colours",
    "its local mean",
    "its wide mean",
    "distance from centre",
)
"""What each of the ``F`` feature channels holds, in order."""

LUMA = np.array([0.299, 0.587, 0.114], np.float32)

SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32) / 8
"""Sobel's horizontal-derivative kernel, divided by 8 so that on a ramp it returns the slope (grey per pixel)."""


def _filter_channels(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Return each channel of ``image`` (H×W×C) convolved with one ``kernel`` (kh×kw), edge-padded, H×W×C."""
    kh, kw = kernel.shape
    padded = np.pad(image, (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0)), mode="edge")
    batch = padded.transpose(2, 0, 1)[..., None]                   # C×H'×W'×1: channels as a batch
    out = scratch.conv2d(batch, kernel[:, :, None, None].astype(image.dtype), padding="valid")
    return out[..., 0].transpose(1, 2, 0)


def _window_mean(image: np.ndarray, size: int) -> np.ndarray:
    """Return the mean of each ``size``×``size`` window (``size`` odd), per channel, H×W×C float32."""
    return box_mean(image, size // 2).astype(np.float32)


def border_colours(rgb, n: int = 64, *, smooth: int = 3) -> np.ndarray:
    """Return ``n`` colours sampled evenly around the image's outermost ring, n×3 float32 in [0, 1].

    The ring is nearly always background in a product photo; sampling many
    colours (not one mean) covers backgrounds with gradients and clutter.
    Colours are first averaged over ``smooth``×``smooth`` pixels to calm noise.
    """
    rgb = as_rgb(rgb, min_side=3)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    colour = _window_mean(rgb.astype(np.float32) / 255, as_odd(smooth, 'smooth'))
    ring = np.concatenate([colour[0], colour[1:, -1], colour[-1, -2::-1], colour[-2:0:-1, 0]])
    return ring[np.linspace(0, len(ring) - 1, n).round().astype(int)]


def border_distance(rgb, n: int = 64, *, smooth: int = 3) -> np.ndarray:
    """Return each pixel's colour distance to the nearest of :func:`border_colours`, H×W float32 in [0, 1].

    0 means "this colour occurs on the border" (likely background); the distance
    is Euclidean in RGB divided by √3, so 1 is black against white.
    """
    colour = _window_mean(as_rgb(rgb, min_side=3).astype(np.float32) / 255, as_odd(smooth, 'smooth'))
    ring = border_colours(rgb, n, smooth=smooth)
    squared = ((colour[:, :, None, :] - ring[None, None]) ** 2).sum(axis=-1)   # H×W×n
    return (np.sqrt(squared.min(axis=-1)) / np.sqrt(3)).astype(np.float32)


def pixel_features(rgb, *, window: int = 9, wide_window: int = 25) -> np.ndarray:
    """Return the features of every pixel of a photo, H×W×F float32 (``F = len(FEATURE_NAMES)``).

    Parameters
    ----------
    rgb : H×W×3 uint8
        The photo.
    window : int, odd
        Side of the neighbourhood for the local mean, local deviation and the
        smoothed border distance.
    wide_window : int, odd
        Side of the wide neighbourhood for the border distance: a pixel inside a
        product, even one coloured like the background, has product around it.

    Notes
    -----
    The features: colour; its local mean; the local standard deviation of the
    luma grey (texture); the Sobel gradient magnitude (edges); the distance to
    the nearest border colour (:func:`border_distance`) and its local and wide
    means; the distance from the image centre (0 centre, 1 corner: products are
    usually framed in the middle).

    Returns
    -------
    H×W×F float32, each channel roughly in [0, 1]; :data:`FEATURE_NAMES` says which is which.
    """
    rgb = as_rgb(rgb, min_side=3)
    window, wide_window = as_odd(window, "window"), as_odd(wide_window, "wide_window")
    h, w = rgb.shape[:2]
    colour = rgb.astype(np.float32) / 255
    grey = colour @ LUMA
    mean = _window_mean(colour, window)
    grey_mean = _window_mean(grey[..., None], window)[..., 0]
    grey_sq = _window_mean((grey ** 2)[..., None], window)[..., 0]
    local_std = np.sqrt(np.maximum(grey_sq - grey_mean ** 2, 0))
    gx = _filter_channels(grey[..., None], SOBEL_X)[..., 0]
    gy = _filter_channels(grey[..., None], SOBEL_X.T)[..., 0]
    gradient = np.hypot(gx, gy)
    distance = border_distance(rgb)
    distance_mean = _window_mean(distance[..., None], window)[..., 0]
    distance_wide = _window_mean(distance[..., None], wide_window)[..., 0]
    rows = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / (h / 2)
    cols = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / (w / 2)
    centre = np.sqrt(rows[:, None] ** 2 + cols[None, :] ** 2) / np.sqrt(2)
    channels = [colour[..., 0], colour[..., 1], colour[..., 2], mean[..., 0], mean[..., 1], mean[..., 2],
                local_std, gradient, distance, distance_mean, distance_wide, centre]
    return np.stack(channels, axis=-1).astype(np.float32)


def labels_from_alpha(alpha) -> np.ndarray:
    """Return the class of each pixel from an alpha matte: 1 (object) where ``alpha >= 0.5``, else 0 (int64)."""
    alpha = np.asarray(alpha)
    return (alpha >= 0.5).astype(np.int64) if alpha.dtype != bool else alpha.astype(np.int64)


def sample_pixels(rgb_batch, alpha_batch, *, per_image: int, rng: np.random.Generator,
                  features=pixel_features) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)``: the features (M×F float32) and classes (M int64) of random pixels of each image.

    Parameters
    ----------
    rgb_batch : N×H×W×3 uint8
        Photos (a split's ``rgb``).
    alpha_batch : N×H×W float in [0, 1]
        Their exact alpha; pixels with ``alpha >= 0.5`` are class 1 (object).
    per_image : int
        Pixels drawn uniformly, without replacement, from each image (``M = N · per_image``).
    rng : numpy.random.Generator
        The only source of randomness.
    features : callable
        ``H×W×3 uint8 → H×W×F``; :func:`pixel_features` by default.
    """
    rgb_batch, alpha_batch = np.asarray(rgb_batch), np.asarray(alpha_batch)
    if rgb_batch.ndim != 4 or alpha_batch.shape != rgb_batch.shape[:3]:
        raise ValueError(f"rgb_batch must be N×H×W×3 and alpha_batch N×H×W, got {rgb_batch.shape} "
                         f"and {alpha_batch.shape}")
    n, h, w = alpha_batch.shape
    if not isinstance(per_image, (int, np.integer)) or not 1 <= per_image <= h * w:
        raise ValueError(f"per_image must be an int between 1 and {h * w}, got {per_image!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    xs, ys = [], []
    for rgb, alpha in zip(rgb_batch, alpha_batch):
        chosen = rng.choice(h * w, size=per_image, replace=False)
        xs.append(features(rgb).reshape(h * w, -1)[chosen])
        ys.append(labels_from_alpha(alpha).reshape(-1)[chosen])
    return np.concatenate(xs), np.concatenate(ys)

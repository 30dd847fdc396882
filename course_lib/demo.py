"""The kit's real product photos (``data/demo/``) with their approximate reference masks.

Thirteen small photos of product-like objects (fruit, a cup, boxes, a toy, a
motorcycle, …) from OpenCV's, scikit-image's and Matplotlib's sample data, so
lessons can measure themselves on real pictures and not only on generated ones.
``data/demo/annotations.json`` lists them with their source and licence;
``data/demo/SOURCES.md`` says where each came from and how it was cut.

The reference masks were made with GrabCut started from hand-placed hints,
stored in ``annotations.json`` in :mod:`course_lib.annotation_store`'s format and
replayed by ``scripts/make_demo_masks.py``, so they are approximate: edges may be off by a
pixel or two, and blurred or see-through parts were decided by hand. Treat a
score on them as approximate too, and remember that a GrabCut-made reference
flatters GrabCut.

>>> from course_lib import demo
>>> photos = demo.load_demo_set(["apple", "coffee"])
>>> [(p.name, p.rgb.shape, p.mask.dtype) for p in photos]
[('apple', (512, 512, 3), dtype('bool')), ('coffee', (400, 600, 3), dtype('bool'))]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from course_lib.annotation_store import ANNOTATIONS_FILE, AnnotationStore, load_mask
from course_lib.config import DATA_DIR
from course_lib.datasets import Split
from course_lib.imageio import load_image

__all__ = ["DEMO_DIR", "DIFFICULTY", "DemoPhoto", "read_index", "photo_names", "load_mask", "load_demo_set",
           "demo_mapping", "as_split"]

DEMO_DIR = DATA_DIR / "demo"
"""Where the demo set lives: ``images/``, ``masks/``, ``annotations.json``, ``SOURCES.md``."""

DIFFICULTY = "real"
"""The difficulty label the demo photos carry in a :class:`~course_lib.datasets.Split`."""


@dataclass
class DemoPhoto:
    """One demo photo and its reference mask.

    Attributes
    ----------
    name : str
        Short name, e.g. ``"apple"``; also the mask's file name.
    rgb : H×W×3 uint8
        The photo.
    mask : H×W bool
        Approximate reference mask, True = object.
    source : str
        Where the photo comes from (package, path, version; crops and resizes).
    licence : str
        The photo's licence as far as its source states it.
    """

    name: str
    rgb: np.ndarray
    mask: np.ndarray
    source: str
    licence: str


def read_index(folder: str | os.PathLike = DEMO_DIR) -> list[dict]:
    """Return one dict per accepted photo of ``folder/annotations.json``, in its order.

    Each dict holds name, file, source, licence and annotation.

    ``name`` is the file's stem (also the mask's name); ``annotation`` is the
    photo's :class:`course_lib.annotation_store.Annotation`, its GrabCut set-up.
    """
    path = Path(folder) / ANNOTATIONS_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the demo set's index of photos")
    try:
        annotations = AnnotationStore(folder).annotations
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"{path} is not the demo set's index ({exc})") from None
    entries = []
    for photo, annotation in annotations.items():
        if annotation.status != "accepted":            # skipped by the annotator: no reference mask
            continue
        missing = [k for k in ("source", "licence") if not getattr(annotation, k)]
        if missing:
            raise ValueError(f"{path}: photo {photo!r} has no {', '.join(missing)}")
        entries.append({"name": annotation.stem, "file": photo, "source": annotation.source,
                        "licence": annotation.licence, "annotation": annotation})
    return entries


def photo_names(folder: str | os.PathLike = DEMO_DIR) -> list[str]:
    """Return the demo photos' names, in the index's order."""
    return [entry["name"] for entry in read_index(folder)]


def load_demo_set(names: list[str] | None = None, folder: str | os.PathLike = DEMO_DIR) -> list[DemoPhoto]:
    """Return the demo photos (all, or those in ``names``, in that order) with their masks.

    Parameters
    ----------
    names : list of str, optional
        Which photos, e.g. ``["apple", "coffee"]``; default all, in the index's order.
    folder : path
        The demo folder (``images/``, ``masks/``, ``annotations.json``).

    Returns
    -------
    list of DemoPhoto
        ``rgb`` H×W×3 uint8 and ``mask`` H×W bool; sizes differ between photos.

    Raises
    ------
    KeyError
        A name that is not in the index (the message lists the known ones).
    ImageLoadError
        A photo or mask that is missing or unreadable; the message names the file.
    """
    folder = Path(folder)
    index = {entry["name"]: entry for entry in read_index(folder)}
    wanted = list(index) if names is None else list(names)
    unknown = [n for n in wanted if n not in index]
    if unknown:
        raise KeyError(f"no demo photo called {unknown}; the demo set has {sorted(index)}")
    photos = []
    for name in wanted:
        entry = index[name]
        rgb = load_image(folder / "images" / entry["file"])
        mask = load_mask(folder / "masks" / f"{name}.png", rgb.shape[:2])
        photos.append(DemoPhoto(name, rgb, mask, entry["source"], entry["licence"]))
    return photos


def demo_mapping(names: list[str] | None = None, folder: str | os.PathLike = DEMO_DIR
                 ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return ``{name: (rgb, mask)}`` for :class:`course_lib.views.picker.ImagePicker`'s ``demo=``."""
    return {p.name: (p.rgb, p.mask) for p in load_demo_set(names, folder)}


def as_split(names: list[str] | None = None, *, size: int | None = None,
             folder: str | os.PathLike = DEMO_DIR) -> Split:
    """Return the demo set as a :class:`~course_lib.datasets.Split` for :func:`course_lib.evaluate.evaluate_methods`.

    Parameters
    ----------
    names : list of str, optional
        Which photos; default all.
    size : int, optional
        ``None`` keeps every photo at its own size: ``rgb`` and ``alpha`` are then
        1-D object arrays whose items are ``H_i×W_i×3 uint8`` and ``H_i×W_i float32``
        (``split.rgb[i]`` works as for a generated split, ``split.rgb.shape`` does
        not). An int resizes every photo to ``size×size`` (aspect ratio not kept;
        area interpolation), giving ``N×size×size×3`` and ``N×size×size`` arrays
        like a generated split; the resized masks then have soft edges in [0, 1].

    Returns
    -------
    Split
        ``difficulty`` is ``"real"`` for every photo; ``meta`` holds ``name``,
        ``product`` (the name), ``background`` (``"real photo"``), ``source``, ``licence``.

    Examples
    --------
    >>> own_sizes = as_split(["gift", "jar_lid"])
    >>> own_sizes.rgb.shape, own_sizes.rgb[1].shape, own_sizes.alpha[1].dtype
    ((2,), (135, 160, 3), dtype('float32'))
    >>> square = as_split(["gift", "jar_lid"], size=32)
    >>> square.rgb.shape, square.alpha.shape, square.difficulty.tolist()
    ((2, 32, 32, 3), (2, 32, 32), ['real', 'real'])
    """
    photos = load_demo_set(names, folder)
    if size is not None and (not isinstance(size, (int, np.integer)) or size < 8):
        raise ValueError(f"size must be None or an integer >= 8, got {size!r}")
    rgbs = [p.rgb for p in photos]
    alphas = [p.mask.astype(np.float32) for p in photos]
    if size is not None:
        rgb = np.stack([cv2.resize(r, (size, size), interpolation=cv2.INTER_AREA) for r in rgbs])
        alpha = np.stack([np.clip(cv2.resize(a, (size, size), interpolation=cv2.INTER_AREA), 0, 1)
                          for a in alphas]).astype(np.float32)
    else:
        rgb, alpha = np.empty(len(photos), object), np.empty(len(photos), object)
        for i, (r, a) in enumerate(zip(rgbs, alphas)):   # item by item: NumPy would try to broadcast a list
            rgb[i], alpha[i] = r, a
    meta = [{"name": p.name, "product": p.name, "background": "real photo", "source": p.source,
             "licence": p.licence} for p in photos]
    return Split(rgb, alpha, np.array([DIFFICULTY] * len(photos)), meta, "demo")

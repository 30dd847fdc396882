"""The real photo set (``data/real``): ``dev`` and ``holdout`` photos with their reference masks.

61 real photos of products and everyday objects, split by scene (crops of one
photo stay on one side): ``dev`` may be looked at and tuned on; ``holdout`` is
scored only for final numbers and never trained or tuned on.
``data/real/photos.json`` gives each photo's source, licence, scene and tags;
``data/real/SOURCES.md`` the same as a table, with how each mask was made.

Each split is a folder in :mod:`course_lib.annotation_store`'s layout (``images/``,
``masks/``, ``annotations.json``): its reference masks are GrabCut proposals
corrected by hand with the annotation tool, and replay byte for byte.

>>> from course_lib import real
>>> real.SPLITS, len(real.read_photos("holdout")) >= 40
(('dev', 'holdout'), True)
"""

from __future__ import annotations

import dataclasses
import json

from course_lib import demo
from course_lib.config import DATA_DIR
from course_lib.datasets import Split

__all__ = ["REAL_DIR", "SPLITS", "read_photos", "load_real", "as_split", "real_mapping"]

REAL_DIR = DATA_DIR / "real"
"""Where the real photo set lives: ``photos.json``, ``SOURCES.md``, and one folder per split."""

SPLITS = ("dev", "holdout")
"""The two sides of the split, by scene."""


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split={split!r} is not one of {SPLITS}")
    return split


def read_photos(split: str | None = None) -> list[dict]:
    """Return ``photos.json``'s entries (all, or one split's), in its order: file, scene, source, licence, tags…"""
    photos = json.loads((REAL_DIR / "photos.json").read_text(encoding="utf-8"))["photos"]
    return [p for p in photos if split is None or p["split"] == _check_split(split)]


def load_real(split: str, names: list[str] | None = None) -> list[demo.DemoPhoto]:
    """Return one split's annotated photos (all, or those in ``names``) with their reference masks.

    Photos the annotators skipped (no clear object) are not returned.
    """
    return demo.load_demo_set(names, REAL_DIR / _check_split(split))


def as_split(split: str, names: list[str] | None = None, *, size: int | None = None) -> Split:
    """Return one split as a :class:`~course_lib.datasets.Split` named ``"real-dev"`` or ``"real-holdout"``.

    As :func:`course_lib.demo.as_split`: photos keep their own sizes unless
    ``size`` is given; ``difficulty`` is ``"real"`` for every photo.
    """
    return dataclasses.replace(demo.as_split(names, size=size, folder=REAL_DIR / _check_split(split)),
                               name=f"real-{split}")


def real_mapping(split: str) -> dict:
    """Return ``{name: (rgb, mask)}`` of one split, for the image picker's ``demo=``."""
    return demo.demo_mapping(None, REAL_DIR / _check_split(split))

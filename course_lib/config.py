"""Fast mode and the kit's folders, read once so lessons never parse the environment.

``COURSE_FAST=1`` (set by the test suite and by ``make course`` when asked) makes
every lesson use fewer images, fewer epochs and smaller sizes, so that the whole
course executes in minutes. Learners get full mode by default.

Examples
--------
>>> from course_lib.config import DATA_DIR, FAST, mode_name, pick
>>> n_images = pick(fast=8, full=300)
>>> n_images == (8 if FAST else 300), mode_name() in ("fast", "full")
(True, True)
>>> (DATA_DIR / "dataset_manifest.json").is_file()
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

__all__ = ["FAST", "REPO_ROOT", "DATA_DIR", "CACHE_DIR", "pick", "mode_name"]

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _read_fast_flag(value: str | None) -> bool:
    """Return the fast-mode flag from the raw ``COURSE_FAST`` value."""
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(
        f"COURSE_FAST={value!r} is not understood: use 1 (fast mode) or 0 (full mode)"
    )


FAST: bool = _read_fast_flag(os.environ.get("COURSE_FAST"))
"""True when the course runs in fast mode (``COURSE_FAST=1``)."""

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
"""The kit's top folder (the one holding ``notebooks/`` and ``data/``)."""

DATA_DIR: Path = REPO_ROOT / "data"
"""Shipped data: demo photos, the dataset manifest, the pretrained model."""

CACHE_DIR: Path = Path(os.environ.get("COURSE_CACHE", REPO_ROOT / ".cache"))
"""Git-ignored folder for generated datasets and other re-creatable files."""


def pick(*, fast: T, full: T) -> T:
    """Return ``fast`` in fast mode and ``full`` otherwise.

    Lessons write ``epochs = pick(fast=1, full=30)`` so both modes are visible
    in one line.

    Examples
    --------
    >>> epochs = pick(fast=1, full=30)
    >>> epochs == (1 if FAST else 30)
    True
    """
    return fast if FAST else full


def mode_name() -> str:
    """Return ``"fast"`` or ``"full"``, for printing at the top of a lesson."""
    return "fast" if FAST else "full"

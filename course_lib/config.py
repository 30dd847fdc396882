"""Fast mode and the kit's folders, read once so lessons never parse the environment.

``COURSE_FAST=1`` (set by the test suite and by ``make course`` when asked) makes
every lesson use fewer images, fewer epochs and smaller sizes, so that the whole
course executes in minutes. Learners get full mode by default.

``COURSE_FAST=smoke`` is fast mode shrunk further, for ``make test``: the tiniest
sizes that still run every cell. It proves that a lesson runs, not that its numbers
mean anything. ``FAST`` is true in smoke mode too; ``pick(smoke=…)`` chooses the
smoke value, and a ``pick`` without one gives its fast value.

Examples
--------
>>> from course_lib.config import DATA_DIR, FAST, SMOKE, mode_name, pick
>>> n_images = pick(fast=8, full=300)
>>> n_images == (8 if FAST else 300), mode_name() in ("smoke", "fast", "full")
(True, True)
>>> (DATA_DIR / "dataset_manifest.json").is_file()
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

__all__ = ["FAST", "SMOKE", "REPO_ROOT", "DATA_DIR", "CACHE_DIR", "pick", "mode_name", "repo_relative"]

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_SMOKE = {"smoke"}
_UNSET = object()


def _read_mode(value: str | None) -> str:
    """Return ``"full"``, ``"fast"`` or ``"smoke"`` from the raw ``COURSE_FAST`` value."""
    text = (value or "").strip().lower()
    if text in _TRUE:
        return "fast"
    if text in _FALSE:
        return "full"
    if text in _SMOKE:
        return "smoke"
    raise ValueError(
        f"COURSE_FAST={value!r} is not understood: use 1 (fast mode), smoke (the tiniest run, "
        "for make test) or 0 (full mode)"
    )


def _read_fast_flag(value: str | None) -> bool:
    """Return the fast-mode flag from the raw ``COURSE_FAST`` value (true in smoke mode too)."""
    return _read_mode(value) != "full"


_MODE: str = _read_mode(os.environ.get("COURSE_FAST"))

FAST: bool = _MODE != "full"
"""True when the course runs in fast mode (``COURSE_FAST=1``) or smoke mode (``COURSE_FAST=smoke``)."""

SMOKE: bool = _MODE == "smoke"
"""True in smoke mode (``COURSE_FAST=smoke``): the tiniest sizes, to prove every cell runs."""

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
"""The kit's top folder (the one holding ``notebooks/`` and ``data/``)."""

DATA_DIR: Path = REPO_ROOT / "data"
"""Shipped data: demo photos, the dataset manifest, the pretrained model."""

CACHE_DIR: Path = Path(os.environ.get("COURSE_CACHE", REPO_ROOT / ".cache"))
"""Git-ignored folder for generated datasets and other re-creatable files."""


def pick(*, fast: T, full: T, smoke: T = _UNSET) -> T:
    """Return ``smoke`` in smoke mode, ``fast`` in fast mode and ``full`` otherwise.

    Lessons write ``epochs = pick(fast=1, full=30)`` so both modes are visible
    in one line; ``pick(smoke=1, fast=4, full=30)`` where smoke mode should be
    smaller still. Without ``smoke``, smoke mode gets the fast value.

    Examples
    --------
    >>> epochs = pick(fast=1, full=30)
    >>> epochs == (1 if FAST else 30)
    True
    >>> pick(smoke=2, fast=8, full=300) == (2 if SMOKE else 8 if FAST else 300)
    True
    """
    if SMOKE and smoke is not _UNSET:
        return smoke
    return fast if FAST else full


def mode_name() -> str:
    """Return ``"smoke"``, ``"fast"`` or ``"full"``, for printing at the top of a lesson."""
    return _MODE


def repo_relative(path: str | os.PathLike) -> str:
    """Return ``path`` as a record stores it: relative to :data:`REPO_ROOT` when inside it, else absolute.

    >>> repo_relative(REPO_ROOT / "data" / "models")
    'data/models'
    """
    path = Path(path).resolve()
    return path.relative_to(REPO_ROOT).as_posix() if path.is_relative_to(REPO_ROOT) else path.as_posix()

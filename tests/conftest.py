"""Shared test set-up: quiet TensorFlow, notebook timings in the summary."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

NOTEBOOK_SECONDS: dict[str, float] = {}
"""Filled by tests/test_notebooks.py: each executed notebook's wall time."""


SLOW_KINDS = ("notebook", "browser", "dask", "export", "training")
"""Markers that say why a test is slow; each implies ``slow``, which ``make test`` deselects."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test of a slow kind ``slow`` as well, so that ``-m "not slow"`` leaves them all out."""
    for item in items:
        if any(item.get_closest_marker(kind) for kind in SLOW_KINDS) and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter):
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("notebook run times (fast mode)")
    for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
        terminalreporter.write_line(f"{seconds:8.1f} s  {name}")
    terminalreporter.write_line(f"{sum(NOTEBOOK_SECONDS.values()):8.1f} s  total")


@pytest.fixture(scope="module")
def split():
    """Six generated 96×96 samples, two per difficulty: a small split for widget and studio tests."""
    from course_lib import synth
    from course_lib.datasets import Split

    samples = [synth.make_sample(s, size=96, difficulty=d)
               for s, d in zip(range(6), ["easy", "medium", "hard"] * 2)]
    return Split(np.stack([s.rgb for s in samples]), np.stack([s.alpha for s in samples]),
                 np.array([s.meta["difficulty"] for s in samples]), [s.meta for s in samples], "toy")

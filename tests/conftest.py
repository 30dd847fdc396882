"""Shared test set-up: quiet TensorFlow, notebook timings in the summary."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

NOTEBOOK_SECONDS: dict[str, float] = {}
"""Filled by tests/test_notebooks.py: each executed notebook's wall time."""


def pytest_terminal_summary(terminalreporter):
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("notebook run times (fast mode)")
    for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
        terminalreporter.write_line(f"{seconds:8.1f} s  {name}")
    terminalreporter.write_line(f"{sum(NOTEBOOK_SECONDS.values()):8.1f} s  total")

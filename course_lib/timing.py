"""The timing helpers every benchmark shares: one way to time, one way to set threads, one way to parse options.

The benchmarks (``.venv/bin/python benchmarks/bench_x.py``) import them as
``from course_lib.timing import ...``.

This module imports nothing but the standard library (and ``course_lib/__init__.py``
imports nothing), on purpose:
:func:`set_threads` must run before NumPy, OpenCV, numba or TensorFlow is first
imported, and importing this module must not import them already.

Every timer takes an optional ``clock`` (default :func:`time.perf_counter`),
so that the tests can drive it with a fake clock.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

__all__ = ["THREAD_VARIABLES", "set_threads", "best_of", "median_of", "rate", "batch_rate",
           "benchmark_parser"]

Clock = Callable[[], float]

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def set_threads(n: int) -> None:
    """Give BLAS (OpenBLAS, MKL), OpenMP and numba ``n`` threads each, and quieten TensorFlow's C++ log.

    They read these variables when first imported, so call this before importing
    NumPy, OpenCV, numba or TensorFlow. (OpenCV and TensorFlow have their own
    run-time setting besides: ``cv2.setNumThreads``,
    ``tf.config.threading.set_*_parallelism_threads``.)
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = str(n)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def best_of(fn: Callable[[], object], repeat: int, number: int = 1, *, clock: Clock = time.perf_counter) -> float:
    """Return the fastest time of one call of ``fn()``, in seconds.

    ``fn`` is called once to warm up, then ``repeat`` rounds of ``number`` calls
    are timed; a round's time divided by ``number`` is one call's time, and the
    smallest over the rounds counts (the least disturbed by the machine's load).
    """
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            fn()
        best = min(best, (clock() - start) / number)
    return best


def median_of(fn: Callable[[int], object], repeat: int, *, clock: Clock = time.perf_counter) -> float:
    """Return the median time of ``repeat`` calls ``fn(0)``, ``fn(1)``, …, in seconds (no warm-up call).

    ``fn`` gets the call's number so that successive calls can differ, e.g. a
    slider moved back and forth (``lambda k: setattr(slider, "value", a if k % 2 else b)``).
    """
    times = []
    for k in range(repeat):
        start = clock()
        fn(k)
        times.append(clock() - start)
    return statistics.median(times)


def rate(fn: Callable[[int], object], n: int, *, clock: Clock = time.perf_counter) -> float:
    """Return how many calls per second ``fn(0)``, ``fn(1)``, …, ``fn(n - 1)`` run at (no warm-up call)."""
    start = clock()
    for i in range(n):
        fn(i)
    return n / (clock() - start)


def batch_rate(fn: Callable[[], object], n: int, *, clock: Clock = time.perf_counter) -> float:
    """Return how many items per second one call ``fn()`` that handles ``n`` items runs at (no warm-up call)."""
    start = clock()
    fn()
    return n / (clock() - start)


def benchmark_parser(doc: str, **int_options: int) -> argparse.ArgumentParser:
    """Return an argument parser described by the first line of ``doc``, with one integer option per keyword.

    ``benchmark_parser(__doc__, size=256, naive_size=12)`` gives ``--size`` (default 256)
    and ``--naive-size`` (default 12), in that order; add any other option to it.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in int_options.items():
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    return parser

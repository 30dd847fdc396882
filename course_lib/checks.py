"""Self-checks for the exercises: precise, friendly verdicts that never raise.

A check calls the student's function on a few cases, compares with the
course's reference implementation and prints what is wrong and where::

    ✗ otsu_threshold: on case 'two peaks' you returned 97, the reference gives 112

It treats ``NotImplementedError`` as "not done yet", so a lesson runs top to
bottom before the student has written anything. Each check returns a
:class:`CheckResult` (truthy when passed) for tests and notebooks alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np


@dataclass
class CheckResult:
    """The verdict of one check: ``passed``, ``status`` ("passed", "failed", "not done") and ``message``."""

    name: str
    passed: bool
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = {"passed": "✓", "failed": "✗", "not done": "…"}[self.status]
        return f"{mark} {self.name}: {self.message}"

    def _repr_pretty_(self, printer, cycle):  # IPython shows the verdict, not the dataclass
        printer.text(str(self))


def compare_arrays(name: str, yours, reference, *, rtol: float = 1e-5, atol: float = 1e-6,
                   what: str = "output") -> CheckResult:
    """Compare an array with the reference; name the shape error or the first mismatching index.

    >>> compare_arrays("conv2d", np.zeros((1, 2)), np.array([[0.0, 0.5]])).message
    'differs at output[0, 1]: 0 vs 0.5 (reference); 1 of 2 values differ'
    """
    try:
        yours = np.asarray(yours)
    except Exception as exc:  # e.g. a ragged list
        return CheckResult(name, False, "failed", f"your {what} is not an array ({exc})")
    reference = np.asarray(reference)
    if yours.shape != reference.shape:
        hint = ""
        if yours.ndim == reference.ndim and all(a <= b for a, b in zip(yours.shape, reference.shape)):
            hint = ": is padding missing?"
        elif yours.ndim != reference.ndim:
            hint = f": you have {yours.ndim} axes, the reference {reference.ndim}"
        return CheckResult(name, False, "failed",
                           f"your {what} has shape {yours.shape} but the reference has {reference.shape}{hint}")
    if reference.dtype == bool or yours.dtype == bool:
        bad = yours.astype(bool) != reference.astype(bool)
    else:
        if not np.issubdtype(yours.dtype, np.number):
            return CheckResult(name, False, "failed", f"your {what} has dtype {yours.dtype}, not numbers")
        y, r = yours.astype(np.float64), reference.astype(np.float64)
        if np.isnan(y).any() and not np.isnan(r).any():
            first = tuple(int(i) for i in np.argwhere(np.isnan(y))[0])
            return CheckResult(name, False, "failed", f"your {what} has NaN, first at {what}{list(first)}")
        bad = ~np.isclose(y, r, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return CheckResult(name, True, "passed", f"matches the reference ({reference.size} values)")
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    index = ", ".join(str(i) for i in first)
    return CheckResult(name, False, "failed",
                       f"differs at {what}[{index}]: {yours[first]:.6g} vs {reference[first]:.6g} (reference); "
                       f"{int(bad.sum())} of {bad.size} values differ")


def run_cases(name: str, student: Callable, reference: Callable, cases: Iterable[tuple[str, tuple]], *,
              compare: Callable[[str, object, object], CheckResult] | None = None,
              verbose: bool = True) -> CheckResult:
    """Call ``student`` and ``reference`` on each ``(label, args)`` case; stop at the first failure.

    Prints the verdict (unless ``verbose=False``) and returns it; never raises.
    """
    compare = compare or (lambda n, yours, ref: compare_arrays(n, yours, ref))
    result = None
    count = 0
    for label, args in cases:
        count += 1
        try:
            yours = student(*args)
        except NotImplementedError:
            result = CheckResult(name, False, "not done", "not done yet — fill in the function above and run again")
            break
        except Exception as exc:
            result = CheckResult(name, False, "failed",
                                 f"raised {type(exc).__name__} on case '{label}': {exc}")
            break
        verdict = compare(name, yours, reference(*args))
        if not verdict.passed:
            result = CheckResult(name, False, "failed", f"on case '{label}' {verdict.message}")
            break
    if result is None:
        result = CheckResult(name, True, "passed", f"all {count} cases match the reference")
    if verbose:
        print(result)
    return result


# --- lesson 01 --------------------------------------------------------------------------------

def _grey_cases() -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(0)
    two_peaks = np.clip(np.concatenate([rng.normal(60, 12, 600), rng.normal(180, 20, 400)]), 0, 255)
    skewed = np.clip(np.concatenate([rng.normal(30, 8, 900), rng.normal(220, 10, 100)]), 0, 255)
    ramp = np.tile(np.arange(256), 4)
    return [("two peaks", (two_peaks.astype(np.uint8).reshape(25, 40),)),
            ("a small bright object", (skewed.astype(np.uint8).reshape(25, 40),)),
            ("a flat ramp", (ramp.astype(np.uint8).reshape(32, 32),))]


def check_otsu_threshold(fn: Callable[[np.ndarray], int], *, verbose: bool = True) -> CheckResult:
    """Check a student's ``otsu_threshold(grey) -> int`` against :func:`course_lib.classical.otsu_threshold`."""
    from course_lib.classical import otsu_threshold

    def compare(name, yours, ref):
        try:
            value = int(yours)
        except (TypeError, ValueError):
            return CheckResult(name, False, "failed", f"you returned {yours!r}, not an integer threshold")
        if value != ref:
            return CheckResult(name, False, "failed",
                               f"you returned {value}, the reference gives {ref} "
                               "(pixels <= t are one class, > t the other)")
        return CheckResult(name, True, "passed", "")

    return run_cases("otsu_threshold", fn, otsu_threshold, _grey_cases(), compare=compare, verbose=verbose)


def check_border_connected(fn: Callable[[np.ndarray], np.ndarray], *, verbose: bool = True) -> CheckResult:
    """Check a student's ``border_connected(candidates) -> bool mask`` against the reference flood fill."""
    from course_lib.classical import border_connected

    ring = np.zeros((9, 9), bool)
    ring[1:8, 1:8] = True
    ring[2:7, 2:7] = False
    ring[0, 4] = True                         # the ring touches the border through one pixel
    enclosed = ring.copy()
    enclosed[4, 4] = True                     # a pocket inside the ring: not connected
    rng = np.random.default_rng(3)
    cases = [("nothing", (np.zeros((5, 6), bool),)), ("everything", (np.ones((5, 6), bool),)),
             ("a ring with a pocket", (enclosed,)), ("random blobs", (rng.random((30, 40)) > 0.5,))]
    return run_cases("border_connected", fn, border_connected, cases,
                     compare=lambda n, y, r: compare_arrays(n, y, r, what="mask"), verbose=verbose)

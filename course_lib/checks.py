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

__all__ = [
    "CheckResult", "compare_arrays", "run_cases",
    "check_otsu_threshold", "check_border_connected",                                  # lesson 01
    "check_conv2d", "check_max_pool2d", "check_softmax", "check_softmax_cross_entropy",  # lessons 02, 03
    "check_dice_loss", "dice_loss_reference",                                          # lesson 04
    "check_object_probability", "check_best_threshold",                                # lesson 05
    "check_fill_holes", "check_composite",                                             # lesson 06
    "check_iou",                                                                       # lesson 07
    "check_wall_hours",                                                                # lesson 08
    "check_with_named_mistakes", "check_rgba", "rgba_reference",                        # lesson 00
    "check_colour_contrast", "colour_contrast_reference",                              # lesson 00b
    "check_real_summary", "real_summary_reference",                                    # lesson 04b
    "check_median_background", "median_background_reference",                          # lesson 09
    "check_cnn_box",                                                                   # lesson 10
]


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


def _verdict(name: str, failure: CheckResult | None, count: int, verbose: bool) -> CheckResult:
    """Return ``failure``, or a pass over ``count`` cases; print it unless ``verbose`` is False."""
    result = (failure if failure is not None
              else CheckResult(name, True, "passed", f"all {count} cases match the reference"))
    if verbose:
        print(result)
    return result


def run_cases(name: str, student: Callable, reference: Callable, cases: Iterable[tuple[str, tuple]], *,
              compare: Callable[[str, object, object], CheckResult] | None = None,
              verbose: bool = True) -> CheckResult:
    """Call ``student`` and ``reference`` on each ``(label, args)`` case; stop at the first failure.

    Prints the verdict (unless ``verbose=False``) and returns it; never raises.
    """
    compare = compare or compare_arrays
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
    return _verdict(name, result, count, verbose)


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


# --- lessons 02 and 03: convolution, pooling, softmax, the cross-entropy gradient -------------

@dataclass
class _Reference:
    """The reference answer of one case, and wrong answers a student is likely to give, each with a hint."""

    value: object
    likely_mistakes: list[tuple[str, object]]


def _hinted_compare(what: str = "output", rtol: float = 1e-5, atol: float = 1e-6):
    """Return a ``compare`` for :func:`run_cases` that names a likely mistake when the answer matches one."""

    def compare(name, yours, ref: _Reference) -> CheckResult:
        verdict = compare_arrays(name, yours, ref.value, rtol=rtol, atol=atol, what=what)
        if verdict.passed:
            return verdict
        try:
            mine = np.asarray(yours, dtype=np.float64)
        except (TypeError, ValueError):
            return verdict
        for hint, mistake in ref.likely_mistakes:
            wrong = np.asarray(mistake, dtype=np.float64)
            if mine.shape == wrong.shape and np.allclose(mine, wrong, rtol=rtol, atol=atol):
                message = verdict.message.replace(": is padding missing?", "")   # the hint says it better
                return CheckResult(name, False, "failed", f"{message} — {hint}")
        return verdict

    return compare


def _conv_cases() -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(20)

    def case(shape, kernel, bias=True):
        x = rng.integers(-3, 4, shape).astype(np.float64)
        w = rng.integers(-2, 3, kernel[:2] + (shape[3], kernel[2])).astype(np.float64)
        b = rng.integers(1, 4, kernel[2]).astype(np.float64) if bias else np.zeros(kernel[2])
        return x, w, b

    return [
        ('one channel, 3×3 kernel, padding="valid"', case((1, 5, 6, 1), (3, 3, 1), bias=False) + (1, "valid")),
        ("2 channels in, 3 out, with bias", case((1, 5, 5, 2), (3, 3, 3)) + (1, "valid")),
        ('stride 2, padding="valid"', case((1, 7, 8, 2), (3, 3, 2)) + (2, "valid")),
        ('padding="same", 3×3 kernel', case((1, 5, 6, 2), (3, 3, 2)) + (1, "same")),
        ('padding="same", stride 2 (TensorFlow puts the odd padding row at the bottom/right)',
         case((1, 6, 6, 1), (3, 3, 2)) + (2, "same")),
        ('a batch of 2, a 2×4 kernel, padding="same"', case((2, 5, 7, 3), (2, 4, 2)) + (1, "same")),
    ]


def check_conv2d(fn: Callable, *, verbose: bool = True) -> CheckResult:
    """Check a student's ``conv2d(x, w, b, stride, padding) -> N×Ho×Wo×O`` against :func:`course_lib.scratch.conv2d`.

    ``x`` is N×H×W×C, ``w`` kh×kw×C×O (TensorFlow's layout), ``b`` O, ``stride`` an
    int, ``padding`` "valid" or "same". A wrong answer that matches a common
    mistake (flipped kernel, bias left out, no padding, stride ignored) is named.
    """
    from course_lib import scratch

    def reference(x, w, b, stride, padding):
        mistakes = [
            ("you flipped the kernel: that is true convolution, CNN layers compute cross-correlation "
             "(no flip)", scratch.true_convolution2d(x, w, b, stride=stride, padding=padding)),
            ("the bias b is missing", scratch.conv2d(x, w, stride=stride, padding=padding)),
            (f"the stride is ignored: move the window {stride} pixels at a time",
             scratch.conv2d(x, w, b, stride=1, padding=padding)),
        ]
        if padding == "same":
            kh, kw = w.shape[:2]
            top, bottom = scratch.same_padding(x.shape[1], kh, stride)
            even = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
            mistakes += [("padding is missing: with padding='same' pad the input with zeros "
                          "so the output has ceil(H / stride) rows",
                          scratch.conv2d(x, w, b, stride=stride, padding="valid")),
                         (f"you padded {kh // 2} row(s) on each side; TensorFlow pads total // 2 before and "
                          f"the rest after: here {top} above and {bottom} below (scratch.same_padding)",
                          scratch.conv2d(even, w, b, stride=stride, padding="valid")
                          if min(even.shape[1] - kh, even.shape[2] - kw) >= 0 else np.empty(0))]
        return _Reference(scratch.conv2d(x, w, b, stride=stride, padding=padding), mistakes)

    return run_cases("conv2d", fn, reference, _conv_cases(), compare=_hinted_compare(), verbose=verbose)


def _pool_cases() -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(21)
    return [
        ("2×2 windows, stride 2, on 4×4", (rng.integers(0, 10, (1, 4, 4, 1)).astype(float), 2, 2)),
        ("2×2, stride 2, on 5×7: the last row and column fit no window and are dropped",
         (rng.integers(0, 10, (1, 5, 7, 2)).astype(float), 2, 2)),
        ("3×3 windows, stride 2 (they overlap)", (rng.normal(size=(2, 7, 7, 2)), 3, 2)),
        ("all values negative", (-1 - rng.random((1, 6, 6, 3)), 2, 2)),
        ("3×3 windows, stride 1", (rng.normal(size=(1, 5, 6, 1)), 3, 1)),
    ]


def check_max_pool2d(fn: Callable, *, verbose: bool = True) -> CheckResult:
    """Check a student's ``max_pool2d(x, size, stride) -> N×Ho×Wo×C`` ('valid' windows) against the reference.

    ``Ho = (H − size) // stride + 1``. Names common mistakes: averaging instead
    of the maximum, a window that moves one pixel at a time, a maximum started at 0.
    """
    from course_lib import scratch

    def reference(x, size, stride):
        ref = scratch.max_pool2d(x, size, stride, "valid")
        mistakes = [("that is average pooling: take the maximum of each window",
                     scratch.avg_pool2d(x, size, stride, "valid")),
                    ("your window moves one pixel at a time (the text's formula, ERRATA 2, docs/ERRATA.md#item-2): "
                     "window (i, j) starts at row i·stride, column j·stride",
                     scratch.max_pool2d(x, size, 1, "valid")),
                    ("negative maxima came out as 0: start from the window's first value (or -inf), not 0",
                     np.maximum(ref, 0)),
                    ("you kept windows that stick out of the map: with 'valid' pooling "
                     "Ho = (H − size) // stride + 1 and the leftover rows are dropped",
                     scratch.max_pool2d(x, size, stride, "same"))]
        return _Reference(ref, mistakes)

    return run_cases("max_pool2d", fn, reference, _pool_cases(), compare=_hinted_compare(), verbose=verbose)


def check_softmax(fn: Callable, *, verbose: bool = True) -> CheckResult:
    """Check a student's ``softmax(z) -> same shape`` (over the last axis) against :func:`course_lib.scratch.softmax`.

    One case has logits of about 1000: a softmax that does not subtract the
    maximum first overflows there and returns NaN.

    Examples
    --------
    >>> from course_lib import scratch
    >>> result = check_softmax(scratch.softmax)
    ✓ softmax: all 4 cases match the reference
    >>> result = check_softmax(lambda z: scratch.softmax(z, axis=0))
    ✗ softmax: on case 'one row of 3 logits' differs at output[0, 0]: 1 vs 0.0900306 (reference); 3 of 3 values
    differ — it sums to 1 over the wrong axis: use axis=-1 (the classes)
    >>> bool(result), result.status
    (False, 'failed')
    >>> def softmax(z):
    ...     raise NotImplementedError      # the exercise's stub
    >>> check_softmax(softmax, verbose=False).status
    'not done'
    """
    from course_lib import scratch

    rng = np.random.default_rng(22)
    cases = [("one row of 3 logits", (np.array([[1.0, 2.0, 3.0]]),)),
             ("5 pixels × 2 classes", (rng.normal(size=(5, 2)) * 3,)),
             ("an image of logits, 4×6×2", (rng.normal(size=(4, 6, 2)),)),
             ("large logits (about 1000)", (np.array([[1000.0, 1001.0], [-1000.0, 1000.0]]),))]

    def reference(z):
        return _Reference(scratch.softmax(z), [("it sums to 1 over the wrong axis: use axis=-1 (the classes)",
                                                scratch.softmax(z, axis=0))])

    def compare(name, yours, ref):
        verdict = _hinted_compare()(name, yours, ref)
        if not verdict.passed and "NaN" in verdict.message:
            return CheckResult(name, False, "failed", f"{verdict.message} — exp overflowed: subtract each "
                                                      "row's maximum before np.exp (the result is the same)")
        return verdict

    return run_cases("softmax", fn, reference, cases, compare=compare, verbose=verbose)


def check_softmax_cross_entropy(fn: Callable, *, verbose: bool = True) -> CheckResult:
    """Check ``softmax_cross_entropy(logits, onehot) -> (loss, dlogits)`` (M×K each) against the reference.

    ``loss`` is the mean over the M rows; ``dlogits = (softmax(logits) − onehot) / M``.
    """
    from course_lib import scratch

    rng = np.random.default_rng(23)
    cases = []
    for label, m, k in (("4 pixels, 2 classes", 4, 2), ("10 pixels, 3 classes", 10, 3), ("1 pixel", 1, 2)):
        cases.append((label, (rng.normal(size=(m, k)) * 2, np.eye(k)[rng.integers(0, k, m)])))

    def reference(logits, onehot):
        loss, cache = scratch.softmax_cross_entropy_forward(logits, onehot)
        grad = scratch.softmax_cross_entropy_backward(1.0, cache)
        return loss, grad, len(logits)

    def compare(name, yours, ref):
        loss, grad, m = ref
        if not isinstance(yours, tuple) or len(yours) != 2:
            return CheckResult(name, False, "failed", "return a pair (loss, dlogits)")
        try:
            your_loss = float(yours[0])
        except (TypeError, ValueError):
            return CheckResult(name, False, "failed", f"your loss is {yours[0]!r}, not one number")
        if not np.isclose(your_loss, loss, rtol=1e-5, atol=1e-7):
            hint = (" — the loss is the *mean* over the M pixels of −log p[true class]"
                    if np.isclose(your_loss, loss * m) and m > 1 else "")
            return CheckResult(name, False, "failed",
                               f"your loss is {your_loss:.6g}, the reference gives {loss:.6g}{hint}")
        mistakes = [("not divided by the number of pixels M (the loss is a mean)", grad * m),
                    ("the sign is flipped: it is softmax − onehot", -grad)]
        return _hinted_compare(what="dlogits")(name, yours[1], _Reference(grad, mistakes))

    return run_cases("softmax_cross_entropy", fn, reference, cases, compare=compare, verbose=verbose)


# --- lesson 04: the Dice term of the U-Net's loss ---------------------------------------------

def dice_loss_reference(alpha: np.ndarray, p: np.ndarray, smooth: float = 1.0) -> float:
    """Return ``1 − (2·Σαp + smooth) / (Σα + Σp + smooth)`` for one image (NumPy twin of ``unet_loss.dice_loss``)."""
    return float(1.0 - (2.0 * np.sum(alpha * p) + smooth) / (np.sum(alpha) + np.sum(p) + smooth))


def check_dice_loss(fn: Callable[[np.ndarray, np.ndarray], float], *, verbose: bool = True) -> CheckResult:
    """Check a student's ``dice_loss(alpha, p) -> float`` (one H×W image, smoothing 1) against the reference."""
    rng = np.random.default_rng(4)
    square = np.zeros((8, 8))
    square[2:6, 2:6] = 1.0
    cases = [("a perfect prediction", (square, square)), ("the opposite prediction", (square, 1 - square)),
             ("an empty image, nothing predicted", (np.zeros((5, 5)), np.zeros((5, 5)))),
             ("soft alpha and probabilities", (rng.random((6, 7)), rng.random((6, 7))))]

    def reference(alpha, p):
        inter, total = np.sum(alpha * p), np.sum(alpha) + np.sum(p)
        return _Reference(dice_loss_reference(alpha, p), [
            ("that is the Dice score; the loss is 1 − Dice", 1 - dice_loss_reference(alpha, p)),
            ("add the smoothing 1 to both the numerator and the denominator",
             1 - 2 * inter / total if total else np.nan),
            ("the intersection counts twice: 2·Σαp", 1 - (inter + 1) / (total + 1))])

    return run_cases("dice_loss", fn, reference, cases, compare=_hinted_compare(what="loss"), verbose=verbose)


# --- lesson 06: hole filling and compositing ----------------------------------------------------

def _hole_cases() -> list[tuple[str, tuple]]:
    ring = np.zeros((11, 11), bool)
    ring[2:9, 2:9] = True
    ring[4:7, 4:7] = False                    # a 3×3 hole in the middle
    open_c = ring.copy()
    open_c[5, 6:] = False                     # the same ring cut open to the right border: no hole
    diagonal = np.zeros((9, 9), bool)
    diagonal[1:8, 1:8] = True
    diagonal[3:6, 3:6] = False
    diagonal[2, 2] = False                    # the hole touches the outside only through a diagonal step
    diagonal[1, 1] = False
    rng = np.random.default_rng(6)
    return [("a square ring", (ring,)), ("a ring cut open to the border", (open_c,)),
            ("a hole that meets the outside only diagonally", (diagonal,)),
            ("an empty mask", (np.zeros((5, 6), bool),)), ("a full mask", (np.ones((5, 6), bool),)),
            ("random blobs", (rng.random((24, 30)) > 0.45,))]


def check_fill_holes(fn: Callable[[np.ndarray], np.ndarray], *, verbose: bool = True) -> CheckResult:
    """Check a student's ``fill_holes(mask) -> bool mask`` against :func:`course_lib.postprocess.fill_holes`.

    Holes are background pixels that a flood fill from the image border, moving
    up/down/left/right through background, cannot reach. Names the likely
    mistakes: the holes alone, the inverse, a diagonal (8-connected) flood fill.
    """
    from scipy import ndimage

    from course_lib.classical import border_connected
    from course_lib.postprocess import fill_holes

    def reference(mask):
        ref = fill_holes(mask)
        return _Reference(ref, [
            ("you returned only the holes: return the mask with its holes filled (mask | holes)", ref & ~mask),
            ("you returned the background that the border reaches; the product is everything else",
             border_connected(~mask)),
            ("your flood fill crossed a diagonal step (8-connected background); move only up, down, left "
             "and right through background", ndimage.binary_fill_holes(mask, structure=np.ones((3, 3), bool))),
            ("that is the inverted mask", ~mask),
            ("you returned the mask unchanged: its holes are still open", mask.copy()),
        ])

    return run_cases("fill_holes", fn, reference, _hole_cases(), compare=_hinted_compare(what="mask"),
                     verbose=verbose)


def _composite_cases() -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(7)
    fore = rng.integers(0, 256, (5, 6, 3)).astype(np.uint8)
    back = rng.integers(0, 256, (5, 6, 3)).astype(np.uint8)
    ramp = np.tile(np.linspace(0, 1, 6, dtype=np.float32), (5, 1))
    hard = rng.random((5, 6)) > 0.5
    return [("alpha = 1 everywhere (the foreground)", (fore, np.ones((5, 6), np.float32), back)),
            ("alpha = 0 everywhere (the background)", (fore, np.zeros((5, 6), np.float32), back)),
            ("a soft ramp from 0 to 1", (fore, ramp, back)),
            ("a random soft alpha", (fore, rng.random((5, 6)).astype(np.float32), back)),
            ("a bool mask as alpha", (fore, hard, back))]


def check_composite(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray], *,
                    verbose: bool = True) -> CheckResult:
    """Check a student's ``composite(foreground, alpha, background) -> H×W×3 uint8``.

    ``out = α·F + (1 − α)·B`` per colour channel, rounded to the nearest
    integer; the reference is :func:`course_lib.compositing.composite`. ``alpha`` may be
    float in [0, 1] or bool.
    """
    from course_lib.compositing import composite

    def student(fore, alpha, back):
        try:
            return fn(fore, alpha, back)
        except ValueError as exc:
            if "broadcast" in str(exc):
                raise ValueError(f"{exc} — give alpha a channel axis, alpha[:, :, None], so it weights "
                                 "all three colours") from None
            raise
        except TypeError as exc:
            if alpha.dtype == bool:
                raise TypeError(f"{exc} — a bool alpha must become numbers first: "
                                "alpha.astype(np.float32)") from None
            raise

    def reference(fore, alpha, back):
        a = np.asarray(alpha, np.float64)[:, :, None]
        exact = a * fore + (1 - a) * back
        return _Reference(composite(fore, alpha, back), [
            ("α weights the foreground: out = α·F + (1 − α)·B (you swapped F and B)", composite(back, alpha, fore)),
            ("the values are right but not rounded: np.rint(...).astype(np.uint8)", exact),
        ])

    def compare(name, yours, ref):
        verdict = _hinted_compare(what="image", rtol=0, atol=1e-6)(name, yours, ref)
        mine = np.asarray(yours)
        if verdict.passed and mine.dtype != np.uint8:
            return CheckResult(name, False, "failed", f"the values are right, but the dtype is "
                                                      f"{mine.dtype}: return .astype(np.uint8)")
        if not verdict.passed and mine.shape == ref.value.shape and np.issubdtype(mine.dtype, np.number):
            step = mine.astype(np.float64) - ref.value.astype(np.float64)
            if np.all((step == 0) | (step == -1)) and (step == -1).any():
                return CheckResult(name, False, "failed", f"{verdict.message} — round to the nearest integer "
                                   "(np.rint) before .astype(np.uint8), which cuts the fraction off")
        return verdict

    return run_cases("composite", student, reference, _composite_cases(), compare=compare, verbose=verbose)


# --- lesson 05: P(object) from a map of logits, at a temperature ---------------------------------

def check_object_probability(fn: Callable, *, verbose: bool = True) -> CheckResult:
    """Check ``object_probability(logits, temperature) -> P(object)``.

    The reference is :func:`course_lib.calibration.object_probability`.

    ``logits`` is …×2 (background, object) with the classes on the last axis —
    one pixel, a list of pixels, an ``H×W×2`` map or an ``N×H×W×2`` batch; the
    answer is ``softmax(logits / T)[..., 1]``, one value per pixel. Names the
    likely mistakes: the background channel, both channels, multiplying by T,
    ignoring T, a softmax over the wrong axis, and an overflow on large scores.

    Examples
    --------
    >>> from course_lib import calibration, scratch
    >>> result = check_object_probability(calibration.object_probability)
    ✓ object_probability: all 5 cases match the reference
    >>> check_object_probability(lambda z, t=1.0: scratch.softmax(np.asarray(z) * t)[..., 1],
    ...                          verbose=False).message   # doctest: +ELLIPSIS
    "on case 'a 4×6×2 map of logits, T = 0.5' differs ... — divide the scores by T: softmax(z / T), not z · T"
    """
    from course_lib import calibration, scratch

    rng = np.random.default_rng(26)
    cases = [("one pixel (1×2), T = 1", (np.array([[1.0, 3.0]]), 1.0)),
             ("5 pixels × 2 classes, T = 1", (rng.normal(0, 3, (5, 2)), 1.0)),
             ("a 4×6×2 map of logits, T = 0.5", (rng.normal(0, 2, (4, 6, 2)), 0.5)),
             ("a batch of 2 maps at T = 2", (rng.normal(0, 2, (2, 3, 5, 2)), 2.0)),
             ("large scores (about ±1000), T = 0.8", (np.array([[1000.0, -1000.0], [-999.0, 1001.0]]), 0.8))]

    def reference(logits, temperature):
        z = np.asarray(logits, np.float64)
        ref = calibration.object_probability(z, temperature).astype(np.float64)
        mistakes = [("that is P(background): the object is channel 1 (the last axis, index 1)", 1 - ref),
                    ("divide the scores by T: softmax(z / T), not z · T", scratch.softmax(z * temperature)[..., 1])]
        if temperature != 1:
            mistakes.append(("the temperature is ignored: divide the scores by T first",
                             scratch.softmax(z)[..., 1]))
        if z.ndim > 1:
            mistakes.append(("the softmax runs over the first axis; the classes are the last axis (axis=-1)",
                             scratch.softmax(z / temperature, axis=0)[..., 1]))
        return _Reference(ref, mistakes)

    def compare(name, yours, ref: _Reference) -> CheckResult:
        mine = np.asarray(yours) if not isinstance(yours, (list, tuple)) else np.asarray(yours, dtype=object)
        if mine.shape == ref.value.shape + (2,):
            return CheckResult(name, False, "failed", f"your output has shape {mine.shape}, both classes: return "
                                                      f"only P(object), channel 1, shape {ref.value.shape}")
        verdict = _hinted_compare(what="P(object)")(name, yours, ref)
        if not verdict.passed and "NaN" in verdict.message:
            return CheckResult(name, False, "failed", f"{verdict.message} — exp overflowed: subtract each pixel's "
                                                      "largest score first, or use σ(z_object − z_background)")
        return verdict

    return run_cases("object_probability", fn, reference, cases, compare=compare, verbose=verbose)


# --- lesson 05: the threshold that maximises IoU on the validation split ---------------------------

def _threshold_cases() -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(25)
    thresholds = np.round(np.arange(0.05, 0.951, 0.05), 2)

    def photo(h, w, box, p_object, p_background, noise=0.12):
        truth = np.zeros((h, w), np.float32)
        truth[box] = 1
        level = np.where(truth > 0, p_object, p_background)
        return np.clip(level + rng.normal(0, noise, (h, w)), 0, 1).astype(np.float32), truth

    unsure = photo(24, 30, np.s_[6:18, 8:22], 0.35, 0.1)
    spill = [photo(20, 20, np.s_[5:15, 5:15], 0.9, 0.6), photo(16, 28, np.s_[3:13, 4:20], 0.85, 0.55)]
    small = photo(40, 40, np.s_[17:23, 17:23], 0.6, 0.3)            # a small product, an unsure model
    large = photo(40, 40, np.s_[4:36, 4:36], 0.8, 0.55)             # a large product, background close behind
    return [("one photo, an unsure model (object pixels at about 0.35)", ([unsure[0]], [unsure[1]], thresholds)),
            ("two photos where the background spills over 0.5", ([a for a, _ in spill], [t for _, t in spill],
                                                                  thresholds)),
            ("a small and a large product: every photo counts once", ([small[0], large[0]], [small[1], large[1]],
                                                                      thresholds)),
            ("a coarse list of thresholds", ([small[0], unsure[0]], [small[1], unsure[1]],
                                            np.array([0.3, 0.5, 0.7])))]


def check_best_threshold(fn: Callable, *, verbose: bool = True) -> CheckResult:
    """Check ``best_threshold(alphas, truths, thresholds) -> float``.

    The reference is :func:`course_lib.calibration.best_threshold`.

    The answer is the threshold ``t`` whose masks ``alpha >= t`` have the highest
    *mean of the per-image IoU* against ``truth >= 0.5`` (ties: the lowest ``t``).
    Names the likely mistakes: returning the IoU or the index instead of the
    threshold, taking the worst threshold, pooling the pixels of all photos into one IoU.
    """
    from course_lib import calibration

    def reference(alphas, truths, thresholds):
        sweep = calibration.threshold_sweep(alphas, truths, thresholds, boundary=False)
        pooled = [_pooled_iou(alphas, truths, t) for t in thresholds]
        mistakes = [("you returned the best mean IoU, not the threshold that gives it", float(sweep.iou.max())),
                    ("you returned the index of the best threshold: return thresholds[index]",
                     float(np.argmax(sweep.iou))),
                    ("that is the threshold with the *lowest* IoU: use argmax, not argmin",
                     float(thresholds[int(np.argmin(sweep.iou))])),
                    ("you pooled the pixels of all photos into one IoU; average each photo's own IoU instead "
                     "(every photo counts once, whatever the size of its product)",
                     float(thresholds[int(np.argmax(pooled))]))]
        return _Reference(sweep.best("iou"), mistakes)

    def compare(name, yours, ref: _Reference) -> CheckResult:
        try:
            value = float(yours)
        except (TypeError, ValueError):
            return CheckResult(name, False, "failed", f"you returned {yours!r}, not one threshold")
        if np.isclose(value, ref.value, rtol=0, atol=1e-9):
            return CheckResult(name, True, "passed", "")
        for hint, wrong in ref.likely_mistakes:
            if np.isclose(value, wrong, rtol=0, atol=1e-9):
                return CheckResult(name, False, "failed", f"you returned {value:.4g}, the reference gives "
                                                          f"{ref.value:.4g} — {hint}")
        return CheckResult(name, False, "failed",
                           f"you returned {value:.4g}, the reference gives {ref.value:.4g} (the t with the highest "
                           "mean IoU of alpha >= t against truth >= 0.5; ties go to the lowest t)")

    return run_cases("best_threshold", fn, reference, _threshold_cases(), compare=compare, verbose=verbose)


def _pooled_iou(alphas, truths, t: float) -> float:
    """Return the IoU of ``alpha >= t`` with ``truth >= 0.5`` over the pixels of all photos together."""
    pred = np.concatenate([(np.asarray(a) >= t).ravel() for a in alphas])
    true = np.concatenate([(np.asarray(g) >= 0.5).ravel() for g in truths])
    union = np.logical_or(pred, true).sum()
    return 1.0 if union == 0 else float(np.logical_and(pred, true).sum() / union)


# --- lesson 07: IoU -----------------------------------------------------------------------------

def _iou_cases() -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(7)
    truth = np.zeros((12, 16), bool)
    truth[3:9, 4:12] = True
    off = np.zeros((12, 16), bool)
    off[2:9, 6:14] = True                              # larger than the truth and shifted: every ratio differs
    big = np.zeros((300, 300), bool)                   # 90 000 pixels: too many for a uint8 or int16 count
    big[:, :200] = True
    return [("a prediction too large and shifted", (off, truth)),
            ("a prediction shifted by 2 pixels", (np.roll(truth, 2, axis=1), truth)),
            ("random masks", (rng.random((20, 30)) > 0.6, rng.random((20, 30)) > 0.4)),
            ("large masks", (big, np.roll(big, 50, axis=1))),
            ("both empty", (np.zeros((6, 6), bool), np.zeros((6, 6), bool)))]


def check_iou(fn: Callable[[np.ndarray, np.ndarray], float], *, verbose: bool = True) -> CheckResult:
    """Check a student's ``iou(pred, truth) -> float`` for bool masks against :func:`course_lib.metrics.iou`.

    Both empty counts as a perfect match (1.0). Names the likely mistakes:
    dividing by the true or the predicted area, Dice instead of IoU, forgetting
    to subtract the intersection from the union, integer division, a count that
    overflowed a small integer type, and 0/0 on empty masks.
    """
    from course_lib.metrics import iou

    def reference(pred, truth):
        p, t = np.asarray(pred, bool), np.asarray(truth, bool)
        inter, a_p, a_t = int((p & t).sum()), int(p.sum()), int(t.sum())
        union = a_p + a_t - inter
        mistakes = []
        if a_t:
            mistakes.append(("you divided by the area of the truth: that is the recall; IoU divides by the union "
                             "(pred | truth)", inter / a_t))
        if a_p:
            mistakes.append(("you divided by the area of the prediction: that is the precision; IoU divides by "
                             "the union (pred | truth)", inter / a_p))
        if a_p + a_t:
            mistakes.append(("that is Dice, 2·|P∩T| / (|P| + |T|); IoU is |P∩T| / |P∪T|",
                             2 * inter / (a_p + a_t)))
            mistakes.append(("the union counts the intersection twice: |P∪T| = |P| + |T| − |P∩T|",
                             inter / (a_p + a_t)))
        if union:
            mistakes.append(("integer division: use / (true division), not //", float(inter // union)))
            for bits in (8, 16):
                wrapped_i, wrapped_u = inter % 2 ** bits, union % 2 ** bits
                if (wrapped_i, wrapped_u) != (inter, union) and wrapped_u:
                    mistakes.append((f"your pixel counts overflowed: a uint{bits} holds at most {2 ** bits - 1}; "
                                     "count with .sum() on the bool masks (NumPy counts in int64)",
                                     wrapped_i / wrapped_u))
        return _Reference(iou(p, t), mistakes)

    def compare(name, yours, ref: _Reference) -> CheckResult:
        try:
            value = float(yours)
        except (TypeError, ValueError):
            return CheckResult(name, False, "failed", f"you returned {yours!r}, not one number")
        if np.isnan(value):
            return CheckResult(name, False, "failed", f"you returned nan, the reference gives {ref.value:.4g} — "
                                                      "when both masks are empty the union is 0: return 1.0 "
                                                      "(nothing to find, nothing found)")
        if np.isclose(value, ref.value, rtol=0, atol=1e-9):
            return CheckResult(name, True, "passed", "")
        for hint, wrong in ref.likely_mistakes:
            if np.isclose(value, wrong, rtol=0, atol=1e-9):
                return CheckResult(name, False, "failed",
                                   f"you returned {value:.4g}, the reference gives {ref.value:.4g} — {hint}")
        return CheckResult(name, False, "failed", f"you returned {value:.4g}, the reference gives {ref.value:.4g} "
                                                  "(|pred & truth| / |pred | truth|)")

    def run(pred, truth):
        try:
            return fn(pred, truth)
        except ZeroDivisionError:
            return float("nan")            # reported as the empty-masks mistake

    return run_cases("iou", run, reference, _iou_cases(), compare=compare, verbose=verbose)


def check_with_named_mistakes(name: str, fn: Callable, reference: Callable, cases, mistakes, *,
                              close: Callable[[object, object], bool], fallback: str,
                              convert: Callable = lambda value: value, verbose: bool = True) -> CheckResult:
    """Run ``fn`` and ``reference`` on each ``(label, args)`` case; on a mismatch, name the mistake that explains it.

    ``mistakes`` holds ``(wrong_function, hint)`` pairs: when ``fn``'s answer is
    ``close`` to a wrong function's answer on the failing case, the verdict gives
    that hint; otherwise ``fallback``. ``convert`` turns the student's return
    value into what ``close`` compares (e.g. ``float``); an error there is a
    failure that names the value. Prints the verdict unless ``verbose=False``;
    never raises.

    >>> double = lambda x: 2 * x
    >>> check_with_named_mistakes("double", lambda x: x + x + 1, double, [("three", (3,))],
    ...                           [(lambda x: 2 * x + 1, "one too many")], close=lambda a, b: a == b,
    ...                           fallback="twice x", verbose=False).message
    "on case 'three' you return 7, the reference 6 — one too many"
    """
    result = None
    for label, args in cases:
        try:
            yours = convert(fn(*args))
        except NotImplementedError:
            result = CheckResult(name, False, "not done", "not done yet — fill in the function above and run again")
            break
        except Exception as exc:
            result = CheckResult(name, False, "failed", f"raised {type(exc).__name__} on case '{label}': {exc}")
            break
        expected = reference(*args)
        if not close(yours, expected):
            hint = next((why for wrong, why in mistakes if close(yours, wrong(*args))), fallback)
            result = CheckResult(name, False, "failed", f"on case '{label}' you return {_short(yours)}, "
                                                        f"the reference {_short(expected)} — {hint}")
            break
    return _verdict(name, result, len(cases), verbose)


def _short(value) -> str:
    """Return a value as a verdict shows it: numbers to 4 significant digits, arrays by shape and dtype."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_short(v) for v in value) + ")"
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return repr(value)


def check_wall_hours(fn: Callable, *, verbose: bool = True) -> CheckResult:
    """Check ``wall_hours(n_photos, images_per_second, machines, startup_seconds) -> hours`` against
    :func:`course_lib.scale_out.catalogue_cost` at perfect efficiency.

    Names the likely mistakes: forgetting the start-up, paying it once per
    machine (they start together), not sharing the photos between machines,
    and seconds instead of hours.

    Examples
    --------
    >>> result = check_wall_hours(lambda n, rate, machines, startup: (startup + n / (machines * rate)) / 3600)
    ✓ wall_hours: all 4 cases match the reference
    >>> check_wall_hours(lambda n, rate, machines, startup: startup + n / (machines * rate),
    ...                  verbose=False).message   # doctest: +ELLIPSIS
    "on case 'one machine, no start-up' ... seconds, not hours: divide by 3600"
    """
    from course_lib import scale_out

    def reference(n, rate, machines, startup):
        return scale_out.catalogue_cost(n, rate, machines=machines, startup_seconds=startup)["wall_hours"]

    mistakes = (
        (lambda n, rate, machines, startup: n / (machines * rate) / 3600, "the start-up counts: add startup_seconds"),
        (lambda n, rate, machines, startup: (machines * startup + n / (machines * rate)) / 3600,
         "the machines start together: the start-up counts once, not once per machine"),
        (lambda n, rate, machines, startup: (startup + n / rate) / 3600,
         "the machines share the photos: each cuts out n_photos / machines"),
        (lambda n, rate, machines, startup: startup + n / (machines * rate), "seconds, not hours: divide by 3600"),
    )
    cases = [("one machine, no start-up", (3600, 1.0, 1, 0.0)), ("ten machines", (1_000_000, 2.5, 10, 0.0)),
             ("start-up counts once", (72_000, 10.0, 4, 900.0)),
             ("a million photos, a hundred machines", (1_000_000, 4.0, 100, 30.0))]
    return check_with_named_mistakes(
        "wall_hours", fn, reference, cases, mistakes, convert=float,
        close=lambda a, b: bool(np.isclose(a, b, rtol=1e-9, atol=1e-12)),
        fallback="check the formula: hours = (startup_seconds + n_photos / (machines · images_per_second)) / 3600",
        verbose=verbose)


def _same_array(yours, reference) -> bool:
    yours = np.asarray(yours)
    return yours.shape == reference.shape and yours.dtype == reference.dtype and bool(np.array_equal(yours, reference))


def _close_float(yours, reference) -> bool:
    return bool(np.isclose(yours, reference, rtol=1e-6, atol=1e-9))


# --- lesson 00 --------------------------------------------------------------------------------

def rgba_reference(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Return the H×W×4 uint8 RGBA image of ``rgb`` (H×W×3 uint8) and ``alpha`` (H×W float in [0, 1]), α rounded."""
    return np.dstack([rgb, np.round(np.clip(alpha, 0, 1) * 255).astype(np.uint8)])


def _rgba_cases() -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
    soft = np.array([[0, 0.5, 1, 0.25, 0.999]] * 4, np.float32)
    return [("a hard mask", (rgb, (soft >= 0.5).astype(np.float32))), ("a soft outline", (rgb, soft)),
            ("one pixel", (rgb[:1, :1], np.full((1, 1), 0.3, np.float32)))]


def check_rgba(fn: Callable[[np.ndarray, np.ndarray], np.ndarray], *, verbose: bool = True) -> CheckResult:
    """Check ``to_rgba(rgb, alpha) -> H×W×4 uint8`` against :func:`rgba_reference`.

    Names the likely mistakes: alpha left in [0, 1], truncated instead of
    rounded, put first instead of fourth, or a float result.

    >>> result = check_rgba(rgba_reference)
    ✓ to_rgba: all 3 cases match the reference
    >>> check_rgba(lambda rgb, a: np.dstack([rgb, (a * 255).astype(np.uint8)]), verbose=False).message
    ... # doctest: +ELLIPSIS
    "on case 'a soft outline' ... round, don't truncate: 0.5 · 255 = 127.5 is stored as 128"
    """
    mistakes = (
        (lambda rgb, a: np.dstack([rgb, a.astype(np.uint8)]),
         "alpha must be scaled to 0–255: in an 8-bit PNG, α = 1 is stored as 255"),
        (lambda rgb, a: np.dstack([rgb, (a * 255).astype(np.uint8)]),
         "round, don't truncate: 0.5 · 255 = 127.5 is stored as 128"),
        (lambda rgb, a: np.dstack([rgba_reference(rgb, a)[..., 3], rgb]),
         "alpha is the fourth channel (RGBA), not the first"),
        (lambda rgb, a: np.dstack([rgb, np.round(a * 255)]).astype(np.float64),
         "the image must be uint8 (what a PNG stores), not float"),
        (lambda rgb, a: np.dstack([rgb, np.round(a * 255)]).astype(np.float32),
         "the image must be uint8 (what a PNG stores), not float"),
    )
    return check_with_named_mistakes("to_rgba", fn, rgba_reference, _rgba_cases(), mistakes, close=_same_array,
                                     convert=np.asarray,
                                     fallback="stack rgb and round(α · 255) as uint8: shape H×W×4", verbose=verbose)


# --- lesson 00b -------------------------------------------------------------------------------

def colour_contrast_reference(rgb: np.ndarray, alpha: np.ndarray) -> float:
    """Return the Euclidean RGB distance between the mean sure-product colour and the mean sure-background one.

    Sure product is α ≥ 0.99, sure background α ≤ 0.01.
    """
    sure_product, sure_background = alpha >= 0.99, alpha <= 0.01
    for side, where in (("product (α ≥ 0.99)", sure_product), ("background (α ≤ 0.01)", sure_background)):
        if not where.any():
            raise ValueError(f"no sure {side} pixel: a see-through product (glass) or a product filling the frame "
                             "has no colour contrast to measure")
    pixels = rgb.astype(np.float64)
    return float(np.linalg.norm(pixels[sure_product].mean(axis=0) - pixels[sure_background].mean(axis=0)))


def _contrast_cases() -> list[tuple[str, tuple]]:
    def scene(product, background, outline):
        rgb = np.empty((12, 12, 3), np.uint8)
        rgb[:] = background
        alpha = np.zeros((12, 12), np.float32)
        rgb[3:9, 3:9], alpha[3:9, 3:9] = outline, 0.5         # a soft rim of its own colour
        rgb[4:8, 4:8], alpha[4:8, 4:8] = product, 1.0
        return rgb, alpha
    return [("white on white", scene((250, 250, 250), (240, 240, 240), (10, 10, 10))),
            ("red on green, one brightness", scene((200, 40, 40), (40, 160, 40), (120, 100, 40))),
            ("dark on light", scene((30, 30, 60), (220, 210, 190), (250, 0, 250)))]


def check_colour_contrast(fn: Callable[[np.ndarray, np.ndarray], float], *, verbose: bool = True) -> CheckResult:
    """Check ``colour_contrast(rgb, alpha) -> float`` against :func:`colour_contrast_reference`.

    Names the likely mistakes: grey instead of colour, the outline counted on
    a side (α ≥ 0.5 split instead of the sure pixels), the squared distance,
    and the sum of absolute differences.

    >>> result = check_colour_contrast(colour_contrast_reference)
    ✓ colour_contrast: all 3 cases match the reference
    """
    def grey(rgb, a):
        g = rgb.astype(np.float64).mean(axis=2)
        return float(abs(g[a >= 0.99].mean() - g[a <= 0.01].mean()))

    def split_at_half(rgb, a):
        p = rgb.astype(np.float64)
        return float(np.linalg.norm(p[a >= 0.5].mean(axis=0) - p[a < 0.5].mean(axis=0)))

    def squared(rgb, a):
        return colour_contrast_reference(rgb, a) ** 2

    def absolute(rgb, a):
        p = rgb.astype(np.float64)
        return float(np.abs(p[a >= 0.99].mean(axis=0) - p[a <= 0.01].mean(axis=0)).sum())

    def wrapped_uint8(rgb, a):              # subtracting uint8 means wraps around below zero
        product = rgb[a >= 0.99].mean(axis=0).astype(np.uint8)
        background = rgb[a <= 0.01].mean(axis=0).astype(np.uint8)
        return float(np.linalg.norm((product - background).astype(np.float64)))

    mistakes = (
        (grey, "in colour, not grey: a red product on a green backdrop of one brightness differs a lot in colour"),
        (split_at_half, "use the sure pixels only, α ≥ 0.99 and α ≤ 0.01: the outline mixes product and background"),
        (squared, "the Euclidean distance: take the square root of the sum of squares"),
        (absolute, "the Euclidean distance (square root of the sum of squares), not the sum of absolute differences"),
        (wrapped_uint8, "uint8 arithmetic wraps below zero: convert to float before subtracting"),
    )
    return check_with_named_mistakes("colour_contrast", fn, colour_contrast_reference, _contrast_cases(), mistakes,
                                     close=_close_float, convert=float,
                                     fallback="‖mean RGB of α ≥ 0.99 − mean RGB of α ≤ 0.01‖", verbose=verbose)


# --- lesson 04b -------------------------------------------------------------------------------

def real_summary_reference(scores: dict, grabcut: dict) -> tuple[float, int]:
    """Return ``(median IoU, photos where the method scores strictly above GrabCut)`` of per-photo scores."""
    import statistics

    return float(statistics.median(scores.values())), sum(scores[name] > grabcut[name] for name in scores)


def _summary_cases() -> list[tuple[str, tuple]]:
    grabcut = {"a": 0.9, "b": 0.5, "c": 0.2, "d": 0.7, "e": 0.0}
    return [("five photos, one at zero", ({"a": 0.8, "b": 0.6, "c": 0.3, "d": 0.0, "e": 0.4}, grabcut)),
            ("a tie", ({"a": 0.9, "b": 0.4, "c": 0.2, "d": 0.75, "e": 0.1}, grabcut)),
            ("an even count", ({"a": 0.1, "b": 0.2, "c": 0.6, "d": 0.9}, grabcut))]


def check_real_summary(fn: Callable[[dict, dict], tuple], *, verbose: bool = True) -> CheckResult:
    """Check ``summarise(scores, grabcut) -> (median, wins)`` against :func:`real_summary_reference`.

    Names the likely mistakes: the mean instead of the median, a tie counted
    as a win, and GrabCut's wins counted instead of the method's.

    >>> result = check_real_summary(real_summary_reference)
    ✓ summarise: all 3 cases match the reference
    """
    import statistics

    def mean(scores, grabcut):
        return float(np.mean(list(scores.values()))), real_summary_reference(scores, grabcut)[1]

    def ties_win(scores, grabcut):
        return real_summary_reference(scores, grabcut)[0], sum(scores[n] >= grabcut[n] for n in scores)

    def grabcut_wins(scores, grabcut):
        return real_summary_reference(scores, grabcut)[0], sum(scores[n] < grabcut[n] for n in scores)

    def low_median(scores, grabcut):
        return float(statistics.median_low(scores.values())), real_summary_reference(scores, grabcut)[1]

    def close(yours, reference):
        return (isinstance(yours, tuple) and len(yours) == 2 and _close_float(yours[0], reference[0])
                and yours[1] == reference[1])

    mistakes = ((mean, "the median, not the mean: one photo at 0 drags a mean down, and the scoreboard uses medians"),
                (ties_win, "a tie is not a win: count photos where the method scores strictly above GrabCut"),
                (grabcut_wins, "count the photos where the method beats GrabCut, not where GrabCut beats it"),
                (low_median, "with an even count the median is the mean of the two middle scores"))
    return check_with_named_mistakes("summarise", fn, real_summary_reference, _summary_cases(), mistakes,
                                     close=close, convert=lambda v: tuple(v) if isinstance(v, list | tuple) else v,
                                     fallback="return (statistics.median of the scores, number of strict wins)",
                                     verbose=verbose)


# --- lesson 09 --------------------------------------------------------------------------------

def median_background_reference(frames: np.ndarray) -> np.ndarray:
    """Return the per-pixel median over time of ``frames`` (T×H×W×3 uint8) as H×W×3 uint8.

    That is a static camera's background.
    """
    return np.median(frames, axis=0).round().astype(np.uint8)


def _background_cases() -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(9)
    backdrop = rng.integers(60, 200, (10, 12, 3)).astype(np.uint8)
    moving = np.repeat(backdrop[None], 7, axis=0)
    for t in range(7):                                     # a bright square crosses the scene
        moving[t, 3:7, t:t + 4] = 250
    return [("an object crossing a static scene", (moving,)),
            ("three frames", (moving[:3],)),
            ("noise", (rng.integers(0, 256, (5, 4, 6, 3)).astype(np.uint8),))]


def check_median_background(fn: Callable[[np.ndarray], np.ndarray], *, verbose: bool = True) -> CheckResult:
    """Check ``median_background(frames) -> H×W×3 uint8`` against :func:`median_background_reference`.

    Names the likely mistakes: the mean (it keeps a ghost of what moved), the
    median over the wrong axis, and a float result.

    >>> result = check_median_background(median_background_reference)
    ✓ median_background: all 3 cases match the reference
    """
    mistakes = ((lambda f: f.mean(axis=0).round().astype(np.uint8),
                 "the mean keeps a ghost of everything that passed: the median ignores what is there only briefly"),
                (lambda f: np.median(f, axis=0), "return uint8 (round the median), like the frames"),
                (lambda f: np.median(f, axis=0).astype(np.uint8), "round the median before converting to uint8"))

    def close(yours, reference):
        return _same_array(yours, reference)

    return check_with_named_mistakes("median_background", fn, median_background_reference, _background_cases(),
                                     mistakes, close=close, convert=np.asarray,
                                     fallback="the median over time, axis 0 of T×H×W×3, rounded to uint8",
                                     verbose=verbose)


# --- lesson 10 --------------------------------------------------------------------------------

def _box_cases() -> list[tuple[str, tuple]]:
    centred = np.zeros((20, 40), np.float32)
    centred[5:15, 10:30] = 0.9
    corner = np.zeros((30, 30), np.float32)
    corner[0:12, 22:30] = 0.8                      # an object cut by the frame: the box must stay inside
    two = np.zeros((24, 24), np.float32)
    two[3:6, 2:5], two[15:20, 17:21] = 0.7, 0.6     # two objects: one box around both
    return [("a centred object", (centred, 0.5, 0.1)), ("an object at the corner", (corner, 0.5, 0.25)),
            ("two objects", (two, 0.5, 0.1)), ("no object", (np.zeros((8, 8), np.float32), 0.5, 0.1))]


def check_cnn_box(fn: Callable, *, verbose: bool = True) -> CheckResult:
    """Check ``cnn_box(object_prob, threshold, margin) -> (x0, y0, x1, y1) or None`` against
    :func:`course_lib.hybrid.cnn_box`.

    Names the likely mistakes: an inclusive right/bottom edge, (row, column)
    order, a box not clipped to the frame, the margin taken of the frame
    instead of the box, and no margin at all.

    >>> from course_lib import hybrid
    >>> result = check_cnn_box(lambda p, t, m: hybrid.cnn_box(p, threshold=t, margin=m))
    ✓ cnn_box: all 4 cases match the reference
    """
    from course_lib import hybrid

    def reference(p, threshold, margin):
        return hybrid.cnn_box(p, threshold=threshold, margin=margin)

    def edges(p, threshold):
        rows, cols = np.flatnonzero((p >= threshold).any(axis=1)), np.flatnonzero((p >= threshold).any(axis=0))
        return (None if rows.size == 0 else (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))

    def widened(p, threshold, margin, *, of_frame=False, clip=True, inclusive=False):
        box = edges(p, threshold)
        if box is None:
            return None
        x0, y0, x1, y1 = box
        h, w = p.shape
        dx = int(np.ceil(margin * (w if of_frame else x1 - x0)))
        dy = int(np.ceil(margin * (h if of_frame else y1 - y0)))
        out = (x0 - dx, y0 - dy, x1 + dx - inclusive, y1 + dy - inclusive)
        return (max(0, out[0]), max(0, out[1]), min(w, out[2]), min(h, out[3])) if clip else out

    def swapped(p, threshold, margin):
        box = reference(p, threshold, margin)
        return None if box is None else (box[1], box[0], box[3], box[2])

    mistakes = (
        (lambda p, t, m: widened(p, t, m, inclusive=True),
         "the right and bottom edges are exclusive, like a slice: x1 = last column + 1"),
        (swapped, "the box is (x0, y0, x1, y1): columns first, as OpenCV's rectangles are"),
        (lambda p, t, m: widened(p, t, m, clip=False), "clip the widened box to the frame: 0 ≤ x ≤ width"),
        (lambda p, t, m: widened(p, t, m, of_frame=True), "the margin is a share of the box's size, not the frame's"),
        (lambda p, t, m: edges(p, t), "widen the box by the margin on every side"),
    )

    def as_box(value):
        return None if value is None else tuple(int(v) for v in value)

    return check_with_named_mistakes("cnn_box", fn, reference, _box_cases(), mistakes, close=lambda a, b: a == b,
                                     convert=as_box,
                                     fallback="the tight box of p ≥ threshold, each edge moved out by ceil(margin × "
                                              "the box's width or height), clipped to the frame; None for no object",
                                     verbose=verbose)

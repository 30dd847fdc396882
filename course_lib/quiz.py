"""Review questions at the end of every lesson, and a self-check for those that have one answer.

Each lesson ends with six to ten questions, in the manner of the fastai book's
questionnaires: most ask you to explain something in your own words; some have
one right answer (a number, a shape, one of a few options), and
:func:`check` tells you whether yours is right and, if not, why::

    ✗ quiz 04 Q3: you answered 0.25; the answer is 0.4 (±0.005) — that is the IoU: Dice counts the overlap …

Some questions ask you to *change something, predict what happens, then run
it*. Their answer depends on the run, so the lesson's cell passes what it
measured (``quiz.check("03", 6, prediction, before=..., after=...)``) and the
reference is computed from that, never typed in. Numbers are compared with a
tolerance. Like :mod:`course_lib.checks`, a check never raises on an answer; it
prints a verdict and returns a :class:`~course_lib.checks.CheckResult`.

Where things live
-----------------
The words are data, the checks are code:

- ``data/quiz/<lesson>.toml`` holds a lesson's questions, one ``[[question]]``
  table each, with ``number`` (1, 2, … in order) and ``text`` (markdown;
  line breaks and runs of spaces count as one space). A question with one
  right answer adds the words its check prints: ``why`` (why the right answer
  is right), a table ``[question.why_not]`` giving, for a :class:`Choice`,
  every wrong option's reason, and a table ``[question.mistakes]`` giving, for
  a :class:`Number` or an :class:`Exact`, the hint for each likely mistake
  the checker names.
- ``CHECKERS`` below holds the checkers, by lesson and question number: the
  options, the reference answer (a function of the course's own code or of
  what the lesson measured), the tolerance, the likely mistakes (name →
  function) and ``needs``, what the lesson's cell must pass.

The lesson shows its questions with ``quiz.show("04")`` under a
``## Review questions`` heading, so no question is written twice
(``tests/test_quiz.py`` checks that, and that the words and the checkers
match). To add a question, add a ``[[question]]`` to the lesson's file; if it
has one right answer, add its checker to ``CHECKERS`` and give it a stub cell
``quiz.check("08", n, None)`` followed by a hidden solution cell tagged
``solution``.

Examples
--------
>>> from course_lib import quiz
>>> result = quiz.check("00", 2, 80)
✓ quiz 00 Q2: 80 is right (out = α·F + (1 − α)·B = 0.25·200 + 0.75·40)
>>> quiz.check("03", 3, 1.0, verbose=False).message
'you answered 1; the answer is 0.6931 (±0.005) — that is log₂ 2, in bits: the loss uses the natural log, ln 2'
>>> quiz.check("01", 3, None, verbose=False).status
'not done'
>>> [q.number for q in quiz.questions("04") if q.answer is not None]
[2, 3, 4, 5, 6, 8]
>>> print(quiz.check("01", 3, "closing", verbose=False).message.split(" — ")[1])     # why the wrong option is wrong
closing (dilate, then erode) fills small holes and gaps; a speck survives it
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_lib.checks import CheckResult
from course_lib.config import DATA_DIR

__all__ = ["Number", "Exact", "Choice", "Question", "CHECKERS", "QUIZ_DIR", "LESSONS", "HEADING", "questions",
           "question", "load_questions", "check", "markdown", "show"]

QUIZ_DIR: Path = DATA_DIR / "quiz"
"""The folder of the question files, one ``<lesson>.toml`` per lesson."""

HEADING = "## Review questions"
"""The markdown cell above a lesson's ``quiz.show`` cell, word for word."""

INTRO = ("Answer each in your own words before you look back. Questions marked *checked below* have one right "
         "answer: put yours in place of `None` in their cell and run it; `quiz.check` says whether it is right and "
         "why. Where a question asks you to *predict*, write your prediction down before you run its cell — then "
         "change the cell and predict again.")


# --- answers ----------------------------------------------------------------------------------

def _call(fn: Callable, observed: Mapping):
    """Call ``fn`` with the measured values it names (a reference or a likely mistake needs only some)."""
    names = inspect.signature(fn).parameters
    return fn(**{k: v for k, v in observed.items() if k in names})


@dataclass(frozen=True)
class Number:
    """A numeric answer: ``reference(**observed)`` within ``tolerance`` (relative when ``relative``).

    ``mistakes`` names functions giving likely wrong values; ``hints`` (from the
    question's file) gives the hint printed when the answer matches one. ``why``
    is printed with a right answer. ``needs`` names what the lesson must pass.
    """

    reference: Callable[..., float]
    tolerance: float
    mistakes: Mapping[str, Callable[..., float]] = field(default_factory=dict)
    relative: bool = False
    needs: tuple[str, ...] = ()
    why: str = ""
    hints: Mapping[str, str] = field(default_factory=dict)

    def _close(self, value: float, target: float) -> bool:
        limit = self.tolerance * abs(target) if self.relative else self.tolerance
        return abs(value - target) <= limit + 1e-12

    def expected(self, observed: Mapping) -> float:
        """Return the right answer, computed from what the lesson measured."""
        return float(_call(self.reference, observed))

    def likely_mistakes(self, observed: Mapping) -> list[tuple[float, str]]:
        """Return (wrong value, hint) for each likely mistake."""
        return [(float(_call(wrong, observed)), self.hints.get(name, "")) for name, wrong in self.mistakes.items()]

    def judge(self, given, observed: Mapping) -> tuple[bool, str]:
        """Return (right?, the message to print) for the answer ``given``."""
        try:
            value = float(np.asarray(given, dtype=np.float64))
        except (TypeError, ValueError):
            return False, f"you answered {given!r}, not one number"
        target = self.expected(observed)
        plus_minus = f"±{self.tolerance:.0%}" if self.relative else f"±{self.tolerance:g}"
        if self._close(value, target):
            return True, f"{value:.4g} is right" + (f" ({self.why})" if self.why else "")
        for wrong, hint in self.likely_mistakes(observed):
            if self._close(value, wrong):
                return False, f"you answered {value:.4g}; the answer is {target:.4g} ({plus_minus}) — {hint}"
        return False, (f"you answered {value:.4g}; the answer is {target:.4g} ({plus_minus})"
                       + (f" — {self.why}" if self.why else ""))


@dataclass(frozen=True)
class Exact:
    """An answer that must equal ``reference(**observed)`` exactly: a shape, a colour, a count.

    ``mistakes``, ``hints``, ``why`` and ``needs`` as for :class:`Number`.
    """

    reference: Callable[..., object]
    mistakes: Mapping[str, Callable[..., object]] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    why: str = ""
    hints: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def _plain(value):
        if isinstance(value, (list, tuple, np.ndarray)):
            return tuple(int(v) if float(v).is_integer() else float(v) for v in np.asarray(value).ravel())
        return value

    def expected(self, observed: Mapping):
        """Return the right answer, computed from what the lesson measured."""
        return self._plain(_call(self.reference, observed))

    def likely_mistakes(self, observed: Mapping) -> list[tuple[object, str]]:
        """Return (wrong value, hint) for each likely mistake."""
        return [(self._plain(_call(wrong, observed)), self.hints.get(name, ""))
                for name, wrong in self.mistakes.items()]

    def judge(self, given, observed: Mapping) -> tuple[bool, str]:
        """Return (right?, the message to print) for the answer ``given``."""
        target = self.expected(observed)
        try:
            mine = self._plain(given)
        except (TypeError, ValueError):
            return False, f"you answered {given!r}; the answer is {target}"
        if mine == target:
            return True, f"{mine} is right" + (f" ({self.why})" if self.why else "")
        for wrong, hint in self.likely_mistakes(observed):
            if mine == wrong:
                return False, f"you answered {mine}; the answer is {target} — {hint}"
        return False, f"you answered {mine}; the answer is {target}" + (f" — {self.why}" if self.why else "")


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (case and spaces ignored): ``reference`` is an option, or a function giving one.

    ``why`` (from the question's file) explains the right option, ``why_not``
    maps each wrong option to the reason it is wrong. When ``reference`` depends
    on the run, ``why`` and ``why_not`` describe the outcome the lesson expects.
    """

    options: tuple[str, ...]
    reference: str | Callable[..., str]
    needs: tuple[str, ...] = ()
    why: str = ""
    why_not: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def _key(text) -> str:
        return " ".join(str(text).lower().split())

    def expected(self, observed: Mapping) -> str:
        """Return the right option, computed from what the lesson measured when it depends on the run."""
        return _call(self.reference, observed) if callable(self.reference) else self.reference

    def judge(self, given, observed: Mapping) -> tuple[bool, str]:
        """Return (right?, the message to print) for the answer ``given``."""
        target = self.expected(observed)
        if isinstance(given, (bool, np.bool_)) and {"yes", "no"} <= set(self.options):
            given = "yes" if given else "no"
        by_key = {self._key(o): o for o in self.options}
        mine = by_key.get(self._key(given))
        if mine is None:
            listed = ", ".join(repr(o) for o in self.options)
            return False, f"you answered {given!r}: answer one of {listed}"
        if mine == target:
            return True, f"{mine!r} is right" + (f" — {self.why}" if self.why else "")
        reason = self.why_not.get(mine, self.why)
        return False, f"you answered {mine!r}; the answer is {target!r}" + (f" — {reason}" if reason else "")


Answer = Number | Exact | Choice


@dataclass(frozen=True)
class Question:
    """One review question: its ``lesson`` id, its ``number`` there, its markdown ``text`` and, if it has
    one right answer, the ``answer`` :func:`check` compares with (``None``: explain it in your own words).

    ``needs`` names what the lesson's cell must pass to :func:`check` (what it measured).
    """

    lesson: str
    number: int
    text: str
    answer: Answer | None = None
    needs: tuple[str, ...] = ()

    @property
    def checkable(self) -> bool:
        return self.answer is not None


# --- references computed from the course's own code ------------------------------------------

def _composite_value(alpha: float, fore: int, back: int) -> float:
    from course_lib.compositing import composite

    rgb = np.full((1, 1, 3), fore, np.uint8)
    return float(composite(rgb, np.full((1, 1), alpha, np.float32), np.full((1, 1, 3), back, np.uint8))[0, 0, 0])


def _iou_of_everything(truth) -> float:
    from course_lib import metrics

    return metrics.iou(np.ones(np.shape(truth), bool), truth)


def _grey(colour, how: str) -> float:
    from course_lib import classical

    swatch = np.array([[colour]], np.uint8)
    return float((classical.grey_luma if how == "luma" else classical.grey_mean)(swatch)[0, 0])


def _same_or_not(before, after) -> str:
    return "no" if np.array_equal(np.asarray(before), np.asarray(after)) else "yes"


def _up_or_down(before, after) -> str:
    return "up" if float(after) > float(before) else "down"


def _output_rows(size: int, kernel: int, stride: int, padding: str) -> float:
    from course_lib import scratch

    return scratch.output_size(size, kernel, stride, padding)


def _flipped_sobel_effect() -> str:
    from course_lib import scratch

    rng = np.random.default_rng(0)
    x = rng.random((1, 9, 9, 1))
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float).reshape(3, 3, 1, 1)
    plain, flipped = scratch.conv2d(x, sobel), scratch.conv2d(x, sobel[::-1, ::-1])
    if np.allclose(flipped, -plain):
        return "its sign flips"
    return "unchanged" if np.allclose(flipped, plain) else "it becomes Sobel y"


def _padding_below(size: int, kernel: int, stride: int) -> float:
    from course_lib import scratch

    return scratch.same_padding(size, kernel, stride)[1]


def _softmax(scores, index: int) -> float:
    from course_lib import scratch

    return float(scratch.softmax(np.asarray(scores, np.float64))[index])


def _cross_entropy(p_true: float) -> float:
    """Return the cross-entropy in nats of one pixel whose true class has probability ``p_true``."""
    from course_lib import scratch

    logits = np.log(np.array([[1 - p_true, p_true]]))
    return float(scratch.softmax_cross_entropy(logits, np.array([[0.0, 1.0]])))


def _ce_gradient(p, true_class: int, index: int) -> float:
    from course_lib import scratch

    logits = np.log(np.asarray([p], np.float64))
    _, cache = scratch.softmax_cross_entropy_forward(logits, np.eye(len(p))[[true_class]])
    return float(scratch.softmax_cross_entropy_backward(1.0, cache)[0, index])


def _quarter(size: int = 8) -> tuple[np.ndarray, np.ndarray]:
    truth = np.zeros((size, size), bool)
    truth[: size // 2, : size // 2] = True
    return np.ones((size, size), bool), truth


def _dice_of(pred_truth) -> float:
    from course_lib import metrics

    return metrics.dice(*pred_truth)


def _iou_of(pred_truth) -> float:
    from course_lib import metrics

    return metrics.iou(*pred_truth)


def _bottleneck_channels() -> float:
    from course_lib import unet

    shapes = dict(unet.level_shapes(unet.build_unet(128, base_filters=16, depth=4)))
    return float(shapes["bottleneck_relu2"][-1])


def _level4_channels() -> float:
    from course_lib import unet

    shapes = dict(unet.level_shapes(unet.build_unet(128, base_filters=16, depth=4)))
    return float(shapes["enc4_relu2"][-1])


def _text_readout_shape():
    return np.empty((1, 224, 224, 2))[0, 0, :, :].shape


VGG_FIRST_BLOCKS = ((3, 1), (3, 1), (2, 2), (3, 1), (3, 1))
"""(kernel, stride) of VGG16's first two blocks: conv, conv, 2×2 max pooling, conv, conv."""


def _receptive_field(layers=VGG_FIRST_BLOCKS, *, ignore_strides: bool = False) -> float:
    """Return the receptive field of a stack of (kernel, stride) layers: each adds (kernel − 1) × the step so far."""
    width, step = 1, 1
    for kernel, stride in layers:
        width += (kernel - 1) * step
        step *= 1 if ignore_strides else stride
    return float(width)


def _temperature_keeps_mask() -> str:
    from course_lib import calibration

    logits = np.random.default_rng(5).normal(0, 4, (32, 32, 2))
    masks = [calibration.object_probability(logits, t) >= 0.5 for t in (0.3, 1.0, 2.0, 7.0)]
    return "no" if all(np.array_equal(m, masks[1]) for m in masks) else "yes"


def _entropy_bits(p: float) -> float:
    from course_lib import calibration

    return float(calibration.binary_entropy(np.array([p]))[0])


def _ring_with_hole() -> np.ndarray:
    ring = np.zeros((11, 11), bool)
    ring[1:10, 1:10] = True
    ring[4:7, 4:7] = False
    return ring


def _filled_pixels() -> float:
    from course_lib import postprocess

    ring = _ring_with_hole()
    return float((postprocess.fill_holes(ring) & ~ring).sum())


def _composite_pixel(alpha: float, fore, back):
    from course_lib.compositing import composite

    f = np.array([[fore]], np.uint8)
    b = np.array([[back]], np.uint8)
    return composite(f, np.full((1, 1), alpha, np.float32), b)[0, 0]


def _iou_half_masks() -> tuple[np.ndarray, np.ndarray]:
    pred, truth = np.zeros((1, 2), bool), np.zeros((1, 2), bool)
    pred[:] = True                          # 2 pixels kept
    truth[0, 0] = True                      # 1 of them is product: IoU 1/2
    return pred, truth


def _psnr_nothing_found(share: float = 0.01) -> float:
    from skimage.metrics import peak_signal_noise_ratio

    truth = np.zeros((100, 100))
    truth.ravel()[: int(share * truth.size)] = 1
    return float(peak_signal_noise_ratio(truth, np.zeros_like(truth), data_range=1))


def _low_of_precision_recall() -> str:
    from course_lib import metrics

    truth = np.zeros((20, 20), bool)
    truth[5:15, 5:15] = True
    pred = truth.copy()
    background = np.flatnonzero(~truth.ravel())
    pred.ravel()[background[::2]] = True                # half the background kept
    precision, recall = metrics.precision_recall(pred, truth)
    return "precision" if precision < recall else "recall"


def _lowest_level(medians) -> str:
    return min(medians, key=medians.get)


def _seconds_for_a_thousand() -> float:
    from course_lib import scale_out

    return scale_out.catalogue_cost(1000, 2.0, startup_seconds=10.0)["wall_hours"] * 3600


def _int8_shrink() -> float:
    return np.dtype(np.float32).itemsize / np.dtype(np.int8).itemsize


def _exit_status_with_failures() -> int:
    from course_lib import catalogue

    return catalogue.exit_code([{"status": "ok"}] * 16 + [{"status": "failed"}] * 4)



def _text_formula_response(pixel: float) -> float:
    """Return what the text's convolution formula gives for Sobel x on a flat patch of grey ``pixel``."""
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)
    patch = np.full((3, 3), pixel)
    return float(sum(sobel[u, v] * patch[1, 1] for u in range(3) for v in range(3)))   # Input_ij never moves


def _pooled_size(*, text_formula: bool, size: int = 64):
    from course_lib import scratch

    feature_map = np.zeros((1, size, size, 1))
    pooled = scratch.max_pool2d(feature_map, 2, stride=1 if text_formula else 2)   # the text: no stride
    return pooled.shape[1:3]


def _grabcut_may_change_sure_background() -> str:
    """Return whether the hybrid lets GrabCut relabel a pixel the CNN gave 0.01, far from the CNN's edge."""
    import cv2

    from course_lib import hybrid

    probability = np.full((64, 64), 0.01, np.float32)
    probability[20:44, 40:60] = 0.99
    return "no" if hybrid.hybrid_labels(probability)[32, 2] == cv2.GC_BGD else "yes"


def _scene_split_apart() -> str:
    """Return whether ``group_split`` ever puts two photos of one scene on different sides (ten seeds)."""
    from course_lib import finetune

    names = [f"{scene}_{k}.jpg" for scene in ("desk", "shelf", "table", "floor", "window") for k in (1, 2)]
    groups = {name: name.split("_")[0] for name in names}
    for seed in range(10):
        train, held = finetune.group_split(names, groups, val_fraction=0.2, seed=seed)
        if {groups[n] for n in train} & {groups[n] for n in held}:
            return "yes"
    return "no"


# --- the checkers, by lesson and question number ---------------------------------------------------

_YES_NO = ("yes", "no")
_UP_DOWN = ("up", "down")

CHECKERS: dict[str, dict[int, Answer]] = {
    "00": {
        2: Number(lambda: _composite_value(0.25, 200, 40), 0.5,
                  mistakes={"alpha_on_background": lambda: _composite_value(0.75, 200, 40)}),
        4: Number(_iou_of_everything, 0.02, needs=("truth",)),
    },
    "00b": {
        5: Choice(("easy", "medium", "hard"), _lowest_level, needs=("medians",)),
    },
    "01": {
        1: Number(lambda: _grey((200, 40, 40), "luma"), 0.5, mistakes={"mean": lambda: _grey((200, 40, 40), "mean")}),
        3: Choice(("opening", "closing"), "opening"),
        4: Choice(_YES_NO, _same_or_not, needs=("before", "after")),
    },
    "02": {
        1: Number(lambda: _output_rows(128, 5, 2, "valid"), 0,
                  mistakes={"no_stride": lambda: _output_rows(128, 5, 1, "valid"),
                            "same_padding": lambda: _output_rows(128, 5, 2, "same")}),
        2: Number(lambda: _padding_below(128, 3, 2), 0, mistakes={"stride_one": lambda: 2}),
        4: Choice(("unchanged", "its sign flips", "it becomes Sobel y"), _flipped_sobel_effect),
        5: Number(lambda output: np.shape(output)[1], 0,
                  mistakes={"valid_padding": lambda height, kernel, stride: _output_rows(height, kernel, stride,
                                                                                          "valid"),
                            "input_height": lambda height: height},
                  needs=("output", "height", "kernel", "stride")),
        6: Number(lambda: float(np.prod([128, 128, 3, 3, 16, 16])), 0.01, relative=True,
                  mistakes={"one_input_channel": lambda: float(np.prod([128, 128, 3, 3, 16]))}),
    },
    "03": {
        1: Number(lambda: _softmax([2.0, 0.0], 0), 0.005, mistakes={"object": lambda: _softmax([2.0, 0.0], 1)}),
        3: Number(lambda: _cross_entropy(0.5), 0.005,
                  mistakes={"bits": lambda: _cross_entropy(0.5) / np.log(2), "squared_error": lambda: 0.25}),
        5: Number(lambda: _ce_gradient([0.3, 0.7], 0, 0), 0.005,
                  mistakes={"y_minus_p": lambda: -_ce_gradient([0.3, 0.7], 0, 0), "no_target": lambda: 0.3}),
        6: Choice(_YES_NO, _same_or_not, needs=("before", "after")),
    },
    "04": {
        2: Number(_bottleneck_channels, 0, mistakes={"deepest_encoder": _level4_channels}),
        3: Number(lambda: _dice_of(_quarter()), 0.005, mistakes={"iou": lambda: _iou_of(_quarter())}),
        4: Choice(("pooled", "per image"), "pooled"),
        5: Choice(("the current batch", "the running statistics"), "the running statistics"),
        # `check` passes the values a function's parameters name: np.shape's parameter is `a`, not `output`
        6: Exact(lambda output: np.shape(output),  # noqa: PLW0108
                 mistakes={"no_channels": lambda output: np.shape(output)[:3]}, needs=("output",)),
        8: Exact(_text_readout_shape, mistakes={"nchw": lambda: (224, 224)}),
    },
    "04b": {
        2: Choice(("higher", "lower"), lambda generated, scenes: "lower" if scenes < generated else "higher",
                  needs=("generated", "scenes")),
        4: Choice(("all of them", "the decoder and the head", "only the encoder"), "the decoder and the head"),
        8: Number(_receptive_field, 0, mistakes={"no_stride": lambda: _receptive_field(ignore_strides=True)}),
        9: Choice(("smaller", "same", "larger"),
                  lambda work_size, trained_size: ("smaller" if work_size < trained_size
                                                   else "larger" if work_size > trained_size else "same"),
                  needs=("work_size", "trained_size")),
    },
    "05": {
        1: Number(lambda: _softmax([1.0, 3.0], 1), 0.005, mistakes={"background": lambda: _softmax([1.0, 3.0], 0)}),
        2: Number(lambda: _softmax([6.0, 8.0], 1) - _softmax([1.0, 3.0], 1), 1e-6),
        3: Choice(("prediction[0, 0, :, :]", "prediction[0, ..., 1]", "prediction[0, :, :, 0]"),
                  "prediction[0, ..., 1]"),
        5: Choice(_UP_DOWN, _up_or_down, needs=("before", "after")),
        6: Choice(_YES_NO, _temperature_keeps_mask),
        7: Number(lambda: _entropy_bits(0.9), 0.005, mistakes={"nats": lambda: _entropy_bits(0.9) * np.log(2)}),
    },
    "06": {
        2: Number(_filled_pixels, 0),
        3: Choice(_YES_NO, _same_or_not, needs=("before", "after")),
        5: Exact(lambda: _composite_pixel(0.6, (255, 0, 0), (0, 0, 255)),
                 mistakes={"alpha_on_background": lambda: _composite_pixel(0.4, (255, 0, 0), (0, 0, 255))}),
    },
    "07": {
        1: Number(lambda: _dice_of(_iou_half_masks()), 0.005,
                  mistakes={"equal": lambda: 0.5, "smaller": lambda: 0.25}),
        2: Number(_psnr_nothing_found, 0.05),
        3: Choice(("precision", "recall"), _low_of_precision_recall),
        4: Choice(_UP_DOWN, _up_or_down, needs=("before", "after")),
    },
    "08": {
        1: Number(_seconds_for_a_thousand, 0.5, mistakes={"no_startup": lambda: 500.0}),
        2: Number(_int8_shrink, 0.01),
        3: Exact(_exit_status_with_failures, mistakes={"usage_error": lambda: 2}),
    },
    "09": {
        1: Number(lambda: _text_formula_response(0.8), 1e-9),
        2: Exact(lambda: _pooled_size(text_formula=True),
                 mistakes={"pooling": lambda: _pooled_size(text_formula=False)}),
        3: Choice(("background subtraction", "single-photo segmentation"), "single-photo segmentation"),
    },
    "10": {
        1: Choice(_YES_NO, _grabcut_may_change_sure_background),
        2: Choice(_YES_NO, _scene_split_apart),
    },
}
"""The checker of every question that has one right answer, by lesson id and question number; the words they
print (``why``, ``why_not``, the mistakes' hints) are in the lesson's question file."""


# --- the questions, read from data/quiz/<lesson>.toml ---------------------------------------------

LESSONS: tuple[str, ...] = tuple(sorted(p.stem for p in QUIZ_DIR.glob("*.toml")))
"""The lessons that have review questions (a file in ``data/quiz``)."""

_QUESTION_KEYS = {"number", "text", "why", "why_not", "mistakes"}


def _words(value, where: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {name} must be a non-empty string, not {value!r}")
    return " ".join(value.split())


def _table(entry: Mapping, name: str, where: str) -> dict[str, str]:
    table = entry.get(name, {})
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}: {name} must be a table ([question.{name}]), not {table!r}")
    return {str(k): _words(v, where, f"{name}.{k}") for k, v in table.items()}


def _with_words(answer: Answer | None, entry: Mapping, where: str) -> Answer | None:
    """Return ``answer`` with the words of its question's ``entry``; raise if they do not fit the checker."""
    why_not, hints = _table(entry, "why_not", where), _table(entry, "mistakes", where)
    why = _words(entry["why"], where, "why") if "why" in entry else ""
    if answer is None:
        extra = sorted({"why", "why_not", "mistakes"} & set(entry))
        if extra:
            raise ValueError(f"{where}: {', '.join(extra)} given, but the question has no checker in "
                             "course_lib.quiz.CHECKERS")
        return None
    if isinstance(answer, Choice):
        if hints:
            raise ValueError(f"{where}: a choice has no [question.mistakes]; explain wrong options in why_not")
        unknown = sorted(set(why_not) - set(answer.options))
        if unknown:
            raise ValueError(f"{where}: why_not names {unknown}, which are not options {list(answer.options)}")
        if not callable(answer.reference) and answer.reference in why_not:
            raise ValueError(f"{where}: why_not explains {answer.reference!r}, the right answer; use why")
        return dataclasses.replace(answer, why=why, why_not=why_not)
    if why_not:
        raise ValueError(f"{where}: why_not is for choices; this answer is a {type(answer).__name__}")
    if set(hints) != set(answer.mistakes):
        raise ValueError(f"{where}: [question.mistakes] gives hints for {sorted(hints)}, the checker names the "
                         f"likely mistakes {sorted(answer.mistakes)}")
    return dataclasses.replace(answer, why=why, hints=hints)


def load_questions(lesson: str, path: str | os.PathLike | None = None) -> tuple[Question, ...]:
    """Return ``lesson``'s questions from its file (``data/quiz/<lesson>.toml`` unless ``path``), with checkers.

    Raises
    ------
    ValueError
        If the file is not valid TOML, a question lacks ``text``, the numbers do
        not run 1, 2, … in order, a key is unknown, or the words do not fit the
        checker (a checker without its question, a likely mistake without its
        hint, a ``why_not`` for no option). The message names the file.
    """
    path = Path(path) if path is not None else QUIZ_DIR / f"{lesson}.toml"
    try:
        with path.open("rb") as handle:
            entries = tomllib.load(handle).get("question", [])
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from exc
    checkers = CHECKERS.get(lesson, {})
    found = []
    for position, entry in enumerate(entries, start=1):
        where = f"{path.name} question {position}"
        unknown = sorted(set(entry) - _QUESTION_KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {unknown}; a question has {sorted(_QUESTION_KEYS)}")
        if entry.get("number") != position:
            raise ValueError(f"{where}: number = {entry.get('number')!r}; questions are numbered 1, 2, … in order")
        text = _words(entry.get("text"), where, "text")
        answer = _with_words(checkers.get(position), entry, where)
        found.append(Question(lesson, position, text, answer, tuple(answer.needs) if answer is not None else ()))
    orphans = sorted(set(checkers) - set(range(1, len(found) + 1)))
    if orphans:
        raise ValueError(f"{path}: CHECKERS[{lesson!r}] checks question(s) {orphans}, which the file does not have")
    return tuple(found)


@functools.cache
def _cached_questions(lesson: str) -> tuple[Question, ...]:
    return load_questions(lesson)


def questions(lesson: str) -> tuple[Question, ...]:
    """Return the review questions of ``lesson`` ("00", "04b", …), in order."""
    if lesson not in LESSONS:
        raise ValueError(f"lesson {lesson!r} has no review questions; lessons with questions: {', '.join(LESSONS)}")
    return _cached_questions(lesson)


def question(lesson: str, number: int) -> Question:
    """Return question ``number`` (from 1) of ``lesson``."""
    found = questions(lesson)
    if not isinstance(number, (int, np.integer)) or not 1 <= number <= len(found):
        raise ValueError(f"lesson {lesson} has questions 1 to {len(found)}, not {number!r}")
    return found[number - 1]


def check(lesson: str, number: int, answer, *, verbose: bool = True, **observed) -> CheckResult:
    """Check ``answer`` to question ``number`` of ``lesson``; print the verdict (unless ``verbose=False``), return it.

    ``None`` means "not answered yet". ``observed`` carries what the lesson's
    cell measured, for the questions whose answer depends on the run (their
    ``needs``). An unknown lesson or question number raises ``ValueError`` (a
    typo in the lesson, not a wrong answer). A wrong option of a choice prints
    the reason that option is wrong.
    """
    q = question(lesson, number)
    name = f"quiz {lesson} Q{number}"
    missing = [key for key in q.needs if key not in observed]
    if q.answer is None:
        result = CheckResult(name, False, "not done", "this question has no single answer: answer it in your own "
                                                      "words, then compare with the lesson")
    elif answer is None:
        result = CheckResult(name, False, "not done", "not answered yet — replace None with your answer and run "
                                                      "the cell again")
    elif missing:
        result = CheckResult(name, False, "failed", f"this check needs what the lesson measured: pass "
                                                    f"{', '.join(f'{k}=…' for k in missing)}")
    else:
        try:
            passed, message = q.answer.judge(answer, {k: observed[k] for k in q.needs})
        except Exception as exc:                   # a malformed answer must not stop the lesson
            passed, message = False, f"could not read your answer {answer!r} ({type(exc).__name__}: {exc})"
        result = CheckResult(name, passed, "passed" if passed else "failed", message)
    if verbose:
        print(result)
    return result


def markdown(lesson: str) -> str:
    """Return what :func:`show` shows for ``lesson``: a line on how to answer, then the numbered questions.

    >>> lines = markdown("00").splitlines()
    >>> [line.split(". ")[0] for line in lines[2:]], lines[3].endswith("*(checked below)*")
    (['1', '2', '3', '4', '5', '6'], True)
    """
    items = [f"{q.number}. {q.text}" + (" *(checked below)*" if q.checkable else "") for q in questions(lesson)]
    return INTRO + "\n\n" + "\n".join(items)


def show(lesson: str) -> None:
    """Display ``lesson``'s review questions as markdown in the notebook (printed as text outside one)."""
    from IPython import get_ipython
    from IPython.display import Markdown, display

    text = markdown(lesson)
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))

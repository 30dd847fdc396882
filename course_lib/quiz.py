"""Review questions at the end of every lesson, and a self-check for those that have one answer.

Each lesson ends with six to ten questions, in the manner of the fastai book's
questionnaires: most ask you to explain something in your own words; some have
one right answer (a number, a shape, one of a few options), and
:func:`check` tells you whether yours is right and, if not, why::

    ✗ quiz 04 Q3: you answered 0.25; the answer is 0.4 (±0.005) — that is the IoU: Dice counts the overlap twice, …

Some questions ask you to *change something, predict what happens, then run
it*. Their answer depends on the run, so the lesson's cell passes what it
measured (``quiz.check("03", 6, prediction, before=..., after=...)``) and the
reference is computed from that, never typed in. Numbers are compared with a
tolerance. Like :mod:`course_lib.checks`, a check never raises on an answer; it
prints a verdict and returns a :class:`~course_lib.checks.CheckResult`.

A lesson's review cell is :func:`markdown` of its questions, word for word
(``tests/test_quiz.py`` keeps the two in step). To add a lesson's questions,
add an entry to ``QUESTIONS`` (lesson id → tuple of :class:`Question`, numbered
from 1), paste ``markdown(lesson)`` into the lesson, and give every checkable
question a stub cell ``quiz.check("08", n, None)`` followed by a hidden solution
cell tagged ``solution``.

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
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from course_lib.checks import CheckResult

__all__ = ["Number", "Exact", "Choice", "Question", "QUESTIONS", "LESSONS", "questions", "question",
           "check", "markdown"]


# --- answers ----------------------------------------------------------------------------------

def _call(fn: Callable, observed: Mapping):
    """Call ``fn`` with the measured values it names (a reference or a likely mistake needs only some)."""
    names = inspect.signature(fn).parameters
    return fn(**{k: v for k, v in observed.items() if k in names})


@dataclass(frozen=True)
class Number:
    """A numeric answer: ``reference(**observed)`` within ``tolerance`` (relative when ``relative``).

    ``mistakes`` pairs a function giving a likely wrong value with the hint
    printed when the answer matches it; ``why`` is printed with a right answer.
    """

    reference: Callable[..., float]
    tolerance: float
    why: str = ""
    mistakes: tuple[tuple[Callable[..., float], str], ...] = ()
    relative: bool = False

    def _close(self, value: float, target: float) -> bool:
        limit = self.tolerance * abs(target) if self.relative else self.tolerance
        return abs(value - target) <= limit + 1e-12

    def expected(self, observed: Mapping) -> float:
        """Return the right answer, computed from what the lesson measured."""
        return float(_call(self.reference, observed))

    def likely_mistakes(self, observed: Mapping) -> list[tuple[float, str]]:
        """Return (wrong value, hint) for each likely mistake."""
        return [(float(_call(wrong, observed)), hint) for wrong, hint in self.mistakes]

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
    """An answer that must equal ``reference(**observed)`` exactly: a shape, a colour, a count."""

    reference: Callable[..., object]
    why: str = ""
    mistakes: tuple[tuple[Callable[..., object], str], ...] = ()

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
        return [(self._plain(_call(wrong, observed)), hint) for wrong, hint in self.mistakes]

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

    ``why_not`` maps a wrong option to the reason it is wrong; ``why`` explains the right one.
    """

    options: tuple[str, ...]
    reference: str | Callable[..., str]
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


# --- the questions ------------------------------------------------------------------------------

def _lesson(lesson: str, *items) -> tuple[Question, ...]:
    """Number the items 1, 2, … : each is a text, or (text, answer) or (text, answer, needs)."""
    out = []
    for number, item in enumerate(items, start=1):
        text, answer, needs = (item, None, ()) if isinstance(item, str) else (item + ((),))[:3]
        out.append(Question(lesson, number, " ".join(text.split()), answer, tuple(needs)))
    return tuple(out)


_YES_NO = ("yes", "no")
_UP_DOWN = ("up", "down")

QUESTIONS: dict[str, tuple[Question, ...]] = {
    "00": _lesson(
        "00",
        "What does background removal produce for every pixel, and what do α = 1, α = 0 and a value in "
        "between mean?",
        ("A pixel has α = 0.25; the product's colour there is 200 (one channel) and the new background is 40. "
         "What value does the composite give that pixel?",
         Number(lambda: _composite_value(0.25, 200, 40), 0.5, why="out = α·F + (1 − α)·B = 0.25·200 + 0.75·40",
                mistakes=((lambda: _composite_value(0.75, 200, 40), "α weights the product F, not the background"),))),
        "Why does the first attempt keep the side of Otsu's threshold that does *not* touch the image border, "
        "and what kind of photo breaks that rule?",
        ("The cell below scores the mask *every pixel is product* on the studio-white scene. Before you run it: "
         "what IoU do you predict? (What are the intersection and the union then?)",
         Number(_iou_of_everything, 0.02, why="the intersection is the product, the union the whole frame: "
                                              "IoU is the share of the frame the product covers"),
         ("truth",)),
        "On which backdrop does the first attempt do worst, and which problem in the list under the figure "
        "explains it?",
        "The tour scores three scenes but not the coffee photo. What does a score need that the coffee photo "
        "lacks?",
    ),
    "00b": _lesson(
        "00b",
        "Why does the course generate its training and test photos instead of downloading product photos with "
        "masks?",
        "Which product kinds enclose background (a hole through the product), and why does that trap a method "
        "that fills every hole?",
        "A glass has alpha well below 1 in its body. What does a hard 0/1 mask get wrong there, and which score "
        "notices?",
        "The shadow under a product has alpha 0. Why is that the right answer for a cut-out?",
        ("Section 7 scored Otsu by difficulty. Predict which level gets the lowest median IoU, then run the "
         "cell: easy, medium or hard?",
         Choice(("easy", "medium", "hard"), _lowest_level,
                why="the difficulty is chosen to bring the background's colour close to the product's"),
         ("medians",)),
        "Name three ways the generated photos differ from real ones, and say which of them you expect to hurt a "
        "U-Net most on your own photos.",
    ),
    "01": _lesson(
        "01",
        ("What grey level does the luma formula give the colour (200, 40, 40), rounded as OpenCV rounds?",
         Number(lambda: _grey((200, 40, 40), "luma"), 0.5, why="0.299·200 + 0.587·40 + 0.114·40, rounded",
                mistakes=((lambda: _grey((200, 40, 40), "mean"), "that is the text's (R + G + B) / 3"),))),
        "Otsu's method chooses the threshold that maximises which quantity, and on what kind of histogram does "
        "it work well?",
        ("Which operation removes specks of background that a threshold took for product: opening or closing?",
         Choice(("opening", "closing"), "opening",
                why="erode first: a speck smaller than the element vanishes, and dilating cannot bring it back",
                why_not={"closing": "closing (dilate, then erode) fills small holes and gaps; a speck survives it"})),
        ("The cell below runs section 5's closing with a size of 1 instead of 15. Predict: does the mask change? "
         "Then run it.",
         Choice(_YES_NO, _same_or_not, why="a 1×1 structuring element is the pixel itself: eroding or dilating "
                                           "with it changes nothing"),
         ("before", "after")),
        "Why does a flood fill from the border keep a white label that Otsu drops, even on a white background — "
        "and what makes it leak into the product?",
        "What does GrabCut use that the thresholds do not, and what does it cost? (Read the timing line.)",
        "The closing table gives the median IoU and the 10th percentile. Why is the 10th percentile worth "
        "reading for a shop that uploads thousands of photos?",
        "IoU and boundary F can disagree. Describe a mask with a high IoU and a low boundary F.",
    ),
    "02": _lesson(
        "02",
        ('A 128×128 input, a 5×5 kernel, stride 2, padding "valid": how many output rows?',
         Number(lambda: _output_rows(128, 5, 2, "valid"), 0, why="⌊(128 − 5) / 2⌋ + 1",
                mistakes=((lambda: _output_rows(128, 5, 1, "valid"), "you left out the stride: ⌊(H − k) / s⌋ + 1"),
                          (lambda: _output_rows(128, 5, 2, "same"), 'that is padding "same": ⌈H / s⌉')))),
        ('With padding "same", a 3×3 kernel and stride 2 on 128 rows, how many rows of zeros does TensorFlow '
         "add *below* the input?",
         Number(lambda: _padding_below(128, 3, 2), 0,
                why="the padding needed is (64 − 1)·2 + 3 − 128 = 1 row, and an odd row goes to the bottom",
                mistakes=((lambda: 2, "2 rows would be needed with stride 1; with stride 2 one row is enough"),))),
        "In the text's convolution formula, why does a Sobel kernel find no edges at all?",
        ("Flip a Sobel x kernel left–right and top–bottom (true convolution instead of cross-correlation). "
         "What happens to its response on the same photo: 'unchanged', 'its sign flips' or 'it becomes Sobel y'?",
         Choice(("unchanged", "its sign flips", "it becomes Sobel y"), _flipped_sobel_effect,
                why="flipped both ways, Sobel x is minus itself")),
        ("The cell below runs section 4's Gaussian blur with stride 3. Predict how many rows its \"same\" "
         "output has for the product photo, then run it.",
         Number(lambda output: np.shape(output)[1], 0, why='padding "same" keeps ⌈H / s⌉ rows',
                mistakes=((lambda height, kernel, stride: _output_rows(height, kernel, stride, "valid"),
                           'that is padding "valid"; "same" gives ⌈H / s⌉'),
                          (lambda height: height, "that is the input's height: the stride keeps every s-th row"))),
         ("output", "height", "kernel", "stride")),
        ("How many multiply-adds does one 3×3 convolution from 16 to 16 channels cost on a 128×128 map with "
         'padding "same" (one image, bias left out)?',
         Number(lambda: float(np.prod([128, 128, 3, 3, 16, 16])), 0.01, relative=True,
                why="every one of 128·128·16 outputs sums 3·3·16 products",
                mistakes=((lambda: float(np.prod([128, 128, 3, 3, 16])),
                           "each output channel sums over all 16 input channels too"),))),
        "Max pooling keeps a thin edge at full strength while average pooling dilutes it. Why?",
        "Why is `scratch.conv2d` thousands of times faster than the seven loops, though both compute the same "
        "numbers?",
        "What does a gradient check compare, and what relative error means the backward pass is right?",
    ),
    "03": _lesson(
        "03",
        ("The scores of one pixel are (2, 0) for (background, object). What is its softmax probability of "
         "*background*?",
         Number(lambda: _softmax([2.0, 0.0], 0), 0.005, why="e² / (e² + e⁰)",
                mistakes=((lambda: _softmax([2.0, 0.0], 1), "that is P(object)"),))),
        "Why does `np.exp(z) / np.exp(z).sum()` fail for scores near 1000, and why does subtracting the maximum "
        "not change the answer?",
        ("A classifier gives the true class of every pixel probability 0.5. What is its cross-entropy (natural "
         "log)?",
         Number(lambda: _cross_entropy(0.5), 0.005, why="−ln 0.5 = ln 2",
                mistakes=((lambda: _cross_entropy(0.5) / np.log(2),
                           "that is log₂ 2, in bits: the loss uses the natural log, ln 2"),
                          (lambda: 0.25, "that is the squared error (1 − 0.5)², the MSE of one class")))),
        "§4.2 of the text names two losses, MSE and cross-entropy, but writes out only MSE's formula. Why is "
        "cross-entropy the one to train a per-pixel classifier with? Use the gradient plot.",
        ("One pixel has P = (0.3, 0.7) for (background, object) and its true class is background. What is "
         "∂J/∂z_background (M = 1)?",
         Number(lambda: _ce_gradient([0.3, 0.7], 0, 0), 0.005, why="P − Y = 0.3 − 1",
                mistakes=((lambda: -_ce_gradient([0.3, 0.7], 0, 0), "the gradient is P − Y, not Y − P"),
                          (lambda: 0.3, "subtract the one-hot target Y: P − Y")))),
        ("The cell below multiplies the trained classifier's weights and bias by 3. Predict: does its training "
         "accuracy change? Then run it.",
         Choice(_YES_NO, _same_or_not, why="every score is tripled, so the larger of the two stays the larger: the "
                                           "decisions are the same; only the probabilities (and the loss) change"),
         ("before", "after")),
        "The learning rate is the step size η (the text writes α; in this course α is always the alpha matte). "
        "What goes wrong when η is too small, and when it is too large?",
        "Always answering 'background' already scores a high accuracy. Why does the course report IoU?",
        "What limits this classifier, however long it trains, and what does lesson 04 change?",
    ),
    "04": _lesson(
        "04",
        "Why can one softmax over a whole-image feature vector not cut a product out?",
        ("How many channels does the bottleneck of the shipped U-Net have (16 filters at the first level, "
         "depth 4)?",
         Number(_bottleneck_channels, 0, why="each level down doubles the channels: 16·2⁴",
                mistakes=((_level4_channels, "that is the deepest encoder level; the bottleneck doubles again"),))),
        ("A network predicts p = 1 at every pixel of an image whose product covers a quarter of the frame (α is "
         "0 or 1). What is its Dice score, without smoothing?",
         Number(lambda: _dice_of(_quarter()), 0.005, why="2·¼ / (¼ + 1)",
                mistakes=((lambda: _iou_of(_quarter()), "that is the IoU: Dice counts the overlap twice, "
                                                         "2·|P∩T| / (|P| + |T|)"),))),
        ("Keras's `val_iou` during training and the tables' IoU per image: which one lets the pixels of a large "
         "product outweigh a small product's, 'pooled' or 'per image'?",
         Choice(("pooled", "per image"), "pooled",
                why="it adds up intersections and unions over every pixel of every image before dividing, so "
                    "a large product brings more pixels",
                why_not={"per image": "per image, each photo gets one IoU and every photo counts once, whatever "
                                      "the size of its product"})),
        ("When the trained network predicts, batch normalisation uses 'the current batch' statistics or 'the "
         "running statistics' kept during training?",
         Choice(("the current batch", "the running statistics"), "the running statistics",
                why="a prediction must not depend on which other photos share its batch",
                why_not={"the current batch": "that is what it does while training; predictions use the running "
                                              "mean and variance"})),
        ("The cell below builds the U-Net with `input_size=None` and feeds it a 96×160 photo. Predict the shape "
         "of its output, then run it. (Why would a 100×100 photo fail?)",
         Exact(lambda output: np.shape(output), why="one image, the photo's height and width, two channels",
               mistakes=((lambda output: np.shape(output)[:3], "the head gives two channels per pixel"),)),
         ("output",)),
        "What do the skip connections bring to the decoder that the bottleneck has lost?",
        ("The text's §5.2 reads `prediction[0, 0, :, :]` from a Keras output of shape 1×224×224×2. What shape is "
         "that?",
         Exact(_text_readout_shape, why="row 0 of the image, with its two channels: not a mask",
               mistakes=((lambda: (224, 224), "that is what the line means on an NCHW tensor; Keras gives NHWC"),))),
        "Why overfit eight images before a long training run? What would it mean if their IoU stayed low?",
        "Section 7 compares the U-Net with the classical methods on generated images, section 8 on real photos. "
        "What does each table say, and what could explain the difference?",
    ),
    "04b": _lesson(
        "04b",
        "Name two regularities of the generated training photos that real photos do not share.",
        ("The cell below runs lesson 04's U-Net on the domain-randomised scenes of section 3 and on generated "
         "photos like those it was trained on. Predict: is its median IoU on the scenes 'higher' or 'lower'? "
         "Then run it.",
         Choice(("higher", "lower"), lambda generated, scenes: "lower" if scenes < generated else "higher",
                why="several objects, anywhere, at any size, in real textures: everything its training photos "
                    "never showed it"),
         ("generated", "scenes")),
        "What does a saliency map measure, and what would it show if the network looked only at the middle of "
        "the frame?",
        ("With the encoder frozen, which weights does a training step change: 'all of them', 'the decoder and "
         "the head', or 'only the encoder'?",
         Choice(("all of them", "the decoder and the head", "only the encoder"), "the decoder and the head",
                why="frozen weights are left out of the gradient step, and the backward pass can stop at the "
                    "encoder's output")),
        "Why are the real photos split by scene, and why is nothing tuned on the holdout side?",
        "What does 'GrabCut from the candidate' combine, and why does it need no hint from a person?",
        "The reference masks were made from GrabCut proposals corrected by hand. Whom does that flatter, and "
        "how should you read a small difference in its favour?",
        ("VGG16's first two blocks are two 3×3 convolutions, a 2×2 max pooling, then two more 3×3 convolutions. "
         "How many input pixels wide is the receptive field of one of their outputs? Work it out, then measure it "
         "with `receptive_field`.",
         Number(_receptive_field, 0, why="each 3×3 convolution adds 2 × the step so far; after the pooling the step "
                                         "is 2: 1 + 2 + 2 + 1 + 4 + 4",
                mistakes=((lambda: _receptive_field(ignore_strides=True),
                           "after the pooling, neighbouring outputs are two input pixels apart, so each later 3×3 "
                           "convolution widens the window by 4, not 2"),))),
        ("The working size that `dev` chose for the candidate: is it 'smaller' or 'larger' than the 128 px it was "
         "trained at, or the 'same'? Predict from the receptive fields you measured, then look at the plot.",
         Choice(("smaller", "same", "larger"), lambda work_size, trained_size:
                "smaller" if work_size < trained_size else "larger" if work_size > trained_size else "same",
                why="shrunk, a large product shows more of its outline to each window and comes down to the size, "
                    "in pixels, of the products the network was trained on"),
         ("work_size", "trained_size")),
    ),
    "05": _lesson(
        "05",
        ("A pixel's scores are (z_background, z_object) = (1, 3). What is P(object)?",
         Number(lambda: _softmax([1.0, 3.0], 1), 0.005, why="σ(3 − 1) = 1 / (1 + e⁻²)",
                mistakes=((lambda: _softmax([1.0, 3.0], 0), "that is P(background)"),))),
        ("Add 5 to both scores of that pixel. By how much does P(object) change?",
         Number(lambda: _softmax([6.0, 8.0], 1) - _softmax([1.0, 3.0], 1), 1e-6,
                why="only the difference of the scores matters")),
        ("`prediction` has shape 1×H×W×2 (NHWC). Which expression is the object-probability map: "
         "`prediction[0, 0, :, :]`, `prediction[0, ..., 1]` or `prediction[0, :, :, 0]`?",
         Choice(("prediction[0, 0, :, :]", "prediction[0, ..., 1]", "prediction[0, :, :, 0]"),
                "prediction[0, ..., 1]", why="image 0, every row and column, channel 1 (object)",
                why_not={"prediction[0, 0, :, :]": "that is row 0 of the image with both channels: the text's line",
                         "prediction[0, :, :, 0]": "channel 0 is the background"})),
        "Logistic regression, a linear SVM and a 1×1 convolution give nearly the same masks. Why — and what, "
        "then, makes the U-Net better?",
        ("The cell below sets the temperature to T = 0.5. Predict: does the mean entropy of the photo's "
         "P(object) go up or down, compared with T = 1? Then run it.",
         Choice(_UP_DOWN, _up_or_down, why="dividing the scores by T < 1 pushes every probability away from 0.5"),
         ("before", "after")),
        ("Temperature scaling divides the scores by some T > 0. Can it change the mask at threshold 0.5?",
         Choice(_YES_NO, _temperature_keeps_mask,
                why="dividing by T > 0 never changes the sign of z_object − z_background")),
        ("What is the entropy, in bits, of a pixel with P(object) = 0.9?",
         Number(lambda: _entropy_bits(0.9), 0.005, why="−0.9 log₂ 0.9 − 0.1 log₂ 0.1",
                mistakes=((lambda: _entropy_bits(0.9) * np.log(2), "that is in nats: use log₂"),))),
        "Why is the threshold chosen on the validation split and reported on the test split?",
        "What does a reliability diagram plot, and what does the expected calibration error average?",
    ),
    "06": _lesson(
        "06",
        "The text's Background formula has Background on both sides. What does it compute when you run it, and "
        "what does it leave undefined?",
        ("A 9×9 square of product has a 3×3 hole in its middle. How many pixels does `fill_holes` add?",
         Number(_filled_pixels, 0, why="the 3×3 hole, which the flood fill from the border cannot reach")),
        ("The cell below applies `fill_holes` a second time, to its own output. Predict: does anything change? "
         "Then run it.",
         Choice(_YES_NO, _same_or_not, why="after the first pass no background is enclosed any more"),
         ("before", "after")),
        "Why does the lesson's chain fill only holes up to 1 % of the image?",
        ("α = 0.6, F = (255, 0, 0), B = (0, 0, 255). What colour does the composite give the pixel, rounded?",
         Exact(lambda: _composite_pixel(0.6, (255, 0, 0), (0, 0, 255)), why="0.6·F + 0.4·B, per channel",
               mistakes=((lambda: _composite_pixel(0.4, (255, 0, 0), (0, 0, 255)),
                          "α weights the product F: out = α·F + (1 − α)·B"),))),
        "Why does a hard 0/1 mask look jagged on a new background, and which of the three soft edges reads the "
        "photo?",
        "What does colour decontamination estimate at an edge pixel, and what do you see without it?",
        "PSNR and SSIM appear in this lesson after all. What do they compare here, and why is that legitimate?",
        "Why is a `Pipeline` saved as names and plain values only?",
    ),
    "07": _lesson(
        "07",
        ("A mask has IoU 0.5 with the truth. What is its Dice?",
         Number(lambda: _dice_of(_iou_half_masks()), 0.005, why="D = 2J / (1 + J)",
                mistakes=((lambda: 0.5, "Dice is at least the IoU, equal only at 0 and 1"),
                          (lambda: 0.25, "Dice is larger than the IoU, not smaller: 2J / (1 + J)")))),
        ("A product covers 1 % of the frame and the mask finds nothing. What PSNR, in dB, do the two masks get "
         "(data range 1)?",
         Number(_psnr_nothing_found, 0.05, why="the MSE is the share of wrong pixels, 0.01: 10·log₁₀(1 / 0.01)")),
        ("A mask keeps the whole product and half of the background. Which is low: precision or recall?",
         Choice(("precision", "recall"), _low_of_precision_recall,
                why="precision is the share of what was kept that is product",
                why_not={"recall": "recall is the share of the product that was kept: all of it here"})),
        ("The cell below shifts the large product by 8 pixels instead of 4. Predict: does its PSNR go up or "
         "down? Then run it.",
         Choice(_UP_DOWN, _up_or_down, why="a larger shift gets more pixels wrong: the MSE grows, the PSNR falls"),
         ("before", "after")),
        "Why does IoU leave out the true negatives, and what would a score that counts them reward?",
        "Which of the five scores is the only one that rewards a correct soft edge, and why?",
        "When is a classical method still the right choice? Give two reasons this lesson measured.",
        "The real photos' reference masks were made with GrabCut plus corrections. How does that bias the "
        "comparison?",
    ),
    "08": _lesson(
        "08",
        ("One machine cuts out 2 photos a second after a 10 s start-up. How many seconds until the last of 1,000 "
         "photos is done?",
         Number(_seconds_for_a_thousand, 0.5, why="the start-up, then n / rate: 10 + 1000 / 2",
                mistakes=((lambda: 500.0, "the start-up counts too: the model loads before the first photo"),))),
        ("Dynamic-range int8 stores each weight in one byte instead of float32's four. About how many times "
         "smaller is the file (ignoring the graph's own bytes)?",
         Number(_int8_shrink, 0.01, why="4 bytes per weight become 1")),
        ("A batch of 20 files, 4 of them corrupt: what exit status does `course-cutout` return?",
         Exact(_exit_status_with_failures, why="0 means every photo was cut out; 1 says some failed, and "
                                               "report.csv says which and why",
               mistakes=((lambda: 2, "2 is for a usage error (a wrong option), not for bad photos"),))),
        "Why is every output written to a temporary file and then renamed? What could a reader find after a kill "
        "without it?",
        "Why must the Dask run use the plain run's chunks (and thread count) to write byte-identical files?",
        "Which step dominated the time per photo at the largest size you measured, and what would you change "
        "first?",
        "The int8 model is a quarter of the float32 file. Why was it not faster on this CPU, and where would it be?",
        "From section 4's measured rates: what does a million photos cost with GrabCut and with the CNN on ten "
        "machines? Which would you run on your catalogue, given section 2's scores on real photos?",
    ),
}
"""Every lesson's review questions, by lesson id ("00", "04b", …), numbered from 1."""

LESSONS: tuple[str, ...] = tuple(QUESTIONS)
"""The lessons that have review questions."""


def questions(lesson: str) -> tuple[Question, ...]:
    """Return the review questions of ``lesson`` ("00", "04b", …), in order."""
    if lesson not in QUESTIONS:
        raise ValueError(f"lesson {lesson!r} has no review questions; lessons with questions: {', '.join(LESSONS)}")
    return QUESTIONS[lesson]


def question(lesson: str, number: int) -> Question:
    """Return question ``number`` (from 1) of ``lesson``."""
    found = questions(lesson)
    if not isinstance(number, (int, np.integer)) or not 1 <= number <= len(found):
        raise ValueError(f"lesson {lesson} has questions 1 to {len(found)}, not {number!r}")
    return found[number - 1]


def check(lesson: str, number: int, answer, *, verbose: bool = True, **observed) -> CheckResult:
    """Check ``answer`` to question ``number`` of ``lesson``; print the verdict (unless ``verbose=False``) and return it.

    ``None`` means "not answered yet". ``observed`` carries what the lesson's
    cell measured, for the questions whose answer depends on the run (their
    ``needs``). An unknown lesson or question number raises ``ValueError`` (a
    typo in the lesson, not a wrong answer).
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
    """Return the markdown of ``lesson``'s review-questions cell: a heading, a line on how to use them, the list.

    >>> print(markdown("00").splitlines()[0])
    ## Review questions
    """
    items = []
    for q in questions(lesson):
        mark = " *(checked below)*" if q.checkable else ""
        items.append(f"{q.number}. {q.text}{mark}")
    return ("## Review questions\n\n"
            "Answer each in your own words before you look back. Questions marked *checked below* have one "
            "right answer: put yours in place of `None` in their cell and run it; `quiz.check` says whether it "
            "is right and why. Where a question asks you to *predict*, write your prediction down before you run "
            "its cell — then change the cell and predict again.\n\n" + "\n".join(items))

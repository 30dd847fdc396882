"""The annotation tool: go through a folder of photos, draw a box and strokes, let GrabCut propose, accept.

Drag on the photo to draw, in the mode chosen above it:

- ``box``: the object's box; GrabCut proposes a mask at once;
- ``object`` / ``background``: hint strokes GrabCut keeps as sure labels
  (it proposes again after each);
- ``brush +`` / ``brush −``: corrections painted straight onto the mask.

**accept** saves ``masks/<stem>.png`` and the annotation (with the seconds
spent, from showing the photo to accepting it) and shows the next photo that
has none; **skip** records the photo as skipped, without a mask. The logic
lives elsewhere (GrabCut's proposal in :mod:`course_lib.mask_proposal`, the
file format and the replay in :mod:`course_lib.annotation_store`); this module
only draws and listens.

Tests and scripts drive it without a browser: :meth:`Annotator.press`,
:meth:`~Annotator.drag` and :meth:`~Annotator.release` take photo pixels,
:meth:`~Annotator.handle_event` takes the dict ipyevents sends (``dataX``/``dataY``
are pixels of the picture shown, which is the photo scaled by ``scale``).
"""

from __future__ import annotations

import html
import time
import warnings
from datetime import UTC, datetime

import cv2
import ipywidgets as W
import numpy as np
from ipyevents import Event

from course_lib import annotation_store, mask_proposal, viz
from course_lib.imageio import ImageLoadError
from course_lib.views.controls import error_html, int_slider, png_bytes

__all__ = ["MODES", "Annotator"]

MODES = {"box": None, "object": "object", "background": "background", "brush +": "object", "brush −": "background"}
"""Drawing modes and the label each paints (hints for object/background, corrections for the brushes)."""

BRUSHES = ("brush +", "brush −")
BOX_COLOUR = (255, 221, 0)
STROKE_COLOURS = {"object": viz.OBJECT_COLOUR, "background": viz.BACKGROUND_COLOUR, "maybe": "#fdb863"}


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], np.float32)


class Annotator:
    """Annotate every photo of ``folder``: box, strokes, GrabCut's proposal, corrections, accept or skip.

    Parameters
    ----------
    folder : path
        The photos and, once saved, ``masks/`` and ``annotations.json``
        (see :class:`course_lib.annotation_store.AnnotationStore`).
    model : Keras model, :class:`~course_lib.inference.SizedModel` or ``"real"``, optional
        A CNN whose probability seeds GrabCut (``mask_proposal.PRIOR_THRESHOLDS``):
        anything :func:`course_lib.inference.predict_alpha` accepts (predicted
        at ``inference.WORK_SIZE``), a ``SizedModel`` (at its own working size),
        or ``"real"``: the real-photo CNN (:func:`course_lib.inference.load_real_model`),
        the one to use on photos — lesson 04's U-Net, trained on generated images
        only, marks the wrong regions of real photos as sure. Default: no model,
        GrabCut from the box and strokes alone (how ``data/real``'s reference
        masks were made: a CNN's prior would tilt the references towards that CNN).
    model_name : str, optional
        Recorded in each annotation's ``prior``; default the model's ``name``
        (for ``"real"``, the checkpoint's file name without ``.keras``).
    images : path, optional
        The photos' folder, when not ``folder`` itself.
    side : int
        The picture's longer side in pixels: larger photos are scaled down, smaller ones enlarged
        (nearest neighbour, so each photo pixel stays a sharp square to click on).
    iterations, seed : int
        GrabCut's settings, recorded in each annotation.

    Attributes
    ----------
    widget : ipywidgets.VBox
        Display this.
    mode : str
        One of :data:`MODES`; settable.
    photo : str or None
        The photo shown; ``None`` when every photo is done.
    mask : H×W bool or None
        The mask accept would save (GrabCut's proposal plus corrections).
    error : str or None
        Why the last action failed, or ``None``.
    """

    def __init__(self, folder, *, model=None, model_name: str | None = None, images=None, side: int = 512,
                 iterations: int = 5, seed: int = 0):
        self.store = annotation_store.AnnotationStore(folder, images=images)
        self.model_size = None                  # predict_alpha's default working size
        if isinstance(model, str):
            from course_lib import inference  # TensorFlow only when a model is used
            if model != "real":
                raise ValueError(f"model={model!r}: give a Keras model, an inference.SizedModel or 'real' "
                                 "(the real-photo CNN)")
            model, model_name = inference.load_real_model(), model_name or inference.REAL_MODEL_PATH.stem
        if isinstance(model, tuple) and hasattr(model, "size"):          # an inference.SizedModel
            model, self.model_size = model.model, int(model.size)
        self.model, self.side, self.iterations, self.seed = model, side, iterations, seed
        self.model_name = model_name or getattr(model, "name", type(model).__name__)
        problems = self.store.scan()
        self.order = [p for p in self.store.photos() if p not in self.store.problems]
        self.photo, self.error, self.mask = None, None, None

        # at its own size (side px at most), never stretched to the page: a VBox stretches its children
        self.picture = W.Image(format="png", layout=W.Layout(align_self="flex-start", max_width="100%"))
        self.modes = W.ToggleButtons(options=list(MODES), value="box", description="draw:")
        self.brush = int_slider("brush (photo px)", 9, 1, 61, 2)
        self.buttons = {name: W.Button(description=name) for name in
                        ("propose", "accept", "skip", "undo", "previous", "next")}
        self.buttons["accept"].button_style = "success"
        for name, button in self.buttons.items():
            action = getattr(self, name)
            button.on_click(lambda _, action=action: self._act(action))
        self.status = W.HTML()
        self.message = W.HTML()
        self.problems = W.HTML(self._problems_html(problems))
        # Two listeners: presses and releases must never be dropped, moves are throttled to 25 a second.
        self.clicks = Event(source=self.picture, watched_events=["mousedown", "mouseup", "mouseleave"],
                            prevent_default_action=True)
        self.moves = Event(source=self.picture, watched_events=["mousemove"], throttle_or_debounce="throttle",
                           wait=40)
        for listener in (self.clicks, self.moves):
            listener.on_dom_event(self.handle_event)
        self.widget = W.VBox([self.status, W.HBox([self.modes, self.brush]), self.picture,
                              W.HBox(list(self.buttons.values())), self.message, self.problems])
        # CSS classes a page (or a browser test) can find the parts by
        self.widget.add_class("annotator")
        for name, part in (("status", self.status), ("picture", self.picture), ("message", self.message)):
            part.add_class(f"annotator-{name}")
        for name, button in self.buttons.items():
            button.add_class(f"annotator-{name}")
        pending = self.store.pending()
        self.show(pending[0] if pending else None)

    # -- what is shown ---------------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """The drawing mode: one of :data:`MODES`."""
        return self.modes.value

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {value!r}")
        self.modes.value = value

    @staticmethod
    def _problems_html(problems) -> str:
        if not problems:
            return ""
        lines = "".join(f"<li>{html.escape(reason)}</li>" for _, reason in problems)
        return f"{len(problems)} photo(s) cannot be annotated and are left out:<ul>{lines}</ul>"

    def show(self, photo: str | None) -> None:
        """Show ``photo`` (a name in the folder) from scratch, or the end when ``None``; restart its clock."""
        self.photo, self.error, self.mask, self.proposal, self.prior = photo, None, None, None, None
        self.box, self.hints, self.corrections, self.history = None, [], [], []
        self._drawing = None
        self.message.value = ""
        if photo is None:
            self.rgb = None
            self.picture.value = b""
            self.status.value = f"<b>done</b>: all {len(self.order)} photo(s) are annotated or skipped"
            return
        try:
            self.rgb = self.store.load(photo)
        except ImageLoadError as exc:       # changed on disk since the scan
            self.rgb = None
            self._fail(str(exc))
            return
        self.scale = self.side / max(self.rgb.shape[:2])
        if self.model is not None:
            from course_lib import inference  # TensorFlow only when a model is used
            size = {} if self.model_size is None else {"size": self.model_size}
            self.prior = inference.predict_alpha(self.model, self.rgb, **size)
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self.shown_at = time.perf_counter()
        if self.prior is not None:
            self.propose()
        saved = self.store.get(photo)
        if saved is not None:
            self.message.value = html.escape(f"{photo} is already {saved.status}; accepting again will not "
                                             f"replace it")
        self.redraw()

    def seconds(self) -> float:
        """Return the seconds since the photo was shown."""
        return time.perf_counter() - self.shown_at

    def _status_html(self) -> str:
        where = self.order.index(self.photo) + 1 if self.photo in self.order else "?"
        left = len(self.store.pending())
        return (f"<b>{html.escape(self.photo)}</b> — {where} of {len(self.order)} — {self.seconds():.0f} s "
                f"— {left} to do")

    def picture_rgb(self) -> np.ndarray:
        """Return the picture shown (scaled photo, mask overlay, box and hint strokes) as H×W×3 uint8."""
        shown = viz.overlay(self.rgb, self.mask) if self.mask is not None else self.rgb.copy()
        strokes = np.zeros(self.rgb.shape[:2], np.uint8)
        codes = {label: i + 1 for i, label in enumerate(STROKE_COLOURS)}
        drawing = [self._drawing] if isinstance(self._drawing, dict) and self.mode not in BRUSHES else []
        for stroke in self.hints + drawing:
            if stroke["label"] != "outline":
                mask_proposal.paint_stroke(strokes, stroke, codes[stroke["label"]])
        shown = shown.astype(np.float32)
        for label, code in codes.items():
            shown[strokes == code] = 0.3 * shown[strokes == code] + 0.7 * _rgb(STROKE_COLOURS[label])
        shown = np.clip(shown, 0, 255).astype(np.uint8)
        h, w = shown.shape[:2]
        size = (max(1, round(w * self.scale)), max(1, round(h * self.scale)))
        shown = cv2.resize(shown, size, interpolation=cv2.INTER_AREA if self.scale < 1 else cv2.INTER_NEAREST)
        box = self._drawing if isinstance(self._drawing, tuple) else self.box
        if box is not None:
            x0, y0, x1, y1 = (int(round(v * self.scale)) for v in box)
            cv2.rectangle(shown, (x0, y0), (max(x0, x1 - 1), max(y0, y1 - 1)), BOX_COLOUR, 1)
        return shown

    def redraw(self) -> None:
        """Draw the picture and the status line again."""
        if self.rgb is None:
            return
        self.picture.value = png_bytes(self.picture_rgb())
        self.status.value = self._status_html()

    def _fail(self, reason: str) -> None:
        self.error = reason
        self.message.value = error_html(reason)

    def _act(self, action) -> None:
        """Run a button's action; show what went wrong instead of a traceback."""
        try:
            action()
        except (ValueError, OSError) as exc:
            self._fail(str(exc))

    # -- the mouse, in photo pixels ----------------------------------------------------------------------------

    def _clip(self, x, y) -> tuple[int, int]:
        h, w = self.rgb.shape[:2]
        return int(np.clip(round(x), 0, w - 1)), int(np.clip(round(y), 0, h - 1))

    def handle_event(self, event: dict) -> None:
        """Handle one ipyevents mouse event (``type``, ``dataX``, ``dataY`` in the picture's pixels)."""
        if self.rgb is None or "dataX" not in event:
            return
        x, y = event["dataX"] / self.scale, event["dataY"] / self.scale
        kind = event.get("type")
        if kind == "mousedown":
            self.press(x, y)
        elif kind == "mousemove" and self._drawing is not None:
            self.drag(x, y)
        elif kind in ("mouseup", "mouseleave") and self._drawing is not None:
            self.release(x, y)

    def press(self, x: float, y: float) -> None:
        """Start a box or a stroke at photo pixel (x, y)."""
        if self.rgb is None:
            return
        x, y = self._clip(x, y)
        if self.mode == "box":
            self._drawing = (x, y, x + 1, y + 1)
            self._anchor = (x, y)
        else:
            self._drawing = {"label": MODES[self.mode], "points": [[x, y]], "width": int(self.brush.value)}
        self.redraw()

    def drag(self, x: float, y: float) -> None:
        """Extend the box or stroke being drawn to photo pixel (x, y)."""
        if self._drawing is None:
            return
        x, y = self._clip(x, y)
        if isinstance(self._drawing, tuple):
            (ax, ay) = self._anchor
            self._drawing = (min(ax, x), min(ay, y), max(ax, x) + 1, max(ay, y) + 1)
        elif self._drawing["points"][-1] != [x, y]:
            self._drawing["points"].append([x, y])
        self.redraw()

    def release(self, x: float, y: float) -> None:
        """Finish the box or stroke at photo pixel (x, y): a box or hint proposes again, a brush paints the mask."""
        if self._drawing is None:
            return
        self.drag(x, y)
        drawn, self._drawing = self._drawing, None
        self.error = None
        self.message.value = ""
        if isinstance(drawn, tuple):
            if drawn[2] - drawn[0] < 2 or drawn[3] - drawn[1] < 2:
                self.redraw()                       # a click, not a box
                return
            self.history.append(("box", self.box))
            self.box = drawn
            self.propose()
        elif self.mode in BRUSHES:
            self.history.append(("correction", None))
            self.corrections.append(drawn)
            self._correct()
        else:
            self.history.append(("hint", None))
            self.hints.append(drawn)
            self.propose()
        self.redraw()

    # -- the buttons -------------------------------------------------------------------------------------------

    def annotation(self, status: str = "accepted") -> annotation_store.Annotation:
        """Return the photo's annotation as it stands (box, hints, prior, corrections, seconds so far)."""
        prior = None if self.prior is None else {"model": self.model_name, **mask_proposal.PRIOR_THRESHOLDS}
        return annotation_store.Annotation(self.photo, box=self.box, hints=list(self.hints), prior=prior,
                                           corrections=list(self.corrections), iterations=self.iterations,
                                           seed=self.seed, status=status, seconds=round(self.seconds(), 3),
                                           started=self.started)

    def propose(self) -> None:
        """Run GrabCut again from the box, the hints and the model's probability; keep the corrections."""
        if self.rgb is None:
            return
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", mask_proposal.DegenerateLabelsWarning)
            self.proposal = mask_proposal.propose_mask(self.rgb, self.box, self.hints, prior=self.prior,
                                                       iterations=self.iterations, seed=self.seed)
        if caught:
            self._fail(str(caught[-1].message))
        self._correct()
        self.redraw()

    def _correct(self) -> None:
        if self.proposal is None:                   # brushing before any proposal: start from all background
            self.proposal = np.zeros(self.rgb.shape[:2], bool)
        self.mask = mask_proposal.apply_corrections(self.proposal, self.corrections)

    def undo(self) -> None:
        """Take back the last box, hint or brush stroke."""
        if not self.history:
            return
        kind, previous = self.history.pop()
        if kind == "correction":
            self.corrections.pop()
            self._correct()
        else:
            if kind == "box":
                self.box = previous
            else:
                self.hints.pop()
            self.propose()
        self.redraw()

    def accept(self) -> None:
        """Save the mask and the annotation, then show the next photo without one."""
        if self.rgb is None:
            return
        if self.mask is None:
            raise ValueError("nothing to accept yet: draw a box (or strokes) first, or skip the photo")
        self.store.save(self.annotation("accepted"), self.mask)
        self._next_pending()

    def skip(self) -> None:
        """Record the photo as skipped (no mask), then show the next photo without an annotation."""
        if self.rgb is None:
            return
        self.store.save(self.annotation("skipped"))
        self._next_pending()

    def _next_pending(self) -> None:
        pending = self.store.pending()
        later = [p for p in pending if self.order.index(p) > self.order.index(self.photo)]
        self.show((later or pending or [None])[0])

    def _step(self, delta: int) -> None:
        if not self.order:
            return
        i = self.order.index(self.photo) if self.photo in self.order else -delta
        self.show(self.order[(i + delta) % len(self.order)])

    def next(self) -> None:
        """Show the next photo in the folder (annotated or not)."""
        self._step(1)

    def previous(self) -> None:
        """Show the previous photo in the folder."""
        self._step(-1)

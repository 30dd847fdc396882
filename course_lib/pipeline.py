"""A postprocessing chain as data: named steps with parameters, shown, saved as JSON, re-applied.

Lesson 06 builds the chain step by step, lesson 07's comparison studio applies
it to every method, and a command-line tool can read the same JSON file — so
all three run exactly the same postprocessing.

>>> from course_lib.pipeline import Pipeline
>>> pipe = Pipeline([("closing", {"size": 5}), "fill_holes", ("guided_filter", {"radius": 3})])
>>> pipe                                                      # doctest: +NORMALIZE_WHITESPACE
Pipeline(closing(size=5, shape='ellipse') → fill_holes(max_area=None)
         → guided_filter(radius=3, eps=0.001))
>>> Pipeline.from_json(pipe.to_json()) == pipe
True

A step is looked up by name in :data:`STEPS`; a saved file holds only names
and plain values (numbers, strings, booleans, null), never code: loading a
pipeline cannot run anything that is not in the registry. Every step is a
function ``(rgb, alpha, **params) -> alpha`` of the photo (``H×W×3 uint8``)
and the current mask or alpha (``H×W`` bool or float32); mask steps read an
alpha as ``alpha >= 0.5``.

:func:`ablation_methods` turns a pipeline into one segmenter per prefix
("raw", "+ opening", "+ opening + closing", …) for
:func:`course_lib.evaluate.evaluate_methods`, so every step gets scored by the
loop that makes every table of the course.
"""

from __future__ import annotations

import html
import inspect
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_lib import classical, evaluate, postprocess
from course_lib.cache import ImageCache, image_key
from course_lib.validate import as_alpha, as_mask, as_rgb

__all__ = ["FORMAT", "VERSION", "StepType", "STEPS", "register", "Step", "Pipeline", "DEFAULT",
           "CachedSegmenter", "reference_segmenter", "ablation_methods", "ABLATION_SCORES", "ablation_table"]

FORMAT = "course_lib.pipeline"
"""The ``format`` field of a saved pipeline."""
VERSION = 1
"""The version of the saved format this module writes and reads."""


# --- the registry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepType:
    """A registered step: its function ``(rgb, alpha, **params) -> alpha`` and its parameters' defaults."""

    name: str
    function: Callable
    defaults: dict
    summary: str


STEPS: dict[str, StepType] = {}
"""Every step a pipeline may name, by name."""


def register(name: str):
    """Decorator: add ``function(rgb, alpha, **params)`` to :data:`STEPS` under ``name``.

    Every parameter after ``rgb`` and ``alpha`` must have a default (a number,
    string, boolean or None), so a step can be named without parameters.
    """
    def add(function: Callable) -> Callable:
        if name in STEPS:
            raise ValueError(f"a step called {name!r} is already registered")
        parameters = list(inspect.signature(function).parameters.values())
        if [p.name for p in parameters[:2]] != ["rgb", "alpha"]:
            raise ValueError(f"step {name!r} must take (rgb, alpha, **params)")
        defaults = {}
        for p in parameters[2:]:
            if p.default is inspect.Parameter.empty:
                raise ValueError(f"step {name!r}: parameter {p.name!r} needs a default")
            defaults[p.name] = p.default
        summary = (inspect.getdoc(function) or name).splitlines()[0]
        STEPS[name] = StepType(name, function, defaults, summary)
        return function
    return add


@register("binarise")
def _binarise(rgb, alpha, threshold=0.5):
    """Hard mask: alpha >= threshold (turns a probability map into a mask)."""
    return postprocess.binarise(alpha, threshold)


@register("opening")
def _opening(rgb, alpha, size=3, shape="ellipse"):
    """Erode then dilate: removes specks and thin bridges smaller than the element."""
    return classical.opening(as_mask(alpha), size, shape)


@register("closing")
def _closing(rgb, alpha, size=5, shape="ellipse"):
    """Dilate then erode: closes gaps and small dents smaller than the element."""
    return classical.closing(as_mask(alpha), size, shape)


@register("fill_holes")
def _fill_holes(rgb, alpha, max_area=None):
    """Fill what the border's flood fill cannot reach (holes up to max_area of the image)."""
    return postprocess.fill_holes(alpha, max_area)


@register("remove_specks")
def _remove_specks(rgb, alpha, min_area=0.001):
    """Drop islands smaller than min_area of the image."""
    return postprocess.remove_specks(alpha, min_area)


@register("keep_largest")
def _keep_largest(rgb, alpha, relative_area=1.0):
    """Keep the largest component (and any with relative_area of its size)."""
    return postprocess.keep_largest(alpha, relative_area)


@register("feather")
def _feather(rgb, alpha, sigma=1.0):
    """Soft edge by a Gaussian blur of sigma pixels (ignores the photo)."""
    return postprocess.feather(alpha, sigma)


@register("guided_filter")
def _guided_filter(rgb, alpha, radius=2, eps=0.001):
    """Soft edge that follows the photo's edges (guided filter, colour guide)."""
    return postprocess.refine_guided(rgb, alpha, radius, eps)


@register("matting")
def _matting(rgb, alpha, radius=3):
    """Soft edge by closed-form matting in a trimap band of ±radius pixels."""
    return postprocess.refine_matting(rgb, alpha, radius)


# --- steps and pipelines -------------------------------------------------------------------------

_PLAIN = (bool, int, float, str, type(None))


def _plain(value):
    """Return ``value`` as a plain JSON value (NumPy scalars unwrapped), or raise TypeError."""
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, _PLAIN) or (isinstance(value, float) and not np.isfinite(value)):
        raise TypeError(type(value).__name__)
    return value


def _expected_type(default):
    """Return ``(types, description)`` a parameter's value must have, judged by its default (None: any)."""
    if isinstance(default, bool):
        return bool, "true or false"
    if isinstance(default, int):
        return int, "an integer"
    if isinstance(default, float):
        return (int, float), "a number"
    if isinstance(default, str):
        return str, "a string"
    return None


@dataclass(frozen=True)
class Step:
    """One step of a pipeline: a registered ``name`` and all its parameters (defaults filled in)."""

    name: str
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.name, str) or self.name not in STEPS:
            raise ValueError(f"no step called {self.name!r}; the steps are {sorted(STEPS)}")
        if not isinstance(self.params, Mapping):
            raise ValueError(f"step {self.name!r}: params must be a mapping of names to values, "
                             f"got {type(self.params).__name__}")
        defaults = STEPS[self.name].defaults
        unknown = sorted(set(self.params) - set(defaults))
        if unknown:
            raise ValueError(f"step {self.name!r} has no parameter {', '.join(map(repr, unknown))}; "
                             f"it takes {sorted(defaults) or 'none'}")
        full = dict(defaults)
        for key, given in self.params.items():
            try:
                value = _plain(given)
            except TypeError:
                raise ValueError(f"step {self.name!r}: {key}={given!r} is not a plain number, string, "
                                 "boolean or None, so it cannot be saved as JSON") from None
            expected = _expected_type(defaults[key])
            wrong_bool = isinstance(value, bool) and not isinstance(defaults[key], bool)
            if expected is not None and (wrong_bool or not isinstance(value, expected[0])):
                raise ValueError(f"step {self.name!r}: {key} must be {expected[1]} "
                                 f"(default {defaults[key]!r}), got {value!r}")
            full[key] = value
        object.__setattr__(self, "params", full)

    @property
    def label(self) -> str:
        """``name(param=value, …)``, as shown in tables and reprs."""
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"

    def __call__(self, rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        """Return this step applied to ``alpha`` (H×W bool or float32) of photo ``rgb``."""
        return STEPS[self.name].function(rgb, alpha, **self.params)

    def to_dict(self) -> dict:
        return {"step": self.name, "params": dict(self.params)}


def _as_step(item, position: int) -> Step:
    if isinstance(item, Step):
        return item
    if isinstance(item, str):
        return Step(item)
    if isinstance(item, Mapping) and "step" in item:
        extra = sorted(set(item) - {"step", "params"})
        if extra:
            raise ValueError(f"step {position} has unknown keys {extra}: use 'step' and 'params'")
        return Step(item["step"], item.get("params") or {})
    if isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[1], Mapping):
        return Step(item[0], item[1])
    raise ValueError(f"step {position} is {item!r}: give a step name, (name, params), "
                     "{'step': name, 'params': {...}} or a Step")


class Pipeline:
    """A chain of postprocessing steps applied in order to a segmenter's mask or alpha.

    Parameters
    ----------
    steps : iterable
        Each a step name (``"fill_holes"``), a pair ``(name, {param: value})``,
        a dict ``{"step": name, "params": {...}}`` or a :class:`Step`.

    Calling ``pipeline(rgb, raw)`` returns the final alpha, ``H×W float32`` in
    [0, 1] (a hard result comes back as 0.0 / 1.0).
    """

    def __init__(self, steps: Iterable = ()):
        if isinstance(steps, (str, Step)):
            steps = [steps]
        self.steps: tuple[Step, ...] = tuple(_as_step(item, i) for i, item in enumerate(steps))

    # running
    def __call__(self, rgb: np.ndarray, raw: np.ndarray) -> np.ndarray:
        return self.trace(rgb, raw)[-1][1]

    def trace(self, rgb: np.ndarray, raw: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """Return ``[("input", raw), (step label, alpha after it), …]``; each alpha H×W float32."""
        rgb = as_rgb(rgb)
        current = as_alpha(raw, "raw", rgb.shape[:2])
        out = [("input", current)]
        for step in self.steps:
            current = as_alpha(step(rgb, current), f"the output of {step.name}", rgb.shape[:2])
            out.append((step.label, current))
        return out

    def after(self, segment: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
        """Return ``rgb -> alpha``: ``segment`` followed by this pipeline (a method for ``evaluate_methods``)."""
        def method(rgb):
            return self(rgb, segment(rgb))
        return method

    # a sequence of steps
    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Pipeline(self.steps[index])
        return self.steps[index]

    def __add__(self, other) -> Pipeline:
        return Pipeline(self.steps + Pipeline(other).steps)

    def then(self, name: str, **params) -> Pipeline:
        """Return a new pipeline with one more step at the end."""
        return Pipeline(self.steps + (Step(name, params),))

    def __eq__(self, other) -> bool:
        return isinstance(other, Pipeline) and self.steps == other.steps

    def __hash__(self):
        return hash(self.to_json())

    # showing
    def __repr__(self) -> str:
        return f"Pipeline({' → '.join(step.label for step in self.steps) or 'no steps'})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{i + 1}</td><td><code>{html.escape(s.name)}</code></td>"
            f"<td><code>{html.escape(', '.join(f'{k}={v!r}' for k, v in s.params.items()))}</code></td>"
            f"<td>{html.escape(STEPS[s.name].summary)}</td></tr>" for i, s in enumerate(self.steps))
        return ("<table><thead><tr><th>#</th><th>step</th><th>parameters</th><th>what it does</th></tr>"
                f"</thead><tbody>{rows or '<tr><td colspan=4>no steps</td></tr>'}</tbody></table>")

    # saving
    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "steps": [s.to_dict() for s in self.steps]}

    def to_json(self) -> str:
        """Return the pipeline as JSON text (one step per line)."""
        steps = ",\n".join("    " + json.dumps(s.to_dict()) for s in self.steps)
        return (f'{{\n  "format": "{FORMAT}",\n  "version": {VERSION},\n  "steps": [\n{steps}\n  ]\n}}\n'
                if steps else json.dumps(self.to_dict()) + "\n")

    @classmethod
    def from_dict(cls, data, source: str = "the pipeline") -> Pipeline:
        """Return the pipeline described by ``data`` (what :meth:`to_dict` gives), checked."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ValueError(f"{source} is not a saved pipeline: expected an object with "
                             f'"format": "{FORMAT}"')
        if data.get("version") != VERSION:
            raise ValueError(f"{source} has version {data.get('version')!r}; this course_lib reads version {VERSION}")
        steps = data.get("steps")
        if not isinstance(steps, list):
            raise ValueError(f"{source}: 'steps' must be a list")
        try:
            return cls(steps)
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None

    @classmethod
    def from_json(cls, text: str, source: str = "the pipeline") -> Pipeline:
        """Return the pipeline saved as JSON ``text``."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source} is not valid JSON: {exc}") from None
        return cls.from_dict(data, source)

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write the pipeline as JSON to ``path`` (never replacing a file unless ``overwrite``)."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Pipeline:
        """Return the pipeline saved at ``path``; errors name the file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise FileNotFoundError(f"no saved pipeline at {path}") from None
        return cls.from_json(text, source=str(path))


DEFAULT = Pipeline([("binarise", {}), ("opening", {"size": 3}), ("closing", {"size": 5}),
                    ("fill_holes", {"max_area": 0.01}), ("keep_largest", {"relative_area": 0.3}),
                    ("guided_filter", {"radius": 1, "eps": 1e-3})])
"""Lesson 06's chain: hard mask → open → close → fill small holes → largest component(s) → guided filter.

Holes up to 1 % of the image are filled (a speck of background inside the
product), larger ones kept (a mug's handle); components at least 30 % of the
largest are kept (a second product). The guided filter's radius and ε were
chosen on the validation split, whose images are 128×128 with edges about one
pixel soft: on larger photos, scale the radii with the image.
"""


# --- scoring every step -----------------------------------------------------------------------------


class CachedSegmenter:
    """``segment`` that computes each distinct image once (keyed by its bytes), e.g. GrabCut for an ablation."""

    def __init__(self, segment: Callable[[np.ndarray], np.ndarray], max_items: int = 1024):
        self.segment = segment
        self.cache = ImageCache(max_items)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return self.cache.get(np.asarray(rgb), self.segment)

    def __len__(self) -> int:
        return len(self.cache)


def reference_segmenter(split, threshold: float = 0.5) -> Callable[[np.ndarray], np.ndarray]:
    """Return ``rgb -> split.alpha[i] >= threshold`` for the split's own images: a perfect hard mask.

    It answers "what would the soft-edge steps give if the segmenter were
    right?": only what the edge itself costs remains. Images not in ``split``
    raise KeyError.
    """
    index = {image_key(np.asarray(split.rgb[i])): i for i in range(len(split))}

    def segment(rgb):
        key = image_key(np.asarray(rgb))
        if key not in index:
            raise KeyError(f"this image is not in split {split.name!r}: reference_segmenter only knows its images")
        return np.asarray(split.alpha[index[key]]) >= threshold
    return segment


def ablation_methods(segment: Callable[[np.ndarray], np.ndarray], pipeline: Pipeline, *,
                     name: str = "raw", alternatives: Iterable = ()) -> dict[str, Callable]:
    """Return ``{row name: rgb -> alpha}``: the raw segmenter, then each step of ``pipeline`` added in turn.

    Rows: ``name``; ``+ step1``; ``+ step2`` (after step 1); …; then, for each
    of ``alternatives`` (steps), that step *instead of* the pipeline's last one.
    Each image's intermediate results are kept while the loop is on that image,
    so with :func:`course_lib.evaluate.evaluate_methods` (image by image) every
    step runs once per image, and a row's ``seconds`` is its own step (plus scoring).
    """
    pipeline = Pipeline(pipeline)
    alternatives = [_as_step(a, i) for i, a in enumerate(alternatives)]
    if alternatives and not len(pipeline):
        raise ValueError("alternatives replace the pipeline's last step, but the pipeline is empty")
    state: dict = {"key": None, "results": {}}

    def result(rgb, k):
        key = image_key(rgb)
        if key != state["key"]:
            state["key"], state["results"] = key, {}
        if k not in state["results"]:
            if k == 0:
                value = as_alpha(segment(rgb), f"the output of {name}", rgb.shape[:2])
            else:
                value = pipeline.steps[k - 1](rgb, result(rgb, k - 1))
            state["results"][k] = value
        return state["results"][k]

    methods: dict[str, Callable] = {name: lambda rgb: result(np.asarray(rgb), 0)}

    def unique(label):
        out, n = label, 2
        while out in methods:
            out, n = f"{label} #{n}", n + 1
        return out

    for k, step in enumerate(pipeline.steps, start=1):
        methods[unique(f"+ {step.label}")] = lambda rgb, k=k: result(np.asarray(rgb), k)
    last = len(pipeline) - 1
    for alt in alternatives:
        methods[unique(f"  {alt.label} instead")] = (
            lambda rgb, alt=alt: alt(np.asarray(rgb), result(np.asarray(rgb), last)))
    return methods


ABLATION_SCORES = {"iou": "IoU", "boundary_f": "bF 2px", "mae": "MAE"}


def ablation_table(rows: list[dict], real_rows: list[dict] | None = None) -> str:
    """Return the ablation as text: one line per row name, mean IoU, boundary F and MAE.

    ``rows`` come from :func:`course_lib.evaluate.evaluate_methods` on a
    generated split (exact alpha); ``real_rows`` optionally from the demo photos,
    whose hand-made references are hard masks, so only IoU and boundary F are
    shown for them (an MAE against a hard reference punishes any soft edge).
    """
    if not rows:
        raise ValueError("rows is empty: run evaluate.evaluate_methods first")
    blocks = [("", rows, ABLATION_SCORES)]
    if real_rows:
        blocks.append(("real ", real_rows, {"iou": "IoU", "boundary_f": "bF 2px"}))
    means = {}
    for prefix, block_rows, scores in blocks:
        for score in scores:
            for method, by in evaluate.summarise(block_rows, score).items():
                if "all" in by:
                    means[prefix + score, method] = by["all"]["mean"]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    width = max(len(m) for m in methods)
    columns = [(prefix + score, prefix + label) for prefix, _, scores in blocks for score, label in scores.items()]
    n_test = len({r["index"] for r in rows})
    title = f"mean over {n_test} images" + (f" | real: {len({r['index'] for r in real_rows})} demo photos"
                                            if real_rows else "")
    lines = [title, f"{'step':<{width}}  " + "  ".join(f"{label:>11}" for _, label in columns)]
    for method in methods:
        cells = []
        for key, _ in columns:
            value = means.get((key, method))
            cells.append(f"{value:11.4f}" if value is not None else f"{'—':>11}")
        lines.append(f"{method:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)

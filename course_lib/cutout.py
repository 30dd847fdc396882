"""One photo file in, one cut-out file out: the per-image work of ``course-cutout``, shared by every runner.

The steps, for each photo (timed one by one, for the report):

1. **decode** — :func:`course_lib.imageio.load_image` (EXIF, CMYK, 16-bit; a
   bad file becomes a report row that names it and the reason);
2. **segment** — a method of :data:`METHODS`: a CNN (several photos per
   network call: batching is what makes it fast), a CNN + GrabCut hybrid or a
   classical method; by default (:data:`DEFAULT_METHOD`, ``"auto"``) the one
   that scored best on the real ``dev`` photos (:mod:`course_lib.real_default`);
3. **postprocess** — a lesson-06 :class:`course_lib.pipeline.Pipeline`
   (``pipeline.DEFAULT`` unless told otherwise), then the cut-out itself
   (:func:`compose`): an RGBA image, or the product on a new background, cropped
   to the object when asked;
4. **encode** — PNG or JPEG bytes, in memory;
5. **write** — :func:`course_lib.imageio.write_atomic`: a temporary file in the
   same folder, then a rename, so a killed run never leaves half a PNG.

:func:`process_chunk` runs these steps for a few photos at once; the plain
command-line run (:mod:`course_lib.catalogue`) and the Dask run
(:mod:`course_lib.scale_out`) both call it, with the same chunks, so they write
the same bytes. Everything it needs travels in a :class:`RunSettings` (names
and plain values, picklable); each process loads the model once
(:func:`load_segmenter` keeps it).

A method is one entry of :data:`METHODS`: a summary and a factory that returns
``segment(list of RGB photos) -> list of alphas``. Adding one is one line there.

>>> import numpy as np
>>> rgb = np.full((20, 30, 3), 250, np.uint8); rgb[5:12, 8:20] = 40           # a dark box on white
>>> alpha = load_segmenter("otsu")([rgb])[0]
>>> image, mask8 = compose(rgb, alpha, OutputSpec(crop_margin=2))
>>> image.shape, mask8.shape, int(mask8.max())                               # RGBA, 7+4 × 12+4 pixels
((11, 16, 4), (11, 16), 255)
"""

from __future__ import annotations

import functools
import io
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from course_lib import classical, hybrid, imageio, pipeline, postprocess
from course_lib.boxes import bounding_box
from course_lib.compositing import composite
from course_lib.validate import as_alpha, as_rgb

__all__ = ["Segmenter", "Method", "cnn_segmenter", "classical_segmenter", "METHODS", "DEFAULT_METHOD",
           "resolve_method", "load_segmenter",
           "parse_background", "OutputSpec", "Job", "RunSettings", "STAGES", "compose", "encode",
           "output_is_complete", "report_row", "process_chunk", "process_job"]

Segmenter = Callable[[list], list]
"""``segment(photos) -> alphas``: a list of ``H×W×3 uint8`` RGB photos to one ``H×W float32`` alpha each."""


# --- methods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """A segmentation method the tool can run.

    Attributes
    ----------
    summary : str
        One line for ``--help`` and the report.
    load : callable
        ``load(model_path or None) -> Segmenter``, called once per process.
    uses_model : bool
        Whether ``--model`` applies (the method runs a network).
    batch_size : int
        Photos per call that help throughput (the CNN's batches; 1 for a
        method that handles one photo at a time anyway).
    """

    summary: str
    load: Callable[[Path | None], Segmenter]
    uses_model: bool = False
    batch_size: int = 1


def cnn_segmenter(model_path: str | os.PathLike | None = None,
                  refine: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None, *,
                  photos: bool = False) -> Segmenter:
    """Return a segmenter that runs a U-Net on a batch of photos (the object probability of each).

    ``model_path``: a ``.keras`` checkpoint or a ``.tflite`` file
    (:mod:`course_lib.export`); by default lesson 04's U-Net
    (``inference.MODEL_PATH``, at ``inference.WORK_SIZE``), or with ``photos``
    the real-photo CNN (``inference.REAL_MODEL_PATH``, at
    ``inference.REAL_WORK_SIZE``, which a ``.keras`` ``model_path`` is predicted at
    too); read when this is called. ``refine(rgb, probability) -> alpha``, if
    given, is applied to each photo after the network (a CNN-seeded method).
    """
    from course_lib import export, inference

    if photos and model_path is None:
        model, size = inference.load_real_model()
        path = inference.REAL_MODEL_PATH
    else:
        path = Path(inference.MODEL_PATH if model_path is None else model_path)
        model = export.load_model(path)
        size = inference.REAL_WORK_SIZE if photos else inference.WORK_SIZE
    size = getattr(model, "input_size", size)        # a .tflite file has its side built in

    def segment(photos: list) -> list:
        alphas = inference.predict_alpha_batch(model, photos, size=size, batch_size=max(1, len(photos)))
        return alphas if refine is None else [refine(rgb, p) for rgb, p in zip(photos, alphas)]

    segment.model_path = path
    return segment


def classical_segmenter(name: str) -> Callable[[Path | None], Segmenter]:
    """Return a factory for lesson 01's ``classical.METHODS[name]`` (default parameters), one photo at a time."""
    function = classical.METHODS[name]

    def load(model_path=None) -> Segmenter:
        return lambda photos: [as_alpha(function(rgb)) for rgb in photos]
    return load


def _cnn_method(photos: bool, refine=None) -> Callable[[Path | None], Segmenter]:
    return functools.partial(cnn_segmenter, refine=refine, photos=photos)


METHODS: dict[str, Method] = {
    "real_cnn": Method("the real-photo CNN (inference.REAL_MODEL_PATH at REAL_WORK_SIZE), or the file --model names",
                       _cnn_method(True), uses_model=True, batch_size=8),
    "real_hybrid": Method("GrabCut from the real-photo CNN's labels, no box (course_lib.hybrid.hybrid_alpha)",
                          _cnn_method(True, hybrid.hybrid_alpha), uses_model=True, batch_size=8),
    "real_hybrid_box": Method("GrabCut inside the box the real-photo CNN places (course_lib.hybrid.hybrid_box_alpha)",
                              _cnn_method(True, hybrid.hybrid_box_alpha), uses_model=True, batch_size=8),
    "real_hybrid_frame": Method("GrabCut from the border with the real-photo CNN's hints "
                                "(course_lib.hybrid.hybrid_frame_alpha)",
                                _cnn_method(True, hybrid.hybrid_frame_alpha), uses_model=True, batch_size=8),
    "cnn": Method("lesson 04's U-Net (generated images; inference.MODEL_PATH), or the .keras/.tflite file --model "
                  "names", _cnn_method(False), uses_model=True, batch_size=8),
    **{name: Method(f"lesson 01's {name} (classical.{function.__name__}, default parameters)",
                    classical_segmenter(name)) for name, function in classical.METHODS.items()},
    "hybrid": Method("GrabCut from lesson 04's U-Net's labels, no box (course_lib.hybrid; lesson 10)",
                     _cnn_method(False, hybrid.hybrid_alpha), uses_model=True, batch_size=8),
    "hybrid_box": Method("GrabCut inside the box lesson 04's U-Net places (course_lib.hybrid.hybrid_box_alpha)",
                         _cnn_method(False, hybrid.hybrid_box_alpha), uses_model=True, batch_size=8),
}
"""The methods ``--method`` accepts, by name: the real-photo CNN and its three hybrids, lesson 04's U-Net and its
two hybrids, and every classical method (``grabcut`` is GrabCut from the border). ``"auto"``
(:data:`DEFAULT_METHOD`) stands for the one of them that scored best on the real ``dev`` photos."""

DEFAULT_METHOD = "auto"
"""What the tools run when no method is named: :func:`resolve_method` turns it into the ``dev`` winner."""


def resolve_method(method: str = DEFAULT_METHOD, model: str | os.PathLike | None = None) -> str:
    """Return the name in :data:`METHODS` that ``method`` stands for: itself, or for ``"auto"`` the ``dev`` winner.

    The winner is read from ``data/models/real_default.json``
    (:func:`course_lib.real_default.default_method`): until a CNN closes the gap
    on real photos, the tools run whatever scored best there. ``"auto"`` with a
    ``model`` (a checkpoint you name) runs that network: the winner when it runs
    one, else ``"cnn"``, the network alone.

    >>> resolve_method("otsu"), resolve_method() in METHODS, METHODS[resolve_method(model="my.keras")].uses_model
    ('otsu', True, True)
    """
    from course_lib import real_default

    if method == DEFAULT_METHOD:
        method = real_default.default_method()
        if model is not None and method in METHODS and not METHODS[method].uses_model:
            method = "cnn"
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {sorted(METHODS)} or {DEFAULT_METHOD!r}")
    return method


_LOADED: dict[tuple, Segmenter] = {}


def load_segmenter(method: str = DEFAULT_METHOD, model: str | os.PathLike | None = None) -> Segmenter:
    """Return the segmenter of ``method`` (with ``model``), loading it once per process.

    With no arguments: the real-photo default (:func:`resolve_method`). A Dask
    worker keeps its model between tasks the same way. The model file's
    modification time is part of the key, so a re-written file is loaded anew.
    The segmenter's ``method`` attribute names the method it runs.
    """
    method = resolve_method(method, model)
    if model is not None and not METHODS[method].uses_model:
        networks = [m for m in METHODS if METHODS[m].uses_model]
        raise ValueError(f"--model applies to methods that run a network ({networks}), not to {method!r}")
    path = None if model is None else Path(model)
    stamp = path.stat().st_mtime_ns if path is not None and path.exists() else None
    key = (method, str(path), stamp)
    if key not in _LOADED:
        segment = METHODS[method].load(path)
        try:
            segment.method = method
        except AttributeError:              # a segmenter that takes no attributes (a builtin): no label
            pass
        _LOADED[key] = segment
    return _LOADED[key]


# --- what to write ---------------------------------------------------------------------------------

_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")


def parse_background(text: str | None):
    """Return a background from its command-line form: None, ``"white"``, an RGB triple, or a photo's Path.

    ``None`` or ``"none"``/``"transparent"``: keep the transparency (RGBA).
    ``"white"``; ``"#RRGGBB"``; anything else is a photo's path, checked to exist.

    >>> parse_background("#ff8000"), parse_background("white"), parse_background(None)
    ((255, 128, 0), 'white', None)
    """
    if text is None or text.lower() in ("none", "transparent"):
        return None
    if text.lower() == "white":
        return "white"
    match = _HEX.match(text)
    if match:
        value = match.group(1)
        return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))
    if text.startswith("#"):
        raise ValueError(f"background {text!r} is not a colour: write #RRGGBB with six hex digits, e.g. #f0f0f0")
    path = Path(text)
    if not path.is_file():
        raise ValueError(f"background {text!r} is not 'white', a #RRGGBB colour or an existing photo file")
    return path


@dataclass(frozen=True)
class OutputSpec:
    """What to write for each photo.

    Attributes
    ----------
    background : None, "white", RGB triple or Path
        None: an RGBA PNG (the cut-out with its transparency); otherwise the
        product composited onto it (see :func:`parse_background`).
    format : {"png", "jpg"}
        ``"jpg"`` only with a background (JPEG has no transparency).
    mask : bool
        Also write the alpha as a grey PNG (``name.mask.png``).
    crop_margin : int or None
        Crop every output to the object (pixels with alpha above 0) plus this many pixels.
    decontaminate : bool
        Remove the old background's colour from the edge pixels
        (:func:`course_lib.postprocess.estimate_foreground`).
    jpeg_quality : int
    """

    background: object = None
    format: str = "png"
    mask: bool = False
    crop_margin: int | None = None
    decontaminate: bool = True
    jpeg_quality: int = 95

    def __post_init__(self):
        if self.format not in ("png", "jpg"):
            raise ValueError(f"format={self.format!r}: use 'png' or 'jpg'")
        if self.format == "jpg" and self.background is None:
            raise ValueError("JPEG has no transparency: give a background (e.g. white) to write .jpg files")
        if self.crop_margin is not None and (not isinstance(self.crop_margin, (int, np.integer))
                                             or self.crop_margin < 0):
            raise ValueError(f"crop_margin must be a whole number of pixels ≥ 0, got {self.crop_margin!r}")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f"jpeg_quality must lie in 1..100, got {self.jpeg_quality}")

    @property
    def suffix(self) -> str:
        """The output file's ending: ``.png`` or ``.jpg``."""
        return "." + self.format


@dataclass(frozen=True)
class Job:
    """One photo to cut out: where it is, where its output (and mask) go, and whether they may be replaced."""

    source: Path
    output: Path
    mask: Path | None = None
    replace: bool = False


@dataclass(frozen=True)
class RunSettings:
    """Everything :func:`process_chunk` needs besides the jobs: plain values, so it pickles to a Dask worker."""

    method: str = DEFAULT_METHOD
    model: Path | None = None
    chain_json: str = field(default_factory=pipeline.DEFAULT.to_json)
    spec: OutputSpec = field(default_factory=OutputSpec)

    @property
    def chain(self) -> pipeline.Pipeline:
        return _chain(self.chain_json)


@functools.lru_cache(maxsize=8)
def _chain(text: str) -> pipeline.Pipeline:
    return pipeline.Pipeline.from_json(text, "the postprocessing chain")


@functools.lru_cache(maxsize=4)
def _background_photo(path: Path, mtime: int) -> np.ndarray:
    return imageio.load_image(path)


def _background_value(background):
    if isinstance(background, Path):
        return _background_photo(background, background.stat().st_mtime_ns)
    return background


# --- the steps -------------------------------------------------------------------------------------

STAGES = ("decode", "segment", "postprocess", "encode", "write")
"""The timed steps of one photo, in order; a report row has ``<stage>_s`` for each."""


def _one_numba_thread() -> None:
    """Run pymatting's numba loops (the foreground estimate) on one thread, in the calling thread.

    Its parallel loops are tiny (a resize per pyramid level); when the cores
    are shared — Dask workers, TensorFlow's threads, anyone else's jobs —
    OpenMP's barriers wait for descheduled threads and a 10 ms estimate takes
    half a second (``benchmarks/bench_deploy.py`` measured it). The tool gets
    its parallelism from processes instead.
    """
    import numba

    numba.set_num_threads(1)


def compose(rgb: np.ndarray, alpha: np.ndarray, spec: OutputSpec = OutputSpec()) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(image, mask8)``: the output picture and the 8-bit alpha, both cropped as ``spec`` says.

    ``image`` is ``H×W×4 uint8`` RGBA without a background, else ``H×W×3 uint8``
    (the product on the background, by :func:`course_lib.compositing.composite`);
    ``mask8`` is ``H×W uint8`` (0–255), the alpha exactly as the RGBA file
    stores it. With ``spec.crop_margin`` both are cropped to
    :func:`course_lib.boxes.bounding_box` of ``mask8``; a photo with no object
    (``mask8`` all 0) keeps its whole picture.
    """
    rgb = as_rgb(rgb)
    a = as_alpha(alpha, "alpha", rgb.shape[:2])
    mask8 = np.rint(a * 255).astype(np.uint8)
    a = mask8.astype(np.float32) / 255                     # what the file holds is what is composited
    if spec.decontaminate:
        _one_numba_thread()
        fore = postprocess.estimate_foreground(rgb, a)
    else:
        fore = rgb
    if spec.background is None:
        image = np.dstack([fore, mask8])
    else:
        image = composite(rgb, a, _background_value(spec.background), foreground=fore)
    if spec.crop_margin is not None and mask8.any():
        box = bounding_box(mask8, int(spec.crop_margin))
        image, mask8 = image[box], mask8[box]
    return np.ascontiguousarray(image), np.ascontiguousarray(mask8)


def encode(image: np.ndarray, fmt: str = "png", *, jpeg_quality: int = 95) -> bytes:
    """Return ``image`` (``H×W`` grey, ``H×W×3`` RGB or ``H×W×4`` RGBA, uint8) as PNG or JPEG bytes.

    The same array always gives the same bytes (zlib level 6, no timestamps).
    """
    buffer = io.BytesIO()
    picture = Image.fromarray(np.asarray(image, np.uint8))
    if fmt == "png":
        picture.save(buffer, format="PNG", compress_level=6)
    elif fmt == "jpg":
        picture.save(buffer, format="JPEG", quality=jpeg_quality)
    else:
        raise ValueError(f"fmt={fmt!r}: use 'png' or 'jpg'")
    return buffer.getvalue()


def output_is_complete(path: str | os.PathLike) -> bool:
    """Return whether ``path`` is a whole image file: it exists and decodes to its last pixel."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return False
    try:
        with Image.open(path) as image:
            image.load()
    except Exception:           # truncated, corrupt, not an image: any reason means "not complete"
        return False
    return True


def _write(path: Path, data: bytes, replace: bool) -> None:
    """Write ``data`` atomically; an identical file already there counts as written (a retried task)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        imageio.write_atomic(path, data, overwrite=replace)
    except FileExistsError:
        if path.read_bytes() != data:
            raise FileExistsError(f"{path} appeared while this photo was processed (another run?); "
                                  "it was left as it is") from None


def report_row(job: Job, **values) -> dict:
    """Return a report row for ``job``: status ``failed`` with no output and zero times, updated with ``values``."""
    row = {"file": str(job.source), "status": "failed", "seconds": 0.0, "object_fraction": None,
           "output": "", "mask": "", "error": ""}
    row.update({f"{stage}_s": 0.0 for stage in STAGES})
    row.update(values)
    return row


def _reason(exc: Exception) -> str:
    if isinstance(exc, (imageio.ImageLoadError, FileExistsError, FileNotFoundError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def process_chunk(jobs: list[Job], settings: RunSettings = RunSettings(), *,
                  clock: Callable[[], float] = time.perf_counter) -> list[dict]:
    """Cut out every photo of ``jobs`` and return one report row per job, in order.

    Each row: ``file``, ``status`` (``"ok"`` or ``"failed"``), ``seconds``,
    ``object_fraction`` (the share of pixels with alpha ≥ 0.5), ``output``,
    ``mask``, ``error`` (the reason, naming the file) and the seconds of each of
    :data:`STAGES` (the segment step's batch time shared out equally). A bad
    photo fails alone: the others are still cut out.
    """
    rows: list[dict | None] = [None] * len(jobs)
    photos: dict[int, np.ndarray] = {}
    decode_s: dict[int, float] = {}
    for i, job in enumerate(jobs):
        start = clock()
        try:
            photos[i] = imageio.load_image(job.source)
        except Exception as exc:
            rows[i] = report_row(job, error=_reason(exc))
        decode_s[i] = clock() - start
    alphas: dict[int, np.ndarray] = {}
    segment_s: dict[int, float] = dict.fromkeys(photos, 0.0)
    segment = None
    if photos:
        try:
            segment = load_segmenter(settings.method, settings.model)
        except Exception as exc:                   # e.g. a worker that cannot read the model file
            for i in photos:
                rows[i] = report_row(jobs[i], error=f"{jobs[i].source} not cut out: the {settings.method} "
                                                    f"method could not be loaded ({_reason(exc)})")
    if segment is not None:
        order = list(photos)
        start = clock()
        try:
            alphas = dict(zip(order, segment([photos[i] for i in order])))
            segment_s = dict.fromkeys(order, (clock() - start) / len(order))
        except Exception:
            for i in order:                        # find the photo the batch failed on; the others go on
                start = clock()
                try:
                    alphas[i] = segment([photos[i]])[0]
                except Exception as exc:
                    rows[i] = report_row(jobs[i], error=f"segmentation failed on {jobs[i].source}: {_reason(exc)}")
                segment_s[i] = clock() - start
    chain, spec = settings.chain, settings.spec
    for i, raw in alphas.items():
        job, times = jobs[i], {}
        try:
            start = clock()
            alpha = chain(photos[i], raw) if len(chain) else as_alpha(raw, "the method's output",
                                                                     photos[i].shape[:2])
            image, mask8 = compose(photos[i], alpha, spec)
            times["postprocess_s"], start = clock() - start, clock()
            data = encode(image, spec.format, jpeg_quality=spec.jpeg_quality)
            mask_data = encode(mask8) if job.mask is not None else None
            times["encode_s"], start = clock() - start, clock()
            _write(job.output, data, job.replace)
            if mask_data is not None:
                _write(job.mask, mask_data, job.replace)
            times["write_s"] = clock() - start
            rows[i] = report_row(job, status="ok", output=str(job.output), mask=str(job.mask or ""),
                                 object_fraction=float(np.mean(alpha >= 0.5)), **times)
        except Exception as exc:
            rows[i] = report_row(job, error=_reason(exc), **times)
    for i, row in enumerate(rows):                 # every row gets its own decode time and its share of the batch
        row["decode_s"], row["segment_s"] = decode_s[i], segment_s.get(i, 0.0)
        row["seconds"] = sum(row[f"{stage}_s"] for stage in STAGES)
    return rows


def process_job(job: Job, settings: RunSettings = RunSettings()) -> dict:
    """Cut out one photo (:func:`process_chunk` with one job); return its report row."""
    return process_chunk([job], settings)[0]

"""The U-Net as a TensorFlow Lite file — float32, float16, dynamic-range int8, full int8 — and running one.

A ``.keras`` checkpoint needs TensorFlow (about 1 GB) to run. A ``.tflite``
file needs only the LiteRT interpreter (``ai-edge-litert``, a few MB), which
is what phones, small servers and the command-line tool's ``--model x.tflite``
use. The converter (``tf.lite.TFLiteConverter``) can also shrink the weights:

=================  ==========================================  ==================================
variant            what is stored                              what runs
=================  ==========================================  ==================================
``float32``        every weight as float32                     float32 kernels
``float16``        weights as float16 (half the file)          weights widened to float32 at load
``dynamic_int8``   weights as int8 with one scale per channel  activations float, weights int8
``full_int8``      weights *and* activations int8              integer kernels; uint8 in and out
=================  ==========================================  ==================================

Full int8 needs to know the range of every activation: the converter runs
the float model on *representative* photos (:func:`representative_images`:
generated ones and the real ``dev`` photos) and records them.

The exported network has a fixed square input, the working side of
:func:`course_lib.inference.predict_alpha` (128 for the shipped model), and a
free batch size. :class:`TFLiteModel` runs it through the LiteRT interpreter
and has the ``predict`` method the rest of the kit expects, so
``inference.predict_alpha_batch(TFLiteModel(path), photos, size=m.input_size)``
works like the Keras model.

>>> from course_lib import unet
>>> import tempfile, numpy as np
>>> keras_model = unet.build_unet(None, base_filters=4, depth=2)
>>> with tempfile.TemporaryDirectory() as folder:
...     path = export_tflite(keras_model, f"{folder}/tiny.tflite", "float16", size=32)
...     lite = TFLiteModel(path)
...     x = np.random.default_rng(0).random((3, 32, 32, 3), dtype=np.float32)
...     diff = float(np.abs(lite.predict(x) - keras_model.predict(x, verbose=0)).max())
>>> lite.input_size, lite.variant, diff < 0.01
(32, 'float16', True)
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

__all__ = ["VARIANTS", "TFLiteError", "representative_images", "export_tflite", "TFLiteModel", "load_model",
           "latency_ms", "compare_variants", "format_table"]

VARIANTS = {
    "float32": "float32 weights and activations: the Keras model, converted as it is",
    "float16": "float16 weights (half the size), computed in float32",
    "dynamic_int8": "int8 weights (a scale per output channel), float activations",
    "full_int8": "int8 weights and activations, calibrated on representative photos; uint8 input and output",
}
"""The four export variants, by name, each with what it stores."""


class TFLiteError(ValueError):
    """A file that is not a TensorFlow Lite model the kit can run; the message names the file and why."""


def _check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"variant={variant!r} is not one of {sorted(VARIANTS)}")
    return variant


def representative_images(n_generated: int = 64, *, real: bool = True, size: int | None = None,
                          seed: int = 20270108) -> list[np.ndarray]:
    """Return photos for full-int8 calibration: ``n_generated`` generated ones and the real ``dev`` photos.

    Generated photos are drawn with their own seeds (not the test split's);
    the real ones are ``data/real/dev`` (never ``holdout``, which is kept for scoring).
    Each ``H×W×3 uint8``, at its own size unless ``size`` is given (generated ones only).
    """
    from course_lib import real as real_photos
    from course_lib import synth

    rng = np.random.default_rng(seed)
    side = 128 if size is None else int(size)
    photos = [synth.make_sample(int(s), size=side).rgb for s in rng.integers(0, 2 ** 31, n_generated)]
    if real:
        photos += [p.rgb for p in real_photos.load_real("dev")]
    return photos


def _model_side(size: int | None, model) -> int:
    from course_lib import inference

    size = inference.WORK_SIZE if size is None else int(size)
    multiple = inference.size_multiple(model)
    return int(np.ceil(size / multiple) * multiple)


def export_tflite(model, path: str | os.PathLike, variant: str = "float32", *, size: int | None = None,
                  representative: Iterable[np.ndarray] | None = None, overwrite: bool = True) -> Path:
    """Convert a Keras U-Net to a ``.tflite`` file of one of :data:`VARIANTS`; return its path.

    Parameters
    ----------
    model : keras.Model
        Maps ``N×H×W×3`` float32 in [0, 1] to ``N×H×W×C`` (the kit's U-Nets).
    path : str or Path
        Where to write (atomically); its folder must exist.
    variant : one of :data:`VARIANTS`
    size : int, optional
        The input side of the exported network (default: the working size,
        ``inference.WORK_SIZE``, rounded up to what the model's poolings need).
    representative : iterable of ``H×W×3 uint8`` photos
        Calibration photos for ``"full_int8"`` (letterboxed to ``size``); default
        :func:`representative_images`.
    """
    import tensorflow as tf

    from course_lib import imageio, inference

    _check_variant(variant)
    side = _model_side(size, model)
    forward = tf.function(lambda x: model(x, training=False),
                          input_signature=[tf.TensorSpec([None, side, side, 3], tf.float32, name="rgb")])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([forward.get_concrete_function()], model)
    if variant != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "full_int8":
        photos = list(representative_images() if representative is None else representative)
        if not photos:
            raise ValueError("representative is empty: full int8 needs photos to calibrate its activations")
        batches = [inference.letterbox(np.asarray(p), side, 1)[0][None] for p in photos]
        converter.representative_dataset = lambda: ([x] for x in batches)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    with warnings.catch_warnings():
        # full int8 takes its input's scale from the calibration photos; the converter warns that none was given
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
        data = converter.convert()
    return imageio.write_atomic(path, data, overwrite=overwrite)


class TFLiteModel:
    """A ``.tflite`` U-Net run by the LiteRT interpreter, with a Keras-like ``predict``.

    Parameters
    ----------
    path : str or Path
        A file written by :func:`export_tflite` (any TFLite model with one
        ``N×S×S×3`` image input and one ``N×S×S×C`` output works).
    num_threads : int, optional
        Interpreter threads (default: every core of this machine).

    Attributes
    ----------
    input_size : int
        The side ``S`` the network takes: letterbox photos to it
        (``inference.predict_alpha(m, rgb, size=m.input_size)``).
    variant : str
        ``"full_int8"`` when the input is quantised, else what the weights say (a guess from the file).
    """

    def __init__(self, path: str | os.PathLike, num_threads: int | None = None):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        if not self.path.is_file():
            raise TFLiteError(f"{self.path} does not exist" if not self.path.exists()
                              else f"{self.path} is a folder, not a .tflite file")
        self.num_threads = num_threads or os.cpu_count() or 1
        try:
            self.interpreter = Interpreter(model_path=str(self.path), num_threads=self.num_threads)
        except (ValueError, RuntimeError) as exc:
            head = self.path.read_bytes()[:8]
            raise TFLiteError(f"{self.path} is not a TensorFlow Lite model the interpreter can load "
                              f"(first bytes {head!r}): {exc}") from None
        inputs, outputs = self.interpreter.get_input_details(), self.interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1 or len(inputs[0]["shape"]) != 4 or inputs[0]["shape"][3] != 3:
            raise TFLiteError(f"{self.path} has inputs {[tuple(i['shape']) for i in inputs]}: the kit runs models "
                              "with one N×S×S×3 image input and one output")
        self._input, self._output = inputs[0], outputs[0]
        self.input_size = int(self._input["shape"][1])
        self._batch = int(self._input["shape"][0])
        self.interpreter.allocate_tensors()
        self.variant = self._guess_variant()

    def _guess_variant(self) -> str:
        if self._input["dtype"] != np.float32:
            return "full_int8"
        dtypes = {d["dtype"] for d in self.interpreter.get_tensor_details()}
        if np.int8 in dtypes:
            return "dynamic_int8"
        if np.float16 in dtypes:
            return "float16"
        return "float32"

    def _run(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] != self._batch:
            self.interpreter.resize_tensor_input(self._input["index"], list(x.shape))
            self.interpreter.allocate_tensors()
            self._batch = x.shape[0]
        if self._input["dtype"] != np.float32:             # full int8: quantise x = scale · (q − zero)
            scale, zero = self._input["quantization"]
            info = np.iinfo(self._input["dtype"])
            x = np.clip(np.rint(x / scale + zero), info.min, info.max).astype(self._input["dtype"])
        self.interpreter.set_tensor(self._input["index"], np.ascontiguousarray(x))
        self.interpreter.invoke()
        y = self.interpreter.get_tensor(self._output["index"])
        if self._output["dtype"] != np.float32:
            scale, zero = self._output["quantization"]
            y = (y.astype(np.float32) - zero) * scale
        return np.array(y, dtype=np.float32)               # a copy: the interpreter reuses its buffer

    def predict(self, x, batch_size: int = 16, verbose: int = 0) -> np.ndarray:
        """Return the network's output for ``x`` (``N×S×S×3`` float32 in [0, 1]), ``N×S×S×C`` float32."""
        x = np.asarray(x, np.float32)
        if x.ndim != 4 or x.shape[1:] != (self.input_size, self.input_size, 3):
            raise ValueError(f"{self.path.name} takes N×{self.input_size}×{self.input_size}×3 images, got "
                             f"shape {x.shape}: letterbox to size={self.input_size} first")
        return np.concatenate([self._run(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])

    def __repr__(self) -> str:
        return f"TFLiteModel({str(self.path)!r}, {self.variant}, input {self.input_size}×{self.input_size})"


def load_model(path: str | os.PathLike):
    """Return a segmentation model from ``path``: a :class:`TFLiteModel` for ``.tflite``, else the Keras checkpoint."""
    from course_lib import inference

    if Path(path).suffix.lower() == ".tflite":
        return TFLiteModel(path)
    return inference.load_pretrained(path)


def latency_ms(fn: Callable[[], object], repeat: int = 10, *, clock=time.perf_counter) -> float:
    """Return the median time of one call ``fn()`` in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return 1000 * statistics.median(times)


def _mean_iou(segment, images, truths) -> float:
    from course_lib import metrics

    alphas = segment(images)
    return float(np.mean([metrics.iou(a >= 0.5, t >= 0.5) for a, t in zip(alphas, truths)]))


def compare_variants(keras_model, files: dict[str, Path], test, real=None, *, photo_size: int = 256,
                     repeat: int = 10, classical_methods: Iterable[str] = ()) -> list[dict]:
    """Return one row per model: file size, latency per ``photo_size`` photo, mean IoU on ``test`` (and ``real``).

    ``files`` maps a variant name to its ``.tflite`` file, and ``"keras"`` to
    the checkpoint ``keras_model`` was loaded from (for its size); the Keras
    model's row comes first. ``test`` and ``real``
    are :class:`course_lib.datasets.Split` s (the real one at the photos' own
    sizes). Latency is the median of ``repeat`` calls of
    ``inference.predict_alpha`` on one generated ``photo_size``² photo: letterbox,
    network, resize back. Classical methods named in ``classical_methods``
    get a row too (no file, latency of the method itself) for reference.
    """
    from course_lib import classical, inference, synth

    photo = synth.make_sample(7, size=photo_size).rgb
    models = {"keras": keras_model} | {name: TFLiteModel(path) for name, path in files.items() if name != "keras"}
    rows = []
    for name, model in models.items():
        size = getattr(model, "input_size", inference.WORK_SIZE)

        def segment(images, model=model, size=size):
            return inference.predict_alpha_batch(model, list(images), size=size)

        row = {"model": name, "bytes": Path(files[name]).stat().st_size if name in files else None,
               "latency_ms": latency_ms(lambda: segment([photo]), repeat),
               "iou_test": _mean_iou(segment, test.rgb, test.alpha)}
        if real is not None:
            row["iou_real"] = _mean_iou(segment, real.rgb, real.alpha)
        rows.append(row)
    for name in classical_methods:
        method = classical.METHODS[name]

        def segment(images, method=method):
            return [method(im).astype(np.float32) for im in images]

        row = {"model": name, "bytes": None, "latency_ms": latency_ms(lambda: segment([photo]), max(1, repeat // 3)),
               "iou_test": _mean_iou(segment, test.rgb, test.alpha)}
        if real is not None:
            row["iou_real"] = _mean_iou(segment, real.rgb, real.alpha)
        rows.append(row)
    return rows


def format_table(rows: list[dict], photo_size: int = 256) -> str:
    """Return :func:`compare_variants`' rows as a text table.

    Each model's size and IoU stand next to the Keras model's.
    """
    if not rows:
        raise ValueError("rows is empty: run compare_variants first")
    base = next((r for r in rows if r["model"] == "keras"), rows[0])
    has_real = "iou_real" in base
    header = f"{'model':14s}{'file MB':>9s}{'× keras':>9s}{f'ms/{photo_size}²':>10s}{'IoU test':>10s}{'Δ':>8s}"
    header += f"{'IoU real':>10s}{'Δ':>8s}" if has_real else ""
    lines = [header]
    for r in rows:
        size = f"{r['bytes'] / 1e6:9.2f}" if r["bytes"] else f"{'—':>9s}"
        ratio = f"{r['bytes'] / base['bytes']:9.2f}" if r["bytes"] and base["bytes"] else f"{'—':>9s}"
        line = (f"{r['model']:14s}{size}{ratio}{r['latency_ms']:10.1f}{r['iou_test']:10.4f}"
                f"{r['iou_test'] - base['iou_test']:+8.4f}")
        if has_real:
            line += f"{r['iou_real']:10.4f}{r['iou_real'] - base['iou_real']:+8.4f}"
        lines.append(line)
    return "\n".join(lines)

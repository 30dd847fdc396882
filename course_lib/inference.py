"""Run the U-Net on a photo of any size and get its alpha back at full resolution.

The course text's §5.2 code resizes the photo to the network's size and then
applies the small mask to the full-size image, reads the output as if it were
NCHW, and feeds OpenCV's BGR to a model trained on RGB (ERRATA item 6 (docs/ERRATA.md#item-6)).
:func:`predict_alpha` does each of those steps right:

1. scale the RGB photo so its longer side is the working size, keeping the aspect ratio;
2. pad it (replicating the edge) to a square the network accepts;
3. predict, take the object channel of the NHWC output, ``[..., 1]``;
4. cut the padding off and resize the probability back to the photo's size.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from course_lib.cache import ImageCache, image_key
from course_lib.config import DATA_DIR
from course_lib.validate import as_rgb

__all__ = ["MODEL_PATH", "WORK_SIZE", "QUALITY_BAR", "REAL_MODEL_PATH", "REAL_WORK_SIZE", "load_pretrained",
           "SizedModel", "load_real_model", "size_multiple", "letterbox", "layer_model", "run_model", "predict_maps",
           "predict_alpha_batch", "predict_alpha", "predict_alpha_tta", "AlphaCache"]

MODEL_PATH = DATA_DIR / "models" / "unet.keras"
"""Where the shipped checkpoint lives (re-create it with ``make model``)."""

WORK_SIZE = 128
"""The side the shipped model was trained at; photos are scaled to it before prediction (and the
per-pixel classifiers of lessons 03 and 05 compute their features at it)."""

QUALITY_BAR = {"all": 0.95, "hard": 0.90}
"""Mean IoU the shipped checkpoint must reach on generated test images (overall, and on ``hard``)."""

REAL_MODEL_PATH = DATA_DIR / "models" / "candidates" / "vgg3_real_parts.keras"
"""The CNN the tools run on real photos: the candidate ``scripts/pick_real_model.py`` picked on ``dev``
(``data/models/real_model_choice.json``): lesson 04b's VGG16-encoder U-Net trained longer on scenes with real
parts (``data/models/candidates/vgg3_real_parts.md``). Its weights derive from Tux Paint's GPL-2 stamps, so the
file is GPL-2-or-later (``vgg3_real_parts.LICENSE.md``). A better model later replaces this file, or this constant."""

REAL_WORK_SIZE = 80
"""The side the real-photo CNN sees a photo at: the working size with the best median IoU on the real ``dev``
photos (never ``holdout``), picked with the model (``data/models/real_model_choice.json``; lesson 04b).
``scripts/choose_real_default.py`` sweeps it again and records it in ``data/models/real_default.json``; a test
keeps the two equal."""


def load_pretrained(path: str | Path = MODEL_PATH):
    """Return the shipped U-Net (uncompiled), loaded with ``safe_mode=True``.

    Raises FileNotFoundError with the command that re-creates it when the file is missing.
    """
    import keras

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make model` to train the course's U-Net "
                                "(about an hour on a laptop CPU), or restore it with git")
    from course_lib import pretrained  # noqa: F401  registers the VGG encoder's preprocessing layer

    return keras.saving.load_model(path, safe_mode=True, compile=False)


class SizedModel(NamedTuple):
    """A network and the working size it predicts at: ``model, size = load_real_model()``."""

    model: object
    size: int


def load_real_model(path: str | Path = REAL_MODEL_PATH, size: int = REAL_WORK_SIZE) -> SizedModel:
    """Return the real-photo CNN and its working size, ``SizedModel(model, size)``.

    Lesson 04's U-Net (:func:`load_pretrained`) is near perfect on generated
    images and the worst method on real photos; this is the one the tools run
    on photos (:data:`REAL_MODEL_PATH`, predicted at :data:`REAL_WORK_SIZE`).
    Predict with ``predict_alpha(model, rgb, size=size)`` or
    ``AlphaCache(model, size=size)``.

    Raises FileNotFoundError naming the file and how to get it back when it is missing.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the real-photo CNN is committed with the kit (restore it with "
                                f"`git checkout -- {path}`), or train a candidate with scripts/train_real_model.py "
                                "and pass its path")
    return SizedModel(load_pretrained(path), int(size))


def size_multiple(model) -> int:
    """Return the number the model's input sides must be a multiple of: the product of its down-sampling strides.

    A U-Net with four 2×2 poolings needs multiples of 16. Anything that is not
    a Keras model (a stand-in with a ``predict`` method) needs none: 1.
    """
    import keras

    if not isinstance(model, keras.Model):
        return 1
    factor = 1
    for layer in model.layers:
        if isinstance(layer, keras.Model):                        # a nested encoder
            factor *= size_multiple(layer)
        elif isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
            factor *= int(layer.strides[0])
        elif isinstance(layer, keras.layers.Conv2D) and not isinstance(layer, keras.layers.Conv2DTranspose):
            factor *= int(layer.strides[0])
    return factor


def letterbox(rgb: np.ndarray, size: int, multiple: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Return (padded float32 image in [0, 1], (height, width) of the scaled photo inside it).

    The photo is scaled so its longer side is ``size`` and padded (edge pixels
    repeated) on the bottom and right to a square whose side is ``size``
    rounded up to a multiple of ``multiple``.

    >>> x, box = letterbox(np.zeros((30, 60, 3), np.uint8), 20, 16)
    >>> x.shape, x.dtype, box
    ((32, 32, 3), dtype('float32'), (10, 20))
    """
    h, w = rgb.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(rgb, (nw, nh), interpolation=interpolation)
    side = int(np.ceil(size / multiple) * multiple)
    padded = cv2.copyMakeBorder(scaled, 0, side - nh, 0, side - nw, cv2.BORDER_REPLICATE)
    return padded.astype(np.float32) / 255.0, (nh, nw)


_SUBMODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layer_model(model, layer: str, *, at: str = "output"):
    """Return a Keras model from ``model``'s input to the ``at`` (``"output"`` or ``"input"``) of its layer ``layer``.

    The same weights, no copy; built once per model and layer, so its compiled
    graph is reused. ``layer_model(unet, "head_logits")`` gives the U-Net's
    logits; ``at="input"`` the features its head reads.
    """
    import keras

    if at not in ("output", "input"):
        raise ValueError(f"at must be 'output' or 'input', got {at!r}")
    built = _SUBMODELS.setdefault(model, {})
    if (layer, at) not in built:
        try:
            target = model.get_layer(layer)
        except ValueError:
            names = [lay.name for lay in model.layers][-4:]
            raise ValueError(f"the model has no layer {layer!r}; its last layers are {names}") from None
        built[layer, at] = keras.Model(model.input, getattr(target, at), name=f"{model.name}_to_{layer}_{at}")
    return built[layer, at]


_FORWARD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def run_model(model, x: np.ndarray, batch_size: int) -> np.ndarray:
    """Return the model's output for ``x`` in batches, through one compiled graph per input shape.

    Not ``model.predict``: after a second input shape Keras traces a graph for
    any height and width, and Keras 3's bilinear ``UpSampling2D`` cannot be
    traced without a known size. A ``tf.function`` that keeps shapes concrete
    avoids that, and runs about twice as fast as eager calls on a CPU.
    """
    import keras

    if not isinstance(model, keras.Model):               # anything else with a Keras-like predict
        return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    if model not in _FORWARD:
        import tensorflow as tf

        owner = weakref.ref(model)         # the cached graph must not keep its model alive
        _FORWARD[model] = tf.function(lambda batch: owner()(batch, training=False), reduce_retracing=False)
    run = _FORWARD[model]
    return np.concatenate([np.asarray(run(x[i:i + batch_size])) for i in range(0, len(x), batch_size)])


def predict_maps(model, images, *, size: int = WORK_SIZE, multiple: int | None = None,
                 batch_size: int = 16) -> list[np.ndarray]:
    """Return the model's whole output for each RGB image (H×W×C float32), at each image's own size.

    Letterbox every photo to ``size`` (padded to a multiple of ``multiple``,
    by default :func:`size_multiple` of the model), run the model in batches,
    cut the padding off and resize each output map back to the photo's size (bilinear).
    """
    images = [as_rgb(im) for im in images]
    if not images:
        return []
    multiple = size_multiple(model) if multiple is None else multiple
    boxes, inputs = [], []
    for rgb in images:
        x, box = letterbox(rgb, size, multiple)
        inputs.append(x)
        boxes.append(box)
    outputs = run_model(model, np.stack(inputs), batch_size)           # N×side×side×C, NHWC
    out = []
    for rgb, (nh, nw), z in zip(images, boxes, outputs):
        crop = np.ascontiguousarray(z[:nh, :nw, :])
        if crop.shape[:2] != rgb.shape[:2]:
            crop = cv2.resize(crop, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
            crop = crop.reshape(rgb.shape[0], rgb.shape[1], -1)            # cv2 drops a single channel axis
        out.append(crop.astype(np.float32))
    return out


def predict_alpha_batch(model, images, *, size: int = WORK_SIZE, multiple: int | None = None,
                        batch_size: int = 16) -> list[np.ndarray]:
    """Return the object probability (H×W float32 in [0, 1]) of each RGB image, at each image's own size."""
    maps = predict_maps(model, images, size=size, multiple=multiple, batch_size=batch_size)
    return [np.clip(p[..., 1], 0.0, 1.0) for p in maps]       # NHWC: the object channel, not p[0, :, :]


def predict_alpha(model, rgb: np.ndarray, *, size: int = WORK_SIZE, multiple: int | None = None) -> np.ndarray:
    """Return the object probability of one ``H×W×3 uint8`` RGB photo as an ``H×W float32`` alpha.

    Any size and aspect ratio: the photo is letterboxed to ``size`` for the
    network and the prediction is brought back to the photo's full resolution.
    """
    return predict_alpha_batch(model, [rgb], size=size, multiple=multiple)[0]


def predict_alpha_tta(model, images, *, sizes=(WORK_SIZE,), flip: bool = True, multiple: int | None = None,
                      batch_size: int = 16) -> list[np.ndarray]:
    """Return each image's alpha averaged over several views: working sizes and a mirror image.

    Test-time augmentation: the network sees each photo at every size in
    ``sizes`` and, with ``flip``, mirrored left–right too; the predictions,
    mapped back to the photo's frame, are averaged. It costs one prediction per
    view, and helps most where a single view is unsure (photos unlike the
    training data).
    """
    images = [as_rgb(im) for im in images]
    if not sizes:
        raise ValueError("sizes is empty: give at least one working size")
    total = [np.zeros(im.shape[:2], np.float32) for im in images]
    views = 0
    for size in sizes:
        for mirrored in ((False, True) if flip else (False,)):
            batch = [np.ascontiguousarray(im[:, ::-1]) if mirrored else im for im in images]
            alphas = predict_alpha_batch(model, batch, size=size, multiple=multiple, batch_size=batch_size)
            for k, alpha in enumerate(alphas):
                total[k] += alpha[:, ::-1] if mirrored else alpha
            views += 1
    return [acc / views for acc in total]


class AlphaCache:
    """A U-Net as a segmenter ``rgb -> alpha`` that predicts each distinct image once.

    The comparison tables and the studio call methods one image at a time;
    :meth:`warm` predicts many images in batches first, so those calls are
    look-ups. Images are keyed by their bytes, so an edited photo is predicted anew.

    >>> from course_lib import unet
    >>> unet_alpha = AlphaCache(unet.build_unet(None, 4, 2), max_items=100)   # the kit's: load_pretrained()
    >>> photos = np.random.default_rng(0).integers(0, 256, (3, 40, 60, 3), dtype=np.uint8)
    >>> unet_alpha.warm(photos)                  # one batched prediction for all three
    >>> len(unet_alpha), unet_alpha(photos[1]).shape     # a look-up, at the photo's own size
    (3, (40, 60))
    """

    def __init__(self, model, *, size: int = WORK_SIZE, max_items: int = 2048):
        self.model, self.size = model, size
        self.cache = ImageCache(max_items)

    @property
    def max_items(self) -> int:
        return self.cache.max_items

    def warm(self, images, batch_size: int = 16) -> None:
        """Predict every image not yet cached, in batches."""
        todo = list({image_key(rgb): rgb for rgb in map(as_rgb, images) if rgb not in self.cache}.values())
        for start in range(0, len(todo), batch_size):
            chunk = todo[start:start + batch_size]
            for rgb, alpha in zip(chunk, predict_alpha_batch(self.model, chunk, size=self.size,
                                                             batch_size=batch_size)):
                self.cache.put(rgb, alpha)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """Return the alpha of ``rgb`` (H×W float32), predicting it if it is not cached."""
        return self.cache.get(as_rgb(rgb), lambda im: predict_alpha(self.model, im, size=self.size))

    def __len__(self) -> int:
        return len(self.cache)

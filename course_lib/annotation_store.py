"""Keep a folder's annotations: ``annotations.json``, ``masks/<stem>.png``, and the replay that re-makes them.

The record-keeping half of the annotation tool (:class:`course_lib.views.annotator.Annotator`,
lesson 10). One photo's work is an :class:`Annotation`, plain data (a box,
strokes, corrections, see :mod:`course_lib.mask_proposal`) that :func:`replay`
turns back into the very same mask, byte for byte.

:class:`AnnotationStore` keeps a folder's work: ``masks/<stem>.png`` (white =
object) and ``annotations.json``, both written atomically and never
overwritten unless asked; :func:`replay_folder` re-creates every mask from the
file and says which differ.

>>> import numpy as np
>>> from course_lib import synth
>>> from course_lib.mask_proposal import apply_corrections, propose_mask
>>> s = synth.make_sample(0, size=64)
>>> a = Annotation("s.png", box=(8, 8, 56, 56),
...                corrections=[{"label": "background", "points": [[0, 0]], "width": 3}])
>>> mask = propose_mask(s.rgb, box=(8, 8, 56, 56), seed=0)
>>> bool(np.array_equal(replay(s.rgb, a), apply_corrections(mask, a.corrections)))
True
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from course_lib.imageio import IMAGE_SUFFIXES, ImageLoadError, load_image, save_png, write_atomic
from course_lib.mask_proposal import (
    PRIOR_THRESHOLDS,
    DegenerateLabelsWarning,
    apply_corrections,
    check_stroke,
    propose_mask,
)
from course_lib.validate import as_mask, as_number

__all__ = ["FORMAT_VERSION", "ANNOTATIONS_FILE", "MASKS_FOLDER", "Annotation", "replay", "mask_sha1",
           "mask_to_rgb", "load_mask", "AnnotationStore", "ReplayResult", "replay_folder"]

FORMAT_VERSION = 2
"""The annotation format (version 1 was the demo set's hand-written rect/outline/strokes)."""

ANNOTATIONS_FILE = "annotations.json"
"""The file in an annotated folder that holds every photo's :class:`Annotation`."""

MASKS_FOLDER = "masks"
"""The sub-folder that holds the masks, ``<stem>.png`` each."""


@dataclass
class Annotation:
    """One photo's annotation: everything :func:`replay` needs to make its mask again, and how it went.

    Attributes
    ----------
    photo : str
        The photo's file name in the folder, e.g. ``"mug.jpg"``; its mask is ``masks/mug.png``.
    box : (x0, y0, x1, y1) or None
        The object's box in pixels, ``x1``/``y1`` exclusive; ``None`` = the whole photo.
    hints : list of dict
        Strokes GrabCut keeps as labels (``object``, ``background``, ``maybe``, ``outline``), in order.
    prior : dict or None
        ``{"model": name, "background": t0, "object": t1}`` when a model's probability seeded GrabCut.
    corrections : list of dict
        Brush strokes (``object``/``background``) painted onto GrabCut's mask, in order.
    iterations, seed : int
        GrabCut's iterations and the seed of OpenCV's random numbers.
    status : {"accepted", "skipped"}
        A skipped photo has no mask.
    seconds : float or None
        Work time, from showing the photo to accepting or skipping it (``None``: not recorded).
    mask_sha1 : str or None
        :func:`mask_sha1` of the saved mask.
    started, saved : str or None
        ISO 8601 UTC times the photo was shown and its annotation saved.
    source, licence : str
        Where the photo comes from and under which licence (keep them; a data set needs them).
    note : str
        What counts as the object in this photo, and anything the annotator found doubtful.
    format : int
        :data:`FORMAT_VERSION` of the tool that wrote it.
    """

    photo: str
    box: tuple[int, int, int, int] | None = None
    hints: list = field(default_factory=list)
    prior: dict | None = None
    corrections: list = field(default_factory=list)
    iterations: int = 5
    seed: int = 0
    status: str = "accepted"
    seconds: float | None = None
    mask_sha1: str | None = None
    started: str | None = None
    saved: str | None = None
    source: str = ""
    licence: str = ""
    note: str = ""
    format: int = FORMAT_VERSION

    def __post_init__(self):
        if not isinstance(self.photo, str) or not self.photo or Path(self.photo).name != self.photo:
            raise ValueError(f"photo must be a file name without folders, got {self.photo!r}")
        if self.box is not None:
            box = tuple(int(as_number(v, "box", integer=True)) for v in self.box)
            if len(box) != 4 or box[2] <= box[0] or box[3] <= box[1] or min(box) < 0:
                raise ValueError(f"{self.photo}: box must be (x0, y0, x1, y1) with x0 < x1 and y0 < y1, "
                                 f"got {self.box!r}")
            self.box = box
        self.hints = [check_stroke(s, hint=True, name=self.photo) for s in self.hints]
        self.corrections = [check_stroke(s, hint=False, name=self.photo) for s in self.corrections]
        if self.status not in ("accepted", "skipped"):
            raise ValueError(f"{self.photo}: status must be 'accepted' or 'skipped', got {self.status!r}")
        self.iterations = as_number(self.iterations, "iterations", low=1, integer=True)
        self.seed = as_number(self.seed, "seed", low=0, integer=True)

    @property
    def stem(self) -> str:
        """Return the photo's name without its ending: the mask is ``masks/<stem>.png``."""
        return Path(self.photo).stem

    def to_dict(self) -> dict:
        """Return the annotation as JSON-ready data, without ``photo`` (the annotations file's key)."""
        data = asdict(self)
        data.pop("photo")
        data["box"] = list(self.box) if self.box is not None else None
        return data

    @classmethod
    def from_dict(cls, photo: str, data: dict) -> Annotation:
        """Return the annotation of ``photo`` stored as ``data``; raise naming any key it does not know."""
        known = {f.name for f in fields(cls)} - {"photo"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{photo}: unknown annotation keys {unknown}; known: {sorted(known)}")
        return cls(photo, **data)


def replay(rgb, annotation: Annotation, *, prior=None) -> np.ndarray:
    """Return the mask (H×W bool) an accepted annotation describes: :func:`propose_mask`, then its corrections.

    ``prior`` is needed, and only allowed, when the annotation was seeded by a
    model's probability (``annotation.prior``); pass that model's prediction.
    """
    if annotation.status != "accepted":
        raise ValueError(f"{annotation.photo} was {annotation.status}, so it has no mask to replay")
    if (annotation.prior is None) != (prior is None):
        need = (f"was seeded by {annotation.prior.get('model', 'a model')}'s probability: pass prior="
                if annotation.prior is not None else "was not seeded by a model: pass no prior")
        raise ValueError(f"{annotation.photo} {need}")
    thresholds = PRIOR_THRESHOLDS if annotation.prior is None else {
        "background": annotation.prior["background"], "object": annotation.prior["object"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateLabelsWarning)   # replaying gives the same mask either way
        mask = propose_mask(rgb, annotation.box, annotation.hints, prior=prior, thresholds=thresholds,
                            iterations=annotation.iterations, seed=annotation.seed)
    return apply_corrections(mask, annotation.corrections)


def mask_sha1(mask) -> str:
    """Return the SHA-1 (hex) of a mask's pixels as H×W uint8 0/255, row by row: the same for the same mask.

    >>> mask_sha1(np.zeros((1, 1), bool))
    '5ba93c9db0cff93f52b521d7420e43f6eda2784f'
    """
    return hashlib.sha1((as_mask(mask).astype(np.uint8) * 255).tobytes()).hexdigest()


def mask_to_rgb(mask) -> np.ndarray:
    """Return a bool mask as the H×W×3 uint8 picture a mask PNG holds (255 = object, three equal channels)."""
    return np.repeat((as_mask(mask).astype(np.uint8) * 255)[:, :, None], 3, axis=2)


def load_mask(path: str | os.PathLike, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Return the mask PNG at ``path`` as H×W bool (white = object), checked to be black and white.

    Raises :class:`~course_lib.imageio.ImageLoadError` naming the file when it
    is missing, unreadable, not a 0/255 mask, or not of ``shape`` (H, W).
    """
    grey = load_image(path)
    if not (np.array_equal(grey[:, :, 0], grey[:, :, 1]) and np.array_equal(grey[:, :, 0], grey[:, :, 2])):
        raise ImageLoadError(f"{os.fspath(path)} is not a mask: its colour channels differ")
    values = np.unique(grey[:, :, 0])
    if not set(values.tolist()) <= {0, 255}:
        raise ImageLoadError(f"{os.fspath(path)} is not a black-and-white mask: it has grey values "
                             f"{values[(values != 0) & (values != 255)][:5].tolist()}")
    mask = grey[:, :, 0] == 255
    if shape is not None and mask.shape != tuple(shape):
        raise ImageLoadError(f"{os.fspath(path)} is {mask.shape[1]}×{mask.shape[0]} pixels but its photo is "
                             f"{shape[1]}×{shape[0]}")
    return mask


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _json_text(value, indent: int = 0) -> str:
    """Return ``value`` as JSON, one key per line, but lists of numbers (points) on one line: short, diffable."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        if len(value) <= 4 and not any(isinstance(v, dict) or isinstance(v, list) and any(
                isinstance(x, dict) for x in v) for v in value.values()):
            return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))   # a stroke, a prior: one line
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_json_text(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return "[\n" + ",\n".join(inner + _json_text(v, indent + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


class AnnotationStore:
    """A folder's photos, their masks (``masks/<stem>.png``) and ``annotations.json``: resumable, never overwriting.

    Parameters
    ----------
    folder : path
        Holds ``annotations.json`` and ``masks/`` (made when the first mask is saved).
    images : path, optional
        Where the photos are (top level only), relative to ``folder`` or absolute; a
        relative one is recorded as the file's ``"images"`` entry when it is next
        written. Default: that entry, else ``folder`` itself.

    Attributes
    ----------
    annotations : dict of str to Annotation
        By photo file name, in the order they were first saved (the file keeps that order).
    problems : dict of str to str
        Photos :meth:`scan` found unusable, with the reason.

    Examples
    --------
    >>> import tempfile
    >>> from course_lib import synth
    >>> from course_lib.imageio import save_png
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = save_png(Path(folder) / "mug.png", synth.make_sample(1, size=32).rgb)
    ...     store = AnnotationStore(folder)
    ...     before = store.pending()
    ...     _ = store.save(Annotation("mug.png", status="skipped", seconds=1.5))
    ...     after = AnnotationStore(folder).pending()
    >>> before, after
    (['mug.png'], [])
    """

    def __init__(self, folder: str | os.PathLike, *, images: str | os.PathLike | None = None):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"{self.folder} is not a folder")
        self.path = self.folder / ANNOTATIONS_FILE
        self.masks = self.folder / MASKS_FOLDER
        self.header: dict = {}
        self.annotations: dict[str, Annotation] = {}
        if self.path.exists():
            self._read()
        if images is None:
            self.images = self.folder / self.header.get("images", ".")
        else:                                     # a relative path is inside the folder, and the file remembers it
            self.images = self.folder / images
            try:
                self.header["images"] = self.images.relative_to(self.folder).as_posix()
            except ValueError:
                pass
        self.problems: dict[str, str] = {}

    def _read(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            photos = data.pop("photos")
            if not isinstance(photos, dict):
                raise TypeError(f"'photos' must map photo names to annotations, got a {type(photos).__name__}")
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{self.path} is not an annotations file ({type(exc).__name__}: {exc})") from None
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"{self.path} has format {data.get('format')!r}; this tool reads format {FORMAT_VERSION}")
        self.header = data
        for name, entry in photos.items():
            try:
                self.annotations[name] = Annotation.from_dict(name, entry)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{self.path}: {exc}") from None

    def photos(self) -> list[str]:
        """Return the photo file names in the images folder (top level, image endings), sorted."""
        if not self.images.is_dir():
            raise FileNotFoundError(f"{self.images} (the photos' folder) is not a folder")
        return sorted(p.name for p in self.images.iterdir() if p.is_file() and not p.name.startswith(".")
                      and p.suffix.lower() in IMAGE_SUFFIXES)

    def load(self, photo: str) -> np.ndarray:
        """Return one photo as H×W×3 uint8 RGB; :class:`~course_lib.imageio.ImageLoadError` names a bad file."""
        return load_image(self.images / photo)

    def scan(self) -> list[tuple[str, str]]:
        """Return ``(photo, reason)`` for every photo that cannot be annotated; :meth:`pending` leaves them out.

        Every photo is decoded once (corrupt, empty, not an image); two photos
        with one stem (``a.jpg``, ``a.png``) would share ``masks/a.png``, so the
        second is refused too. A bad photo never stops the others.
        """
        self.problems = {}
        stems: dict[str, str] = {}
        for photo in self.photos():
            stem = Path(photo).stem
            if stem in stems:
                self.problems[photo] = (f"{photo} has the same stem as {stems[stem]}, so both masks would be "
                                        f"{MASKS_FOLDER}/{stem}.png; rename one")
                continue
            stems[stem] = photo
            try:
                self.load(photo)
            except ImageLoadError as exc:
                self.problems[photo] = str(exc)
        return sorted(self.problems.items())

    def pending(self) -> list[str]:
        """Return the photos with no annotation yet (accepted or skipped), leaving out those :meth:`scan` refused."""
        return [p for p in self.photos() if p not in self.annotations and p not in self.problems]

    def get(self, photo: str) -> Annotation | None:
        """Return the saved annotation of ``photo``, or ``None``."""
        return self.annotations.get(photo)

    def mask_path(self, photo: str) -> Path:
        """Return where the mask of ``photo`` is saved: ``masks/<stem>.png``."""
        return self.masks / f"{Path(photo).stem}.png"

    def save(self, annotation: Annotation, mask=None, *, overwrite: bool = False) -> Annotation:
        """Write the mask (accepted only) and the annotation; return the annotation as saved (sha1, time).

        Raises ``FileExistsError`` naming the file when the photo already has an
        annotation or a mask and ``overwrite`` is not set. Both writes are
        atomic; if writing the annotations fails, a mask written just now is
        removed again, so the folder stays as it was.
        """
        photo = annotation.photo
        if photo in self.annotations and not overwrite:
            raise FileExistsError(f"{self.path} already has an annotation of {photo}; pass overwrite=True "
                                  f"to replace it")
        target = self.mask_path(photo)
        if annotation.status == "accepted":
            if mask is None:
                raise ValueError(f"{photo}: an accepted annotation needs its mask")
            mask = as_mask(mask)
            self.masks.mkdir(exist_ok=True)
            existed = target.exists()
            save_png(target, mask_to_rgb(mask), overwrite=overwrite)
            annotation.mask_sha1 = mask_sha1(mask)
        elif mask is not None:
            raise ValueError(f"{photo} is skipped: a skipped photo has no mask")
        else:
            existed = False
            if target.exists() and not overwrite:
                raise FileExistsError(f"{target} already exists; pass overwrite=True to replace it")
            annotation.mask_sha1 = None
        annotation.saved = _now()
        previous = self.annotations.get(photo)
        self.annotations[photo] = annotation
        try:
            self.write()
        except BaseException:
            if previous is None:
                del self.annotations[photo]
            else:
                self.annotations[photo] = previous
            if annotation.status == "accepted" and not existed:
                target.unlink(missing_ok=True)
            raise
        if annotation.status == "skipped" and target.exists():
            target.unlink()          # overwrite=True: a skipped photo keeps no stale mask
        return annotation

    def write(self) -> Path:
        """Write ``annotations.json`` atomically (a temporary file, then a rename); return its path."""
        data = {**self.header, "format": FORMAT_VERSION,
                "photos": {name: a.to_dict() for name, a in self.annotations.items()}}
        write_atomic(self.path, (_json_text(data) + "\n").encode("utf-8"), overwrite=True)
        return self.path


@dataclass
class ReplayResult:
    """What :func:`replay_folder` did with one photo.

    ``status`` is ``"written"``, ``"unchanged"``, ``"replaced"``, ``"differs"``
    (an existing mask differs in ``changed`` pixels and was kept), ``"missing"``
    (no mask file to compare with) or ``"error"`` (``reason`` says why).
    ``matches_record`` says whether the mask's SHA-1 equals the annotation's
    (``None``: not checked or not recorded).
    """

    photo: str
    status: str
    mask: np.ndarray | None = None
    changed: int = 0
    matches_record: bool | None = None
    reason: str = ""


def replay_folder(folder: str | os.PathLike, out: str | os.PathLike | None = None, *, check: bool = True,
                  force: bool = False, only=None, images: str | os.PathLike | None = None,
                  predict=None) -> list[ReplayResult]:
    """Re-create every accepted photo's mask from ``annotations.json``; return what happened to each.

    Parameters
    ----------
    folder : path
        An annotated folder (see :class:`AnnotationStore`).
    out : path, optional
        Write the masks here (``<stem>.png``); an identical mask is left alone,
        a different one is kept (``"differs"``) unless ``force``. Default: write
        nothing, compare with the folder's own ``masks/``.
    check : bool
        Also compare each mask's SHA-1 with the one the annotation recorded.
    only : iterable of str, optional
        Photo names or stems to replay; default all.
    images : path, optional
        The photos' folder, as for :class:`AnnotationStore`.
    predict : callable, optional
        ``predict(rgb) -> H×W probability`` for annotations seeded by a model.
    """
    store = AnnotationStore(folder, images=images)
    wanted = None if only is None else set(only)
    target_folder = store.masks if out is None else Path(out)
    results = []
    for photo, annotation in store.annotations.items():
        if annotation.status != "accepted" or (wanted is not None and not {photo, annotation.stem} & wanted):
            continue
        try:
            rgb = store.load(photo)
            prior = None if annotation.prior is None else predict(rgb) if predict else None
            mask = replay(rgb, annotation, prior=prior)
        except (ImageLoadError, ValueError) as exc:
            results.append(ReplayResult(photo, "error", reason=str(exc)))
            continue
        result = ReplayResult(photo, "written", mask)
        if check and annotation.mask_sha1:
            result.matches_record = mask_sha1(mask) == annotation.mask_sha1
        target = target_folder / f"{annotation.stem}.png"
        if target.exists():
            old = load_mask(target)
            result.changed = int((old != mask).sum()) if old.shape == mask.shape else mask.size
            if result.changed == 0:
                result.status = "unchanged"
            elif out is not None and force:
                save_png(target, mask_to_rgb(mask), overwrite=True)
                result.status = "replaced"
            else:
                result.status = "differs"
        elif out is None:
            result.status = "missing"
        else:
            save_png(target, mask_to_rgb(mask))
        results.append(result)
    return results

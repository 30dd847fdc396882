"""Load any photo a learner throws at the course as ``H×W×3 uint8 RGB``, and write PNGs safely.

Decoding goes through Pillow, which knows the quirks of real files: EXIF
orientation, palettes, grey and grey+alpha, 16-bit PNG/TIFF, CMYK JPEG. What
cannot be used is refused with :class:`ImageLoadError`, whose message names the
file and the reason, e.g.::

    ImageLoadError: data/x.jpg is not an image (first bytes b'<htm')

Writing is atomic (a temporary file in the same folder, then a rename) and never
replaces an existing file unless ``overwrite=True``: a crash or a second run
cannot leave half a PNG or silently destroy a learner's result.

This is the only module that talks to image files; BGR never leaves OpenCV
calls elsewhere, because nothing else reads files.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> import numpy as np
>>> rgb = np.zeros((4, 6, 3), np.uint8)
>>> alpha = np.linspace(0, 1, 24, dtype=np.float32).reshape(4, 6)
>>> with tempfile.TemporaryDirectory() as folder:
...     path = save_png(Path(folder) / "cut_out.png", rgb, alpha)
...     back_rgb, back_alpha = load_rgba(path)
>>> back_rgb.shape, back_rgb.dtype, back_alpha.shape, back_alpha.dtype
((4, 6, 3), dtype('uint8'), (4, 6), dtype('float32'))
>>> bool(np.abs(back_alpha - alpha).max() <= 0.5 / 255)      # 8 bits of alpha
True
>>> decode_image(b"<html>", "upload.jpg")
Traceback (most recent call last):
    ...
course_lib.imageio.ImageLoadError: upload.jpg is not an image Pillow can read (first bytes b'<html>')
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "DEFAULT_MAX_PIXELS", "IMAGE_SUFFIXES", "ImageLoadError", "ImageTooSmallError",
    "load_image", "decode_image", "load_rgba", "decode_rgba", "save_png", "write_atomic", "atomic_path",
    "move_atomic", "file_sha256",
    "FolderLoad", "load_folder",
]

DEFAULT_MAX_PIXELS = 50_000_000
"""Refuse images with more pixels than this (a 50-megapixel photo is ~150 MB as RGB)."""

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
"""File endings that :func:`load_folder` treats as images."""


class ImageLoadError(ValueError):
    """An image file that the course cannot use; the message names the file and why."""


class ImageTooSmallError(ImageLoadError):
    """A readable image that is smaller than the caller needs."""


def _describe(source: str | os.PathLike) -> str:
    return os.fspath(source)


def load_image(path: str | os.PathLike, *, max_pixels: int = DEFAULT_MAX_PIXELS,
               min_side: int | None = None, background: tuple[int, int, int] = (255, 255, 255)
               ) -> np.ndarray:
    """Return the photo at ``path`` as an ``H×W×3 uint8`` RGB array, upright.

    Parameters
    ----------
    path : str or Path
        Any image file Pillow can decode (PNG, JPEG incl. CMYK, TIFF, BMP, GIF, WebP).
    max_pixels : int
        Refuse images with more pixels than this (decompression bombs, huge scans).
    min_side : int, optional
        Refuse images whose shorter side is below this many pixels.
    background : RGB triple
        Transparent pixels (RGBA, grey+alpha, palettes with transparency) are
        composited onto this colour; use :func:`load_rgba` to keep the alpha.

    Raises
    ------
    ImageLoadError
        Missing, empty, truncated, not an image, or larger than ``max_pixels``.
    ImageTooSmallError
        Shorter side below ``min_side``.

    Examples
    --------
    >>> from course_lib.config import DATA_DIR
    >>> rgb = load_image(DATA_DIR / "demo" / "images" / "gift.png")
    >>> rgb.shape, rgb.dtype
    ((128, 128, 3), dtype('uint8'))
    >>> load_image(DATA_DIR / "demo" / "images" / "gift.png", min_side=256)
    Traceback (most recent call last):
        ...
    course_lib.imageio.ImageTooSmallError: .../gift.png is 128×128 pixels; this needs at least 256 pixels ...
    """
    rgb, alpha = load_rgba(path, max_pixels=max_pixels, min_side=min_side)
    return _flatten(rgb, alpha, background)


def decode_image(data: bytes, name: str, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                 min_side: int | None = None,
                 background: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """Return image ``data`` (the bytes of a file, e.g. an upload) as ``H×W×3 uint8`` RGB.

    ``name`` is only used in error messages, so a learner sees which upload failed.
    Same rules as :func:`load_image`.
    """
    rgb, alpha = decode_rgba(data, name, max_pixels=max_pixels, min_side=min_side)
    return _flatten(rgb, alpha, background)


def load_rgba(path: str | os.PathLike, *, max_pixels: int = DEFAULT_MAX_PIXELS,
              min_side: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(rgb, alpha)``: ``H×W×3 uint8`` and ``H×W float32`` in [0, 1], upright.

    Images without transparency get ``alpha`` of ones. Same errors as :func:`load_image`.
    """
    name = _describe(path)
    p = Path(path)
    if not p.exists():
        raise ImageLoadError(f"{name} does not exist")
    if p.is_dir():
        raise ImageLoadError(f"{name} is a folder, not an image file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ImageLoadError(f"{name} cannot be read: {exc.strerror or exc}") from exc
    return decode_rgba(data, name, max_pixels=max_pixels, min_side=min_side)


def decode_rgba(data: bytes, name: str, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                min_side: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(rgb, alpha)`` decoded from the bytes of an image file called ``name``."""
    if max_pixels <= 0:
        raise ValueError(f"max_pixels must be positive, got {max_pixels}")
    if min_side is not None and min_side <= 0:
        raise ValueError(f"min_side must be positive, got {min_side}")
    if len(data) == 0:
        raise ImageLoadError(f"{name} is empty (0 bytes)")
    image = _open_checked(data, name, max_pixels)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageLoadError(f"{name} is truncated or corrupt: {exc}") from exc
    try:
        image = ImageOps.exif_transpose(image)
    except Exception as exc:  # a broken EXIF block should not make a good photo unusable
        warnings.warn(f"{name}: EXIF orientation ignored ({exc})", stacklevel=2)
    rgb, alpha = _to_rgb_alpha(image, name)
    height, width = alpha.shape
    if min_side is not None and min(height, width) < min_side:
        raise ImageTooSmallError(
            f"{name} is {width}×{height} pixels; this needs at least {min_side} pixels "
            f"on each side — use a larger photo"
        )
    return rgb, alpha


def _open_checked(data: bytes, name: str, max_pixels: int) -> Image.Image:
    """Open without decoding pixels, refusing non-images and oversize images by their header."""
    with warnings.catch_warnings():
        # Pillow's own bomb check warns or raises at its global limit; ours is per call.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        old_limit = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError as exc:
            raise ImageLoadError(
                f"{name} is not an image Pillow can read (first bytes {data[:8]!r})"
            ) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageLoadError(f"{name} is truncated or corrupt: {exc}") from exc
        finally:
            Image.MAX_IMAGE_PIXELS = old_limit
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageLoadError(f"{name} has no pixels ({width}×{height})")
    if width * height > max_pixels:
        raise ImageLoadError(
            f"{name} is {width}×{height} = {width * height:,} pixels, above the limit of "
            f"{max_pixels:,} (a decompression bomb or a huge scan); downscale it first"
        )
    return image


def _to_rgb_alpha(image: Image.Image, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert any Pillow mode to ``(H×W×3 uint8, H×W float32)``."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit (or 32-bit integer) grey: scale the full range to 8 bits, not clip it.
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or values.max() <= 65535 else values.max()
        grey = np.clip(np.rint(values / top * 255.0), 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2), np.ones(grey.shape, np.float32)
    if mode == "F":
        values = np.asarray(image, dtype=np.float64)
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        scale = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
        grey = np.rint(np.nan_to_num(scale) * 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2), np.ones(grey.shape, np.float32)
    has_alpha = mode in ("RGBA", "LA", "La", "RGBa", "PA") or (
        mode == "P" and "transparency" in image.info
    ) or (mode in ("L", "RGB") and "transparency" in image.info)
    try:
        converted = image.convert("RGBA" if has_alpha else "RGB")
    except (OSError, ValueError) as exc:
        raise ImageLoadError(f"{name} has pixel mode {mode!r}, which cannot be converted to RGB: {exc}") from exc
    array = np.asarray(converted)
    if has_alpha:
        rgb = np.ascontiguousarray(array[:, :, :3])
        alpha = array[:, :, 3].astype(np.float32) / 255.0
    else:
        rgb = np.ascontiguousarray(array)
        alpha = np.ones(array.shape[:2], np.float32)
    return rgb, alpha


def _flatten(rgb: np.ndarray, alpha: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    if np.all(alpha == 1.0):
        return rgb
    back = np.asarray(background, dtype=np.float32).reshape(1, 1, 3)
    a = alpha[:, :, None]
    out = a * rgb.astype(np.float32) + (1.0 - a) * back
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_png(path: str | os.PathLike, rgb: np.ndarray, alpha: np.ndarray | None = None, *,
             overwrite: bool = False) -> Path:
    """Write ``rgb`` (and ``alpha`` as the PNG's transparency) to ``path``; return the path.

    Parameters
    ----------
    rgb : H×W×3 uint8
    alpha : H×W float in [0, 1] or bool, optional
        Written as an 8-bit alpha channel (an RGBA PNG, the usual cut-out format).
    overwrite : bool
        Without it, an existing file is never replaced (``FileExistsError``).

    The file appears complete or not at all: it is written to a temporary file
    in the same folder and then renamed into place.
    """
    target = Path(path)
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be H×W×3 uint8, got shape {rgb.shape} dtype {rgb.dtype}")
    if alpha is not None:
        alpha = np.asarray(alpha)
        if alpha.shape != rgb.shape[:2]:
            raise ValueError(f"alpha has shape {alpha.shape}, but rgb is {rgb.shape[:2]}")
        a = alpha.astype(np.float32)
        if a.size and (np.nanmin(a) < 0 or np.nanmax(a) > 1 or np.isnan(a).any()):
            raise ValueError("alpha must lie in [0, 1] with no NaN")
        a8 = np.rint(a * 255).astype(np.uint8)
        image = Image.fromarray(np.dstack([rgb, a8]), mode="RGBA")
    else:
        image = Image.fromarray(rgb, mode="RGB")
    if target.suffix.lower() != ".png":
        raise ValueError(f"save_png writes PNG files; {target} does not end in .png")
    return write_atomic(target, lambda handle: image.save(handle, format="PNG"), overwrite=overwrite)


def write_atomic(path: str | os.PathLike, data, *, overwrite: bool = False) -> Path:
    """Write ``data`` (bytes, or a function that writes to a binary file handle) to ``path``; return the path.

    The file appears complete or not at all: the bytes go to a hidden temporary
    file in the same folder (:func:`atomic_path`), are flushed to disk, and the
    file is then renamed into place. Without ``overwrite`` an existing file is
    never replaced (``FileExistsError``), even one that appears meanwhile.
    """
    with atomic_path(path, overwrite=overwrite) as tmp:
        with open(tmp, "wb") as handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return Path(path)


def file_sha256(path: str | os.PathLike) -> str:
    """Return the SHA-256 of the file at ``path`` as 64 hex digits, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def move_atomic(source: str | os.PathLike, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Move the complete file ``source`` to ``path`` in one rename (same file system); return ``path``.

    For a file another program wrote, e.g. a download checked before it is
    kept: ``path`` appears whole or not at all. Without ``overwrite`` an
    existing ``path`` is never replaced (``FileExistsError``).
    """
    source, target = Path(source), Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"cannot move {source}: it is not a file")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists; pass overwrite=True to replace it")
    os.replace(source, target)
    return target


@contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to; when the block ends without error, rename it to ``path``.

    For writers that want a file name rather than a handle, e.g. a Keras model
    (``model.save`` needs a name ending in ``.keras``): the temporary name is
    hidden (``.name.XXXX.tmp.keras``) and keeps ``path``'s endings (``.weights.h5``). If the block
    raises, the temporary file is removed and ``path`` is left as it was.
    Without ``overwrite`` an existing ``path`` is never replaced
    (``FileExistsError``), even one that appears meanwhile.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with atomic_path(Path(folder) / "notes.txt") as tmp:
    ...         _ = tmp.write_text("complete")
    ...     print(sorted(p.name for p in Path(folder).iterdir()), (Path(folder) / "notes.txt").read_text())
    ['notes.txt'] complete
    """
    target = Path(path)
    if not target.parent.exists():
        raise FileNotFoundError(f"cannot write {target}: folder {target.parent} does not exist")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists; pass overwrite=True to replace it")

    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + "".join(target.suffixes),
                                      dir=target.parent)
    os.close(fd)
    try:
        os.chmod(tmp_name, 0o666 & ~_current_umask())  # mkstemp makes 0600; a saved cut-out is an ordinary file
        yield Path(tmp_name)
        if overwrite:
            os.replace(tmp_name, target)
        else:
            # link() fails if the target appeared meanwhile, so a race cannot clobber it.
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                raise FileExistsError(
                    f"{target} already exists; pass overwrite=True to replace it"
                ) from None
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


@dataclass
class FolderLoad:
    """What :func:`load_folder` read: the images by path, and each failure with its reason."""

    images: dict[Path, np.ndarray] = field(default_factory=dict)
    errors: dict[Path, str] = field(default_factory=dict)

    def summary(self) -> str:
        """Return one line per failure after a count, for printing in a lesson."""
        lines = [f"loaded {len(self.images)} image(s), {len(self.errors)} failed"]
        lines += [f"  {reason}" for reason in self.errors.values()]
        return "\n".join(lines)


def load_folder(paths: str | os.PathLike | Iterable[str | os.PathLike], *,
                max_pixels: int = DEFAULT_MAX_PIXELS, min_side: int | None = None) -> FolderLoad:
    """Load every image in a folder (or a list of paths), never stopping at a bad file.

    Returns a :class:`FolderLoad` with the good images and, for each bad one,
    the :class:`ImageLoadError` message naming the file and the reason.
    """
    if isinstance(paths, (str, os.PathLike)):
        folder = Path(paths)
        if not folder.is_dir():
            raise ImageLoadError(f"{folder} is not a folder")
        files = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    else:
        files = [Path(p) for p in paths]
    result = FolderLoad()
    for file in files:
        try:
            result.images[file] = load_image(file, max_pixels=max_pixels, min_side=min_side)
        except ImageLoadError as exc:
            result.errors[file] = str(exc)
    return result

"""Real object cut-outs and real background photos from Debian's Tux Paint packages, fetched, never committed.

Tux Paint's stamps (Debian package ``tuxpaint-stamps-default``) hold about four
hundred photographs of real objects already cut out with an alpha channel —
food, tools, toys, plants, animals, vehicles — next to clip-art, signs and
symbols. ``tuxpaint-data`` holds 19 real photos (bark, rocks, moss, clouds, …)
used as drawing templates. Both are GPL-2; none of their files is in this
repository. ``make cutouts`` fetches the two ``.deb`` files with ``apt-get
download`` into ``CACHE_DIR/tuxpaint`` (git-ignored), checks each against the
SHA-256 pinned in :data:`PACKAGES`, and unpacks it there.

Which stamps are photographs with a clean alpha is decided once, by a rule and
a look: the rule (:func:`rule_verdict`) sorts each stamp by
:func:`flat_pair_share` — inside the object, photographs almost never have two
neighbouring pixels of identical colour, clip-art almost always does — and by
:func:`halo_share` (alpha left on around the object); the stamps between the
thresholds were reviewed on a contact sheet (``scripts/review_stamps.py``). The
outcome is committed as ``data/cutouts/stamps.csv``: one row per stamp with its
SHA-256, kept or not, and why not. :func:`load_cutouts` returns the kept ones,
each checked against that list, in the form
:func:`course_lib.synth_scenes.make_scene` takes as ``cutouts=``.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> alpha = np.zeros((64, 64), np.float32); alpha[8:56, 8:56] = 1
>>> photo = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)                 # every pixel its own colour
>>> drawing = np.zeros((64, 64, 3), np.uint8); drawing[:, :32] = (200, 30, 30)  # two flat colours
>>> round(flat_pair_share(photo, alpha), 2), round(flat_pair_share(drawing, alpha), 2)
(0.0, 0.98)
>>> rule_verdict(stamp_measures(photo, alpha)), rule_verdict(stamp_measures(drawing, alpha))
('photo', 'clip-art')
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from course_lib.config import CACHE_DIR, DATA_DIR
from course_lib.imageio import file_sha256, load_image, load_rgba, move_atomic
from course_lib.validate import as_alpha, as_rgb

__all__ = ["DebPackage", "STAMPS_PACKAGE", "TEMPLATES_PACKAGE", "PACKAGES", "STAMPS_FOLDER", "TEMPLATES_FOLDER",
           "STAMPS_LIST", "BACKGROUNDS_LIST", "LIST_COLUMNS", "REASONS", "PHOTO_MAX_FLAT", "CLIPART_MIN_FLAT",
           "HALO_MAX", "MIN_OBJECT_PIXELS", "CutoutsError", "ChecksumError", "MissingCacheError",
           "cache_root", "verify_sha256", "fetch_debs", "unpack", "prepare", "package_tree",
           "flat_pair_share", "halo_share", "stamp_measures", "rule_verdict", "read_list", "write_list",
           "load_cutouts", "load_backgrounds"]


@dataclass(frozen=True)
class DebPackage:
    """One Debian package, pinned: its name, version, and the SHA-256 and size of its ``.deb``."""

    name: str
    version: str
    sha256: str
    size: int

    @property
    def deb_name(self) -> str:
        """The file name ``apt-get download`` gives the ``.deb`` (an epoch's ``:`` written ``%3a``)."""
        return f"{self.name}_{self.version.replace(':', '%3a')}_all.deb"

    @property
    def tree_name(self) -> str:
        """The folder, under :func:`cache_root`, the package is unpacked into."""
        return f"{self.name}_{self.version.replace(':', '-')}"


# Pinned from Debian 12 "bookworm" main: `apt-cache policy NAME`, `apt-get download NAME=VERSION`, `sha256sum`;
# the hashes equal the SHA256 lines of `apt-cache show NAME=VERSION`.
STAMPS_PACKAGE = DebPackage("tuxpaint-stamps-default", "2022.06.04-1",
                            "6db6c1bfc870a47f1499d6203b083522eacb57c5f9c87d468f2e92eb6d9d5f34", 160880444)
"""Tux Paint's stamps: 802 PNG pictures, GPL-2."""

TEMPLATES_PACKAGE = DebPackage("tuxpaint-data", "1:0.9.28-sdl2-1",
                               "f5d0de8f9a70d2efc1241d19f26168cb8bf279f1b77abd3631e7a1a55c40e5e5", 7855540)
"""Tux Paint's data, whose ``templates`` folder holds 19 real photos, GPL-2."""

PACKAGES = (STAMPS_PACKAGE, TEMPLATES_PACKAGE)
"""What ``make cutouts`` fetches."""

STAMPS_FOLDER = "usr/share/tuxpaint/stamps"
"""Where the stamps lie inside :data:`STAMPS_PACKAGE`; the list's ``file`` column is relative to it."""

TEMPLATES_FOLDER = "usr/share/tuxpaint/templates"
"""Where the template photos lie inside :data:`TEMPLATES_PACKAGE`."""

STAMPS_LIST = DATA_DIR / "cutouts" / "stamps.csv"
"""The reviewed list of every stamp: kept or not, and why not."""

BACKGROUNDS_LIST = DATA_DIR / "cutouts" / "backgrounds.csv"
"""The list of the template photos used as backgrounds."""

LIST_COLUMNS = ("file", "sha256", "category", "width", "height", "object_pixels", "flat_share", "halo_share", "rule",
                "kept", "reason", "note")
"""The columns of both lists. ``rule`` is :func:`rule_verdict`'s answer, ``kept`` is ``yes``/``no`` after review,
``reason`` one key of :data:`REASONS` for every row not kept, ``note`` what the reviewer saw. In the backgrounds'
list ``rule`` is ``template``: the rule is for cut-outs, and every template is a photograph."""

REASONS = {
    "clip-art": "drawn, not photographed: large areas of one flat colour (flat_share above the clip-art threshold)",
    "render": "a 3-D render, a scan of a drawing or a painted picture: not a photograph, though few pixels are flat",
    "vector": "a PNG rendering of the stamp's SVG drawing",
    "sign/symbol": "a sign, a symbol, a letter or a flag: flat graphics, even when photographed",
    "alpha halo": "alpha left on around the object (a rectangular or soft frame), not a clean outline",
    "soft alpha": "no clean outline: see-through, feathery or glowing (glass, fire, smoke, light), or no opaque pixel",
    "rough alpha": "the alpha is not the object's outline: a crude polygon, speckles, ground cut out with the object, "
                   "or an unlit side left opaque black",
    "too small": "fewer than MIN_OBJECT_PIXELS object pixels (32×32): too little detail to paste at any size",
    "duplicate": "a mirrored or recoloured copy of another stamp in the list",
    "not an object": "a scene, a texture or a part of a body rather than one whole object",
    "holds objects": "a template photo of whole objects (a lighthouse, sheep): as a background it would teach the "
                     "network that objects are background",
}
"""Why a stamp is left out: the vocabulary of the list's ``reason`` column."""

PHOTO_MAX_FLAT = 0.05
"""Below this :func:`flat_pair_share` the rule calls a stamp a photograph (REAL-PHOTOS.md measured < 0.05)."""

CLIPART_MIN_FLAT = 0.7
"""Above this :func:`flat_pair_share` the rule calls a stamp clip-art (> 0.7); between the two, a person looks."""

HALO_MAX = 0.2
"""Above this :func:`halo_share` the alpha has a frame or a haze around the object."""

MIN_OBJECT_PIXELS = 32 * 32
"""The rule calls a stamp too small when fewer of its pixels than this have ``alpha >= 0.5``."""

_OPAQUE = 250 / 255          # "inside the object": alpha above 250 of 255
_HALO_GAP = 4                # pixels beyond the object's outline where soft edges may still be


class CutoutsError(RuntimeError):
    """The cut-outs cannot be fetched, unpacked or loaded; the message says what to do."""


class ChecksumError(CutoutsError):
    """A file's SHA-256 differs from the pinned or listed one; the message names the file and both values."""


class MissingCacheError(CutoutsError):
    """The unpacked packages are not in the cache: run ``make cutouts``."""


def cache_root(cache: str | os.PathLike | None = None) -> Path:
    """Return the folder the ``.deb`` files and their unpacked trees live in (default ``CACHE_DIR/tuxpaint``)."""
    return Path(cache) if cache is not None else CACHE_DIR / "tuxpaint"


def verify_sha256(path: str | os.PathLike, expected: str, *, advice: str = "") -> None:
    """Raise :class:`ChecksumError` naming ``path``, the expected and the actual SHA-256 when they differ."""
    got = file_sha256(path)
    if got != expected.lower():
        raise ChecksumError(f"{path} has SHA-256 {got}, expected {expected.lower()}" + (f": {advice}" if advice
                                                                                       else ""))


def _tool(name: str, purpose: str) -> str:
    """Return the path of the program ``name``, or raise saying what it is needed for."""
    found = shutil.which(name)
    if not found:
        raise CutoutsError(f"{name} is not on this machine (PATH); it is needed to {purpose}. The cut-outs come from "
                           "Debian packages: run `make cutouts` on Debian or Ubuntu (apt and dpkg installed)")
    return found


def fetch_debs(packages: Sequence[DebPackage] = PACKAGES, *, cache: str | os.PathLike | None = None
               ) -> dict[str, Path]:
    """Return ``{package name: path of its .deb}``, downloading with ``apt-get download`` what the cache lacks.

    Each ``.deb`` is downloaded at its pinned version into ``cache/partial/``,
    checked against its pinned SHA-256, then moved to ``cache/``. A cached file
    is checked again on every call.

    Raises
    ------
    CutoutsError
        ``apt-get`` is missing, or apt does not know the pinned version (run ``apt-get update``).
    ChecksumError
        A downloaded or cached ``.deb`` differs from its pin.
    """
    root = cache_root(cache)
    root.mkdir(parents=True, exist_ok=True)
    found = {}
    for package in packages:
        deb = root / package.deb_name
        if not deb.is_file():
            _download(package, root)
        verify_sha256(deb, package.sha256, advice="delete it and run `make cutouts` again")
        found[package.name] = deb
    return found


def _download(package: DebPackage, root: Path) -> None:
    """Download one pinned ``.deb`` into ``root/partial``, check it, and move it into ``root``."""
    apt_get = _tool("apt-get", f"download {package.name}")
    partial = root / "partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)       # as root, apt-get downloads unsandboxed here (a warning, not an error)
    spec = f"{package.name}={package.version}"
    result = subprocess.run([apt_get, "download", spec], cwd=partial, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip()
        if "Unable to locate package" in said or "was not found" in said or "has no installation candidate" in said:
            raise CutoutsError(f"apt-get does not know {package.name} version {package.version} ({said}). Run "
                               "`sudo apt-get update` so that apt has Debian's package lists, then `make cutouts` "
                               f"again; `apt-cache policy {package.name}` shows the versions your apt sources offer "
                               "(the pin is Debian 12 bookworm's)")
        raise CutoutsError(f"`apt-get download {spec}` failed (exit {result.returncode}): {said}")
    deb = partial / package.deb_name
    if not deb.is_file():
        got = sorted(p.name for p in partial.iterdir())
        raise CutoutsError(f"`apt-get download {spec}` wrote {got}, not {package.deb_name}")
    verify_sha256(deb, package.sha256, advice="the mirror serves another build than the one pinned in "
                  "course_lib.stamps.PACKAGES; the file is left there for inspection")
    move_atomic(deb, root / package.deb_name, overwrite=True)
    shutil.rmtree(partial, ignore_errors=True)


def unpack(deb: str | os.PathLike, dest: str | os.PathLike, *, tool: str = "auto") -> Path:
    """Return ``dest`` after extracting the files of the ``.deb`` at ``deb`` into it.

    Parameters
    ----------
    deb : path
        A Debian binary package.
    dest : path
        The folder to fill (created; existing files are overwritten).
    tool : ``"auto"``, ``"dpkg-deb"`` or ``"python"``
        ``dpkg-deb -x`` when it is installed (``auto``), else Python itself:
        a ``.deb`` is an ``ar`` archive holding ``data.tar.xz`` (or ``.gz``,
        ``.bz2``, uncompressed). Python extracts only regular files and folders
        and refuses paths outside ``dest``.
    """
    deb, dest = Path(deb), Path(dest)
    if tool not in ("auto", "dpkg-deb", "python"):
        raise ValueError(f"tool must be 'auto', 'dpkg-deb' or 'python', got {tool!r}")
    if not deb.is_file():
        raise CutoutsError(f"{deb} does not exist: run `make cutouts`")
    dest.mkdir(parents=True, exist_ok=True)
    if tool == "dpkg-deb" or (tool == "auto" and shutil.which("dpkg-deb")):
        dpkg_deb = _tool("dpkg-deb", f"unpack {deb.name}")
        result = subprocess.run([dpkg_deb, "-x", str(deb), str(dest)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise CutoutsError(f"`dpkg-deb -x {deb} {dest}` failed (exit {result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()}")
        return dest
    _unpack_in_python(deb, dest)
    return dest


def _ar_members(data: bytes, name: str) -> dict[str, bytes]:
    """Return the members of the ``ar`` archive ``data`` (the ``.deb`` called ``name``) by member name."""
    if not data.startswith(b"!<arch>\n"):
        raise CutoutsError(f"{name} is not a Debian package (an ar archive starts with b'!<arch>\\n', this with "
                           f"{data[:8]!r})")
    members, at = {}, 8
    while at + 60 <= len(data):
        header = data[at:at + 60]
        if header[58:60] != b"`\n":
            raise CutoutsError(f"{name} is corrupt: bad ar member header at byte {at}")
        member = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        members[member] = data[at + 60:at + 60 + size]
        at += 60 + size + (size % 2)          # members start at even offsets
    return members


def _unpack_in_python(deb: Path, dest: Path) -> None:
    """Extract the regular files and folders of ``deb``'s data archive into ``dest``."""
    members = _ar_members(deb.read_bytes(), str(deb))
    data_name = next((m for m in members if m.startswith("data.tar")), None)
    if data_name is None:
        raise CutoutsError(f"{deb} has no data.tar member (members: {sorted(members)})")
    if data_name.endswith(".zst"):
        raise CutoutsError(f"{deb} holds {data_name}, which Python's tarfile cannot read: install dpkg "
                           "(it brings dpkg-deb) and run `make cutouts` again")
    top = dest.resolve()
    with tarfile.open(fileobj=io.BytesIO(members[data_name]), mode="r:*") as archive:
        for entry in archive:
            target = (dest / entry.name).resolve()
            if target != top and top not in target.parents:
                raise CutoutsError(f"{deb}: {entry.name} points outside {dest}; not unpacking it")
            if entry.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif entry.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(entry) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)


def _marker(tree: Path) -> Path:
    return tree / ".unpacked-sha256"


def prepare(packages: Sequence[DebPackage] = PACKAGES, *, cache: str | os.PathLike | None = None
            ) -> dict[str, Path]:
    """Return ``{package name: its unpacked tree}`` after fetching, checking and unpacking what is not there yet.

    What ``make cutouts`` runs. A tree counts as unpacked when its marker file
    holds the package's pinned SHA-256: an interrupted unpack is redone.
    """
    root = cache_root(cache)
    debs = fetch_debs(packages, cache=root)
    trees = {}
    for package in packages:
        tree = root / package.tree_name
        if not (_marker(tree).is_file() and _marker(tree).read_text().strip() == package.sha256):
            shutil.rmtree(tree, ignore_errors=True)
            unpack(debs[package.name], tree)
            _marker(tree).write_text(package.sha256 + "\n")
        trees[package.name] = tree
    return trees


def package_tree(package: DebPackage, *, cache: str | os.PathLike | None = None) -> Path:
    """Return the folder ``package`` was unpacked into; raise :class:`MissingCacheError` when it is not there."""
    tree = cache_root(cache) / package.tree_name
    marker = _marker(tree)
    if not (marker.is_file() and marker.read_text().strip() == package.sha256):
        raise MissingCacheError(f"{package.name} {package.version} is not unpacked in {tree.parent}: run "
                                "`make cutouts` (it downloads the Debian package with apt-get; nothing is committed)")
    return tree


def flat_pair_share(rgb: np.ndarray, alpha: np.ndarray) -> float:
    """Return the share of horizontally adjacent pixel pairs inside the object whose RGB is identical.

    Inside means both pixels have ``alpha > 250/255``. Photographs score near
    0 (noise makes neighbours differ), flat clip-art near 1. NaN when the
    object has no such pair.

    Parameters
    ----------
    rgb : H×W×3 uint8
    alpha : H×W float32 in [0, 1]
    """
    rgb = as_rgb(rgb)
    alpha = as_alpha(alpha, shape=rgb.shape[:2])
    inside = alpha > _OPAQUE
    pairs = inside[:, 1:] & inside[:, :-1]
    n_pairs = int(pairs.sum())
    if n_pairs == 0:
        return float("nan")
    same = np.all(rgb[:, 1:] == rgb[:, :-1], axis=2) & pairs
    return float(same.sum()) / n_pairs


def halo_share(alpha: np.ndarray) -> float:
    """Return the share of pixels well away from the object that still have some alpha.

    "Away" means farther than 4 pixels from every pixel with ``alpha >= 0.5``.
    A clean cut-out scores 0 (its soft edge lies within those pixels); a stamp
    whose alpha is a faint rectangle or a haze around the object scores up to 1.
    0 when the object leaves no pixel away from it.

    Parameters
    ----------
    alpha : H×W float32 in [0, 1]
    """
    alpha = as_alpha(alpha)
    core = (alpha >= 0.5).astype(np.uint8)
    side = 2 * _HALO_GAP + 1
    away = cv2.dilate(core, np.ones((side, side), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0) == 0
    if not away.any():
        return 0.0
    return float((alpha[away] > 0).mean())


def stamp_measures(rgb: np.ndarray, alpha: np.ndarray) -> dict:
    """Return what the rule looks at: ``flat_share``, ``halo_share``, ``object_pixels`` and the stamp's size.

    ``object_pixels`` counts the pixels with ``alpha >= 0.5``; ``width`` and
    ``height`` are the picture's.
    """
    rgb = as_rgb(rgb)
    alpha = as_alpha(alpha, shape=rgb.shape[:2])
    return {"flat_share": flat_pair_share(rgb, alpha), "halo_share": halo_share(alpha),
            "object_pixels": int((alpha >= 0.5).sum()), "width": int(rgb.shape[1]), "height": int(rgb.shape[0])}


def rule_verdict(measures: dict) -> str:
    """Return the rule's verdict on one stamp from :func:`stamp_measures`.

    In this order: ``"too small"`` (fewer than :data:`MIN_OBJECT_PIXELS` object pixels),
    ``"soft alpha"`` (no pixel with alpha above 250/255), ``"alpha halo"``
    (:func:`halo_share` above :data:`HALO_MAX`), ``"clip-art"``
    (:func:`flat_pair_share` above :data:`CLIPART_MIN_FLAT`), ``"photo"`` (below
    :data:`PHOTO_MAX_FLAT`), else ``"review"``: a person decides.
    """
    flat = float(measures["flat_share"])
    if int(measures["object_pixels"]) < MIN_OBJECT_PIXELS:
        return "too small"
    if np.isnan(flat):
        return "soft alpha"
    if float(measures["halo_share"]) > HALO_MAX:
        return "alpha halo"
    if flat > CLIPART_MIN_FLAT:
        return "clip-art"
    if flat < PHOTO_MAX_FLAT:
        return "photo"
    return "review"


def read_list(path: str | os.PathLike = STAMPS_LIST) -> list[dict]:
    """Return the rows of a reviewed list (``stamps.csv`` or ``backgrounds.csv``) as dicts of strings.

    Raises ``ValueError`` naming the file and row when a column is missing,
    ``kept`` is not ``yes``/``no``, or a row left out gives no known reason.
    """
    path = Path(path)
    if not path.is_file():
        raise CutoutsError(f"{path} does not exist: the reviewed list is part of the repository")
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in LIST_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path} lacks the columns {missing}")
        rows = list(reader)
    for number, row in enumerate(rows, start=2):
        if row["kept"] not in ("yes", "no"):
            raise ValueError(f"{path} line {number}: kept must be yes or no, got {row['kept']!r}")
        if row["kept"] == "no" and row["reason"] not in REASONS:
            raise ValueError(f"{path} line {number}: {row['file']} is left out without a known reason "
                             f"({row['reason']!r}; one of {sorted(REASONS)})")
    return rows


def write_list(path: str | os.PathLike, rows: Iterable[dict]) -> None:
    """Write ``rows`` (dicts with :data:`LIST_COLUMNS`) as a list file, sorted by ``file``, LF line ends."""
    rows = sorted(rows, key=lambda r: r["file"])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LIST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in LIST_COLUMNS} for row in rows)


def _checked_files(rows: list[dict], tree: Path, folder: str, list_path: Path) -> list[Path]:
    """Return the files of ``rows`` under ``tree/folder``, each checked against its listed SHA-256."""
    paths = []
    for row in rows:
        path = tree / folder / row["file"]
        if not path.is_file():
            raise CutoutsError(f"{path} is listed in {list_path} but missing from the unpacked package: delete "
                               f"{tree} and run `make cutouts` again")
        verify_sha256(path, row["sha256"], advice=f"it differs from the file reviewed in {list_path}")
        paths.append(path)
    return paths


def _shrink(rgb: np.ndarray, alpha: np.ndarray | None, max_side: int | None):
    """Return ``rgb`` (and ``alpha``) downscaled with area averaging so the longer side is at most ``max_side``."""
    if max_side is None or max(rgb.shape[:2]) <= max_side:
        return rgb, alpha
    scale = max_side / max(rgb.shape[:2])
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    if alpha is not None:     # area averaging in float32 can overshoot 1 by a rounding error
        alpha = np.clip(cv2.resize(alpha, size, interpolation=cv2.INTER_AREA), 0, 1)
    return rgb, alpha


def load_cutouts(*, categories: Sequence[str] | None = None, max_side: int | None = None,
                 list_path: str | os.PathLike = STAMPS_LIST, cache: str | os.PathLike | None = None
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the kept stamps as ``(rgb, alpha)`` pairs, the ``cutouts=`` of :func:`course_lib.synth_scenes.make_scene`.

    Parameters
    ----------
    categories : sequence of str, optional
        Only stamps whose ``category`` (their folder, e.g. ``food/fruit``) is
        one of these or lies below one of them (``food`` takes every food folder).
    max_side : int, optional
        Downscale (area averaging) stamps whose longer side exceeds this.
    list_path : path
        The reviewed list (default :data:`STAMPS_LIST`); its kept rows, in its order.
    cache : path, optional
        Where ``make cutouts`` unpacked the packages (default :func:`cache_root`).

    Returns
    -------
    list of (H×W×3 uint8, H×W float32 in [0, 1])
        Each stamp's colours and its alpha, in the order of the kept rows of the list.

    Raises
    ------
    MissingCacheError
        The package is not unpacked: run ``make cutouts``.
    ChecksumError
        A stamp's bytes differ from the reviewed file's SHA-256.
    """
    list_path = Path(list_path)
    rows = [r for r in read_list(list_path) if r["kept"] == "yes"]
    if categories is not None:
        wanted = tuple(c.strip("/") for c in categories)
        rows = [r for r in rows if any(r["category"] == c or r["category"].startswith(c + "/") for c in wanted)]
    paths = _checked_files(rows, package_tree(STAMPS_PACKAGE, cache=cache), STAMPS_FOLDER, list_path)
    return [_shrink(*load_rgba(path), max_side) for path in paths]


def load_backgrounds(*, max_side: int | None = None, list_path: str | os.PathLike = BACKGROUNDS_LIST,
                     cache: str | os.PathLike | None = None) -> list[np.ndarray]:
    """Return Tux Paint's kept template photos (bark, rocks, clouds, …) as ``H×W×3 uint8`` RGB arrays.

    Same parameters and errors as :func:`load_cutouts` (without ``categories``);
    the list is :data:`BACKGROUNDS_LIST`, the package :data:`TEMPLATES_PACKAGE`.
    """
    list_path = Path(list_path)
    rows = [r for r in read_list(list_path) if r["kept"] == "yes"]
    paths = _checked_files(rows, package_tree(TEMPLATES_PACKAGE, cache=cache), TEMPLATES_FOLDER, list_path)
    return [_shrink(load_image(path), None, max_side)[0] for path in paths]

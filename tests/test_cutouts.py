"""course_lib.stamps: the photo rule, the pinned download, unpacking, and the reviewed lists — without the download.

Stamps here are generated (photo-like noise, flat clip-art, a faint rectangular
halo); ``apt-get`` is a small fake script; the ``.deb`` files are built in the
test. One test uses the real cache when ``make cutouts`` has filled it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from course_lib import imageio, stamps, synth_scenes
from course_lib.imageio import save_png

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- generated stamps

def _disc(size: int = 96, radius: int = 34) -> np.ndarray:
    """A soft-edged disc alpha, H×W float32: a clean cut-out's outline."""
    yy, xx = np.mgrid[:size, :size]
    distance = np.hypot(yy - size / 2, xx - size / 2)
    return np.clip(radius + 0.5 - distance, 0, 1).astype(np.float32)


def _photo(rng, size: int = 96) -> np.ndarray:
    """Smooth shading plus sensor noise: neighbours almost never share an RGB triple."""
    yy, xx = np.mgrid[:size, :size] / size
    base = np.stack([120 + 80 * xx, 90 + 60 * yy, 60 + 40 * xx * yy], axis=2)
    return np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


def _clipart(size: int = 96) -> np.ndarray:
    """Flat colours with a dark outline, like a drawing."""
    rgb = np.full((size, size, 3), (230, 200, 40), np.uint8)
    rgb[size // 2:] = (200, 40, 40)
    cv2.circle(rgb, (size // 2, size // 2), 34, (0, 0, 0), 3)
    return rgb


def _naive_flat_share(rgb, alpha) -> float:
    """The definition, pair by pair."""
    same = pairs = 0
    for y in range(rgb.shape[0]):
        for x in range(rgb.shape[1] - 1):
            if alpha[y, x] > 250 / 255 and alpha[y, x + 1] > 250 / 255:
                pairs += 1
                same += bool(np.array_equal(rgb[y, x], rgb[y, x + 1]))
    return same / pairs if pairs else float("nan")


def test_flat_share_matches_the_definition_pair_by_pair():
    rng = np.random.default_rng(3)
    for _ in range(5):
        rgb = rng.integers(0, 3, (17, 23, 3), dtype=np.uint8)       # few values: many identical pairs
        alpha = (rng.random((17, 23)) > 0.3).astype(np.float32)
        assert stamps.flat_pair_share(rgb, alpha) == pytest.approx(_naive_flat_share(rgb, alpha))


def test_flat_share_counts_only_opaque_pairs_and_is_nan_without_them():
    rgb = np.zeros((1, 4, 3), np.uint8)
    rgb[0, 3] = 9
    alpha = np.array([[1, 1, 1, 1]], np.float32)
    assert stamps.flat_pair_share(rgb, alpha) == pytest.approx(2 / 3)      # (0,1) and (1,2) equal, (2,3) not
    alpha[0, 3] = 0.9                                                       # the differing pixel is not opaque
    assert stamps.flat_pair_share(rgb, alpha) == 1.0
    assert np.isnan(stamps.flat_pair_share(rgb, np.full((1, 4), 0.5, np.float32)))


def test_the_rule_separates_photos_clipart_halos_and_tiny_stamps():
    rng = np.random.default_rng(0)
    disc = _disc()
    photo = stamps.stamp_measures(_photo(rng), disc)
    drawing = stamps.stamp_measures(_clipart(), disc)
    assert photo["flat_share"] < stamps.PHOTO_MAX_FLAT < stamps.CLIPART_MIN_FLAT < drawing["flat_share"]
    assert stamps.rule_verdict(photo) == "photo"
    assert stamps.rule_verdict(drawing) == "clip-art"

    halo = np.maximum(disc, 3 / 255)                     # the rectangle around the object keeps a little alpha
    measured = stamps.stamp_measures(_photo(rng), halo)
    assert measured["halo_share"] > 0.9 and stamps.rule_verdict(measured) == "alpha halo"
    assert photo["halo_share"] == 0.0

    tiny = _disc(size=40, radius=12)                    # about 450 object pixels
    assert stamps.rule_verdict(stamps.stamp_measures(_photo(rng, 40), tiny)) == "too small"
    glass = np.where(disc > 0, 0.6, 0).astype(np.float32)
    assert stamps.rule_verdict(stamps.stamp_measures(_photo(rng), glass)) == "soft alpha"


def test_the_middle_band_goes_to_review():
    rng = np.random.default_rng(1)
    rgb = _photo(rng)
    rgb[:, 40:] = (250, 250, 250)                      # a blown-out highlight over half the object
    measured = stamps.stamp_measures(rgb, _disc())
    assert stamps.PHOTO_MAX_FLAT < measured["flat_share"] < stamps.CLIPART_MIN_FLAT
    assert stamps.rule_verdict(measured) == "review"


def test_halo_share_ignores_a_soft_edge_but_sees_a_soft_frame():
    disc = _disc()
    blurred = cv2.GaussianBlur(disc, (5, 5), 1.0)       # an anti-aliased outline, 2 pixels wide
    assert stamps.halo_share(blurred) == 0.0
    framed = disc.copy()
    framed[:6] = framed[-6:] = 0.1                       # a low-alpha band along two edges
    assert stamps.halo_share(framed) > 0.1


def test_measures_check_their_inputs():
    with pytest.raises(ValueError, match="alpha has shape"):
        stamps.flat_pair_share(np.zeros((4, 4, 3), np.uint8), np.ones((4, 5), np.float32))
    with pytest.raises(ValueError, match="H×W×3 uint8"):
        stamps.stamp_measures(np.zeros((4, 4, 3), np.float32), np.ones((4, 4), np.float32))


# ---------------------------------------------------------------- checksums and the download

def test_a_checksum_mismatch_names_the_file_and_both_values(tmp_path):
    path = tmp_path / "x.deb"
    path.write_bytes(b"not the pinned bytes")
    good = hashlib.sha256(b"not the pinned bytes").hexdigest()
    stamps.verify_sha256(path, good.upper())                       # case does not matter
    with pytest.raises(stamps.ChecksumError) as caught:
        stamps.verify_sha256(path, "ab" * 32)
    message = str(caught.value)
    assert str(path) in message and "ab" * 32 in message and good in message


def test_fetch_without_apt_get_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(stamps.CutoutsError, match="apt-get is not on this machine.*make cutouts"):
        stamps.fetch_debs(cache=tmp_path)


def _fake_apt_get(tmp_path: Path, monkeypatch, body: str) -> Path:
    """Install a shell script as ``apt-get`` (found through shutil.which); it logs its arguments."""
    script = tmp_path / "bin" / "apt-get"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/apt.log\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: str(script) if name == "apt-get"
                        else real_which(name, *a, **k))
    return script


def _package(content: bytes, name: str = "toy-stamps", version: str = "1:2.0-1") -> stamps.DebPackage:
    return stamps.DebPackage(name, version, hashlib.sha256(content).hexdigest(), len(content))


def test_fetch_downloads_the_pinned_version_once_and_checks_it(tmp_path, monkeypatch):
    content = b"a tiny package"
    package = _package(content)
    _fake_apt_get(tmp_path, monkeypatch, f"printf '{content.decode()}' > '{package.deb_name}'")
    cache = tmp_path / "cache"
    found = stamps.fetch_debs([package], cache=cache)
    assert found == {"toy-stamps": cache / "toy-stamps_1%3a2.0-1_all.deb"}
    assert found["toy-stamps"].read_bytes() == content
    assert (tmp_path / "apt.log").read_text() == "download toy-stamps=1:2.0-1\n"
    stamps.fetch_debs([package], cache=cache)                       # cached: apt-get is not called again
    assert (tmp_path / "apt.log").read_text().count("download") == 1
    assert not (cache / "partial").exists()


def test_fetch_refuses_a_download_with_another_checksum(tmp_path, monkeypatch):
    package = _package(b"the pinned bytes")
    _fake_apt_get(tmp_path, monkeypatch, f"printf 'other bytes' > '{package.deb_name}'")
    with pytest.raises(stamps.ChecksumError) as caught:
        stamps.fetch_debs([package], cache=tmp_path / "cache")
    message = str(caught.value)
    assert package.deb_name in message and package.sha256 in message
    assert hashlib.sha256(b"other bytes").hexdigest() in message
    assert not (tmp_path / "cache" / package.deb_name).exists()      # never moved into the cache


def test_fetch_without_package_lists_says_apt_get_update(tmp_path, monkeypatch):
    _fake_apt_get(tmp_path, monkeypatch, "echo 'E: Unable to locate package toy-stamps' >&2; exit 100")
    with pytest.raises(stamps.CutoutsError, match=r"apt-get update"):
        stamps.fetch_debs([_package(b"x")], cache=tmp_path / "cache")


def test_a_corrupted_cached_deb_is_named(tmp_path):
    package = _package(b"good")
    (tmp_path / package.deb_name).write_bytes(b"bad")
    with pytest.raises(stamps.ChecksumError, match=re.escape(package.deb_name) + ".*delete it"):
        stamps.fetch_debs([package], cache=tmp_path)


# ---------------------------------------------------------------- unpacking

def _tar(files: dict[str, bytes], compression: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _ar(members: list[tuple[str, bytes]]) -> bytes:
    """An ar archive, as dpkg writes them: 60-byte headers, members padded to even length."""
    out = [b"!<arch>\n"]
    for name, data in members:
        out.append(f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}".encode() + b"`\n")
        out.append(data + (b"\n" if len(data) % 2 else b""))
    return b"".join(out)


def _python_deb(path: Path, files: dict[str, bytes]) -> Path:
    """A .deb built without dpkg: debian-binary, control.tar.gz and data.tar.xz in an ar archive."""
    control = _tar({"./control": b"Package: toy\nVersion: 1\nArchitecture: all\n"}, "gz")
    path.write_bytes(_ar([("debian-binary", b"2.0\n"), ("control.tar.gz", control),
                          ("data.tar.xz", _tar(files, "xz"))]))
    return path


TOY_FILES = {"./usr/share/tuxpaint/stamps/food/pear.png": b"\x89PNG pear", "./usr/share/doc/toy/copyright": b"GPL-2"}


@pytest.mark.parametrize("tool", ["python", "auto"])
def test_unpack_a_deb_built_in_python(tmp_path, tool):
    deb = _python_deb(tmp_path / "toy.deb", TOY_FILES)
    dest = stamps.unpack(deb, tmp_path / "tree", tool=tool)
    for name, data in TOY_FILES.items():
        assert (dest / name).read_bytes() == data


@pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="dpkg-deb is not installed (Debian/Ubuntu only)")
@pytest.mark.parametrize("tool", ["dpkg-deb", "python"])
def test_unpack_a_deb_built_by_dpkg_deb(tmp_path, tool):
    source = tmp_path / "toy"
    (source / "DEBIAN").mkdir(parents=True)
    (source / "DEBIAN").chmod(0o755)          # dpkg-deb refuses a control folder pytest made 0700
    (source / "DEBIAN" / "control").write_text("Package: toy\nVersion: 1.0-1\nArchitecture: all\n"
                                               "Maintainer: Nobody <nobody@example.org>\nDescription: a test\n")
    for name, data in TOY_FILES.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    command = ["dpkg-deb", "-Zxz", "--root-owner-group", "--build", str(source), str(tmp_path / "toy.deb")]
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    dest = stamps.unpack(tmp_path / "toy.deb", tmp_path / "tree", tool=tool)
    for name, data in TOY_FILES.items():
        assert (dest / name).read_bytes() == data


def test_unpack_without_dpkg_deb_falls_back_or_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    deb = _python_deb(tmp_path / "toy.deb", TOY_FILES)
    assert (stamps.unpack(deb, tmp_path / "auto") / next(iter(TOY_FILES))).is_file()
    with pytest.raises(stamps.CutoutsError, match="dpkg-deb is not on this machine"):
        stamps.unpack(deb, tmp_path / "dpkg", tool="dpkg-deb")


def test_unpack_refuses_bad_archives(tmp_path):
    not_deb = tmp_path / "page.deb"
    not_deb.write_bytes(b"<html>a proxy's error page</html>")
    with pytest.raises(stamps.CutoutsError, match="not a Debian package"):
        stamps.unpack(not_deb, tmp_path / "a", tool="python")
    escaping = _python_deb(tmp_path / "evil.deb", {"../outside.txt": b"x"})
    with pytest.raises(stamps.CutoutsError, match="outside"):
        stamps.unpack(escaping, tmp_path / "b", tool="python")
    assert not (tmp_path / "outside.txt").exists()
    zstd = tmp_path / "zstd.deb"
    zstd.write_bytes(_ar([("debian-binary", b"2.0\n"), ("data.tar.zst", b"\x28\xb5\x2f\xfd")]))
    with pytest.raises(stamps.CutoutsError, match="install dpkg"):
        stamps.unpack(zstd, tmp_path / "c", tool="python")
    with pytest.raises(stamps.CutoutsError, match="make cutouts"):
        stamps.unpack(tmp_path / "absent.deb", tmp_path / "d")
    with pytest.raises(ValueError, match="tool must be"):
        stamps.unpack(escaping, tmp_path / "e", tool="tar")


def test_prepare_fetches_unpacks_and_marks_the_tree(tmp_path, monkeypatch):
    deb_bytes = _python_deb(tmp_path / "built.deb", TOY_FILES).read_bytes()
    package = _package(deb_bytes)
    (tmp_path / "payload.deb").write_bytes(deb_bytes)
    _fake_apt_get(tmp_path, monkeypatch, f"cp '{tmp_path}/payload.deb' '{package.deb_name}'")
    cache = tmp_path / "cache"
    with pytest.raises(stamps.MissingCacheError, match="make cutouts"):
        stamps.package_tree(package, cache=cache)
    trees = stamps.prepare([package], cache=cache)
    tree = trees["toy-stamps"]
    assert tree == stamps.package_tree(package, cache=cache) == cache / "toy-stamps_1-2.0-1"
    assert (tree / next(iter(TOY_FILES))).read_bytes() == b"\x89PNG pear"
    (tree / ".unpacked-sha256").unlink()                  # an interrupted unpack is done again
    with pytest.raises(stamps.MissingCacheError):
        stamps.package_tree(package, cache=cache)
    stamps.prepare([package], cache=cache)
    assert stamps.package_tree(package, cache=cache) == tree


# ---------------------------------------------------------------- the reviewed lists and the loaders

def _fake_cache(tmp_path: Path) -> tuple[Path, Path, list[tuple[np.ndarray, np.ndarray]]]:
    """A cache holding three generated stamps as if ``make cutouts`` had run, and a reviewed list of them."""
    rng = np.random.default_rng(5)
    cache = tmp_path / "cache"
    tree = cache / stamps.STAMPS_PACKAGE.tree_name
    folder = tree / stamps.STAMPS_FOLDER
    pictures = {"food/fruit/pear.png": (_photo(rng), _disc()), "household/cup.png": (_photo(rng, 64), _disc(64, 24)),
                "symbols/star.png": (_clipart(), _disc())}
    rows = []
    for name, (rgb, alpha) in pictures.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        save_png(folder / name, rgb, alpha)
        measures = stamps.stamp_measures(rgb, alpha)
        verdict = stamps.rule_verdict(measures)
        rows.append({"file": name, "sha256": imageio.file_sha256(folder / name), "category": str(Path(name).parent),
                     "width": measures["width"], "height": measures["height"],
                     "object_pixels": measures["object_pixels"], "flat_share": measures["flat_share"],
                     "halo_share": measures["halo_share"], "rule": verdict,
                     "kept": "yes" if verdict == "photo" else "no", "reason": "" if verdict == "photo" else verdict})
    (tree / ".unpacked-sha256").write_text(stamps.STAMPS_PACKAGE.sha256 + "\n")
    list_path = tmp_path / "stamps.csv"
    stamps.write_list(list_path, rows)
    kept = [pictures[n] for n in sorted(pictures) if n != "symbols/star.png"]
    return cache, list_path, kept


def test_load_cutouts_returns_the_kept_stamps_in_make_scenes_format(tmp_path):
    cache, list_path, kept = _fake_cache(tmp_path)
    cutouts = stamps.load_cutouts(list_path=list_path, cache=cache)
    assert len(cutouts) == 2
    for (rgb, alpha), (want_rgb, want_alpha) in zip(cutouts, kept):
        assert rgb.dtype == np.uint8 and rgb.shape == want_rgb.shape and alpha.dtype == np.float32
        np.testing.assert_array_equal(rgb[want_alpha > 0], want_rgb[want_alpha > 0])
        np.testing.assert_allclose(alpha, np.round(want_alpha * 255) / 255, atol=1e-6)
    assert len(stamps.load_cutouts(categories=["food"], list_path=list_path, cache=cache)) == 1
    assert len(stamps.load_cutouts(categories=["food/fruit/"], list_path=list_path, cache=cache)) == 1
    assert stamps.load_cutouts(categories=["foo"], list_path=list_path, cache=cache) == []
    small = stamps.load_cutouts(max_side=32, list_path=list_path, cache=cache)
    assert [max(rgb.shape[:2]) for rgb, _ in small] == [32, 32] and all(a.max() <= 1 for _, a in small)
    scene = synth_scenes.make_scene(0, size=64, cutouts=cutouts, n_objects=4)
    assert scene.rgb.shape == (64, 64, 3)


def test_load_cutouts_checks_every_file_against_the_list(tmp_path):
    cache, list_path, _ = _fake_cache(tmp_path)
    pear = cache / stamps.STAMPS_PACKAGE.tree_name / stamps.STAMPS_FOLDER / "food/fruit/pear.png"
    pear.write_bytes(pear.read_bytes() + b"\0")
    with pytest.raises(stamps.ChecksumError, match=re.escape(str(pear)) + ".*expected"):
        stamps.load_cutouts(list_path=list_path, cache=cache)
    pear.unlink()
    with pytest.raises(stamps.CutoutsError, match="missing.*make cutouts"):
        stamps.load_cutouts(list_path=list_path, cache=cache)


def test_loaders_without_the_cache_say_make_cutouts(tmp_path):
    with pytest.raises(stamps.MissingCacheError, match="run `make cutouts`"):
        stamps.load_cutouts(cache=tmp_path)
    with pytest.raises(stamps.MissingCacheError, match="run `make cutouts`"):
        stamps.load_backgrounds(cache=tmp_path)


def test_read_list_refuses_undecided_and_unexplained_rows(tmp_path):
    path = tmp_path / "list.csv"
    row = {c: "" for c in stamps.LIST_COLUMNS} | {"file": "a.png", "kept": "maybe"}
    stamps.write_list(path, [row])
    with pytest.raises(ValueError, match="line 2: kept must be yes or no"):
        stamps.read_list(path)
    stamps.write_list(path, [row | {"kept": "no", "reason": "ugly"}])
    with pytest.raises(ValueError, match="a.png is left out without a known reason"):
        stamps.read_list(path)
    path.write_text("file,kept\na.png,yes\n")
    with pytest.raises(ValueError, match="lacks the columns"):
        stamps.read_list(path)


@pytest.mark.parametrize("list_path", [stamps.STAMPS_LIST, stamps.BACKGROUNDS_LIST], ids=["stamps", "backgrounds"])
def test_the_committed_lists_are_complete_and_consistent(list_path):
    rows = stamps.read_list(list_path)                          # kept is yes/no, every exclusion has a reason
    files = [r["file"] for r in rows]
    assert len(files) == len(set(files)) and files == sorted(files)
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha256"]), row["file"]
        if list_path == stamps.BACKGROUNDS_LIST:
            assert row["rule"] == "template" and row["file"].endswith(".jpg")
            continue
        assert row["category"] == str(Path(row["file"]).parent)
        measures = {"flat_share": float(row["flat_share"]), "halo_share": float(row["halo_share"]),
                    "object_pixels": int(row["object_pixels"])}
        assert stamps.rule_verdict(measures) == row["rule"], f"{row['file']}: the rule's column is stale"
        if row["kept"] == "yes":
            assert row["rule"] in ("photo", "review"), f"{row['file']} is kept though the rule says {row['rule']}"
        if row["rule"] == "review" and row["kept"] == "yes":
            assert row["note"], f"{row['file']} was kept from the review band without a note"
    assert any(r["kept"] == "yes" for r in rows) and any(r["kept"] == "no" for r in rows)


def test_the_lists_hold_every_file_of_the_pinned_packages():
    with open(stamps.STAMPS_LIST, newline="", encoding="utf-8") as handle:
        stamp_rows = list(csv.DictReader(handle))
    assert len(stamp_rows) == 796                 # every PNG under usr/share/tuxpaint/stamps of 2022.06.04-1
    assert len(stamps.read_list(stamps.BACKGROUNDS_LIST)) == 19  # every photo in tuxpaint-data's templates


def test_review_script_drafts_duplicates_and_vectors(tmp_path):
    from course_lib import stamp_review as review

    rng = np.random.default_rng(2)
    rgb, alpha = _photo(rng), _disc()
    for name in ("tool.png", "tool_mirror.png", "copy.png"):
        save_png(tmp_path / name, rgb, alpha)
    rows = [review.draft_row(n, tmp_path / n, rgb, alpha) for n in ("copy.png", "tool.png", "tool_mirror.png")]
    assert [r["kept"] for r in rows] == ["yes", "yes", "no"] and rows[2]["reason"] == "duplicate"
    review.mark_copies(rows)
    assert (rows[0]["kept"], rows[1]["kept"], rows[1]["reason"]) == ("yes", "no", "duplicate")
    middle = rgb.copy()
    middle[:, 40:] = 250
    save_png(tmp_path / "drawn.png", middle, alpha)
    (tmp_path / "drawn.svg").write_text("<svg/>")
    assert review.draft_row("drawn.png", tmp_path / "drawn.png", middle, alpha)["reason"] == "vector"


@pytest.mark.skipif(not (stamps.cache_root() / stamps.STAMPS_PACKAGE.tree_name / ".unpacked-sha256").is_file(),
                    reason="the Tux Paint packages are not in the cache: run `make cutouts`")
def test_the_real_cutouts_load_as_listed():
    rows = stamps.read_list(stamps.STAMPS_LIST)
    cutouts = stamps.load_cutouts(max_side=96)
    assert len(cutouts) == sum(r["kept"] == "yes" for r in rows)
    assert all(rgb.dtype == np.uint8 and alpha.dtype == np.float32 and rgb.shape[:2] == alpha.shape
               for rgb, alpha in cutouts)
    assert len(stamps.load_backgrounds(max_side=96)) == sum(r["kept"] == "yes"
                                                             for r in stamps.read_list(stamps.BACKGROUNDS_LIST))

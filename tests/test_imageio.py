"""course_lib.imageio on real files made here: every quirk a learner's photo can have."""

from __future__ import annotations

import io
import os
import stat

import cv2
import numpy as np
import pytest
from PIL import Image

from course_lib import imageio
from course_lib.imageio import ImageLoadError, ImageTooSmallError


def _gradient_rgb(h=40, w=60):
    y, x = np.mgrid[0:h, 0:w]
    return np.dstack([x * 255 // (w - 1), y * 255 // (h - 1), np.full_like(x, 90)]).astype(np.uint8)


# --- readable files, each quirk ---------------------------------------------------------

def test_plain_rgb_png_round_trips_exactly(tmp_path):
    rgb = _gradient_rgb()
    path = tmp_path / "plain.png"
    Image.fromarray(rgb).save(path)
    out = imageio.load_image(path)
    assert out.dtype == np.uint8 and out.shape == (40, 60, 3)
    np.testing.assert_array_equal(out, rgb)


def test_exif_orientation_is_applied(tmp_path):
    rgb = np.zeros((20, 50, 3), np.uint8)
    rgb[:, :10] = (255, 0, 0)  # a red strip on the left of the stored pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = tmp_path / "phone.jpg"
    Image.fromarray(rgb).save(path, exif=exif.tobytes(), quality=95)
    out = imageio.load_image(path)
    assert out.shape == (50, 20, 3), "portrait photo must come out upright"
    # after a clockwise turn the stored left edge is at the top
    assert out[:8, :, 0].mean() > 200 and out[-8:, :, 0].mean() < 60


def test_grey_image_becomes_three_equal_channels(tmp_path):
    grey = _gradient_rgb()[:, :, 0]
    path = tmp_path / "grey.png"
    Image.fromarray(grey, mode="L").save(path)
    out = imageio.load_image(path)
    assert out.shape == (40, 60, 3)
    for c in range(3):
        np.testing.assert_array_equal(out[:, :, c], grey)


def test_grey_plus_alpha_keeps_alpha(tmp_path):
    grey = np.full((10, 12), 100, np.uint8)
    alpha = np.zeros((10, 12), np.uint8)
    alpha[:, 6:] = 255
    path = tmp_path / "la.png"
    Image.fromarray(np.dstack([grey, alpha]), mode="LA").save(path)
    rgb, a = imageio.load_rgba(path)
    assert rgb.shape == (10, 12, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a[:, 6:], 1.0)
    np.testing.assert_array_equal(a[:, :6], 0.0)
    flat = imageio.load_image(path)
    np.testing.assert_array_equal(flat[:, :6], 255)  # transparent -> white
    np.testing.assert_array_equal(flat[:, 6:], 100)


def test_rgba_alpha_is_fractional_and_flattened_onto_white(tmp_path):
    rgb = np.zeros((8, 8, 3), np.uint8)
    alpha = np.full((8, 8), 128, np.uint8)
    path = tmp_path / "half.png"
    Image.fromarray(np.dstack([rgb, alpha]), mode="RGBA").save(path)
    _, a = imageio.load_rgba(path)
    np.testing.assert_allclose(a, 128 / 255, atol=1e-6)
    flat = imageio.load_image(path)
    expected = round((1 - 128 / 255) * 255)
    np.testing.assert_array_equal(flat, expected)


def test_palette_image_with_transparency(tmp_path):
    image = Image.new("P", (6, 4), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.putpixel((5, 3), 1)
    path = tmp_path / "palette.png"
    image.save(path, transparency=1)
    rgb, a = imageio.load_rgba(path)
    assert tuple(rgb[0, 0]) == (255, 0, 0)
    assert a[3, 5] == 0.0 and a[0, 0] == 1.0


def test_palette_image_without_transparency(tmp_path):
    image = Image.new("P", (6, 4), 1)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    path = tmp_path / "palette.gif"
    image.save(path)
    out = imageio.load_image(path)
    assert tuple(out[2, 2]) == (0, 0, 255)


def test_16_bit_grey_png_is_scaled_not_clipped(tmp_path):
    values = np.array([[0, 257 * 100, 65535]], np.uint16)
    path = tmp_path / "depth16.png"
    cv2.imwrite(str(path), values)
    out = imageio.load_image(path)
    np.testing.assert_array_equal(out[0, :, 0], [0, 100, 255])


def test_16_bit_colour_png(tmp_path):
    rgb16 = np.zeros((4, 5, 3), np.uint16)
    rgb16[..., 0] = 65535  # pure red at full 16-bit scale
    rgb16[..., 2] = 257 * 40
    path = tmp_path / "colour16.png"
    cv2.imwrite(str(path), rgb16[:, :, ::-1])  # OpenCV writes BGR
    out = imageio.load_image(path)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out[0, 0], [255, 0, 40])


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # no cyan/black, full magenta+yellow = red
    path = tmp_path / "print.jpg"
    cmyk.save(path, quality=95)
    out = imageio.load_image(path)
    assert out.shape == (16, 16, 3)
    r, g, b = out[8, 8].astype(int)
    assert r > 200 and g < 60 and b < 60, f"expected red, got {(r, g, b)}"


def test_decode_image_from_bytes(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(_gradient_rgb()).save(buffer, format="PNG")
    out = imageio.decode_image(buffer.getvalue(), "upload.png")
    np.testing.assert_array_equal(out, _gradient_rgb())


# --- refused files: the error type and the file name in the message ---------------------

def _assert_refused(path, match, **kwargs):
    with pytest.raises(ImageLoadError, match=match) as info:
        imageio.load_image(path, **kwargs)
    assert str(path) in str(info.value), f"message must name the file: {info.value}"
    return info.value


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    _assert_refused(path, "empty")


def test_not_an_image_names_the_first_bytes(tmp_path):
    path = tmp_path / "page.jpg"
    path.write_bytes(b"<html><body>404</body></html>")
    err = _assert_refused(path, "not an image")
    assert "<htm" in str(err)


def test_truncated_png_is_refused(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(_gradient_rgb(100, 100)).save(buffer, format="PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    _assert_refused(path, "truncated or corrupt")


def test_truncated_jpeg_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buffer, format="JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[:600])
    _assert_refused(path, "truncated or corrupt")


def test_decompression_bomb_is_refused_from_the_header(tmp_path):
    # 9000×6000 = 54 Mpx of black compresses to a small file but would need 162 MB as RGB.
    path = tmp_path / "bomb.png"
    Image.new("L", (9000, 6000), 0).save(path, optimize=False)
    assert path.stat().st_size < 2_000_000
    err = _assert_refused(path, "above the limit")
    assert "9000×6000" in str(err)


def test_pixel_limit_is_a_parameter(tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(_gradient_rgb(100, 100)).save(path)
    _assert_refused(path, "above the limit", max_pixels=5_000)
    assert imageio.load_image(path, max_pixels=10_000).shape == (100, 100, 3)


def test_tiny_image_gets_a_clear_message_when_a_lesson_needs_more(tmp_path):
    path = tmp_path / "icon.png"
    Image.fromarray(_gradient_rgb(8, 8)).save(path)
    assert imageio.load_image(path).shape == (8, 8, 3)  # fine when nobody asks for more
    with pytest.raises(ImageTooSmallError, match="at least 32") as info:
        imageio.load_image(path, min_side=32)
    assert str(path) in str(info.value)


def test_missing_file_and_folder_are_refused(tmp_path):
    _assert_refused(tmp_path / "nope.png", "does not exist")
    _assert_refused(tmp_path, "is a folder")


def test_upload_errors_name_the_upload():
    with pytest.raises(ImageLoadError, match="holiday.jpg is not an image"):
        imageio.decode_image(b"GIF89-not-really", "holiday.jpg")
    with pytest.raises(ImageLoadError, match="holiday.jpg is empty"):
        imageio.decode_image(b"", "holiday.jpg")


# --- batches ----------------------------------------------------------------------------

def test_folder_load_keeps_going_past_bad_files(tmp_path):
    Image.fromarray(_gradient_rgb()).save(tmp_path / "a_good.png")
    (tmp_path / "b_empty.jpg").write_bytes(b"")
    (tmp_path / "c_text.png").write_bytes(b"hello")
    Image.fromarray(_gradient_rgb(10, 10)).save(tmp_path / "d_good.jpg")
    (tmp_path / "notes.txt").write_text("not an image suffix: ignored")
    result = imageio.load_folder(tmp_path)
    assert sorted(p.name for p in result.images) == ["a_good.png", "d_good.jpg"]
    assert sorted(p.name for p in result.errors) == ["b_empty.jpg", "c_text.png"]
    assert all(str(p) in msg for p, msg in result.errors.items())
    assert "2 failed" in result.summary()


# --- writing ----------------------------------------------------------------------------

def test_save_png_round_trips_rgb_and_alpha(tmp_path):
    rgb = _gradient_rgb()
    alpha = np.linspace(0, 1, 40 * 60, dtype=np.float32).reshape(40, 60)
    path = imageio.save_png(tmp_path / "cut.png", rgb, alpha)
    back_rgb, back_alpha = imageio.load_rgba(path)
    np.testing.assert_array_equal(back_rgb, rgb)
    np.testing.assert_allclose(back_alpha, alpha, atol=0.5 / 255 + 1e-6)


def test_save_png_never_overwrites_unless_asked(tmp_path):
    path = tmp_path / "result.png"
    imageio.save_png(path, np.zeros((4, 4, 3), np.uint8))
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="result.png already exists"):
        imageio.save_png(path, np.full((4, 4, 3), 255, np.uint8))
    assert path.read_bytes() == before
    imageio.save_png(path, np.full((4, 4, 3), 255, np.uint8), overwrite=True)
    assert imageio.load_image(path).min() == 255
    assert [p.name for p in tmp_path.iterdir()] == ["result.png"], "no temp files left behind"


def test_save_png_failure_leaves_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "half.png"

    def explode(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", explode)
    with pytest.raises(OSError, match="disk full"):
        imageio.save_png(path, np.zeros((4, 4, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "rgb, alpha, match",
    [
        (np.zeros((4, 4), np.uint8), None, "H×W×3 uint8"),
        (np.zeros((4, 4, 3), np.float32), None, "H×W×3 uint8"),
        (np.zeros((4, 4, 3), np.uint8), np.zeros((3, 4)), "alpha has shape"),
        (np.zeros((4, 4, 3), np.uint8), np.full((4, 4), 1.5), r"\[0, 1\]"),
    ],
)
def test_save_png_rejects_bad_arrays(tmp_path, rgb, alpha, match):
    with pytest.raises(ValueError, match=match):
        imageio.save_png(tmp_path / "x.png", rgb, alpha)
    assert not (tmp_path / "x.png").exists()


def test_save_png_refuses_other_suffixes_and_missing_folders(tmp_path):
    with pytest.raises(ValueError, match="ends? in .png|does not end in .png"):
        imageio.save_png(tmp_path / "x.jpg", np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        imageio.save_png(tmp_path / "no" / "x.png", np.zeros((2, 2, 3), np.uint8))


def test_saved_png_gets_ordinary_permissions_not_mkstemps_private_ones(tmp_path):
    old = os.umask(0o022)
    try:
        path = imageio.save_png(tmp_path / "cut.png", np.zeros((4, 4, 3), np.uint8))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_atomic_path_renames_on_success_and_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="crash"):
        with imageio.atomic_path(target, overwrite=True) as tmp:
            assert tmp.parent == tmp_path and tmp.name.endswith(".keras") and tmp != target
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]
    with pytest.raises(FileExistsError, match="model.keras already exists"):
        with imageio.atomic_path(target):
            pass
    with imageio.atomic_path(target, overwrite=True) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]

"""``course-cutout``: bad files become report rows, nothing is overwritten, --resume does no model work,
Ctrl-C leaves a valid report and no partial file, outputs carry the alpha, --crop-margin keeps the whole object.

Most runs are in-process (``cli.main([...])`` returns the exit status) so that the model can be spied on;
the interruption and the installed entry points run as real processes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course_lib import boxes, catalogue, cli, cutout, imageio, inference, metrics, pipeline, synth

ROOT = Path(__file__).resolve().parent.parent
BAD = {"corrupt.jpg": "truncated or corrupt", "empty.png": "empty (0 bytes)",
       "notes.png": "not an image Pillow can read", "folder.jpg": "is a folder, not an image file"}
"""The four bad inputs of the catalogue folder, and what their report rows must say."""

pytestmark = pytest.mark.xdist_group("cli")
"""Under pytest-xdist (make test) every test here runs on one worker, so the module's fixtures (the CNN over the
catalogue folder) run once, not once a worker."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict[str, tuple[str, int]]:
    """Return every file under ``folder``: relative path → (sha256, mtime in ns)."""
    return {str(p.relative_to(folder)): (_digest(p), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def catalogue_dir(tmp_path_factory):
    """16 generated photos (96×96; some JPEG, some in a sub-folder) + 4 bad inputs + one file that is no photo."""
    folder = tmp_path_factory.mktemp("catalogue")
    (folder / "bags").mkdir()
    truths = {}
    for k in range(16):
        sample = synth.make_sample(500 + k, size=96, difficulty="easy")
        name = f"bags/p{k:02d}" if k % 4 == 0 else f"p{k:02d}"
        if k % 3 == 0:
            Image.fromarray(sample.rgb).save(folder / f"{name}.jpg", quality=95)
        else:
            imageio.save_png(folder / f"{name}.png", sample.rgb)
        truths[name] = sample.alpha
    buffer = io.BytesIO()
    Image.fromarray(synth.make_sample(0, size=96).rgb).save(buffer, format="JPEG")
    (folder / "corrupt.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.png").write_text("<html><body>not a photo</body></html>")
    (folder / "folder.jpg").mkdir()
    (folder / "README.txt").write_text("not an image suffix: never an input")
    return folder, truths


def _rows(out: Path) -> list[dict]:
    with open(out / "report.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [{k: ("" if v is None else str(round(v, 4)) if isinstance(v, float) else str(v))
                     for k, v in r.items()} for r in catalogue.read_report(out)["rows"]], \
        "report.csv and report.json disagree"
    return rows


@pytest.fixture(scope="module")
def first_run(catalogue_dir, tmp_path_factory):
    """The CNN over the catalogue folder, once: (folder, out, exit status, inputs before)."""
    folder, _ = catalogue_dir
    out = tmp_path_factory.mktemp("run") / "cut"
    before = _tree(folder)
    code = cli.main([str(folder), "--out", str(out), "--method", "cnn", "--mask", "-q"])   # generated: lesson 04's
    return folder, out, code, before


def test_bad_files_become_rows_with_reasons_and_the_batch_goes_on(first_run):
    folder, out, code, before = first_run
    assert code == 1, "some photos failed: the exit status must be 1"
    rows = _rows(out)
    assert len(rows) == 20, [r["file"] for r in rows]
    failed = {Path(r["file"]).name: r["error"] for r in rows if r["status"] == "failed"}
    assert set(failed) == set(BAD), failed
    for name, reason in BAD.items():
        assert reason in failed[name] and name in failed[name], f"{name}: {failed[name]!r}"
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(ok) == 16
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png") if not p.name.endswith(".mask.png"))
    assert len(written) == 16 and "bags/p00.png" in written and "p01.png" in written
    assert all(Path(r["output"]).is_file() and Path(r["mask"]).is_file() for r in ok)
    assert all(0 < float(r["object_fraction"]) < 1 and float(r["seconds"]) > 0 for r in ok)
    assert not list(out.rglob("*.tmp")), "a temporary file was left behind"
    assert _tree(folder) == before, "an input file was changed"


def test_outputs_are_rgba_pngs_whose_alpha_is_the_object(first_run, catalogue_dir):
    _, out, _, _ = first_run
    _, truths = catalogue_dir
    ious = []
    for name, truth in truths.items():
        with Image.open(out / f"{name}.png") as image:
            assert image.mode == "RGBA", f"{name}.png is {image.mode}, not RGBA"
            alpha = np.asarray(image)[:, :, 3]
        with Image.open(out / f"{name}.mask.png") as mask:
            assert np.array_equal(np.asarray(mask), alpha), "the mask PNG is not the cut-out's alpha"
        assert alpha.min() == 0 and alpha.max() == 255
        ious.append(metrics.iou(alpha >= 128, truth >= 0.5))
    assert np.mean(ious) > 0.85, f"the written alpha does not match the objects: mean IoU {np.mean(ious):.3f}"


def test_a_second_run_overwrites_nothing_and_resume_does_no_model_work(first_run, monkeypatch):
    folder, out, _, _ = first_run
    before = _tree(out)
    outputs = {k: v for k, v in before.items() if not k.startswith("report.")}
    assert cli.main([str(folder), "--out", str(out), "--method", "cnn", "--mask", "-q"]) == 1
    rows = _rows(out)
    assert sum(r["status"] == "exists" for r in rows) == 16
    assert all("--overwrite" in r["error"] for r in rows if r["status"] == "exists")
    assert {k: v for k, v in _tree(out).items() if not k.startswith("report.")} == outputs, "an output was overwritten"

    calls = []

    def spy(*args, **kwargs):
        calls.append(args)
        raise AssertionError("the model ran during --resume")

    monkeypatch.setattr(inference, "predict_alpha_batch", spy)
    monkeypatch.setattr(inference, "load_pretrained", spy)
    monkeypatch.setattr(cutout, "_LOADED", {})                 # a model kept from the first run would hide a load
    start = time.perf_counter()
    assert cli.main([str(folder), "--out", str(out), "--method", "cnn", "--mask", "--resume", "-q"]) == 1   # 4 bad
    assert calls == [] and time.perf_counter() - start < 10
    rows = _rows(out)
    assert sum(r["status"] == "skipped" for r in rows) == 16 and sum(r["status"] == "failed" for r in rows) == 4
    assert {k: v for k, v in _tree(out).items() if not k.startswith("report.")} == outputs


def test_resume_redoes_an_incomplete_output_and_overwrite_replaces(catalogue_dir, tmp_path):
    folder, _ = catalogue_dir
    photos = [str(folder / "p01.png"), str(folder / "p02.png")]
    out = tmp_path / "cut"
    assert cli.main([*photos, "--out", str(out), "--method", "otsu", "-q"]) == 0
    good = (out / "p02.png").read_bytes()
    (out / "p02.png").write_bytes(good[: len(good) // 2])                  # as if another tool died mid-write
    assert not cutout.output_is_complete(out / "p02.png")
    assert cli.main([*photos, "--out", str(out), "--method", "otsu", "--resume", "-q"]) == 0
    assert [r["status"] for r in _rows(out)] == ["skipped", "ok"]
    assert (out / "p02.png").read_bytes() == good
    (out / "p01.png").write_bytes(b"stale")
    assert cli.main([*photos, "--out", str(out), "--method", "otsu", "--overwrite", "-q"]) == 0
    assert cutout.output_is_complete(out / "p01.png")


def test_crop_margin_output_contains_the_whole_object(tmp_path):
    rgb = np.full((90, 120, 3), 245, np.uint8)
    rgb[20:50, 30:70] = (30, 60, 200)                                      # a blue box: otsu finds it exactly
    imageio.save_png(tmp_path / "box.png", rgb)
    for margin, box in ((0, (slice(20, 50), slice(30, 70))), (7, (slice(13, 57), slice(23, 77))),
                        (40, (slice(0, 90), slice(0, 110)))):
        out = tmp_path / f"m{margin}"
        assert cli.main([str(tmp_path / "box.png"), "--out", str(out), "--method", "otsu", "--chain", "none",
                         "--crop-margin", str(margin), "-q"]) == 0
        with Image.open(out / "box.png") as image:
            cropped = np.asarray(image)
        assert cropped.shape == (box[0].stop - box[0].start, box[1].stop - box[1].start, 4), (margin, cropped.shape)
        assert np.array_equal(cropped[:, :, :3], rgb[box])

    # the CNN with the default chain: the crop holds every pixel of the full output's alpha
    photo = synth.make_sample(77, size=128, difficulty="medium").rgb
    imageio.save_png(tmp_path / "photo.png", photo)
    cnn = ["--method", "cnn", "-q"]                                        # a generated photo: lesson 04's U-Net
    assert cli.main([str(tmp_path / "photo.png"), "--out", str(tmp_path / "full"), *cnn]) == 0
    assert cli.main([str(tmp_path / "photo.png"), "--out", str(tmp_path / "crop"), "--crop-margin", "5", *cnn]) == 0
    full = np.asarray(Image.open(tmp_path / "full" / "photo.png"))[:, :, 3]
    crop = np.asarray(Image.open(tmp_path / "crop" / "photo.png"))[:, :, 3]
    box = boxes.bounding_box(full, 5)
    assert crop.shape == full[box].shape and int(crop.sum()) == int(full.sum()) > 0
    assert crop.shape[0] < full.shape[0] or crop.shape[1] < full.shape[1], "nothing was cropped"


def test_backgrounds_colour_photo_and_jpeg(tmp_path):
    rgb = np.full((64, 80, 3), 240, np.uint8)
    rgb[16:48, 20:60] = (20, 20, 20)
    imageio.save_png(tmp_path / "box.png", rgb)
    backdrop = np.zeros((32, 40, 3), np.uint8)
    backdrop[:, :, 1] = 200
    imageio.save_png(tmp_path / "green.png", backdrop)
    args = [str(tmp_path / "box.png"), "--method", "otsu", "--chain", "none", "-q"]
    assert cli.main(args + ["--out", str(tmp_path / "a"), "--background", "#ff8000", "--format", "jpg"]) == 0
    jpeg = np.asarray(Image.open(tmp_path / "a" / "box.jpg"))
    assert jpeg.shape == (64, 80, 3) and np.abs(jpeg[2, 2].astype(int) - (255, 128, 0)).max() <= 8
    assert jpeg[32, 40].max() < 60, "the product must stay dark"
    assert cli.main(args + ["--out", str(tmp_path / "b"), "--background", str(tmp_path / "green.png")]) == 0
    png = np.asarray(Image.open(tmp_path / "b" / "box.png"))
    assert png.shape == (64, 80, 3) and tuple(png[2, 2]) == (0, 200, 0) and png[32, 40].max() < 60
    assert cli.main(args + ["--out", str(tmp_path / "c"), "--background", "white"]) == 0
    assert tuple(np.asarray(Image.open(tmp_path / "c" / "box.png"))[2, 2]) == (255, 255, 255)


def test_a_saved_chain_is_applied(tmp_path, catalogue_dir):
    folder, _ = catalogue_dir
    chain = pipeline.Pipeline(["binarise", ("opening", {"size": 3})]).save(tmp_path / "hard.json")
    cnn = ["--method", "cnn", "-q"]                                        # a soft alpha to harden
    assert cli.main([str(folder / "p01.png"), "--out", str(tmp_path / "hard"), "--chain", str(chain), *cnn]) == 0
    assert cli.main([str(folder / "p01.png"), "--out", str(tmp_path / "soft"), "--chain", "none", *cnn]) == 0
    hard = np.asarray(Image.open(tmp_path / "hard" / "p01.png"))[:, :, 3]
    soft = np.asarray(Image.open(tmp_path / "soft" / "p01.png"))[:, :, 3]
    assert set(np.unique(hard)) == {0, 255}, "a chain ending in a hard mask gives a 0/255 alpha"
    assert len(np.unique(soft)) > 10, "without a chain the CNN's soft probability is written"


@pytest.mark.parametrize("args, says", [
    (["--method", "watershed"], "is not a method"),
    (["--method", "otsu", "--model", "data/models/unet.keras"], "--model applies"),
    (["--model", "no/such/model.keras"], "no/such/model.keras does not exist"),
    (["--overwrite", "--resume"], "contradict"),
    (["--format", "jpg"], "JPEG has no transparency"),
    (["--background", "#12345"], "six hex digits"),
    (["--background", "nowhere.jpg"], "nowhere.jpg"),
    (["--chain", "missing_chain.json"], "missing_chain.json"),
    (["--crop-margin", "-3"], "crop-margin"),
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_usage_errors_exit_2_name_the_problem_and_write_nothing(args, says, tmp_path, catalogue_dir, capsys):
    folder, _ = catalogue_dir
    out = tmp_path / "never"
    assert cli.main([str(folder / "p01.png"), "--out", str(out), *args]) == 2
    message = " ".join(capsys.readouterr().err.replace("│", " ").split())
    assert says in message, message
    assert not out.exists()


def test_no_input_found_is_a_usage_error(tmp_path, capsys):
    assert cli.main([str(tmp_path / "nothing_here"), "--out", str(tmp_path / "o")]) == 2
    # Rich wraps the error box at the terminal's width, possibly inside the path: compare without borders and breaks
    assert "nothing_here" in "".join(capsys.readouterr().err.replace("│", "").split())


def test_adding_a_method_is_one_registry_entry(monkeypatch, catalogue_dir, tmp_path):
    def load(model_path=None):
        return lambda photos: [np.ones(p.shape[:2], np.float32) for p in photos]    # "everything is product"

    monkeypatch.setitem(cutout.METHODS, "everything", cutout.Method("keeps every pixel", load))
    folder, _ = catalogue_dir
    assert cli.main([str(folder / "p01.png"), "--out", str(tmp_path), "--method", "everything", "--chain", "none",
                     "-q"]) == 0
    assert (np.asarray(Image.open(tmp_path / "p01.png"))[:, :, 3] == 255).all()


def test_the_entry_points_answer_help():
    for command in ([str(Path(sys.executable).parent / "course-cutout"), "--help"],
                    [sys.executable, "-m", "course_lib.cli", "--help"]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT,
                                env={**os.environ, "COLUMNS": "120"}, check=False)
        assert result.returncode == 0, result.stderr
        for word in ("--out", "--resume", "--crop-margin", "Examples", "Exit status", "Output names",
                     "mug_jpg.png, mug_png.png", "shop1/mug_jpg.png"):         # the naming rule, with its examples
            assert word in " ".join(result.stdout.split()), f"{word} missing from {command[0]} --help"


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_midway_leaves_a_valid_report_and_no_partial_file_and_resume_finishes(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for k in range(24):
        imageio.save_png(photos / f"p{k:02d}.png", synth.make_sample(900 + k, size=160).rgb)
    out = tmp_path / "cut"
    command = [sys.executable, "-m", "course_lib.cli", str(photos), "--out", str(out), "--method", "grabcut",
               "--chain", "none", "-q"]
    # A shell that starts the suite in the background (`make test &`) gives its children SIGINT ignored, and a
    # Python started so never raises KeyboardInterrupt: give the tool the default disposition, as a terminal would.
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_default_sigint)  # noqa: PLW1509 (only a preexec_fn resets SIG_IGN)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("p*.png"))) < 3 and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be interrupted: " + process.stderr.read()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stdout + stderr
    assert "--resume" in stdout
    report = catalogue.read_report(out)
    rows = _rows(out)
    statuses = [r["status"] for r in rows]
    assert len(rows) == 24 and set(statuses) <= {"ok", "interrupted"} and 3 <= statuses.count("ok") < 24
    assert report["summary"]["interrupted"] and report["summary"]["ok"] == statuses.count("ok")
    assert not list(out.glob(".*.tmp")), "a temporary file was left behind"
    reported = {Path(r["output"]).name for r in rows if r["status"] == "ok"}
    for png in out.glob("*.png"):
        assert cutout.output_is_complete(png), f"{png.name} is a partial file"
    written = {p.name for p in out.glob("*.png")}
    assert reported <= written and len(written - reported) <= 1, "outputs the report does not know about"

    # SIGKILL cannot be caught: no report then, but still no partial PNG (each is written to a hidden temp file
    # and renamed into place)
    done_before = len(list(out.glob("*.png")))
    process = subprocess.Popen(command + ["--resume"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.monotonic() < deadline + 60 and len(list(out.glob("*.png"))) < done_before + 2 \
            and process.poll() is None:
        time.sleep(0.02)
    killed = process.poll() is None
    process.kill()
    process.wait(timeout=30)
    assert all(cutout.output_is_complete(png) for png in out.glob("*.png")), "SIGKILL left a partial PNG"
    if killed:
        assert catalogue.read_report(out)["summary"]["interrupted"], "the last complete report must still be there"

    result = subprocess.run(command + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(out)
    assert all(r["status"] in ("ok", "skipped") for r in rows)
    assert sum(r["status"] == "skipped" for r in rows) >= statuses.count("ok")
    assert all(cutout.output_is_complete(out / f"p{k:02d}.png") for k in range(24))


def test_report_json_has_a_summary(first_run):
    _, out, _, _ = first_run
    summary = json.loads((out / "report.json").read_text())["summary"]
    assert summary["photos"] == 20 and summary["failed"] == 4 and summary["exit_code"] == 1
    assert summary["method"] == "cnn" and summary["chain"] == pipeline.DEFAULT.to_dict()["steps"]


def test_glob_patterns_keep_subfolders_and_an_output_never_replaces_its_photo(catalogue_dir, tmp_path):
    folder, _ = catalogue_dir
    out = tmp_path / "cut"
    assert cli.main([f"{folder}/**/p0[0-4].*", "--out", str(out), "--method", "otsu", "-q"]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == [
        "bags/p00.png", "bags/p04.png", "p01.png", "p02.png", "p03.png"]
    copy = tmp_path / "inplace"
    copy.mkdir()
    imageio.save_png(copy / "a.png", np.zeros((16, 16, 3), np.uint8))
    before = (copy / "a.png").read_bytes()
    assert cli.main([str(copy), "--out", str(copy), "--method", "otsu", "--overwrite", "-q"]) == 1
    assert "would replace the photo itself" in _rows(copy)[0]["error"]
    assert (copy / "a.png").read_bytes() == before


def _box_photo(path: Path, height: int, width: int) -> None:
    """Write a dark box on a light ground, ``height``×``width``: its cut-out's size says which photo it came from."""
    rgb = np.full((height, width, 3), 240, np.uint8)
    rgb[height // 4: 3 * height // 4, width // 4: 3 * width // 4] = (20, 40, 160)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".png":
        imageio.save_png(path, rgb)
    else:
        Image.fromarray(rgb).save(path, quality=95)


def _sizes(out: Path) -> dict[str, tuple[int, int]]:
    """Return every cut-out (not the masks) under ``out``: relative path → (height, width)."""
    sizes = {}
    for path in sorted(out.rglob("*.png")):
        if not path.name.endswith(".mask.png"):
            with Image.open(path) as image:
                sizes[path.relative_to(out).as_posix()] = (image.height, image.width)
    return sizes


@pytest.fixture()
def clashing_dir(tmp_path):
    """Photos whose plain names clash: mug.jpg + mug.png, and cup.png in two sub-folders; each a different size."""
    folder = tmp_path / "photos"
    sizes = {"mug.jpg": (40, 64), "mug.png": (48, 32), "a/cup.png": (56, 40), "b/cup.png": (36, 60),
             "plate.png": (44, 44)}
    for name, (height, width) in sizes.items():
        _box_photo(folder / name, height, width)
    return folder, sizes


def test_photos_that_share_a_name_each_get_their_own_output(clashing_dir, tmp_path):
    folder, sizes = clashing_dir
    out = tmp_path / "cut"
    assert cli.main([str(folder), "--out", str(out), "--method", "otsu", "--mask", "-q"]) == 0
    expected = {"mug_jpg.png": "mug.jpg", "mug_png.png": "mug.png", "a/cup.png": "a/cup.png",
                "b/cup.png": "b/cup.png", "plate.png": "plate.png"}
    assert _sizes(out) == {output: sizes[photo] for output, photo in expected.items()}
    rows = _rows(out)
    assert {Path(r["file"]).relative_to(folder).as_posix(): Path(r["output"]).relative_to(out).as_posix()
            for r in rows} == {photo: output for output, photo in expected.items()}
    assert all(r["status"] == "ok" and Path(r["mask"]).is_file() for r in rows)
    assert len({r["mask"] for r in rows}) == 5

    # the sub-folders given as two inputs: cup.png is in both, so each keeps the folder it came from
    out2 = tmp_path / "cut2"
    assert cli.main([str(folder / "a"), str(folder / "b"), str(folder / "plate.png"), "--out", str(out2),
                     "--method", "otsu", "-q"]) == 0
    assert _sizes(out2) == {"a/cup_png.png": sizes["a/cup.png"], "b/cup_png.png": sizes["b/cup.png"],
                            "plate.png": sizes["plate.png"]}
    # the same inputs in another order: the same names (and --resume finds them all)
    assert cli.main([str(folder / "plate.png"), str(folder / "b"), str(folder / "a"), "--out", str(out2),
                     "--method", "otsu", "--resume", "-q"]) == 0
    assert [r["status"] for r in _rows(out2)] == ["skipped"] * 3


def test_resume_after_a_partial_run_skips_exactly_the_done_photos_and_nothing_is_overwritten(clashing_dir, tmp_path):
    folder, sizes = clashing_dir
    out = tmp_path / "cut"
    args = [str(folder), "--out", str(out), "--method", "otsu", "--mask", "-q"]
    assert cli.main(args) == 0
    (out / "mug_png.png").unlink()                                          # as if the run stopped before them
    (out / "b" / "cup.png").unlink()
    good = (out / "mug_jpg.png").read_bytes()
    (out / "mug_jpg.png").write_bytes(good[: len(good) // 2])              # as if another tool died mid-write
    kept = {k: v for k, v in _tree(out).items() if k in ("a/cup.png", "a/cup.mask.png", "plate.png")}

    assert cli.main(args) == 1                                              # no --resume: nothing is replaced
    rows = {Path(r["file"]).relative_to(folder).as_posix(): r for r in _rows(out)}
    assert {k: r["status"] for k, r in rows.items()} == {
        "a/cup.png": "exists", "b/cup.png": "exists", "mug.jpg": "exists", "mug.png": "exists", "plate.png": "exists"}
    assert (out / "mug_jpg.png").read_bytes() == good[: len(good) // 2] and not (out / "mug_png.png").exists()

    assert cli.main([*args, "--resume"]) == 0
    rows = {Path(r["file"]).relative_to(folder).as_posix(): r["status"] for r in _rows(out)}
    assert rows == {"a/cup.png": "skipped", "b/cup.png": "ok", "mug.jpg": "ok", "mug.png": "ok", "plate.png": "skipped"}
    assert {k: v for k, v in _tree(out).items() if k in kept} == kept, "--resume rewrote a finished output"
    assert (out / "mug_jpg.png").read_bytes() == good
    assert _sizes(out)["mug_png.png"] == sizes["mug.png"] and _sizes(out)["b/cup.png"] == sizes["b/cup.png"]
    assert cli.main([*args, "--resume"]) == 0
    assert {r["status"] for r in _rows(out)} == {"skipped"}

    assert cli.main([*args, "--overwrite"]) == 0                            # replaces each photo's own output
    assert [r["status"] for r in _rows(out)] == ["ok"] * 5
    assert _sizes(out) == {"mug_jpg.png": sizes["mug.jpg"], "mug_png.png": sizes["mug.png"],
                           "a/cup.png": sizes["a/cup.png"], "b/cup.png": sizes["b/cup.png"],
                           "plate.png": sizes["plate.png"]}


def test_with_no_method_the_tool_runs_the_real_photo_default(tmp_path):
    """`course-cutout photos/ --out cut/` runs the dev winner (data/models/real_default.json), and says so."""
    from course_lib import real_default

    photos = tmp_path / "photos"
    photos.mkdir()
    for k in range(2):
        imageio.save_png(photos / f"p{k}.png", synth.make_sample(600 + k, size=64, difficulty="easy").rgb)
    winner = real_default.read_choice()["default"]
    assert cli.main([str(photos), "--out", str(tmp_path / "cut"), "-q"]) == 0
    summary = catalogue.read_report(tmp_path / "cut")["summary"]
    assert summary["method"] == winner and summary["method_asked"] == "auto"
    assert cli.main([str(photos), "--out", str(tmp_path / "named"), "--method", winner, "-q"]) == 0
    default = sorted(p.relative_to(tmp_path / "cut") for p in (tmp_path / "cut").glob("*.png"))
    named = sorted(p.relative_to(tmp_path / "named") for p in (tmp_path / "named").glob("*.png"))
    assert default == named and len(default) == 2
    assert all((tmp_path / "cut" / p).read_bytes() == (tmp_path / "named" / p).read_bytes() for p in default), \
        "no --method must write what the winner writes"
    assert cutout.load_segmenter().method == winner, "load_segmenter() with no arguments is the default too"
    assert cutout.RunSettings().method == "auto"

"""TFLite export: every variant of the shipped model loads, scores close to the Keras model, int8 is small,
and ``course-cutout --model x.tflite`` uses it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from course_lib import cli, datasets, export, imageio, inference, metrics

IOU_TOLERANCE = {"float32": 0.002, "float16": 0.005, "dynamic_int8": 0.02, "full_int8": 0.03}
"""How far each variant's mean IoU on the generated test images may fall from the Keras model's (absolute).

float32 is the same arithmetic; float16 rounds the weights (~3 significant digits); the int8 variants round
weights (and, for full int8, every activation) to 256 levels, which moves the 0.5 threshold by a few pixels
at the edge of an object.
"""


@pytest.fixture(scope="module")
def keras_model():
    return inference.load_pretrained()


@pytest.fixture(scope="module")
def exported(keras_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tflite")
    calibration = export.representative_images(n_generated=8)
    return {variant: export.export_tflite(keras_model, folder / f"unet_{variant}.tflite", variant,
                                          representative=calibration)
            for variant in export.VARIANTS}


@pytest.fixture(scope="module")
def test_images():
    return datasets.load_split("test", limit=24, progress=False)


def _mean_iou(model, split, size):
    alphas = inference.predict_alpha_batch(model, list(split.rgb), size=size)
    return float(np.mean([metrics.iou(a >= 0.5, t >= 0.5) for a, t in zip(alphas, split.alpha)]))


def test_every_variant_loads_and_scores_within_tolerance_of_keras(keras_model, exported, test_images):
    reference = _mean_iou(keras_model, test_images, inference.WORK_SIZE)
    assert reference > 0.9, f"the Keras model itself scores {reference:.3f}: wrong test images?"
    for variant, path in exported.items():
        lite = export.TFLiteModel(path)
        assert lite.variant == variant and lite.input_size == inference.WORK_SIZE, repr(lite)
        score = _mean_iou(lite, test_images, lite.input_size)
        assert abs(score - reference) <= IOU_TOLERANCE[variant], (
            f"{variant}: mean IoU {score:.4f} vs Keras {reference:.4f}, tolerance {IOU_TOLERANCE[variant]}")


def test_float32_matches_keras_to_float_precision(keras_model, exported, test_images):
    x = test_images.rgb[:4].astype(np.float32) / 255
    diff = np.abs(export.TFLiteModel(exported["float32"]).predict(x) - keras_model.predict(x, verbose=0)).max()
    assert diff < 1e-4, f"float32 TFLite differs from Keras by {diff}"


def test_int8_files_are_at_most_a_third_of_float32(exported):
    size = {variant: path.stat().st_size for variant, path in exported.items()}
    for variant in ("dynamic_int8", "full_int8"):
        assert size[variant] * 3 <= size["float32"], size
    assert size["float16"] < 0.6 * size["float32"], size


def test_predict_handles_any_batch_and_refuses_a_wrong_size(exported):
    lite = export.TFLiteModel(exported["full_int8"])
    x = np.random.default_rng(0).random((5, 128, 128, 3), dtype=np.float32)
    one_by_one = np.concatenate([lite.predict(x[i:i + 1]) for i in range(5)])
    assert np.array_equal(lite.predict(x, batch_size=2), one_by_one)
    with pytest.raises(ValueError, match="takes N×128×128×3"):
        lite.predict(np.zeros((1, 64, 64, 3), np.float32))


def test_a_file_that_is_no_model_is_refused_by_name(tmp_path, capsys):
    bad = tmp_path / "broken.tflite"
    bad.write_bytes(b"<html>not a model</html>")
    with pytest.raises(export.TFLiteError, match="broken.tflite is not a TensorFlow Lite model"):
        export.TFLiteModel(bad)
    with pytest.raises(export.TFLiteError, match="does not exist"):
        export.TFLiteModel(tmp_path / "absent.tflite")
    photo = tmp_path / "photo.png"
    imageio.save_png(photo, np.zeros((32, 32, 3), np.uint8))
    assert cli.main([str(photo), "--out", str(tmp_path / "out"), "--model", str(bad)]) == 2
    # Rich wraps the error box at the terminal's width, possibly inside the path: compare without borders and breaks
    assert "broken.tflite" in "".join(capsys.readouterr().err.replace("│", "").split())


def test_course_cutout_runs_a_tflite_model(exported, keras_model, test_images, tmp_path):
    (tmp_path / "in").mkdir()
    for k in range(4):
        imageio.save_png(tmp_path / "in" / f"t{k}.png", test_images.rgb[k])
    for variant in ("full_int8", "float16"):
        out = tmp_path / variant
        assert cli.main([str(tmp_path / "in"), "--out", str(out), "--model", str(exported[variant]), "-q"]) == 0
        for k in range(4):
            alpha = np.asarray(Image.open(out / f"t{k}.png"))[:, :, 3]
            assert metrics.iou(alpha >= 128, test_images.alpha[k] >= 0.5) > 0.8, (variant, k)


def test_compare_variants_gives_one_row_per_model(keras_model, exported, test_images):
    files = {"keras": inference.MODEL_PATH, **exported}
    rows = export.compare_variants(keras_model, files, test_images.subset(range(4)), repeat=2,
                                   classical_methods=["otsu"])
    assert [r["model"] for r in rows] == ["keras", *export.VARIANTS, "otsu"]
    assert all(r["latency_ms"] > 0 and 0 <= r["iou_test"] <= 1 for r in rows)
    table = export.format_table(rows)
    assert "full_int8" in table and "× keras" in table

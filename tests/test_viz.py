"""course_lib.viz: colours, and that figures are built without error (the blend: test_compositing.py)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from course_lib import viz


def test_error_map_colours():
    pred = np.array([[True, True, False, False]])
    truth = np.array([[True, False, True, False]])
    out = viz.error_map(pred, truth)
    colours = viz.ERROR_COLOURS
    assert tuple(out[0, 1]) == colours["background kept (FP)"] and tuple(out[0, 2]) == colours["product, missed (FN)"]
    assert tuple(out[0, 0]) == colours["product, found"] and tuple(out[0, 3]) == colours["background, removed"]


def test_overlay_tints_object_and_dims_background():
    rgb = np.full((1, 2, 3), 128, np.uint8)
    out = viz.overlay(rgb, np.array([[True, False]]))
    assert out[0, 0, 0] > out[0, 0, 2]            # orange tint on the product
    assert out[0, 1].sum() < out[0, 0].sum()      # background dimmed


def test_method_grid_titles_carry_scores():
    rgb = np.zeros((8, 8, 3), np.uint8)
    truth = np.zeros((8, 8), bool)
    truth[2:6, 2:6] = True
    fig = viz.method_grid(rgb, {"perfect": truth, "empty": np.zeros((8, 8), bool)}, truth)
    titles = [ax.get_title() for ax in fig.axes[:2]]
    assert "IoU 1.000" in titles[0] and "IoU 0.000" in titles[1]


def test_contact_sheet_has_a_row_per_photo_and_the_iou_of_each():
    from types import SimpleNamespace

    from course_lib import metrics

    rgb = np.zeros((40, 60, 3), np.uint8)
    truth = np.zeros((40, 60), bool)
    truth[10:30, 20:40] = True
    photos = [SimpleNamespace(name="a", rgb=rgb, mask=truth), SimpleNamespace(name="b", rgb=rgb, mask=truth)]
    half = truth.copy()
    half[:, 30:] = False
    sheet, ious = viz.contact_sheet(photos, lambda im: half.astype(np.float32), cell=32)
    assert sheet.shape == (2 * (32 + 4), 32 * 5 + 3 * 4, 3) and sheet.dtype == np.uint8
    assert ious == [metrics.iou(half, truth)] * 2
    with pytest.raises(ValueError, match="empty"):
        viz.contact_sheet([], lambda im: half)

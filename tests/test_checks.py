"""course_lib.checks: right answers pass, wrong ones are located precisely, stubs are 'not done'."""

from __future__ import annotations

import numpy as np

from course_lib import checks, classical


def test_compare_arrays_names_first_mismatch():
    ref = np.zeros((1, 4, 6, 2))
    yours = ref.copy()
    yours[0, 3, 5, 1] = 0.12
    ref[0, 3, 5, 1] = 0.47
    result = checks.compare_arrays("conv2d", yours, ref)
    assert not result and result.status == "failed"
    assert "output[0, 3, 5, 1]: 0.12 vs 0.47 (reference)" in result.message


def test_compare_arrays_shape_hint():
    result = checks.compare_arrays("conv2d", np.zeros((1, 6, 6, 2)), np.zeros((1, 8, 8, 2)))
    assert "shape (1, 6, 6, 2) but the reference has (1, 8, 8, 2)" in result.message
    assert "padding" in result.message


def test_compare_arrays_nan_and_pass():
    assert "NaN" in checks.compare_arrays("x", np.array([1.0, np.nan]), np.array([1.0, 2.0])).message
    assert checks.compare_arrays("x", np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))


def test_otsu_check_with_right_wrong_and_stub(capsys):
    assert checks.check_otsu_threshold(classical.otsu_threshold)
    assert "✓ otsu_threshold" in capsys.readouterr().out
    wrong = checks.check_otsu_threshold(lambda grey: int(grey.mean()), verbose=False)
    assert wrong.status == "failed" and "the reference gives" in wrong.message and "two peaks" in wrong.message

    def stub(grey):
        raise NotImplementedError("write me")

    assert checks.check_otsu_threshold(stub, verbose=False).status == "not done"
    forgot_return = checks.check_otsu_threshold(lambda grey: None, verbose=False)
    assert "you returned None, not an integer" in forgot_return.message


def test_border_connected_check(capsys):
    assert checks.check_border_connected(classical.border_connected, verbose=False)
    everything = checks.check_border_connected(lambda c: c.copy(), verbose=False)
    assert everything.status == "failed" and "ring with a pocket" in everything.message
    assert "mask[4, 4]" in everything.message
    shape = checks.check_border_connected(lambda c: c[1:], verbose=False)
    assert "shape" in shape.message


def test_a_crashing_answer_is_reported_not_raised():
    result = checks.check_otsu_threshold(lambda grey: 1 / 0, verbose=False)
    assert result.status == "failed" and "ZeroDivisionError" in result.message

"""course_lib.checks: right answers pass, wrong ones are located precisely, stubs are 'not done'."""

from __future__ import annotations

import numpy as np
import pytest

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


# --- lessons 02 and 03 ----------------------------------------------------------------------------

from course_lib import scratch  # noqa: E402  (kept with the tests that use it)


def _conv(x, w, b, stride, padding):
    return scratch.conv2d(x, w, b, stride=stride, padding=padding)


def _stub(*args):
    raise NotImplementedError("write me")


def test_conv2d_check_passes_the_reference_and_the_naive_loops(capsys):
    assert checks.check_conv2d(_conv)
    assert "✓ conv2d: all 6 cases" in capsys.readouterr().out
    assert checks.check_conv2d(lambda x, w, b, s, p: scratch.conv2d_naive(x, w, b, stride=s, padding=p),
                               verbose=False)
    assert checks.check_conv2d(_stub, verbose=False).status == "not done"


def test_conv2d_check_names_the_likely_mistake():
    flipped = checks.check_conv2d(lambda x, w, b, s, p: scratch.true_convolution2d(x, w, b, stride=s, padding=p),
                                  verbose=False)
    assert "output[0, 0, 0, 0]" in flipped.message and "flipped the kernel" in flipped.message
    no_bias = checks.check_conv2d(lambda x, w, b, s, p: _conv(x, w, 0 * b, s, p), verbose=False)
    assert "'2 channels in, 3 out, with bias'" in no_bias.message and "bias b is missing" in no_bias.message
    no_stride = checks.check_conv2d(lambda x, w, b, s, p: _conv(x, w, b, 1, p), verbose=False)
    assert "shape (1, 5, 6, 2) but the reference has (1, 3, 3, 2)" in no_stride.message
    assert "stride is ignored" in no_stride.message
    no_padding = checks.check_conv2d(lambda x, w, b, s, p: _conv(x, w, b, s, "valid"), verbose=False)
    assert "(1, 3, 4, 2) but the reference has (1, 5, 6, 2)" in no_padding.message
    assert "padding is missing" in no_padding.message

    def even_padding(x, w, b, s, p):
        if p == "same":
            x = np.pad(x, ((0, 0), (1, 1), (w.shape[1] // 2,) * 2, (0, 0)))
        return _conv(x, w, b, s, "valid")

    uneven = checks.check_conv2d(even_padding, verbose=False)
    assert "stride 2" in uneven.message and "0 above and 1 below" in uneven.message


def test_max_pool_check():
    assert checks.check_max_pool2d(scratch.max_pool2d, verbose=False)
    assert checks.check_max_pool2d(_stub, verbose=False).status == "not done"
    average = checks.check_max_pool2d(scratch.avg_pool2d, verbose=False)
    assert "average pooling" in average.message and "output[0, 0, 0, 0]" in average.message
    sliding = checks.check_max_pool2d(lambda x, k, s: scratch.max_pool2d(x, k, 1), verbose=False)
    assert "one pixel at a time" in sliding.message and "ERRATA 2" in sliding.message
    zero_start = checks.check_max_pool2d(lambda x, k, s: np.maximum(scratch.max_pool2d(x, k, s), 0), verbose=False)
    assert "'all values negative'" in zero_start.message and "not 0" in zero_start.message
    ceil = checks.check_max_pool2d(lambda x, k, s: scratch.max_pool2d(x, k, s, "same"), verbose=False)
    assert "(1, 3, 4, 2) but the reference has (1, 2, 3, 2)" in ceil.message and "dropped" in ceil.message


def test_softmax_check():
    assert checks.check_softmax(scratch.softmax, verbose=False)

    def overflowing(z):
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)

    naive = checks.check_softmax(overflowing, verbose=False)
    assert "large logits" in naive.message and "NaN" in naive.message and "subtract" in naive.message
    wrong_axis = checks.check_softmax(lambda z: scratch.softmax(z, axis=0), verbose=False)
    assert "wrong axis" in wrong_axis.message
    assert checks.check_softmax(_stub, verbose=False).status == "not done"


def _softmax_ce(logits, onehot):
    loss, cache = scratch.softmax_cross_entropy_forward(logits, onehot)
    return loss, scratch.softmax_cross_entropy_backward(1.0, cache)


def test_softmax_cross_entropy_check():
    assert checks.check_softmax_cross_entropy(_softmax_ce, verbose=False)
    assert checks.check_softmax_cross_entropy(_stub, verbose=False).status == "not done"
    summed = checks.check_softmax_cross_entropy(lambda z, o: (_softmax_ce(z, o)[0] * len(z), _softmax_ce(z, o)[1]),
                                                verbose=False)
    assert "your loss is" in summed.message and "mean" in summed.message
    undivided = checks.check_softmax_cross_entropy(lambda z, o: (_softmax_ce(z, o)[0], _softmax_ce(z, o)[1] * len(z)),
                                                   verbose=False)
    assert "dlogits[0, 0]" in undivided.message and "not divided" in undivided.message
    flipped = checks.check_softmax_cross_entropy(lambda z, o: (_softmax_ce(z, o)[0], -_softmax_ce(z, o)[1]),
                                                 verbose=False)
    assert "sign is flipped" in flipped.message
    only_grad = checks.check_softmax_cross_entropy(lambda z, o: _softmax_ce(z, o)[1], verbose=False)
    assert "return a pair (loss, dlogits)" in only_grad.message


def test_dice_reference_is_the_training_loss():
    import pytest

    from course_lib import unet_loss

    rng = np.random.default_rng(0)
    alpha, p = rng.random((6, 9)), rng.random((6, 9))
    probs = np.stack([1 - p, p], axis=-1)[None].astype(np.float32)
    assert float(unet_loss.dice_loss(alpha[None, ..., None].astype(np.float32), probs)) == pytest.approx(
        checks.dice_loss_reference(alpha, p), rel=1e-5)


def test_dice_check_passes_the_reference_and_names_likely_mistakes():
    assert checks.check_dice_loss(checks.dice_loss_reference, verbose=False)
    dice_score = checks.check_dice_loss(lambda a, p: 1 - checks.dice_loss_reference(a, p), verbose=False)
    assert not dice_score and "1 − Dice" in dice_score.message
    unsmoothed = checks.check_dice_loss(lambda a, p: 1 - 2 * np.sum(a * p) / (np.sum(a) + np.sum(p)),
                                        verbose=False)
    assert not unsmoothed and "smoothing" in unsmoothed.message


def test_dice_check_says_not_done_for_a_stub():
    def stub(alpha, p):
        raise NotImplementedError

    assert checks.check_dice_loss(stub, verbose=False).status == "not done"


# --- lesson 06 ---------------------------------------------------------------------------------------

def test_fill_holes_check_passes_the_reference_and_the_lesson_01_route():
    from course_lib import classical, postprocess

    assert checks.check_fill_holes(postprocess.fill_holes, verbose=False)
    assert checks.check_fill_holes(lambda m: ~classical.border_connected(~m), verbose=False)


def test_fill_holes_check_names_likely_mistakes():
    from scipy import ndimage

    from course_lib import postprocess

    diagonal = checks.check_fill_holes(lambda m: ndimage.binary_fill_holes(m, structure=np.ones((3, 3))),
                                       verbose=False)
    assert not diagonal and "diagonally" in diagonal.message and "8-connected" in diagonal.message
    only_holes = checks.check_fill_holes(lambda m: postprocess.fill_holes(m) & ~m, verbose=False)
    assert "mask | holes" in only_holes.message
    unchanged = checks.check_fill_holes(lambda m: m, verbose=False)
    assert "unchanged" in unchanged.message and "mask[4, 4]" in unchanged.message


def test_fill_holes_check_says_not_done_for_a_stub():
    def stub(mask):
        raise NotImplementedError

    assert checks.check_fill_holes(stub, verbose=False).status == "not done"


def _composite(fore, alpha, back):
    a = np.asarray(alpha, np.float32)[:, :, None]
    return np.rint(a * fore + (1 - a) * back).astype(np.uint8)


def test_composite_check_passes_a_correct_composite_and_names_mistakes():
    assert checks.check_composite(_composite, verbose=False)
    swapped = checks.check_composite(lambda f, a, b: _composite(b, a, f), verbose=False)
    assert "swapped F and B" in swapped.message

    def truncated(f, a, b):
        a = np.asarray(a, np.float32)[:, :, None]
        return (a * f + (1 - a) * b).astype(np.uint8)

    assert "np.rint" in checks.check_composite(truncated, verbose=False).message
    no_axis = checks.check_composite(lambda f, a, b: np.rint(a * f + (1 - a) * b).astype(np.uint8), verbose=False)
    assert "alpha[:, :, None]" in no_axis.message
    as_float = checks.check_composite(lambda f, a, b: _composite(f, a, b).astype(np.float32), verbose=False)
    assert "dtype is float32" in as_float.message


def test_composite_check_says_not_done_for_a_stub():
    def stub(fore, alpha, back):
        raise NotImplementedError

    assert checks.check_composite(stub, verbose=False).status == "not done"


# --- lesson 05 --------------------------------------------------------------------------------

def _mean_iou_threshold(alphas, truths, thresholds, pool=False, pick=np.argmax):
    def iou(pred, true):
        union = np.logical_or(pred, true).sum()
        return 1.0 if union == 0 else np.logical_and(pred, true).sum() / union

    scores = []
    for t in thresholds:
        if pool:
            scores.append(iou(np.concatenate([(a >= t).ravel() for a in alphas]),
                              np.concatenate([(g >= 0.5).ravel() for g in truths])))
        else:
            scores.append(np.mean([iou(a >= t, g >= 0.5) for a, g in zip(alphas, truths)]))
    return float(thresholds[int(pick(scores))]), scores


def test_best_threshold_check_passes_the_reference_and_names_likely_mistakes():
    from course_lib import calibration

    assert checks.check_best_threshold(calibration.best_threshold, verbose=False)
    assert checks.check_best_threshold(lambda a, g, t: _mean_iou_threshold(a, g, t)[0], verbose=False)
    pooled = checks.check_best_threshold(lambda a, g, t: _mean_iou_threshold(a, g, t, pool=True)[0], verbose=False)
    assert not pooled and "pooled the pixels" in pooled.message
    worst = checks.check_best_threshold(lambda a, g, t: _mean_iou_threshold(a, g, t, pick=np.argmin)[0],
                                        verbose=False)
    assert "lowest" in worst.message
    score = checks.check_best_threshold(lambda a, g, t: max(_mean_iou_threshold(a, g, t)[1]), verbose=False)
    assert "best mean IoU, not the threshold" in score.message
    index = checks.check_best_threshold(lambda a, g, t: int(np.argmax(_mean_iou_threshold(a, g, t)[1])),
                                        verbose=False)
    assert "thresholds[index]" in index.message
    nothing = checks.check_best_threshold(lambda a, g, t: None, verbose=False)
    assert "not one threshold" in nothing.message


def test_best_threshold_check_says_not_done_for_a_stub():
    def stub(alphas, truths, thresholds):
        raise NotImplementedError

    assert checks.check_best_threshold(stub, verbose=False).status == "not done"


def _my_iou(p, t, *, den=lambda p, t, i: (p | t).sum(), dtype=None, floor=False, empty=1.0):
    inter = (p & t).sum(dtype=dtype)
    union = den(p, t, inter) if dtype is None else (p | t).sum(dtype=dtype)
    if union == 0:
        return empty
    return float(inter // union) if floor else inter / union


def test_iou_check_passes_the_reference_and_names_likely_mistakes():
    from course_lib import metrics

    assert checks.check_iou(metrics.iou, verbose=False)
    assert checks.check_iou(_my_iou, verbose=False)
    hints = {"the area of the truth": dict(den=lambda p, t, i: t.sum()),
             "the area of the prediction": dict(den=lambda p, t, i: p.sum()),
             "that is Dice": dict(den=lambda p, t, i: (p.sum() + t.sum()) / 2),
             "counts the intersection twice": dict(den=lambda p, t, i: p.sum() + t.sum()),
             "overflowed": dict(dtype=np.uint8),
             "integer division": dict(floor=True),
             "both masks are empty": dict(empty=float("nan"))}
    for hint, kwargs in hints.items():
        result = checks.check_iou(lambda p, t, kwargs=kwargs: _my_iou(p, t, **kwargs), verbose=False)
        assert not result and hint in result.message, (hint, result.message)
    assert "not one number" in checks.check_iou(lambda p, t: None, verbose=False).message


def test_iou_check_says_not_done_for_a_stub():
    def stub(pred, truth):
        raise NotImplementedError

    assert checks.check_iou(stub, verbose=False).status == "not done"


# --- the checks of lessons 00, 00b, 04b and 09: each likely mistake is named -----------------------

def _rgba_truncated(rgb, a):
    return np.dstack([rgb, (a * 255).astype(np.uint8)])


def _rgba_unscaled(rgb, a):
    return np.dstack([rgb, a.astype(np.uint8)])


def _rgba_alpha_first(rgb, a):
    return np.dstack([np.round(a * 255).astype(np.uint8), rgb])


def _rgba_float(rgb, a):
    return np.dstack([rgb, np.round(a * 255)])


def _contrast_grey(rgb, a):
    g = rgb.astype(float).mean(axis=2)
    return abs(g[a >= 0.99].mean() - g[a <= 0.01].mean())


def _contrast_half(rgb, a):
    p = rgb.astype(float)
    return np.linalg.norm(p[a >= 0.5].mean(axis=0) - p[a < 0.5].mean(axis=0))


def _contrast_squared(rgb, a):
    p = rgb.astype(float)
    return ((p[a >= 0.99].mean(axis=0) - p[a <= 0.01].mean(axis=0)) ** 2).sum()


def _summary_mean(scores, grabcut):
    return np.mean(list(scores.values())), sum(scores[n] > grabcut[n] for n in scores)


def _summary_ties(scores, grabcut):
    import statistics
    return statistics.median(scores.values()), sum(scores[n] >= grabcut[n] for n in scores)


def _background_mean(frames):
    return frames.mean(axis=0).round().astype(np.uint8)


def _background_float(frames):
    return np.median(frames, axis=0)


@pytest.mark.parametrize("check, student, hint", [
    (checks.check_rgba, _rgba_truncated, "round, don't truncate"),
    (checks.check_rgba, _rgba_unscaled, "scaled to 0–255"),
    (checks.check_rgba, _rgba_alpha_first, "fourth channel"),
    (checks.check_rgba, _rgba_float, "uint8"),
    (checks.check_colour_contrast, _contrast_grey, "in colour, not grey"),
    (checks.check_colour_contrast, _contrast_half, "sure pixels"),
    (checks.check_colour_contrast, _contrast_squared, "square root"),
    (checks.check_real_summary, _summary_mean, "the median, not the mean"),
    (checks.check_real_summary, _summary_ties, "a tie is not a win"),
    (checks.check_median_background, _background_mean, "ghost"),
    (checks.check_median_background, _background_float, "uint8"),
], ids=lambda value: getattr(value, "__name__", None))
def test_a_likely_mistake_is_named(check, student, hint):
    result = check(student, verbose=False)
    assert result.status == "failed" and hint in result.message, result.message


@pytest.mark.parametrize("check, reference", [
    (checks.check_rgba, checks.rgba_reference), (checks.check_colour_contrast, checks.colour_contrast_reference),
    (checks.check_real_summary, checks.real_summary_reference),
    (checks.check_median_background, checks.median_background_reference)])
def test_the_reference_passes_and_a_stub_is_not_done(check, reference):
    assert check(reference, verbose=False).passed

    def stub(*args):
        raise NotImplementedError

    assert check(stub, verbose=False).status == "not done"
    assert check(lambda *args: "nonsense", verbose=False).status == "failed"


def test_the_colour_contrast_reference_matches_a_hand_computed_case():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0, 0] = (3, 4, 0)                          # the product; the background is black
    alpha = np.array([[1, 0], [0, 0]], np.float32)
    assert checks.colour_contrast_reference(rgb, alpha) == pytest.approx(5.0)


def _box_inclusive(p, threshold, margin):
    from course_lib import hybrid
    box = hybrid.cnn_box(p, threshold=threshold, margin=margin)
    return None if box is None else (box[0], box[1], box[2] - 1, box[3] - 1)


def _box_unclipped(p, threshold, margin):
    rows, cols = np.flatnonzero((p >= threshold).any(axis=1)), np.flatnonzero((p >= threshold).any(axis=0))
    if rows.size == 0:
        return None
    x0, y0, x1, y1 = cols[0], rows[0], cols[-1] + 1, rows[-1] + 1
    dx, dy = int(np.ceil(margin * (x1 - x0))), int(np.ceil(margin * (y1 - y0)))
    return x0 - dx, y0 - dy, x1 + dx, y1 + dy


@pytest.mark.parametrize("student, hint", [(_box_inclusive, "exclusive"), (_box_unclipped, "clip")],
                         ids=["inclusive", "unclipped"])
def test_cnn_box_names_the_mistake(student, hint):
    result = checks.check_cnn_box(student, verbose=False)
    assert result.status == "failed" and hint in result.message, result.message


def test_colour_contrast_of_a_see_through_product_is_refused_with_the_reason():
    rgb = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match="see-through"):
        checks.colour_contrast_reference(rgb, np.full((4, 4), 0.4, np.float32))

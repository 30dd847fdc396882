"""course_lib.pipeline: every step is the function it names, pipelines survive JSON, caches and ablations count right.

tests/test_postprocess.py already covers the readable repr, a save/load round
trip of DEFAULT, trace/after, the main bad-input messages and one ablation;
this file covers the rest.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

from course_lib import classical, evaluate, postprocess, synth
from course_lib.datasets import Split
from course_lib.pipeline import (
    DEFAULT,
    FORMAT,
    STEPS,
    VERSION,
    CachedSegmenter,
    Pipeline,
    Step,
    ablation_methods,
    reference_segmenter,
    register,
)


@pytest.fixture(scope="module")
def photo():
    """A 64×64 product photo, its exact alpha, and a noisy soft alpha to postprocess."""
    sample = synth.make_sample(7, size=64, difficulty="medium")
    noise = np.random.default_rng(0).normal(0, 0.25, sample.alpha.shape)
    raw = np.clip(sample.alpha + noise, 0, 1).astype(np.float32)
    return sample.rgb, sample.alpha, raw


def tiny_split(n=3, size=48):
    samples = [synth.make_sample(30 + i, size=size) for i in range(n)]
    return Split(np.stack([s.rgb for s in samples]), np.stack([s.alpha for s in samples]),
                 np.array([s.meta["difficulty"] for s in samples]), [s.meta for s in samples], "tiny")


# --- each step is the function it names --------------------------------------------------------------------

REFERENCES = {
    "binarise": ({"threshold": 0.3}, lambda rgb, a: postprocess.binarise(a, 0.3)),
    "opening": ({"size": 5, "shape": "rect"}, lambda rgb, a: classical.opening(a >= 0.5, 5, "rect")),
    "closing": ({"size": 7, "shape": "cross"}, lambda rgb, a: classical.closing(a >= 0.5, 7, "cross")),
    "fill_holes": ({"max_area": 0.02}, lambda rgb, a: postprocess.fill_holes(a, 0.02)),
    "remove_specks": ({"min_area": 0.005}, lambda rgb, a: postprocess.remove_specks(a, 0.005)),
    "keep_largest": ({"relative_area": 0.5}, lambda rgb, a: postprocess.keep_largest(a, 0.5)),
    "feather": ({"sigma": 2.0}, lambda rgb, a: postprocess.feather(a, 2.0)),
    "guided_filter": ({"radius": 3, "eps": 0.01}, lambda rgb, a: postprocess.refine_guided(rgb, a, 3, 0.01)),
    "matting": ({"radius": 2}, lambda rgb, a: postprocess.refine_matting(rgb, a, 2)),
}


def test_every_registered_step_has_a_reference_here():
    assert set(REFERENCES) == set(STEPS), "a new step needs a line in REFERENCES"


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_a_step_gives_exactly_what_its_function_gives(name, photo):
    rgb, _, raw = photo
    params, reference = REFERENCES[name]
    expected = np.asarray(reference(rgb, raw))
    np.testing.assert_array_equal(Step(name, params)(rgb, raw), expected)
    # inside a pipeline the result comes back as H×W float32 (a mask as 0.0 / 1.0)
    out = Pipeline([(name, params)])(rgb, raw)
    assert out.dtype == np.float32 and out.shape == raw.shape
    np.testing.assert_array_equal(out, expected.astype(np.float32))


def test_a_pipeline_is_its_steps_applied_in_order(photo):
    rgb, _, raw = photo
    pipe = Pipeline([("binarise", {"threshold": 0.4}), ("opening", {"size": 3}), "fill_holes",
                     ("guided_filter", {"radius": 2})])
    expected = postprocess.binarise(raw, 0.4)
    expected = classical.opening(expected, 3, "ellipse")
    expected = postprocess.fill_holes(expected, None)
    expected = postprocess.refine_guided(rgb, expected.astype(np.float32), 2, 0.001)
    np.testing.assert_allclose(pipe(rgb, raw), expected, atol=1e-6)
    assert [label for label, _ in pipe.trace(rgb, raw)] == ["input"] + [s.label for s in pipe]


def test_an_empty_pipeline_returns_its_input_as_float32(photo):
    rgb, _, raw = photo
    np.testing.assert_array_equal(Pipeline()(rgb, raw), raw)
    np.testing.assert_array_equal(Pipeline()(rgb, raw > 0.5), (raw > 0.5).astype(np.float32))
    assert repr(Pipeline()) == "Pipeline(no steps)"


# --- building -------------------------------------------------------------------------------------------------


def test_every_way_of_naming_a_step_builds_the_same_pipeline():
    as_pairs = Pipeline([("closing", {"size": 7}), ("fill_holes", {})])
    as_dicts = Pipeline([{"step": "closing", "params": {"size": 7}}, {"step": "fill_holes"}])
    as_steps = Pipeline([Step("closing", {"size": 7}), Step("fill_holes")])
    chained = Pipeline().then("closing", size=7).then("fill_holes")
    added = Pipeline([("closing", {"size": 7})]) + "fill_holes"
    assert as_pairs == as_dicts == as_steps == chained == added
    assert len({hash(p) for p in (as_pairs, as_dicts, as_steps, chained, added)}) == 1
    assert as_pairs.steps[0].params == {"size": 7, "shape": "ellipse"}
    assert Pipeline("fill_holes") == Pipeline(["fill_holes"])
    assert as_pairs != Pipeline([("closing", {"size": 5}), ("fill_holes", {})])


def test_numpy_numbers_become_plain_values_and_ints_count_as_numbers():
    step = Step("closing", {"size": np.int64(7)})
    assert step.params["size"] == 7 and type(step.params["size"]) is int
    step = Step("feather", {"sigma": 2})                         # an int where a float is expected is fine
    assert step.params["sigma"] == 2
    step = Step("fill_holes", {"max_area": np.float32(0.25)})     # default None: any plain value
    assert type(step.params["max_area"]) is float
    json.loads(Pipeline([step]).to_json())


@pytest.mark.parametrize("build, words", [
    (lambda: Step("sharpen"), ["'sharpen'", "binarise"]),
    (lambda: Pipeline([("guided_filter", {"radius": 2, "sigma": 1})]), ["'guided_filter'", "'sigma'", "eps"]),
    (lambda: Step("closing", {"size": True}), ["'closing'", "size", "integer", "True"]),
    (lambda: Step("feather", {"sigma": "2"}), ["'feather'", "sigma", "number", "'2'"]),
    (lambda: Step("feather", {"sigma": float("nan")}), ["'feather'", "sigma=nan", "JSON"]),
    (lambda: Step("feather", {"sigma": [1.0]}), ["'feather'", "sigma=[1.0]"]),
    (lambda: Step("feather", [("sigma", 1.0)]), ["'feather'", "mapping", "list"]),
    (lambda: Pipeline([{"step": "feather", "parms": {}}]), ["step 0", "'parms'"]),
    (lambda: Pipeline(["fill_holes", 42]), ["step 1", "42"]),
])
def test_bad_steps_raise_value_error_naming_what_is_wrong(build, words):
    with pytest.raises(ValueError) as info:
        build()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


def test_register_refuses_a_taken_name_and_a_bad_signature_and_adds_nothing():
    before = dict(STEPS)
    with pytest.raises(ValueError, match="'feather' is already registered"):
        register("feather")(lambda rgb, alpha: alpha)
    with pytest.raises(ValueError, match=r"'swapped' must take \(rgb, alpha"):
        register("swapped")(lambda alpha, rgb: alpha)
    with pytest.raises(ValueError, match="'needy': parameter 'level' needs a default"):
        register("needy")(lambda rgb, alpha, level: alpha)
    assert STEPS == before


# --- saving ---------------------------------------------------------------------------------------------------


def test_json_round_trip_keeps_every_step_and_value(tmp_path):
    pipe = Pipeline([("binarise", {"threshold": 0.25}), ("closing", {"size": 9, "shape": "rect"}),
                     ("fill_holes", {"max_area": None}), ("feather", {"sigma": 0.5})])
    data = json.loads(pipe.to_json())
    assert data == {"format": FORMAT, "version": VERSION, "steps": [
        {"step": "binarise", "params": {"threshold": 0.25}},
        {"step": "closing", "params": {"size": 9, "shape": "rect"}},
        {"step": "fill_holes", "params": {"max_area": None}},
        {"step": "feather", "params": {"sigma": 0.5}}]}
    assert Pipeline.from_dict(pipe.to_dict()) == pipe
    path = pipe.save(tmp_path / "chain.json")
    assert Pipeline.load(path) == pipe
    assert Pipeline.load(Pipeline().save(tmp_path / "empty.json")) == Pipeline()


def test_save_replaces_a_file_only_when_asked(tmp_path):
    path = tmp_path / "chain.json"
    Pipeline(["fill_holes"]).save(path)
    with pytest.raises(FileExistsError, match=re.escape(str(path))):
        DEFAULT.save(path)
    assert Pipeline.load(path) == Pipeline(["fill_holes"])
    DEFAULT.save(path, overwrite=True)
    assert Pipeline.load(path) == DEFAULT


def test_loading_errors_name_the_file(tmp_path):
    missing = tmp_path / "absent.json"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        Pipeline.load(missing)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": FORMAT, "version": VERSION, "steps": [{"step": "blur"}]}))
    with pytest.raises(ValueError, match=re.escape(str(bad)) + ".*no step called 'blur'"):
        Pipeline.load(bad)
    not_a_list = tmp_path / "dict.json"
    not_a_list.write_text(json.dumps({"format": FORMAT, "version": VERSION, "steps": {"step": "feather"}}))
    with pytest.raises(ValueError, match=re.escape(str(not_a_list)) + ".*'steps' must be a list"):
        Pipeline.load(not_a_list)


# --- CachedSegmenter ---------------------------------------------------------------------------------------------


class Counting:
    def __init__(self):
        self.seen = []

    def __call__(self, rgb):
        self.seen.append(rgb.copy())
        return rgb[..., 0] > 100


def test_cached_segmenter_computes_each_distinct_image_once():
    segment = Counting()
    cached = CachedSegmenter(segment)
    images = [np.random.default_rng(s).integers(0, 256, (12, 12, 3), dtype=np.uint8) for s in range(3)]
    for rgb in images + [im.copy() for im in images]:
        np.testing.assert_array_equal(cached(rgb), rgb[..., 0] > 100)
    assert len(segment.seen) == 3
    edited = images[0].copy()
    edited[5, 5, 0] ^= 255
    np.testing.assert_array_equal(cached(edited), edited[..., 0] > 100)
    assert len(segment.seen) == 4


def test_cached_segmenter_evicts_the_oldest_image_first():
    segment = Counting()
    cached = CachedSegmenter(segment, max_items=2)
    first, second, third = (np.full((4, 4, 3), v, np.uint8) for v in (10, 120, 200))
    for rgb in (first, second, third):
        cached(rgb)
    assert len(segment.seen) == 3
    cached(second)
    cached(third)
    assert len(segment.seen) == 3, "the two newest images must still be cached"
    cached(first)
    assert len(segment.seen) == 4, "the oldest image must have been evicted"
    np.testing.assert_array_equal(segment.seen[-1], first)


# --- reference_segmenter -----------------------------------------------------------------------------------------


def test_reference_segmenter_returns_each_images_own_alpha_at_the_threshold():
    split = tiny_split()
    for threshold in (0.5, 0.1, 0.9):
        segment = reference_segmenter(split, threshold)
        for i in (2, 0, 1):
            mask = segment(split.rgb[i].copy())
            assert mask.dtype == bool
            np.testing.assert_array_equal(mask, split.alpha[i] >= threshold)
    assert not np.array_equal(reference_segmenter(split, 0.1)(split.rgb[0]),
                              reference_segmenter(split, 0.9)(split.rgb[0]))


# --- ablation_methods --------------------------------------------------------------------------------------------


def test_ablation_rows_are_the_pipelines_prefixes_on_every_image():
    split = tiny_split()
    pipe = Pipeline(["binarise", ("closing", {"size": 5}), "fill_holes", ("feather", {"sigma": 1.0})])
    raw = reference_segmenter(split, 0.3)
    methods = ablation_methods(raw, pipe, name="truth", alternatives=["guided_filter"])
    names = list(methods)
    assert names[0] == "truth" and names[1:5] == [f"+ {s.label}" for s in pipe]
    assert names[5] == "  guided_filter(radius=2, eps=0.001) instead"
    for i in range(len(split)):
        rgb = split.rgb[i]
        np.testing.assert_array_equal(methods["truth"](rgb), (split.alpha[i] >= 0.3).astype(np.float32))
        for k in range(1, len(pipe) + 1):
            np.testing.assert_array_equal(methods[names[k]](rgb), pipe[:k](rgb, raw(rgb)))
        # the alternative replaces the last step: guided filter after the first three
        np.testing.assert_array_equal(methods[names[5]](rgb),
                                      pipe[:3].then("guided_filter")(rgb, raw(rgb)))


def test_ablation_runs_every_step_once_per_image(monkeypatch):
    split = tiny_split()
    calls: dict[str, int] = {}
    for name in ("opening", "fill_holes", "feather"):
        original = STEPS[name].function

        def counting(rgb, alpha, _original=original, _name=name, **params):
            calls[_name] = calls.get(_name, 0) + 1
            return _original(rgb, alpha, **params)
        monkeypatch.setitem(STEPS, name, dataclasses.replace(STEPS[name], function=counting))
    segment = Counting()
    methods = ablation_methods(segment, Pipeline(["opening", "fill_holes"]), alternatives=["feather"])
    rows = evaluate.evaluate_methods(methods, split, progress=False)
    assert not any(r["error"] for r in rows) and len(rows) == len(split) * len(methods)
    assert len(segment.seen) == len(split)
    assert calls == {"opening": len(split), "fill_holes": len(split), "feather": len(split)}


def test_ablation_names_repeated_steps_apart_and_needs_steps_for_alternatives():
    methods = ablation_methods(lambda rgb: rgb[..., 0] > 0, Pipeline(["fill_holes", "fill_holes"]))
    assert list(methods) == ["raw", "+ fill_holes(max_area=None)", "+ fill_holes(max_area=None) #2"]
    with pytest.raises(ValueError, match="pipeline is empty"):
        ablation_methods(lambda rgb: rgb[..., 0] > 0, Pipeline(), alternatives=["feather"])

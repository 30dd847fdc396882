"""course_lib.datasets: manifest-driven splits, balanced subsets, a cache that cannot go stale."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course_lib import datasets, synth


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({
        "size": 32,
        "difficulty_mix": {"easy": 0.3, "medium": 0.35, "hard": 0.35},
        "splits": {"train": {"seed": 1, "count": 12}, "test": {"seed": 2, "count": 9}},
    }))
    return path


def test_split_shapes_and_balance(manifest, tmp_path):
    split = datasets.load_split("test", manifest_path=manifest, cache_dir=tmp_path / "c", progress=False)
    assert split.rgb.shape == (9, 32, 32, 3) and split.rgb.dtype == np.uint8
    assert split.alpha.shape == (9, 32, 32) and split.alpha.dtype == np.float32
    assert len(split.meta) == 9 and len(split) == 9
    assert set(split.difficulty[:3]) == set(synth.DIFFICULTIES), "the first images cover every difficulty"
    assert [m["difficulty"] for m in split.meta] == list(split.difficulty)


def test_limit_is_a_prefix_of_the_full_split(manifest, tmp_path):
    full = datasets.load_split("train", manifest_path=manifest, cache_dir=tmp_path / "c", progress=False)
    part = datasets.load_split("train", limit=5, manifest_path=manifest, cache_dir=tmp_path / "c",
                               progress=False)
    np.testing.assert_array_equal(part.rgb, full.rgb[:5])


def test_cache_is_reused(manifest, tmp_path, monkeypatch):
    cache = tmp_path / "c"
    first = datasets.load_split("test", manifest_path=manifest, cache_dir=cache, progress=False)
    assert len(list(cache.glob("*.npz"))) == 1

    def fail(*args, **kwargs):
        raise AssertionError("regenerated although a valid cache exists")

    monkeypatch.setattr(datasets, "generate_split", fail)
    again = datasets.load_split("test", manifest_path=manifest, cache_dir=cache, progress=False)
    np.testing.assert_array_equal(first.rgb, again.rgb)
    assert first.meta == again.meta


def test_changed_manifest_invalidates_the_cache(manifest, tmp_path):
    cache = tmp_path / "c"
    first = datasets.load_split("test", manifest_path=manifest, cache_dir=cache, progress=False)
    recipe = json.loads(manifest.read_text())
    recipe["splits"]["test"]["seed"] = 3
    manifest.write_text(json.dumps(recipe))
    second = datasets.load_split("test", manifest_path=manifest, cache_dir=cache, progress=False)
    assert not np.array_equal(first.rgb, second.rgb)
    assert len(list(cache.glob("*.npz"))) == 2


def test_generator_version_is_part_of_the_cache_key(manifest, tmp_path, monkeypatch):
    cache = tmp_path / "c"
    datasets.load_split("test", manifest_path=manifest, cache_dir=cache, progress=False)
    monkeypatch.setattr(synth, "GENERATOR_VERSION", synth.GENERATOR_VERSION + 1)
    datasets.load_split("test", manifest_path=manifest, cache_dir=cache, progress=False)
    assert len(list(cache.glob("*.npz"))) == 2


@pytest.mark.parametrize("kwargs, match", [
    ({"name": "holdout"}, "holdout"), ({"name": "test", "limit": 0}, "limit"),
    ({"name": "test", "limit": 99}, "limit"),
])
def test_bad_requests_are_named(manifest, tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.load_split(manifest_path=manifest, cache_dir=tmp_path, progress=False, **kwargs)


def test_bad_manifest_is_named(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"size": 32, "splits": {}, "difficulty_mix": {"easy": 1.0}}))
    with pytest.raises(ValueError, match="difficulty_mix"):
        datasets.read_manifest(path)


def test_the_kit_manifest_is_valid():
    manifest = datasets.read_manifest()
    assert set(manifest["splits"]) == set(datasets.SPLITS)
    seeds = [s["seed"] for s in manifest["splits"].values()]
    assert len(set(seeds)) == len(seeds), "splits must not share a seed"


def test_difficulty_plan_follows_the_mix():
    plan = datasets.difficulty_plan(100, {"easy": 0.3, "medium": 0.35, "hard": 0.35}, seed=0)
    counts = {d: plan.count(d) for d in synth.DIFFICULTIES}
    assert counts == {"easy": 30, "medium": 35, "hard": 35}


def test_tf_dataset_shapes_and_determinism(manifest, tmp_path):
    split = datasets.load_split("train", manifest_path=manifest, cache_dir=tmp_path, progress=False)
    ds = datasets.as_tf_dataset(split, batch_size=4, shuffle=True, augment=True, seed=3)
    x, y = next(iter(ds))
    assert tuple(x.shape) == (4, 32, 32, 3) and x.dtype.name == "float32"
    assert tuple(y.shape) == (4, 32, 32, 1)
    assert float(x.numpy().min()) >= 0 and float(x.numpy().max()) <= 1
    x2, _ = next(iter(datasets.as_tf_dataset(split, batch_size=4, shuffle=True, augment=True, seed=3)))
    np.testing.assert_allclose(x.numpy(), x2.numpy())
    plain = next(iter(datasets.as_tf_dataset(split, batch_size=4, shuffle=False)))
    np.testing.assert_allclose(plain[0].numpy(), split.rgb[:4] / 255.0, atol=1e-6)


def test_strong_augmentation_is_deterministic_and_differs_from_standard():
    split = datasets.load_split("test", limit=4, size=32, progress=False)
    draws = [next(iter(datasets.as_tf_dataset(split, batch_size=4, shuffle=False, augment=a, seed=1)))
             for a in ("strong", "strong", "standard")]
    np.testing.assert_array_equal(draws[0][0].numpy(), draws[1][0].numpy())
    assert not np.allclose(draws[0][0].numpy(), draws[2][0].numpy())
    x, y = draws[0]
    assert 0 <= x.numpy().min() and x.numpy().max() <= 1 and 0 <= y.numpy().min() and y.numpy().max() <= 1


def test_unknown_augmentation_is_named():
    split = datasets.load_split("test", limit=2, size=32, progress=False)
    with pytest.raises(ValueError, match="wild"):
        datasets.as_tf_dataset(split, augment="wild")

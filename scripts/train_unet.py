"""Train the course's U-Net from scratch on the synthetic train split and save the checkpoint.

    .venv/bin/python scripts/train_unet.py                 # the shipped model (make model)
    .venv/bin/python scripts/train_unet.py --epochs 2 --limit 200 --out build/quick   # a quick try

Writes ``<out>/unet.keras`` (uncompiled, loadable with safe_mode=True, any input
size divisible by 16) and ``<out>/training.json`` (the recipe, the per-epoch
history, wall time, machine). ``scripts/model_card.py`` then scores it and writes
the model card.
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

from course_lib import datasets, training, unet  # noqa: E402
from course_lib.config import DATA_DIR  # noqa: E402


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
    if (args.out / "unet.keras").exists() and not args.force:
        parser.error(f"{args.out / 'unet.keras'} exists; pass --force to replace it, or choose another --out")

    train = datasets.load_split("train", limit=args.limit)
    val = datasets.load_split("val")
    size = train.rgb.shape[1]
    print(f"training a U-Net (base {args.base_filters}, depth {args.depth}) on {len(train)} images of "
          f"{size}×{size}, validating on {len(val)}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    init = None
    if args.init is not None:
        from course_lib import inference

        init = inference.load_pretrained(args.init)
        print(f"fine-tuning from {args.init}", flush=True)
    model, history, seconds = training.fit_unet(
        train, val, epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
        base_filters=args.base_filters, depth=args.depth, seed=args.seed, patience=args.patience,
        callbacks=[training.ProgressLine()], augment=args.augment, init_from=init)

    # ship an uncompiled copy that accepts any size: no optimizer state, no custom objects needed to load it
    shipped = unet.build_unet(None, args.base_filters, args.depth)
    shipped.set_weights(model.get_weights())
    target = args.out / "unet.keras"
    tmp = args.out / "unet.tmp.keras"
    shipped.save(tmp)
    os.replace(tmp, target)

    record = {
        "command": "python scripts/train_unet.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "recipe": {"epochs_requested": args.epochs, "epochs_run": len(history.history["loss"]),
                   "batch_size": args.batch_size, "base_filters": args.base_filters, "depth": args.depth,
                   "learning_rate": args.lr, "schedule": "cosine decay to 5%", "seed": args.seed,
                   "train_images": len(train), "val_images": len(val), "image_size": size,
                   "augmentation": datasets.AUGMENTATIONS[args.augment],
                   "loss": "per-pixel cross-entropy + Dice", "dataset_manifest": datasets.read_manifest(),
                   "fine_tuned_from": None if args.init is None else str(args.init)},
        "parameters": int(shipped.count_params()),
        "wall_seconds": round(seconds, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}, "
                   f"Python {platform.python_version()}, Keras {keras.__version__}",
        "history": {k: [round(float(v), 5) for v in vals] for k, vals in history.history.items()},
        "best_val_iou": round(max(history.history["val_iou"]), 4),
        "file_megabytes": round(target.stat().st_size / 1e6, 2),
    }
    (args.out / "training.json").write_text(json.dumps(record, indent=1))
    print(f"saved {target} ({record['file_megabytes']} MB) after {seconds / 60:.1f} min; "
          f"best val IoU {record['best_val_iou']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

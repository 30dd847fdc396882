"""Score the shipped U-Net and write its model card (JSON + Markdown) next to it.

    .venv/bin/python scripts/model_card.py                       # data/models/ (make model runs this)
    .venv/bin/python scripts/model_card.py --model-dir build/quick --limit 60

Reads ``<model-dir>/unet.keras`` and the ``training.json`` that
``scripts/train_unet.py`` wrote beside it, then measures, in this run
(:mod:`course_lib.model_scores`): the test split by difficulty (U-Net and every
lesson-01 method, through ``course_lib.evaluate``), the real photos of
``data/demo/`` (U-Net vs the classical methods), and inference throughput at
256×256. Writes ``model_card.json`` and ``MODEL_CARD.md`` (:mod:`course_lib.model_card`).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_lib import classical, datasets, demo, evaluate, inference, model_card, model_scores
from course_lib.config import DATA_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=DATA_DIR / "models")
    parser.add_argument("--limit", type=int, default=None, help="first N test images (default: all)")
    args = parser.parse_args(argv)
    target = args.model_dir / "unet.keras"
    model = inference.load_pretrained(target)
    training_record = json.loads((args.model_dir / "training.json").read_text())

    test = datasets.load_split("test", limit=args.limit)
    unet_alpha = inference.AlphaCache(model)
    unet_alpha.warm(test.rgb)
    methods = {"unet": unet_alpha, **classical.METHODS}
    test_scores = model_scores.score_table(evaluate.evaluate_methods(methods, test))

    real_split = demo.as_split()
    unet_alpha.warm(real_split.rgb)
    names = [p.name for p in demo.load_demo_set()]

    card = {
        "parameters": int(model.count_params()),
        "file_megabytes": round(target.stat().st_size / 1e6, 2),
        "training": training_record,
        "test_split": {"count": len(test), "seed": datasets.read_manifest()["splits"]["test"]["seed"],
                       "scores": test_scores},
        "quality_bar": model_scores.quality_bar(test_scores, inference.QUALITY_BAR, baselines=classical.METHODS),
        "demo_set": model_scores.demo_set_scores(methods, real_split, names, baselines=classical.METHODS),
        "images_per_second_256": round(model_scores.throughput(model), 1),
        "speed_cpu_cores": os.cpu_count(),
        "checkpoint": model_card.checkpoint_entry(target),
    }
    model_card.write_card(card, "shipped", args.model_dir / "MODEL_CARD.md", args.model_dir / "model_card.json")
    print(model_card.card_markdown(card, "shipped"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

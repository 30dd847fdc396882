"""U-Net inference throughput at 256×256 on this CPU, against GrabCut measured in the same run.

    .venv/bin/python benchmarks/bench_unet.py [--model data/models/unet.keras] [--n 64]

Three numbers, images per second:
- ``predict_alpha`` on 256×256 photos (scaled to the model's working size, 128, and back: what lessons use);
- the network run at 256×256 directly (it is fully convolutional);
- GrabCut (lesson 01's best classical method) on the same photos, the reference.
Goal from the issue: at least 10 images/s at 256×256.
"""

from __future__ import annotations

import os

from course_lib.timing import batch_rate, benchmark_parser

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from course_lib import classical, inference, synth


def main() -> None:
    parser = benchmark_parser(__doc__)
    parser.add_argument("--model", default=str(inference.MODEL_PATH))
    parser.add_argument("--n", type=int, default=64)
    args = parser.parse_args()
    model = inference.load_pretrained(args.model)
    photos = [synth.make_sample(seed, size=256).rgb for seed in range(args.n)]
    batch = np.stack(photos).astype(np.float32) / 255.0
    inference.predict_alpha_batch(model, photos[:4])                 # warm-up: graph tracing
    inference.run_model(model, batch[:16], 16)

    letterboxed = batch_rate(lambda: inference.predict_alpha_batch(model, photos), args.n)
    native = batch_rate(lambda: inference.run_model(model, batch, 16), args.n)
    n_ref = min(args.n, 16)
    grabcut = batch_rate(lambda: [classical.grabcut_mask(p) for p in photos[:n_ref]], n_ref)
    print(f"{args.n} photos of 256×256, {os.cpu_count()} CPU cores")
    print(f"predict_alpha (network at 128, alpha back at 256): {letterboxed:7.1f} images/s")
    print(f"network at 256×256 directly:                        {native:7.1f} images/s")
    print(f"GrabCut (reference, 5 iterations):                  {grabcut:7.1f} images/s")
    print(f"ratio predict_alpha / GrabCut: {letterboxed / grabcut:.1f}×;  "
          f"goal ≥ 10 images/s at 256×256: {'met' if letterboxed >= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()

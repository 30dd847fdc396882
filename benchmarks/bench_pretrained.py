"""VGG16 U-Net speed on this CPU, against the shipped from-scratch U-Net measured in the same run.

    .venv/bin/python benchmarks/bench_pretrained.py [--n 16] [--steps 3] [--train-batch 4]

Inference, images per second, for the shipped U-Net (``inference.load_pretrained()``)
and ``pretrained.build_vgg_unet(blocks=3, 4, 5)``:
- the network run on 256×256 images directly, batch 1 and batch 8;
- ``predict_alpha`` on 256×256 photos (network at the working size, 128, alpha back at 256: what lessons use).
Training, steps per second (``train_on_batch``, batch ``--train-batch``) at 128×128
and 256×256, VGG16 U-Net (blocks=4) with the encoder frozen and fine-tuned,
and the shipped U-Net's architecture from scratch as the reference.
Then the tools' real-photo CNN (``inference.load_real_model()``) through ``predict_alpha`` at its working
size, against the shipped U-Net at 128 in the same run. Goal from the issue: at least 10 images/s at 256×256.
"""

from __future__ import annotations

import os

from course_lib.timing import batch_rate, benchmark_parser, rate

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from course_lib import inference, pretrained, synth, training, unet


def inference_rates(model, photos: list[np.ndarray], batch: np.ndarray) -> tuple[float, float, float]:
    """Return images/s: network at 256 batch 1, batch 8, and predict_alpha (network at 128)."""
    n = len(photos)
    inference.run_model(model, batch[:1], 1)                  # warm-up: one graph per input shape
    inference.run_model(model, batch[:8], 8)
    inference.predict_alpha_batch(model, photos[:8], batch_size=8)
    one = rate(lambda i: inference.run_model(model, batch[i:i + 1], 1), n)
    eight = batch_rate(lambda: inference.run_model(model, batch, 8), n)
    letterboxed = batch_rate(lambda: inference.predict_alpha_batch(model, photos, batch_size=8), n)
    return one, eight, letterboxed


def training_rate(model, size: int, batch_size: int, steps: int) -> float:
    """Return ``train_on_batch`` steps per second on generated samples of ``size``×``size`` (after one warm-up)."""
    samples = [synth.make_sample(seed, size=size) for seed in range(batch_size)]
    x = np.stack([s.rgb for s in samples]).astype(np.float32) / 255.0
    y = np.stack([s.alpha for s in samples])[..., None]
    training.compile_unet(model, learning_rate=1e-4)
    model.train_on_batch(x, y)
    return rate(lambda _: model.train_on_batch(x, y), steps)


def main() -> None:
    args = benchmark_parser(__doc__, n=16, steps=3, train_batch=4).parse_args()
    photos = [synth.make_sample(seed, size=256).rgb for seed in range(args.n)]
    batch = np.stack(photos).astype(np.float32) / 255.0
    print(f"{args.n} photos of 256×256, {os.cpu_count()} CPU cores; images/s")
    print(f"{'model':28s} {'params':>11s} {'256 b=1':>8s} {'256 b=8':>8s} {'predict_alpha':>14s}")
    models = [("shipped U-Net (scratch)", inference.load_pretrained())]
    models += [(f"VGG16 U-Net blocks={b}", pretrained.build_vgg_unet(blocks=b)) for b in (3, 4, 5)]
    for label, model in models:
        one, eight, letterboxed = inference_rates(model, photos, batch)
        print(f"{label:28s} {model.count_params():11,d} {one:8.1f} {eight:8.1f} {letterboxed:14.1f}")

    real_model, size = inference.load_real_model()
    inference.predict_alpha_batch(real_model, photos[:8], size=size, batch_size=8)
    real_rate = batch_rate(lambda: inference.predict_alpha_batch(real_model, photos, size=size, batch_size=8), args.n)
    shipped = models[0][1]
    shipped_rate = batch_rate(lambda: inference.predict_alpha_batch(shipped, photos, batch_size=8), args.n)
    print(f"\nthe tools' real-photo CNN ({inference.REAL_MODEL_PATH.name}, network at {size} px), photos of 256×256: "
          f"{real_rate:.1f} images/s; the shipped U-Net at {inference.WORK_SIZE} px in the same run "
          f"{shipped_rate:.1f} (ratio {real_rate / shipped_rate:.2f}); the issue asks for at least 10")

    print(f"\ntraining steps/s, batch {args.train_batch}, {args.steps} timed steps")
    print(f"{'model':36s} {'128×128':>8s} {'256×256':>8s}")
    makers = {"shipped U-Net architecture (scratch)": unet.build_unet,
              "VGG16 U-Net blocks=4, encoder frozen": lambda s: pretrained.build_vgg_unet(s, freeze_encoder=True),
              "VGG16 U-Net blocks=4, fine-tuned": pretrained.build_vgg_unet}
    for label, make in makers.items():
        steps = [training_rate(make(size), size, args.train_batch, args.steps) for size in (128, 256)]
        print(f"{label:36s} {steps[0]:8.2f} {steps[1]:8.2f}")


if __name__ == "__main__":
    main()

"""How fast the synthetic product photos are generated, against a plain reference in the same run.

    .venv/bin/python benchmarks/bench_synth.py [--size 256] [--n 60]

The reference is the cheapest possible "photo" of the same size: a flat colour
with one anti-aliased ellipse drawn by OpenCV. The ratio says what the realism
(shading, labels, shadows, textures, camera effects) costs. The domain-randomised
scenes (course_lib.synth_scenes: several objects, real textures, perspective
floors) are timed in the same run; a training run at 6–15 images/s on two
cores must not wait for them.
"""

from __future__ import annotations

import cv2
import numpy as np

from course_lib import synth, synth_scenes
from course_lib.timing import benchmark_parser, rate


def reference_sample(seed: int, size: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.full((size, size, 3), rng.integers(0, 256, 3), np.uint8)
    cv2.ellipse(image, (size // 2, size // 2), (size // 4, size // 3), 0, 0, 360,
                tuple(int(c) for c in rng.integers(0, 256, 3)), -1, cv2.LINE_AA)
    return image


def main() -> None:
    args = benchmark_parser(__doc__, size=256, n=60).parse_args()
    synth.make_sample(0, size=args.size)  # load the bundled textures once, outside the timing
    ours = rate(lambda i: synth.make_sample(1000 + i, size=args.size), args.n)
    ref = rate(lambda i: reference_sample(i, args.size), args.n)
    small = rate(lambda i: synth.make_sample(2000 + i, size=128), args.n)
    synth_scenes.make_scene(0, size=args.size)
    scenes = rate(lambda i: synth_scenes.make_scene(3000 + i, size=args.size), args.n)
    print(f"synthetic samples at {args.size}×{args.size}: {ours:7.1f} /s  (one core)")
    print(f"synthetic samples at 128×128: {small:7.1f} /s")
    print(f"reference (flat colour + ellipse) at {args.size}: {ref:7.1f} /s")
    print(f"ratio reference / synth at {args.size}: {ref / ours:.0f}× (the cost of realism)")
    print(f"domain-randomised scenes at {args.size}×{args.size}: {scenes:7.1f} /s "
          f"({scenes / ours:.2f}× the single-product samples)")


if __name__ == "__main__":
    main()

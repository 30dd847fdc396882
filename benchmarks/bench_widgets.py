"""Slider redraw time of each lesson-01 panel at 256×256, against the cost of drawing alone.

    .venv/bin/python benchmarks/bench_widgets.py [--size 256] [--repeats 15]

A redraw = compute the mask + build the picture strip + PNG-encode + score. The
reference is the same redraw with the mask computation skipped, measured in the
same run, so the ratio shows what the method itself costs. Goal: under 0.3 s
for every family except GrabCut.
"""

from __future__ import annotations

from course_lib import synth
from course_lib.timing import benchmark_parser, median_of
from course_lib.views import classical_panels


def main() -> None:
    args = benchmark_parser(__doc__, size=256, repeats=15).parse_args()
    sample = synth.make_sample(3, size=args.size, difficulty="medium")
    print(f"redraw at {args.size}×{args.size}, median of {args.repeats}")
    print(f"{'family':12s} {'redraw ms':>10s} {'draw-only ms':>13s} {'ratio':>7s}  under 0.3 s?")
    for name in classical_panels.FAMILIES:
        panel = classical_panels.MethodPanel(name, sample.rgb, sample.alpha)
        total = 1000 * median_of(lambda _k, panel=panel: panel.redraw(),
                                 args.repeats if name != "grabcut" else 5)     # ms
        panel.compute_mask = lambda fixed=panel.mask: fixed        # the reference: everything but the method
        draw = 1000 * median_of(lambda _k, panel=panel: panel.redraw(), args.repeats)
        ok = "yes" if total < 300 else ("no (expected: GrabCut)" if name == "grabcut" else "NO")
        print(f"{name:12s} {total:10.1f} {draw:13.1f} {total / draw:7.1f}  {ok}")


if __name__ == "__main__":
    main()

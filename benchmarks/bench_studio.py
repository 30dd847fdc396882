"""Slider redraw time of the comparison studio on a 512×512 photo, against the cost of drawing alone.

    .venv/bin/python benchmarks/bench_studio.py [--size 512] [--repeats 15]

A redraw is what one slider move costs the learner, through the same widget
events a browser triggers: for a classical family, its mask (lesson 01's
panel) plus that side's pictures and scores; for the U-Net, re-thresholding
the cached probability, lesson 06's chain (default: open, close, fill holes,
largest component, guided filter), the pictures and the scores. The reference,
measured in the same run, is drawing one side alone (strip, PNG, scores) with
the mask given. Goal: under 0.3 s for every family except GrabCut, and for the
threshold. The studio works at PANEL_SIDE pixels on a side, so the
photo is shown (and the classical methods run) at 256×256; the U-Net predicts
on the full photo once, before the timing starts.
"""

from __future__ import annotations

import numpy as np

from course_lib import synth
from course_lib.datasets import Split
from course_lib.timing import benchmark_parser, median_of
from course_lib.views import classical_panels, studio


def _model():
    from course_lib import inference, unet

    try:
        return inference.load_pretrained(), "the shipped checkpoint"
    except FileNotFoundError:
        return unet.build_unet(None, 16, 4), "an untrained U-Net (no checkpoint in data/models)"


def main() -> None:
    args = benchmark_parser(__doc__, size=512, repeats=15).parse_args()
    sample = synth.make_sample(3, size=args.size, difficulty="medium")
    split = Split(sample.rgb[None], sample.alpha[None], np.array(["medium"]), [sample.meta], "bench")
    model, which = _model()
    app = studio.Studio(split, model)
    print(f"studio redraw for a {args.size}×{args.size} photo (shown at {app.rgb.shape[1]}×{app.rgb.shape[0]}), "
          f"median of {args.repeats}; U-Net: {which}")
    # the reference times the private drawing step alone: no public method draws without computing
    draw = 1000 * median_of(lambda k: app._draw("classical", app.alpha["classical"]), args.repeats)  # noqa: SLF001
    print(f"reference: drawing one side alone {draw:.1f} ms")
    print(f"{'slider':30s} {'redraw ms':>10s} {'ratio':>7s}  under 0.3 s?")
    moves = {"threshold": ("threshold", 100, 140), "otsu": ("size", 5, 9), "adaptive": ("block_size", 51, 71),
             "morphology": ("size", 5, 9),
             "flood_fill": ("tolerance", 6.0, 8.0), "edges": ("low", 30, 40)}
    for family in classical_panels.FAMILIES:
        if classical_panels.FAMILIES[family].slow:
            continue                                          # GrabCut: seconds by design, not a slider demo
        app.controls["family"].value = family
        name, a, b = moves[family]
        control = app.classical_panel.controls[name]
        total = 1000 * median_of(lambda k, control=control, a=a, b=b: setattr(control, "value", a if k % 2 else b),
                                 args.repeats)
        print(f"{'classical: ' + family + ' ' + name:30s} {total:10.1f} {total / draw:7.1f}  "
              f"{'yes' if total < 300 else 'NO'}")
    threshold = app.controls["threshold"]
    total = 1000 * median_of(lambda k: setattr(threshold, "value", 0.45 if k % 2 else 0.55), args.repeats)
    print(f"{'U-Net: threshold (cached)':30s} {total:10.1f} {total / draw:7.1f}  {'yes' if total < 300 else 'NO'}")
    radius = app.controls["radius"]
    total = 1000 * median_of(lambda k: setattr(radius, "value", 1 if k % 2 else 2), args.repeats)
    print(f"{'U-Net: guided filter radius':30s} {total:10.1f} {total / draw:7.1f}  {'yes' if total < 300 else 'NO'}")


if __name__ == "__main__":
    main()

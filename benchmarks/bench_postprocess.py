"""Time per postprocessing step at 512×512, against OpenCV's box filter in the same run, and on the demo photos.

    .venv/bin/python benchmarks/bench_postprocess.py [--size 512] [--radius 4] [--threads 1] [--repeat 7]

Part 1 times every step of lesson 06 on one synthetic photo (a bag: a thin
handle, on a textured background) whose raw mask is the exact alpha,
binarised, with specks and holes punched in (seeded). Each time is the best of
``--repeat`` calls after a warm-up. The reference is ``cv2.boxFilter`` with the
same radius on a float32 mask, timed in the same run, so the ratio column says
what a step costs in box filters, whatever the machine's load; a
``cv2.GaussianBlur`` of the same radius is printed for comparison with the
guided filter, which is about seventeen box filters (colour guide) plus a 3×3
solve per pixel, in NumPy.

Part 2 runs the whole default chain (``course_lib.pipeline.DEFAULT``),
closed-form matting and the foreground estimate on every demo photo at its own
size, from GrabCut's mask — real photos are the test that matters.

OpenCV, BLAS and numba get ``--threads`` threads (default 1: on a shared
machine, one core each is the comparison that does not change with the
neighbours' load).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from course_lib.timing import benchmark_parser, best_of, set_threads


def raw_mask(alpha, seed: int = 0):
    """Return the exact alpha binarised, with 30 specks outside and 10 pinholes inside (seeded)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    mask = alpha >= 0.5
    h, w = mask.shape
    for value, count in ((True, 30), (False, 10)):
        ys, xs = np.nonzero(mask != value)
        for k in rng.choice(len(ys), count, replace=False):
            mask[ys[k]:ys[k] + 3, xs[k]:xs[k] + 3] = value
    return mask


def main(argv=None) -> None:
    parser = benchmark_parser(__doc__, size=512)
    parser.add_argument("--radius", type=int, default=4, help="radius of the box filter, guided filter and trimap")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-demo", action="store_true", help="skip part 2 (the demo photos)")
    args = parser.parse_args(argv)
    set_threads(args.threads)       # before NumPy, OpenCV and numba are imported below

    import cv2
    import numpy as np

    from course_lib import classical, demo, imageio, pipeline, synth
    from course_lib import postprocess as pp
    from course_lib.box_filter import box_mean
    from course_lib.compositing import composite

    cv2.setNumThreads(args.threads)
    r, k = args.radius, 2 * args.radius + 1
    sample = synth.make_sample(11, size=args.size, product="bag", background="texture")
    rgb, truth = sample.rgb, sample.alpha
    raw = raw_mask(truth)
    clean = pipeline.DEFAULT[:5](rgb, raw) >= 0.5
    soft = pp.refine_guided(rgb, clean, r, 1e-3)
    fore = pp.estimate_foreground(rgb, soft)
    tri = pp.trimap(clean, r)
    mask32 = clean.astype(np.float32)
    folder = Path(tempfile.mkdtemp(prefix="bench_postprocess_"))
    saved = iter(range(10 ** 6))

    reference = 1000 * best_of(lambda: cv2.boxFilter(mask32, -1, (k, k)), args.repeat * 3)     # ms
    steps = [
        (f"cv2.boxFilter {k}×{k} (reference)", lambda: cv2.boxFilter(mask32, -1, (k, k))),
        (f"cv2.GaussianBlur {k}×{k}", lambda: cv2.GaussianBlur(mask32, (k, k), 0)),
        ("binarise", lambda: pp.binarise(soft)),
        ("opening 3 (classical.opening)", lambda: classical.opening(raw, 3)),
        ("closing 5 (classical.closing)", lambda: classical.closing(raw, 5)),
        ("fill_holes (border flood fill)", lambda: pp.fill_holes(raw)),
        ("fill_holes, max_area=0.01", lambda: pp.fill_holes(raw, 0.01)),
        ("remove_specks", lambda: pp.remove_specks(raw)),
        ("keep_largest", lambda: pp.keep_largest(raw, 0.3)),
        (f"trimap radius {r}", lambda: pp.trimap(clean, r)),
        (f"box_mean radius {r} (NumPy cumsum)", lambda: box_mean(mask32, r)),
        (f"guided_filter grey guide r={r}", lambda: pp.guided_filter(classical.grey_luma(rgb), clean, r, 1e-3)),
        (f"guided_filter colour guide r={r}", lambda: pp.guided_filter(rgb, clean, r, 1e-3)),
        ("feather σ=1", lambda: pp.feather(clean, 1.0)),
        (f"matting (closed-form, band ±{r})", lambda: pp.matting(rgb, tri)),
        ("estimate_foreground (pymatting ML)", lambda: pp.estimate_foreground(rgb, soft)),
        ("composite on white (F given)", lambda: composite(rgb, soft, "white", foreground=fore)),
        ("save_png RGBA", lambda: imageio.save_png(folder / f"{next(saved)}.png", fore, soft)),
        ("whole DEFAULT pipeline", lambda: pipeline.DEFAULT(rgb, raw)),
    ]
    print(f"Part 1: one {args.size}×{args.size} photo, best of {args.repeat}, {args.threads} thread(s); "
          f"ratio = time / cv2.boxFilter {k}×{k} on a float32 mask ({reference:.3f} ms)")
    print(f"{'step':42s} {'ms':>9s} {'× box':>9s}")
    for name, fn in steps:
        repeat = args.repeat if "matting" not in name else 3
        ms = reference if name.endswith("(reference)") else 1000 * best_of(fn, repeat)
        print(f"{name:42s} {ms:9.2f} {ms / reference:9.1f}")
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()

    if args.no_demo:
        return
    print("\nPart 2: the demo photos at their own size, from GrabCut's mask (one run each, ms)")
    print(f"{'photo':12s} {'size':>9s} {'grabcut':>9s} {'DEFAULT':>9s} {'matting':>9s} {'foreground':>11s}")
    totals = []
    for photo in demo.load_demo_set():
        h, w = photo.rgb.shape[:2]
        start = time.perf_counter()
        mask = classical.grabcut_mask(photo.rgb)
        t_grab = time.perf_counter()
        alpha = pipeline.DEFAULT(photo.rgb, mask)
        t_chain = time.perf_counter()
        pp.refine_matting(photo.rgb, alpha >= 0.5, r)
        t_mat = time.perf_counter()
        pp.estimate_foreground(photo.rgb, alpha)
        t_fore = time.perf_counter()
        times = [t_grab - start, t_chain - t_grab, t_mat - t_chain, t_fore - t_mat]
        totals.append(times)
        print(f"{photo.name:12s} {f'{w}×{h}':>9s} " + " ".join(f"{1000 * t:9.0f}" for t in times[:3])
              + f" {1000 * times[3]:11.0f}")
    median = np.median(np.array(totals), axis=0) * 1000
    print(f"{'median':12s} {'':>9s} " + " ".join(f"{t:9.0f}" for t in median[:3]) + f" {median[3]:11.0f}")


if __name__ == "__main__":
    main()

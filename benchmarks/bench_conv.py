"""How fast the course's NumPy convolution is, next to TensorFlow's and the seven-loop version, in one run.

    .venv/bin/python benchmarks/bench_conv.py [--size 128] [--channels 16] [--threads 1]

Input ``1×size×size×channels`` float32, kernels ``3×3×channels×channels``,
``padding="same"``. ``conv2d`` (im2col + one matrix product) and
``tf.nn.conv2d`` run on the same input; the best of several repeats counts.
``conv2d_naive`` (plain loops) runs on a small crop of the input, and its time
is scaled up by the number of multiply-adds (its cost per multiply-add is
constant), with the ratio on the crop itself printed too.

Both libraries get ``--threads`` threads (default 1: on a shared machine, one
core each is the comparison that does not change with the neighbours' load).
"""

from __future__ import annotations

import sys

from course_lib.timing import benchmark_parser, best_of, set_threads


def main(argv=None) -> None:
    parser = benchmark_parser(__doc__, size=128, channels=16)
    parser.add_argument("--naive-size", type=int, default=12, help="side of the crop timed with conv2d_naive")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    set_threads(args.threads)       # before NumPy and TensorFlow are imported below

    import numpy as np
    import tensorflow as tf

    from course_lib import scratch

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    rng = np.random.default_rng(0)
    c = args.channels
    x = rng.normal(size=(1, args.size, args.size, c)).astype(np.float32)
    w = rng.normal(size=(3, 3, c, c)).astype(np.float32)
    b = rng.normal(size=c).astype(np.float32)
    xt, wt, bt = tf.constant(x), tf.constant(w), tf.constant(b)

    ours_out = scratch.conv2d(x, w, b, padding="same")
    tf_out = (tf.nn.conv2d(xt, wt, 1, "SAME") + bt).numpy()
    agree = float(np.max(np.abs(ours_out - tf_out)))

    # interleave the two so that a burst of load on the machine hits both
    ours_t, tf_t = float("inf"), float("inf")
    for _ in range(3):
        ours_t = min(ours_t, best_of(lambda: scratch.conv2d(x, w, b, padding="same"),
                                     repeat=args.repeat // 3 + 1, number=10))
        # the lambda must run the convolution on every call, not once to pick `.numpy`
        tf_t = min(tf_t, best_of(lambda: (tf.nn.conv2d(xt, wt, 1, "SAME") + bt).numpy(),  # noqa: PLW0108
                                 repeat=args.repeat // 3 + 1, number=10))

    crop = x[:, : args.naive_size, : args.naive_size]
    naive_small = best_of(lambda: scratch.conv2d_naive(crop, w, b, padding="same"), repeat=3, number=1)
    ours_small = best_of(lambda: scratch.conv2d(crop, w, b, padding="same"), repeat=args.repeat, number=20)
    naive_t = naive_small * (args.size / args.naive_size) ** 2     # multiply-adds grow with the output area

    macs = args.size * args.size * 9 * c * c
    print(f"conv2d 'same', input 1×{args.size}×{args.size}×{c} float32, kernels 3×3×{c}×{c} "
          f"({macs / 1e6:.1f} M multiply-adds), {args.threads} thread(s); python {sys.version.split()[0]}, "
          f"numpy {np.__version__}, tensorflow {tf.__version__}")
    print(f"  scratch.conv2d (im2col + matmul): {ours_t * 1e3:9.3f} ms")
    print(f"  tf.nn.conv2d                    : {tf_t * 1e3:9.3f} ms")
    print(f"  scratch.conv2d_naive            : {naive_t * 1e3:9.1f} ms  (measured on 1×{args.naive_size}×"
          f"{args.naive_size}×{c}: {naive_small * 1e3:.1f} ms, scaled by the output area)")
    print(f"  largest difference ours vs tf   : {agree:.2e}")
    print(f"ratio ours / tf          : {ours_t / tf_t:6.2f}×")
    print(f"ratio naive / ours       : {naive_t / ours_t:6.0f}×  "
          f"(on the {args.naive_size}×{args.naive_size} crop itself: {naive_small / ours_small:.0f}×)")


if __name__ == "__main__":
    main()

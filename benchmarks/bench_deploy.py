"""Where the time of course-cutout goes: each stage per image, batch sizes, threads, the tool against GrabCut, Dask.

    .venv/bin/python benchmarks/bench_deploy.py [--size 512] [--n 16] [--threads 1,2] [--batch-sizes 1,8,32]
                                                [--parts stages,cli,dask] [--workers 1,2] [--json out.json]

Three parts, on generated product photos of ``--size``² pixels written as PNG files:

``stages``  one photo's way through the tool, each stage timed alone (best of ``--repeat``):
            decode (PNG and JPEG), resize to the network (letterbox), the network at each of
            ``--batch-sizes`` (per photo), resize back, every step of lesson 06's chain
            (``pipeline.DEFAULT``), the foreground estimate (as the tool runs it: numba on one
            thread; also with numba's default threads) and compositing, PNG encoding and
            the atomic write. Run once per ``--threads`` count, each in a fresh process (thread
            counts are read when NumPy, OpenCV and TensorFlow start; every core: this process).
``cli``     the tool's own loop (``catalogue.run``, what ``course-cutout`` runs) over ``--n`` photos:
            the CNN + lesson 06's chain, against GrabCut + the same chain on the same photos in
            the same process; images per second after the model is loaded, and what starting costs
            (a fresh process importing TensorFlow and loading the model).
``dask``    the same photos, CNN + chain, on a Dask LocalCluster of each ``--workers`` count of
            processes (warmed up: model loaded) against the plain loop; images per second of
            each, and whether every output has the same bytes. One worker measures what Dask
            itself costs; more workers on the same cores, what processes gain or lose here.

``export``  (only when asked: ``--parts export``) the default model exported as TFLite float32, float16,
            dynamic-range int8 and full int8 (:mod:`course_lib.export`), each with its file size, time
            per 256×256 photo and mean IoU on ``--n-test`` generated test images and on the real
            holdout photos, next to the Keras model, Otsu and GrabCut.

``--json PATH`` writes every number (lesson 08 reads it); the tables are printed either way.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course_lib.timing import batch_rate, benchmark_parser, best_of, set_threads


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _photos(folder: Path, n: int, size: int) -> list[Path]:
    """Write ``n`` generated photos (seeded, mixed difficulties) as PNG files into ``folder``; return their paths."""
    from course_lib import imageio, synth

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        path = folder / f"photo_{k:03d}.png"
        if not path.exists():
            imageio.save_png(path, synth.make_sample(4000 + k, size=size).rgb)
        paths.append(path)
    return paths


def stages(folder: Path, size: int, threads: int, batch_sizes: list[int], repeat: int) -> dict:
    """Return milliseconds per photo of each stage, timed here with ``threads`` threads (files in ``folder``)."""
    import cv2
    import numpy as np
    import tensorflow as tf
    from PIL import Image

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    cv2.setNumThreads(threads)
    from course_lib import cutout, imageio, inference, pipeline, postprocess, synth

    sample = synth.make_sample(4242, size=size, difficulty="medium")
    rgb = sample.rgb
    imageio.save_png(folder / "photo.png", rgb)
    Image.fromarray(rgb).save(folder / "photo.jpg", quality=95)
    model = inference.load_pretrained()
    side = inference.letterbox(rgb, inference.WORK_SIZE, inference.size_multiple(model))[0].shape[0]
    ms: dict[str, float] = {}
    ms["decode PNG"] = 1000 * best_of(lambda: imageio.load_image(folder / "photo.png"), repeat)
    ms["decode JPEG"] = 1000 * best_of(lambda: imageio.load_image(folder / "photo.jpg"), repeat)
    ms["resize to network"] = 1000 * best_of(
        lambda: inference.letterbox(rgb, inference.WORK_SIZE, inference.size_multiple(model)), repeat)
    x = inference.letterbox(rgb, inference.WORK_SIZE, inference.size_multiple(model))[0]
    network = {}
    for bs in batch_sizes:
        batch = np.repeat(x[None], bs, axis=0)
        network[bs] = 1000 * best_of(lambda batch=batch, bs=bs: inference.run_model(model, batch, bs), repeat) / bs
    probability = inference.run_model(model, x[None], 1)[0][..., 1]
    ms["resize back"] = 1000 * best_of(lambda: cv2.resize(probability, (size, size), interpolation=cv2.INTER_LINEAR),
                                       repeat)
    raw = inference.predict_alpha(model, rgb)
    trace = pipeline.DEFAULT.trace(rgb, raw)
    steps = {}
    for (_, before), step in zip(trace, pipeline.DEFAULT.steps):
        steps[step.name] = 1000 * best_of(lambda step=step, before=before: step(rgb, before), repeat)
    alpha = trace[-1][1]
    mask8 = np.rint(alpha * 255).astype(np.uint8)
    a8 = mask8.astype(np.float32) / 255
    # numba's default threads (OpenMP), as a library call gets them, then one thread, as the tool runs it
    numba_default = 1000 * best_of(lambda: postprocess.estimate_foreground(rgb, a8), repeat)
    plain = cutout.OutputSpec(decontaminate=False)
    image, _ = cutout.compose(rgb, alpha, plain)
    rgba_ms = 1000 * best_of(lambda: cutout.compose(rgb, alpha, plain), repeat)
    steps["estimate_foreground"] = 1000 * best_of(lambda: cutout.compose(rgb, alpha), repeat) - rgba_ms
    steps["RGBA / composite"] = rgba_ms
    ms["encode PNG"] = 1000 * best_of(lambda: cutout.encode(image), repeat)
    data = cutout.encode(image)
    ms["write (atomic)"] = 1000 * best_of(lambda: imageio.write_atomic(folder / "out.png", data, overwrite=True),
                                          repeat)
    return {"threads": threads, "size": size, "network_side": side, "ms": ms, "network_ms_per_photo": network,
            "postprocess_ms": steps, "estimate_foreground_numba_default_threads_ms": numba_default}


def _run_stages_in_child(args, threads: int) -> dict:
    command = [sys.executable, __file__, "--part-stages-child", "--size", str(args.size), "--threads", str(threads),
               "--batch-sizes", args.batch_sizes, "--repeat", str(args.repeat)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=Path(__file__).parent.parent,
                            check=False)
    if result.returncode:
        raise RuntimeError(f"the stage timing with {threads} thread(s) failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _start_up_seconds() -> float:
    """Return the seconds a fresh process takes to import the kit and TensorFlow and load the default model."""
    code = ("import time; t = time.perf_counter(); from course_lib import cutout; cutout.load_segmenter('cnn'); "
            "print(time.perf_counter() - t)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parent.parent, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    return float(result.stdout.strip().splitlines()[-1])


def cli_throughput(folder: Path, paths: list[Path], n_grabcut: int) -> dict:
    """Return images/s of the tool's loop: the CNN + chain, and GrabCut + chain, on the same photos."""
    from course_lib import catalogue, cutout

    out = {"cnn_load_seconds": _start_up_seconds()}
    cutout.load_segmenter("cnn")
    for method, photos in (("cnn", paths), ("grabcut", paths[:n_grabcut])):
        settings = cutout.RunSettings(method=method)
        warm = catalogue.plan(catalogue.find_inputs([str(photos[0])]), folder / f"warm_{method}", settings.spec,
                              overwrite=True)
        catalogue.run(warm, settings)                     # first call: graphs traced, numba loaded
        entries = catalogue.plan(catalogue.find_inputs(map(str, photos)), folder / f"out_{method}", settings.spec,
                                 overwrite=True)
        rate = batch_rate(lambda entries=entries, settings=settings: catalogue.run(entries, settings), len(photos))
        out[method] = {"photos": len(photos), "images_per_second": rate}
    return out


def _warm_up(photo: str, out_dir: str) -> bool:
    """Cut out one photo in this process (a Dask worker): the model loaded, its graph traced, numba loaded."""
    import os

    from course_lib import cutout

    output = Path(out_dir) / f"warm_{os.getpid()}.png"
    return cutout.process_job(cutout.Job(Path(photo), output, replace=True))["status"] == "ok"


def dask_vs_plain(folder: Path, paths: list[Path], workers: list[int]) -> dict:
    """Return images/s of the plain loop and of Dask with each number of ``workers`` (CNN + chain), and identity.

    Each cluster is warmed up first (every worker cuts out one photo, as the plain loop does). One worker on this
    machine measures what Dask itself costs (scheduling, moving rows): the efficiency a cluster of machines keeps.
    More workers on the same cores measure what processes gain, or lose, against TensorFlow's own threads.
    """
    from course_lib import catalogue, cutout, scale_out

    settings = cutout.RunSettings(method="cnn")       # the network + chain, whatever the tools' default
    plan = {}

    def entries(runner):
        plan[runner] = folder / f"out_{runner}"
        return catalogue.plan(catalogue.find_inputs(map(str, paths)), plan[runner], settings.spec, overwrite=True)

    plain = entries("plain")
    catalogue.run(plain[:1], settings)                    # warm: the model is loaded and traced
    result = {"photos": len(paths), "plain": {"images_per_second": batch_rate(lambda: catalogue.run(plain, settings),
                                                                              len(paths))}}
    expected = {p.name: p.read_bytes() for p in plan["plain"].glob("*.png")}
    for n in workers:
        with scale_out.local_client(n_workers=n) as client:
            start = time.perf_counter()
            client.run(_warm_up, str(paths[0]), str(folder))   # every worker: TensorFlow, the model, numba
            warm_up = time.perf_counter() - start
            jobs = entries(f"dask{n}")
            rate = batch_rate(lambda jobs=jobs, client=client: scale_out.run_dask(jobs, settings, client), len(paths))
            client.cluster.close()
        same = sum((plan[f"dask{n}"] / name).read_bytes() == data for name, data in expected.items())
        result[f"dask_{n}"] = {"workers": n, "images_per_second": rate, "warm_up_seconds": warm_up,
                               "identical_outputs": same}
    return result


def export_table(n_test: int, repeat: int) -> dict:
    """Return :func:`course_lib.export.compare_variants`' rows for the default model and its four TFLite files."""
    from course_lib import datasets, export, inference, real

    model = inference.load_pretrained()
    calibration = export.representative_images(n_generated=100)
    with tempfile.TemporaryDirectory(prefix="bench_deploy_") as scratch:
        files = {"keras": inference.MODEL_PATH}
        for variant in export.VARIANTS:
            files[variant] = export.export_tflite(model, Path(scratch) / f"{variant}.tflite", variant,
                                                  representative=calibration)
        rows = export.compare_variants(model, files, datasets.load_split("test", limit=n_test, progress=False),
                                       real.as_split("holdout"), photo_size=256, repeat=repeat,
                                       classical_methods=["otsu", "grabcut"])
    return {"rows": rows, "table": export.format_table(rows, 256), "n_test": n_test,
            "calibration_photos": len(calibration), "model": str(inference.MODEL_PATH)}


def _print(report: dict) -> None:
    for block in report.get("stages", []):
        print(f"\nstages, one {block['size']}×{block['size']} photo, {block['threads']} thread(s), ms "
              f"(network at {block['network_side']}×{block['network_side']}):")
        for name, value in block["ms"].items():
            print(f"  {name:28s}{value:9.2f}")
        for bs, value in block["network_ms_per_photo"].items():
            print(f"  {'network, batch ' + str(bs):28s}{value:9.2f}  per photo")
        for name, value in block["postprocess_ms"].items():
            print(f"  {'postprocess: ' + name:28s}{value:9.2f}")
        print(f"  {'(foreground estimate with numba’s default threads':50s}"
              f"{block['estimate_foreground_numba_default_threads_ms']:9.2f})")
    if "cli" in report:
        c = report["cli"]
        print(f"\ncourse-cutout's loop, {report['size']}×{report['size']} photos, lesson 06's chain, "
              f"{os.cpu_count()} cores (start-up and model load {c['cnn_load_seconds']:.1f} s, not counted):")
        for method in ("cnn", "grabcut"):
            print(f"  {method:8s}{c[method]['images_per_second']:8.2f} images/s  ({c[method]['photos']} photos)")
        print(f"  CNN / GrabCut: {c['cnn']['images_per_second'] / c['grabcut']['images_per_second']:.1f}×")
    if "export" in report:
        e = report["export"]
        print(f"\nTFLite export of {e['model']} ({e['calibration_photos']} calibration photos; IoU on {e['n_test']} "
              f"generated test images and the real holdout photos):\n{e['table']}")
    if "dask" in report:
        d = report["dask"]
        print(f"\nDask LocalCluster vs the plain loop, {d['photos']} photos, CNN + chain (clusters warmed up first):")
        print(f"  plain{'':23s}{d['plain']['images_per_second']:8.2f} images/s")
        for key, run in d.items():
            if key.startswith("dask_"):
                print(f"  dask, {run['workers']} worker process(es) {run['images_per_second']:8.2f} images/s   "
                      f"identical outputs {run['identical_outputs']} of {d['photos']}, warm-up "
                      f"{run['warm_up_seconds']:.1f} s")


def main(argv=None) -> None:
    parser = benchmark_parser(__doc__, size=512, n=16, repeat=3, n_grabcut=4, n_test=300)
    parser.add_argument("--workers", default="1,2", help="Dask worker processes to try, e.g. 1,2")
    parser.add_argument("--threads", default="1,2", help="thread counts for the stage timing, e.g. 1,2")
    parser.add_argument("--batch-sizes", default="1,8,32")
    parser.add_argument("--parts", default="stages,cli,dask")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    parser.add_argument("--part-stages-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part_stages_child:
        set_threads(int(args.threads))      # before NumPy, OpenCV and TensorFlow are imported
        with tempfile.TemporaryDirectory(prefix="bench_deploy_") as scratch:
            print(json.dumps(stages(Path(scratch), args.size, int(args.threads), _ints(args.batch_sizes),
                                    args.repeat)))
        return
    set_threads(os.cpu_count() or 1)
    parts = set(args.parts.split(","))
    report: dict = {"size": args.size, "cpu_count": os.cpu_count(), "parts": sorted(parts)}
    with tempfile.TemporaryDirectory(prefix="bench_deploy_") as scratch:
        folder = Path(scratch)
        if "stages" in parts:
            # every core: in this process (its threads were set above); fewer: a fresh process each
            report["stages"] = [stages(folder, args.size, n, _ints(args.batch_sizes), args.repeat)
                                if n == os.cpu_count() else _run_stages_in_child(args, n) for n in _ints(args.threads)]
        if parts & {"cli", "dask"}:
            paths = _photos(folder / "photos", args.n, args.size)
            if "cli" in parts:
                report["cli"] = cli_throughput(folder, paths, min(args.n_grabcut, args.n))
            if "dask" in parts:
                report["dask"] = dask_vs_plain(folder, paths, _ints(args.workers))
        if "export" in parts:
            report["export"] = export_table(args.n_test, max(args.repeat, 10))
    _print(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()

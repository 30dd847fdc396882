"""``course-cutout``: cut the background out of a folder of product photos, from the command line.

    course-cutout photos/ --out cut/                       # RGBA PNGs, the method that won on real dev photos
    course-cutout shop/*.jpg --out white/ --background white --format jpg --crop-margin 16
    course-cutout photos/ --out cut/ --method grabcut --chain my_chain.json --mask
    course-cutout photos/ --out cut/ --model build/unet_float16.tflite
    course-cutout photos/ --out cut/ --resume             # after Ctrl-C: finish what is left
    python -m course_lib.cli --help

The per-photo work is :func:`course_lib.cutout.process_chunk`; the run, the
output names and the report are :mod:`course_lib.catalogue`; ``--dask`` runs
the same chunks on a Dask cluster (:mod:`course_lib.scale_out`). This module
only reads options, shows progress (Rich) and prints the outcome.

Every photo gets an output of its own: it keeps its path below the folder
given (``photos/bags/mug.jpg`` → ``cut/bags/mug.png``); photos that would share
one keep their extension (``mug_jpg.png``, ``mug_png.png``) and, if still
shared, the folders that tell them apart (``shop1/mug_jpg.png``). The rule is
:func:`course_lib.catalogue.find_inputs`'s; ``--help`` states it.

Exit status: 0 every photo cut out (or skipped by ``--resume``); 1 some photo
failed or its output existed; 2 a usage error (nothing was done); 130
interrupted (Ctrl-C or SIGTERM; the report lists what was done).

>>> main(["--version"])
course-cutout 0.1.0
0
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

__all__ = ["app", "main"]

EXAMPLES = """[bold]Examples[/bold]

  course-cutout photos/ --out cut/   [dim]every photo under photos/, RGBA PNGs, the dev winner (--method auto)[/dim]

  course-cutout 'shop/**/*.jpg' --out white/ --background white --format jpg --crop-margin 16

  course-cutout photos/ --out cut/ --method grabcut --chain my_chain.json --mask

  course-cutout photos/ --out cut/ --model unet_int8.tflite   [dim]an exported model (lesson 08)[/dim]

  course-cutout photos/ --out cut/ --resume   [dim]finish a run stopped by Ctrl-C[/dim]

  course-cutout photos/ --out cut/ --dask local:2   [dim]the same run on a Dask cluster[/dim]

Exit status: 0 all cut out, 1 some photos failed (see report.csv), 2 usage error, 130 interrupted."""

app = typer.Typer(add_completion=False, rich_markup_mode="rich",
                  context_settings={"help_option_names": ["-h", "--help"]})


class RateColumn(ProgressColumn):
    """The progress bar's speed, in images per second."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:5.1f} images/s" if speed else "  —  images/s", style="cyan")


def _version(value: bool) -> None:
    if value:
        import course_lib

        print(f"course-cutout {course_lib.__version__}")
        raise typer.Exit(0)


def _usage(message: str, option: str | None = None):
    return typer.BadParameter(message, param_hint=option)


def _settings(method, model, chain, background, fmt, mask, crop_margin, decontaminate):
    """Return the run's :class:`RunSettings` from the options, or raise a usage error that names the option."""
    from course_lib import cutout, imageio, pipeline

    try:
        method = cutout.resolve_method(method, model)    # "auto": the dev winner; with --model, that network
    except ValueError:
        raise _usage(f"{method!r} is not a method; choose {cutout.DEFAULT_METHOD} or one of "
                     f"{', '.join(cutout.METHODS)}", "--method") from None
    if model is not None:
        if not cutout.METHODS[method].uses_model:
            raise _usage(f"--model applies to a method that runs a network, not to {method!r}", "--model")
        if not model.is_file():
            raise _usage(f"{model} does not exist" if not model.exists() else f"{model} is not a file", "--model")
    if chain.lower() == "default":
        chain_pipeline = pipeline.DEFAULT
    elif chain.lower() == "none":
        chain_pipeline = pipeline.Pipeline([])
    else:
        try:
            chain_pipeline = pipeline.Pipeline.load(chain)
        except (FileNotFoundError, ValueError) as exc:
            raise _usage(str(exc), "--chain") from None
    try:
        back = cutout.parse_background(background)
        if isinstance(back, Path):
            imageio.load_image(back)
        spec = cutout.OutputSpec(background=back, format=fmt.lower(), mask=mask, crop_margin=crop_margin,
                                 decontaminate=decontaminate)
    except imageio.ImageLoadError as exc:
        raise _usage(f"the background photo cannot be used: {exc}", "--background") from None
    except ValueError as exc:
        raise _usage(str(exc)) from None
    return cutout.RunSettings(method, model, chain_pipeline.to_json(), spec)


def _method_help() -> str:
    """The --method help: what ``auto`` runs now, and why (read from data/models/real_default.json)."""
    from course_lib import real_default

    try:
        choice = real_default.read_choice()
        now = f"now {choice['default']}, median IoU {choice['medians'][choice['default']]:.3f} on dev"
    except (FileNotFoundError, ValueError, KeyError):
        now = f"now {real_default.FALLBACK}: the scores are missing"
    return (f"auto (the default): the method the real dev photos chose, as data/models/real_default.json "
            f"records ({now}); until a CNN beats GrabCut on real photos the tool runs the dev winner, and with "
            "--model the network you name (alone, unless the winner runs a network). Or name one: real_cnn, "
            "real_hybrid, real_hybrid_box, real_hybrid_frame (the real-photo CNN alone, or seeding GrabCut "
            "with its labels, its box, or its hints on lesson 01's border); cnn, hybrid, hybrid_box (the first "
            "three with lesson 04's U-Net, made for generated images); otsu, adaptive, flood_fill, edges, "
            "grabcut (lesson 01's; grabcut starts from the border).")


def _client(address: str):
    from course_lib import scale_out

    if address == "local" or address.startswith("local:"):
        count = address.partition(":")[2] or str(os.cpu_count() or 1)
        if not count.isdigit() or int(count) < 1:
            raise _usage(f"{address!r}: write local, local:N (N worker processes) or a scheduler's address",
                         "--dask")
        return scale_out.local_client(n_workers=int(count))
    from dask.distributed import Client

    try:
        return Client(address, timeout="10s")
    except OSError as exc:
        raise _usage(f"no Dask scheduler answers at {address}: {exc}", "--dask") from None


@app.command(help="Cut the background out of product photos: files, folders (recursively) and glob patterns. "
                  "Writes one cut-out per photo into --out, and report.csv + report.json there (also when "
                  "stopped with Ctrl-C). Never replaces a file unless --overwrite.\n\n"
                  "Output names: a photo keeps its path below the folder given (below a pattern's fixed folders; "
                  "a file given by name keeps its name), with the new extension: photos/bags/mug.jpg → "
                  "cut/bags/mug.png. Photos that would share an output keep their extension in the name: "
                  "mug.jpg, mug.png → mug_jpg.png, mug_png.png; if still shared (the same name in two inputs), "
                  "also the folders that tell them apart: shop1/mug_jpg.png, shop2/mug_jpg.png. The names "
                  "depend only on the set of inputs, so --resume finds them.", epilog=EXAMPLES)
def cutout_command(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", show_default=False,
                                                help="Photo files, folders (searched recursively) or glob patterns.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the cut-outs and the report.",
                                      show_default=False)],
    method: Annotated[str, typer.Option("--method", "-m", help=_method_help())] = "auto",
    model: Annotated[Path | None, typer.Option(help="Another .keras checkpoint or an exported .tflite file "
                                                  "(for a method that runs a CNN).", show_default=False)] = None,
    chain: Annotated[str, typer.Option(help="Postprocessing: 'default' (lesson 06's chain), 'none', or a saved "
                                       "pipeline's JSON file.")] = "default",
    background: Annotated[str | None, typer.Option(help="Composite onto white, a #RRGGBB colour or a photo "
                                                      "file, instead of writing transparency.",
                                                      show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", help="png or jpg (jpg needs --background).")] = "png",
    mask: Annotated[bool, typer.Option("--mask", help="Also write each alpha as a grey NAME.mask.png.")] = False,
    crop_margin: Annotated[int | None, typer.Option(help="Crop each output to the object plus N pixels.",
                                                       show_default=False, min=0)] = None,
    decontaminate: Annotated[bool, typer.Option(help="Remove the old background's colour from edge pixels.")] = True,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace outputs that exist.")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Skip photos whose outputs exist and are complete "
                                         "(give the same inputs: they decide the names).")] = False,
    batch_size: Annotated[int | None, typer.Option(help="Photos per network call (default: 8 for cnn, 1 "
                                                      "otherwise).", min=1, show_default=False)] = None,
    dask: Annotated[str | None, typer.Option(help="Run on Dask: 'local', 'local:N' (N worker processes) or "
                                                "a scheduler's address, tcp://host:8786.",
                                                show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar; only the summary.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    from course_lib import catalogue, cutout, scale_out

    if overwrite and resume:
        raise _usage("--overwrite and --resume contradict each other: choose one")
    if out.exists() and not out.is_dir():
        raise _usage(f"{out} exists and is not a folder", "--out")
    settings = _settings(method, model, chain, background, fmt, mask, crop_margin, decontaminate)
    found = catalogue.find_inputs(inputs, exclude=out)
    if not any(path.exists() for path, _ in found):
        raise _usage("no photo found: " + ", ".join(f"{i!r}" for i in inputs[:5])
                     + (" does not exist" if len(inputs) == 1 else " do not exist or match nothing"), "INPUT")
    entries = catalogue.plan(found, out, settings.spec, overwrite=overwrite, resume=resume)
    todo = sum(e.job is not None for e in entries)
    console = Console(stderr=True, quiet=quiet)
    about = {"method": settings.method, "method_asked": method, "model": str(model or "") or None,
             "chain": settings.chain.to_dict()["steps"], "background": background, "format": settings.spec.format,
             "out": str(out), "runner": f"dask ({dask})" if dask else "plain"}
    if model is not None and todo and not dask:
        try:                                           # load now, so a bad model file is a usage error
            cutout.load_segmenter(settings.method, model)
        except Exception as exc:
            raise _usage(f"{model} cannot be loaded as a model: {exc}", "--model") from None
    out.mkdir(parents=True, exist_ok=True)
    client = _client(dask) if dask and todo else None
    # a terminal gets a live bar; a pipe or a notebook gets the bar once, at the end
    progress = Progress(TextColumn("[bold]cutting out[/bold]"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                        TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=console,
                        disable=quiet or not todo, auto_refresh=sys.stderr.isatty())
    try:
        with progress:
            task = progress.add_task("photos", total=todo)

            def advance(rows):
                progress.advance(task, len(rows))

            if client is not None:
                result = scale_out.run_dask(entries, settings, client, batch_size=batch_size, on_rows=advance)
            else:
                result = catalogue.run(entries, settings, batch_size=batch_size, on_rows=advance)
    finally:
        if client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    main_thread = threading.current_thread() is threading.main_thread()      # only it may handle signals
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None   # a 2nd Ctrl-C must wait
    try:
        summary = catalogue.summarise(result, **about)
        csv_path, json_path = catalogue.write_report(out, result.rows, summary)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    _print_outcome(Console(), result, summary, csv_path, json_path)
    raise typer.Exit(summary["exit_code"])


def _print_outcome(console: Console, result, summary: dict, csv_path: Path, json_path: Path) -> None:
    counts = ", ".join(f"{summary[s]} {s}" for s in ("ok", "failed", "exists", "skipped", "interrupted") if summary[s])
    rate = f" ({summary['images_per_second']:.1f} images/s)" if summary["ok"] and summary["images_per_second"] else ""
    console.print(f"{summary['photos']} photos: {counts} in {summary['seconds']:.1f} s{rate}", highlight=False)
    problems = [r for r in result.rows if r["status"] in ("failed", "exists")]
    for row in problems[:10]:
        console.print(f"  [red]{row['status']}[/red] {escape(row['error'])}", highlight=False)
    if len(problems) > 10:
        console.print(f"  … and {len(problems) - 10} more: see the report", highlight=False)
    if result.interrupted:
        console.print("[yellow]interrupted[/yellow]: run the same command with --resume to finish", highlight=False)
    console.print(f"report: {escape(str(csv_path))}, {escape(str(json_path))}", highlight=False, soft_wrap=True)


def _terminate(signum, frame):
    raise KeyboardInterrupt                 # SIGTERM stops the run like Ctrl-C: a report, no half-written file


def main(argv: list[str] | None = None) -> int:
    """Run ``course-cutout`` with ``argv`` (default: the command line) and return its exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if argv is None and in_main else None
    try:
        app(args=argv, prog_name="course-cutout")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())

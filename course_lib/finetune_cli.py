"""``course-finetune``: fine-tune the U-Net on a folder of your labelled photos, from the command line.

    course-finetune my_photos/ --out build/finetune/mine
    course-finetune my_photos/ --out ft/ --groups scenes.csv --group-column scene --score-dir other_photos/
    python -m course_lib.finetune_cli --help

The work is :mod:`course_lib.finetune`'s (read the pairs, split by group,
fine-tune, write the checkpoint, its card and the before/after report); this
module only reads and checks the options, reports skipped files and prints the
outcome. It never writes over the shipped model, nor over an existing output
without ``--overwrite``.

Exit status: 0 fine-tuned and written, 1 nothing to train on, 2 usage error (nothing was done).
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer

from course_lib.finetune import (
    DEFAULT_STEPS,
    GENERATED_SHARE,
    LEARNING_RATE,
    check_output_folder,
    finetune,
    group_split,
    groups_from_csv,
    groups_from_prefix,
    read_pairs,
    write_checkpoint,
)
from course_lib.inference import MODEL_PATH, WORK_SIZE

__all__ = ["EXAMPLES", "FinetuneOptions", "app", "finetune_command", "finetune_folder", "main"]


@dataclass
class FinetuneOptions:
    """How :func:`finetune_folder` trains and reports: :func:`course_lib.finetune.finetune`'s recipe and more.

    ``classical``: also score lesson 01's methods on the held-out photos;
    ``progress``: show a progress bar while training.
    """

    steps: int = DEFAULT_STEPS
    batch_size: int = 8
    size: int = WORK_SIZE
    learning_rate: float = LEARNING_RATE
    generated_share: float = GENERATED_SHARE
    patience: int = 4
    seed: int = 0
    classical: bool = True
    progress: bool = True

    def recipe(self) -> dict:
        """Return the settings :func:`course_lib.finetune.finetune` runs with, as the model card records them."""
        return {k: v for k, v in asdict(self).items() if k not in ("classical", "progress")}


EXAMPLES = """[bold]Examples[/bold]

  course-finetune my_photos/ --out build/finetune/mine   [dim]the annotation tool's folder, default model[/dim]

  course-finetune my_photos/ --out ft/ --group-prefix _   [dim]mug_1.jpg, mug_2.jpg: one group, never split[/dim]

  course-finetune my_photos/ --out ft/ --groups scenes.csv --group-column scene --score-dir other_photos/

  course-finetune my_photos/ --out ft/ --model data/models/candidates/vgg3_scenes.keras

Exit status: 0 fine-tuned and written, 1 nothing to train on, 2 usage error (nothing was done)."""

app = typer.Typer(add_completion=False, rich_markup_mode="rich",
                  context_settings={"help_option_names": ["-h", "--help"]})


def _usage(message: str, option: str | None = None):
    return typer.BadParameter(message, param_hint=option)


@app.command(help="Fine-tune the kit's U-Net on your labelled photos (PAIRS_DIR: photos + masks/<stem>.png, as the "
                  "annotation tool writes them). Writes model.keras, MODEL_CARD.md, report.md and "
                  "worst_cases.png into --out; never replaces the shipped model, nor existing files without "
                  "--overwrite.", epilog=EXAMPLES)
def finetune_command(
    pairs_dir: Annotated[Path, typer.Argument(metavar="PAIRS_DIR", show_default=False,
                                              help="The annotated folder: photos and masks/<stem>.png.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the checkpoint, its card and the report.",
                                      show_default=False)],
    model: Annotated[Path, typer.Option(help="The .keras checkpoint to start from.")] = MODEL_PATH,
    steps: Annotated[int, typer.Option(help="Training steps (batches) at most.", min=1)] = DEFAULT_STEPS,
    batch_size: Annotated[int, typer.Option(help="Views per step.", min=1)] = 8,
    size: Annotated[int, typer.Option(help="Training and prediction size in pixels.", min=16)] = WORK_SIZE,
    lr: Annotated[float, typer.Option("--lr", help="Adam's starting learning rate.", min=0.0)] = LEARNING_RATE,
    generated_share: Annotated[float, typer.Option(help="Share of each batch that is generated samples.",
                                                   min=0.0, max=1.0)] = GENERATED_SHARE,
    val_fraction: Annotated[float, typer.Option(help="Share of the photos held out, whole groups at a time.",
                                                min=0.0, max=0.9)] = 0.2,
    groups: Annotated[Path | None, typer.Option(help="CSV with a photo column and a group column.",
                                                   show_default=False)] = None,
    group_column: Annotated[str, typer.Option(help="The CSV's group column.")] = "group",
    group_prefix: Annotated[str | None, typer.Option(help="Group = file name up to this separator, e.g. '_'.",
                                                        show_default=False)] = None,
    score_dir: Annotated[Path | None, typer.Option(help="Another annotated folder, scored before and after and "
                                                      "never trained on.", show_default=False)] = None,
    patience: Annotated[int, typer.Option(help="Evaluations without a better held-out IoU before stopping "
                                          "(0: never stop early).", min=0)] = 4,
    classical: Annotated[bool, typer.Option(help="Also score lesson 01's methods on the held-out photos.")] = True,
    seed: Annotated[int, typer.Option(help="Seeds the split, the order, the augmentation and Keras.")] = 0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the files of an existing --out.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar; only the summary.")] = False,
) -> None:
    if groups is not None and group_prefix is not None:
        raise _usage("give --groups or --group-prefix, not both", "--groups")
    if not pairs_dir.is_dir():
        raise _usage(f"{pairs_dir} is not a folder", "PAIRS_DIR")
    if not model.is_file():
        raise _usage(f"{model} is not a file", "--model")
    try:
        check_output_folder(out, model_path=model, overwrite=overwrite)
    except (ValueError, FileExistsError) as exc:
        raise _usage(str(exc), "--out") from None
    if score_dir is not None and not score_dir.is_dir():
        raise _usage(f"{score_dir} is not a folder", "--score-dir")
    pairs, problems = read_pairs(pairs_dir)
    for name, reason in problems:
        typer.echo(f"skipped {name}: {reason}", err=True)
    if len(pairs) < 2:
        typer.echo(f"Error: {pairs_dir} has {len(pairs)} usable photo + mask pair(s); fine-tuning needs at least 2 "
                   f"(one to train on, one to hold out)", err=True)
        raise typer.Exit(1)
    names = [p.name for p in pairs]
    if groups is not None:
        try:
            group_of, missing = groups_from_csv(groups, group_column, names)
        except ValueError as exc:
            raise _usage(str(exc), "--groups") from None
        for name in missing:
            typer.echo(f"note: {name} is not in {groups}: it is a group of its own", err=True)
        rule = f"column {group_column!r} of {groups.name}"
    elif group_prefix is not None:
        try:
            group_of = groups_from_prefix(names, group_prefix)
        except ValueError as exc:
            raise _usage(str(exc), "--group-prefix") from None
        rule = f"file name up to {group_prefix!r}"
    else:
        group_of, rule = {n: Path(n).stem for n in names}, "each photo its own group"
    for p in pairs:
        p.group = group_of[p.name]
    train_names, held_names = group_split(names, group_of, val_fraction=val_fraction, seed=seed)
    scored = []
    if score_dir is not None:
        scored, score_problems = read_pairs(score_dir)
        for name, reason in score_problems:
            typer.echo(f"skipped {score_dir / name}: {reason}", err=True)
    typer.echo(f"{len(pairs)} pairs: {len(train_names)} to train on, {len(held_names)} held out ({rule})"
               + (f"; {len(scored)} more scored from {score_dir}" if score_dir else ""), err=True)
    options = FinetuneOptions(steps=steps, batch_size=batch_size, size=size, learning_rate=lr,
                              generated_share=generated_share, patience=patience, seed=seed, classical=classical,
                              progress=not quiet)
    summary = finetune_folder(pairs, train_names, held_names, options, model_path=model, out=out, scored=scored,
                              score_dir=score_dir, folder=pairs_dir, rule=rule, problems=problems,
                              command="course-finetune " + " ".join(sys.argv[1:]))
    typer.echo(summary)


def finetune_folder(pairs, train_names, held_names, options: FinetuneOptions | None = None, *, model_path,
                    out: Path, scored=(), score_dir=None, folder="", rule: str = "", problems=(),
                    command: str = "") -> str:
    """The command line's work once its arguments are checked: train, score, write; return a summary line.

    ``pairs`` are :class:`course_lib.finetune.Pair` s, ``train_names`` and
    ``held_names`` their split by group; ``options`` the recipe
    (:class:`FinetuneOptions`); the rest is what the model card records
    (:func:`course_lib.finetune.write_checkpoint`).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")      # retracing notes from the prediction graphs: noise for a user
    from course_lib import classical as classical_methods
    from course_lib.inference import load_pretrained

    options = options or FinetuneOptions()
    by_name = {p.name: p for p in pairs}
    train, held = [by_name[n] for n in train_names], [by_name[n] for n in held_names]
    parent, model = load_pretrained(model_path), load_pretrained(model_path)
    recipe = options.recipe()
    result = finetune(model, train, held, progress=options.progress, **recipe)
    paths, card = write_checkpoint(out, model, parent, parent_path=model_path, result=result, train=train, held=held,
                                   scored=scored, score_dir=score_dir, folder=folder, rule=rule, problems=problems,
                                   recipe=recipe, others=dict(classical_methods.METHODS) if options.classical else {},
                                   command=command)
    held_text = (f"held-out median IoU {card['held_out']['median_iou_before']:.3f} → "
                 f"{card['held_out']['median_iou_after']:.3f}" if held else "no held-out photos")
    return (f"wrote {paths['model']} ({result.steps_run} steps, {result.seconds / 60:.1f} min); {held_text}; "
            f"report {paths['report']}")


def main(argv: list[str] | None = None) -> int:
    """Run ``course-finetune`` with ``argv`` (default: the command line) and return its exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        app(args=argv, prog_name="course-finetune")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Execute lesson notebooks and write each, with its outputs, to build/<name>.html.

Used by ``make course``: instructors get a hand-out of every lesson as it runs
on their machine. Honours ``COURSE_FAST`` like the lessons do (full mode by
default). A failing notebook does not stop the others; the script lists the
failures at the end and exits non-zero.

Two editions (``make course EDITION=student``):

- ``instructor`` (the default): the lessons as they are, solutions included,
  hand-outs in ``build/``;
- ``student``: every cell tagged ``solution`` removed (the exercises' and the
  review questions' solutions). It writes the notebooks students work in,
  without outputs, and their executed hand-outs, both to ``build/student/``.

    python scripts/build_course.py [notebooks/00_tour.ipynb ...] [--edition student] [--out build] [--record]

``--record`` stores each lesson's wall time (kernel start included) in
``data/lesson_times.json`` under the mode it ran in, with the cores it could
use; after a full-mode run it writes the minutes into the lesson's header, and
a test keeps headers within 25 % of the record (``course_lib.lesson_times``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

from course_lib import config, lesson_times
from course_lib.editions import EDITIONS, student_edition
from course_lib.imageio import write_atomic

ROOT = Path(__file__).resolve().parent.parent
def build(notebook: Path, out_dir: Path, timeout: int, edition: str = "instructor") -> Path:
    """Execute ``notebook`` (its ``edition``) in a fresh kernel and return the path of the HTML written."""
    nb = nbformat.read(notebook, as_version=4)
    if edition == "student":
        nb = student_edition(nb)
        write_atomic(out_dir / notebook.name, nbformat.writes(nb).encode("utf-8"), overwrite=True)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()
    html, _ = HTMLExporter().from_notebook_node(nb)
    target = out_dir / f"{notebook.stem}.html"
    # an instructor's previous hand-out is replaced only by a complete one
    write_atomic(target, html.encode("utf-8"), overwrite=True)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to build (default: every notebooks/*.ipynb)")
    parser.add_argument("--edition", choices=EDITIONS, default="instructor",
                        help="instructor: as they are; student: without the cells tagged 'solution'")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: build/, or build/student/ for the student edition)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    parser.add_argument("--record", nargs="?", type=Path, const=lesson_times.RECORD, default=None, metavar="JSON",
                        help="store each lesson's wall time there (default file: data/lesson_times.json)")
    args = parser.parse_args(argv)
    out = args.out or (ROOT / "build" / ("student" if args.edition == "student" else ""))
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        print("no notebooks to build", file=sys.stderr)
        return 2
    missing = [str(n) for n in notebooks if not n.is_file()]
    if missing:
        print(f"not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    failures = []
    for notebook in notebooks:
        start = time.perf_counter()
        try:
            target = build(notebook, out, args.timeout, args.edition)
        except CellExecutionError as exc:
            failures.append(notebook.name)
            print(f"FAILED {notebook.name}:\n{exc}", file=sys.stderr)
            continue
        seconds = time.perf_counter() - start
        print(f"{seconds:7.1f} s  {notebook.name} -> {target}", flush=True)
        if args.record is not None:
            mode = config.mode_name()
            lesson_times.record(notebook.stem, seconds, mode, args.record)
            if mode == "full" and lesson_times.update_header(notebook, seconds):
                print(f"         recorded; its header now says {lesson_times.phrase(seconds)}", flush=True)
    if failures:
        print(f"{len(failures)} notebook(s) failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

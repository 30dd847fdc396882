"""Execute lesson notebooks and write each, with its outputs, to build/<name>.html.

Used by ``make course``: instructors get a hand-out of every lesson as it runs
on their machine. Honours ``COURSE_FAST`` like the lessons do (full mode by
default). A failing notebook does not stop the others; the script lists the
failures at the end and exits non-zero.

    python scripts/build_course.py [notebooks/00_tour.ipynb ...] [--out build]
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

ROOT = Path(__file__).resolve().parent.parent


def build(notebook: Path, out_dir: Path, timeout: int) -> Path:
    """Execute ``notebook`` in a fresh kernel and return the path of the HTML written."""
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()
    html, _ = HTMLExporter().from_notebook_node(nb)
    target = out_dir / f"{notebook.stem}.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(target)  # an instructor's previous hand-out is replaced only by a complete one
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to build (default: every notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "build", help="output folder")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        print("no notebooks to build", file=sys.stderr)
        return 2
    missing = [str(n) for n in notebooks if not n.is_file()]
    if missing:
        print(f"not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    failures = []
    for notebook in notebooks:
        start = time.perf_counter()
        try:
            target = build(notebook, args.out, args.timeout)
        except CellExecutionError as exc:
            failures.append(notebook.name)
            print(f"FAILED {notebook.name}:\n{exc}", file=sys.stderr)
            continue
        print(f"{time.perf_counter() - start:7.1f} s  {notebook.name} -> {target}")
    if failures:
        print(f"{len(failures)} notebook(s) failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

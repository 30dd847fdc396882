"""A whole catalogue: which photos, where each output goes, running them in chunks, and the report.

``course-cutout`` is these four steps around :func:`course_lib.cutout.process_chunk`:

1. :func:`find_inputs` — files, folders (recursively) and glob patterns to a
   sorted list of photos, each with an output name of its own. The rule: a
   photo keeps its path below the input that found it (``photos/bags/mug.jpg``
   → ``bags/mug.png``); photos whose names would clash keep their extension
   (``mug.jpg``, ``mug.png`` → ``mug_jpg.png``, ``mug_png.png``) and, if that is
   not enough, the folders that tell them apart (``shop1/mug_jpg.png``). It
   depends only on the set of inputs, so ``--resume`` finds the same names;
2. :func:`plan` — one :class:`Entry` per photo: a job to run, or a row decided
   already (the output exists and ``resume`` says skip it; the output exists
   and may not be replaced);
3. :func:`run` — the jobs in chunks (:func:`chunks`: the same chunks for the
   plain run and the Dask run, so both write the same bytes), stopped cleanly
   by Ctrl-C;
4. :func:`write_report` — ``report.csv`` and ``report.json``, one row per
   photo, written atomically, also after an interruption.

Report rows have :data:`REPORT_FIELDS`; ``status`` is one of :data:`STATUSES`.

>>> rows = [{"status": "ok"}, {"status": "skipped"}]
>>> exit_code(rows), exit_code(rows + [{"status": "failed"}]), exit_code(rows, interrupted=True)
(0, 1, 130)
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from course_lib import cutout, imageio

__all__ = ["STATUSES", "REPORT_FIELDS", "REPORT_NAMES", "Entry", "RunResult", "find_inputs", "plan", "chunks",
           "run", "record", "finish", "interrupted_row", "summarise", "exit_code", "write_report", "read_report",
           "format_report"]

STATUSES = {
    "ok": "cut out and written",
    "failed": "not cut out: the error column says why",
    "exists": "not cut out: the output exists and --overwrite was not given",
    "skipped": "not cut out again: --resume found its output complete",
    "interrupted": "not reached: the run was stopped (Ctrl-C); --resume continues it",
}
"""Every status a report row can have, with what it means."""

REPORT_FIELDS = ["file", "status", "seconds", "object_fraction", "output", "mask", "error",
                 *(f"{stage}_s" for stage in cutout.STAGES)]
"""The report's columns, in order."""

REPORT_NAMES = ("report.csv", "report.json")
"""The report's two files, written into the output folder."""


@dataclass
class Entry:
    """One input photo: a :class:`course_lib.cutout.Job` to run, or its report row, already decided."""

    source: Path
    job: cutout.Job | None = None
    row: dict | None = None


@dataclass
class RunResult:
    """What :func:`run` did: one row per entry (in the entries' order), wall seconds, and whether Ctrl-C stopped it."""

    rows: list[dict]
    seconds: float
    interrupted: bool = False


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _glob_base(pattern: str) -> Path:
    """Return the leading folders of a glob pattern that hold no wildcard (``shop/**/*.jpg`` → ``shop``)."""
    parts = Path(pattern).parts
    fixed = [part for part in parts[:next((k for k, part in enumerate(parts) if _is_glob(part)), len(parts))]]
    return Path(*fixed) if fixed else Path(".")


def _walk(folder: Path, exclude: Path | None) -> tuple[list[Path], list[Path]]:
    """Return (image files, folders named like images) under ``folder``, sorted; hidden entries are skipped."""
    files, odd = [], []
    for root, dirs, names in os.walk(folder, followlinks=True):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and (exclude is None or (root_path / d).resolve() != exclude))
        odd += [root_path / d for d in dirs if Path(d).suffix.lower() in imageio.IMAGE_SUFFIXES]
        files += [root_path / n for n in sorted(names)
                  if not n.startswith(".") and Path(n).suffix.lower() in imageio.IMAGE_SUFFIXES]
    return files, odd


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and (path.resolve() == folder or folder in path.resolve().parents)


def _name(rel: Path, level: int, root_in_common: Path) -> Path:
    """Return the output name (no extension) of a photo at ``rel`` below its input, at one level of the rule."""
    if level == 0:
        return rel.with_suffix("")
    named = rel.with_name(f"{rel.stem}_{rel.suffix[1:]}" if rel.suffix else rel.name)
    return named if level == 1 else root_in_common / named


def _claims(name: Path) -> set[str]:
    """Return what a name may write, as the file system may compare it: the cut-out's and the mask's stems."""
    return {name.as_posix().casefold(), f"{name.as_posix()}.mask".casefold()}


def _unique_names(photos: list[tuple[Path, Path]]) -> list[Path]:
    """Return each photo's output name (no extension): see :func:`find_inputs`; ``photos`` are (root, rel) pairs.

    Photos whose names would clash move up a level together, until none clashes:
    0 the path below the input; 1 the same with the extension in the name; 2 the
    same below the deepest folder holding every input. Level 2 names are
    distinct, as the photos are: the rule always ends.
    """
    roots = [os.path.abspath(root) for root, _ in photos]
    try:
        common = os.path.commonpath(roots) if roots else ""
    except ValueError:                                 # Windows: inputs on several drives
        common = ""
    in_common = [Path(os.path.relpath(root, common)) if common else Path(*Path(root).parts[1:]) for root in roots]
    levels = [0] * len(photos)
    while True:
        names = [_name(rel, level, where) for (_, rel), level, where in zip(photos, levels, in_common)]
        holders: dict[str, set[int]] = {}
        for k, name in enumerate(names):
            for claim in _claims(name):
                holders.setdefault(claim, set()).add(k)
        clashing = {k for ks in holders.values() if len(ks) > 1 for k in ks if levels[k] < 2}
        if not clashing:
            return names
        for k in clashing:
            levels[k] += 1


def find_inputs(inputs: Iterable[str | os.PathLike], *, exclude: str | os.PathLike | None = None
                ) -> list[tuple[Path, Path]]:
    """Return ``(photo, output name)`` pairs for files, folders and glob patterns; no two photos share a name.

    The output name has no extension (the run adds ``.png`` or ``.jpg``, and
    ``.mask.png`` for the mask). The rule, the same whatever the order of the
    inputs:

    1. a photo keeps its path below the input that found it: a folder's photos
       their path inside it (``shop/`` holding ``bags/mug.jpg`` → ``bags/mug``), a
       pattern's matches their path below its fixed folders (``shop/**/*.jpg``),
       a file given by name its name (``shop/mug.jpg`` → ``mug``);
    2. photos whose names would clash (``mug.jpg`` and ``mug.png``; ``Mug`` and
       ``mug``, one file on macOS and Windows; ``mug`` and ``mug.mask``, whose
       cut-out would be the other's mask) keep their extension in the name:
       ``mug_jpg``, ``mug_png``;
    3. photos that still clash (the same name below two inputs: ``shop1/mug.jpg``
       and ``shop2/mug.jpg``) also keep the folders that tell them apart, their
       path below the deepest folder holding every input: ``shop1/mug_jpg``,
       ``shop2/mug_jpg``.

    A photo found by several inputs is listed once, with the longest of its
    names. Image files are those ending in
    :data:`course_lib.imageio.IMAGE_SUFFIXES`; hidden files and the ``exclude``
    folder (the output folder, when it lies inside an input) are left out. A
    folder named like an image (``x.jpg/``) is listed as an input too, so the
    report says what it is. A path that does not exist, or a pattern that
    matches nothing, is listed as it is: it becomes a report row.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     shop = Path(folder)
    ...     for name in ("mug.jpg", "mug.png", "cup.jpg", "bags/mug.jpg"):
    ...         (shop / name).parent.mkdir(exist_ok=True)
    ...         (shop / name).touch()
    ...     print([name.as_posix() for _, name in find_inputs([shop])])
    ...     print([name.as_posix() for _, name in find_inputs([shop / "bags" / "mug.jpg", shop / "mug.jpg"])])
    ['bags/mug', 'cup', 'mug_jpg', 'mug_png']
    ['bags/mug_jpg', 'mug_jpg']
    """
    exclude_path = Path(exclude).resolve() if exclude is not None else None
    order: list[Path] = []                             # resolved photos, in the order first found
    found: dict[Path, tuple[Path, Path, Path]] = {}    # resolved → (path, root, path below root), longest kept
    missing: dict[int, Path] = {}                      # position in the result → a path that is not there

    def add(path: Path, root: Path) -> None:
        key = path.resolve()
        rel = path.relative_to(root)
        if key not in found:
            order.append(key)
            found[key] = (path, root, rel)
        elif (len(rel.parts), rel.as_posix()) > (len(found[key][2].parts), found[key][2].as_posix()):
            found[key] = (path, root, rel)             # the longest name, whichever input came first

    for item in inputs:
        text = os.fspath(item)
        pattern = _is_glob(text)
        matches = sorted(Path(m) for m in glob.glob(text, recursive=True)) if pattern else [Path(text)]
        matches = [m for m in matches if not (pattern and _inside(m, exclude_path))]
        if not matches:
            missing[len(order) + len(missing)] = Path(text)
            continue
        for path in matches:
            root = _glob_base(text) if pattern else path if path.is_dir() else path.parent
            if not path.is_dir() or path.suffix.lower() in imageio.IMAGE_SUFFIXES:
                add(path, path.parent if root == path else root)   # a file; or x.jpg/: reported, and walked
            if path.is_dir():
                files, odd = _walk(path, exclude_path)
                for file in sorted(files + odd):
                    add(file, root)
    photos = [found[key] for key in order if found[key][0].is_file()]
    names = dict(zip((path for path, _, _ in photos), _unique_names([(root, rel) for _, root, rel in photos])))
    result = [(path, names.get(path, rel.with_suffix(""))) for path, _, rel in (found[key] for key in order)]
    for position, path in sorted(missing.items()):
        result.insert(position, (path, Path(path.stem or "input")))
    return result


def _outputs_complete(job: cutout.Job) -> bool:
    return cutout.output_is_complete(job.output) and (job.mask is None or cutout.output_is_complete(job.mask))


def plan(inputs: Iterable[tuple[Path, Path]], out_dir: str | os.PathLike, spec: cutout.OutputSpec, *,
         overwrite: bool = False, resume: bool = False) -> list[Entry]:
    """Return one :class:`Entry` per input of :func:`find_inputs`, deciding what needs no work.

    - an output that exists: replaced with ``overwrite``; with ``resume``,
      skipped when it is complete (it decodes to its last pixel) and redone
      when it is not; otherwise left alone (status ``exists``);
    - two photos that would write the same file (names not made by :func:`find_inputs`,
      which never clash): the second one fails, naming the first;
    - a folder named like an image, or a path that does not exist: fails, saying so.
    """
    out_dir = Path(out_dir)
    entries: list[Entry] = []
    claimed: dict[Path, Path] = {}
    for source, stem in inputs:
        job = cutout.Job(source, out_dir / stem.with_name(stem.name + spec.suffix),
                         out_dir / stem.with_name(stem.name + ".mask.png") if spec.mask else None)
        blank = cutout.report_row(job)
        if not source.exists():
            what = "matches no file" if _is_glob(str(source)) else "does not exist"
            entries.append(Entry(source, row={**blank, "error": f"{source} {what}"}))
            continue
        if source.is_dir():
            entries.append(Entry(source, row={**blank, "error": f"{source} is a folder, not an image file"}))
            continue
        if any(p is not None and p.resolve() == source.resolve() for p in (job.output, job.mask)):
            entries.append(Entry(source, row={**blank, "error": f"the output of {source} would replace the photo "
                                              "itself: choose another --out folder"}))
            continue
        taken = [claimed[p] for p in (job.output, job.mask) if p is not None and p in claimed]
        if taken:
            entries.append(Entry(source, row={**blank, "error": f"{source} would write {job.output.name}, "
                                              f"like {taken[0]}: rename one of them"}))
            continue
        claimed.update({p: source for p in (job.output, job.mask) if p is not None})
        existing = [p for p in (job.output, job.mask) if p is not None and p.exists()]
        if not existing or overwrite:
            entries.append(Entry(source, job=cutout.Job(job.source, job.output, job.mask, replace=overwrite)))
        elif resume and _outputs_complete(job):
            entries.append(Entry(source, row={**blank, "status": "skipped", "output": str(job.output),
                                              "mask": str(job.mask or "")}))
        elif resume:                                   # incomplete (not written by this tool): do it again
            entries.append(Entry(source, job=cutout.Job(job.source, job.output, job.mask, replace=True)))
        else:
            entries.append(Entry(source, row={**blank, "status": "exists", "output": str(existing[0]),
                                              "error": f"{existing[0]} already exists: --overwrite replaces it, "
                                                       "--resume skips it"}))
    return entries


def chunks(entries: list[Entry], batch_size: int) -> list[list[int]]:
    """Return the indices of the entries that have a job, in groups of ``batch_size``, in order.

    The plain run and the Dask run use the same groups: a network's output can
    depend (in its last bits) on which photos share a batch.

    >>> chunks([Entry(Path("a"), job=1), Entry(Path("b"), row={}), Entry(Path("c"), job=2), Entry(Path("d"), job=3)], 2)
    [[0, 2], [3]]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    todo = [i for i, e in enumerate(entries) if e.job is not None]
    return [todo[k:k + batch_size] for k in range(0, len(todo), batch_size)]


def interrupted_row(entry: Entry) -> dict:
    """Return the report row of an entry the run did not reach."""
    return {**cutout.report_row(entry.job), "status": "interrupted", "error": "not processed: the run was interrupted"}


def run(entries: list[Entry], settings: cutout.RunSettings, *, batch_size: int | None = None,
        on_rows: Callable[[list[dict]], None] | None = None, clock: Callable[[], float] = time.perf_counter
        ) -> RunResult:
    """Run every job of ``entries`` in this process, a chunk at a time; Ctrl-C stops it between or inside chunks.

    ``on_rows(rows)`` is called after each chunk (a progress bar). After an
    interruption the rows of jobs not finished say ``interrupted``; an output
    never exists half-written (see :func:`course_lib.cutout.process_chunk`).
    """
    batch_size = batch_size or cutout.METHODS[settings.method].batch_size
    rows = [e.row for e in entries]
    start, interrupted = clock(), False
    try:
        for chunk in chunks(entries, batch_size):
            record(rows, chunk, cutout.process_chunk([entries[i].job for i in chunk], settings), on_rows)
    except KeyboardInterrupt:
        interrupted = True
    return finish(rows, entries, clock() - start, interrupted)


def record(rows: list, chunk: list[int], done: list[dict], on_rows: Callable[[list[dict]], None] | None = None) -> None:
    """Put a finished chunk's report rows in their places of ``rows``, then tell ``on_rows`` (a progress bar)."""
    for i, row in zip(chunk, done):
        rows[i] = row
    if on_rows is not None:
        on_rows(done)


def finish(rows: list, entries: list[Entry], seconds: float, interrupted: bool) -> RunResult:
    """Return the run's result: every job never reached gets an ``interrupted`` row."""
    rows = [row if row is not None else interrupted_row(e) for row, e in zip(rows, entries)]
    return RunResult(rows, seconds, interrupted)


def summarise(result: RunResult, **about) -> dict:
    """Return the report's summary: counts by status, seconds, images per second (of those cut out), and ``about``."""
    counts = {status: sum(r["status"] == status for r in result.rows) for status in STATUSES}
    return {**about, "photos": len(result.rows), **counts, "seconds": round(result.seconds, 3),
            "images_per_second": round(counts["ok"] / result.seconds, 3) if result.seconds > 0 else None,
            "interrupted": result.interrupted, "exit_code": exit_code(result.rows, result.interrupted)}


def exit_code(rows: list[dict], interrupted: bool = False) -> int:
    """Return the tool's exit status: 0 all cut out (or skipped), 1 some failed or exist, 130 interrupted."""
    if interrupted:
        return 130
    return 0 if all(r["status"] in ("ok", "skipped") for r in rows) else 1


def _csv_text(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REPORT_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else round(row[k], 4) if isinstance(row.get(k), float)
                             else row.get(k)) for k in REPORT_FIELDS})
    return buffer.getvalue()


def write_report(folder: str | os.PathLike, rows: list[dict], summary: dict) -> tuple[Path, Path]:
    """Write ``report.csv`` (the rows) and ``report.json`` (summary and rows) into ``folder``; return both paths.

    Each is written atomically and replaces the previous run's report.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = (folder / name for name in REPORT_NAMES)
    imageio.write_atomic(csv_path, _csv_text(rows).encode("utf-8"), overwrite=True)
    document = {"summary": summary, "statuses": STATUSES,
                "rows": [{k: row.get(k) for k in REPORT_FIELDS} for row in rows]}
    imageio.write_atomic(json_path, (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
                         overwrite=True)
    return csv_path, json_path


def read_report(folder: str | os.PathLike) -> dict:
    """Return ``report.json`` of ``folder``: ``{"summary": …, "statuses": …, "rows": […]}``."""
    path = Path(folder) / REPORT_NAMES[1]
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no report at {path}: run course-cutout with --out {folder} first") from None


def format_report(rows: list[dict], relative_to: str | os.PathLike | None = None, *, width: int = 70) -> str:
    """Return report rows as a text table: file, status, seconds, object fraction, and the error (cut to ``width``).

    Paths are shown relative to ``relative_to`` when they lie inside it.

    >>> print(format_report([{"file": "/p/a.png", "status": "ok", "seconds": 0.25, "object_fraction": 0.3,
    ...                       "error": ""}], "/p"))
    file    status     seconds  object  error
    a.png   ok           0.250   0.300
    """
    def short(path: str) -> str:
        if relative_to is not None and path:
            try:
                return Path(path).relative_to(relative_to).as_posix()
            except ValueError:
                pass
        return path

    names = [short(r["file"]) for r in rows]
    name_width = max([len("file"), *map(len, names)]) + 2
    lines = [f"{'file':{name_width}s}{'status':11s}{'seconds':>7s}{'object':>8s}  error"]
    for name, row in zip(names, rows):
        fraction = row.get("object_fraction")
        error = row.get("error") or ""
        if relative_to is not None:
            error = error.replace(f"{Path(relative_to)}/", "")
        error = error if len(error) <= width else error[: width - 1] + "…"
        lines.append(f"{name:{name_width}s}{row['status']:11s}{float(row.get('seconds') or 0):7.3f}"
                     f"{'' if fraction is None else f'{float(fraction):8.3f}':>8s}  {error}".rstrip())
    return "\n".join(lines)

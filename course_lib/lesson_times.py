"""How long each lesson takes to run, as measured, and the minutes its header states.

``scripts/build_course.py --record`` executes lessons in a fresh kernel and
stores each one's wall time here, in ``data/lesson_times.json``, with the mode
(full, fast or smoke) and the machine it ran on. Every lesson's header states
its full-mode running time in one fixed form::

    **Running time:** about 12 minutes in full mode (measured: ...

and ``tests/test_lesson_times.py`` checks that those minutes match the record
within :data:`TOLERANCE`. After changing a lesson, re-run
``python scripts/build_course.py notebooks/NAME.ipynb --record`` (full mode)
and put the printed minutes in its header.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
from pathlib import Path

from course_lib.config import DATA_DIR

__all__ = ["RECORD", "TOLERANCE", "ROUNDING", "HEADER", "machine", "read", "record", "header_minutes", "stated_minutes",
           "phrase", "update_header", "mismatches"]

RECORD = DATA_DIR / "lesson_times.json"
"""The record: lesson name → mode → seconds, date and machine."""

TOLERANCE = 0.25
"""How far (a share of the recorded time) a header's minutes may be from the record."""

ROUNDING = 0.5
"""Minutes a header may be off by in any case: it states whole minutes (a 40 s lesson says "about 1 minute")."""

HEADER = re.compile(r"\*\*Running time:\*\* (?:about (\d+) minutes?|(under a minute)) in full mode")
"""The header's statement of the full-mode running time: "about N minutes" or "under a minute"."""


def machine() -> dict:
    """Return what the timing depends on: the CPU cores this process may use, the processor, Python."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cores_used": cores, "cores_on_machine": os.cpu_count(), "processor": _processor(),
            "system": platform.system(), "python": platform.python_version()}


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def read(path: str | os.PathLike = RECORD) -> dict:
    """Return the record (``{"lessons": {}}`` when there is none yet)."""
    path = Path(path)
    if not path.exists():
        return {"lessons": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def record(lesson: str, seconds: float, mode: str, path: str | os.PathLike = RECORD) -> dict:
    """Store one run's wall time for ``lesson`` (a notebook's stem) in ``mode``; return the updated record.

    A later run of the same lesson and mode replaces the earlier one.
    """
    from course_lib.imageio import write_atomic

    if mode not in ("full", "fast", "smoke"):
        raise ValueError(f"mode must be 'full', 'fast' or 'smoke', got {mode!r}")
    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds!r}")
    data = read(path)
    data.setdefault("lessons", {}).setdefault(lesson, {})[mode] = {
        "seconds": round(float(seconds), 1), "date": datetime.date.today().isoformat(), "machine": machine()}
    data["command"] = "python scripts/build_course.py [notebooks/NAME.ipynb ...] --record"
    write_atomic(Path(path), (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"), overwrite=True)
    return data


def stated_minutes(markdown: str) -> int | None:
    """Return the full-mode minutes a header states (0 for "under a minute"; ``None`` when it states none)."""
    found = HEADER.search(markdown)
    if not found:
        return None
    return 0 if found.group(2) else int(found.group(1))


def phrase(seconds: float) -> str:
    """Return how a header states a running time: "under a minute", "about 1 minute", "about 12 minutes"."""
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    return f"about {minutes} minute{'s' if minutes != 1 else ''}"


def update_header(notebook: str | os.PathLike, seconds: float) -> bool:
    """Write the phrase for ``seconds`` into the notebook's header; return whether it changed."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    source = nb.cells[0].source
    if not HEADER.search(source):
        raise ValueError(f"{notebook}: the header states no '**Running time:** about N minutes in full mode'")
    updated = HEADER.sub(f"**Running time:** {phrase(seconds)} in full mode", source, count=1)
    if updated == source:
        return False
    nb.cells[0].source = updated
    nbformat.write(nb, str(notebook))
    return True


def header_minutes(notebook: str | os.PathLike) -> int | None:
    """Return the full-mode minutes stated in a notebook's first cell."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    return stated_minutes("".join(cells[0]["source"])) if cells else None


def mismatches(notebooks, path: str | os.PathLike = RECORD, tolerance: float = TOLERANCE) -> list[str]:
    """Return one line per notebook whose header and full-mode record disagree (or either is missing).

    They agree when the stated minutes lie within ``tolerance`` of the recorded
    time, or within :data:`ROUNDING` minutes of it (whole minutes cannot say 40 s).
    """
    lessons = read(path).get("lessons", {})
    problems = []
    for notebook in notebooks:
        name = Path(notebook).stem
        stated = header_minutes(notebook)
        full = lessons.get(name, {}).get("full")
        if stated is None:
            problems.append(f"{name}: the header states no '**Running time:** about N minutes in full mode'")
        elif full is None:
            problems.append(f"{name}: no full-mode run is recorded; run scripts/build_course.py {notebook} --record")
        else:
            measured = full["seconds"] / 60
            if stated == 0 and measured >= 1:
                problems.append(f"{name}: the header says under a minute, the recorded run took {measured:.1f} min")
            elif stated and abs(stated - measured) > max(tolerance * measured, ROUNDING):
                problems.append(f"{name}: the header says about {stated} min, the recorded run took "
                                f"{measured:.1f} min (more than {tolerance:.0%} apart)")
    return problems

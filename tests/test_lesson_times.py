"""Lesson headers state the full-mode running time that a recorded run measured (course_lib.lesson_times)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from course_lib import lesson_times

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_header_matches_its_recorded_full_mode_run():
    assert LESSONS
    problems = lesson_times.mismatches(LESSONS)
    assert not problems, "\n".join(problems) + "\nre-run: python scripts/build_course.py NOTEBOOK --record"


def test_every_record_says_where_it_ran():
    record = lesson_times.read()
    for name, modes in record["lessons"].items():
        full = modes["full"]
        assert full["seconds"] > 0 and full["machine"]["cores_used"] >= 1, name


@pytest.mark.parametrize("seconds, phrase", [(12, "under a minute"), (61, "about 1 minute"), (95, "about 2 minutes"),
                                             (1140, "about 19 minutes")])
def test_the_phrase_for_a_time(seconds, phrase):
    assert lesson_times.phrase(seconds) == phrase
    assert lesson_times.stated_minutes(f"**Running time:** {phrase} in full mode") == (0 if seconds < 60
                                                                                        else round(seconds / 60))


def _lesson(tmp_path, header: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# x\n\n{header}. **Fast mode** ...")])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_a_header_far_from_its_record_is_named(tmp_path):
    path, record = _lesson(tmp_path, "**Running time:** about 10 minutes in full mode"), tmp_path / "times.json"
    lesson_times.record("x", 600, "full", record)
    assert lesson_times.mismatches([path], record) == []
    lesson_times.record("x", 300, "full", record)                 # 5 min: 10 is 100 % off
    assert "the header says about 10 min, the recorded run took 5.0 min" in lesson_times.mismatches([path], record)[0]
    lesson_times.record("x", 470, "full", record)                 # 7.8 min: 10 is 28 % off
    assert lesson_times.mismatches([path], record)
    lesson_times.record("x", 500, "full", record)                 # 8.3 min: 20 % off
    assert lesson_times.mismatches([path], record) == []


def test_short_lessons_round_to_whole_minutes_or_say_under_a_minute(tmp_path):
    record = tmp_path / "times.json"
    lesson_times.record("x", 40, "full", record)
    path = _lesson(tmp_path, "**Running time:** under a minute in full mode")
    assert lesson_times.mismatches([path], record) == []
    lesson_times.record("x", 75, "full", record)
    assert "under a minute" in lesson_times.mismatches([path], record)[0]
    assert lesson_times.update_header(path, 75) and lesson_times.header_minutes(path) == 1
    assert lesson_times.mismatches([path], record) == []
    assert not lesson_times.update_header(path, 80)               # still "about 1 minute": unchanged


def test_missing_headers_records_and_bad_runs_are_named(tmp_path):
    record = tmp_path / "times.json"
    path = _lesson(tmp_path, "**Time:** about 10 minutes")
    assert "states no" in lesson_times.mismatches([path], record)[0]
    path = _lesson(tmp_path, "**Running time:** about 10 minutes in full mode")
    assert "no full-mode run is recorded" in lesson_times.mismatches([path], record)[0]
    lesson_times.record("x", 30, "fast", record)
    assert json.loads(record.read_text())["lessons"]["x"]["fast"]["seconds"] == 30
    assert "no full-mode run is recorded" in lesson_times.mismatches([path], record)[0]
    with pytest.raises(ValueError, match="mode"):
        lesson_times.record("x", 30, "quick", record)
    with pytest.raises(ValueError, match="positive"):
        lesson_times.record("x", 0, "full", record)
    with pytest.raises(ValueError, match="states no"):
        lesson_times.update_header(_lesson(tmp_path, "no header"), 30)

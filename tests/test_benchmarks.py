"""course_lib.timing (the benchmarks' shared timers) on a fake clock, and every benchmark's ``--help``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_lib import timing

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("bench_*.py"))



class FakeClock:
    """A clock that only moves when a timed call says how long it took."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def takes(self, durations):
        """Return a function that, on its n-th call, advances the clock by durations[n].

        The function takes an argument or none.
        """
        calls = []

        def fn(*args):
            calls.append(args)
            self.now += durations[len(calls) - 1]

        fn.calls = calls
        return fn


def test_best_of_warms_up_then_keeps_the_fastest_round_per_call():
    clock = FakeClock()
    # warm-up 100 s (ignored), then three rounds of two calls: 3+5, 1+1, 2+4 → 4, 1, 3 per call
    fn = clock.takes([100, 3, 5, 1, 1, 2, 4])
    assert timing.best_of(fn, repeat=3, number=2, clock=clock) == pytest.approx(1.0)
    assert len(fn.calls) == 1 + 3 * 2 and fn.calls[0] == ()


def test_best_of_defaults_to_one_call_a_round():
    clock = FakeClock()
    fn = clock.takes([9, 0.5, 0.25, 0.75])
    assert timing.best_of(fn, 3, clock=clock) == pytest.approx(0.25)
    assert len(fn.calls) == 4


def test_median_of_passes_the_call_number_and_has_no_warm_up():
    clock = FakeClock()
    fn = clock.takes([5, 1, 3, 100])
    assert timing.median_of(fn, 3, clock=clock) == pytest.approx(3.0)
    assert fn.calls == [(0,), (1,), (2,)]
    clock = FakeClock()
    assert timing.median_of(clock.takes([4, 1, 2, 8]), 4, clock=clock) == pytest.approx(3.0)   # mean of the middle two


def test_rate_counts_calls_per_second():
    clock = FakeClock()
    fn = clock.takes([0.5] * 4)
    assert timing.rate(fn, 4, clock=clock) == pytest.approx(2.0)
    assert fn.calls == [(0,), (1,), (2,), (3,)]


def test_batch_rate_counts_items_per_second_of_one_call():
    clock = FakeClock()
    fn = clock.takes([2.0])
    assert timing.batch_rate(fn, 10, clock=clock) == pytest.approx(5.0)
    assert fn.calls == [()]


def test_timers_on_the_real_clock_measure_a_sleep():
    best = timing.best_of(lambda: time.sleep(0.01), repeat=2)
    median = timing.median_of(lambda k: time.sleep(0.01), 3)
    per_second = timing.rate(lambda i: time.sleep(0.01), 3)
    items = timing.batch_rate(lambda: time.sleep(0.01), 5)
    assert 0.009 <= best < 1 and 0.009 <= median < 1
    assert 1 < per_second <= 101 and 5 < items <= 501


def test_set_threads_sets_every_library_and_keeps_a_chosen_tf_log_level(monkeypatch):
    for name in timing.THREAD_VARIABLES:
        monkeypatch.setenv(name, "99")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    timing.set_threads(3)
    assert {name: os.environ[name] for name in timing.THREAD_VARIABLES} == dict.fromkeys(timing.THREAD_VARIABLES, "3")
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL")
    timing.set_threads(1)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"


def test_benchmark_parser_describes_itself_and_adds_integer_options():
    parser = timing.benchmark_parser("First line.\n\nMore.", size=256, naive_size=12)
    assert parser.description == "First line."
    args = parser.parse_args(["--naive-size", "5"])
    assert (args.size, args.naive_size) == (256, 5)


def test_timing_imports_only_the_standard_library():
    # set_threads must run before NumPy & co. are imported, so importing timing must not import them
    code = ("import sys; from course_lib import timing; "
            "print(sorted({'numpy', 'cv2', 'numba', 'tensorflow', 'PIL', 'keras'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=BENCHMARKS, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"


def test_the_benchmark_scripts_are_found():
    # an empty list would turn the parametrized test below into no test at all
    assert SCRIPTS, f"no bench_*.py in {BENCHMARKS}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_every_benchmark_uses_the_shared_helpers_and_answers_help(script):
    text = script.read_text(encoding="utf-8")
    assert re.search(r"^from course_lib\.timing import ", text, re.MULTILINE), (
        f"{script.name} does not use course_lib.timing")
    assert not re.search(r"\bdef (best_\w+|median_\w+|rate|_set_threads)\(", text), (
        f"{script.name} defines its own timer: use course_lib.timing")
    # run the way README quotes it: python benchmarks/bench_x.py
    result = subprocess.run([sys.executable, str(script.relative_to(ROOT)), "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("usage:")
    first_line = text.split('"""')[1].splitlines()[0]
    assert " ".join(first_line.split()) in " ".join(result.stdout.split())

"""Fast mode is read once, strictly: a typo in COURSE_FAST is an error, not full mode."""

import subprocess
import sys

import pytest

from course_lib import config


@pytest.mark.parametrize("raw, expected", [
    (None, False), ("", False), ("0", False), ("false", False), ("no", False),
    ("1", True), ("true", True), ("YES", True), (" on ", True), ("smoke", True), (" SMOKE ", True),
])
def test_fast_flag_values(raw, expected):
    assert config._read_fast_flag(raw) is expected


def test_fast_flag_typo_is_refused():
    with pytest.raises(ValueError, match="COURSE_FAST='fsat'"):
        config._read_fast_flag("fsat")


@pytest.mark.parametrize("raw, expected", [("1", "fast 3 3"), ("0", "full 30 30"), ("smoke", "smoke 3 1")])
def test_pick_follows_the_environment(raw, expected):
    """A pick without a smoke value gives its fast value in smoke mode; one with it, the smoke value."""
    code = ("from course_lib.config import mode_name, pick; "
            "print(mode_name(), pick(fast=3, full=30), pick(smoke=1, fast=3, full=30))")
    out = subprocess.run([sys.executable, "-c", code], env={"COURSE_FAST": raw},
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == expected


@pytest.mark.parametrize("raw, fast, smoke", [("smoke", True, True), ("1", True, False), ("0", False, False)])
def test_smoke_mode_is_fast_mode_shrunk(raw, fast, smoke):
    code = "from course_lib.config import FAST, SMOKE; print(FAST, SMOKE)"
    out = subprocess.run([sys.executable, "-c", code], env={"COURSE_FAST": raw},
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == f"{fast} {smoke}"


def test_folders_point_into_the_kit():
    assert (config.REPO_ROOT / "pyproject.toml").is_file()
    assert config.DATA_DIR == config.REPO_ROOT / "data"

"""The three descriptions of the environment agree: pyproject.toml, the pins, environment.yml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["dev"]
    reqs = [Requirement(line) for line in lines]
    return {canonicalize_name(r.name): str(r.specifier) for r in reqs}


def _conda_requirements() -> tuple[dict[str, str], str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    found: dict[str, str] = {}
    python = ""
    for item in env["dependencies"]:
        entries = item["pip"] if isinstance(item, dict) else [item]
        for entry in entries:
            if entry.startswith("-e") or entry == "pip":
                continue
            if entry.startswith("python="):
                python = entry.split("=", 1)[1]
                continue
            req = Requirement(entry)
            found[canonicalize_name(req.name)] = str(req.specifier)
    return found, python


def _pins() -> dict[str, str]:
    pins = {}
    for raw in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_environment_yml_lists_the_same_packages_and_ranges_as_pyproject():
    pyproject = _pyproject_requirements()
    conda, _ = _conda_requirements()
    missing = sorted(set(pyproject) - set(conda))
    extra = sorted(set(conda) - set(pyproject))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    differ = {n: (pyproject[n], conda[n]) for n in pyproject if pyproject[n] != conda[n]}
    assert not differ, f"version ranges differ (pyproject, environment.yml): {differ}"


def test_environment_yml_uses_the_same_python():
    _, python = _conda_requirements()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    spec = Requirement(f"python{project['requires-python']}").specifier
    assert python and spec.contains(python + ".0"), (python, str(spec))


def test_every_dependency_is_pinned_inside_its_range():
    pins = _pins()
    for name, spec in _pyproject_requirements().items():
        assert name in pins, f"{name} has no pin in requirements/constraints.txt: run `make upgrade`"
        req = Requirement(f"{name}{spec}")
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} in constraints.txt is outside pyproject's range {spec}"
        )

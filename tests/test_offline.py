"""Nothing in the kit downloads at run time: a static guard over the library and the lessons."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    r"weights\s*=\s*['\"]imagenet['\"]": "pretrained weights from the internet",
    r"\btensorflow_datasets\b|\btfds\.": "tfds downloads its data",
    r"\bhub\.load\b|tensorflow_hub|huggingface_hub|from_pretrained\(": "a model hub",
    r"keras\.utils\.get_file|tf\.keras\.utils\.get_file|\bget_file\(": "Keras downloads",
    r"urllib\.request\.urlopen|requests\.get\(|\bwget\b|\bcurl\b": "a network fetch",
    r"\bpooch\b|skimage\.data\.download_all|data\.(?:cells3d|kidney|lily|brain|vortex|protein_transport|eagle|human_mitosis|nickel_solidification|mitosis)\(":
        "scikit-image images that are fetched from the internet (only the bundled ones are allowed)",
}


SCANNED = [
    "course_lib/**/*.py",        # recursive: subpackages such as course_lib/views/ count too
    "notebooks/*.ipynb",
    "apps/*.ipynb",
    "scripts/*.py",
    "benchmarks/*.py",
]


def _code(path: Path) -> str:
    """Return a Python file's text, or a notebook's code cells joined."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return text
    cells = json.loads(text)["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def _sources():
    for pattern in SCANNED:
        for path in sorted(ROOT.glob(pattern)):
            yield path.relative_to(ROOT), _code(path)


def test_the_scan_covers_every_place_code_lives():
    names = {str(name) for name, _ in _sources()}
    for expected in ["course_lib/__init__.py", "apps/studio.ipynb", "benchmarks/bench_unet.py"]:
        assert expected in names
    for folder in ["notebooks/", "scripts/", "benchmarks/bench_"]:
        assert any(name.startswith(folder) for name in names), folder
    library = {p.relative_to(ROOT).as_posix() for p in (ROOT / "course_lib").rglob("*.py")}
    assert library <= names, "a module of course_lib (a subpackage's too) is not scanned"


@pytest.mark.parametrize("pattern, why", FORBIDDEN.items(), ids=list(FORBIDDEN.values()))
def test_no_download_at_run_time(pattern, why):
    hits = [f"{name}: {m.group(0)!r}" for name, text in _sources()
            for m in re.finditer(pattern, text)]
    assert not hits, f"{why} — the kit must run offline:\n" + "\n".join(hits)

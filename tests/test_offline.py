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


def _sources():
    for path in sorted((ROOT / "course_lib").rglob("*.py")):
        yield path.relative_to(ROOT), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        yield path.relative_to(ROOT), code
    for path in sorted((ROOT / "scripts").glob("*.py")):
        yield path.relative_to(ROOT), path.read_text(encoding="utf-8")


@pytest.mark.parametrize("pattern, why", FORBIDDEN.items(), ids=list(FORBIDDEN.values()))
def test_no_download_at_run_time(pattern, why):
    hits = [f"{name}: {m.group(0)!r}" for name, text in _sources()
            for m in re.finditer(pattern, text)]
    assert not hits, f"{why} — the kit must run offline:\n" + "\n".join(hits)

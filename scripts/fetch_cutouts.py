"""Fetch, check and unpack Tux Paint's Debian packages, then load the reviewed stamps and templates: `make cutouts`.

    .venv/bin/python scripts/fetch_cutouts.py

Downloads ``tuxpaint-stamps-default`` and ``tuxpaint-data`` at their pinned
versions with ``apt-get download`` into ``CACHE_DIR/tuxpaint`` (git-ignored),
checks their SHA-256, unpacks them, and checks every stamp and template of
``data/cutouts/*.csv`` against its listed SHA-256 by loading it. Prints how
many were kept, per category. Nothing is written inside the repository.
"""

from __future__ import annotations

import sys
from collections import Counter

from course_lib import stamps


def main() -> int:
    try:
        trees = stamps.prepare()
        cutouts = stamps.load_cutouts()
        backgrounds = stamps.load_backgrounds()
    except stamps.CutoutsError as exc:
        print(f"make cutouts: {exc}", file=sys.stderr)
        return 1
    for name, tree in trees.items():
        print(f"{name}: unpacked in {tree}")
    rows = stamps.read_list(stamps.STAMPS_LIST)
    kept = Counter(r["category"].split("/")[0] for r in rows if r["kept"] == "yes")
    left_out = Counter(r["reason"] for r in rows if r["kept"] == "no")
    print(f"{len(cutouts)} of {len(rows)} stamps kept as real cut-outs, checked against {stamps.STAMPS_LIST.name}: "
          + ", ".join(f"{c} {n}" for c, n in sorted(kept.items())))
    print("left out: " + ", ".join(f"{r} {n}" for r, n in sorted(left_out.items())))
    print(f"{len(backgrounds)} template photos kept as backgrounds, checked against {stamps.BACKGROUNDS_LIST.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How far the real photos let one trust a gap to GrabCut: paired bootstrap intervals of the median gap.

    .venv/bin/python scripts/dev_noise.py              # dev: every candidate; holdout: each default it judged

Reads the stored per-photo scores only (``data/models/real_default.json`` for
``dev``, ``data/models/real_default_holdout.json`` for ``holdout``); nothing is
scored again, so it takes a second. For each method it prints its median gap to
GrabCut from the border (same GrabCut seeds, photo by photo), the 90 % interval
of that gap over photos drawn with replacement
(:func:`course_lib.real_default.paired_bootstrap`), and the share of draws in
which it leads. An interval that spans 0 means the photos cannot tell the method
from GrabCut by median: the choice between them is the photos' noise.
"""

from __future__ import annotations

import argparse
import sys

from course_lib import real_default


def _line(name: str, scores: dict, grabcut: dict, resamples: int) -> str:
    r = real_default.paired_bootstrap(scores, grabcut, resamples=resamples)
    spans = "spans 0" if r["low"] <= 0.0 <= r["high"] else ("above 0" if r["low"] > 0 else "below 0")
    return (f"  {name:42s} {r['gap']:+.3f}   [{r['low']:+.3f}, {r['high']:+.3f}] {spans:8s}"
            f"  leads in {100 * r['above']:5.1f} % of draws")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap draws (default 10,000)")
    args = parser.parse_args(argv)
    choice = real_default.read_choice()
    methods = choice["methods"]
    grabcut = methods["grabcut"]["per_photo"]
    header = f"  {'method':42s} {'gap':>6s}   90 % interval of the median gap to GrabCut"
    print(f"dev ({len(grabcut)} photos; GrabCut seeds {choice['seeds']}, chosen: {choice['default']}):\n{header}")
    for name in sorted((m for m in methods if m != "grabcut"), key=lambda m: -methods[m]["median"]):
        print(_line(name, methods[name]["per_photo"], grabcut, args.resamples))
    record = real_default.read_holdout()
    if record is not None:
        grabcut = record["per_photo"]["grabcut"]
        print(f"\nholdout ({len(grabcut)} photos; scored per default, never chosen on):\n{header}")
        for e in record.get("earlier_defaults", []):
            print(_line(f"{e['default']} (the default at {e['commit']})", e["per_photo"], grabcut, args.resamples))
        default = record["default_when_scored"]
        if default != "grabcut":
            print(_line(f"{default} (the default now)", record["per_photo"][default], grabcut, args.resamples))
    return 0


if __name__ == "__main__":
    sys.exit(main())

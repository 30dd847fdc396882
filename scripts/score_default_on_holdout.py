"""Score the tools' default (chosen on `dev`) and GrabCut from the border ONCE on the real `holdout` photos.

    .venv/bin/python scripts/score_default_on_holdout.py     # writes data/models/real_default_holdout.json

`holdout` gives final numbers only: nothing is chosen or tuned on it. So this
script scores the method `scripts/choose_real_default.py` already chose, with
the same seeds, and refuses to run again over a stored result unless told why
(`--again "REASON"`: the reason is kept in the file, so a reader sees holdout
was looked at more than once). The default scored before stays on record
(`earlier_defaults`), with the commit and model it was scored with.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_lib import inference, real, real_default
from course_lib.config import REPO_ROOT
from course_lib.imageio import write_atomic


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=real_default.HOLDOUT_PATH, help="the JSON to write")
    parser.add_argument("--again", metavar="REASON", default=None,
                        help="score holdout again over a stored result, and record why")
    args = parser.parse_args(argv)
    previous = real_default.read_holdout(args.out)
    if previous is not None and not args.again:
        parser.error(f"{args.out} exists: holdout was scored for {previous['default_when_scored']!r} already. "
                     "Holdout is for final numbers; pass --again \"REASON\" to score it once more "
                     "(the reason is recorded)")
    choice = real_default.read_choice()
    default, seeds = choice["default"], choice["seeds"]
    names = [default] if default == "grabcut" else [default, "grabcut"]
    split = real.as_split("holdout")
    print(f"{len(split)} holdout photos; scoring {names} with seeds {seeds}")
    real_model, _ = inference.load_real_model()
    real_cnn = inference.AlphaCache(real_model, size=inference.REAL_WORK_SIZE)
    unet_cnn = inference.AlphaCache(inference.load_pretrained(), size=inference.WORK_SIZE)
    scores = real_default.score_candidates(real_cnn, unet_cnn, split, seeds=seeds, names=names)
    per_photo = {name: s["per_photo"] for name, s in scores.items()}
    medians = real_default.medians(per_photo)
    wins = {name: sum(per_photo[name][p] > per_photo["grabcut"][p] for p in per_photo[name]) for name in names}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                            check=False).stdout.strip()
    result = {
        "split": "holdout",
        "default_when_scored": default,
        "summary": real_default.CANDIDATES[default][0],
        "model": real_default.model_of(default),
        "chosen_on": "dev (data/models/real_default.json)",
        "seeds": seeds,
        "photos": [m["name"] for m in split.meta],
        "medians": medians,
        "wins_over_grabcut": wins,
        "per_photo": per_photo,
        "per_seed": {name: s["per_seed"] for name, s in scores.items() if "per_seed" in s},
        "command": " ".join(["python scripts/score_default_on_holdout.py", *map(shlex.quote, argv or sys.argv[1:])]),
        "commit": commit,
        "times_scored": (previous or {}).get("times_scored", 0) + 1,
        "reasons_for_again": (previous or {}).get("reasons_for_again", []) + ([args.again] if args.again else []),
        "earlier_defaults": real_default.earlier_defaults(previous),
    }
    write_atomic(args.out, (json.dumps(result, indent=1, ensure_ascii=False) + "\n").encode("utf-8"), overwrite=True)
    for name in names:
        print(f"{name:12s} median IoU {medians[name]:.3f}, beats GrabCut from the border on {wins[name]} "
              f"of {len(split)} photos")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

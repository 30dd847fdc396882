"""Print the real-photo scoreboard, or write it into the README between its markers.

    .venv/bin/python scripts/scoreboard.py            # print the table and its conclusion
    .venv/bin/python scripts/scoreboard.py --readme   # rewrite README.md's "Scoreboard" block

The rows come from the stored per-photo scores (:mod:`course_lib.scoreboard`);
tests/test_scoreboard.py fails when the README's block differs from them.
"""

from __future__ import annotations

import argparse
import sys

from course_lib import scoreboard
from course_lib.config import REPO_ROOT
from course_lib.imageio import write_atomic


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's scoreboard block")
    args = parser.parse_args(argv)
    block = scoreboard.readme_block()
    if not args.readme:
        print(block)
        return 0
    readme = REPO_ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if scoreboard.README_START not in text or scoreboard.README_END not in text:
        parser.error(f"{readme} has no scoreboard markers: add a '## Scoreboard' section holding the two lines\n"
                     f"{scoreboard.README_START}\n{scoreboard.README_END}")
    before, rest = text.split(scoreboard.README_START, 1)
    after = rest.split(scoreboard.README_END, 1)[1]
    write_atomic(readme, (before + block + after).encode("utf-8"), overwrite=True)
    print(f"wrote the scoreboard into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

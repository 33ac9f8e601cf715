"""Import time of several lists into one data/: the seed and the four lists of shared/lists/ (markdown-it-py
grammars), end to end as a user runs it (`phenkg import SEED A.md B.md C.md D.md --data DIR`, Python
start-up included), and the in-process parse time of each list.

    python benchmarks/bench_import.py [--runs 3] [--lists DIR] [--seed FILE]

Prints each run's wall time and the median; the target is under 2 s for all five lists together.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LISTS = ("awesome-deep-learning-papers.md", "GNNPapers.md", "Awesome-LLM.md", "pwc.md")


def find(relative: str) -> Path | None:
    for folder in ROOT.parents:
        if (folder / relative).exists():
            return folder / relative
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lists", type=Path, default=find("shared/lists"))
    parser.add_argument("--seed", type=Path, default=ROOT / "data" / "awesome-deep-phenomena.md")
    args = parser.parse_args()
    if args.lists is None:
        sys.exit("bench_import: no shared/lists/ folder found; pass --lists DIR")
    paths = [args.seed, *(args.lists / name for name in LISTS)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    sys.path.insert(0, str(ROOT / "src"))
    from phenkg.grammars import read_list

    for path in paths:
        text = path.read_text(encoding="utf-8")
        start = time.perf_counter()
        catalog = read_list(text, path.name)
        print(f"parse {path.name:<36} {len(catalog.papers):>6,} papers {time.perf_counter() - start:6.3f} s")
    times = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as data:
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "phenkg.cli", "import", *map(str, paths), "--data", data],
                                  env=env, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
            if done.returncode not in (0, 1):
                sys.exit(done.stderr)
        print(f"run {run + 1}: import of {len(paths)} lists into one data/ {times[-1]:.2f} s")
    median = statistics.median(times)
    print(f"median {median:.2f} s ({'under' if median < 2 else 'OVER'} the 2 s target)")
    return 0 if median < 2 else 1


if __name__ == "__main__":
    sys.exit(main())

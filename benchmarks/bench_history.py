"""`phenkg history` over the seed list's real history: seconds for the whole walk, and per commit.

    python benchmarks/bench_history.py [--runs 3] [--repo CLONE] [--out DIR]

Clones tests/data/history/awesome-deep-phenomena-to-seed.bundle (83 commits) into a temporary folder
unless --repo names a clone, copies data/ beside it, and runs `phenkg history` as a subprocess (Python
start included) with a changelog: every version imported, diffed, and written as Markdown, JSON and
RDF Patch. Prints each run and the median; the acceptance bound is 30 s.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "tests" / "data" / "history" / "awesome-deep-phenomena-to-seed.bundle"
BOUND = 30.0


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: a figure that a busy machine inflates
    less than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repo", type=Path, help="a clone of the list's repository (default: the bundle)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo = args.repo
        if repo is None:
            repo = work / "repo"
            subprocess.run(["git", "clone", "-q", "-b", "seed-2022-05-17", str(BUNDLE), str(repo)], check=True)
        commits = int(subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD", "--", "README.md"],
                                     check=True, capture_output=True, text=True).stdout)
        times = []
        for run in range(1, args.runs + 1):
            data = work / f"data-{run}"
            shutil.copytree(ROOT / "data", data)
            started, cpu = time.perf_counter(), _children_cpu()
            subprocess.run([sys.executable, "-m", "phenkg.cli", "history", str(repo), "--data", str(data),
                            "--out", str(work / f"changelog-{run}")], check=True, capture_output=True,
                           env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin:/usr/local/bin"})
            times.append(time.perf_counter() - started)
            print(f"run {run}: {times[-1]:.2f} s for {commits} commits ({1000 * times[-1] / commits:.0f} ms a commit), "
                  f"{_children_cpu() - cpu:.2f} s of CPU")
    median = statistics.median(times)
    print(f"phenkg history: median {median:.2f} s over {args.runs} run(s), {commits} commits; bound {BOUND:.0f} s")
    return 0 if median < BOUND else 1


if __name__ == "__main__":
    sys.exit(main())

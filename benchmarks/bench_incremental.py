"""Incremental build: one edited title against a clean build of the same data, in one run.

    python benchmarks/bench_incremental.py [--papers 20000] [--work DIR] [--check]

Generates N papers (tests/synthetic.py), imports them, then times as subprocesses (Python start
included): a clean build (`phenkg build --clean`), one paper's title edited in data/papers.yaml and
the incremental build, then a rebuild with nothing changed. `--check` also builds the edited data clean
into another directory and compares every file byte for byte (the store by its quads). Prints the
times and the ratio clean / incremental, and the machine's load; writes results/incremental.json.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import sys
import tempfile
from pathlib import Path

from harness import machine, ratio, run_measured, say, write_result

ROOT = Path(__file__).resolve().parents[1]
PHENKG = [sys.executable, "-c", "import sys; from phenkg.cli import main; sys.exit(main())"]


def phenkg(*args: str, env: dict, timeout: float = 3600):
    run = run_measured([*PHENKG, *args], timeout=timeout, env=env)
    if run.returncode not in (0, 1):
        raise SystemExit(f"phenkg {' '.join(args)} failed ({run.returncode}): {run.stderr_tail}")
    return run


def edit_one_title(data: Path) -> None:
    papers = data / "papers.yaml"
    text = papers.read_text(encoding="utf-8")
    edited, n = re.subn(r"^  title: .*$", "  title: A Title Edited For The Benchmark", text, count=1,
                        flags=re.MULTILINE)
    assert n == 1
    papers.write_text(edited, encoding="utf-8")


def same_dist(a: Path, b: Path) -> bool:
    import pyoxigraph as ox

    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        return False
    for name in names:
        if name == "store":
            quads = [sorted(map(str, ox.Store.read_only(str(d / name)))) for d in (a, b)]
            if quads[0] != quads[1]:
                return False
        elif (a / name).is_dir():
            if not same_dist(a / name, b / name):
                return False
        elif not filecmp.cmp(a / name, b / name, shallow=False):
            return False
    return True


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--papers", type=int, default=20_000)
    options.add_argument("--work", type=Path)
    options.add_argument("--check", action="store_true", help="compare with a clean build of the edited data")
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="phenkg-bench-incr-", dir=args.work) as tmp:
        work = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PHENKG_CACHE": str(work / "cache")}
        sys.path.insert(0, str(ROOT / "tests"))
        from synthetic import awesome_list

        (work / "list.md").write_text(awesome_list(args.papers), encoding="utf-8")
        data, dist = work / "data", work / "dist"
        phenkg("import", str(work / "list.md"), "--data", str(data), env=env)
        load = os.getloadavg()
        say(f"{args.papers:,} papers: clean build (load average {load[0]:.2f})")
        clean = phenkg("build", "--clean", "--data", str(data), "--out", str(dist), env=env)
        edit_one_title(data)
        say("one title edited: incremental build")
        incremental = phenkg("build", "--data", str(data), "--out", str(dist), env=env)
        say("nothing changed: incremental build")
        noop = phenkg("build", "--data", str(data), "--out", str(dist), env=env)
        identical = None
        if args.check:
            say("checking: the edited data built clean")
            phenkg("build", "--clean", "--data", str(data), "--out", str(work / "clean"), env=env)
            identical = same_dist(dist, work / "clean")
        after = os.getloadavg()
    row = {"size": str(args.papers), "papers": args.papers, "clean_s": clean.seconds,
           "one_title_s": incremental.seconds, "no_op_s": noop.seconds,
           "ratio_one_title": ratio(clean.seconds, incremental.seconds),
           "ratio_no_op": ratio(clean.seconds, noop.seconds),
           "clean_peak_mb": clean.peak_mb, "one_title_peak_mb": incremental.peak_mb, "identical": identical,
           "load_before": load, "load_after": after}
    print(f"{args.papers:,} papers: clean build {clean.seconds:.1f} s; one title edited {incremental.seconds:.1f} s "
          f"({row['ratio_one_title']:.1f}x faster); nothing changed {noop.seconds:.1f} s "
          f"({row['ratio_no_op']:.1f}x); identical to a clean build: {identical}; "
          f"load average {load[0]:.2f} before, {after[0]:.2f} after; {machine()['cores']} cores")
    write_result("incremental", {"rows": [row]})


if __name__ == "__main__":
    main()

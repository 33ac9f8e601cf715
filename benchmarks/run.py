#!/usr/bin/env python3
"""Run every phenkg benchmark, each against a peer measured in the same run; write
benchmarks/results/*.json, the table in benchmarks/README.md and results/scaling.svg.

    python benchmarks/run.py                      # seed, 2,000, 20,000, 200,000 papers
    python benchmarks/run.py --quick              # seed and 2,000, few repeats (a smoke run)
    python benchmarks/run.py --sizes seed,2000 --only validation,sparql
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_build
import bench_sparql
import bench_validate
import harness
import report
from harness import BENCH, Inputs, say, write_result

ALL = ("end_to_end", "validation", "sparql", "push")
VALIDATION_SIZES = {"seed", "2000", "20000"}  # pySHACL at 200,000 would take an hour
SPARQL_SIZES = {"seed", "20000"}


def options(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", help="comma-separated: seed and numbers of papers "
                    "(default seed,2000,20000,200000; --quick: seed,2000)")
    ap.add_argument("--quick", action="store_true", help="seed and 2,000 only, few repeats, short loops")
    ap.add_argument("--only", default=",".join(ALL), help=f"benchmarks to run (default {','.join(ALL)})")
    ap.add_argument("--repeats", type=int, help="repeats of every end-to-end and validation measurement")
    ap.add_argument("--work", type=Path, help="where generated lists, imports and exports are kept "
                    "(default: a fresh temporary directory)")
    ap.add_argument("--out", type=Path, help="write results/ and the README table under this directory "
                    "instead of benchmarks/ (for tests)")
    ap.add_argument("--merge", action="store_true", help="keep the result rows of sizes not run now "
                    "(each row records when it was measured)")
    ap.add_argument("--peer-200k", action="store_true",
                    help="also run the rdflib end-to-end peer at 200,000 papers (about 5 minutes)")
    ap.add_argument("--cap", type=float, default=900,
                    help="stop an end-to-end run past this many seconds (default 900)")
    ap.add_argument("--max-rss-mb", type=float, default=14_000,
                    help="stop an end-to-end run past this resident memory (default 14000 MB)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    # SIGTERM unwinds like Ctrl-C, so every server and child this run started is stopped
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    sizes = (args.sizes or ("seed,2000" if args.quick else "seed,2000,20000,200000")).split(",")
    sizes = [s.strip().replace("_", "") for s in sizes if s.strip()]
    harness.MERGE = args.merge
    if args.out:
        harness.RESULTS, harness.README = args.out / "results", args.out / "README.md"
    only = {x.strip() for x in args.only.split(",")}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="phenkg-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        inputs = Inputs(work)
        for size in sizes:
            say(f"input {size}: {inputs.list_file(size)}")
        if "end_to_end" in only:
            repeats = {s: args.repeats or (3 if args.quick else {"seed": 5, "2000": 3}.get(s, 1))
                       for s in sizes}
            if args.quick:
                repeats = {s: args.repeats or (3 if s == "seed" else 1) for s in sizes}
            peers = {s for s in sizes if s != "200000" or args.peer_200k}
            timeout = dict.fromkeys(sizes, args.cap)
            bench_build.save(bench_build.bench(inputs, sizes, repeats, peer_sizes=peers, timeout=timeout,
                                               max_rss_mb=args.max_rss_mb))
            report.plot()
            report.write_readme()
        if "validation" in only:
            vsizes = [s for s in sizes if s in VALIDATION_SIZES]
            pyshacl_repeats = {s: args.repeats or (1 if args.quick or s == "20000" else 3) for s in vsizes}
            fast_repeats = args.repeats or (3 if args.quick else 5)
            bench_validate.save(bench_validate.bench(inputs, vsizes, fast_repeats, pyshacl_repeats))
            report.plot()
            report.write_readme()
        if "sparql" in only:
            ssizes = [s for s in sizes if s in SPARQL_SIZES] or (["seed"] if args.quick else [])
            if args.quick:
                result = bench_sparql.bench(inputs, ssizes, warmup=3, max_requests=20, max_seconds=3,
                                            wrk_seconds=3, servers=["phenkg", "oxigraph", "rdflib-endpoint"])
            else:
                result = bench_sparql.bench(inputs, ssizes, warmup=5, max_requests=100, max_seconds=15,
                                            wrk_seconds=10, servers=["phenkg", "oxigraph", "rdflib-endpoint"])
            throughput = {"description": "wrk, 8 connections on 2 threads, bounded time, round-robin over "
                                         "the example queries (GET ?query=)",
                          "rows": [{"size": r["size"], "papers": r["papers"],
                                    "servers": {n: s.get("throughput", {"error": s.get("error", "")})
                                                for n, s in r["servers"].items()}} for r in result["rows"]]}
            bench_sparql.save(result)
            write_result("throughput", throughput)
            report.write_readme()
        if "push" in only and (BENCH / "bench_push.py").exists():
            run_push(2000 if args.quick else 20000)
    report.plot()
    report.write_readme()
    say(f"done in {time.monotonic() - started:.0f} s: {harness.README}, {harness.RESULTS}/")
    return 0


def run_push(n: int) -> None:
    """The push engineer's benchmark (benchmarks/bench_push.py), its JSON kept as results/push.json."""
    say(f"push: benchmarks/bench_push.py --n {n}")
    try:
        out = subprocess.run([sys.executable, str(BENCH / "bench_push.py"), "--n", str(n)],
                             capture_output=True, text=True, timeout=1200, check=False)
        payload = json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr[-1000:]}
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        payload = {"error": f"{type(exc).__name__}: {exc}"}
    write_result("push", {"description": f"benchmarks/bench_push.py --n {n}", "result": payload})


if __name__ == "__main__":
    sys.exit(main())

"""Charts (phenkg.charts): every chart of the seed and of N generated papers, each a query on the
pyoxigraph store of the graph plus an offline vl-convert render, timed as `phenkg build` runs them
(the store loaded first, not timed). Budget (issue 19): the seed in a few seconds, 20,000 papers
under a minute.

    python benchmarks/bench_charts.py [--sizes seed,20000] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from harness import Inputs, say, write_result

BUDGET_S = {"seed": 5.0, "20000": 60.0}


def one(inputs: Inputs, size: str) -> dict:
    from phenkg.charts.build import write_charts
    from phenkg.graph import build_store
    from phenkg.store import read_catalog
    from phenkg.vocab import DEFAULT_BASE

    catalog = read_catalog(inputs.data(size))
    store = build_store(catalog, DEFAULT_BASE)
    with tempfile.TemporaryDirectory(prefix="phenkg-bench-charts-", dir=inputs.work) as tmp:
        started, cpu = time.monotonic(), _cpu()
        files = write_charts(store, Path(tmp) / "charts", DEFAULT_BASE)
        seconds, cpu = time.monotonic() - started, _cpu() - cpu
        size_bytes = sum(p.stat().st_size for p in files)
    return {"size": size, "papers": len(catalog.papers), "charts": len(files) // 4, "seconds": round(seconds, 2),
            "cpu_s": round(cpu, 2), "load_average": round(os.getloadavg()[0], 1),
            "bytes": size_bytes, "budget_s": BUDGET_S.get(size), "within_budget": seconds <= BUDGET_S.get(size, 1e9),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _cpu() -> float:
    """CPU seconds of this process and its threads (vl-convert renders in a thread of its own): on a
    shared machine a steadier figure than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="seed,20000")
    parser.add_argument("--work", type=Path, default=None, help="keep generated inputs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phenkg-bench-") as tmp:
        inputs = Inputs(args.work or Path(tmp))
        rows = []
        for size in args.sizes.split(","):
            say(f"charts, {size}")
            rows.append(one(inputs, size))
            say(f"  {rows[-1]['charts']} charts in {rows[-1]['seconds']} s ({rows[-1]['cpu_s']} s of CPU)")
    say(f"wrote {write_result('charts', {'rows': rows})}")


if __name__ == "__main__":
    main()

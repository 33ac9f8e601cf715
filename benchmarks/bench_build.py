"""End to end: `phenkg import` then `phenkg build` (graph, validation, every export) as subprocesses,
wall time and peak memory, against rdflib parsing and serializing the same graph as Turtle."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from harness import BENCH, Inputs, median, papers_of, phenkg_cmd, ratio, run_measured, say, write_result

PEER = BENCH / "peer_rdflib.py"


def one_build(inputs: Inputs, size: str, timeout: float, max_rss_mb: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="phenkg-bench-build-", dir=inputs.work) as tmp:
        data, dist = Path(tmp) / "data", Path(tmp) / "dist"
        imp = run_measured(phenkg_cmd("import", str(inputs.list_file(size)), "--data", str(data)),
                           timeout=timeout, max_rss_mb=max_rss_mb)
        build = run_measured(phenkg_cmd("build", "--data", str(data), "--out", str(dist)),
                             timeout=max(1.0, timeout - imp.seconds), max_rss_mb=max_rss_mb)
        files = sorted(p.name for p in dist.glob("*")) if dist.exists() else []
    ok = imp.returncode in (0, 1) and build.returncode in (0, 1) and not build.killed
    return {"import_s": imp.seconds, "build_s": build.seconds, "total_s": imp.seconds + build.seconds,
            "import_peak_mb": imp.peak_mb, "build_peak_mb": build.peak_mb,
            "peak_mb": max(imp.peak_mb, build.peak_mb, build.tree_peak_mb),
            "build_tree_peak_mb": build.tree_peak_mb, "import_rc": imp.returncode,
            "build_rc": build.returncode, "killed": build.killed or imp.killed, "ok": ok,
            "files": files, "stderr_tail": "" if ok else (build.stderr_tail or imp.stderr_tail)[-800:]}


def one_peer(inputs: Inputs, size: str, timeout: float) -> dict:
    source = inputs.turtle(size)
    with tempfile.TemporaryDirectory(prefix="phenkg-bench-peer-", dir=inputs.work) as tmp:
        run = run_measured([sys.executable, str(PEER), str(source), str(Path(tmp) / "out.ttl")],
                           timeout=timeout)
    return {"total_s": run.seconds, "peak_mb": run.peak_mb, "rc": run.returncode, "killed": run.killed}


def bench(inputs: Inputs, sizes: list[str], repeats: dict[str, int], *, peer_sizes: set[str],
          timeout: dict[str, float], max_rss_mb: float, peer_timeout: float = 1800) -> dict:
    rows = []
    for size in sizes:
        n = repeats[size]
        inputs.list_file(size)
        runs = []
        for i in range(n):
            say(f"end to end, {size}: phenkg import + build, run {i + 1}/{n}")
            runs.append(one_build(inputs, size, timeout[size], max_rss_mb))
            if runs[-1]["killed"]:
                say(f"  stopped: {runs[-1]['killed']} (after {runs[-1]['total_s']:.0f} s)")
                break
        peers = []
        if size in peer_sizes:
            inputs.turtle(size)
            for i in range(n):
                say(f"end to end, {size}: rdflib parse + serialize Turtle, run {i + 1}/{n}")
                peers.append(one_peer(inputs, size, peer_timeout))
                if peers[-1]["killed"]:
                    say(f"  rdflib stopped: {peers[-1]['killed']} (after {peers[-1]['total_s']:.0f} s)")
                    break
        row = {"size": size, "papers": papers_of(size), "repeats": len(runs), "runs": runs,
               "median_total_s": median([r["total_s"] for r in runs]),
               "median_import_s": median([r["import_s"] for r in runs]),
               "median_build_s": median([r["build_s"] for r in runs]),
               "median_peak_mb": median([r["peak_mb"] for r in runs]),
               "completed": all(r["ok"] for r in runs), "killed": next((r["killed"] for r in runs
                                                                        if r["killed"]), ""),
               "timeout_s": timeout[size],
               "peer": None if not peers else {
                   "name": "rdflib parse + serialize Turtle", "repeats": len(peers), "runs": peers,
                   "median_total_s": median([p["total_s"] for p in peers]),
                   "median_peak_mb": median([p["peak_mb"] for p in peers]),
                   "killed": next((p["killed"] for p in peers if p["killed"]), "")},
               "peer_skipped": "" if peers else "peer not run at this size (rdflib takes ~5 min at 200,000)"}
        if peers:
            row["speedup_vs_peer"] = ratio(row["peer"]["median_total_s"], row["median_total_s"])
            row["memory_vs_peer"] = ratio(row["median_peak_mb"], row["peer"]["median_peak_mb"])
        say(f"  {size}: {row['median_total_s']:.2f} s, {row['median_peak_mb']:.0f} MB"
            + (f"; rdflib {row['peer']['median_total_s']:.2f} s" if peers else ""))
        rows.append(row)
    return {"description": "phenkg import + phenkg build as subprocesses (wall time, Python start "
                           "included; peak RSS from wait4) vs rdflib Graph.parse + serialize of the "
                           "same graph as Turtle", "rows": rows}


def save(result: dict) -> Path:
    return write_result("end_to_end", result)

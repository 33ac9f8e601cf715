"""Start-up: seconds from launching a server to its first answered query, phenkg against Oxigraph.

    python benchmarks/bench_startup.py [--papers 20000] [--runs 3] [--work DIR]

phenkg serves a built dist/ (`phenkg serve --dist`, which opens dist/store/ read-only); the peer is
`oxigraph serve-read-only` on a store loaded from the same N-Triples. Both are timed the same way:
launch, then `ASK {}` every 20 ms until one is answered 200. Also timed: how long after a runaway
query's 503 the endpoint answers again with both evaluators busy no more (the spare's take-over).
Prints each run and the ratio of the medians; writes results/startup.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
ASK = quote("ASK {}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answered(port: int, path: str, query: str = ASK, timeout: float = 5) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", f"{path}?query={query}", headers={"Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def time_to_answer(command: list[str], port: int, path: str, limit: float = 300) -> float:
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while time.monotonic() - started < limit:
            try:
                if answered(port, path) == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}")
            time.sleep(0.02)
        raise RuntimeError(f"no answer within {limit} s")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def replacement(dist: Path) -> float:
    """Seconds from a runaway's 503 until a query is answered again, with one evaluator."""
    port = free_port()
    command = [sys.executable, "-m", "phenkg.cli", "serve", "--dist", str(dist), "--port", str(port),
               "--workers", "1", "--timeout", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if answered(port, "/sparql") == 200:
                    break
            except OSError:
                time.sleep(0.05)
        time.sleep(1.0)                                     # let the spare start
        runaway = quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert answered(port, "/sparql", runaway, timeout=30) == 503
        stopped = time.monotonic()
        while answered(port, "/sparql", timeout=30) != 200:
            time.sleep(0.01)
        return time.monotonic() - stopped
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None)
    options = parser.parse_args()
    work = options.work or Path(tempfile.mkdtemp(prefix="phenkg-bench-startup-"))
    work.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from tests.synthetic import awesome_list

    data, dist, store = work / f"data-{options.papers}", work / f"dist-{options.papers}", work / "oxigraph-store"
    if not (dist / "store.json").is_file():
        listing = work / f"list-{options.papers}.md"
        listing.write_text(awesome_list(options.papers), encoding="utf-8")
        phenkg = [sys.executable, "-m", "phenkg.cli"]
        subprocess.run([*phenkg, "import", str(listing), "--data", str(data), "--force"], check=True,
                       capture_output=True)
        subprocess.run([*phenkg, "build", "--data", str(data), "--out", str(dist)], check=True, capture_output=True)
    if not store.is_dir():
        subprocess.run(["oxigraph", "load", "--location", str(store), "--file", str(dist / "phenkg.nt")],
                       check=True, capture_output=True)
    results: dict = {"papers": options.papers, "phenkg": [], "oxigraph": []}
    for _ in range(options.runs):
        port = free_port()
        results["phenkg"].append(time_to_answer(
            [sys.executable, "-m", "phenkg.cli", "serve", "--dist", str(dist), "--port", str(port)], port, "/sparql"))
        port = free_port()
        results["oxigraph"].append(time_to_answer(
            ["oxigraph", "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"], port, "/query"))
        print(f"phenkg {results['phenkg'][-1]:.2f} s, oxigraph {results['oxigraph'][-1]:.2f} s", flush=True)
    results["replacement_s"] = replacement(dist)
    ours, theirs = statistics.median(results["phenkg"]), statistics.median(results["oxigraph"])
    results["ratio"] = ours / theirs
    print(f"{options.papers:,} papers: first answer after {ours:.2f} s (phenkg serve --dist) vs {theirs:.2f} s "
          f"(oxigraph serve-read-only): {results['ratio']:.1f}x; a runaway's evaluator replaced in "
          f"{results['replacement_s']:.2f} s")
    out = ROOT / "benchmarks" / "results" / "startup.json"
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

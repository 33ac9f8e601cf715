#!/usr/bin/env python3
"""Push a synthetic graph of N papers to a fresh Oxigraph server; print triples/s and peak memory as JSON.

    python benchmarks/bench_push.py --n 20000 [--protocol gsp|update] [--replace] [--batch 10000]

The list comes from tests/synthetic.py and is imported by `phenkg import` in a child
process; this process then reads data/ and pushes it, so its ru_maxrss is the peak memory of a
`phenkg push` (catalog included). The server's own peak (VmHWM) is reported separately.
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GEN = Path(__file__).resolve().parents[1] / "tests" / "synthetic.py"  # a list of N papers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def server_peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200000, help="papers (default 200000)")
    ap.add_argument("--protocol", choices=["gsp", "update"], default="gsp")
    ap.add_argument("--replace", action="store_true", help="load aside and swap (the --replace path)")
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--graph", default="https://example.org/graph/bench")
    ap.add_argument("--workdir", type=Path, help="keep files here (default: a temporary directory)")
    args = ap.parse_args()

    from phenkg.push import push
    from phenkg.remote import Auth, Endpoints
    from phenkg.store import read_catalog
    from phenkg.vocab import DEFAULT_BASE

    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = work / f"data-{args.n}"
        if not (data / "papers.yaml").exists():
            listing = work / f"list-{args.n}.md"
            with listing.open("wb") as out:
                subprocess.run([sys.executable, str(GEN), str(args.n)], stdout=out, check=True)
            subprocess.run([sys.executable, "-m", "phenkg.cli", "import", str(listing), "--data", str(data)],
                           check=False, capture_output=True)
        started = time.monotonic()
        catalog = read_catalog(data)
        read_s = time.monotonic() - started
        rss_catalog = peak_rss_mb()

        port = free_port()
        server = subprocess.Popen(["oxigraph", "serve", "--location", str(work / "oxigraph"),
                                   "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.05)
            endpoints = Endpoints.derive(f"http://127.0.0.1:{port}/store")
            result = push(catalog, DEFAULT_BASE, endpoints, graph=args.graph, replace=args.replace,
                          protocol=args.protocol, batch=args.batch, auth=Auth(), timeout=3600)
            server_mb = server_peak_mb(server.pid)
        finally:
            server.kill()
            server.wait()
            if not args.workdir:
                pass
    print(json.dumps({
        "papers": args.n,
        "protocol": result.protocol,
        "replace": args.replace,
        "triples": result.sent,
        "counted_in_store": result.after,
        "push_seconds": round(result.seconds, 2),
        "triples_per_second": round(result.sent / result.seconds),
        "read_catalog_seconds": round(read_s, 2),
        "peak_rss_mb_after_reading_catalog": round(rss_catalog),
        "peak_rss_mb": round(peak_rss_mb()),
        "server_peak_rss_mb": round(server_mb) if server_mb else None,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Push time and example-query times on the triple stores phenkg pushes to: Oxigraph and Virtuoso.

    python benchmarks/bench_stores.py [--sizes seed,20000] [--repeats 5] [--work DIR]

For each size (the seed's data/, or N synthetic papers from tests/synthetic.py imported by
`phenkg import`) and each store, started fresh on loopback ports in a temporary directory:
`phenkg push --protocol gsp --graph G` (the library function, timed with its count check), then
each example query of `phenkg.serve.examples`, with `FROM <G>`, through `phenkg query --endpoint`'s
client (one warm-up, then the median of --repeats). The stores must return the same number of rows.
Apache Jena Fuseki is not measured: it cannot be installed here (docs/triple-stores.md says why).

Writes benchmarks/results/stores.json and prints the Markdown table for docs/triple-stores.md.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_sparql import queries
from harness import BASE, ROOT, Inputs, free_port, median, say, write_result

sys.path.insert(0, str(ROOT))
from tests.stores import VIRTUOSO, Virtuoso, wait_for_port

GRAPH = "https://example.org/graph/bench"


@contextlib.contextmanager
def oxigraph(work: Path) -> Iterator[dict]:
    port = free_port()
    proc = subprocess.Popen(["oxigraph", "serve", "--location", str(work / "oxigraph"), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc, 60)
        url = f"http://127.0.0.1:{port}"
        yield {"push": url + "/store", "query": url + "/query", "auth": {}}
    finally:
        proc.kill()
        proc.wait(30)


@contextlib.contextmanager
def virtuoso(work: Path) -> Iterator[dict]:
    server = Virtuoso(work / "virtuoso", buffers=170000)  # about 1.3 GB of pages, for 20,000 papers
    try:
        yield {"push": server.url + "/sparql-graph-crud-auth", "query": server.url + "/sparql",
               "auth": {"user": "dba", "password": server.password, "scheme": "digest"}}
    finally:
        server.stop()


STORES = {"Oxigraph": oxigraph, "Virtuoso": virtuoso}


def scoped(text: str) -> str:
    from phenkg.query import with_prefixes
    return with_prefixes(text).replace("WHERE {", f"FROM <{GRAPH}> WHERE {{", 1)


def measure(store: str, data: Path, examples: list[tuple[str, str]], repeats: int) -> dict:
    from phenkg.push import push
    from phenkg.remote import Auth, Endpoints, sparql_json
    from phenkg.store import read_catalog

    catalog = read_catalog(data)
    with tempfile.TemporaryDirectory(prefix="phenkg-bench-stores-") as tmp, STORES[store](Path(tmp)) as server:
        auth = Auth(**server["auth"])
        started = time.monotonic()
        result = push(catalog, BASE, Endpoints.derive(server["push"], server["query"]), graph=GRAPH,
                      protocol="gsp", auth=auth)
        row: dict = {"store": store, "push_s": time.monotonic() - started, "triples": result.sent, "queries": {}}
        for title, text in examples:
            times, rows = [], None
            for i in range(repeats + 1):
                t0 = time.monotonic()
                answer = sparql_json(server["query"], scoped(text), auth=Auth(), timeout=600)
                if i:
                    times.append(time.monotonic() - t0)
                rows = len(answer["results"]["bindings"])
            row["queries"][title] = {"median_s": median(times), "rows": rows}
        return row


def table(rows: list[dict], titles: list[str]) -> str:
    lines = ["| size | store | triples | push (s) | " + " | ".join(f"Q{i + 1} (ms)" for i in range(len(titles))) + " |",
             "|---|---|---:|---:|" + "---:|" * len(titles)]
    for row in rows:
        times = " | ".join(f"{row['queries'][t]['median_s'] * 1000:,.0f}" for t in titles)
        lines.append(f"| {row['size']} | {row['store']} | {row['triples']:,} | {row['push_s']:.1f} | {times} |")
    lines.append("")
    lines += [f"Q{i + 1}: {t}" for i, t in enumerate(titles)]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="seed,20000")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--work", type=Path, help="keep generated inputs here (default: a temporary directory)")
    args = ap.parse_args()
    if VIRTUOSO is None:
        say("virtuoso-t not found (scripts/setup installs it); measuring Oxigraph only")
        STORES.pop("Virtuoso")
    rows = []
    with tempfile.TemporaryDirectory(prefix="phenkg-bench-") as tmp:
        inputs = Inputs(args.work or Path(tmp))
        for size in args.sizes.split(","):
            data = inputs.data(size)
            examples = queries(BASE, None if size == "seed" else data)
            for store in STORES:
                say(f"{store}, {size}")
                row = measure(store, data, examples, args.repeats)
                row["size"] = size
                rows.append(row)
            counts = {r["store"]: [q["rows"] for q in r["queries"].values()] for r in rows if r["size"] == size}
            assert len({tuple(c) for c in counts.values()}) == 1, f"the stores disagree on row counts: {counts}"
    write_result("stores", {"rows": rows, "graph": GRAPH,
                            "not_measured": {"Fuseki": "not installable here (docs/triple-stores.md)"}})
    print(table(rows, [t for t, _ in examples]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

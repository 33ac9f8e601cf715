"""SPARQL over HTTP: latency (p50, p99) of each example query on one keep-alive connection, and
throughput with 8 concurrent clients (wrk, bounded in time), for phenkg serve, oxigraph
serve-read-only and rdflib-endpoint on the same data. Every server answers the same GET
/...?query= with Accept: application/sparql-results+json; the row counts must agree."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from harness import BASE, Inputs, median, papers_of, percentile, ratio, say, write_result
from servers import SERVERS, start

ACCEPT = "application/sparql-results+json"


SEED_AUTHOR, SEED_PAPER = '"Jeffrey Pennington"', "paper/arxiv-1803.03635"


def queries(base: str = BASE, data: Path | None = None) -> list[tuple[str, str]]:
    """The example queries; with `data`, the author and the paper they name are replaced by ones that
    exist there (the most prolific author, the paper with most authors), so no query is trivially
    empty on generated data."""
    from phenkg.serve.examples import examples
    out = examples(base)
    if data is None:
        return out
    from collections import Counter

    from phenkg.store import read_catalog
    catalog = read_catalog(Path(data))
    counts = Counter(name for paper in catalog.papers for name in paper.authors)
    if SEED_AUTHOR.strip('"') in counts:
        return out
    author = counts.most_common(1)[0][0]
    paper = max(catalog.papers, key=lambda p: len(p.authors))
    author_text = '"' + author.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return [(title, text.replace(SEED_AUTHOR, author_text).replace(SEED_PAPER, f"paper/{paper.key}"))
            for title, text in out]


def _get(conn: http.client.HTTPConnection, target: str) -> tuple[int, bytes]:
    conn.request("GET", target, headers={"Accept": ACCEPT})
    response = conn.getresponse()
    return response.status, response.read()


def latency(url: str, text: str, *, warmup: int, max_requests: int, max_seconds: float) -> dict:
    """Timings of one query, sent again and again on one keep-alive connection, after a warm-up;
    stops at `max_requests` or `max_seconds` (at least 3 requests)."""
    parts = urlsplit(url)
    target = f"{parts.path}?query={quote(text)}"
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        rows = None
        for _ in range(warmup):
            status, body = _get(conn, target)
            if status != 200:
                return {"error": f"HTTP {status}: {body[:200]!r}"}
            rows = len(json.loads(body)["results"]["bindings"])
        times: list[float] = []
        started = time.perf_counter()
        while len(times) < max_requests and (len(times) < 3 or time.perf_counter() - started < max_seconds):
            t = time.perf_counter()
            status, body = _get(conn, target)
            times.append(time.perf_counter() - t)
            if status != 200:
                return {"error": f"HTTP {status}: {body[:200]!r}"}
    finally:
        conn.close()
    return {"requests": len(times), "rows": rows, "p50_ms": 1000 * median(times),
            "p99_ms": 1000 * percentile(times, 99), "mean_ms": 1000 * sum(times) / len(times)}


WRK_SCRIPT = """-- round-robin over the example queries, GET ?query=, JSON results
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Accept"] = "%s"})
end
"""


def throughput(url: str, texts: list[str], *, seconds: int, clients: int = 8) -> dict:
    """Requests per second with `clients` connections on 2 wrk threads for `seconds`, cycling
    through the queries."""
    if not shutil.which("wrk"):
        return {"error": "wrk not installed (apt-get install -y wrk)"}
    parts = urlsplit(url)
    paths = ", ".join(json.dumps(f"{parts.path}?query={quote(t)}") for t in texts)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (paths, ACCEPT))
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s",
                              "--latency", "-s", script.name, f"http://{parts.hostname}:{parts.port}"],
                             capture_output=True, text=True, timeout=seconds + 60, check=False).stdout
    finally:
        Path(script.name).unlink()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)", out, re.M)
    unit = {"us": 0.001, "ms": 1, "s": 1000}
    return {"clients": clients, "seconds": seconds, "requests_per_s": float(rps[1]) if rps else None,
            "requests": int(total[1]) if total else None, "non_2xx": int(non2xx[1]) if non2xx else 0,
            "socket_errors": errors[1] if errors else "",
            "p50_ms": float(p50[1]) * unit[p50[2]] if p50 else None}


def bench(inputs: Inputs, sizes: list[str], *, warmup: int, max_requests: int, max_seconds: float,
          wrk_seconds: int, servers: list[str]) -> dict:
    rows = []
    for size in sizes:
        examples = queries(BASE, inputs.data(size))
        row = {"size": size, "papers": papers_of(size), "servers": {}, "queries": [t for _, t in examples]}
        for name in servers:
            say(f"SPARQL, {size}: starting {SERVERS[name]}")
            try:
                with start(name, inputs, size) as server:
                    say(f"  ready in {server['startup_s']:.1f} s at {server['url']}")
                    result = {"startup_s": server["startup_s"], "load_s": server.get("load_s"),
                              "queries": []}
                    for title, text in examples:
                        q = latency(server["url"], text, warmup=warmup, max_requests=max_requests,
                                    max_seconds=max_seconds)
                        result["queries"].append({"title": title, **q})
                        if "error" in q:
                            say(f"  {title}: {q['error']}")
                    say("  p50 ms: " + ", ".join(f"{q.get('p50_ms', float('nan')):.1f}"
                                                 for q in result["queries"]))
                    if wrk_seconds:
                        result["throughput"] = throughput(server["url"], [t for _, t in examples],
                                                          seconds=wrk_seconds)
                        say(f"  throughput: {result['throughput'].get('requests_per_s')} requests/s")
            except Exception as exc:  # a server that fails is a result, not the end of the run
                result = {"error": f"{type(exc).__name__}: {exc}"}
                say(f"  failed: {result['error']}")
            row["servers"][name] = result
        row["summary"] = summarize(row["servers"], examples)
        rows.append(row)
    return {"description": "one keep-alive client, GET ?query= with Accept "
                           f"{ACCEPT}; warm-up {warmup}, then up to {max_requests} requests or "
                           f"{max_seconds:.0f} s per query; throughput: wrk, 8 connections, "
                           f"{wrk_seconds} s, round-robin over the queries", "rows": rows}


def summarize(results: dict, examples: list) -> dict:
    """Per query, phenkg's p50 against each peer's (peer / phenkg: above 1 means phenkg is faster),
    the worst and the median of those ratios, and whether every server returned the same rows."""
    out: dict = {"per_query": []}
    ph = results.get("phenkg", {}).get("queries", [])
    for i, (title, _) in enumerate(examples):
        entry = {"title": title}
        mine = ph[i] if i < len(ph) else {}
        rows = set()
        for name, res in results.items():
            q = res.get("queries", [])[i] if i < len(res.get("queries", [])) else {}
            if "rows" in q:
                rows.add(q["rows"])
            if name != "phenkg":
                entry[f"{name}_over_phenkg_p50"] = ratio(q.get("p50_ms"), mine.get("p50_ms"))
        entry["same_rows"] = len(rows) <= 1
        out["per_query"].append(entry)
    for peer in results:
        if peer == "phenkg":
            continue
        values = [e[f"{peer}_over_phenkg_p50"] for e in out["per_query"] if e.get(f"{peer}_over_phenkg_p50")]
        out[f"{peer}_over_phenkg_p50_min"] = min(values) if values else None
        out[f"{peer}_over_phenkg_p50_median"] = median(values)
        mine_t = results.get("phenkg", {}).get("throughput", {}).get("requests_per_s")
        theirs = results.get(peer, {}).get("throughput", {}).get("requests_per_s")
        out[f"phenkg_over_{peer}_throughput"] = ratio(mine_t, theirs)
    out["same_rows"] = all(e["same_rows"] for e in out["per_query"])
    return out


def save(result: dict) -> Path:
    return write_result("sparql_http", result)

"""The results table in benchmarks/README.md (between the markers) and the plot of time and memory
against N, both from benchmarks/results/*.json."""

from __future__ import annotations

import json
import re

import harness
from harness import label, read_result

START, END = "<!-- results:start -->", "<!-- results:end -->"
SIX_GB = 6 * 1024


def _f(value, digits: int = 2, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{unit}"


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**PASS**" if ok else "**FAIL**")


def _stopped(peer: dict) -> str:
    """A peer run the harness stopped (older results: a run that reached the cap) is a lower bound."""
    killed = peer.get("killed") or any(r.get("killed") for r in peer.get("runs", []))
    return " (stopped: lower bound)" if killed else ""


def _peer_ratio(row: dict, peer: dict) -> str:
    if not peer:
        return "skipped"
    return ("≥ " if _stopped(peer) else "") + _f(row.get("speedup_vs_peer"), 1, "x")


def _row(rows: list[dict], size: str) -> dict | None:
    return next((r for r in rows if r["size"] == size), None)


def _rdflib_over_oxigraph(entry: dict) -> float | None:
    """How much faster Oxigraph's own server is than rdflib-endpoint on one query."""
    rdflib, oxigraph = entry.get("rdflib-endpoint_over_phenkg_p50"), entry.get("oxigraph_over_phenkg_p50")
    return rdflib / oxigraph if rdflib and oxigraph else None


def targets(e2e: dict | None, val: dict | None, sparql: dict | None) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each target of issue 7."""
    out = []
    seed = _row(e2e["rows"], "seed") if e2e else None
    out.append(("seed end to end (import + build, Python start included) < 2 s",
                f"{_f(seed['median_total_s'])} s" if seed else "—",
                _verdict(None if not seed else seed["completed"] and seed["median_total_s"] < 2)))
    big = _row(e2e["rows"], "200000") if e2e else None
    if big:
        done = big["completed"]
        time_text = f"{_f(big['median_total_s'], 0)} s" + ("" if done else f" (stopped: {big['killed']})")
        out.append(("200,000 papers end to end < 3 min", time_text,
                    _verdict(done and big["median_total_s"] < 180)))
        out.append(("200,000 papers end to end < 6 GB peak", f"{_f(big['median_peak_mb'], 0)} MB"
                    + ("" if done else " (at stop)"), _verdict(done and big["median_peak_mb"] < SIX_GB)))
    else:
        out += [("200,000 papers end to end < 3 min", "—", _verdict(None)),
                ("200,000 papers end to end < 6 GB peak", "—", _verdict(None))]
    v20 = _row(val["rows"], "20000") if val else None
    out.append(("validation at 20,000: >= 5x faster than pySHACL, identical results",
                f"{_f(v20['speedup'], 1)}x, identical: {v20['identical']}" if v20 else "—",
                _verdict(None if not v20 else (v20["speedup"] or 0) >= 5 and v20["identical"])))
    for size, oxi_limit in (("seed", 2.0), ("20000", 1.5)):
        row = _row(sparql["rows"], size) if sparql else None
        s = row["summary"] if row else {}
        worst_rdflib = s.get("rdflib-endpoint_over_phenkg_p50_min")
        oxigraph_own = [r for r in map(_rdflib_over_oxigraph, s.get("per_query", [])) if r is not None]
        out.append((f"SPARQL p50 at {label(size)}: >= 20x faster than rdflib-endpoint (every query)",
                    f"worst {_f(worst_rdflib, 1)}x, "
                    f"median {_f(s.get('rdflib-endpoint_over_phenkg_p50_median'), 1)}x "
                    f"(Oxigraph's own server: worst {_f(min(oxigraph_own, default=None), 1)}x)",
                    _verdict(None if worst_rdflib is None else worst_rdflib >= 20)))
        worst_oxi = s.get("oxigraph_over_phenkg_p50_min")
        slower = 1 / worst_oxi if worst_oxi else None
        out.append((f"SPARQL p50 at {label(size)}: within {oxi_limit}x of oxigraph serve (every query)",
                    f"worst {_f(slower, 2)}x oxigraph's p50",
                    _verdict(None if slower is None else slower <= oxi_limit)))
    return out


def table() -> str:
    e2e, val, sparql = read_result("end_to_end"), read_result("validation"), read_result("sparql_http")
    thr = read_result("throughput")
    lines = []
    any_result = e2e or val or sparql
    if not any_result:
        return "No results yet: run `python benchmarks/run.py`.\n"
    m = any_result["machine"]
    lines.append(f"Measured {m['date']} on {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, "
                 f"Python {m['python']}, phenkg at {m['phenkg_commit']}; load average at start "
                 f"{m['load_average']}. Medians of the repeats shown; every ratio is against a peer "
                 "measured in the same run.\n")
    lines.append("### Targets\n")
    lines.append("| target | measured | verdict |\n|---|---|---|")
    lines += [f"| {t} | {v} | {ok} |" for t, v, ok in targets(e2e, val, sparql)]
    if e2e:
        lines.append("\n### End to end: `phenkg import` + `phenkg build` "
                     "vs rdflib parse + serialize (Turtle)\n")
        lines.append("| papers | runs | import s | build s | total s | peak MB | rdflib s | rdflib peak MB "
                     "| rdflib / phenkg time |\n|---|---|---|---|---|---|---|---|---|")
        for r in e2e["rows"]:
            peer = r.get("peer") or {}
            total = _f(r["median_total_s"]) + ("" if r["completed"] else f" (stopped: {r['killed']})")
            lines.append(f"| {label(r['size'])} | {r['repeats']} | {_f(r['median_import_s'])} | "
                         f"{_f(r['median_build_s'])} | {total} | {_f(r['median_peak_mb'], 0)} | "
                         f"{_f(peer.get('median_total_s'))}{_stopped(peer)} | {_f(peer.get('median_peak_mb'), 0)} | "
                         f"{_peer_ratio(r, peer)} |")
    if val:
        lines.append("\n### Validation alone (violations planted): fastshacl (streaming, as the build runs it) "
                     "vs pySHACL\n")
        lines.append("| papers | triples | fastshacl s (runs) | SPARQL-on-store engine s | pySHACL s (runs) | "
                     "speedup | results | identical (all three) |\n|---|---|---|---|---|---|---|---|")
        for r in val["rows"]:
            lines.append(f"| {label(r['size'])} | {r['triples']:,} | {_f(r['median_fast_s'], 3)} "
                         f"({r['fast_repeats']}) | {_f(r.get('median_store_s'), 3)} | "
                         f"{_f(r['median_pyshacl_s'])} ({r['pyshacl_repeats']}) | "
                         f"{_f(r['speedup'], 1, 'x')} | {r['fast_results']} / {r['pyshacl_results']} | "
                         f"{'yes' if r['identical'] else 'NO'} |")
    if sparql:
        lines.append("\n### SPARQL over HTTP: p50 / p99 in ms (one keep-alive client)\n")
        names = ["phenkg", "oxigraph", "rdflib-endpoint"]
        lines.append("| papers | query | " + " | ".join(names) + " | rdflib-endpoint / phenkg | "
                     "phenkg / oxigraph | rdflib-endpoint / oxigraph | same rows |\n"
                     "|---|---|---|---|---|---|---|---|---|")
        for r in sparql["rows"]:
            per = r["summary"]["per_query"]
            for i, entry in enumerate(per):
                cells = []
                for name in names:
                    res = r["servers"].get(name, {})
                    q = res.get("queries", [])[i] if i < len(res.get("queries", [])) else {}
                    cells.append(f"{_f(q.get('p50_ms'), 1)} / {_f(q.get('p99_ms'), 1)}" if "p50_ms" in q
                                 else (q.get("error") or res.get("error") or "—")[:40])
                oxi = entry.get("oxigraph_over_phenkg_p50")
                lines.append(f"| {label(r['size'])} | {entry['title']} | " + " | ".join(cells) +
                             f" | {_f(entry.get('rdflib-endpoint_over_phenkg_p50'), 1, 'x')} | "
                             f"{_f(1 / oxi if oxi else None, 2, 'x')} | "
                             f"{_f(_rdflib_over_oxigraph(entry), 1, 'x')} | "
                             f"{'yes' if entry['same_rows'] else 'NO'} |")
    if thr:
        lines.append("\n### Throughput: 8 concurrent clients (wrk, round-robin over the example queries)\n")
        lines.append("| papers | server | requests/s | p50 ms | non-2xx | errors |\n"
                     "|---|---|---|---|---|---|")
        for r in thr["rows"]:
            for name, t in r["servers"].items():
                lines.append(f"| {label(r['size'])} | {name} | {_f(t.get('requests_per_s'), 1)} | "
                             f"{_f(t.get('p50_ms'), 1)} | {t.get('non_2xx', '—')} | "
                             f"{t.get('socket_errors') or t.get('error') or ''} |")
    if (harness.RESULTS / "scaling.svg").exists():
        lines.append(f"\n![time and peak memory against N]({harness.RESULTS.name}/scaling.svg)")
    return "\n".join(lines) + "\n"


def write_readme() -> None:
    path = harness.README
    text = path.read_text(encoding="utf-8") if path.exists() else f"# phenkg benchmarks\n\n{START}\n{END}\n"
    block = f"{START}\n{table()}{END}"
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    path.write_text(text, encoding="utf-8")


def plot() -> None:
    """Time and peak memory against N (log-log), phenkg and its peers: a Vega-Lite spec rendered to SVG
    offline by the path the charts of phenkg take (phenkg.charts.build.render_svg)."""
    from phenkg.charts.build import render_svg
    from phenkg.charts.units import SCHEMA

    e2e, val = read_result("end_to_end"), read_result("validation")
    if not e2e and not val:
        return
    points: list[dict] = []     # {papers, measure, value, series}

    def add(rows: list[dict], measure: str, series: str, value) -> None:
        points.extend({"papers": r["papers"], "measure": measure, "value": value(r), "series": series}
                      for r in rows if value(r) is not None)

    if e2e:
        rows = [r for r in e2e["rows"] if r["median_total_s"] is not None]
        peers = [r for r in rows if r.get("peer")]
        add([r for r in rows if r["completed"]], "wall time (s)", "phenkg import + build",
            lambda r: r["median_total_s"])
        add([r for r in rows if not r["completed"]], "wall time (s)", "phenkg build stopped",
            lambda r: r["median_total_s"])
        add(peers, "wall time (s)", "rdflib parse + serialize Turtle", lambda r: r["peer"]["median_total_s"])
        add(rows, "peak memory (MB)", "phenkg import + build", lambda r: r["median_peak_mb"])
        add(peers, "peak memory (MB)", "rdflib parse + serialize Turtle", lambda r: r["peer"]["median_peak_mb"])
    if val:
        add(val["rows"], "wall time (s)", "validation: fastshacl", lambda r: r["median_fast_s"])
        add(val["rows"], "wall time (s)", "validation: pySHACL", lambda r: r["median_pyshacl_s"])
    targets = [{"measure": "wall time (s)", "value": 180, "target": "3 min target (200,000)"},
               {"measure": "peak memory (MB)", "value": SIX_GB, "target": "6 GB target"}]
    log = {"type": "log"}
    spec = {"$schema": SCHEMA, "title": "phenkg against N papers", "config": {"font": "sans-serif"},
            "hconcat": [{"title": measure, "width": 380, "height": 280, "layer": [
                {"data": {"values": [p for p in points if p["measure"] == measure]},
                 "mark": {"type": "line", "point": True, "tooltip": True},
                 "encoding": {"x": {"field": "papers", "type": "quantitative", "scale": log, "title": "papers (N)"},
                              "y": {"field": "value", "type": "quantitative", "scale": log, "title": measure},
                              "color": {"field": "series", "type": "nominal", "title": None,
                                        "legend": {"orient": "bottom", "columns": 2}}}},
                {"data": {"values": [t for t in targets if t["measure"] == measure]},
                 "mark": {"type": "rule", "strokeDash": [4, 4], "color": "grey"},
                 "encoding": {"y": {"field": "value", "type": "quantitative"}, "tooltip": {"field": "target"}}}]}
                for measure in ("wall time (s)", "peak memory (MB)")]}
    described = "; ".join(f"{p['series']}, {p['papers']:,} papers: {p['value']:.4g} {p['measure']}" for p in points)
    harness.RESULTS.mkdir(parents=True, exist_ok=True)
    (harness.RESULTS / "scaling.vl.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    svg = render_svg(spec, "scaling", "phenkg: time and peak memory against N papers", described)
    (harness.RESULTS / "scaling.svg").write_text(svg, encoding="utf-8")

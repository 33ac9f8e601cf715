"""The benchmark harness (benchmarks/): fastshacl and pySHACL give identical results on a graph with
violations planted in it, and the quick harness runs end to end on the seed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_validate  # noqa: E402
import harness  # noqa: E402


def test_plants_every_kind_of_violation():
    lines = bench_validate.graph_lines(ROOT / "data")
    planted_lines, planted = bench_validate.plant(lines)
    kinds = {p.split(":", 1)[0] for p in planted}
    assert kinds == {"no title", "author without name", "literal URL", "gYear year",
                     "duplicate title under two keys", "gap in author positions"}
    assert len(planted_lines) == len(lines) - 5  # three titles and two author names removed
    assert bench_validate.plant(lines) == (planted_lines, planted)  # deterministic


@pytest.mark.slow
def test_fastshacl_equals_pyshacl_with_planted_violations_at_2000(tmp_path):
    """2,000 generated papers with planted violations: fastshacl.validate_lines (streaming, as the build
    runs it), fastshacl.validate_store on pyoxigraph and whole-graph pySHACL report exactly the same
    results (about 40 s, pySHACL's time)."""
    inputs = harness.Inputs(tmp_path)
    lines, planted = bench_validate.plant(bench_validate.graph_lines(inputs.data("2000")))
    outcome = bench_validate.check_equal(lines)
    assert outcome["pyshacl_results"] >= len(planted)
    assert outcome["identical"], (
        f"fastshacl and pySHACL differ: only fastshacl {outcome['only_fast']}, "
        f"only pySHACL {outcome['only_pyshacl']}")


@pytest.mark.slow
def test_quick_harness_runs_on_the_seed(tmp_path):
    """`benchmarks/run.py --quick` on the seed writes every result file and the README table
    (into tmp_path, not benchmarks/)."""
    out = tmp_path / "out"
    subprocess.run([sys.executable, str(BENCH / "run.py"), "--quick", "--sizes", "seed", "--repeats", "1",
                    "--only", "end_to_end,validation,sparql", "--work", str(tmp_path / "work"),
                    "--out", str(out)], check=True, timeout=600)
    results = out / "results"
    for name in ("end_to_end", "validation", "sparql_http", "throughput"):
        payload = json.loads((results / f"{name}.json").read_text(encoding="utf-8"))
        assert payload["machine"]["cores"] >= 1
        assert payload["rows"][0]["size"] == "seed"
    sparql = json.loads((results / "sparql_http.json").read_text(encoding="utf-8"))["rows"][0]
    for name, server in sparql["servers"].items():
        assert "error" not in server, (name, server)
        assert all("p50_ms" in q for q in server["queries"]), name
    assert sparql["summary"]["same_rows"]
    plot = (results / "scaling.svg").read_text(encoding="utf-8")   # drawn by phenkg.charts, offline
    assert plot.startswith("<svg")
    assert "<title" in plot
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "PASS" in readme or "FAIL" in readme

"""The W3C SPARQL 1.1 Protocol tests run by the npm package rdf-test-suite against a live endpoint.

An independent runner for the same manifest as tests/test_w3c_protocol.py: that module's server
fixture is reused (data1-3.nt loaded under their kasei.us names, data0.rdf an empty graph), and
`npx rdf-test-suite` sends each manifest request to it, offline: the manifest's base
(https://w3c.github.io/rdf-tests/sparql/sparql11/protocol/) is mapped with `-m` to
tests/data/w3c/sparql11-protocol. Its engine module, tests/js/sparql_protocol_engine.cjs, only
answers rdf-test-suite's own data-load update (which a read-only endpoint refuses) by checking with
real queries that the endpoint already holds that data; see its header.

rdf-test-suite has no JSON output (only detailed text, summary text and EARL), so its detailed text
is parsed: one status line per test, then one block per failed test ending in `More info: <uri>`.
Every query-side test must pass. rdf-test-suite expects the update tests' updates to succeed, so a
read-only endpoint fails update_* there: each must fail with exactly a 4xx status, which is the
expected refusal; bad_update_* expect a 4xx anyway and must pass.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from . import test_w3c_protocol as protocol
from .conftest import ROOT

W3C = protocol.W3C
SUITE = ROOT / "node_modules" / "rdf-test-suite"
ENGINE = "tests/js/sparql_protocol_engine.cjs"
BASE = "https://w3c.github.io/rdf-tests/sparql/sparql11/protocol/"
TEST_URI = re.compile(r"\((http://www\.w3\.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#(\w+))\)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
PASS, FAIL, SKIP = ("✔", "√"), ("✖", "×"), ("ℹ", "i")

pytestmark = [
    pytest.mark.skipif(not (SUITE / "package.json").is_file(),
                       reason="node_modules/rdf-test-suite is absent: run `npm install` at the repository root"),
    pytest.mark.skipif(shutil.which("npx") is None, reason="npx (Node.js) is not installed"),
]

endpoint = protocol.endpoint              # the same live server, started the same way


def run_suite(port: int) -> subprocess.CompletedProcess:
    command = ["npx", "--no", "rdf-test-suite", ENGINE, BASE + "manifest.ttl",
               "-m", f"{BASE}~{W3C}/",
               "-i", json.dumps({"protocolEndpoint": f"http://127.0.0.1:{port}/sparql"}),
               "-o", "detailed", "-d", "20000", "-e"]
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def parse(stdout: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each test's outcome (pass, fail, skip) from its status line, and each failure's text."""
    text = ANSI.sub("", stdout)
    outcomes: dict[str, str] = {}
    errors: dict[str, str] = {}
    for line in text.splitlines():
        symbol, _, rest = line.partition(" ")
        if match := TEST_URI.search(rest):
            name = match.group(2)
            if symbol in PASS:
                outcomes.setdefault(name, "pass")
            elif symbol in FAIL:
                outcomes.setdefault(name, "fail")
            elif symbol in SKIP:
                outcomes.setdefault(name, "skip")
    parts = re.split(r"More info: \S+#(\w+)", text)         # [text, name, text, name, ..., tail]
    for before, name in zip(parts[0::2], parts[1::2], strict=False):
        errors[name] = before
    return outcomes, errors


def test_rdf_test_suite_protocol(endpoint):
    graph, port = endpoint
    _, entries = protocol.manifest()
    names = [str(e).rsplit("#", 1)[1] for e in entries]
    result = run_suite(port)
    report = f"stdout:\n{result.stdout[-6000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, report
    outcomes, errors = parse(result.stdout)
    assert sorted(outcomes) == sorted(names), report

    update = [n for n in names if n.startswith("update_")]
    query_side = [n for n in names if not n.startswith("update_")]   # bad_update_* expect a 4xx too
    failed = {n: errors.get(n, "") for n in query_side if outcomes[n] != "pass"}
    assert not failed, "\n".join(f"{n}: {outcomes[n]}\n{e}" for n, e in failed.items())
    for name in update:
        assert outcomes[name] == "fail", f"{name} was not refused: {outcomes[name]}"
        got = re.search(r"Invalid response status.*Expected one of: ([^\n]*)\s+Got: (\d{3})",
                        errors.get(name, ""), re.DOTALL)
        assert got, f"{name} failed otherwise:\n{errors.get(name)}"
        assert "4xx" not in got.group(1), got.group(0)
        assert 400 <= int(got.group(2)) < 500, got.group(0)

    loads = [line for line in result.stderr.splitlines() if line.startswith("[phenkg-load-check]")]
    with_data = {str(s).rsplit("#", 1)[1] for s in graph.subjects(protocol.UT.graphData, None)}
    assert len(loads) == len(with_data), report
    assert all(line.endswith(" ok") for line in loads), report
    print(f"rdf-test-suite: {len(query_side)} query-side tests passed, {len(update)} updates refused, "
          f"{len(loads)} data loads checked against the served graphs")

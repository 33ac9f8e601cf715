"""`phenkg push` and `phenkg query --endpoint` against a real Virtuoso (Debian's virtuoso-opensource
7.2), with the checks tests/test_push.py runs against Oxigraph: every method the store supports,
the example queries giving the local rows, and clear failures (exit 1) for wrong credentials, a
refused update and a killed server. Virtuoso's authenticated endpoints take HTTP Digest only.

Each test starts its own Virtuoso on free loopback ports with its own database, and stops it.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from phenkg.query import with_prefixes

from .conftest import DATA
from .stores import ISQL, VIRTUOSO, VIRTUOSO_MISSING, Virtuoso
from .test_push import assert_failed, example_queries, rows, run, seed_triples

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(VIRTUOSO is None or ISQL is None, reason=VIRTUOSO_MISSING)]

GRAPH = "https://example.org/graph/phenkg"


@pytest.fixture
def virtuoso(tmp_path: Path) -> Iterator[Virtuoso]:
    server = Virtuoso(tmp_path / "virtuoso")
    yield server
    server.stop()


@pytest.fixture
def dba(virtuoso, monkeypatch) -> list[str]:
    """The options that authenticate as dba with Digest (the password in $PHENKG_PASSWORD)."""
    monkeypatch.setenv("PHENKG_PASSWORD", virtuoso.password)
    return ["--user", "dba", "--auth", "digest"]


def scoped(query: str, graph: str) -> str:
    """The query on one named graph: Virtuoso's default graph is the union of all its graphs."""
    return with_prefixes(query).replace("WHERE {", f"FROM <{graph}> WHERE {{", 1)


def assert_local_answers(capsys, endpoint: str, graph: str, *auth: str) -> None:
    for title, query in example_queries():
        code, local, err = run(capsys, "query", query, "--data", str(DATA), "--format", "json")
        assert code == 0, (title, err)
        code, remote, err = run(capsys, "query", scoped(query, graph), "--endpoint", endpoint,
                                "--format", "json", *auth)
        assert code == 0, (title, err)
        local, remote = json.loads(local), json.loads(remote)
        assert remote["head"]["vars"] == local["head"]["vars"], title
        assert rows(remote) == rows(local), title
        assert local["results"]["bindings"], f"{title}: no rows, so the comparison proves nothing"


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_push_with_digest_then_query_gives_the_local_answers(virtuoso, dba, capsys, protocol) -> None:
    n = seed_triples()
    code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint",
                         virtuoso.url + "/sparql-graph-crud-auth", "--graph", GRAPH, "--replace",
                         "--protocol", protocol, "--batch", "2000", *dba)
    assert code == 0, err
    assert f"pushed {n:,} triples" in out
    assert f"({protocol})" in out
    assert f"replaced <{GRAPH}>" in out
    assert virtuoso.graphs("https://example.org/") == {GRAPH: n}
    assert virtuoso.graphs("urn:phenkg:") == {}, "the temporary graph is gone"
    assert_local_answers(capsys, virtuoso.url + "/sparql", GRAPH)
    # the authenticated query endpoint answers the same, through Digest
    assert_local_answers(capsys, virtuoso.url + "/sparql-auth", GRAPH, *dba)


def test_auto_replace_twice_then_add(virtuoso, dba, capsys) -> None:
    """auto: Virtuoso's Graph Store has no default graph, so the probe finds none and phenkg speaks
    SPARQL Update (at /sparql-auth). Replacing twice leaves one copy; adding the same triples again
    changes nothing and passes the count check."""
    n = seed_triples()
    for _ in range(2):
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint",
                             virtuoso.url + "/sparql-graph-crud-auth", "--graph", GRAPH, "--replace",
                             "--batch", "3000", *dba)
        assert code == 0, err
        assert "(update)" in out
        assert virtuoso.graphs("https://example.org/") == {GRAPH: n}
    code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", virtuoso.url + "/sparql-graph-crud-auth",
                         "--graph", GRAPH, "--protocol", "gsp", *dba)
    assert code == 0, err
    assert f"added to <{GRAPH}>" in out
    assert virtuoso.graphs("https://example.org/") == {GRAPH: n}


def test_anonymous_update_once_granted(virtuoso, capsys) -> None:
    virtuoso.grant_anonymous_update()
    code, _, err = run(capsys, "push", "--data", str(DATA), "--endpoint", virtuoso.url + "/sparql",
                       "--graph", GRAPH, "--protocol", "update", "--batch", "3000", "--replace")
    assert code == 0, err
    assert virtuoso.graphs("https://example.org/") == {GRAPH: seed_triples()}


def test_wrong_credentials(virtuoso, capsys, monkeypatch) -> None:
    url = virtuoso.url + "/sparql-graph-crud-auth"
    monkeypatch.setenv("PHENKG_PASSWORD", "wrong-pw")
    for protocol in ("auto", "gsp", "update"):
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", url, "--graph", GRAPH,
                             "--protocol", protocol, "--user", "dba", "--auth", "digest")
        assert_failed(code, out, err, "HTTP 401", "user 'dba' with Digest", "$PHENKG_PASSWORD")
        assert "wrong-pw" not in out + err
    # the right password sent as Basic: refused, and the hint names Digest
    monkeypatch.setenv("PHENKG_PASSWORD", virtuoso.password)
    code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", url, "--graph", GRAPH, "--user", "dba")
    assert_failed(code, out, err, "HTTP 401", "--auth digest")
    # no credentials at all: Virtuoso's challenge says Digest
    code, out, err = run(capsys, "query", "ASK {}", "--endpoint", virtuoso.url + "/sparql-auth")
    assert code == 1
    assert "HTTP 401" in err
    assert "--auth digest" in err
    assert virtuoso.graphs("https://example.org/") == {}, "nothing was stored"


def test_refused_update(virtuoso, capsys) -> None:
    """The anonymous /sparql endpoint may query but not update (until granted): the write check fails
    before any data is sent."""
    code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", virtuoso.url + "/sparql",
                         "--graph", GRAPH, "--protocol", "update")
    assert_failed(code, out, err, "push stopped before sending any data", "No permission", "HTTP 500")
    assert virtuoso.graphs("https://example.org/") == {}


def test_too_large_update_batch_names_the_fix(virtuoso, dba, capsys) -> None:
    """Virtuoso's SPARQL compiler runs out of memory on INSERT DATA of 10,000 triples (the default
    --batch); the error says to lower --batch, and the temporary graph is dropped."""
    code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", virtuoso.url + "/sparql-auth",
                         "--graph", GRAPH, "--protocol", "update", "--replace", *dba)
    assert_failed(code, out, err, "ran out of memory", "smaller --batch", f"<{GRAPH}> was not changed")
    assert virtuoso.graphs("urn:phenkg:") == {}


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_server_killed_mid_push(virtuoso, dba, capsys, monkeypatch, protocol) -> None:
    import phenkg.progress

    class KillingProgress(phenkg.progress.Progress):
        """Kills the store once half of the seed's papers have been sent."""

        def __call__(self, done: int) -> None:
            if done >= 150 and virtuoso.proc.poll() is None:
                virtuoso.proc.send_signal(signal.SIGKILL)
                virtuoso.proc.wait(30)

    monkeypatch.setattr(phenkg.progress, "Progress", KillingProgress)
    monkeypatch.setattr("phenkg.push.GSP_REQUEST", 500)
    code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", virtuoso.url + "/sparql-graph-crud-auth",
                         "--graph", GRAPH, "--protocol", protocol, "--batch", "500", *dba)
    assert virtuoso.proc.returncode == -signal.SIGKILL, "the store was killed during the push"
    assert_failed(code, out, err, virtuoso.url, "push failed", "may hold part of the data")
    code, out, err = run(capsys, "query", "ASK {}", "--endpoint", virtuoso.url + "/sparql")
    assert code == 1
    assert "connection refused" in err


def test_no_servers_left_behind() -> None:
    import os
    import subprocess
    leftover = subprocess.run(["pgrep", "-P", str(os.getpid()), "virtuoso-t"], capture_output=True, text=True,
                              check=False)
    assert leftover.stdout.strip() == ""

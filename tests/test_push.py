"""`phenkg push` and `phenkg query` against a real Oxigraph and failing stores (Virtuoso: test_virtuoso.py).

Every server listens on 127.0.0.1 on a free port and is stopped by the fixture or test that started it.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from phenkg import cli
from phenkg.query import format_csv, format_table, with_prefixes
from phenkg.remote import Auth, Endpoints, public

from .conftest import BASE, DATA
from .synthetic import awesome_list

pytestmark = pytest.mark.slow   # real triple stores: not in the fast loop (-m "not slow")

P = BASE + "paper/"
OWN_EXAMPLES = [
    ("papers of a topic", """
        SELECT ?paper ?title WHERE {
          ?topic skos:prefLabel "Lottery Ticket Hypothesis" .
          ?paper a phenkg:Paper ; dcterms:subject ?topic ; schema:name ?title .
        } ORDER BY ?title ?paper"""),
    ("co-authors of an author, with counts", """
        SELECT ?name (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
          ?me schema:name "Jeffrey Pennington" .
          ?paper schema:author ?me, ?co . FILTER (?co != ?me)
          ?co schema:name ?name .
        } GROUP BY ?name ORDER BY DESC(?papers) ?name"""),
    ("keyword counts", """
        SELECT ?keyword (COUNT(?paper) AS ?papers) WHERE {
          ?paper schema:keywords ?k . ?k skos:prefLabel ?keyword .
        } GROUP BY ?keyword ORDER BY DESC(?papers) ?keyword"""),
    ("papers with code by year", """
        SELECT ?year (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
          ?paper phenkg:code ?repo ; phenkg:arxivYear ?year .
        } GROUP BY ?year ORDER BY ?year"""),
    ("a paper's authors in order", f"""
        SELECT ?position ?name WHERE {{
          <{P}arxiv-1706.05394> phenkg:authorship ?a .
          ?a phenkg:position ?position ; phenkg:printedName ?name .
        }} ORDER BY ?position"""),
]


def example_queries() -> list[tuple[str, str]]:
    """The server's example queries once they exist, else our own five."""
    try:
        from phenkg.serve.examples import examples
    except ImportError:
        return OWN_EXAMPLES
    return examples(BASE) or OWN_EXAMPLES


# -- servers -----------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


class Oxigraph:
    def __init__(self, location: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(["oxigraph", "serve", "--location", str(location),
                                      "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def json(self, query: str) -> dict:
        request = urllib.request.Request(self.url + "/query", data=query.encode(),
                                         headers={"Content-Type": "application/sparql-query",
                                                  "Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def graphs(self) -> dict[str, int]:
        answer = self.json("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {b["g"]["value"]: int(b["n"]["value"]) for b in answer["results"]["bindings"]}


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    server = Oxigraph(tmp_path / "oxigraph")
    yield server
    server.stop()


def _read_body(handler: http.server.BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(parts)
            parts.append(handler.rfile.read(size))
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


class FakeStore(http.server.ThreadingHTTPServer):
    """A tiny HTTP server: `answer(handler, method, body)` -> (status, headers, body)."""

    daemon_threads = True

    def __init__(self, answer) -> None:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _any(self) -> None:
                body = _read_body(self) if self.command in ("POST", "PUT") else b""
                server.seen.append((self.command, self.path, self.headers.get("Authorization")))
                server.bodies.append(body)
                status, headers, out = answer(self, self.command, body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _any

        self.seen: list[tuple[str, str, str | None]] = []
        self.bodies: list[bytes] = []
        super().__init__(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def auth_proxy(upstream: str, expected: str) -> FakeStore:
    """Answers 401 unless the Authorization header is `expected`; otherwise forwards to `upstream`."""
    def answer(handler, method, body):
        if handler.headers.get("Authorization") != expected:
            return 401, {"WWW-Authenticate": 'Basic realm="phenkg-test"'}, b"authentication required"
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() in ("content-type", "accept")}
        data = body if method in ("POST", "PUT") else None
        request = urllib.request.Request(upstream + handler.path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                kind = reply.headers.get("Content-Type", "text/plain")
                return reply.status, {"Content-Type": kind}, reply.read()
        except urllib.error.HTTPError as exc:
            return exc.code, {"Content-Type": "text/plain"}, exc.read()
    return FakeStore(answer)


# -- helpers -----------------------------------------------------------------------------------------
def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def seed_triples() -> int:
    from phenkg.graph import triples
    from phenkg.store import read_catalog
    return sum(1 for _ in triples(read_catalog(DATA), BASE))


def rows(answer: dict) -> list[str]:
    return sorted(json.dumps(b, sort_keys=True) for b in answer["results"]["bindings"])


def assert_failed(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 1, (code, out, err)
    assert "pushed" not in out + err, out + err
    for needle in needles:
        assert needle in err, f"{needle!r} not in: {err}"


def _synthetic(tmp_path_factory, papers: int) -> Path:
    where = tmp_path_factory.mktemp(f"synthetic{papers}")
    listing = where / "list.md"
    listing.write_text(awesome_list(papers), encoding="utf-8")
    assert cli.main(["import", str(listing), "--data", str(where / "data")]) in (0, 1)
    return where / "data"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A data/ directory of 5,000 synthetic papers (about 340,000 triples)."""
    return _synthetic(tmp_path_factory, 5000)


@pytest.fixture(scope="module")
def synthetic_small(tmp_path_factory) -> Path:
    """A data/ directory of 1,000 synthetic papers (about 68,000 triples)."""
    return _synthetic(tmp_path_factory, 1000)


# -- round trips against Oxigraph -------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", ["gsp", "update", "auto"])
def test_push_then_query_gives_the_local_answers(oxigraph, capsys, protocol) -> None:
    code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", oxigraph.url + "/store",
                         "--protocol", protocol, "--batch", "3000")
    assert code == 0, err
    n = seed_triples()
    assert f"pushed {n:,} triples" in out
    assert f"now holds {n:,} triples" in out
    assert ("(gsp)" if protocol != "update" else "(update)") in out
    for title, query in example_queries():
        code, local, err = run(capsys, "query", query, "--data", str(DATA), "--format", "json")
        assert code == 0, (title, err)
        code, remote, err = run(capsys, "query", query, "--endpoint", oxigraph.url + "/query",
                                "--format", "json")
        assert code == 0, (title, err)
        local, remote = json.loads(local), json.loads(remote)
        assert local["head"] == remote["head"], title
        assert rows(remote) == rows(local), title
        assert local["results"]["bindings"], f"{title}: no rows, so the comparison proves nothing"


def test_replace_twice_leaves_exactly_one_copy(oxigraph, capsys) -> None:
    graph = "https://example.org/graph/phenkg"
    n = seed_triples()
    for protocol in ("gsp", "update"):
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", oxigraph.url + "/store",
                             "--graph", graph, "--replace", "--protocol", protocol)
        assert code == 0, err
        assert f"replaced <{graph}>" in out
        assert oxigraph.graphs() == {graph: n}, "the temporary graph is gone and one copy remains"
    # without --replace the triples are added: the same triples again change nothing, a count check passes
    code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", oxigraph.url + "/update",
                         "--graph", graph)
    assert code == 0, err
    assert f"added to <{graph}>" in out
    assert oxigraph.graphs() == {graph: n}


def test_query_through_the_cli_subprocess(oxigraph, capsys) -> None:
    assert run(capsys, "push", "--data", str(DATA), "--endpoint", oxigraph.url + "/store")[0] == 0
    query = "SELECT ?name WHERE { ?t a phenkg:Topic ; skos:prefLabel ?name ; phenkg:order 1 }"
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "query", query, "--endpoint",
                           oxigraph.url + "/query", "--format", "csv"], capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"name\r\nEmpirical Study\r\n"


@pytest.mark.slow
def test_readers_never_see_a_half_loaded_graph(oxigraph, capsys, synthetic_small) -> None:
    graph = "https://example.org/graph/swap"
    small = seed_triples()
    assert run(capsys, "push", "--data", str(DATA), "--endpoint", oxigraph.url + "/store", "--graph", graph,
               "--replace")[0] == 0
    seen: set[int] = set()
    stop = threading.Event()
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"

    def reader() -> None:
        while not stop.is_set():
            seen.add(int(oxigraph.json(query)["results"]["bindings"][0]["n"]["value"]))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        code, _, err = run(capsys, "push", "--data", str(synthetic_small), "--endpoint",
                           oxigraph.url + "/store", "--graph", graph, "--replace")
    finally:
        stop.set()
        thread.join()
    assert code == 0, err
    big = oxigraph.graphs()[graph]
    assert small in seen, seen
    assert seen <= {small, big}, f"a reader saw a count other than {small} (before) or {big} (after): {seen}"


# -- failures ------------------------------------------------------------------------------------------
def test_server_down(capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", url)
    assert_failed(code, out, err, url, "connection refused", "is the triple store running")
    code, out, err = run(capsys, "query", "ASK {}", "--endpoint", url)
    assert code == 1
    assert "connection refused" in err


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_server_killed_mid_push(tmp_path, capsys, synthetic, monkeypatch, protocol) -> None:
    import phenkg.progress

    server = Oxigraph(tmp_path / "oxigraph")

    class KillingProgress(phenkg.progress.Progress):
        """Kills the store once 2,000 of the 5,000 papers have been sent."""

        def __call__(self, done: int) -> None:
            if done >= 2000 and server.proc.poll() is None:
                server.proc.send_signal(signal.SIGKILL)
                server.proc.wait(10)

    monkeypatch.setattr(phenkg.progress, "Progress", KillingProgress)
    try:
        code, out, err = run(capsys, "push", "--data", str(synthetic), "--endpoint", server.url + "/store",
                             "--graph", "https://example.org/g", "--protocol", protocol, "--batch", "2000")
        assert server.proc.returncode == -signal.SIGKILL, "the store was killed during the push"
    finally:
        server.stop()
    assert_failed(code, out, err, server.url, "push failed", "may hold part of the data")


def test_server_answers_500(capsys) -> None:
    def answer(handler, method, body):
        if method != "PUT":  # claims to be a writable Graph Store, then fails the upload
            return 204, {}, b""
        return 500, {"Content-Type": "text/plain"}, b"disk full (simulated)"

    server = FakeStore(answer)
    try:
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", server.url + "/store",
                             "--graph", "https://example.org/g", "--replace")
    finally:
        server.stop()
    assert_failed(code, out, err, server.url + "/store", "HTTP 500", "disk full (simulated)",
                  "<https://example.org/g> was not changed")
    assert [m for m, _, _ in server.seen] == ["HEAD", "POST", "POST", "PUT", "POST"], \
        "probed, checked writes (Graph Store, then update for the swap), uploaded to a temporary graph, " \
        "dropped it"


def test_read_only_store_fails_before_any_data_is_sent(tmp_path, capsys) -> None:
    """Regression: a push to `oxigraph serve-read-only` sent every triple, then failed."""
    Oxigraph(tmp_path / "ro").stop()  # creates the store, which serve-read-only then opens
    port = free_port()
    proc = subprocess.Popen(["oxigraph", "serve-read-only", "--location", str(tmp_path / "ro"),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        for endpoint, protocol in (("/store", "auto"), ("/update", "update"), ("/store", "gsp")):
            code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint",
                                 f"http://127.0.0.1:{port}{endpoint}", "--protocol", protocol, "--replace")
            assert_failed(code, out, err, "stopped before sending any data", "HTTP 403", "read-only")
            assert "may hold part" not in err
    finally:
        proc.kill()
        proc.wait(10)


def test_query_only_url_fails_before_any_data_is_sent(capsys) -> None:
    """A query URL answers the write checks with 404/405/415: one empty update, no data, exit 1."""
    def answer(handler, method, body):
        if method == "HEAD":
            return 405, {}, b""
        return 415, {"Content-Type": "text/html"}, b"<html><body><h1>415</h1><p>Only queries here</p></body></html>"

    server = FakeStore(answer)
    try:
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", server.url + "/sparql")
    finally:
        server.stop()
    assert_failed(code, out, err, "stopped before sending any data", "HTTP 415", "Only queries here",
                  "give the store's Graph Store")
    assert "<p>" not in err
    assert [m for m, _, _ in server.seen] == ["HEAD", "POST"]
    assert server.bodies[1] == b"INSERT DATA { }"


def test_remote_errors_are_readable_and_exit_by_the_rule(oxigraph) -> None:
    """Regression: a malformed query at the store printed RuntimeWarnings and b'...', and exited 1.
    Rule: a query the store rejects as malformed is bad input (2); a store that fails is 1."""
    def phenkg(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-W", "default", "-m", "phenkg.cli", *argv],
                              capture_output=True, text=True, timeout=60, check=False)

    done = phenkg("query", "SELEC ?x", "--endpoint", oxigraph.url + "/query")
    assert done.returncode == 2, done.stderr
    assert "rejected the query as malformed (HTTP 400): error at 1:" in done.stderr
    assert "b'" not in done.stderr
    assert "Warning" not in done.stderr
    assert "loaded" not in done.stderr, "no push hint for a query"
    done = phenkg("query", "SELECT * { ?s ?p ?o }", "--endpoint", oxigraph.url + "/nothing-here")
    assert done.returncode == 1, done.stderr
    assert "does not exist (HTTP 404)" in done.stderr
    assert "b'" not in done.stderr
    assert "query URL" in done.stderr


def test_push_is_a_library_function(oxigraph) -> None:
    """Typed parameters in, a result out; no namespace, no exit codes; no import of the web layer."""
    import ast

    import phenkg.push
    from phenkg.push import PushResult, push
    from phenkg.store import read_catalog

    result = push(read_catalog(DATA), BASE, Endpoints.derive(oxigraph.url + "/store"),
                  graph="https://example.org/lib", auth=Auth(), timeout=30)
    assert isinstance(result, PushResult)
    assert result.sent == result.after == seed_triples()
    tree = ast.parse(Path(phenkg.push.__file__).read_text(encoding="utf-8"))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m and m.startswith("phenkg.serve")], imported


def test_wrong_credentials_and_right_ones(oxigraph, capsys, monkeypatch) -> None:
    expected = "Basic " + base64.b64encode(b"loader:s3cret-pw").decode()
    proxy = auth_proxy(oxigraph.url, expected)
    try:
        monkeypatch.setenv("PHENKG_PASSWORD", "wrong-pw")
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", proxy.url + "/store",
                             "--user", "loader")
        assert_failed(code, out, err, proxy.url + "/store", "HTTP 401", "user 'loader'", "$PHENKG_PASSWORD")
        assert "wrong-pw" not in out + err
        assert oxigraph.json("ASK { ?s ?p ?o }")["boolean"] is False

        monkeypatch.setenv("PHENKG_PASSWORD", "s3cret-pw")
        proxy.seen.clear()
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", proxy.url + "/store",
                             "--user", "loader", "--graph", "https://example.org/g", "--replace")
        assert code == 0, err
        assert "s3cret-pw" not in out + err
        assert oxigraph.graphs() == {"https://example.org/g": seed_triples()}
        assert {a for _, _, a in proxy.seen} == {expected}, "every request carried the credentials"
        code, out, err = run(capsys, "query", "ASK { GRAPH ?g { ?s ?p ?o } }", "--endpoint",
                             proxy.url + "/query", "--user", "loader", "--format", "csv")
        assert (code, out) == (0, "boolean\r\ntrue\r\n")
    finally:
        proxy.stop()


def test_bearer_token_from_the_environment(oxigraph, capsys, monkeypatch) -> None:
    proxy = auth_proxy(oxigraph.url, "Bearer tok-123")
    try:
        monkeypatch.setenv("PHENKG_TOKEN", "tok-bad")
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", proxy.url + "/store")
        assert_failed(code, out, err, "HTTP 401", "a bearer token")
        assert "tok-bad" not in err
        monkeypatch.setenv("PHENKG_TOKEN", "tok-123")
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", proxy.url + "/store")
        assert code == 0, err
    finally:
        proxy.stop()


def test_forbidden(capsys) -> None:
    server = FakeStore(lambda handler, method, body: (403, {}, b"read-only account"))
    try:
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", server.url + "/update")
    finally:
        server.stop()
    assert_failed(code, out, err, server.url + "/update", "HTTP 403", "write permission")


def test_timeout(capsys, monkeypatch) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/store"
    monkeypatch.setenv("PHENKG_TIMEOUT", "1")
    try:
        started = time.monotonic()
        code, out, err = run(capsys, "push", "--data", str(DATA), "--endpoint", url)
        assert time.monotonic() - started < 10
    finally:
        listener.close()
    assert_failed(code, out, err, url, "no answer", "within 1 s")


def test_user_without_password_is_a_usage_error(capsys, monkeypatch) -> None:
    monkeypatch.delenv("PHENKG_PASSWORD", raising=False)
    code, _, err = run(capsys, "push", "--data", str(DATA), "--endpoint", "http://127.0.0.1:9/store",
                       "--user", "x")
    assert code == 2
    assert "$PHENKG_PASSWORD" in err


# -- pure parts -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("given", "query", "update"), [
    ("http://h:7878/store", "http://h:7878/query", "http://h:7878/update"),
    ("http://h:7878/update", "http://h:7878/query", "http://h:7878/update"),
    ("http://h:3030/ds/data", "http://h:3030/ds/query", "http://h:3030/ds/update"),
    ("http://h:3030/ds", "http://h:3030/ds", "http://h:3030/ds"),
    ("http://h:8890/sparql-graph-crud-auth", "http://h:8890/sparql-auth", "http://h:8890/sparql-auth"),
    ("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql"),
])
def test_endpoints_are_derived(given, query, update) -> None:
    e = Endpoints.derive(given)
    assert (e.query, e.update) == (query, update)


def test_secrets_stay_out_of_messages() -> None:
    assert public("http://u:pw@h:1/store?default") == "http://h:1/store?default"
    auth = Auth("u", "pw", None)
    assert "pw" not in repr(auth)
    assert "pw" not in auth.describe()


def test_prefixes_are_added_only_when_used_and_missing() -> None:
    q = with_prefixes("PREFIX schema: <http://other/> SELECT * { ?p schema:name ?n ; phenkg:arxivYear ?y }")
    assert q.count("PREFIX schema:") == 1
    assert "PREFIX phenkg: <https://w3id.org/phenkg/ontology#>" in q
    assert "PREFIX foaf" not in q
    assert with_prefixes("SELECT * { <http://x/schema:a> ?p 'foaf:x', \"dcat:y\" }").startswith("SELECT")


def test_local_query_formats(capsys) -> None:
    query = "SELECT ?key ?name WHERE { ?t phenkg:order ?key ; skos:prefLabel ?name } ORDER BY ?key"
    code, table, _ = run(capsys, "query", query, "--data", str(DATA))
    assert code == 0
    lines = table.splitlines()
    assert lines[0].split() == ["key", "name"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split(None, 1) == ["1", "Empirical Study"]
    assert lines[-1] == f"({len(lines) - 3} rows)"
    name_col = lines[0].index("name")
    assert all(line[name_col - 2:name_col] == "  " for line in lines[2:-1]), "columns are aligned"
    code, csv_text, _ = run(capsys, "query", query, "--data", str(DATA), "--format", "csv")
    assert csv_text.splitlines()[:2] == ["key,name", "1,Empirical Study"]
    answer = {"head": {"vars": ["a", "b"]}, "results": {"bindings": [
        {"a": {"type": "uri", "value": "https://schema.org/name"},
         "b": {"type": "literal", "value": 'x,"y"'}},
        {"a": {"type": "bnode", "value": "b0"}}]}}
    assert format_csv(answer) == 'a,b\r\nhttps://schema.org/name,"x,""y"""\r\n_:b0,\r\n'
    assert format_table(answer).splitlines()[2].startswith("schema:name")
    code, nt, _ = run(capsys, "query", "CONSTRUCT { ?t a skos:Concept } WHERE { ?t phenkg:order 1 }",
                      "--data", str(DATA))
    assert nt.strip() == f"<{BASE}topic/empirical-study> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " \
                         "<http://www.w3.org/2004/02/skos/core#Concept> ."


def test_no_servers_left_behind() -> None:
    mine = str(os.getpid())
    leftover = subprocess.run(["pgrep", "-P", mine, "oxigraph"], capture_output=True, text=True, check=False)
    assert leftover.stdout.strip() == ""

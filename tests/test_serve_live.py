"""`phenkg serve` as a real process on a loopback port: a real SPARQL client, and the attacks."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pyoxigraph
import pytest
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from phenkg.vocab import sparql_prefixes

from .conftest import DATA, ROOT
from .test_serve_support import live_server

TIMEOUT = 2.0
PAPERS = sparql_prefixes() + ("SELECT ?paper ?title WHERE { ?paper a phenkg:Paper ; schema:name ?title } "
                              "LIMIT 5")


@pytest.fixture(scope="module")
def url():
    with live_server("--timeout", str(TIMEOUT)) as base_url:
        yield base_url


def http(url: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 30):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def query_url(url: str, query: str, **params) -> str:
    return url + "/sparql?" + urlencode({"query": query, **params})


# -- a real client ---------------------------------------------------------------------------------------
def client(url: str, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(url + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_json(url, method):
    result = client(url, PAPERS, JSON, method).query().convert()
    rows = result["results"]["bindings"]
    assert len(rows) == 5
    assert all(row["paper"]["type"] == "uri" and row["title"]["value"] for row in rows)


def test_sparqlwrapper_xml(url):
    document = client(url, PAPERS, XML).query().convert()
    results = document.getElementsByTagName("result")
    assert len(results) == 5
    assert len(document.getElementsByTagName("uri")) == 5


def test_sparqlwrapper_csv(url):
    body = client(url, PAPERS, CSV).query().convert()
    rows = list(csv.DictReader(io.StringIO(body.decode(), newline="")))
    assert len(rows) == 5
    assert all(row["paper"].startswith("https://w3id.org/phenkg/paper/") for row in rows)


def test_sparqlwrapper_construct(url):
    query = sparql_prefixes() + ("CONSTRUCT { ?p schema:name ?t } WHERE { ?p a phenkg:Paper ; "
                                 "schema:name ?t } LIMIT 4")
    body = client(url, query, TURTLE).query().convert()
    graph = pyoxigraph.Store()
    graph.load(body, format=pyoxigraph.RdfFormat.TURTLE)
    assert len(graph) == 4


# -- attacks ---------------------------------------------------------------------------------------------
def test_service_reaches_nothing(url):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(1.5)
    port = listener.getsockname()[1]
    connections = []

    def accept():
        with contextlib.suppress(OSError):
            connections.append(listener.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        for text in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
                     f"select * where {{ service silent <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                     f"SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
                     f"SELECT * {{ ?s ?p ?o FILTER(?o<'>' || true) SERVICE <http://127.0.0.1:{port}/> "
                     "{ ?a ?b ?c } FILTER(?o != 'x') }"):
            status, _, body = http(query_url(url, text), headers={"Accept": "application/json"})
            assert status == 400, body
            assert "SERVICE" in json.loads(body)["error"]["detail"]
        thread.join()
    finally:
        listener.close()
    assert connections == [], "the server connected to the SERVICE address"


@pytest.mark.parametrize("query", [
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "from-param",
])
def test_from_file_reads_nothing(url, query):
    if query == "from-param":
        target = query_url(url, "SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": "file:///etc/passwd"})
    else:
        target = query_url(url, query)
    status, _, body = http(target, headers={"Accept": "application/json"})
    assert status == 400
    assert b"root:" not in body
    assert "never loads graphs" in json.loads(body)["error"]["detail"]


RUNAWAY = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<http://x/p>|^!<http://x/p>)* ?o }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",
]


@pytest.mark.slow
@pytest.mark.parametrize("runaway", RUNAWAY)
def test_runaway_query_ends_at_timeout_while_others_are_answered(url, runaway):
    # wait until both workers are up (a previous case may have just replaced one)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status, _, _ = http(query_url(url, "ASK {}"))
        if status == 200:
            break
    outcome = {}

    def slow():
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = http(query_url(url, runaway),
                                                     headers={"Accept": "application/json"})
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    status, _, body = http(query_url(url, PAPERS), headers={"Accept": "application/json"})
    quick = time.monotonic() - started
    thread.join(30)
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 5
    assert quick < 1.0, f"a simple query took {quick:.2f} s while a runaway query ran"
    assert outcome["status"] == 503, outcome
    detail = json.loads(outcome["body"])["error"]["detail"]
    if "memory budget" in detail:       # stopped sooner, at the memory budget (--max-memory)
        assert outcome["seconds"] < TIMEOUT + 2.0
    else:
        assert "timeout" in detail
        assert TIMEOUT - 0.5 < outcome["seconds"] < TIMEOUT + 2.0


def test_oversized_body_gets_413(url):
    body = b"query=" + b"A" * 2_000_000
    status, _headers, answer = http(url + "/sparql", data=body,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    assert json.loads(answer)["error"]["status"] == 413


def test_updates_are_refused(url):
    status, _, body = http(url + "/sparql", data=b"INSERT DATA { <http://a/> <http://b/> <http://c/> }",
                           headers={"Content-Type": "application/sparql-update"})
    assert status == 403
    status, _, body = http(query_url(url, "ASK { <http://a/> <http://b/> <http://c/> }"),
                           headers={"Accept": "application/json"})
    assert json.loads(body)["boolean"] is False


@pytest.mark.slow
def test_a_single_worker_answers_beside_a_runaway_and_is_replaced_after_it():
    # one worker: the quick query is answered by another thread of the same process while the runaway
    # evaluates; the runaway's 503 retires that process, so the last query proves a fresh one took over
    with live_server("--timeout", "1", "--workers", "1") as base_url:
        outcome = {}

        def slow():
            outcome["status"], _, outcome["body"] = http(query_url(base_url, RUNAWAY[0]),
                                                         headers={"Accept": "application/json"})

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.3)
        status, _, _ = http(query_url(base_url, PAPERS), headers={"Accept": "application/json"})
        assert status == 200
        thread.join(30)
        assert outcome["status"] == 503, outcome
        status, _, body = http(query_url(base_url, PAPERS), headers={"Accept": "application/json"}, timeout=30)
        assert status == 200
        assert len(json.loads(body)["results"]["bindings"]) == 5


@pytest.mark.slow
def test_get_once_gives_up_at_the_timeout():
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "serve", "--data", str(DATA), "--timeout", "1",
                           "--accept", "application/json", "--get", "/sparql?" + urlencode({"query": RUNAWAY[0]})],
                          capture_output=True, cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert error["status"] == 503
    assert "timeout" in error["detail"]
    assert time.monotonic() - started < 30

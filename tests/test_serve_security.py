"""Attacks on `phenkg serve`, each against a real server process on a loopback port (issue 12).

Classes, not payloads: SSRF in many spellings, with and without the guard (the sandbox alone must
hold); a regular-expression backtracking probe; nesting past any parser's depth; a memory bomb; a
thousand half-open connections; files outside --dist.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from phenkg.serve import Settings, build_disk_store, running

from .conftest import BASE, DATA

pytestmark = pytest.mark.slow   # attacks on real servers: not in the fast loop (-m "not slow")

PAPER = f"<{BASE}ontology#Paper>"
BUSY = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a a {PAPER} . ?c ?d ?e }}"    # about a second of work


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("security") / "store"
    build_disk_store(path, DATA, BASE)
    return path


def ask(url: str, query: str, timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(f"{url}/sparql", data=urlencode({"query": query}).encode(),
                                     headers={"Accept": "application/sparql-results+json",
                                              "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Listener:
    """A loopback listener that counts the connections it gets (what SSRF would reach)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.hits = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            self.hits += 1
            with contextlib.suppress(OSError):
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                                   b"Content-Length: 2\r\n\r\n{}")
            connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.socket.close()


@pytest.fixture
def listener():
    target = Listener()
    yield target
    target.close()


def ssrf_queries(port: int) -> list[str]:
    """SERVICE in the spellings that fooled text-based guards, and in every place a pattern may sit."""
    hit = f"<http://127.0.0.1:{port}/hit>"
    return [
        f"SELECT ?leak WHERE {{ ?a <{BASE}ontology#position> 1 . OPTIONAL {{ FILTER(?a<'>') }} "
        f"?a <{BASE}ontology#position> 1SERVICE {hit} {{ ?leak ?b ?c }} }} LIMIT 1 #'",
        f"SELECT * WHERE {{ ?s ?p 1e0SERVICE {hit} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?s ?p trueSERVICE {hit} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE {hit} {{ ?a ?b ?c }} }}",
        f"select * where {{ service silent {hit} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?a WHERE {{ SERVICE {hit} {{ ?a ?b ?c }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE {hit} {{ ?a ?b ?c }} }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ {hit} }} SERVICE ?e {{ ?a ?b ?c }} }}",
        f"PREFIX h: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE h:hit {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ SERVICE#c\n{hit}#c\n{{ ?a ?b ?c }} }}",
    ]


@pytest.mark.parametrize("guard", [True, False], ids=["guard", "sandbox-alone"])
def test_no_query_reaches_the_network(store, listener, guard):
    with running(store, Settings(base=BASE), timeout=10, workers=1, guard=guard) as url:
        for query in ssrf_queries(listener.port):
            status, body = ask(url, query)
            if guard:
                assert status == 400, (query, body)
            else:    # refused by the OS (or the engine); SERVICE SILENT turns the failure into no rows
                assert status in (200, 400, 500), (query, body)
                assert b"127.0.0.1" not in body
        assert ask(url, "ASK {}")[0] == 200         # and it still answers
    assert listener.hits == 0


def test_the_sandbox_alone_refuses_files_and_processes(store):
    """An evaluator cannot read a file outside its store (Landlock) nor write one (seccomp)."""
    from phenkg.serve.sandbox import confine

    script = (
        "import sys, json, pathlib, os\n"
        "from phenkg.serve.sandbox import confine\n"
        f"done = confine([pathlib.Path({str(store)!r})], 512 * 2**20)\n"
        "out = {'applied': done.applied}\n"
        f"for name in ('read', 'write', 'exec'):\n"
        "    try:\n"
        f"        if name == 'read': open({str(DATA / 'papers.yaml')!r}).read(1)\n"
        f"        if name == 'write': open({str(store.parent / 'x')!r}, 'w')\n"
        "        if name == 'exec': os.execv('/bin/true', ['true'])\n"
        "        out[name] = 'allowed'\n"
        "    except OSError as exc:\n"
        "        out[name] = exc.errno\n"
        "print(json.dumps(out))\n")
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(done.stdout)
    assert confine is not None
    if "seccomp" not in result["applied"]:
        pytest.skip("this kernel has no seccomp filter support; the sandbox cannot be shown here")
    assert result["write"] != "allowed"
    assert result["exec"] != "allowed"
    if "landlock" in result["applied"]:
        assert result["read"] != "allowed"


def test_a_backtracking_probe_is_answered_at_once(store):
    with running(store, Settings(base=BASE), timeout=10, workers=1) as url:
        for probe in ("ASK {} # service " + "#" * 50_000, "ASK {} #" + " service #" * 10_000,
                      "ASK { FILTER('" + "\\'" * 30_000 + "') }"):
            started = time.monotonic()
            status, _ = ask(url, probe)
            assert status in (200, 400)
            assert time.monotonic() - started < 3


def test_deep_nesting_is_refused_and_loses_no_other_request(store):
    slow = BUSY
    with running(store, Settings(base=BASE), timeout=20, workers=2) as url:
        results: dict = {}
        other = threading.Thread(target=lambda: results.setdefault("slow", ask(url, slow)))
        other.start()
        for depth in (200, 3_000, 10_000, 100_000):
            status, body = ask(url, "SELECT (" + "(" * depth + "1" + ")" * depth + " AS ?x) WHERE {}")
            assert 400 <= status < 500, (depth, body[:200])
            assert json.loads(body)["error"]["status"] == status
        other.join(30)
        assert results["slow"][0] == 200
        assert ask(url, "ASK {}")[0] == 200


def test_a_memory_bomb_is_stopped_at_the_budget(store):
    binds = " ".join(f"BIND(CONCAT(?v{i},?v{i}) AS ?v{i + 1})" for i in range(26))
    bomb = f"SELECT (STRLEN(?v26) AS ?n) WHERE {{ BIND(\"{'x' * 64}\" AS ?v0) {binds} }}"
    with running(store, Settings(base=BASE), timeout=30, workers=2, max_memory_mb=400) as url:
        results: dict = {}
        other = threading.Thread(target=lambda: results.setdefault(
            "other", ask(url, BUSY)))
        other.start()
        status, body = ask(url, bomb)
        assert status == 503, body[:300]
        assert "memory budget" in json.loads(body)["error"]["detail"]
        other.join(30)
        assert results["other"][0] == 200
        assert ask(url, "ASK {}")[0] == 200       # a fresh evaluator took its place


def test_half_open_connections_do_not_starve_a_new_client(store):
    with running(store, Settings(base=BASE), timeout=10, workers=1) as url:
        port = int(url.rsplit(":", 1)[1])
        idle = []
        try:
            for _ in range(1000):
                client = socket.create_connection(("127.0.0.1", port), timeout=5)
                client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")     # a head that never ends
                idle.append(client)
            started = time.monotonic()
            with urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=2) as response:
                assert response.status == 200
            assert time.monotonic() - started < 2
        finally:
            for client in idle:
                client.close()


def test_only_regular_files_inside_dist_are_served(store, tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "phenkg.nt").write_text("<a:b> <a:c> <a:d> .\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-CONTENT")
    (dist / "leak.nt").symlink_to(secret)
    (dist / "sub").mkdir()
    (dist / ".hidden").write_text("hidden")
    os.symlink(tmp_path, dist / "up")
    with running(store, Settings(base=BASE, dist=dist), timeout=10, workers=1) as url:
        with urllib.request.urlopen(f"{url}/dist/phenkg.nt", timeout=10) as response:
            assert response.read() == b"<a:b> <a:c> <a:d> .\n"
        for name in ("leak.nt", "sub", ".hidden", "up/secret.txt", "..%2Fsecret.txt", "%2E%2E/secret.txt"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{url}/dist/{name}", timeout=10)
            assert refused.value.code == 404, name
            assert b"TOPSECRET" not in refused.value.read()

"""HTTP on a real loopback socket, as Granian and the front speak it: framing, keep-alive, smuggling.

These pin what the project relies on from its HTTP server library: that it frames requests
strictly (no request smuggling), keeps pipelined answers in order, and that the front adds the
body limits and the JSON error shape of the API.
"""

from __future__ import annotations

import json
import socket

import pytest

from phenkg.serve import Settings, build_disk_store, running

from .conftest import BASE, DATA

ASK = b"/sparql?query=ASK%7B%7D"


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    path = tmp_path_factory.mktemp("http") / "store"
    build_disk_store(path, DATA, BASE)
    with running(path, Settings(base=BASE), timeout=10, workers=1) as url:
        yield int(url.rsplit(":", 1)[1])


def exchange(port: int, data: bytes, *, quiet: float = 2) -> bytes:
    """Send raw bytes, read until the server closes or stays quiet for `quiet` seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=quiet) as sock:
        sock.sendall(data)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except TimeoutError:
            pass
        return out


def responses(raw: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Split a byte stream into (status, headers, body) by Content-Length."""
    out = []
    while raw:
        head, _, raw = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", 0))
        out.append((int(lines[0].split()[1]), headers, raw[:length]))
        raw = raw[length:]
    return out


def test_pipelined_requests_are_answered_in_order(port):
    raw = exchange(port, b"GET " + ASK + b" HTTP/1.1\r\nHost: h\r\nAccept: application/json\r\n\r\n"
                   b"GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n"
                   b"GET " + ASK + b" HTTP/1.1\r\nHost: h\r\nAccept: text/csv\r\nConnection: close\r\n\r\n")
    answers = responses(raw)
    assert [status for status, _, _ in answers] == [200, 404, 200]
    assert json.loads(answers[0][2])["boolean"] is True
    assert json.loads(answers[1][2])["error"]["status"] == 404


def test_http_1_0_is_answered_and_closed(port):
    answers = responses(exchange(port, b"GET " + ASK + b" HTTP/1.0\r\nAccept: application/json\r\n\r\n"))
    assert [status for status, _, _ in answers] == [200]


def test_head_has_the_length_of_get_but_no_body(port):
    get = responses(exchange(port, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
    head = exchange(port, b"HEAD / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    headers = head.split(b"\r\n\r\n", 1)
    assert headers[1] == b""
    assert f"content-length: {len(get[0][2])}".encode() in headers[0].lower()


def test_a_body_sent_in_pieces_is_read_whole(port):
    query = b"ASK { FILTER(STRLEN('" + b"a" * 200_000 + b"') = 200000) }"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: h\r\nAccept: application/json\r\nConnection: close\r\n"
                     b"Content-Type: application/sparql-query\r\nContent-Length: " + str(len(query)).encode()
                     + b"\r\n\r\n")
        for start in range(0, len(query), 7_000):
            sock.sendall(query[start:start + 7_000])
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    status, _, body = responses(raw)[0]
    assert status == 200
    assert json.loads(body)["boolean"] is True


@pytest.mark.parametrize("request_bytes", [
    b"POST /sparql HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nquery",
    b"POST /sparql HTTP/1.1\r\nHost: h\r\nContent-Length: 1_0\r\n\r\nquery=ASKx",
    b"POST /sparql HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\nquery",
    b"POST /sparql HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nquery=",
    b"POST /sparql HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\n folded: header\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"a" * 600_000 + b"\r\n\r\n",
])
def test_ambiguous_or_malformed_framing_is_refused_and_smuggles_nothing(port, request_bytes):
    raw = exchange(port, request_bytes + b"GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 4"), raw[:200]
    assert raw.count(b"HTTP/1.1 ") == 1, raw[:400]       # the request after it was never read as one


def test_an_oversized_body_gets_the_json_413(port):
    body = b"query=" + b"A" * 1_500_000
    raw = exchange(port, b"POST /sparql HTTP/1.1\r\nHost: h\r\nConnection: close\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                   + str(len(body)).encode() + b"\r\n\r\n" + body)
    status, _, answer = responses(raw)[0]
    assert status == 413
    assert json.loads(answer)["error"]["status"] == 413

"""The HTTP/1.1 server on a real loopback socket: framing, keep-alive, errors, and the deadline."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time

import pytest

from phenkg.serve.server import MAX_HEAD, Connection, make_server

SERVERS: list = []      # the server running echo_app, for its deadline


def echo_app(environ, start_response):
    """Answers with what it saw; ?sleep=S waits first under the server's deadline (releasing the GIL,
    as pyoxigraph does while it evaluates a query)."""
    query = environ["QUERY_STRING"]
    if query.startswith("sleep="):
        with SERVERS[-1].deadline():
            time.sleep(float(query[6:]))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length if query == "whole" else min(length, 10)) if length else b""
    seen = {"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"], "query": query,
            "body": body.decode("latin-1")[:20], "read": len(body), "accept": environ.get("HTTP_ACCEPT")}
    payload = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [b"" if environ["REQUEST_METHOD"] == "HEAD" else payload]


@contextlib.contextmanager
def running(app=echo_app, **options):
    server = make_server("127.0.0.1", 0, app, **options)
    SERVERS.append(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(5)
        server.listener.close()


def exchange(port: int, data: bytes, *, until_close: bool = True, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        if not until_close:
            return sock.recv(65536)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
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


def test_pipelined_requests_are_answered_in_order_then_closed():
    with running() as server:
        raw = exchange(server.port, b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
                                    b"POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
                                    b"GET /c%20d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    answers = responses(raw)
    assert [json.loads(body)["path"] for _, _, body in answers] == ["/a", "/b", "/c d"]
    assert json.loads(answers[1][2])["body"] == "xyz"
    assert answers[2][1]["connection"] == "close"
    assert "connection" not in answers[0][1]


def test_http_1_0_closes_unless_kept_alive():
    with running() as server:
        assert len(responses(exchange(server.port, b"GET / HTTP/1.0\r\n\r\n"))) == 1
        answer = exchange(server.port, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", until_close=False)
    assert b"Connection: close" not in answer


def test_expect_100_continue_is_honoured():
    with running() as server, socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(b"abcd")
        status, _, body = responses(sock.recv(65536))[0]
    assert status == 200
    assert json.loads(body)["body"] == "abcd"


def test_head_has_length_but_no_body():
    with running() as server:
        raw = exchange(server.port, b"HEAD /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nConnection: close\r\n\r\n")
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert b"Content-Length: 0" in head
    assert rest.startswith(b"HTTP/1.1 200")     # the next answer follows at once: HEAD sent no body


def test_a_body_sent_in_pieces_is_read_whole():
    with running() as server, socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /x?whole HTTP/1.1\r\nContent-Length: 300000\r\n\r\n")
        for _ in range(3):
            time.sleep(0.05)
            sock.sendall(b"q" * 100000)
        status, _, body = responses(_read_one(sock))[0]
    assert status == 200
    assert json.loads(body)["read"] == 300000


def _read_one(sock: socket.socket) -> bytes:
    raw = b""
    while b"\r\n\r\n" not in raw or len(raw.partition(b"\r\n\r\n")[2]) < int(
            re.search(rb"Content-Length: (\d+)", raw)[1]):
        raw += sock.recv(65536)
    return raw


def test_an_error_in_the_next_request_on_a_connection_is_answered():
    with running() as server:
        answers = responses(exchange(server.port, b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/2.0\r\n\r\n"))
    assert [status for status, _, _ in answers] == [200, 505]


def test_a_slow_upload_does_not_count_against_the_timeout():
    retired = threading.Event()
    with running(timeout=0.5, on_retired=retired.set) as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /x?whole HTTP/1.1\r\nContent-Length: 4\r\n\r\nab")
        time.sleep(1.2)
        sock.sendall(b"cd")
        status, _, body = responses(_read_one(sock))[0]
    assert status == 200
    assert json.loads(body)["body"] == "abcd"
    assert not retired.is_set()


def test_an_overrun_noticed_after_its_answer_is_not_answered_again():
    """The watchdog may pick a deadline just as the request finishes and the next one starts: the 503
    is only for the request it timed, and the server does not retire."""
    retired = threading.Event()
    with running(timeout=5, on_retired=retired.set) as server:
        ours, theirs = socket.socketpair()
        with ours, theirs:
            connection = Connection(ours, ("127.0.0.1", 0))
            first = connection.begin()
            assert connection.answer(b"first", first)
            connection.begin()                                   # the next request on the connection
            server.watchdog._overrun(connection, first)           # late news of the first one
            assert not connection.answer(b"again", first)
            assert connection.answer(b"second")
            assert theirs.recv(100) == b"firstsecond"
    assert not retired.is_set()


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"POST /x HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello", 400),
    (b"POST /x HTTP/1.1\r\nContent-Length: 1_0\r\n\r\nhelloworld", 400),
    (b"POST /x HTTP/1.1\r\nContent-Length: -5\r\n\r\nhello", 400),
    (b"POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
    (b"POST /x HTTP/1.1\r\nX: a\nContent-Length: 5\r\n\r\nhello", 400),      # a bare LF hides a header
    (b"GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 411),
    (b"GET /x HTTP/2.0\r\n\r\n", 505),
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /x HTTP/1.1\r\n folded: header\r\n\r\n", 400),
    (b"GET /x HTTP/1.1\r\nX: " + b"a" * (MAX_HEAD + 10) + b"\r\n\r\n", 431),
    (b"GET /x HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n", 431),
])
def test_bad_requests_get_the_json_error_shape_and_a_close(request_bytes, status):
    with running() as server:
        answers = responses(exchange(server.port, request_bytes))
    assert len(answers) == 1
    got, headers, body = answers[0]
    assert got == status
    assert headers["connection"] == "close"
    assert json.loads(body)["error"]["status"] == status


def test_a_body_left_unread_closes_the_connection():
    with running() as server:   # echo_app reads at most 10 bytes
        raw = exchange(server.port, b"POST /x HTTP/1.1\r\nContent-Length: 40\r\n\r\n"
                       + b"GET /smuggled HTTP/1.1\r\n\r\n" + b"z" * 14 + b"GET /next HTTP/1.1\r\n\r\n")
    answers = responses(raw)
    assert len(answers) == 1
    assert answers[0][1]["connection"] == "close"


def test_overrun_is_answered_503_and_the_server_retires_after_the_others_finish():
    retired = threading.Event()
    with running(timeout=0.5, on_retired=retired.set) as server:
        outcome: dict = {}

        def ask(name: str, query: str) -> None:
            started = time.monotonic()
            raw = exchange(server.port, f"GET /?{query} HTTP/1.1\r\nHost: h\r\n\r\n".encode(), timeout=20)
            outcome[name] = (responses(raw)[0], time.monotonic() - started)

        slow = threading.Thread(target=ask, args=("slow", "sleep=5"))
        slow.start()
        time.sleep(0.2)
        other = threading.Thread(target=ask, args=("other", "sleep=0.45"))  # in flight when the first overruns
        other.start()
        slow.join(10)
        (status, headers, body), seconds = outcome["slow"]
        assert status == 503
        assert headers["retry-after"] == "1"
        assert "timeout" in json.loads(body)["error"]["detail"]
        assert 0.45 < seconds < 2.0
        assert not retired.is_set() or "other" in outcome     # retires only once the other is answered
        other.join(10)
        assert outcome["other"][0][0] == 200
        assert outcome["other"][0][1]["connection"] == "close"  # its connection moves to a fresh worker
        assert retired.wait(5)
        assert server.stopping.is_set()

"""The HTTP/1.1 server in front of the WSGI app: keep-alive connections, a thread each, and a deadline.

http.server parses headers with the email package and formats every line separately: about 0.3 ms a
request, more than the endpoint's small queries take. This server reads a request head in one
piece, answers with one write, and runs the app in the connection's own thread (pyoxigraph releases
the GIL while it evaluates, so other connections go on being answered).

A request that outlives `timeout` is answered by the watchdog with a 503; the query cannot be
cancelled, so the server then retires: it stops accepting, lets the other requests in flight finish,
and calls `on_retired` (a worker process exits there and its supervisor starts a fresh one).

A request body is read only as far as Content-Length says, and the connection is closed whenever
the app left part of one unread (a 413), so the next request can never start in the middle of it.
"""

from __future__ import annotations

import contextlib
import errno
import re
import socket
import sys
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import unquote

from phenkg.serve.http import error_body

MAX_HEAD = 65536          # bytes of request line and headers
MAX_HEADERS = 100
_DIGITS = re.compile(r"[0-9]{1,15}")
_FORBIDDEN = re.compile(r"[\r\n\x00]")      # a bare CR or LF in a head line could hide a header
IDLE = 120.0              # seconds a connection may stay silent
ACCEPT_POLL = 0.25        # seconds between checks of `stopping` while waiting for connections
MAX_CONNECTIONS = 512     # open connections (a thread each) per server; more wait in the listen queue
_ACCEPT_AGAIN = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM, errno.ECONNABORTED}


class ProtocolError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class Connection:
    """One client socket: buffered reads, and a lock so that exactly one answer is written per request."""

    def __init__(self, sock: socket.socket, address) -> None:
        self.sock, self.address = sock, address
        self.buffer = b""
        self.lock = threading.Lock()
        self.serial = 0            # the number of the request being answered
        self.answered = False      # whether that request has its answer

    def begin(self) -> int:
        """A new request starts: nothing is answered yet. Returns its number."""
        with self.lock:
            self.serial += 1
            self.answered = False
            return self.serial

    def read_head(self) -> bytes | None:
        """The request line and headers, without the blank line; None if the client closed first."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            if len(self.buffer) > MAX_HEAD:
                raise ProtocolError(431, f"the request line and headers exceed {MAX_HEAD:,} bytes")
            data = self.sock.recv(65536)
            if not data:
                if self.buffer.strip():
                    raise ProtocolError(400, "the connection closed in the middle of a request head")
                return None
            self.buffer += data
        if end > MAX_HEAD:
            raise ProtocolError(431, f"the request line and headers exceed {MAX_HEAD:,} bytes")
        head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
        return head

    def read(self, size: int) -> bytes:
        """`size` bytes, or fewer only if the client closed: a body may come in many segments."""
        chunks, have = [self.buffer], len(self.buffer)
        while have < size:
            data = self.sock.recv(min(max(size - have, 65536), 1 << 20))
            if not data:
                break
            chunks.append(data)
            have += len(data)
        data = b"".join(chunks)
        self.buffer = data[size:]
        return data[:size]

    def answer(self, data: bytes, serial: int | None = None) -> bool:
        """Write a whole answer unless one was written already (or, given `serial`, unless another
        request is being answered by now); False if nothing was written."""
        with self.lock:
            if self.answered or (serial is not None and serial != self.serial):
                return False
            self.answered = True
            self.sock.sendall(data)
            return True


class _Body:
    """wsgi.input: at most Content-Length bytes, and a count of what the app left unread."""

    def __init__(self, connection: Connection, length: int) -> None:
        self.connection, self.left = connection, length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.connection.read(size)
        self.left -= len(data)
        if not data:
            self.left = 0
        return data


class _Request:
    """A parsed request head."""

    def __init__(self, head: bytes) -> None:
        lines = head.decode("iso-8859-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or _FORBIDDEN.search(lines[0]):
            raise ProtocolError(400, f"a malformed request line: {lines[0][:200]!r}")
        self.method, self.target, self.version = parts
        if not self.version.startswith("HTTP/1."):
            if self.version.startswith("HTTP/"):
                raise ProtocolError(505, f"{self.version} is not supported; use HTTP/1.1")
            raise ProtocolError(400, f"a malformed request line: {lines[0][:200]!r}")
        if len(lines) - 1 > MAX_HEADERS:
            raise ProtocolError(431, f"more than {MAX_HEADERS} header lines")
        self.headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if (not colon or not name or name != name.strip() or line[0] in " \t"
                    or _FORBIDDEN.search(line)):
                raise ProtocolError(400, f"a malformed header line: {line[:200]!r}")
            key = name.lower()
            value = value.strip()
            self.headers[key] = f"{self.headers[key]},{value}" if key in self.headers else value
        length = self.headers.get("content-length", "0")
        if not _DIGITS.fullmatch(length):     # not '+5', '1_0', '-5', '5,5' (two headers) or ' 5x'
            raise ProtocolError(400, f"Content-Length must be one decimal number, not {length[:40]!r}")
        self.length = int(length)
        tokens = {t.strip().lower() for t in self.headers.get("connection", "").split(",")}
        self.keep_alive = ("keep-alive" in tokens) if self.version == "HTTP/1.0" else ("close" not in tokens)

    def environ(self, server: HttpServer, body: _Body, client) -> dict:
        target = self.target
        if target.startswith(("http://", "https://")):            # absolute-form
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        path, _, query = target.partition("?")
        host, port = server.address
        environ = {
            "REQUEST_METHOD": self.method, "SCRIPT_NAME": "", "PATH_INFO": unquote(path, "iso-8859-1"),
            "QUERY_STRING": query, "SERVER_NAME": host, "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.version, "REMOTE_ADDR": client[0] if client else "",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": body, "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "CONTENT_TYPE": self.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(self.length),
        }
        for name, value in self.headers.items():
            if name not in ("content-type", "content-length"):
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        return environ


def _date() -> str:
    now = int(time.time())
    if _date.cached[0] != now:
        _date.cached = (now, formatdate(now, usegmt=True))
    return _date.cached[1]


_date.cached = (0, "")


def _response(status: str, headers: list[tuple[str, str]], payload: bytes, *, close: bool,
              head_only: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Server: phenkg", f"Date: {_date()}"]
    lines += [f"{name}: {value}" for name, value in headers if name.lower() not in ("content-length", "connection")]
    lines.append(f"Content-Length: {len(payload)}")
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1")
    return head if head_only else head + payload


def error_answer(status: int, detail: str, extra: list[tuple[str, str]] = ()) -> bytes:
    """A complete error response in the API's one JSON shape; the connection closes after it."""
    headers = [("Content-Type", "application/json; charset=utf-8"), ("Access-Control-Allow-Origin", "*"),
               *extra]
    return _response(f"{status} {HTTPStatus(status).phrase}", headers, error_body(status, detail), close=True)


class _Watchdog:
    """Answers a request that passes its deadline with a 503, then has the server retire.

    It looks at the deadlines on a short tick rather than being woken per request: waking another
    thread costs a GIL hand-over, as much as a small query.
    """

    def __init__(self, server: HttpServer, timeout: float) -> None:
        self.server, self.timeout = server, timeout
        self.tick = min(timeout / 10, 0.1)
        self.deadlines: dict[Connection, tuple[float, int]] = {}   # -> (deadline, request number)
        self.lock = threading.Lock()
        threading.Thread(target=self._watch, name="phenkg-watchdog", daemon=True).start()

    def start(self, connection: Connection, serial: int) -> None:
        with self.lock:
            self.deadlines[connection] = (time.monotonic() + self.timeout, serial)

    def finish(self, connection: Connection) -> None:
        with self.lock:
            self.deadlines.pop(connection, None)

    def _watch(self) -> None:
        while True:
            time.sleep(self.tick)
            now = time.monotonic()
            with self.lock:
                late = [(c, serial) for c, (deadline, serial) in self.deadlines.items() if deadline <= now]
                for connection, _ in late:
                    del self.deadlines[connection]
            for connection, serial in late:
                self._overrun(connection, serial)

    def _overrun(self, connection: Connection, serial: int) -> None:
        """Answer the request numbered `serial` with a 503 and retire; if it was answered meanwhile
        (it finished between the look at the clock and now), do nothing."""
        detail = (f"the query did not finish within the {self.timeout:g} s timeout and was stopped; "
                  "narrow it or add a LIMIT")
        try:
            if not connection.answer(error_answer(503, detail, [("Retry-After", "1")]), serial):
                return
            connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.server.retire(connection)


class HttpServer:
    """Serves `app` on a listening socket (which may be shared with other processes)."""

    def __init__(self, listener: socket.socket, app, *, timeout: float | None = None,
                 on_retired=None) -> None:
        self.listener, self.app, self.on_retired = listener, app, on_retired
        self.address = listener.getsockname()[:2]
        self.stopping = threading.Event()
        self.busy: set[Connection] = set()       # connections whose request is being answered
        self.lock = threading.Lock()
        self.retiring = self.retired = False
        self.finished = threading.Event()        # set once retired
        self.watchdog = _Watchdog(self, timeout) if timeout else None
        self.local = threading.local()           # the connection and request this thread answers
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    @contextlib.contextmanager
    def deadline(self):
        """Run the enclosed work (a query) under the timeout: past it the request is answered 503
        and this server retires. Reading the request is not timed here (slow clients are the socket
        timeout's business), so a slow upload cannot make a worker retire."""
        current = getattr(self.local, "request", None)
        if self.watchdog is None or current is None:
            yield
            return
        connection, serial = current
        self.watchdog.start(connection, serial)
        try:
            yield
        finally:
            self.watchdog.finish(connection)

    @property
    def port(self) -> int:
        return self.address[1]

    def serve_forever(self) -> None:
        self.listener.settimeout(ACCEPT_POLL)
        while not self.stopping.is_set():
            if not self.slots.acquire(timeout=ACCEPT_POLL):      # MAX_CONNECTIONS open: let them drain
                continue
            try:
                sock, client = self.listener.accept()
            except (TimeoutError, BlockingIOError, InterruptedError):
                self.slots.release()
                continue
            except OSError as exc:
                self.slots.release()
                if self.stopping.is_set():
                    return
                if exc.errno in _ACCEPT_AGAIN:           # out of descriptors or memory for a moment
                    time.sleep(0.1)
                    continue
                raise
            threading.Thread(target=self._connection, args=(sock, client), daemon=True).start()

    def shutdown(self) -> None:
        self.stopping.set()

    def retire(self, overrun: Connection) -> None:
        """Stop accepting, let the other requests in flight finish, then call `on_retired` once."""
        with self.lock:
            self.retiring = True
            self.stopping.set()
            self.busy.discard(overrun)
            last = not self.busy
        if last:
            self._retired()

    def _retired(self) -> None:
        with self.lock:
            done, self.retired = self.retired, True
        if not done:
            if self.on_retired is not None:
                self.on_retired()
            self.finished.set()

    def wait_retired(self) -> None:
        """Block until a retirement has finished (the other requests in flight answered)."""
        self.finished.wait()

    # -- one connection -------------------------------------------------------------------------------
    def _connection(self, sock: socket.socket, client) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # an answer must not wait for an ACK
        sock.settimeout(IDLE)
        connection = Connection(sock, client)
        try:
            while self._one_request(connection):
                pass
        except ProtocolError as exc:
            self._send(connection, error_answer(exc.status, exc.detail))
        except (OSError, ValueError):
            pass                                      # the client went away, or the socket was shut
        finally:
            sock.close()
            self.slots.release()

    def _send(self, connection: Connection, data: bytes) -> None:
        with contextlib.suppress(OSError):
            connection.answer(data)

    def _one_request(self, connection: Connection) -> bool:
        """Read and answer one request; False when the connection is to be closed."""
        serial = connection.begin()          # from here, an error in reading this request is its answer
        head = connection.read_head()
        if head is None:
            return False
        request = _Request(head)
        encoding = request.headers.get("transfer-encoding", "")
        if encoding:
            raise ProtocolError(411, "a request body needs a Content-Length"
                                + ("" if "chunked" in encoding.lower() else f", not Transfer-Encoding {encoding}"))
        if request.length and request.headers.get("expect", "").lower() == "100-continue":
            connection.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = _Body(connection, request.length)
        with self.lock:
            self.busy.add(connection)
        self.local.request = (connection, serial)
        try:
            status, headers, payload = self._call_app(request.environ(self, body, connection.address))
            keep = request.keep_alive and not body.left and not self.stopping.is_set()
            written = connection.answer(_response(status, headers, payload, close=not keep,
                                                  head_only=request.method == "HEAD"), serial)
        finally:
            self.local.request = None
            with self.lock:
                self.busy.discard(connection)
                last = self.retiring and not self.busy
            if last:
                self._retired()
        return keep and written

    def _call_app(self, environ: dict) -> tuple[str, list, bytes]:
        answer: list = []

        def start_response(status: str, headers: list, exc_info=None):
            answer[:] = [status, headers]
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            payload = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return answer[0], answer[1], payload


def make_server(host: str, port: int, app, *, timeout: float | None = None, on_retired=None) -> HttpServer:
    """A server on a new listening socket (port 0 picks a free port)."""
    return HttpServer(listen(host, port), app, timeout=timeout, on_retired=on_retired)


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener

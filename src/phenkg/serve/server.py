"""The HTTP/1.1 server in front of the WSGI app: keep-alive connections, one thread each.

wsgiref's server speaks HTTP/1.0, so every request paid for a new connection and a new thread
(about 1.2 ms on loopback, six times the query itself). This one keeps connections open, reads a
request body only as far as Content-Length says, and closes the connection whenever the app left
part of a body unread (a 413), so the next request on it can never start in the middle of one.
"""

from __future__ import annotations

import socketserver
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import unquote


class _Body:
    """wsgi.input: at most Content-Length bytes, and a count of what the app left unread."""

    def __init__(self, stream, length: int) -> None:
        self.stream, self.left = stream, length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.stream.read(size)
        self.left -= len(data)
        if not data:
            self.left = 0
        return data


class QuietHandler(BaseHTTPRequestHandler):
    """Turns each HTTP/1.1 request into a WSGI call of `server.app`; logs nothing."""

    protocol_version = "HTTP/1.1"
    server_version = "phenkg"
    sys_version = ""
    disable_nagle_algorithm = True  # a small answer must not wait for the client's delayed ACK

    def log_message(self, format, *args) -> None:
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def __getattr__(self, name: str):
        if name.startswith("do_"):  # every method goes to the app, which answers 405 where it must
            return self._call_app
        raise AttributeError(name)

    def _call_app(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.send_error(411, "a request body needs a Content-Length")
            self.close_connection = True
            return
        try:
            length = max(int(self.headers.get("Content-Length") or 0), 0)
        except ValueError:
            length = -1
        body = _Body(self.rfile, max(length, 0))
        path, _, query = self.path.partition("?")
        environ = {
            "REQUEST_METHOD": self.command, "SCRIPT_NAME": "", "PATH_INFO": unquote(path, "iso-8859-1"),
            "QUERY_STRING": query, "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]), "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0], "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.input": body, "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(length) if length >= 0 else self.headers.get("Content-Length", ""),
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        answer: list = []

        def start_response(status: str, headers: list, exc_info=None):
            answer[:] = [status, headers]
            return lambda data: None

        chunks = self.server.app(environ, start_response)
        try:
            payload = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, headers = answer
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        if body.left or length < 0:
            self.close_connection = True
        if self.close_connection:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(payload)
        self.flush_headers()  # headers and body in one write


class ThreadingWSGIServer(socketserver.ThreadingMixIn, HTTPServer):
    """A thread per connection; `set_app` as in wsgiref."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    app = None

    def set_app(self, app) -> None:
        self.app = app


def make_server(host: str, port: int, app) -> ThreadingWSGIServer:
    server = ThreadingWSGIServer((host, port), QuietHandler)
    server.set_app(app)
    return server

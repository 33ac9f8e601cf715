"""The HTTP vocabulary of the server: a typed error, a response, the one JSON error shape, and `call`,
which answers one request in-process."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import unquote

from phenkg.errors import PhenkgError

CORS = [("Access-Control-Allow-Origin", "*")]


class HttpError(PhenkgError):
    """A request the server answers with an error status; `detail` says what to change."""

    def __init__(self, status: int, detail: str, *, headers: list[tuple[str, str]] | None = None) -> None:
        self.status = status
        self.detail = detail
        self.headers = headers or []
        super().__init__(f"{status} {HTTPStatus(status).phrase}: {detail}")


@dataclass
class Response:
    status: int
    body: bytes
    media_type: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def header_list(self) -> list[tuple[str, str]]:
        content_type = self.media_type
        if "charset=" not in content_type and (content_type.startswith("text/")
                                               or content_type.endswith(("+json", "/json", "+xml", "/xml"))):
            content_type += "; charset=utf-8"
        return [("Content-Type", content_type), ("Content-Length", str(len(self.body))),
                *CORS, *self.headers]


def error_body(status: int, detail: str) -> bytes:
    """The one error shape of the HTTP API: {"error": {"status", "title", "detail"}}."""
    title = HTTPStatus(status).phrase
    return json.dumps({"error": {"status": status, "title": title, "detail": detail}}).encode()


def error_response(exc: HttpError) -> Response:
    return Response(exc.status, error_body(exc.status, exc.detail), "application/json", list(exc.headers))


def call(app, target: str, accept: str = "*/*", *, method: str = "GET", body: bytes = b"",
         content_type: str = "", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Answer one request in-process (for --get and tests): (status, headers, body)."""
    path, _, query = target.partition("?")   # a request target, not a URL: `//x/...` is a path, not a host
    environ = {"REQUEST_METHOD": method, "PATH_INFO": unquote(path or "/", "iso-8859-1"),
               "QUERY_STRING": query, "HTTP_ACCEPT": accept, "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    captured: dict = {}

    def start_response(status: str, header_list: list[tuple[str, str]]) -> None:
        captured["status"], captured["headers"] = int(status.split(maxsplit=1)[0]), dict(header_list)

    out = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], out

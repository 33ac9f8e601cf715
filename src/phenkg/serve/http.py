"""The HTTP vocabulary of the server: a typed error, a response, and the one JSON error shape."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus

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
        if content_type.startswith("text/") or content_type.endswith(("+json", "/json", "+xml", "/xml")):
            content_type += "; charset=utf-8"
        return [("Content-Type", content_type), ("Content-Length", str(len(self.body))),
                *CORS, *self.headers]


def error_body(status: int, detail: str) -> bytes:
    """The one error shape of the HTTP API: {"error": {"status", "title", "detail"}}."""
    title = HTTPStatus(status).phrase
    return json.dumps({"error": {"status": status, "title": title, "detail": detail}}).encode()


def error_response(exc: HttpError) -> Response:
    return Response(exc.status, error_body(exc.status, exc.detail), "application/json", list(exc.headers))

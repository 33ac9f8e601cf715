"""The HTTP side of `phenkg serve`: Granian speaks HTTP, this ASGI app hands each request to an evaluator.

    client --HTTP--> Granian (Rust: connections, parsing, header deadline) --ASGI--> Front
    Front: files (/dist, /static) itself; every other request --> Pool --> a confined evaluator

Granian (hyper and tokio underneath) owns connection handling and HTTP parsing: keep-alive,
pipelining, framing, slow or half-open clients (a request head must arrive within HEAD_TIMEOUT).
This app bounds the body (size and time), serves the static and downloadable files, and passes
everything else to a pool of evaluator processes (pool.py, evaluator.py), which run the guard,
the query and the pages under the timeout and the memory budget, confined by the OS (sandbox.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import socket
import sys
import time
from pathlib import Path

from phenkg.errors import PhenkgError
from phenkg.formats import DOWNLOADS, STATIC, media_type
from phenkg.serve import caching
from phenkg.serve.evaluator import ServeConfig
from phenkg.serve.files import STATIC_FILES, open_served
from phenkg.serve.pool import Answer, Pool, error_answer

HEAD_TIMEOUT = 10.0          # seconds for a request line and headers to arrive (then the connection closes)
BODY_TIMEOUT = 30.0          # seconds for a request body to arrive
DRAIN_LIMIT = 16_000_000     # bytes of an oversized body read and dropped before its 413
CHUNK = 1 << 20
CONFIG_VARIABLE = "PHENKG_SERVE_CONFIG"


class Front:
    """The ASGI app: lifespan starts and stops the pool; HTTP requests are answered as above."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.max_body = int(config.settings["max_body"])
        self.dist = Path(config.settings["dist"]) if config.settings.get("dist") else None
        self.pool = Pool(config)
        self.version = caching.dataset_version(config.settings, config.store_path)   # what the ETags name

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        elif scope["type"] == "http":
            await self.http(scope, receive, send)

    async def lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.pool.start()
                except Exception as exc:
                    print(f"phenkg: {exc}", file=sys.stderr, flush=True)
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
                self.announcing = asyncio.get_running_loop().create_task(self.announce())
            elif message["type"] == "lifespan.shutdown":
                await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def announce(self) -> None:
        """Say "serving" once a connection is really accepted (Granian listens after the start-up)."""
        config, pool = self.config, self.pool
        host, _, port = config.extra.get("url", "").rstrip("/").rpartition("//")[2].rpartition(":")
        for _ in range(500):
            try:
                _, writer = await asyncio.open_connection(host.strip("[]"), int(port))
            except OSError:
                await asyncio.sleep(0.02)
            else:
                writer.close()
                break
        sandbox = ", ".join(pool.sandbox) or "none"
        print(f"phenkg: serving {config.triples:,} triples at {config.extra.get('url', '')} "
              f"(SPARQL endpoint /sparql; {config.workers} query evaluator{'s' * (config.workers > 1)}, "
              f"confined by {sandbox}; ready in {time.monotonic() - config.started:.1f} s; Ctrl-C stops)",
              flush=True)
        for missing in pool.missing:
            print(f"phenkg: warning: the query sandbox lacks {missing}", file=sys.stderr, flush=True)

    async def http(self, scope, receive, send) -> None:
        method = scope["method"]
        path = scope["path"]
        headers = _headers(scope)
        tag = None
        if method in ("GET", "HEAD"):    # every answer is a function of the dataset and the request
            query = scope.get("query_string") or b""
            tag = caching.etag(self.version, path + ("?" + query.decode("latin-1") if query else ""),
                               headers.get("accept"))
            if caching.matches(headers.get("if-none-match"), tag):
                await send({"type": "http.response.start", "status": 304,
                            "headers": _encode(caching.headers(304, tag, [("Vary", "Accept")]))})
                await send({"type": "http.response.body", "body": b""})
                return
        head, _, rest = path.lstrip("/").partition("/")
        if head in ("dist", "static") and rest and method in ("GET", "HEAD"):
            await self.file(head, rest, method, send, tag)
            return
        answer = await self.forward(scope, headers, receive)
        answer.headers = caching.headers(answer.status, tag, answer.headers)
        try:
            await _send(send, answer, method)
        finally:
            self.pool.release(answer.held)

    async def forward(self, scope, headers: dict[str, str], receive) -> Answer:
        limit = self.max_body
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            # read (a bounded part of) the body first, so that the client sees the answer, not a reset
            with contextlib.suppress(TimeoutError, _TooLarge, asyncio.CancelledError):
                await asyncio.wait_for(_read_body(receive, DRAIN_LIMIT, keep=False), BODY_TIMEOUT)
            return error_answer(413, f"the request body has {int(declared):,} bytes; the limit is {limit:,}")
        try:
            if scope["method"] in ("GET", "HEAD") and not declared.strip("0"):
                body = b""                                # nothing to read: no body was announced
            else:
                async with asyncio.timeout(BODY_TIMEOUT):
                    body = await _read_body(receive, limit)
        except TimeoutError:
            return error_answer(408, f"the request body did not arrive within {BODY_TIMEOUT:g} s")
        except _TooLarge:
            return error_answer(413, f"the request body is over the limit of {limit:,} bytes")
        target = scope.get("raw_path") or scope["path"].encode()
        if isinstance(target, bytes):
            target = target.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        request = {"method": scope["method"], "target": target, "accept": headers.get("accept"),
                   "content_type": headers.get("content-type", "")}
        return await self.pool.answer(json.dumps(request).encode(), body)

    async def file(self, kind: str, name: str, method: str, send, tag: str | None = None) -> None:
        folder = STATIC_FILES if kind == "static" else self.dist
        opened = open_served(folder, name) if folder is not None else None
        if opened is None:
            detail = (f"no file {name} in the built dataset" if folder is not None or kind == "static"
                      else "no downloads here: run `phenkg build`, then `phenkg serve --dist dist/`")
            answer = error_answer(404, detail)
            answer.headers = caching.headers(404, None, answer.headers)
            await _send(send, answer, method)
            return
        fd, info = opened
        media = media_type(name, STATIC if kind == "static" else DOWNLOADS)
        headers = caching.headers(200, tag, [("Content-Type", media), ("Content-Length", str(info.st_size)),
                                             ("Access-Control-Allow-Origin", "*"), ("Vary", "Accept")])
        with os.fdopen(fd, "rb") as stream:
            await send({"type": "http.response.start", "status": 200, "headers": _encode(headers)})
            if method == "HEAD":
                await send({"type": "http.response.body", "body": b""})
                return
            while True:
                chunk = stream.read(CHUNK)
                more = len(chunk) == CHUNK
                await send({"type": "http.response.body", "body": chunk, "more_body": more})
                if not more:
                    return


class _TooLarge(Exception):
    pass


async def _read_body(receive, limit: int, *, keep: bool = True) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise asyncio.CancelledError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        if keep:
            chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _headers(scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def _encode(headers) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


async def _send(send, answer: Answer, method: str) -> None:
    """Send an answer; a large one in pieces, each awaited, so that a slow reader holds it back."""
    headers, body = answer.headers, answer.body
    if not any(k.lower() == "content-length" for k, _ in headers):
        headers = [*headers, ("Content-Length", str(len(body)))]
    await send({"type": "http.response.start", "status": answer.status, "headers": _encode(headers)})
    if method == "HEAD" or len(body) <= CHUNK:
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else bytes(body)})
        return
    view = memoryview(body)
    for start in range(0, len(view), CHUNK):
        await send({"type": "http.response.body", "body": bytes(view[start:start + CHUNK]),
                    "more_body": start + CHUNK < len(view)})


def from_environment() -> Front:
    """Granian's factory: the app for the config file named by $PHENKG_SERVE_CONFIG."""
    return Front(ServeConfig.from_json(Path(os.environ[CONFIG_VARIABLE]).read_bytes()))


def serve_forever(config: ServeConfig, host: str, port: int, config_file: Path) -> None:
    """Serve until interrupted (SIGINT or SIGTERM): Granian in front, the pool behind it.

    The port is reserved first by a socket bound with SO_REUSEPORT and kept open (never listening):
    port 0 then names one free port that nothing else can take, and Granian's worker binds the same
    port beside it (Granian on Linux binds in its worker, with SO_REUSEPORT).
    """
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    reservation = socket.socket(family, socket.SOCK_STREAM)
    try:
        reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        reservation.bind((host, port))
    except OSError as exc:
        reservation.close()
        raise PhenkgError(f"cannot listen on {host}:{port}: {exc.strerror}",
                          hint="pass another --port (0 picks a free one), or stop what is using it") from exc
    port = reservation.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    config.extra["url"] = f"http://{shown}:{port}/"
    if not config.settings.get("public_url"):          # the endpoint's address: as bound, unless given
        config.settings["public_url"] = config.extra["url"]
    config_file.write_bytes(config.to_json())
    os.environ[CONFIG_VARIABLE] = str(config_file)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)      # many idle clients must not starve new ones
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else max(soft, 65536), hard))
    try:
        Granian("phenkg.serve.front:from_environment", factory=True, address=host, port=port,
                interface=Interfaces.ASGI, workers=1, http=HTTPModes.http1, websockets=False, backlog=1024,
                http1_settings=HTTP1Settings(header_read_timeout=int(HEAD_TIMEOUT * 1000)),
                log_level=LogLevels.warning, respawn_failed_workers=True).serve()
    finally:
        reservation.close()

def main(argv: list[str] | None = None) -> int:
    """`python -m phenkg.serve.front CONFIG.json HOST PORT`: serve an existing store (tests, benchmarks)."""
    config_file, host, port = argv or sys.argv[1:4]
    config = ServeConfig.from_json(Path(config_file).read_bytes())
    config.started = time.monotonic()
    try:
        serve_forever(config, host, int(port), Path(config_file))
    except KeyboardInterrupt:
        pass
    except PhenkgError as exc:
        print(f"phenkg: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

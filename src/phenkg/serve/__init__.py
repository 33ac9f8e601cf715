"""`phenkg serve`: the SPARQL endpoint, the query page and a page for every entity.

    create_app(Executor(store), settings, store) -> a WSGI app             (app.py, worker.py)
    HttpServer(listener, app, timeout=...)      -> HTTP/1.1 with a deadline  (server.py)
    Workers(listener, spec, size)               -> processes that serve it   (worker.py)
    run(args) -> exit code                                     (the CLI's entry point, below)
"""

from __future__ import annotations

import gc
import io
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from phenkg.errors import PhenkgError
from phenkg.serve.app import App, Settings, create_app
from phenkg.serve.http import error_body
from phenkg.serve.server import HttpServer, listen, make_server
from phenkg.serve.worker import Executor, Workers, WorkerSpec

__all__ = ["App", "Executor", "HttpServer", "Settings", "build_disk_store", "call", "create_app", "listen",
           "make_server", "run"]


def build_disk_store(path: Path, data: Path | None, base: str, dist: Path | None = None) -> int:
    """Build the on-disk store the workers open read-only; returns the number of triples."""
    import pyoxigraph

    if dist is not None:
        source = dist / "phenkg.nt"
        if not source.is_file():
            raise PhenkgError("no phenkg.nt in the dist directory", path=str(dist),
                              hint="run `phenkg build` first, or serve data/ without --dist")
        store = pyoxigraph.Store(str(path))
        store.bulk_load(path=str(source), format=pyoxigraph.RdfFormat.N_TRIPLES)
    else:
        from phenkg.graph import build_store
        from phenkg.store import read_catalog
        store = build_store(read_catalog(data), base, path=str(path))
    count = len(store)
    store.flush()
    del store
    gc.collect()
    return count


def call(app, target: str, accept: str = "*/*", *, method: str = "GET", body: bytes = b"",
         content_type: str = "", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Answer one request in-process (for --get and tests): (status, headers, body)."""
    parts = urlsplit(target)
    environ = {"REQUEST_METHOD": method, "PATH_INFO": unquote(parts.path or "/", "iso-8859-1"),
               "QUERY_STRING": parts.query, "HTTP_ACCEPT": accept, "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    captured: dict = {}

    def start_response(status: str, header_list: list[tuple[str, str]]) -> None:
        captured["status"], captured["headers"] = int(status.split(maxsplit=1)[0]), dict(header_list)

    out = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], out


def run(args) -> int:
    """Build the store, then answer --get once, or start the workers and serve until stopped."""
    import pyoxigraph

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="phenkg-serve-") as tmp:
        path = Path(tmp) / "store"
        triples = build_disk_store(path, args.data, args.base, getattr(args, "dist", None))
        store = pyoxigraph.Store.read_only(str(path))
        graphs = frozenset(g.value for g in store.named_graphs())
        settings = Settings(base=args.base, max_rows=args.max_rows, graphs=graphs, dist=getattr(args, "dist", None),
                            shapes=tuple(getattr(args, "shapes", None) or ()), ontology=getattr(args, "ontology", None))
        if args.get:
            return _get_once(create_app(Executor(store), settings, store), args.get, args.accept, args.timeout)
        del store
        spec = WorkerSpec(str(path), settings, args.timeout)
        return _serve(spec, args.host, args.port, size=max(1, getattr(args, "workers", 2)), triples=triples,
                      started=started)


def _get_once(app, target: str, accept: str, timeout: float) -> int:
    """Answer one request on stdout; a query past the timeout is abandoned (its thread dies with us)."""
    answer: dict = {}
    worker = threading.Thread(target=lambda: answer.setdefault("result", call(app, target, accept)), daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        sys.stdout.buffer.write(error_body(503, f"the query did not finish within the {timeout:g} s timeout; "
                                                "narrow it or add a LIMIT"))
        sys.stdout.flush()
        return 1
    status, _, body = answer["result"]
    sys.stdout.buffer.write(body)
    sys.stdout.flush()
    return 0 if 200 <= status < 300 else 1


def _serve(spec: WorkerSpec, host: str, port: int, *, size: int, triples: int, started: float) -> int:
    try:
        listener = listen(host, port)
    except OSError as exc:
        raise PhenkgError(f"cannot listen on {host}:{port}: {exc.strerror}",
                          hint="pass another --port (0 picks a free one), or stop what is using it") from exc
    workers = Workers(listener, spec, size)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        workers.start()
        shown = f"[{host}]" if ":" in host else host
        print(f"phenkg: serving {triples:,} triples at http://{shown}:{listener.getsockname()[1]}/ "
              f"(SPARQL endpoint /sparql; {size} worker{'s' * (size > 1)}; ready in "
              f"{time.monotonic() - started:.1f} s; Ctrl-C stops)", flush=True)
        workers.supervise()
    except KeyboardInterrupt:
        print("phenkg: stopped", file=sys.stderr)
    finally:
        workers.close()
        listener.close()
    return 0

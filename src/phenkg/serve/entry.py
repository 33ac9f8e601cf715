"""The entry points of `phenkg serve`: serve(options), get_once(options), and running(...) for tests
and benchmarks; call() answers one request in-process."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from phenkg import storedir
from phenkg.errors import PhenkgError
from phenkg.serve.app import Settings, create_app
from phenkg.serve.evaluator import ServeConfig, settings_to_json
from phenkg.serve.http import call, error_body
from phenkg.serve.worker import Executor

__all__ = ["ServeOptions", "build_disk_store", "call", "get_once", "running", "serve", "served"]


@dataclass
class ServeOptions:
    data: Path | None
    base: str
    dist: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0
    max_rows: int = 10000
    workers: int = 2
    max_memory_mb: int = 1024
    public_url: str | None = None     # the endpoint's address as clients see it (default: as bound)
    shapes: tuple[Path, ...] = ()     # other shapes for /shapes (default: the shipped ones)
    ontology: Path | None = None      # another ontology for /ontology


def build_disk_store(path: Path, data: Path, base: str) -> int:
    """An on-disk store of `data` at `path`, for `running` (tests, benchmarks); the number of triples.
    `phenkg serve` itself opens a build's dist/store/ (phenkg.storedir)."""
    from phenkg.graph import build_store
    from phenkg.store import read_catalog

    store = build_store(read_catalog(data), base, path=str(path))
    count = len(store)
    store.flush()
    del store
    gc.collect()
    return count


def serve(options: ServeOptions) -> None:
    """Serve a built dist/ (`--dist`, or the cached build of `--data`) until interrupted: Granian in
    front, confined evaluators behind, each opening dist/store/ read-only."""
    from phenkg.serve.front import serve_forever

    started = time.monotonic()
    settings = _settings(options, options.public_url)
    assert settings.dist is not None  # _settings always names one
    config = ServeConfig(str(settings.dist / storedir.STORE), settings_to_json(settings), timeout=options.timeout,
                         workers=max(1, options.workers), max_memory_mb=options.max_memory_mb,
                         triples=settings.triples or 0, started=started)
    with tempfile.TemporaryDirectory(prefix="phenkg-serve-") as tmp, contextlib.suppress(KeyboardInterrupt):
        serve_forever(config, options.host, options.port, Path(tmp) / "config.json")
    print("phenkg: stopped", file=sys.stderr)


def get_once(options: ServeOptions, target: str, accept: str) -> tuple[int, bytes]:
    """Answer one request in-process: (status, body); a request past the timeout is abandoned (its
    thread dies with us) and answered 503."""
    import pyoxigraph

    shown = f"[{options.host}]" if ":" in options.host else options.host
    settings = _settings(options, options.public_url or f"http://{shown}:{options.port}/")
    assert settings.dist is not None  # _settings always names one
    store = pyoxigraph.Store.read_only(str(settings.dist / storedir.STORE))
    app = create_app(Executor(store), settings, store)
    answer: dict = {}
    worker = threading.Thread(target=lambda: answer.setdefault("result", call(app, target, accept)), daemon=True)
    worker.start()
    worker.join(options.timeout)
    if worker.is_alive():
        return 503, error_body(503, f"the query did not finish within the {options.timeout:g} s timeout; "
                                    "narrow it or add a LIMIT")
    status, _, body = answer["result"]
    return status, body


def _settings(options: ServeOptions, public_url: str | None) -> Settings:
    """The app's settings over the dist/ to serve: `--dist`, or the cached build of `--data`."""
    dist = options.dist
    if dist is None:
        assert options.data is not None, "serve data/ or a dist/"
        dist = cached_build(options.data, options.base, options.shapes or None, options.ontology)
    figures = storedir.figures(dist)
    if figures is None:
        raise PhenkgError("no query store in the built dataset (a build by an older phenkg?)", path=str(dist),
                          hint="run `phenkg build` again, or serve data/ without --dist")
    return Settings(base=options.base, max_rows=options.max_rows, graphs=frozenset(figures["graphs"]), dist=dist,
                    public_url=public_url, shapes=options.shapes, ontology=options.ontology,
                    triples=figures["triples"])


def cached_build(data: Path, base: str, shapes=None, ontology: Path | None = None) -> Path:
    """A built dist/ of `data`, from the cache or built into it now (once; later starts reuse it)."""
    from phenkg.export import build
    from phenkg.store import read_catalog
    from phenkg.validate import shape_files

    extra = [*shape_files(shapes), *([ontology] if ontology else [])]
    root = storedir.cache_root()
    entry = root / storedir.cache_key(data, base, extra)
    dist = entry / "dist"
    if storedir.figures(dist) is None or not (dist / "charts").is_dir():   # (a build before charts had none)
        catalog = read_catalog(data)        # strictly: a bad data/ stops here, before anything is written
        print(f"phenkg: building the graph for serving (kept in {entry}, reused while data/ is unchanged)",
              file=sys.stderr, flush=True)
        result = build(catalog, dist, base, shapes, ontology)
        if not result.conforms:
            print("phenkg: warning: the data has violations of the shapes; `phenkg validate` lists them",
                  file=sys.stderr, flush=True)
    os.utime(entry)
    storedir.prune(root, keep=entry)
    return dist


@contextlib.contextmanager
def running(store_path: Path, settings: Settings, *, host: str = "127.0.0.1", ready_within: float = 60,
            **config):
    """A real server over an existing store, in a child process on a free loopback port: yields its
    URL (without the trailing slash) and stops it afterwards. `config`: ServeConfig's fields."""
    with tempfile.TemporaryDirectory(prefix="phenkg-serve-") as tmp:
        file = Path(tmp) / "config.json"
        file.write_bytes(ServeConfig(str(store_path), settings_to_json(settings), **config).to_json())
        with served([sys.executable, "-m", "phenkg.serve.front", str(file), host, "0"], ready_within) as (url, _):
            yield url


@contextlib.contextmanager
def served(command: list[str], ready_within: float = 60, env: dict[str, str] | None = None
           ) -> Iterator[tuple[str, int]]:
    """Run a command that serves (`phenkg serve`, or the front over a config) until it prints its
    "serving ... at URL" line: yields (URL without the trailing slash, process id); stops it after."""
    import subprocess

    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None  # a pipe, as asked
    try:
        deadline = time.monotonic() + ready_within
        line = ""
        while time.monotonic() < deadline and "serving" not in line:
            line = process.stdout.readline()
            if not line:
                break
        if "serving" not in line:
            raise PhenkgError(f"the server did not start (exit code {process.poll()})", path=command[-1])
        yield line.split(" at ", 1)[1].split()[0].rstrip("/"), process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""Helpers shared by the serve tests: an in-process app over real workers, and a live server."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from phenkg.serve import Executor, Settings, build_disk_store, create_app, served

from .conftest import BASE, DATA


@contextlib.contextmanager
def app_over_seed(tmp: Path, *, max_rows: int = 10000, dist: Path | None = None):
    """The app over the seed's on-disk store, answering in-process (as a worker does); `dist`: a build
    whose files (dataset, charts) the pages use."""
    import pyoxigraph

    path = tmp / "store"
    build_disk_store(path, DATA, BASE)
    store = pyoxigraph.Store.read_only(str(path))
    yield create_app(Executor(store), Settings(base=BASE, max_rows=max_rows, dist=dist), store)


@contextlib.contextmanager
def live_server(*extra: str):
    """`phenkg serve` on a free loopback port (--port 0); yields its base URL; stops it after."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "phenkg.cli", "serve", "--data", str(DATA), "--host", "127.0.0.1", "--port", "0",
               *extra]
    with served(command, env=env) as (url, _):
        yield url

"""`phenkg serve`: the SPARQL endpoint, the query page and a page for every entity.

    create_app(Executor(store), settings, store) -> the WSGI app: routing, protocol, pages  (app.py)
    evaluator processes run that app, confined, one request at a time         (evaluator.py, sandbox.py)
    Pool -> the evaluators, each request under the timeout and memory budget  (pool.py)
    Granian + Front -> HTTP, files, and each request handed to the pool       (front.py)
    serve(options) / get_once(options) / running(...)           (the entry points, entry.py)

Importing this package imports none of them: the HTTP front must start without the app's
modules, which only the evaluators need. Each name below is imported when first used.
"""

from __future__ import annotations

import importlib

_OWNERS = {"App": "app", "Settings": "app", "create_app": "app", "Executor": "worker",
           "ServeOptions": "entry", "build_disk_store": "entry", "call": "http", "get_once": "entry",
           "running": "entry", "serve": "entry", "served": "entry"}
__all__ = list(_OWNERS)   # resolved by __getattr__


def __getattr__(name: str):
    if name not in _OWNERS:
        raise AttributeError(f"module 'phenkg.serve' has no attribute {name!r}")
    return getattr(importlib.import_module(f"phenkg.serve.{_OWNERS[name]}"), name)

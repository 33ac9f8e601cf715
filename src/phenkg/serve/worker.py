"""Query execution, and the worker processes that answer HTTP requests.

Neither pyoxigraph nor rdflib can cancel a running query. `phenkg serve` therefore runs a few worker
processes that accept connections on one shared listening socket and answer requests themselves
(pyoxigraph evaluates with the GIL released, so a worker's other connections carry on meanwhile).
When a request passes the timeout, its worker answers 503, stops accepting, finishes the other
requests it holds and exits; the supervisor starts a fresh worker, and the others answer meanwhile.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from pyoxigraph import NamedNode, QueryResultsFormat

from phenkg.errors import PhenkgError
from phenkg.serve import rowcap
from phenkg.serve.http import HttpError
from phenkg.serve.results import write_boolean, write_graph, write_select

RESTART_PAUSE = 1.0          # seconds between attempts to replace a worker that failed to start


@dataclass
class Job:
    query: str
    form: str                      # select | ask | construct | describe
    fmt: str                       # a format name from negotiate
    max_rows: int
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    base_iri: str | None = None    # relative IRIs in the query resolve against the endpoint


@dataclass
class Outcome:
    body: bytes
    truncated: bool = False


def execute(store, job: Job) -> Outcome:
    """Run one job on a store and write its results (a capped SELECT is written by pyoxigraph)."""
    options: dict = {"base_iri": job.base_iri}
    if job.default_graphs:
        options["default_graph"] = [NamedNode(g) for g in job.default_graphs]
    if job.named_graphs:
        options["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
        options.setdefault("default_graph", [])
    if job.form == "select" and job.fmt in rowcap.FORMATS:
        text = rowcap.limited(job.query, job.max_rows + 1)
        if text is not None:
            try:
                solutions = store.query(text, **options)
            except SyntaxError:
                pass          # the rewrite misread the query: answer it unchanged (and report its error)
            else:
                body = solutions.serialize(format=getattr(QueryResultsFormat, rowcap.FORMATS[job.fmt]))
                return Outcome(*rowcap.cut(body, job.fmt, job.max_rows))
    result = store.query(job.query, **options)
    if job.form == "ask":
        return Outcome(write_boolean(result, job.fmt))
    if job.form == "select":
        return Outcome(*write_select(result, job.fmt, job.max_rows))
    return Outcome(*write_graph(result, job.fmt, job.max_rows))


class Executor:
    """Runs jobs on a store in the calling thread, each under `deadline()` (the server's timeout, once
    a server is attached); a failing query becomes an HttpError."""

    def __init__(self, store, deadline=contextlib.nullcontext) -> None:
        self.store, self.deadline = store, deadline

    def run(self, job: Job) -> Outcome:
        try:
            with self.deadline():
                return execute(self.store, job)
        except SyntaxError as exc:
            from phenkg.serve.query_errors import explain_query_error
            raise HttpError(400, f"malformed query: {explain_query_error(job.query, str(exc))}") from None
        except Exception as exc:
            raise HttpError(500, f"the query failed: {type(exc).__name__}: {exc}") from None


@dataclass
class WorkerSpec:
    """What a worker needs to answer requests (sent to the spawned process)."""
    store_path: str
    settings: object               # phenkg.serve.app.Settings
    timeout: float


def worker_main(listener, spec: WorkerSpec, ready) -> None:
    """One worker process: open the store read-only and answer connections until retired."""
    import pyoxigraph

    from phenkg.serve.app import create_app
    from phenkg.serve.server import HttpServer

    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C reaches the supervisor, which stops us
    store = pyoxigraph.Store.read_only(spec.store_path)
    executor = Executor(store)
    server = HttpServer(listener, create_app(executor, spec.settings, store), timeout=spec.timeout,
                        on_retired=_retired)
    executor.deadline = server.deadline        # queries run under the timeout; reading requests does not
    ready.send(os.getpid())
    ready.close()
    server.serve_forever()      # returns when a timeout retires this worker
    server.wait_retired()       # the other requests in flight are answered first; then _retired exits


def _retired() -> None:
    print("phenkg: a request passed the timeout and was answered 503; its worker hands over to a fresh one",
          file=sys.stderr, flush=True)
    os._exit(0)


class Workers:
    """`size` worker processes on one listening socket; one that exits is replaced."""

    def __init__(self, listener, spec: WorkerSpec, size: int) -> None:
        self.listener, self.spec, self.size = listener, spec, size
        self.context = multiprocessing.get_context("spawn")
        self.running: dict = {}          # process -> the pipe it says "ready" on
        self.started: set = set()        # processes that said "ready"
        self.closed = False

    def start(self, timeout: float = 120) -> None:
        """Start every worker and wait until each has opened the store."""
        for _ in range(self.size):
            self._spawn()
        deadline = time.monotonic() + timeout
        for process, ready in list(self.running.items()):
            if ready.poll(max(deadline - time.monotonic(), 0)) and self._ready(ready):
                self.started.add(process)
            else:
                self.close()
                raise PhenkgError(f"query worker {process.pid} did not start (exit code {process.exitcode})",
                                  path=self.spec.store_path,
                                  hint="see the messages above; run from a script with an "
                                       "`if __name__ == '__main__':` guard (workers are spawned processes)")

    @staticmethod
    def _ready(pipe) -> bool:
        try:
            return bool(pipe.recv())
        except (EOFError, OSError):
            return False

    def _spawn(self) -> None:
        ready, child = self.context.Pipe(duplex=False)
        process = self.context.Process(target=worker_main, args=(self.listener, self.spec, child),
                                       name="phenkg-worker", daemon=True)
        process.start()
        child.close()
        self.running[process] = ready

    def supervise(self) -> None:
        """Replace workers as they exit, until interrupted (KeyboardInterrupt) or closed."""
        while not self.closed:
            starting = {ready: p for p, ready in self.running.items() if p not in self.started}
            signalled = wait([p.sentinel for p in self.running] + list(starting), timeout=1.0)
            for pipe in signalled:
                if pipe in starting and self._ready(pipe):
                    self.started.add(starting[pipe])
            for process in [p for p in self.running if p.sentinel in signalled]:
                self.running.pop(process).close()
                process.join()
                if process not in self.started:
                    print(f"phenkg: a query worker failed to start (exit code {process.exitcode}); "
                          "trying again", file=sys.stderr, flush=True)
                    time.sleep(RESTART_PAUSE)
                self.started.discard(process)
                if not self.closed:
                    self._spawn()

    def pids(self) -> list[int]:
        return [p.pid for p in self.running]

    def close(self) -> None:
        self.closed = True
        for process in self.running:
            process.terminate()
        for process, ready in self.running.items():
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
            ready.close()
        self.running.clear()
        self.started.clear()

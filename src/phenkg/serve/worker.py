"""Query execution that can really be stopped: a small pool of worker processes.

Neither pyoxigraph nor rdflib can cancel a running query, so each query runs in a worker process
that opens the on-disk store read-only. A query past the timeout gets its worker killed and
replaced; other requests keep being answered by the other workers meanwhile.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field

from phenkg.errors import PhenkgError
from phenkg.serve.http import HttpError


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
    """Run one job on a store (in a worker; also usable directly in tests)."""
    from pyoxigraph import NamedNode

    from phenkg.serve.results import write_boolean, write_graph, write_select

    options: dict = {"base_iri": job.base_iri}
    if job.default_graphs:
        options["default_graph"] = [NamedNode(g) for g in job.default_graphs]
    if job.named_graphs:
        options["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
        options.setdefault("default_graph", [])
    result = store.query(job.query, **options)
    if job.form == "ask":
        return Outcome(write_boolean(result, job.fmt))
    if job.form == "select":
        return Outcome(*write_select(result, job.fmt, job.max_rows))
    return Outcome(*write_graph(result, job.fmt, job.max_rows))


def worker_main(conn, store_path: str) -> None:
    """The loop of one worker process: receive a Job, send back an Outcome or (status, message)."""
    import pyoxigraph

    store = pyoxigraph.Store.read_only(store_path)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        try:
            conn.send(execute(store, job))
        except SyntaxError as exc:
            conn.send((400, f"malformed query: {exc}"))
        except Exception as exc:
            conn.send((500, f"the query failed: {type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, context, store_path: str) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, store_path), daemon=True)
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> bool:
        try:
            return self.conn.poll(timeout) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryPool:
    """`size` worker processes; `run(job)` answers within `timeout` seconds or kills the worker."""

    def __init__(self, store_path: str, size: int = 2, timeout: float = 10.0) -> None:
        self.store_path, self.size, self.timeout = store_path, size, timeout
        self.context = multiprocessing.get_context("spawn")
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.workers: set[_Worker] = set()
        self.lock = threading.Lock()
        self.closed = False
        starting = [self._spawn() for _ in range(size)]
        for worker in starting:
            self._admit(worker)
        if self.idle.empty():
            raise PhenkgError("no query worker could open the store", path=store_path,
                              hint="run from a script with an `if __name__ == '__main__':` guard "
                                   "(workers are spawned processes)")

    def _spawn(self) -> _Worker:
        worker = _Worker(self.context, self.store_path)
        with self.lock:
            self.workers.add(worker)
        return worker

    def _admit(self, worker: _Worker) -> None:
        if worker.wait_ready(60) and not self.closed:
            self.idle.put(worker)
        else:
            self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        with self.lock:
            self.workers.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        if not self.closed:
            threading.Thread(target=lambda: self._admit(self._spawn()), daemon=True).start()

    def run(self, job: Job) -> Outcome:
        started = time.monotonic()
        try:
            worker = self.idle.get(timeout=self.timeout)
        except queue.Empty:
            raise HttpError(503, f"all {self.size} query workers stayed busy for {self.timeout:g} s; "
                            "try again later", headers=[("Retry-After", "5")]) from None
        remaining = max(self.timeout - (time.monotonic() - started), 0.1)
        try:
            worker.conn.send(job)
            finished = worker.conn.poll(remaining)
            answer = worker.conn.recv() if finished else None
        except (EOFError, OSError):
            self._replace(worker)
            raise HttpError(500, "the query worker died while running this query") from None
        if not finished:
            self._replace(worker)
            raise HttpError(503, f"the query did not finish within the {self.timeout:g} s timeout and "
                            "was stopped; narrow it or add a LIMIT", headers=[("Retry-After", "1")])
        self.idle.put(worker)
        if isinstance(answer, tuple):
            raise HttpError(*answer)
        return answer

    def close(self) -> None:
        self.closed = True
        with self.lock:
            workers = list(self.workers)
            self.workers.clear()
        for worker in workers:
            worker.kill()

"""Query execution: a Job in, its serialised results out, in the calling process.

An evaluator process (evaluator.py) runs these for `phenkg serve`, confined and under a deadline;
`phenkg serve --get` and the tests run them in-process.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from phenkg.formats import BY_NAME
from phenkg.serve import rowcap
from phenkg.serve.http import HttpError
from phenkg.serve.results import write_boolean, write_graph, write_select


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
                body = solutions.serialize(format=BY_NAME[job.fmt].results_format)
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
        except OSError as exc:          # the sandbox refused a connection or a file (a SERVICE the guard missed)
            raise HttpError(400, "the query tried to reach the network or a file, which this endpoint never "
                            f"does for a caller ({exc.strerror or exc})") from None
        except Exception as exc:
            raise HttpError(500, f"the query failed: {type(exc).__name__}: {exc}") from None

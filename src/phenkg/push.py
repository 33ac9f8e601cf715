"""`phenkg push`: load the graph into an external triple store, and prove by counting that it did.

A library function: `push` takes typed parameters and returns a `PushResult` or raises a
`RemoteError` (`PhenkgError` for bad parameters); `cli.py` reads the options and sets exit codes.

Step by step (docs/triple-stores.md says the same for users):
0. Write check, before any data is sent: an empty N-Triples POST to the Graph Store graph the triples
   will go into (the default graph without --graph),
   and (for `update`, and for --replace, whose swap is an update) `INSERT DATA { }` to the update
   endpoint. Both change nothing; a read-only server, a query-only URL or wrong credentials fail
   here, with nothing sent.
1. Protocol. `gsp` sends N-Triples to `ENDPOINT?graph=IRI` (or `?default`) in HTTP requests of at
   most GSP_REQUEST triples each, with a Content-Length (PUT first when replacing, then POST). `update`
   sends `INSERT DATA` requests of at most --batch triples. `auto` sends `HEAD ENDPOINT?default`: a
   2xx answer that is not an HTML page means a Graph Store; 401/403 stops with a credentials error;
   anything else means SPARQL Update at ENDPOINT.
2. Target. Without --replace the triples are added to the target graph, request by request. With
   --replace they are loaded into a fresh temporary graph `urn:phenkg:push:<uuid>`, counted there,
   then swapped in with ONE update request, `DROP SILENT GRAPH <g> ; MOVE <tmp> TO <g>`: a store
   that runs an update request as one transaction (Oxigraph, Fuseki TDB2) never shows readers a
   half-loaded graph. The swap copies every triple inside that one transaction, which costs time
   and memory on the store (Oxigraph 0.5: 200 s and 3.5 GB for 1.35 million triples).
3. Check. The target graph's triples are counted with `SELECT (COUNT(*) ...)` on the query endpoint
   (derived from the endpoint URL, `remote.Endpoints`). With --replace, or when the graph was empty
   before, the count must equal the triples sent; when adding to a non-empty graph it must lie
   between max(before, sent) and before + sent. Any other count is a RemoteError, and so is every
   failure on the way: success is printed only after the check.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from phenkg.errors import PhenkgError, RemoteError
from phenkg.model import Catalog
from phenkg.remote import (
    DEFAULT_TIMEOUT,
    Auth,
    Endpoints,
    check_gsp_writable,
    check_update_writable,
    count_triples,
    gsp_send,
    probe_gsp,
    public,
    sparql_update,
)

PROTOCOLS = ("auto", "gsp", "update")

# Triples per Graph Store request (about 7 MB; the body is built in memory and sent with a
# Content-Length, because Virtuoso 7.2 answers 201 to a chunked upload and stores nothing). A store
# commits a request as one transaction: Oxigraph 0.5 took 9.7 s for one request of 200,000 triples, 0.6 s for
# 50,000, and grew to gigabytes of memory for a few hundred thousand; so bound each request too.
GSP_REQUEST = 50_000


# -- push ------------------------------------------------------------------------------------------
@dataclass
class PushResult:
    protocol: str
    graph: str | None
    sent: int
    before: int
    after: int
    seconds: float

    def summary(self, endpoint: str, replace: bool) -> str:
        name = f"<{self.graph}>" if self.graph else "the default graph"
        how = "replaced" if replace else "added to"
        rate = self.sent / self.seconds if self.seconds else 0
        return (f"pushed {self.sent:,} triples to {public(endpoint)} ({self.protocol}), {how} {name} "
                f"in {self.seconds:.1f} s ({rate:,.0f} triples/s); it now holds {self.after:,} triples "
                f"(checked by counting)")


class _Counted:
    """Pass lines through and count them."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines, self.n = lines, 0

    def __iter__(self) -> Iterator[str]:
        for line in self.lines:
            self.n += 1
            yield line


def _term(graph: str | None) -> str:
    return f"GRAPH <{graph}>" if graph else "DEFAULT"


def insert_data(graph: str | None, lines: list[str]) -> str:
    body = "\n".join(lines)
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}" if graph else f"INSERT DATA {{\n{body}\n}}"


def swap_update(tmp: str, graph: str | None) -> str:
    """One update request that replaces `graph` by `tmp` (MOVE drops the destination, then moves)."""
    target = f"<{graph}>" if graph else "DEFAULT"
    return f"DROP SILENT {_term(graph)} ;\nMOVE <{tmp}> TO {target}"


def push(catalog: Catalog, base: str, endpoints: Endpoints, *, graph: str | None = None,
         replace: bool = False, protocol: str = "auto", batch: int = 10000, auth: Auth | None = None,
         timeout: float = DEFAULT_TIMEOUT, progress: Callable[[int], None] | None = None) -> PushResult:
    """Load the catalog's graph into the store at `endpoints`, check the count; RemoteError on failure.

    `progress` is called with the number of papers sent so far."""
    from phenkg.graph import triples
    from phenkg.ntriples import batches, encode

    auth = auth or Auth()
    if batch < 1:
        raise PhenkgError(f"--batch must be at least 1, not {batch}")
    if protocol not in PROTOCOLS:
        raise PhenkgError(f"unknown protocol {protocol!r}", hint=f"one of {', '.join(PROTOCOLS)}")
    if protocol == "auto":
        protocol = "gsp" if probe_gsp(endpoints.given, auth, timeout) else "update"
    tmp = f"urn:phenkg:push:{uuid.uuid4().hex}" if replace else None
    load_into = tmp or graph
    check_writable(endpoints, protocol, replace, auth, timeout, graph=load_into)
    started = time.monotonic()
    before = 0 if replace else count_triples(endpoints.query, graph, auth=auth, timeout=timeout)
    lines = _Counted(triples(catalog, base, progress))
    stage = "loading"
    try:
        if protocol == "gsp":
            for n, part in enumerate(batches(lines, GSP_REQUEST)):
                gsp_send(endpoints.given, load_into, encode(part), replace=replace and n == 0,
                         auth=auth, timeout=timeout)
        else:
            for part in batches(lines, batch):
                sparql_update(endpoints.update, insert_data(load_into, part), auth=auth, timeout=timeout,
                              doing=f"inserting triples {lines.n - len(part) + 1:,}-{lines.n:,}")
        if tmp:
            stage = "checking the temporary graph"
            staged = count_triples(endpoints.query, tmp, auth=auth, timeout=timeout)
            if staged != lines.n:
                raise RemoteError(f"{public(endpoints.query)} holds {staged:,} triples in the temporary "
                                  f"graph <{tmp}>, but {lines.n:,} were sent",
                                  hint="the store dropped or merged triples; see its log")
            stage = "swapping the graph in"
            sparql_update(endpoints.update, swap_update(tmp, graph), auth=auth, timeout=timeout,
                          doing=f"moving <{tmp}> to {_term(graph)}")
        stage = "checking the result"
        after = count_triples(endpoints.query, graph, auth=auth, timeout=timeout)
    except RemoteError as exc:
        if tmp and stage != "checking the result":
            _drop_quietly(endpoints, tmp, auth, timeout)
        raise _with_state(exc, stage, lines.n, graph, tmp) from exc
    low, high = (lines.n, lines.n) if (replace or before == 0) else (max(before, lines.n), before + lines.n)
    if not low <= after <= high:
        expected = f"{low:,}" if low == high else f"{low:,} to {high:,}"
        raise RemoteError(f"{public(endpoints.query)} counts {after:,} triples in {_term(graph)} after the "
                          f"push; expected {expected} ({lines.n:,} sent, {before:,} there before)",
                          hint="the store did not keep what was sent; do not use this graph; see its log")
    return PushResult(protocol, graph, lines.n, before, after, time.monotonic() - started)


def check_writable(endpoints: Endpoints, protocol: str, replace: bool, auth: Auth, timeout: float, *,
                   graph: str | None = None) -> None:
    """Step 0: fail before sending any data when the store would refuse it (`graph`: the one the
    triples will go into)."""
    try:
        if protocol == "gsp":
            check_gsp_writable(endpoints.given, graph, auth=auth, timeout=timeout)
        if protocol == "update" or replace:
            check_update_writable(endpoints.update, auth=auth, timeout=timeout)
    except RemoteError as exc:
        raise RemoteError(f"push stopped before sending any data: {exc.message}", path=exc.path,
                          hint=exc.hint) from exc


def _drop_quietly(endpoints: Endpoints, tmp: str, auth: Auth, timeout: float) -> None:
    with contextlib.suppress(RemoteError):
        sparql_update(endpoints.update, f"DROP SILENT GRAPH <{tmp}>", auth=auth, timeout=min(timeout, 30),
                      doing="dropping the temporary graph")


def _with_state(exc: RemoteError, stage: str, sent: int, graph: str | None, tmp: str | None) -> RemoteError:
    name = f"<{graph}>" if graph else "the default graph"
    if tmp and stage != "checking the result":
        state = f"{name} was not changed (failed while {stage}, after sending {sent:,} triples)"
    elif tmp:
        state = f"{name} was swapped but could not be checked"
    else:
        state = f"{name} may hold part of the data (failed while {stage}, after sending {sent:,} triples)"
    return RemoteError(f"push failed: {exc.message}\n  {state}; nothing was loaded for sure",
                       path=exc.path, hint=exc.hint)

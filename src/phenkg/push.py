"""`phenkg push` and `phenkg query`: load the graph into an external triple store, and query a graph.

Push, step by step (docs/triple-stores.md says the same for users):
1. Protocol. `gsp` streams N-Triples to `ENDPOINT?graph=IRI` (or `?default`) with chunked HTTP
   requests of at most GSP_REQUEST triples each (PUT first when replacing, then POST). `update`
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
import csv
import io
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from phenkg.errors import PhenkgError, RemoteError
from phenkg.model import Catalog
from phenkg.remote import (
    DEFAULT_TIMEOUT,
    Auth,
    Endpoints,
    count_triples,
    gsp_send,
    probe_gsp,
    public,
    query_type,
    sparql_graph,
    sparql_json,
    sparql_update,
)
from phenkg.vocab import PREFIXES

# Triples per Graph Store request. Each request body is streamed in chunks, but a store commits a
# request as one transaction: Oxigraph 0.5 took 9.7 s for one request of 200,000 triples, 0.6 s for
# 50,000, and grew to gigabytes of memory for a few hundred thousand; so bound each request too.
GSP_REQUEST = 50_000


def timeout_of(args) -> float:
    """Seconds to wait for any one answer: --timeout if the CLI has it, else $PHENKG_TIMEOUT, else 300."""
    value = getattr(args, "timeout", None) or os.environ.get("PHENKG_TIMEOUT") or DEFAULT_TIMEOUT
    try:
        return float(value)
    except ValueError as exc:
        raise PhenkgError(f"timeout is not a number of seconds: {value!r}") from exc


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


def _batches(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def push(catalog: Catalog, base: str, endpoints: Endpoints, *, graph: str | None = None,
         replace: bool = False, protocol: str = "auto", batch: int = 10000, auth: Auth | None = None,
         timeout: float = DEFAULT_TIMEOUT, progress=None) -> PushResult:
    """Load the catalog's graph into the store at `endpoints`, check the count; RemoteError on failure."""
    from phenkg.graph import ntriples, triples

    auth = auth or Auth()
    if batch < 1:
        raise PhenkgError(f"--batch must be at least 1, not {batch}")
    if protocol == "auto":
        protocol = "gsp" if probe_gsp(endpoints.given, auth, timeout) else "update"
    started = time.monotonic()
    before = 0 if replace else count_triples(endpoints.query, graph, auth=auth, timeout=timeout)
    tmp = f"urn:phenkg:push:{uuid.uuid4().hex}" if replace else None
    load_into = tmp or graph
    lines = _Counted(triples(catalog, base, progress))
    stage = "loading"
    try:
        if protocol == "gsp":
            for n, part in enumerate(_batches(lines, GSP_REQUEST)):
                gsp_send(endpoints.given, load_into, ntriples(part, 5000), replace=replace and n == 0,
                         auth=auth, timeout=timeout)
        else:
            for part in _batches(lines, batch):
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


def run_push(args) -> int:
    from phenkg.progress import Progress
    from phenkg.store import read_catalog

    endpoints = Endpoints.derive(args.endpoint, getattr(args, "query_endpoint", None),
                                 getattr(args, "update_endpoint", None))
    auth = Auth.from_args(args)
    catalog = read_catalog(args.data)
    progress = Progress(f"pushing to {public(args.endpoint)}", total=len(catalog.papers), unit="papers")
    result = push(catalog, args.base, endpoints, graph=args.graph, replace=args.replace,
                  protocol=args.protocol, batch=args.batch, auth=auth, timeout=timeout_of(args),
                  progress=progress)
    progress.done(f"{result.sent:,} triples")
    print(result.summary(args.endpoint, args.replace))
    return 0


# -- query -----------------------------------------------------------------------------------------
_PREFIX_DECL = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_IRI_OR_STRING = re.compile(r'<[^<>"{}|^`\\\s]*>|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')


def with_prefixes(query: str) -> str:
    """The query with the phenkg prefixes it uses but does not declare itself put in front."""
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(query)}
    bare = _IRI_OR_STRING.sub(" ", query)
    missing = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()
                      if p not in declared and re.search(rf"(?<![\w.-]){p}:", bare))
    return missing + query


def read_query(text: str) -> str:
    if not text.startswith("@"):
        return text
    path = Path(text[1:])
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PhenkgError(f"cannot read the query file: {exc}", path=str(path)) from exc


def local_answer(catalog: Catalog, base: str, query: str) -> dict | bytes:
    """SPARQL JSON results (SELECT, ASK) or N-Triples bytes (CONSTRUCT, DESCRIBE) from the local graph."""
    import pyoxigraph

    from phenkg.graph import build_store
    from phenkg.serve.guard import check_query
    from phenkg.serve.http import HttpError

    try:  # the same guard as the server: no SERVICE calls out, no FROM reading files, no updates
        checked = check_query(query)
    except HttpError as exc:
        raise PhenkgError(f"the query is refused: {exc.detail}") from None
    if checked.default_graphs or checked.named_graphs:
        raise PhenkgError("the query is refused: FROM and FROM NAMED are not allowed on the local graph "
                          "(it has only its default graph)")
    store = build_store(catalog, base)
    try:
        results = store.query(query)
    except SyntaxError as exc:
        raise PhenkgError(f"the query does not parse: {exc}") from exc
    if isinstance(results, pyoxigraph.QueryTriples):
        return results.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES)
    return json.loads(results.serialize(format=pyoxigraph.QueryResultsFormat.JSON))


def remote_answer(url: str, query: str, auth: Auth, timeout: float) -> dict | bytes:
    if query_type(query) in ("CONSTRUCT", "DESCRIBE"):
        return sparql_graph(url, query, auth=auth, timeout=timeout)
    return sparql_json(url, query, auth=auth, timeout=timeout)


def compact(term: dict) -> str:
    """A result term for a terminal: prefixed name or <IRI>, a literal's text, _:id."""
    value = term.get("value", "")
    if term.get("type") == "uri":
        for prefix, ns in PREFIXES.items():
            rest = value[len(ns):]
            if value.startswith(ns) and re.fullmatch(r"[\w.-]*", rest):
                return f"{prefix}:{rest}"
        return f"<{value}>"
    if term.get("type") == "bnode":
        return f"_:{value}"
    return " ".join(value.split()) if "\n" in value or "\r" in value else value


def format_table(answer: dict, width: int = 60) -> str:
    if "boolean" in answer:
        return "true\n" if answer["boolean"] else "false\n"
    names = answer["head"].get("vars", [])
    rows = [[compact(b[v]) if v in b else "" for v in names] for b in answer["results"]["bindings"]]
    rows = [[c if len(c) <= width else c[: width - 1] + "…" for c in r] for r in rows]
    sizes = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(s) for c, s in zip(cells, sizes, strict=True)).rstrip()

    out = [line(names), line(["-" * s for s in sizes]), *(line(r) for r in rows)]
    out.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(out) + "\n"


def _csv_value(term: dict) -> str:
    return f"_:{term['value']}" if term.get("type") == "bnode" else term.get("value", "")


def format_csv(answer: dict) -> str:
    """SPARQL 1.1 CSV results: plain values, blank nodes as _:label; an ASK answer as one value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if "boolean" in answer:
        writer.writerow(["boolean"])
        writer.writerow(["true" if answer["boolean"] else "false"])
        return buffer.getvalue()
    names = answer["head"].get("vars", [])
    writer.writerow(names)
    for b in answer["results"]["bindings"]:
        writer.writerow([_csv_value(b[v]) if v in b else "" for v in names])
    return buffer.getvalue()


def render(answer: dict | bytes, fmt: str) -> str:
    if isinstance(answer, bytes):
        return answer.decode("utf-8")
    if fmt == "json":
        return json.dumps(answer, indent=2, ensure_ascii=False) + "\n"
    return format_csv(answer) if fmt == "csv" else format_table(answer)


def run_query(args) -> int:
    query = with_prefixes(read_query(args.sparql))
    if args.endpoint:
        endpoints = Endpoints.derive(args.endpoint)
        answer = remote_answer(endpoints.query, query, Auth.from_args(args), timeout_of(args))
    else:
        from phenkg.store import read_catalog
        answer = local_answer(read_catalog(args.data), args.base, query)
    sys.stdout.write(render(answer, args.format))
    return 0

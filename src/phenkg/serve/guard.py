"""Check a SPARQL request before anything evaluates it: read-only, no SERVICE, only local graphs.

The query itself is checked by `phenkg.sparql.check_query` on a real parse (shared with the local
`phenkg query`); here its refusal becomes an HTTP error, and FROM / FROM NAMED and the protocol's graph
parameters may only name graphs this store holds. SPARQL's \\u escapes are decoded first, as the grammar
says, and the decoded text is what the engine evaluates, so the guard and the engine read the same query.

The guard is the second line: evaluators run confined (sandbox.py), so a query the guard misreads
still reaches nothing. It runs in the evaluator, under the request's deadline; the parser's own
recursion bound refuses queries nested too deeply (a 400) before the engine parses them.
"""

from __future__ import annotations

from collections.abc import Iterable

from phenkg import sparql
from phenkg.serve.http import HttpError
from phenkg.sparql import Checked


def check_query(query: str, refuse_service: bool = True) -> Checked:
    """`phenkg.sparql.check_query`, its refusal an HttpError (400, or 403 for an update)."""
    try:
        return sparql.check_query(query, refuse_service)
    except sparql.QueryRefused as refused:
        raise HttpError(refused.status, refused.detail) from None


__all__ = ["Checked", "check_graphs", "check_query"]


def check_graphs(requested: Iterable[str], available: frozenset[str], where: str) -> None:
    """FROM, FROM NAMED and the protocol's graph parameters may only name graphs this store holds.

    Nothing is ever fetched or read for a graph name: an unknown name (a URL, a file:) is refused.
    """
    for name in requested:
        if name.strip("<>") not in available:
            raise HttpError(400, f"{where} names the graph {name}, which this dataset does not hold; "
                            "this endpoint never loads graphs from URLs or files. "
                            + (f"Graphs held: {', '.join(sorted(available))}" if available
                               else "It serves only its default graph."))

"""`phenkg query`: run a SPARQL query on the local graph or a remote endpoint, and print the answer.

Library functions: `local_answer` and `remote_answer` return SPARQL JSON results (SELECT, ASK) or
N-Triples bytes (CONSTRUCT, DESCRIBE), `render` prints them; errors are `BadQueryError` (the query
is refused or does not parse, locally or at the store) and `RemoteError`; `cli.py` sets exit codes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from phenkg.errors import BadQueryError, PhenkgError
from phenkg.model import Catalog
from phenkg.remote import Auth, query_type, sparql_graph, sparql_json
from phenkg.vocab import PREFIXES, compact_iri, sparql_prefixes

_PREFIX_DECL = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_IRI_OR_STRING = re.compile(r'<[^<>"{}|^`\\\s]*>|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')


def with_prefixes(query: str) -> str:
    """The query with the phenkg prefixes it uses but does not declare itself put in front."""
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(query)}
    bare = _IRI_OR_STRING.sub(" ", query)
    missing = [p for p in PREFIXES if p not in declared and re.search(rf"(?<![\w.-]){p}:", bare)]
    return sparql_prefixes(missing) + query


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
    from phenkg.sparql import QueryRefused, check_query

    try:  # the same check as the server's guard: no SERVICE calls out, no FROM reading files, no updates
        checked = check_query(query)
    except QueryRefused as exc:
        raise BadQueryError(f"the query is refused: {exc.detail}") from None
    if checked.default_graphs or checked.named_graphs:
        raise BadQueryError("the query is refused: FROM and FROM NAMED are not allowed on the local graph "
                          "(it has only its default graph)")
    store = build_store(catalog, base)
    try:
        results = store.query(query)
    except SyntaxError as exc:
        raise BadQueryError(f"the query does not parse: {exc}") from exc
    if isinstance(results, pyoxigraph.QueryTriples):
        return results.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
    return json.loads(results.serialize(format=pyoxigraph.QueryResultsFormat.JSON))


def remote_answer(url: str, query: str, auth: Auth, timeout: float) -> dict | bytes:
    """The store's answer; a query it rejects as malformed is a BadQueryError, other failures RemoteError."""
    if query_type(query) in ("CONSTRUCT", "DESCRIBE"):
        return sparql_graph(url, query, auth=auth, timeout=timeout)
    return sparql_1_1(sparql_json(url, query, auth=auth, timeout=timeout, user_query=True))


def sparql_1_1(answer: dict) -> dict:
    """The answer in the SPARQL 1.1 JSON results format: Virtuoso still writes the older
    "typed-literal" type, which SPARQL 1.1 spells "literal" with a "datatype"."""
    for binding in answer.get("results", {}).get("bindings", []):
        for term in binding.values():
            if term.get("type") == "typed-literal":
                term["type"] = "literal"
    return answer


def compact(term: dict) -> str:
    """A result term for a terminal: prefixed name or <IRI>, a literal's text, _:id."""
    value = term.get("value", "")
    if term.get("type") == "uri":
        compact = compact_iri(value)
        return compact if compact != value else f"<{value}>"
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

"""Query results -> bytes in the negotiated format, cut at the row cap with the cut reported.

A SELECT is usually capped inside the query and written by pyoxigraph (rowcap.py). The rest is
written here: SELECT rows as CSV, or when the cap cannot be put into the query (JSON, XML, CSV, TSV
per the W3C result formats, reading at most cap + 1 rows); ASK through pyoxigraph; CONSTRUCT and
DESCRIBE triples capped here, then serialized by pyoxigraph.
"""

from __future__ import annotations

import json
from itertools import islice
from json.encoder import encode_basestring as _string  # json.dumps' own escaping (C when available)
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import Literal, NamedNode

from phenkg.vocab import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SRX = "http://www.w3.org/2005/sparql-results#"


def _kind(term) -> str:
    return type(term).__name__   # NamedNode | BlankNode | Literal | Triple


def json_term(term) -> dict:
    kind = _kind(term)
    if kind == "NamedNode":
        return {"type": "uri", "value": term.value}
    if kind == "BlankNode":
        return {"type": "bnode", "value": term.value}
    if kind == "Literal":
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": json_term(term.subject),
                                        "predicate": json_term(term.predicate),
                                        "object": json_term(term.object)}}


def json_text(term) -> str:
    """json_term(term) as compact JSON text (the hot path of every SELECT).

    pyoxigraph writes a term as N-Triples in one call, and an N-Triples string literal is already a
    JSON string: it escapes exactly `"`, `\\` and the control characters, all in forms JSON shares
    (\\n, \\t, \\u0001, ...). IRIs, language tags and datatypes hold nothing JSON would escape.
    """
    kind = type(term)
    if kind is NamedNode:
        return '{"type":"uri","value":"' + str(term)[1:-1] + '"}'
    if kind is Literal:
        text = str(term)
        end = text.rfind('"') + 1
        if end == len(text):
            return '{"type":"literal","value":' + text + "}"
        if text[end] == "@":
            return '{"type":"literal","value":' + text[:end] + ',"xml:lang":"' + text[end + 1:] + '"}'
        return '{"type":"literal","value":' + text[:end] + ',"datatype":"' + text[end + 3:-1] + '"}'
    return json.dumps(json_term(term), ensure_ascii=False, separators=(",", ":"))


def _json_select(names: list[str], rows: list) -> bytes:
    keys = [_string(n) + ":" for n in names]
    bindings = ",".join("{" + ",".join(key + json_text(value) for key, value in zip(keys, row, strict=True)
                                       if value is not None) + "}" for row in rows)
    head = ",".join(_string(n) for n in names)
    return ('{"head":{"vars":[' + head + ']},"results":{"bindings":[' + bindings + "]}}").encode()


def xml_term(term) -> str:
    kind = _kind(term)
    if kind == "NamedNode":
        return f"<uri>{escape(term.value)}</uri>"
    if kind == "BlankNode":
        return f"<bnode>{escape(term.value)}</bnode>"
    if kind == "Literal":
        if term.language:
            attr = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype.value != XSD_STRING:
            attr = f" datatype={quoteattr(term.datatype.value)}"
        else:
            attr = ""
        return f"<literal{attr}>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def csv_term(term) -> str:
    if term is None:
        return ""
    kind = _kind(term)
    text = "_:" + term.value if kind == "BlankNode" else term.value if kind != "Triple" else str(term)
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def write_select(solutions, fmt: str, max_rows: int) -> tuple[bytes, bool]:
    """Rows up to `max_rows`; the flag says whether more rows were there and were cut."""
    names = [v.value for v in solutions.variables]
    rows = list(islice(solutions, max_rows + 1))
    truncated = len(rows) > max_rows
    rows = rows[:max_rows]
    if fmt == "json":
        return _json_select(names, rows), truncated
    if fmt == "xml":
        out = [f'<?xml version="1.0"?>\n<sparql xmlns="{SRX}">\n<head>']
        out += [f"<variable name={quoteattr(n)}/>" for n in names]
        out.append("</head>\n<results>")
        for row in rows:
            out.append("<result>" + "".join(f"<binding name={quoteattr(n)}>{xml_term(row[n])}</binding>"
                                            for n in names if row[n] is not None) + "</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode(), truncated
    if fmt == "csv":
        lines = [",".join(names)] + [",".join(csv_term(row[n]) for n in names) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode(), truncated
    lines = ["\t".join("?" + n for n in names)]
    lines += ["\t".join("" if row[n] is None else str(row[n]) for n in names) for row in rows]
    return ("\n".join(lines) + "\n").encode(), truncated


def write_boolean(answer, fmt: str) -> bytes:
    import pyoxigraph

    return answer.serialize(format=getattr(pyoxigraph.QueryResultsFormat, fmt.upper()))


GRAPH_FORMATS = {"ttl": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD", "rdfxml": "RDF_XML"}


def write_graph(triples, fmt: str, max_rows: int) -> tuple[bytes, bool]:
    import pyoxigraph

    kept = list(islice(triples, max_rows + 1))
    truncated = len(kept) > max_rows
    rdf_format = getattr(pyoxigraph.RdfFormat, GRAPH_FORMATS[fmt])
    prefixes = PREFIXES if fmt in ("ttl", "rdfxml") else None
    body = pyoxigraph.serialize(kept[:max_rows], format=rdf_format, prefixes=prefixes)
    return body or b"", truncated

"""Query results -> bytes in the negotiated format, cut at the row cap with the cut reported.

A SELECT is usually capped inside the query and written by pyoxigraph (rowcap.py). The rest is
written here: SELECT rows as CSV, or when the cap cannot be put into the query (JSON, XML, CSV, TSV
per the W3C result formats, reading at most cap + 1 rows); ASK through pyoxigraph; CONSTRUCT and
DESCRIBE triples capped here, then serialized by pyoxigraph.
"""

from __future__ import annotations

import csv
import io
import json
import re
from itertools import islice
from json.encoder import encode_basestring as _string  # json.dumps' own escaping (C when available)
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import Literal, NamedNode

from phenkg.formats import BY_NAME
from phenkg.sparql import decode_escapes, memo_short_texts, tokens
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
    return _csv_field("_:" + term.value if kind == "BlankNode" else term.value if kind != "Triple" else str(term))


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
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
    return answer.serialize(format=BY_NAME[fmt].results_format)


def serialize(triples, fmt: str) -> bytes:
    """Triples in an RDF format of phenkg.formats, named; with the vocab's prefixes where it writes any."""
    import pyoxigraph

    chosen = BY_NAME[fmt]
    prefixes = PREFIXES if chosen.prefixed else None
    return pyoxigraph.serialize(triples, format=chosen.rdf_format, prefixes=prefixes) or b""


def write_graph(triples, fmt: str, max_rows: int) -> tuple[bytes, bool]:
    kept = list(islice(triples, max_rows + 1))
    return serialize(kept[:max_rows], fmt), len(kept) > max_rows


# -- SELECT * columns in query order -----------------------------------------------------------------
# pyoxigraph lists the variables of SELECT * sorted by name; SPARQL's in-scope variables read in the
# order they first appear in the pattern (as Jena and RDF4J write them, and as a reader expects). The
# set comes from pyoxigraph (the written head), the order from the query's tokens.
_XML_HEAD = re.compile(rb"<head>(.*?)</head>", re.DOTALL)
_XML_VARIABLE = re.compile(rb"""<variable\s+name=(?:"([^"]*)"|'([^']*)')\s*/>""")


@memo_short_texts
def star_order(query: str) -> tuple[str, ...] | None:
    """For a `SELECT *` query, its variable names in order of first appearance; None for other queries."""
    toks = tokens(decode_escapes(query))
    at = next((i for i, (kind, text) in enumerate(toks) if kind == "word" and text.lower() == "select"), None)
    if at is None:
        return None
    at += 1
    while at < len(toks) and toks[at][1].lower() in ("distinct", "reduced"):
        at += 1
    if at >= len(toks) or toks[at] != ("other", "*"):
        return None
    return tuple(dict.fromkeys(text[1:] for kind, text in toks[at + 1:] if kind == "var"))


def in_query_order(names: list[str], order: tuple[str, ...]) -> list[str]:
    """`names` (the variables written) sorted by `order`; any it lacks keep their place at the end."""
    position = {name: i for i, name in enumerate(order)}
    return sorted(names, key=lambda name: position.get(name, len(order)))


def reorder_columns(body: bytes, fmt: str, order: tuple[str, ...]) -> bytes:
    """Serialized SELECT results (JSON, XML, CSV or TSV) with their columns in `order`."""
    if fmt == "json":
        start = body.index(b'"vars":[') + len(b'"vars":')
        end = body.index(b"]", start) + 1          # variable names hold no ']'
        names = json.loads(body[start:end])
        wanted = in_query_order(names, order)
        if wanted == names:
            return body
        return body[:start] + json.dumps(wanted, ensure_ascii=False, separators=(",", ":")).encode() + body[end:]
    if fmt == "xml":
        head = _XML_HEAD.search(body)
        if head is None:
            return body
        elements = {(m[1] or m[2]).decode(): m[0] for m in _XML_VARIABLE.finditer(head[1])}
        names = list(elements)
        wanted = in_query_order(names, order)
        if wanted == names:
            return body
        return body[:head.start(1)] + b"".join(elements[n] for n in wanted) + body[head.end(1):]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        permutation = _permutation(rows[0] if rows else [], order)
        if permutation is None:
            return body
        lines = [",".join(_csv_field(row[i]) if i < len(row) else "" for i in permutation) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    if fmt == "tsv":                # one line a row; values are N-Triples terms, so tabs only separate
        lines = body.decode("utf-8").split("\n")
        permutation = _permutation([n[1:] for n in lines[0].split("\t")] if lines[0] else [], order)
        if permutation is None:
            return body
        out = ["\t".join(fields[i] for i in permutation) if len(fields := line.split("\t")) > 1 else line
               for line in lines[:-1]]
        return ("\n".join(out) + "\n" + lines[-1]).encode()
    return body


def _permutation(names: list[str], order: tuple[str, ...]) -> list[int] | None:
    """Column indexes that put `names` in `order`; None when they already are."""
    wanted = in_query_order(names, order)
    if wanted == names:
        return None
    index = {name: i for i, name in enumerate(names)}
    return [index[name] for name in wanted]

"""Check a SPARQL request before anything evaluates it: read-only, no SERVICE, only local graphs.

A tokenizer, not a regex over the raw text: comments, string literals, IRIs, variables and prefixed
names are read as whole tokens first, so `"SERVICE"` in a string or `ex:from` is fine while
`service` or `From` as a keyword is caught. SPARQL's \\u escapes are decoded first (the grammar says
they apply to the whole query text), so they cannot hide a keyword either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, wraps

from phenkg.serve.http import HttpError

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKENS = r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri>IRI)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<word>[^\W\d][\w\-.]*(?::(?:[\w\-.:%\u00b7\u0300-\u036f\u203f-\u2040]|\\.)*)?
             |:(?:[\w\-.:%\u00b7\u0300-\u036f\u203f-\u2040]|\\.)*)
  | (?P<other>.)
"""
# An IRIREF as the grammar has it. '<' is also less-than, and `?o<'>'` lexes as an IRI here although
# SPARQL reads a comparison with a string: the guard does not rely on tokens alone for SERVICE, and
# the row cap's rewrite (rowcap.py) is only trusted when STRICT_TOKEN, which takes an IRI only when it
# has a scheme and no quote, reads the query the same way.
TOKEN = re.compile(_TOKENS.replace("IRI", r"<[^<>\"{}|^`\\\x00-\x20]*>", 1), re.VERBOSE | re.DOTALL)
STRICT_TOKEN = re.compile(_TOKENS.replace("IRI", r"<(?:[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"'{}|^`\\\x00-\x20]*)?>", 1),
                          re.VERBOSE | re.DOTALL)

# The shape of a SERVICE clause in the raw text (SERVICE SILENT? VarOrIri {), comments allowed between
# its tokens. Looked for without regard to strings, IRIs or comments: a tokenizer can be misled into
# reading a real clause as part of a string (`?o<'>'` lexes as an IRI), this cannot.
_SERVICE_CLAUSE = re.compile(r"""(?<![\w:])service(?:\s|\#[^\n\r]*)*(?:silent(?:\s|\#[^\n\r]*)*)?
    (?:<[^>]*>|[?$][^\s{#]*|[^\s{#<]*:[^\s{#]*)(?:\s|\#[^\n\r]*)*\{""", re.IGNORECASE | re.VERBOSE)
UPDATE_WORDS = {"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"}
QUERY_FORMS = {"select", "construct", "ask", "describe"}


@dataclass(frozen=True)
class Checked:
    """What the server needs to know about an accepted query."""

    form: str                                    # select | construct | ask | describe
    default_graphs: tuple[str, ...] = ()         # FROM
    named_graphs: tuple[str, ...] = ()           # FROM NAMED


def tokens(query: str) -> list[tuple[str, str]]:
    """(kind, text) for each token that is not space or comment."""
    out = []
    for match in TOKEN.finditer(query):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            out.append((kind, match.group()))
    return out


def decode_escapes(query: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)), query)


MEMO_TEXT = 16_384   # texts up to this length are memoised (1,024 of them); longer ones are not kept,
                     # so memory stays bounded


def memo_short_texts(function):
    """`function`, a pure function of a request text (its first argument), memoised for texts up to
    MEMO_TEXT characters: endpoints see the same queries again and again."""
    cached = lru_cache(maxsize=1024)(function)

    @wraps(function)
    def call(text: str, *args):
        return cached(text, *args) if len(text) <= MEMO_TEXT else function(text, *args)

    call.cache_info = cached.cache_info
    return call


@memo_short_texts
def check_query(query: str) -> Checked:
    """Refuse updates and SERVICE; return the query form and its FROM / FROM NAMED graphs."""
    decoded = decode_escapes(query)
    toks = tokens(decoded)
    words = [(i, text.lower()) for i, (kind, text) in enumerate(toks) if kind == "word"]
    if any(w == "service" for _, w in words) or _SERVICE_CLAUSE.search(decoded):
        raise HttpError(400, "SERVICE is not allowed: this endpoint never sends requests to other "
                        "endpoints for a caller")
    first = next((w for _, w in words if w not in ("prefix", "base") and ":" not in w), None)
    if first in UPDATE_WORDS:
        raise HttpError(403, "this endpoint is read-only: SPARQL Update requests are refused")
    form = next((w for _, w in words if w in QUERY_FORMS), None)
    if form is None:
        raise HttpError(400, "not a SPARQL query: expected SELECT, CONSTRUCT, ASK or DESCRIBE")
    graphs: dict[bool, list[str]] = {False: [], True: []}
    for i, word in words:
        if word != "from":
            continue
        named = i + 1 < len(toks) and toks[i + 1][1].lower() == "named"
        j = i + 2 if named else i + 1
        if j >= len(toks) or toks[j][0] not in ("iri", "word"):
            raise HttpError(400, "FROM must be followed by a graph IRI")
        graphs[named].append(toks[j][1])
    return Checked(form, tuple(graphs[False]), tuple(graphs[True]))


def check_graphs(requested: list[str], available: frozenset[str], where: str) -> None:
    """FROM, FROM NAMED and the protocol's graph parameters may only name graphs this store holds.

    Nothing is ever fetched or read for a graph name: an unknown name (a URL, a file:) is refused.
    """
    for name in requested:
        if name.strip("<>") not in available:
            raise HttpError(400, f"{where} names the graph {name}, which this dataset does not hold; "
                            "this endpoint never loads graphs from URLs or files. "
                            + (f"Graphs held: {', '.join(sorted(available))}" if available
                               else "It serves only its default graph."))

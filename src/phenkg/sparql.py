"""SPARQL query text, read without evaluating it: a tokenizer, SPARQL's \\u escapes, and
`check_query`, which refuses what no caller may run here (updates, SERVICE, over-deep nesting) on a
real parse (rdflib's SPARQL 1.1 parser), not on patterns in the text.

Shared by the local `phenkg query` and the server (`phenkg.serve.guard` turns a refusal into an HTTP
error; `rowcap`, `results` and `query_errors` tokenize with `TOKEN` / `tokens`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache, update_wrapper
from typing import Generic, TypeVar

from phenkg.errors import BadQueryError

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
# SPARQL reads a comparison with a string: the row cap's rewrite is only trusted when STRICT_TOKEN,
# which takes an IRI only when it has a scheme and no quote, reads the query the same way.
TOKEN = re.compile(_TOKENS.replace("IRI", r"<[^<>\"{}|^`\\\x00-\x20]*>", 1), re.VERBOSE | re.DOTALL)
STRICT_TOKEN = re.compile(_TOKENS.replace("IRI", r"<(?:[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"'{}|^`\\\x00-\x20]*)?>", 1),
                          re.VERBOSE | re.DOTALL)
MAX_OPENERS = 10_000   # brackets in one query; far more than any real query, and a cheap bound before parsing
UPDATE_WORDS = {"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"}
QUERY_FORMS = {"select", "construct", "ask", "describe"}



class QueryRefused(BadQueryError):
    """A query `check_query` refuses; `status` is the HTTP status a server answers it with (400, or 403
    for an update), `detail` what to change."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(detail)


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


R = TypeVar("R")
MEMO_TEXT = 16_384   # texts up to this length are memoised (1,024 of them); longer ones are not kept,
                     # so memory stays bounded


class memo_short_texts(Generic[R]):
    """`function`, a pure function of a request text (its first argument), memoised for texts up to
    MEMO_TEXT characters: endpoints see the same queries again and again."""

    def __init__(self, function: Callable[..., R]) -> None:
        self._function = function
        self._cached = lru_cache(maxsize=1024)(function)
        self.cache_info = self._cached.cache_info
        update_wrapper(self, function)

    def __call__(self, text: str, *args: Hashable) -> R:
        return self._cached(text, *args) if len(text) <= MEMO_TEXT else self._function(text, *args)


@memo_short_texts
def check_query(query: str, refuse_service: bool = True) -> Checked:
    """Refuse updates, SERVICE and over-deep nesting; return the form and the FROM / FROM NAMED graphs.

    `query` is the decoded text (`decode_escapes`); `refuse_service=False` only for the tests that show
    the sandbox holds without the guard.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    openers = query.count("(") + query.count("{") + query.count("[")
    if openers > MAX_OPENERS:
        raise QueryRefused(400, f"the query has {openers:,} brackets; the limit is {MAX_OPENERS:,}")
    try:
        parsed = parseQuery(query)
    except RecursionError:
        raise QueryRefused(400, "the query is nested too deeply to be parsed safely; flatten it") from None
    except ParseBaseException as exc:
        if _first_word(query) in UPDATE_WORDS:
            raise QueryRefused(403, "this endpoint is read-only: SPARQL Update requests are refused") from None
        raise QueryRefused(400, f"malformed query: {exc}") from None
    prologue, body = parsed[0], parsed[1]
    if refuse_service and _has_service(body):
        raise QueryRefused(400, "SERVICE is not allowed: this endpoint never sends requests to other "
                        "endpoints for a caller")
    form = {"SelectQuery": "select", "ConstructQuery": "construct", "AskQuery": "ask",
            "DescribeQuery": "describe"}[body.name]
    graphs: dict[str, list[str]] = {"default": [], "named": []}
    for clause in body.get("datasetClause") or []:
        for kind in ("default", "named"):
            if kind in clause:
                graphs[kind].append(_absolute(clause[kind], prologue))
    return Checked(form, tuple(graphs["default"]), tuple(graphs["named"]))


def _first_word(query: str) -> str:
    for kind, text in tokens(query[:4096]):
        if kind == "word" and text.lower() not in ("prefix", "base") and ":" not in text:
            return text.lower()
    return ""


def _has_service(tree) -> bool:
    """Whether a ServiceGraphPattern appears anywhere in the parse tree (walked without recursion)."""
    from pyparsing import ParseResults

    stack = [tree]
    while stack:
        node = stack.pop()
        if getattr(node, "name", None) == "ServiceGraphPattern":
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)
    return False


def _absolute(term, prologue) -> str:
    """A graph named in FROM as an absolute IRI (a prefixed name resolved, a relative IRI against BASE)."""
    from rdflib.plugins.sparql.algebra import translatePName, translatePrologue

    resolved = translatePrologue(prologue, None)
    if getattr(term, "name", None) == "pname":
        term = translatePName(term, resolved)
    return str(resolved.absolutize(term))

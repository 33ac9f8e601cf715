"""What a malformed query's 400 says: the parser's message, made into advice a person can act on.

pyoxigraph's message for an undeclared prefix lists Rust character classes (or, after `;`, says
"expected OPTIONAL"), and nothing tells a user that the data uses https://schema.org/. So the query's
own tokens are read for prefixed names it uses without declaring them, and the answer names each one
with the PREFIX line to add: from the project's one prefix table when the prefix is one the data
uses, else as a line to complete.
"""

from __future__ import annotations

import re

from phenkg.sparql import decode_escapes, tokens
from phenkg.vocab import PREFIXES

_POSITION = re.compile(r"error at (\d+):(\d+)")
_CHARACTER_CLASSES = ("\\u{", "'..=", "' ..= '")


def undeclared_prefixes(query: str) -> list[str]:
    """Prefixes the query uses in prefixed names (`schema:name`, `:x`) but never declares, in order."""
    toks = tokens(decode_escapes(query))
    declared: set[str] = set()
    used: dict[str, None] = {}  # an ordered set
    for i, (kind, text) in enumerate(toks):
        if kind != "word" or ":" not in text:
            continue
        prefix = text.split(":", 1)[0]
        if i > 0 and toks[i - 1][0] == "word" and toks[i - 1][1].lower() == "prefix":
            declared.add(prefix)
        elif prefix != "_":                          # _:b is a blank node
            used.setdefault(prefix, None)
    return [p for p in used if p not in declared]


def prefix_line(prefix: str) -> str:
    namespace = PREFIXES.get(prefix)
    return f"PREFIX {prefix}: <{namespace if namespace else '...'}>"


def explain_query_error(query: str, message: str) -> str:
    """The detail of the 400 for a query pyoxigraph could not parse (`message` is its SyntaxError)."""
    position = _POSITION.search(message)
    where = f"error at {position[1]}:{position[2]}: " if position else ""
    missing = undeclared_prefixes(query)
    if missing:
        lines = [f"the prefix {p}: is not declared; this dataset uses it for {PREFIXES[p]}: add the line "
                 f"{prefix_line(p)} at the top of the query" if p in PREFIXES else
                 f"the prefix {p}: is not declared; declare it with {prefix_line(p)} at the top of the query, "
                 "with the namespace it stands for" for p in missing]
        return where + "\n".join(lines)
    if any(noise in message for noise in _CHARACTER_CLASSES):
        return where + "the query does not parse here" + _pointer(query, position)
    return message


def _pointer(query: str, position: re.Match | None) -> str:
    """The line of the query the position is on, with a caret under the column."""
    if position is None:
        return ""
    lines = query.splitlines() or [""]
    row, column = int(position[1]), int(position[2])
    if not 1 <= row <= len(lines):
        return ""
    line = lines[row - 1]
    return f":\n    {line}\n    {' ' * max(min(column - 1, len(line)), 0)}^"

"""The row cap enforced inside a SELECT query, so that pyoxigraph writes the results itself.

Reading every row into Python to count it costs more than evaluating a small query (about 0.1 ms
for a few dozen terms). So a SELECT gets a top-level LIMIT of cap + 1 (added, or lowered from a
larger one), pyoxigraph serializes the rows in Rust, and the rare answer with cap + 1 rows is cut
back to cap rows in the bytes, with the cut reported. A query that cannot be rewritten safely (one
with \\u escapes, which SPARQL decodes before parsing) or a format without an exact cut (CSV) goes
the Python way, `results.write_select`, as does a rewritten query pyoxigraph cannot parse.
"""

from __future__ import annotations

import json
import re

from phenkg.formats import JSON, TSV, XML
from phenkg.sparql import STRICT_TOKEN, TOKEN, memo_short_texts

# the result formats with an exact cut (`cut`): negotiated name -> pyoxigraph QueryResultsFormat member
FORMATS = {f.name: f.results for f in (JSON, XML, TSV)}
_NUMBER = re.compile(r"\s*([0-9]+)")


@memo_short_texts
def limited(query: str, rows: int) -> str | None:
    """The SELECT query with at most `rows` rows at its top level; None if that cannot be written safely
    (the two readings of '<' disagree, \\u escapes, no closed top-level group)."""
    if "\\u" in query or "\\U" in query:
        return None
    rewritten = _rewrite(query, rows, TOKEN)
    return rewritten if rewritten == _rewrite(query, rows, STRICT_TOKEN) else None


def _rewrite(query: str, rows: int, token: re.Pattern) -> str | None:
    depth, closed = 0, False
    for match in token.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind == "other" and text in "{}":
            depth += 1 if text == "{" else -1
            closed = closed or depth == 0
        elif closed and depth == 0 and kind == "word":
            word = text.lower()
            if word == "limit":
                number = _NUMBER.match(query, match.end())
                if number is None:
                    return None
                if int(number[1]) <= rows:
                    return query
                return query[:number.start(1)] + str(rows) + query[number.end(1):]
            if word == "values":                     # the trailing VALUES block comes after LIMIT
                return query[:match.start()] + f"\nLIMIT {rows}\n" + query[match.start():]
    return query + f"\nLIMIT {rows}\n" if closed else None


def cut(body: bytes, fmt: str, rows: int) -> tuple[bytes, bool]:
    """Serialized SELECT results with at most `rows` rows, and whether any were cut."""
    if fmt == "json":
        if len(body) < 3 * (rows + 1):        # each row takes at least 3 bytes: {} and a comma
            return body, False
        document = json.loads(body)
        bindings = document["results"]["bindings"]
        if len(bindings) <= rows:
            return body, False
        document["results"]["bindings"] = bindings[:rows]
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), True
    if fmt == "xml":                           # '<' in values is written &lt;: the tag counts rows
        if body.count(b"<result>") <= rows:
            return body, False
        position = -1
        for _ in range(rows + 1):
            position = body.index(b"<result>", position + 1)
        return body[:position] + b"</results></sparql>", True
    if fmt == "tsv":                           # one line a row: values are written as N-Triples terms
        if body.count(b"\n") - 1 <= rows:
            return body, False
        position = -1
        for _ in range(rows + 1):
            position = body.index(b"\n", position + 1)
        return body[:position + 1], True
    raise ValueError(f"no exact cut for {fmt}")

"""The formats the server offers (selections from phenkg.formats), and content negotiation as one pure
function.

`negotiate(offers, accept, fmt)`: an explicit `format=` wins over Accept; Accept is ranked by q-value,
then by how specific the matching range is, then by its order in the header, then by the order of
`offers` (the first offer is the default for a missing Accept or */*). An unknown format name is a
400 that lists the valid ones; nothing acceptable is a 406 that lists what is offered.
"""

from __future__ import annotations

from functools import lru_cache

from phenkg.formats import CSV, HTML, JSON, JSONLD, N3, NTRIPLES, RDFXML, TSV, TURTLE, XML, Format
from phenkg.serve.http import HttpError

RESULTS = (JSON, XML, CSV, TSV)            # SELECT and ASK
GRAPH = (TURTLE, NTRIPLES, JSONLD, RDFXML)  # CONSTRUCT, DESCRIBE, service description
PAGE = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML, N3)     # entity pages


def parse_accept(accept: str) -> list[tuple[str, float]]:
    """'text/html;q=0.9, */*;q=0.1' -> [('text/html', 0.9), ('*/*', 0.1)] in header order."""
    ranges = []
    for part in accept.split(","):
        media, *params = (x.strip() for x in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def _match(media_range: str, media_type: str) -> int:
    """How specifically a range matches a type: 3 exact, 2 type/*, 1 */*, 0 no match."""
    if media_range == media_type:
        return 3
    if media_range in {"*/*", "*"}:
        return 1
    kind, _, sub = media_range.partition("/")
    return 2 if sub == "*" and media_type.split("/", maxsplit=1)[0] == kind else 0


@lru_cache(maxsize=1024)   # pure; clients send the same few Accept headers
def negotiate(offers: tuple[Format, ...], accept: str | None, fmt: str | None = None) -> Format:
    if fmt:
        wanted = fmt.strip().lower()
        for offer in offers:
            if wanted in offer.names():
                return offer
        raise HttpError(400, f"unknown format {fmt!r}; valid formats here: "
                        + ", ".join(o.name for o in offers))
    if not accept or not accept.strip():
        return offers[0]
    ranges = parse_accept(accept)
    best: tuple | None = None
    for offer_pos, offer in enumerate(offers):
        for candidate in (offer.media_type, *(a for a in offer.aliases if "/" in a)):
            # the most specific range that matches decides this candidate's q (RFC 9110 12.5.1)
            # aliases (application/json for JSON-LD, ...) count only when named exactly
            matches = [(_match(r, candidate), q, -pos) for pos, (r, q) in enumerate(ranges)]
            matches = [m for m in matches if m[0] == 3 or (m[0] and candidate == offer.media_type)]
            if not matches:
                continue
            specificity, q, neg_pos = max(matches)
            if q <= 0:
                continue
            key = (q, specificity, neg_pos, -offer_pos)
            if best is None or key > best[0]:
                best = (key, offer)
    if best is None:
        raise HttpError(406, f"none of the media types in Accept ({accept}) is offered here; offered: "
                        + ", ".join(o.media_type for o in offers) + " (or use ?format="
                        + "|".join(o.name for o in offers) + ")")
    return best[1]

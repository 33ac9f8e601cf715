"""The identifiers phenkg publishes for papers and authors: one table of their forms.

Each scheme has the form a curator writes in data/ (checked when data/ is read, and again by the
shapes' sh:pattern on the graph), the IRI it is published as (`schema:sameAs`) and the text it is
published as (`schema:identifier`, 'scheme:value'). arXiv and OpenReview ids come from a paper's URL
(keys.py); the others only from data/ (`ids:` of a paper, data/authors.yaml). Nothing is looked up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phenkg.model import Identifiers


@dataclass(frozen=True)
class Scheme:
    name: str           # the field in data/, and the prefix of the schema:identifier text
    form: re.Pattern[str]
    iri: str            # the sameAs IRI, '{}' standing for the value
    example: str

    def same_as(self, value: str) -> str:
        return self.iri.format(value)

    def identifier(self, value: str) -> str:
        return f"{self.name}:{value}"


_DBLP_PATH = r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+"
PAPER_SCHEMES = {
    "doi": Scheme("doi", re.compile(r"10\.[0-9]{4,9}/[!-~]+"), "https://doi.org/{}", "10.1109/CVPR52688.2022.01553"),
    "wikidata": Scheme("wikidata", re.compile(r"Q[1-9][0-9]*"), "http://www.wikidata.org/entity/{}", "Q111446315"),
    "openalex": Scheme("openalex", re.compile(r"W[1-9][0-9]*"), "https://openalex.org/{}", "W3213468617"),
    "dblp": Scheme("dblp", re.compile(_DBLP_PATH), "https://dblp.org/rec/{}", "conf/cvpr/HeCXLDG22"),
}
AUTHOR_SCHEMES = {
    "orcid": Scheme("orcid", re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]"), "https://orcid.org/{}",
                    "0000-0002-1825-0097"),
    "dblp": Scheme("dblp", re.compile(_DBLP_PATH), "https://dblp.org/pid/{}", "34/4157"),
    "wikidata": PAPER_SCHEMES["wikidata"],
}
# the two a paper's URL gives (keys.arxiv_id, keys.openreview_id)
ARXIV = Scheme("arXiv", re.compile(r"[0-9]{4}\.[0-9]{4,5}|[a-z-]+(?:\.[A-Z]{2})?/[0-9]{7}"), "https://arxiv.org/abs/{}",
               "2111.06377")
ARXIV_DOI = "10.48550/arXiv.{}"
OPENREVIEW = Scheme("openreview", re.compile(r"[A-Za-z0-9_-]+"), "https://openreview.net/forum?id={}", "rJl-b3RcF7")


def orcid_checksum_ok(value: str) -> bool:
    """ORCID's last character is an ISO 7064 11-2 check digit of the others."""
    total = 0
    for digit in value[:-1].replace("-", ""):
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    return value[-1] == ("X" if check == 10 else str(check))


def problem(scheme: Scheme, value: str) -> str | None:
    """Why `value` is not an identifier of `scheme` (None when it is)."""
    if not scheme.form.fullmatch(value):
        return f"'{value[:80]}' is not a {scheme.name} identifier"
    if scheme.name == "orcid" and not orcid_checksum_ok(value):
        return f"'{value}' fails the ORCID check digit"
    return None


def curated(ids: Identifiers | None, schemes: dict[str, Scheme]) -> Iterator[tuple[Scheme, str]]:
    """The (scheme, value) pairs set in `ids`, in the table's order."""
    if ids is None:
        return
    values = {f.name: getattr(ids, f.name) for f in fields(ids)}
    for name, scheme in schemes.items():
        if values.get(name):
            yield scheme, values[name]

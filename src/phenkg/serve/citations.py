"""Citations by content negotiation, as doi.org answers them: a paper's IRI, and a topic's, keyword's,
author's, venue's or the list's (its source), in BibTeX, CSL-JSON, RIS or a plain reference (Accept or
`?format=`), and /CITATION.cff for the dataset. All read from the store (phenkg.cite), which is all an
evaluator holds.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from phenkg import cite
from phenkg.cite.reference import KEYS_FILE
from phenkg.formats import BIBLIOGRAPHY, BIBTEX, CFF, CSLJSON, RIS, Format
from phenkg.serve import negotiate as nego
from phenkg.serve.http import HttpError, Response

CITATION_FORMATS = (BIBTEX, CSLJSON, RIS, BIBLIOGRAPHY)
OFFERS = (*nego.PAGE, *CITATION_FORMATS)       # what an entity page that cites papers offers
CITED = tuple(cite.SCOPES)                     # the entity kinds (path heads) that cite their papers


def _typed(fmt: Format) -> str:
    """The Content-Type of a citation: text in UTF-8, said for the types that are not text/*."""
    return fmt.media_type if fmt.media_type.startswith("text/") else fmt.media_type + "; charset=utf-8"


class Citations:
    """Answers citation requests over one read-only store; the list's citation keys are read on first use."""

    def __init__(self, store, base: str, dist: Path | None = None) -> None:
        keys = dist / KEYS_FILE if dist is not None else None     # a build's key table, when there is one
        self.store, self.citer = store, cite.Citer(store, base, keys)

    def response(self, path: str, accept: str | None, fmt: str | None) -> Response | None:
        """A citation of the entity at `path` when the negotiated format is one; None for a page format
        (the entity page answers). 406 lists the page and citation types alike."""
        chosen = nego.negotiate(OFFERS, accept, fmt)
        if chosen in nego.PAGE:
            return None
        kind = path.lstrip("/").split("/", 1)[0]
        iri = self.citer.iris.at_path(quote(path.encode("latin-1"), safe="/-._~%"))
        headers = [("Vary", "Accept"), ("Link", f'<{iri}>; rel="canonical"')]
        refs = self.citer.of(kind, iri)
        if not refs:
            raise HttpError(404, f"no papers to cite at <{iri}> in this dataset", headers=headers)
        name = (refs[0].key if kind == "paper" else path.rstrip("/").rsplit("/", 1)[-1]) or "papers"
        headers.append(("Content-Disposition", f'inline; filename="{quote(name)}.{chosen.extension}"'))
        return Response(200, cite.render(refs, chosen), _typed(chosen), headers)

    def cff(self) -> Response:
        source = cite.source_of(self.store)
        if source is None:
            raise HttpError(404, "this dataset records no source list to cite")
        return Response(200, cite.citation_cff(source, self.citer.iris.base), _typed(CFF))


def download_links(kind: str) -> str:
    """The paper page's links to its citations (HTML)."""
    if kind not in CITED:
        return ""
    labels = {BIBTEX: "BibTeX", CSLJSON: "CSL-JSON", RIS: "RIS", BIBLIOGRAPHY: "reference"}
    links = " · ".join(f'<a href="?format={f.name}" type="{f.media_type}">{labels[f]}</a>' for f in CITATION_FORMATS)
    return f'<p class="cite">Cite as {links}</p>'

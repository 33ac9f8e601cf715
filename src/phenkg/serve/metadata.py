"""The `<meta>` tags of a paper's page: what Google Scholar, Zotero and link previews read.

Scholar and Zotero's "Embedded Metadata" translator read Highwire Press tags first (`citation_*`, one
`citation_author` per author in order), then Dublin Core (`DC.*`); link previews read OpenGraph
(`og:*`). None of them reads the page's JSON-LD, so the same facts are written here as tags, from the
paper's own JSON-LD document (phenkg.jsonld.paper_document), so that the two cannot disagree.
Every other page carries OpenGraph and a canonical link too (`page_meta`).
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

_ARXIV = re.compile(r"^https?://arxiv\.org/(?:abs|pdf)/([^/?#]+?)(?:v\d+)?(?:\.pdf)?$")
_OPENREVIEW = re.compile(r"^https?://openreview\.net/(?:forum|pdf)\?id=([^&#]+)")
_JOURNAL = re.compile(r"journal|transactions|\bJMLR\b|\bTMLR\b|\bTPAMI\b|letters|review", re.IGNORECASE)
DESCRIPTION = 300            # characters of the digest kept in the description tags


def paper_meta(document: dict[str, Any] | None) -> str:
    """The tags for a paper's JSON-LD document (empty for anything else)."""
    if not document or "ScholarlyArticle" not in _types(document):
        return ""
    title = document.get("name") or ""
    authors = [str(a["name"]) for a in document.get("author", []) if isinstance(a, dict) and a.get("name")]
    year = document.get("publicationYear") or document.get("arxivYear")
    venue = document.get("publication") if isinstance(document.get("publication"), dict) else None
    arxiv = _first(_ARXIV, document.get("arxiv"), document.get("url"))
    openreview = _first(_OPENREVIEW, document.get("openreview"), document.get("url"))
    digest = _shorten(document.get("description") or "")
    tags: list[tuple[str, str, str]] = [("name", "citation_title", title)]
    tags += [("name", "citation_author", author) for author in authors]
    if year:
        tags.append(("name", "citation_publication_date", str(year)))
    if venue and (venue_name := venue.get("venueName") or venue.get("name")):
        kind = "citation_journal_title" if _JOURNAL.search(venue_name) else "citation_conference_title"
        tags.append(("name", kind, venue_name))
    if arxiv:
        tags += [("name", "citation_arxiv_id", arxiv), ("name", "citation_doi", f"10.48550/arXiv.{arxiv}"),
                 ("name", "citation_pdf_url", f"https://arxiv.org/pdf/{arxiv}")]
    elif openreview:
        tags.append(("name", "citation_pdf_url", f"https://openreview.net/pdf?id={openreview}"))
    tags.append(("name", "DC.title", title))
    tags += [("name", "DC.creator", author) for author in authors]
    if year:
        tags.append(("name", "DC.date", str(year)))
    if arxiv:
        tags.append(("name", "DC.identifier", f"doi:10.48550/arXiv.{arxiv}"))
    tags += [("property", "og:type", "article"), ("property", "og:title", title),
             ("property", "og:url", document.get("@id", "")), ("property", "og:site_name", "phenkg")]
    if digest:
        tags += [("name", "description", digest), ("property", "og:description", digest)]
    # DCMI's convention: the DC.* names are declared as Dublin Core elements by a schema.DC link
    return '<link rel="schema.DC" href="http://purl.org/dc/elements/1.1/">' + "".join(
        f'<meta {kind}="{name}" content="{escape(value, quote=True)}">' for kind, name, value in tags if value)


def page_meta(title: str, url: str, description: str = "", kind: str = "website") -> str:
    """What every page carries: its canonical link, OpenGraph for link previews, and a description."""
    tags = [("property", "og:type", kind), ("property", "og:title", title), ("property", "og:url", url),
            ("property", "og:site_name", "phenkg")]
    if digest := _shorten(description):
        tags += [("name", "description", digest), ("property", "og:description", digest)]
    return canonical(url) + "".join(f'<meta {attr}="{name}" content="{escape(value, quote=True)}">'
                                    for attr, name, value in tags if value)


def canonical(url: str) -> str:
    return f'<link rel="canonical" href="{escape(url, quote=True)}">' if url else ""


def entity_meta(document: dict[str, Any] | None, title: str, url: str) -> str:
    """The tags of an entity's page: a paper's (Highwire, DC, OpenGraph), else OpenGraph; a canonical link."""
    tags = paper_meta(document)
    if tags:
        return canonical(url) + tags
    description = document.get("description") if document else None
    return page_meta(title, url, description if isinstance(description, str) else "")


def _types(document: dict[str, Any]) -> list[str]:
    kinds = document.get("@type", [])
    return [kinds] if isinstance(kinds, str) else list(kinds)


def _first(pattern: re.Pattern, *urls: Any) -> str | None:
    for url in urls:
        if isinstance(url, str) and (found := pattern.match(url)):
            return found[1]
    return None


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION else text[:DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"

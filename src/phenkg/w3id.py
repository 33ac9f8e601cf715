"""The w3id.org redirect rules of a site: the `.htaccess` a pull request to perma-id/w3id.org adds.

w3id.org is an Apache server; each project is a folder holding an `.htaccess` of mod_rewrite rules
whose patterns match the path below the folder. These rules are a fixed set, however many entities
the site has: every IRI under the base is sent to the file the static site holds for it, chosen by
the Accept header (303 See Other, as w3id's conventions and the Cool URIs note ask for an IRI that
names a thing rather than a document):

    {base}paper/x     Accept text/html (or anything else)  -> {site}paper/x.html
                      text/turtle / application/ld+json / application/n-triples / application/rdf+xml
                                                           -> {site}paper/x.ttl / .jsonld / .nt / .rdf
    {base}paper/x.ttl (a file of the site)                 -> {site}paper/x.ttl
    {base}ontology, {base}ontology#Term, {base}ontology/VERSION -> {site}ontology.html (.ttl, ...)
    {base}dist/..., {base}static/...                       -> the same path on the site
    {base}                                                 -> the home page, or the dataset's description

Like every w3id rule set, a type is chosen by whether the header names it, not by q-values; HTML
wins unless an RDF type is named before text/html (as clients that prefer RDF write it).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from phenkg.formats import CFF, CITATIONS, HTML, JSONLD, NTRIPLES, RDFXML, TURTLE

# media type (as a mod_rewrite pattern) -> the extension of the file the site holds
RDF_TYPES = tuple((f, re.escape(f.media_type)) for f in (TURTLE, JSONLD, NTRIPLES, RDFXML))
HTML_TYPES = "|".join(re.escape(name) for name in (HTML.media_type, *HTML.aliases))
PREFERS_RDF = "(" + "|".join(pattern for _, pattern in RDF_TYPES) + f").*({HTML_TYPES})"
AS_THEY_ARE = r"sitemap\.xml|robots\.txt|favicon\.ico|context\.jsonld"
FILE_EXTENSIONS = "|".join(re.escape(f.extension) for f in (HTML, *(f for f, _ in RDF_TYPES), *CITATIONS.values(), CFF))


def folder(base: str) -> str:
    """The w3id.org folder of a base: 'https://w3id.org/phenkg/' -> 'phenkg'."""
    return urlsplit(base).path.strip("/")


def htaccess(base: str, site: str) -> bytes:
    """The rules for the folder of `base`, sending its IRIs to the static site at `site` (ends in '/')."""
    site = site if site.endswith("/") else site + "/"
    lines = [f"# w3id.org/{folder(base)}: the IRIs of phenkg's linked data, redirected to the static site",
             f"# {site} (written by `phenkg site`; the same rules whatever the number of entities)",
             "Options +FollowSymLinks", "Options -MultiViews", "Header set Access-Control-Allow-Origin *",
             "RewriteEngine on", ""]

    def negotiated(pattern: str, target: str, rdf_target: str, note: str) -> list[str]:
        """HTML unless an RDF type is named before text/html; each RDF type its file; else HTML."""
        out = [f"# {note}", f"RewriteCond %{{HTTP_ACCEPT}} !{PREFERS_RDF}",
               f"RewriteCond %{{HTTP_ACCEPT}} {HTML_TYPES}",
               f"RewriteRule {pattern} {site}{target.format(ext=HTML.extension)} [R=303,L]"]
        for fmt, media in RDF_TYPES:
            out += [f"RewriteCond %{{HTTP_ACCEPT}} {media}",
                    f"RewriteRule {pattern} {site}{rdf_target.format(ext=fmt.extension)} [R=303,L]"]
        return [*out, f"RewriteRule {pattern} {site}{target.format(ext=HTML.extension)} [R=303,L]", ""]

    lines += negotiated("^$", "", "dataset.{ext}", "the base: the home page, or the dataset's description")
    lines += negotiated("^ontology(/.*)?$", "ontology.{ext}", "ontology.{ext}",
                        "the ontology, its terms (ontology#Term reaches the server as ontology) and its versions")
    lines += ["# files as they are: the dumps, the page assets, and any file of the site named with its extension",
              f"RewriteRule ^((dist|static)/.+|{AS_THEY_ARE})$ {site}$1 [R=302,L]",
              f"RewriteRule ^(.+)\\.({FILE_EXTENSIONS})$ {site}$1.$2 [R=302,L]",
              "# the named graph of the quad dumps is the dataset; the endpoint of a static site is its query page",
              f"RewriteRule ^graph$ {site}void.html [R=303,L]", f"RewriteRule ^sparql$ {site}query.html [R=303,L]", ""]
    lines += negotiated("^(.+)$", "$1.{ext}", "$1.{ext}", "every other IRI: an entity (paper/x, author/y, ...) "
                        "or a page (topics, void, ...)")
    return ("\n".join(lines).rstrip() + "\n").encode()


def site_htaccess() -> bytes:
    """For a site hosted on Apache itself: the media types of its files, and its 404 page."""
    types = "\n".join(f"AddType {f.media_type} .{f.extension}" for f in (TURTLE, JSONLD, NTRIPLES, RDFXML))
    return (f"# the site's files with their media types (Apache; GitHub Pages knows them)\n{types}\n"
            "AddCharset utf-8 .html .ttl .jsonld .nt .rdf\nErrorDocument 404 /404.html\n").encode()


def readme(base: str, site: str) -> bytes:
    name = folder(base)
    return (f"# w3id.org/{name}\n\nThe `.htaccess` beside this file redirects every IRI under {base} to the "
            f"static site at {site},\nby content negotiation. To publish it, copy it to `{name}/.htaccess` in a "
            "fork of\nhttps://github.com/perma-id/w3id.org and open a pull request (see docs/publishing.md).\n"
            ).encode()

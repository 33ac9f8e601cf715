"""The pages a reader browses by: the home page (the dataset's summary) and one list per kind
(topics, keywords, authors, venues, years, code repositories), each entry linking to its entity page
with the number of its papers; the years page lists the papers under each year with their venue.

The same functions render the server's pages and the static site's (phenkg.serve.site), over a store,
with the links of a `pages.Links`.
"""

from __future__ import annotations

from html import escape

from phenkg.serve.pages import Describer, iri_link, page, paper_list
from phenkg.vocab import DCTERMS, PHENKG, SCHEMA

# path -> (title, class, the predicate linking a paper to it, or None for years and repositories)
LISTS = {
    "topics": ("Topics", PHENKG + "Topic", SCHEMA + "about"),
    "keywords": ("Keywords", PHENKG + "Keyword", SCHEMA + "keywords"),
    "authors": ("Authors", PHENKG + "Author", SCHEMA + "author"),
    "venues": ("Venues", PHENKG + "Venue", SCHEMA + "publication"),
    "repositories": ("Code repositories", PHENKG + "CodeRepository", PHENKG + "code"),
}
PAGES = ("years", *LISTS)
YEAR = ("COALESCE(?published, ?arxiv, ?listed)", f"OPTIONAL {{ ?p <{PHENKG}publicationYear> ?published }} "
        f"OPTIONAL {{ ?p <{PHENKG}arxivYear> ?arxiv }} OPTIONAL {{ ?p <{PHENKG}listYear> ?listed }}")


def counted(describer: Describer, cls: str, predicate: str) -> list[tuple[str, str, int]]:
    """(IRI, label, number of papers) of every entity of a class, in the list's order for topics and
    by label for the others."""
    order = f"OPTIONAL {{ ?e <{PHENKG}order> ?order }}" if cls == PHENKG + "Topic" else ""
    rows = describer.store.query(
        f"SELECT ?e (SAMPLE(?name) AS ?label) (COUNT(DISTINCT ?p) AS ?n) (SAMPLE(?order) AS ?o) WHERE {{ "
        f"?e a <{cls}> . OPTIONAL {{ ?e <{SCHEMA}name> ?name }} {order} "
        f"OPTIONAL {{ ?p <{predicate}> ?e . ?p a <{PHENKG}Paper> }} }} GROUP BY ?e")
    found = [(row["e"].value, row["label"].value if row["label"] else describer.iris.relative(row["e"].value) or "",
              int(row["n"].value), int(row["o"].value) if row["o"] else 0) for row in rows]
    found.sort(key=lambda f: (f[3], f[1].lower(), f[0]))
    return [(iri, label, n) for iri, label, n, _ in found]


def list_page(describer: Describer, name: str) -> bytes:
    if name == "years":
        return years_page(describer)
    title, cls, predicate = LISTS[name]
    entries = counted(describer, cls, predicate)
    items = "".join(f"<li>{iri_link(iri, label, describer.base, describer.links)}"
                    f' <span class="meta">{n:,} paper{"s" * (n != 1)}</span></li>' for iri, label, n in entries)
    body = f'<h1>{escape(title)} ({len(entries):,})</h1><ul class="browse">{items}</ul>'
    return page(title, body, links=describer.links)


def years(describer: Describer) -> dict[str, list[str]]:
    """Papers by year (the year published, else on arXiv, else the list's), newest year first."""
    rows = describer.store.query(f"SELECT ?p ({YEAR[0]} AS ?y) WHERE {{ ?p a <{PHENKG}Paper> {YEAR[1]} }}")
    by_year: dict[str, list[str]] = {}
    for row in rows:
        by_year.setdefault(row["y"].value if row["y"] else "no year", []).append(row["p"].value)
    return dict(sorted(by_year.items(), key=lambda kv: (-int(kv[0]) if kv[0].isdigit() else 1)))


def years_page(describer: Describer) -> bytes:
    found = years(describer)
    index = " · ".join(f'<a href="#y{escape(y)}">{escape(y)}</a> ({len(p)})' for y, p in found.items())
    sections = "".join(f'<h2 id="y{escape(y)}">{escape(y)} ({len(papers):,})</h2>{paper_list(papers, describer)}'
                       for y, papers in found.items())
    return page("Years", f'<h1>Papers by year</h1><p class="index">{index}</p>{sections}', links=describer.links)


def home_page(describer: Describer, dataset: dict | None = None, charts: str = "") -> bytes:
    """The dataset's summary: what it holds, where it comes from, how to browse, query and download it."""
    from phenkg.markup import link

    links = describer.links
    counts = []
    for name, (title, cls, _) in LISTS.items():
        n = next(iter(describer.store.query(f"SELECT (COUNT(?e) AS ?n) WHERE {{ ?e a <{cls}> }}")))["n"].value
        counts.append(f'<li><a href="{escape(links.page(name), quote=True)}">{escape(title)}</a>: {int(n):,}</li>')
    papers = next(iter(describer.store.query(f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a <{PHENKG}Paper> }}")))["n"]
    sources = describer.store.query(f"SELECT ?s ?name ?up ?date WHERE {{ ?s a <{PHENKG}SourceList> "
                                    f"OPTIONAL {{ ?s <{SCHEMA}name> ?name }} OPTIONAL {{ ?s <{DCTERMS}source> ?up }} "
                                    f"OPTIONAL {{ ?s <{DCTERMS}date> ?date }} }}")
    source_items = "".join(
        f"<li>{iri_link(row['s'].value, row['name'].value if row['name'] else 'the list', describer.base, links)}"
        + (f" ({link(row['up'].value, row['up'].value)})" if row["up"] else "")
        + (f", {escape(row['date'].value)}" if row["date"] else "") + "</li>" for row in sources)
    schemes = "".join(f'<li>{iri_link(describer.iris.scheme(s), label, describer.base, links)}</li>'
                      for s, label in (("topics", "the topic scheme (SKOS)"),
                                       ("keywords", "the keyword scheme (SKOS)")))
    from phenkg.serve.metadata import page_meta
    from phenkg.serve.query_page import dataset_script

    description = (dataset or {}).get("description") or "Papers on deep-learning phenomena as linked data"
    head = (page_meta("phenkg: papers on deep-learning phenomena", describer.base, str(description))
            + dataset_script(dataset))
    body = (f"<h1>phenkg: papers on deep-learning phenomena</h1>"
            f"<p>A knowledge graph of {int(papers.value):,} papers, their authors, topics, keywords, venues and "
            f"code, as linked data: every entity has a page and an IRI that answers in HTML, Turtle, JSON-LD, "
            f"N-Triples and RDF/XML.</p>"
            f'<h2>Browse</h2><ul class="browse"><li><a href="{escape(links.page("years"), quote=True)}">Papers by year'
            f"</a>: {int(papers.value):,}</li>{''.join(counts)}{schemes}</ul>"
            f'<section class="charts">{charts}</section>'
            f"<h2>Source</h2><ul>{source_items}</ul>"
            f'<h2>Query and download</h2><ul><li><a href="{escape(links.page("query"), quote=True)}">Query with '
            f'SPARQL</a></li><li><a href="{escape(links.page("void"), quote=True)}">The dataset\'s description '
            f'(VoID and DCAT), with the downloads</a></li><li><a href="{escape(links.page("ontology"), quote=True)}">'
            f"The ontology</a> and <a href=\"{escape(links.page('shapes'), quote=True)}\">the SHACL shapes</a>"
            "</li></ul>")
    return page("Home", body, head, links)


__all__ = ["PAGES", "home_page", "list_page"]

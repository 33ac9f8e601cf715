"""Ontology graph -> one self-contained HTML page (no CDN, no JavaScript), the same bytes every time."""

from __future__ import annotations

from html import escape
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from phenkg import vocab
from phenkg.errors import PhenkgError
from phenkg.markup import link

PHENKG = Namespace(vocab.PHENKG)

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #222; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2.5rem; }
section.term { border-left: 3px solid #4a7; padding: 0.2rem 1rem; margin: 1.2rem 0; }
section.term h3 { margin: 0.3rem 0; } code { background: #f3f3f3; padding: 0 0.2rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; } nav a { margin-right: 0.6rem; }
.meta { color: #555; }
"""


def curie(term: URIRef) -> str:
    return vocab.compact_iri(str(term))


def anchor(term: URIRef) -> str:
    """The fragment id of a phenkg term on the page: 'Paper', 'authorship'."""
    return str(term)[len(str(PHENKG)):]


def _term_html(graph: Graph, node: Node) -> str:
    if isinstance(node, BNode):
        members = graph.value(node, OWL.unionOf)
        if members is not None:
            return " or ".join(_term_html(graph, m) for m in Collection(graph, members))
        return "(anonymous)"
    if not isinstance(node, URIRef):  # a literal
        return escape(str(node))
    if str(node).startswith(str(PHENKG)):
        return f'<a href="#{escape(anchor(node))}"><code>{escape(curie(node))}</code></a>'
    return f"<code>{link(str(node), curie(node))}</code>"


def _text(graph: Graph, subject: Node, predicate: URIRef) -> str:
    value = graph.value(subject, predicate)
    return escape(str(value)) if value is not None else ""


def _terms(graph: Graph, *types: URIRef) -> list[URIRef]:
    found = {s for t in types for s in graph.subjects(RDF.type, t)
             if isinstance(s, URIRef) and str(s).startswith(str(PHENKG))}
    return sorted(found, key=lambda term: anchor(term).lower())


def _row(name: str, values: list[str]) -> str:
    return f"<dt>{name}</dt><dd>{', '.join(values)}</dd>" if values else ""


def _objects(graph: Graph, subject: Node, predicate: URIRef) -> list[str]:
    return [_term_html(graph, o) for o in sorted(graph.objects(subject, predicate), key=str)]


def _section(graph: Graph, term: URIRef, kind: str) -> str:
    types = sorted(curie(t) for t in graph.objects(term, RDF.type) if isinstance(t, URIRef))
    rows = [
        _row("IRI", [f"<code>{escape(str(term))}</code>"]),
        _row("Type", [f"<code>{escape(t)}</code>" for t in types]),
    ]
    if kind == "class":
        rows += [
            _row("Subclass of", _objects(graph, term, RDFS.subClassOf)),
            _row("Equivalent to", _objects(graph, term, OWL.equivalentClass)),
            _row("Domain of", [_term_html(graph, p) for p in _uses(graph, term, RDFS.domain)]),
            _row("Range of", [_term_html(graph, p) for p in _uses(graph, term, RDFS.range)]),
        ]
    else:
        rows += [
            _row("Domain", _objects(graph, term, RDFS.domain)),
            _row("Range", _objects(graph, term, RDFS.range)),
            _row("Subproperty of", _objects(graph, term, RDFS.subPropertyOf)),
            _row("Equivalent to", _objects(graph, term, OWL.equivalentProperty)),
            _row("Inverse of", _objects(graph, term, OWL.inverseOf)),
        ]
    return (
        f'<section class="term" id="{escape(anchor(term))}">\n'
        f'<h3>{_text(graph, term, RDFS.label) or escape(anchor(term))} '
        f'<a href="#{escape(anchor(term))}">#</a></h3>\n'
        f"<p>{_text(graph, term, RDFS.comment)}</p>\n"
        f"<dl>{''.join(rows)}</dl>\n</section>"
    )


def _uses(graph: Graph, cls: URIRef, predicate: URIRef) -> list[URIRef]:
    """Properties whose domain (or range) is `cls`, directly or as a member of an owl:unionOf."""
    found = set()
    for prop, value in graph.subject_objects(predicate):
        members = [value]
        if isinstance(value, BNode) and (union := graph.value(value, OWL.unionOf)) is not None:
            members = list(Collection(graph, union))
        if cls in members and isinstance(prop, URIRef):
            found.add(prop)
    return sorted(found, key=lambda p: anchor(p).lower() if str(p).startswith(str(PHENKG)) else str(p))


def render_html(ontology_graph: Graph) -> str:
    """A readable page listing every phenkg class and property with its label, comment,
    domain, range and alignments; each term has an anchor named after its local name."""
    graph = ontology_graph
    ontology = next(iter(sorted(graph.subjects(RDF.type, OWL.Ontology), key=str)), None)
    title = _text(graph, ontology, DCTERMS.title) if ontology is not None else "Ontology"
    classes = _terms(graph, OWL.Class, RDFS.Class)
    properties = _terms(graph, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
    meta = ""
    if ontology is not None:
        meta = "".join([
            _row("Ontology IRI", [f"<code>{escape(str(ontology))}</code>"]),
            _row("Version IRI", _objects(graph, ontology, OWL.versionIRI)),
            _row("Version", [_text(graph, ontology, OWL.versionInfo)]),
            _row("Created", [_text(graph, ontology, DCTERMS.created)]),
            _row("Modified", [_text(graph, ontology, DCTERMS.modified)]),
            _row("Creator", _objects(graph, ontology, DCTERMS.creator)),
            _row("Publisher", _objects(graph, ontology, DCTERMS.publisher)),
            _row("Licence", _objects(graph, ontology, DCTERMS.license)),
            _row("Cite as", _objects(graph, ontology, DCTERMS.bibliographicCitation)),
            _row("Namespace", [f"<code>{escape(str(PHENKG))}</code> (prefix <code>phenkg:</code>)"]),
        ])
    description = _text(graph, ontology, DCTERMS.description) if ontology is not None else ""

    def toc(terms: list[URIRef]) -> str:
        return " ".join(f'<a href="#{escape(anchor(t))}">{escape(anchor(t))}</a>' for t in terms)

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        _preview(title, str(ontology) if ontology is not None else "", description),
        f"<style>{STYLE}</style></head>",
        "<body>",
        f"<h1>{title}</h1>",
        f'<p class="meta">{description}</p>',
        f"<dl>{meta}</dl>",
        f'<nav><p><strong>Classes:</strong> {toc(classes)}</p>',
        f"<p><strong>Properties:</strong> {toc(properties)}</p></nav>",
        '<h2 id="classes">Classes</h2>',
        *(_section(graph, c, "class") for c in classes),
        '<h2 id="properties">Properties</h2>',
        *(_section(graph, p, "property") for p in properties),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _preview(title: str, iri: str, description: str) -> str:
    """The canonical link and OpenGraph tags every phenkg page carries (title and description are
    already escaped)."""
    if not iri:
        return ""
    url = escape(iri, quote=True)
    return (f'<link rel="canonical" href="{url}"><meta property="og:type" content="website">'
            f'<meta property="og:title" content="{title}"><meta property="og:url" content="{url}">'
            f'<meta property="og:site_name" content="phenkg"><meta name="description" content="{description}">'
            f'<meta property="og:description" content="{description}">')


def ontology_text(ontology_path: Path | None = None) -> str | None:
    """The ontology's Turtle: of `ontology_path` (the CLI's `--ontology`), else the shipped one (None if
    this installation has none)."""
    from phenkg import resources

    if ontology_path is None:
        shipped = resources.ontology_file()
        return shipped.read_text(encoding="utf-8") if shipped is not None else None
    if not Path(ontology_path).is_file():
        raise PhenkgError("no such ontology file", path=str(ontology_path), hint="pass --ontology a Turtle file")
    return Path(ontology_path).read_text(encoding="utf-8")


def ontology_files(ontology_path: Path | None = None) -> dict[str, bytes]:
    """What `phenkg build` publishes of the ontology: the Turtle as is, and its HTML documentation."""
    text = ontology_text(ontology_path)
    if text is None:
        return {}
    html = render_html(Graph().parse(data=text, format="turtle"))
    return {"ontology.ttl": text.encode(), "ontology.html": html.encode()}

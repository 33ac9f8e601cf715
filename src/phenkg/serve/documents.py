"""The fixed documents: /ontology, /shapes, /context.jsonld, /void and the service description.

Each is read or built once, when the app is created, from files of this repository and the store;
none is ever read from a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from phenkg.formats import HTML, TURTLE, W3C_FORMATS, Format
from phenkg.serve import negotiate as nego
from phenkg.serve.http import HttpError, Response
from phenkg.serve.metadata import page_meta
from phenkg.serve.pages import SERVER, Links, nav, page
from phenkg.serve.results import serialize
from phenkg.vocab import DCAT, DCTERMS, OWL, PHENKG, PREFIXES, RDF, SCHEMA, SKOS, VOID, XSD, Iris

SD = "http://www.w3.org/ns/sparql-service-description#"
DOC_FORMATS = nego.GRAPH            # the documents' RDF formats
RESULT_FORMATS = (*nego.RESULTS, *nego.GRAPH)   # what /sparql answers in, as the service description lists


def parse_turtle(text: str) -> list:
    """Triples of a Turtle text this repository ships or this module builds (never a request's)."""
    import pyoxigraph
    return [q.triple for q in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.TURTLE)]


def rdf_response(triples: list, accept: str | None, fmt: str | None,
                 offers: tuple[Format, ...] = DOC_FORMATS, *, title: str | None = None, url: str = "",
                 head: str = "") -> Response:
    """The triples in the negotiated format; with a `title`, a browser gets them as a page too (whose
    canonical address is `url`, with `head` added to its head)."""
    chosen = nego.negotiate((*offers, HTML) if title else offers, accept, fmt)
    if chosen is HTML:
        page_bytes = turtle_page(title or "", triples, offers, url, head)
        return Response(200, page_bytes, HTML.media_type, [("Vary", "Accept")])
    return Response(200, serialize(triples, chosen.name), chosen.media_type, [("Vary", "Accept")])


def turtle_page(title: str, triples: list, offers: tuple[Format, ...], url: str = "", head: str = "", *,
                links: Links = SERVER, files: str | None = None) -> bytes:
    """An RDF document for a browser: its Turtle, with links to every format it is offered in (as
    `?format=`, or as the files `{files}.{extension}` of a static site); its canonical address is `url`."""
    hrefs = [f"?format={f.name}" if files is None else links.file(f"{files}.{f.extension}") for f in offers]
    also = ", ".join(f'<a href="{escape(h, quote=True)}">{escape(f.media_type)}</a>'
                     for f, h in zip(offers, hrefs, strict=True))
    turtle = serialize(triples, TURTLE.name).decode("utf-8")
    return page(title, f"<h1>{escape(title)}</h1><p>Also as {also}.</p><pre>{escape(turtle)}</pre>",
                (page_meta(title, url) if url else "") + head, links=links)


OWL_VERSION_IRI = OWL + "versionIRI"


@dataclass
class Documents:
    ontology: list
    ontology_html: bytes | None
    shapes: list
    context: bytes
    void: list

    def void_store(self):
        """The dataset's description as a store, so its partitions and distributions have pages as
        every entity has (phenkg.serve.pages.Describer over it)."""
        import pyoxigraph
        store = pyoxigraph.Store()
        store.extend([pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in self.void])
        return store

    def is_ontology_path(self, path: str) -> bool:
        """/ontology, and the path its owl:versionIRI names under the ontology IRI (/ontology/0.2.0), so
        that the version IRI dereferences on the server that answers for the ontology IRI."""
        if path == "/ontology":
            return True
        for triple in self.ontology:
            if triple.predicate.value == OWL_VERSION_IRI:
                ontology, version = triple.subject.value, triple.object.value
                if version.startswith(ontology + "/") and path == "/ontology" + version[len(ontology):]:
                    return True
        return False

    def ontology_response(self, accept: str | None, fmt: str | None) -> Response:
        if not self.ontology:
            raise HttpError(404, "this installation has no ontology (phenkg.ttl)")
        offers = (*DOC_FORMATS, HTML) if self.ontology_html else DOC_FORMATS
        chosen = nego.negotiate(offers, accept, fmt)
        if chosen is HTML:
            return Response(200, with_nav(self.ontology_html or b""), HTML.media_type, [("Vary", "Accept")])
        return rdf_response(self.ontology, None, chosen.name, offers)


def with_nav(html: bytes, links: Links = SERVER) -> bytes:
    """A whole page rendered elsewhere (the ontology's) with this site's navigation bar and style."""
    head = f'<link rel="stylesheet" href="{links.file("static/style.css")}"></head>'.encode()
    return html.replace(b"</head>", head, 1).replace(b"<body>", b"<body>" + nav(links).encode(), 1)


def load_documents(store, base: str, shapes=None, ontology: Path | None = None, built: Path | None = None
                   ) -> Documents:
    """The documents over `store`: the shipped ontology and shapes, or the files the CLI's `--ontology`
    and `--shapes` name (`shapes` as `phenkg.validate.shape_files` takes it). From a `built` dist/, the
    dataset description is its void.ttl and the ontology its ontology.ttl and .html (nothing is
    scanned or rendered at start); otherwise a minimal description is counted from the store."""
    from phenkg import resources
    from phenkg.ontodoc import ontology_text
    from phenkg.validate import shape_files

    text, html = None, None
    if ontology is None and built is not None and (built / "ontology.html").is_file():
        text = (built / "ontology.ttl").read_text(encoding="utf-8")
        html = (built / "ontology.html").read_bytes()
    else:
        text = ontology_text(ontology)
    ontology_triples = []
    if text is not None:
        ontology_triples = parse_turtle(text)
    if text is not None and html is None:
        try:
            import rdflib

            from phenkg.ontodoc import render_html
            html = render_html(rdflib.Graph().parse(data=text, format="turtle")).encode()
        except ImportError:
            html = None
    shapes_triples = [t for f in shape_files(shapes) for t in parse_turtle(f.read_text(encoding="utf-8"))]
    context_file = resources.context_file()
    if context_file.is_file():
        context = context_file.read_bytes()
    else:
        context = json.dumps({"@context": dict(PREFIXES)}, indent=1).encode()
    void = built / "void.ttl" if built is not None else None
    described = (parse_turtle(void.read_text(encoding="utf-8")) if void is not None and void.is_file()
                 else void_triples(store, base))
    return Documents(ontology_triples, html, shapes_triples, context, described)


def void_triples(store, base: str) -> list:
    """A minimal VoID description built from the store: size, classes, source and examples."""
    iris = Iris(base)
    dataset = f"<{iris.dataset}>"
    lines = [f"{dataset} a <{VOID}Dataset>, <{DCAT}Dataset> ;",
             f'  <{DCTERMS}title> "phenkg: papers on deep-learning phenomena" ;',
             f"  <{VOID}uriSpace> \"{iris.base}\" ;",
             f"  <{VOID}vocabulary> <{PHENKG}>, <{SCHEMA}>, <{SKOS}> ;",
             f"  <{VOID}triples> {len(store)} ;"]
    counts = store.query("SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } "
                         "GROUP BY ?class ORDER BY ?class")
    for row in counts:
        lines.append(f"  <{VOID}classPartition> [ <{VOID}class> <{row['class'].value}> ; "
                     f"<{VOID}entities> {row['n'].value} ] ;")
    for row in store.query(f"SELECT ?src ?up WHERE {{ ?src a <{PHENKG}SourceList> . "
                           f"OPTIONAL {{ ?src <{DCTERMS}source> ?up }} }}"):
        lines.append(f"  <{DCTERMS}source> <{row['src'].value}> ;")
        if row["up"] is not None:
            lines.append(f"  <{DCTERMS}source> <{row['up'].value}> ;")
    for row in store.query(f"SELECT ?p WHERE {{ ?p a <{PHENKG}Paper> }} ORDER BY ?p LIMIT 1"):
        lines.append(f"  <{VOID}exampleResource> <{row['p'].value}> ;")
    lines.append(f"  <{VOID}sparqlEndpoint> <{iris.sparql}> .")
    return parse_turtle("\n".join(lines))


def service_description(endpoint: str, triples: int) -> list:
    """The SPARQL service description, built as terms: the endpoint URL is never parsed as Turtle."""
    from pyoxigraph import BlankNode, Literal, NamedNode, Triple

    service, dataset, graph = NamedNode(endpoint), BlankNode(), BlankNode()
    a = NamedNode(RDF + "type")
    out = [Triple(service, a, NamedNode(SD + "Service")),
           Triple(service, NamedNode(SD + "endpoint"), service),
           Triple(service, NamedNode(SD + "supportedLanguage"), NamedNode(SD + "SPARQL11Query"))]
    out += [Triple(service, NamedNode(SD + "resultFormat"), NamedNode(W3C_FORMATS + f.w3c))
            for f in RESULT_FORMATS if f.w3c]
    return [*out, Triple(service, NamedNode(SD + "defaultDataset"), dataset),
            Triple(dataset, a, NamedNode(SD + "Dataset")),
            Triple(dataset, NamedNode(SD + "defaultGraph"), graph),
            Triple(graph, a, NamedNode(SD + "Graph")),
            Triple(graph, NamedNode(VOID + "triples"), Literal(str(triples), datatype=NamedNode(XSD + "integer")))]

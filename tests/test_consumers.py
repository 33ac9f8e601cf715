"""What metadata consumers read (issue 16), checked with the consumers' own rules and tools:
Zotero's Embedded Metadata reading order, extruct (what crawlers extract), the schema.org vocabulary
release, pyld as a JSON-LD 1.0 processor and jsonld.js, and owlready2 for the ontology. No network:
every JSON-LD processor gets a document loader that refuses it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from phenkg.jsonld import context, paper_document
from phenkg.serve import call
from phenkg.vocab import Iris

from .conftest import BASE, DATA, ROOT
from .test_metadata import Scripts
from .test_serve_support import app_over_seed

SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TERMS = ROOT / "tests" / "data" / "schemaorg" / "terms.json"
FRAME = ROOT / "src" / "phenkg" / "resources" / "frames" / "paper.jsonld"
JS = ROOT / "tests" / "js"
needs_node = pytest.mark.skipif(shutil.which("node") is None or not (ROOT / "node_modules" / "jsonld").is_dir(),
                                reason="needs node and the npm packages (scripts/setup)")
MAE = "arxiv-2111.06377"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with app_over_seed(tmp_path_factory.mktemp("consumers")) as app:
        yield app


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "dist"
    subprocess.run([sys.executable, "-m", "phenkg.cli", "build", "--data", str(DATA), "--out", str(out)],
                   check=True, capture_output=True)
    return out


def html(app, path: str) -> str:
    status, _, body = call(app, path, "text/html")
    assert status == 200, path
    return body.decode("utf-8")


def sample_pages(catalog) -> list[str]:
    """One page of each kind of entity, and the fixed pages."""
    keys = catalog.keys
    paper = next(p for p in catalog.papers if p.key == MAE)
    venue = next(iter(keys.venues))
    return [f"/paper/{MAE}", f"/author/{keys.authors[paper.authors[0]]}", f"/topic/{catalog.topics[0].key}",
            f"/keyword/{keys.keywords[paper.keywords[0]]}", f"/venue/{venue}",
            f"/repo/{next(iter(keys.repos.values()))}",
            "/scheme/topics", f"/authorship/{MAE}/1", f"/listing/{MAE}/1"]


# -- (a) Zotero's Embedded Metadata translator, and extruct -------------------------------------------
class Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.metas: list[tuple[str, str]] = []
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "meta" and "content" in found:
            self.metas.append(((found.get("name") or found.get("property") or "").lower(), found["content"] or ""))
        elif tag == "link":
            self.links.append((found.get("rel") or "", found.get("href") or ""))

    def all(self, *names: str) -> list[str]:
        return [value for key, value in self.metas if key in names]


def zotero_item(page: str) -> dict:
    """The fields Zotero's Embedded Metadata translator takes, in its order: Highwire Press
    (citation_*) first, then Dublin Core (DC.*), then OpenGraph (og:*) for what is still missing."""
    head = Head()
    head.feed(page)
    item = {"title": (head.all("citation_title") or head.all("dc.title") or head.all("og:title") or [None])[0],
            "creators": head.all("citation_author") or head.all("dc.creator"),
            "date": (head.all("citation_publication_date", "citation_date") or head.all("dc.date") or [None])[0],
            "venue": (head.all("citation_conference_title", "citation_journal_title") or [None])[0],
            "doi": (head.all("citation_doi") or [None])[0]}
    item["itemType"] = ("conferencePaper" if head.all("citation_conference_title")
                        else "journalArticle" if head.all("citation_journal_title")
                        else "webpage" if not head.all("citation_title") else "preprint")
    return item


def test_zotero_reads_title_authors_in_order_date_and_venue(app, catalog):
    paper = next(p for p in catalog.papers if p.key == MAE)
    item = zotero_item(html(app, f"/paper/{MAE}"))
    assert item == {"title": paper.title, "creators": paper.authors, "date": "2022", "venue": "CVPR",
                    "doi": "10.48550/arXiv.2111.06377", "itemType": "conferencePaper"}


def test_without_highwire_zotero_falls_back_to_dublin_core_with_the_same_answer(app, catalog):
    page = html(app, f"/paper/{MAE}")
    item = zotero_item(_drop_tags(page, "citation_"))
    paper = next(p for p in catalog.papers if p.key == MAE)
    assert (item["title"], item["creators"], item["date"]) == (paper.title, paper.authors, "2022")


def _drop_tags(page: str, prefix: str) -> str:
    return re.sub(rf'<meta name="{prefix}[^"]*" content="[^"]*">', "", page)


def test_extruct_finds_json_ld_opengraph_and_dublin_core(app, catalog):
    import extruct

    url = f"{BASE}paper/{MAE}"
    found = extruct.extract(html(app, f"/paper/{MAE}"), base_url=url,
                            syntaxes=["json-ld", "opengraph", "dublincore"], uniform=True)
    [article] = [d for d in found["json-ld"] if "ScholarlyArticle" in d.get("@type", [])]
    assert article["@id"] == url
    [og] = found["opengraph"]
    assert og["og:url"] == url
    assert og["@type"] == "article"
    [dc] = found["dublincore"]
    paper = next(p for p in catalog.papers if p.key == MAE)
    assert [e["content"] for e in dc["elements"] if e["name"] == "DC.title"] == [paper.title]
    assert [e["content"] for e in dc["elements"] if e["name"] == "DC.creator"] == paper.authors


def test_every_page_has_open_graph_and_a_canonical_link(app, catalog):
    for path in [*sample_pages(catalog), "/", "/void", "/shapes", "/ontology"]:
        head = Head()
        head.feed(html(app, path))
        canonical = [href for rel, href in head.links if rel == "canonical"]
        want = "https://w3id.org/phenkg/ontology" if path == "/ontology" else Iris(BASE).at_path(path)
        assert canonical == [want], path
        assert head.all("og:url") == [want], path
        assert head.all("og:title"), path
        assert head.all("og:site_name") == ["phenkg"], path


# -- (b) the schema.org vocabulary release ---------------------------------------------------------
def _graph_of(docs: list[dict]):
    """The triples of JSON-LD documents (pyld, offline), as (s, p, o) of IRIs or literal values."""
    from pyld import jsonld

    triples = set()
    for doc in docs:
        dataset = jsonld.to_rdf(doc, {"documentLoader": refuse})
        for quad in dataset["@default"]:
            triples.add((quad["subject"]["value"], quad["predicate"]["value"], quad["object"]["value"]))
    return triples


def refuse(url, options=None):
    from pyld.jsonld import JsonLdError
    raise JsonLdError(f"refused to load {url}", "jsonld.LoadDocumentError", code="loading document failed")


def test_every_schema_org_term_exists_and_is_used_in_its_domain(app, catalog, dist):
    """Every schema.org property and class in the dump, the dataset description and the pages' JSON-LD is
    in the schema.org release (tests/data/schemaorg/terms.json, extracted by scripts/schemaorg_subset.py),
    and each property's subject has a type in its domain (subclasses count; phenkg classes count as the
    schema.org classes the ontology says they are subclasses of)."""
    import rdflib

    terms = json.loads(TERMS.read_text(encoding="utf-8"))
    classes, properties = terms["classes"], terms["properties"]
    triples = {(str(s), str(p), str(o)) for s, p, o in rdflib.Graph().parse(dist / "phenkg.nt", format="nt")}
    pages = [json.loads(block) for path in [*sample_pages(catalog), "/"] for block in _blocks(html(app, path))]
    triples |= _graph_of([json.loads((dist / "dataset.jsonld").read_text(encoding="utf-8")), *pages])
    ontology = rdflib.Graph().parse(ROOT / "ontology" / "phenkg.ttl", format="turtle")
    aligned = {str(s): {str(o) for o in ontology.transitive_objects(s, rdflib.RDFS.subClassOf)}
               for s in ontology.subjects(rdflib.RDF.type, rdflib.OWL.Class)}
    types: dict[str, set[str]] = {}
    for s, p, o in triples:
        if p == RDF_TYPE:
            for cls in aligned.get(o, {o}):
                if cls.startswith(SCHEMA):
                    local = cls.removeprefix(SCHEMA)
                    assert local in classes, f"schema:{local} is not in the extract: run scripts/schemaorg_subset.py"
                    types.setdefault(s, set()).update({local, *classes[local]})
    hint = "run scripts/schemaorg_subset.py; if it still lacks the term, schema.org has no such term"
    checked = 0
    for s, p, _ in triples:
        if not p.startswith(SCHEMA):
            continue
        name = p.removeprefix(SCHEMA)
        assert name in properties, f"schema:{name}: {hint}"
        assert types.get(s, set()) & set(properties[name]), f"<{s}> schema:{name}: its types {types.get(s)} " \
                                                              f"are not in the domain {properties[name]}"
        checked += 1
    assert checked > 4000
    used = {p.removeprefix(SCHEMA) for _, p, _ in triples if p.startswith(SCHEMA)}
    assert {"datePublished", "identifier", "sameAs", "inDefinedTermSet", "startDate"} <= used


def test_the_extract_matches_the_release_when_it_is_at_hand():
    """Where ../shared/vocab holds the release, the committed extract says what the release says."""
    import rdflib

    release = next((p for p in (ROOT.parent / "shared" / "vocab", ROOT.parent.parent / "shared" / "vocab")
                    if (p / "schemaorg-current-https.nt").is_file()), None)
    if release is None:
        pytest.skip("the schema.org release is not at ../shared/vocab")
    graph = rdflib.Graph().parse(release / "schemaorg-current-https.nt", format="nt")
    terms = json.loads(TERMS.read_text(encoding="utf-8"))
    for name, domain in terms["properties"].items():
        found = sorted(str(o).removeprefix(SCHEMA) for o in graph.objects(rdflib.URIRef(SCHEMA + name),
                                                                         rdflib.URIRef(SCHEMA + "domainIncludes")))
        assert found == domain, name
    for name, supers in terms["classes"].items():
        found = {str(o).removeprefix(SCHEMA) for o in graph.transitive_objects(rdflib.URIRef(SCHEMA + name),
                                                                               rdflib.RDFS.subClassOf)
                 if str(o).startswith(SCHEMA)} - {name}
        assert sorted(found) == supers, name


def _blocks(page: str) -> list[str]:
    parser = Scripts()
    parser.feed(page)
    return parser.blocks


def test_every_node_a_page_mentions_is_typed(app, catalog):
    for path in sample_pages(catalog):
        for block in _blocks(html(app, path)):
            doc = json.loads(block)
            untyped = [node["@id"] for node in _nodes(doc) if "@type" not in node]
            assert untyped == [], path


def _nodes(value):
    if isinstance(value, dict):
        if "@id" in value and len(value) > 1:
            yield value
        for key, inner in value.items():
            if key != "@context":
                yield from _nodes(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _nodes(inner)


# -- (c) JSON-LD 1.0 processors, offline ------------------------------------------------------------
def _nquads_10(doc: dict) -> set[str]:
    from pyld import jsonld

    out = jsonld.to_rdf(doc, {"processingMode": "json-ld-1.0", "documentLoader": refuse,
                              "format": "application/n-quads"})
    return set(out.splitlines())


def test_pyld_in_json_ld_1_0_mode_reads_the_dump_as_our_n_triples(dist):
    doc = json.loads((dist / "phenkg.jsonld").read_text(encoding="utf-8"))
    ours = set((dist / "phenkg.nt").read_text(encoding="utf-8").splitlines())
    assert _nquads_10(doc) == ours


def test_pyld_in_json_ld_1_0_mode_reads_the_pages_and_a_framed_paper(app, catalog, dist, store):
    ours = set((dist / "phenkg.nt").read_text(encoding="utf-8").splitlines())
    for path in sample_pages(catalog):
        for block in _blocks(html(app, path)):
            got = _nquads_10(json.loads(block))
            assert got, path
            assert got <= ours, path
    framed = paper_document(store, f"{BASE}paper/{MAE}", BASE)
    assert _nquads_10(framed) <= ours


def test_a_consumer_frames_one_paper_with_pyld_offline(dist, store):
    """What README shows: frame the dump with the shipped frame, the context's absolute IRI resolved to the
    published context (here from the package), anything else refused; the result is our paper document."""
    from pyld import jsonld

    published = {"@context": context()}

    def loader(url, options=None):
        if url == f"{BASE}context.jsonld":
            return {"contextUrl": None, "documentUrl": url, "document": published}
        return refuse(url)

    dump = json.loads((dist / "phenkg.jsonld").read_text(encoding="utf-8"))
    frame = json.loads(FRAME.read_text(encoding="utf-8"))
    framed = jsonld.frame(dump, {**frame, "@id": f"{BASE}paper/{MAE}"},
                          {"documentLoader": loader, "omitGraph": True})
    framed["@context"] = context()
    assert framed == paper_document(store, f"{BASE}paper/{MAE}", BASE)


@needs_node
def test_jsonld_js_in_json_ld_1_0_mode_reads_the_pages_and_a_framed_paper(app, catalog, dist, store, tmp_path):
    ours = set((dist / "phenkg.nt").read_text(encoding="utf-8").splitlines())
    docs = [json.loads(block) for path in sample_pages(catalog) for block in _blocks(html(app, path))]
    docs.append(paper_document(store, f"{BASE}paper/{MAE}", BASE))
    for i, doc in enumerate(docs):
        path = tmp_path / f"{i}.jsonld"
        path.write_text(json.dumps(doc), encoding="utf-8")
        run = subprocess.run(["node", str(JS / "jsonld_tordf.mjs"), str(path), "1.0"], capture_output=True,
                             text=True, check=False)
        assert run.returncode == 0, run.stderr[-2000:]
        got = set(run.stdout.splitlines())
        assert got, doc.get("@id")
        assert got <= ours, doc.get("@id")


@pytest.fixture(scope="module")
def store(dist):
    import pyoxigraph

    store = pyoxigraph.Store()
    store.bulk_load(path=str(dist / "phenkg.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


# -- (d) the ontology in an OWL tool ---------------------------------------------------------------
def test_the_ontology_loads_in_owlready2_without_punning_warnings():
    """owlready2 reports an entity of two kinds ("belongs to more than one entity types") on stderr and
    drops one of them; the ontology must give it nothing to fix."""
    code = f"""
import io, rdflib, owlready2
graph = rdflib.Graph().parse({str(ROOT / "ontology" / "phenkg.ttl")!r}, format="turtle")
nt = io.BytesIO(graph.serialize(format="nt", encoding="utf-8"))
onto = owlready2.World().get_ontology("https://w3id.org/phenkg/ontology").load(fileobj=nt, format="ntriples")
print(len(list(onto.classes())), len(list(onto.object_properties())), len(list(onto.data_properties())))
"""
    pytest.importorskip("owlready2")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "more than one entity types" not in run.stderr, run.stderr
    assert "WARNING" not in run.stderr, run.stderr
    import rdflib
    from rdflib.namespace import OWL, RDF

    declared = rdflib.Graph().parse(ROOT / "ontology" / "phenkg.ttl", format="turtle")
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    want = [len(set(declared.subjects(RDF.type, kind))) for kind in kinds]
    assert list(map(int, run.stdout.split())) == [want[0] - 2, want[1], want[2]]  # the two owl:unionOf classes



def test_the_ontology_is_self_described():
    import rdflib
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

    graph = rdflib.Graph().parse(ROOT / "ontology" / "phenkg.ttl", format="turtle")
    onto = rdflib.URIRef("https://w3id.org/phenkg/ontology")
    for predicate in (DCTERMS.creator, DCTERMS.publisher, DCTERMS.modified, DCTERMS.license,
                      DCTERMS.bibliographicCitation, OWL.versionIRI):
        assert graph.value(onto, predicate) is not None, predicate
    terms = {s for s in graph.subjects(RDF.type, None) if str(s).startswith(str(onto) + "#")}
    assert len(terms) == 34   # 31, and the three of `phenkg history`
    assert {t for t in terms if graph.value(t, RDFS.isDefinedBy) != onto} == set()
    assert not list(graph.subjects(RDFS.subPropertyOf, RDFS.seeAlso))


def test_the_version_iri_dereferences_and_the_page_shows_the_licence(app):
    import rdflib

    graph = rdflib.Graph().parse(ROOT / "ontology" / "phenkg.ttl", format="turtle")
    version = str(graph.value(rdflib.URIRef("https://w3id.org/phenkg/ontology"), rdflib.OWL.versionIRI))
    path = "/" + version.removeprefix(BASE)
    status, _headers, body = call(app, path, "text/turtle")
    assert status == 200, path
    assert version.encode() in body
    page = html(app, "/ontology")
    assert "Licence" in page
    assert "https://spdx.org/licenses/MIT" in page
    assert call(app, "/ontology/0.0.9", "text/turtle")[0] == 404


def test_the_readme_shows_how_to_frame_one_paper():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "frames/paper.jsonld" in readme
    assert "jsonld.frame" in readme


def test_the_void_page_embeds_the_dataset_too(dist):
    """Google Dataset Search reads the Dataset from any page: /void, the dataset's own page, has it with
    the home page."""
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "serve", "--dist", str(dist), "--get", "/void",
                           "--accept", "text/html"], capture_output=True, check=True)
    page = done.stdout.decode("utf-8")
    datasets = [doc for doc in map(json.loads, _blocks(page)) if doc.get("@type") == "Dataset"]
    assert datasets == [json.loads((dist / "dataset.jsonld").read_text(encoding="utf-8"))]
    head = Head()
    head.feed(page)
    assert [href for rel, href in head.links if rel == "canonical"] == [f"{BASE}void"]

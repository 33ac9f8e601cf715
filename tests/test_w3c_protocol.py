"""The W3C SPARQL 1.1 Protocol tests, run against a live endpoint on a loopback port.

The manifests are in tests/data/w3c (copied unchanged; see its LICENSE.md). A small runner reads
the manifest with rdflib and performs each HTTP request exactly as described. The endpoint serves the
tests' graphs (data1-3.nt under their kasei.us names, loaded from the local files, and the named but
never-loaded data0.rdf as an empty graph): the server itself never fetches a graph. Query tests must
pass; update tests (update_*, bad_update_*) must be refused with a 4xx.
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph
import pytest
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection

from phenkg.serve import Settings, running

from .conftest import ROOT

W3C = ROOT / "tests" / "data" / "w3c" / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

def manifest() -> tuple[Graph, list]:
    graph = Graph().parse(W3C / "manifest.ttl", format="turtle", publicID=W3C.as_uri() + "/manifest.ttl")
    root = next(graph.subjects(RDF.type, MF.Manifest))
    return graph, list(Collection(graph, graph.value(root, MF.entries)))


def cases() -> list:
    _, entries = manifest()
    return [pytest.param(str(e).rsplit("#", 1)[1], id=str(e).rsplit("#", 1)[1]) for e in entries]


def graph_names(graph: Graph) -> dict[str, Path | None]:
    """Every graph the tests name: loaded from its local file, or empty when none is given."""
    names: dict[str, Path | None] = {}
    for request in graph.subjects(RDF.type, HT.Request):
        query = parse_qs(urlsplit(str(graph.value(request, HT.absolutePath))).query)
        for key in ("default-graph-uri", "named-graph-uri"):
            for name in query.get(key, []):
                names.setdefault(name, None)
    for data in graph.objects(None, UT.graphData):
        file = Path(urlsplit(str(graph.value(data, UT.graph))).path).name
        names[str(graph.value(data, RDFS.label))] = W3C / file
    return names


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    graph, _ = manifest()
    path = tmp_path_factory.mktemp("w3c") / "store"
    store = pyoxigraph.Store(str(path))
    for name, file in graph_names(graph).items():
        store.add_graph(pyoxigraph.NamedNode(name))
        if file is not None:
            store.load(path=str(file), format=pyoxigraph.RdfFormat.N_TRIPLES,
                       to_graph=pyoxigraph.NamedNode(name))
    store.flush()
    del store
    reader = pyoxigraph.Store.read_only(str(path))
    graphs = frozenset(g.value for g in reader.named_graphs())
    del reader
    with running(path, Settings(graphs=graphs)) as url:
        yield graph, int(url.rsplit(":", 1)[1])


def perform(graph: Graph, request, port: int) -> tuple[int, str, bytes]:
    headers = {}
    listed = graph.value(request, HT.headers)
    for header in Collection(graph, listed) if listed is not None else []:
        headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    body = None
    if (content := graph.value(request, HT.body)) is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(str(graph.value(request, HT.methodName)),
                           str(graph.value(request, HT.absolutePath)), body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def check_format(expected: str, media_type: str, body: bytes, boolean) -> None:
    media_type = media_type.split(";", maxsplit=1)[0].strip()
    if expected in ("boolean", "tabular"):
        formats = {"application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
                   "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
                   "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV}
        if media_type == "text/csv" and expected == "tabular":
            assert body.decode().splitlines()
            return
        assert media_type in formats, media_type
        result = pyoxigraph.parse_query_results(body, format=formats[media_type])
        if boolean is not None:
            assert bool(result) is bool(boolean.toPython())
        elif expected == "tabular":
            list(result)
    else:
        assert expected == "RDF"
        rdf = pyoxigraph.RdfFormat.from_media_type(media_type)
        assert rdf is not None, media_type
        list(pyoxigraph.parse(body, format=rdf))


@pytest.mark.parametrize("name", cases())
def test_protocol(endpoint, name):
    graph, port = endpoint
    test = next(s for s in graph.subjects(RDF.type, MF.ProtocolTest) if str(s).endswith("#" + name))
    action = graph.value(test, MF.action)
    refused = name.startswith(("update_", "bad_update"))
    for request in Collection(graph, graph.value(action, HT.requests)):
        response = graph.value(request, HT.resp)
        status, media_type, body = perform(graph, request, port)
        if refused:
            assert 400 <= status < 500, (status, body[:300])
            if str(graph.value(request, HT.methodName)) == "POST":
                assert json.loads(body)["error"]["status"] == status
            return                       # the later requests check the update's effect: there is none
        classes = {str(c).removeprefix(HTS) for c in graph.objects(response, MF.expectedStatus)}
        assert f"{status // 100}xx" in classes, (status, classes, body[:300])
        if (expected := graph.value(response, MF.expectedFormat)) is not None and status < 300:
            check_format(str(expected), media_type, body, graph.value(response, MF.expectedBoolean))

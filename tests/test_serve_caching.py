"""HTTP caching on a live `phenkg serve`: an ETag from the dataset's version and the request, a
Cache-Control on pages, files and query results, 304 for a matching If-None-Match, errors uncached."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from phenkg.serve import caching

from .test_serve_support import live_server

pytestmark = pytest.mark.slow

QUERY = "/sparql?" + urlencode({"query": "SELECT ?p WHERE { ?p a <https://w3id.org/phenkg/ontology#Paper> } LIMIT 3"})


@pytest.fixture(scope="module")
def url():
    with live_server() as base_url:
        yield base_url


def fetch(url: str, accept: str = "text/html", if_none_match: str | None = None):
    request = urllib.request.Request(url, headers={"Accept": accept, **(
        {"If-None-Match": if_none_match} if if_none_match else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()    # names case-insensitive
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize(("path", "accept"), [
    ("/", "text/html"), ("/topics", "text/html"), ("/void", "text/turtle"),
    ("/static/style.css", "*/*"), (QUERY, "application/sparql-results+json"),
])
def test_answers_carry_an_etag_and_a_matching_request_gets_304(url, path, accept):
    status, headers, body = fetch(url + path, accept)
    assert status == 200
    assert body
    tag = headers["ETag"]
    assert headers["Cache-Control"] == caching.CACHE_CONTROL
    status, headers, body = fetch(url + path, accept, if_none_match=tag)
    assert status == 304
    assert body == b""
    assert headers["ETag"] == tag
    status, _, _ = fetch(url + path, accept, if_none_match=f'"other", W/{tag}')   # a list, a weak tag
    assert status == 304


def test_paper_etag_depends_on_the_representation(url):
    _status, _, body = fetch(url + QUERY, "application/sparql-results+json")
    paper = json.loads(body)["results"]["bindings"][0]["p"]["value"]
    path = "/" + paper.split("/phenkg/", 1)[1]
    tags = {accept: fetch(url + path, accept)[1]["ETag"] for accept in ("text/html", "text/turtle")}
    assert tags["text/html"] != tags["text/turtle"]
    assert fetch(url + path, "text/turtle", if_none_match=tags["text/html"])[0] == 200


def test_errors_are_not_cached(url):
    status, headers, _ = fetch(url + "/paper/no-such-paper", "application/json")
    assert status == 404
    assert headers["Cache-Control"] == "no-store"
    assert "ETag" not in headers


def test_the_version_follows_the_build_digest(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "store.json").write_text(json.dumps({"triples": 1, "graphs": [], "sha256": "a" * 64}))
    first = caching.dataset_version({"dist": str(dist)}, str(dist / "store"))
    (dist / "store.json").write_text(json.dumps({"triples": 1, "graphs": [], "sha256": "b" * 64}))
    assert caching.dataset_version({"dist": str(dist)}, str(dist / "store")) != first
    assert caching.etag(first, "/x", "text/html") != caching.etag(first, "/x", "text/turtle")

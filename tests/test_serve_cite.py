"""Citations negotiated on entity IRIs (issue 22), as doi.org does: each media type and `?format=` on a
paper and a topic, read back by the formats' readers; 406 lists every offered type; /CITATION.cff;
and once through a live server, whose sandboxed evaluators hold only the store."""

from __future__ import annotations

import json
import urllib.request

import pytest

from phenkg.serve import call

from .test_serve_support import app_over_seed, live_server

PAPER = "/paper/arxiv-2111.06377"          # Masked Autoencoders Are Scalable Vision Learners, CVPR 2022
TOPIC = "/topic/empirical-study"
CITATION_TYPES = {"application/x-bibtex": "bibtex", "application/vnd.citationstyles.csl+json": "csljson",
                  "application/x-research-info-systems": "ris", "text/x-bibliography": "bibliography"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with app_over_seed(tmp_path_factory.mktemp("serve-cite")) as served:
        yield served


def titles(body: bytes, media: str) -> list[str]:
    """The titles of the papers in a citation answer, read by each format's maintained reader."""
    text = body.decode("utf-8")
    if media == "application/x-bibtex":
        import bibtexparser
        from bibtexparser import middlewares as m

        library = bibtexparser.parse_string(text, append_middleware=[m.LatexDecodingMiddleware()])
        assert not library.failed_blocks
        return [e["title"].replace("{", "").replace("}", "") for e in library.entries]
    if media == "application/vnd.citationstyles.csl+json":
        return [item["title"] for item in json.loads(text)]
    if media == "application/x-research-info-systems":
        import rispy

        return [r["title"] for r in rispy.loads(text)]
    return [line for line in text.splitlines() if line]


@pytest.mark.parametrize("media", sorted(CITATION_TYPES))
@pytest.mark.parametrize("how", ["accept", "format"])
def test_a_paper_in_each_citation_type(app, media, how):
    target, accept = ((PAPER, media) if how == "accept"
                      else (f"{PAPER}?format={CITATION_TYPES[media]}", "text/html"))
    status, headers, body = call(app, target, accept)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    assert "charset=utf-8" in headers["Content-Type"]
    assert headers["Vary"] == "Accept"
    found = titles(body, media)
    assert len(found) == 1
    assert "Masked Autoencoders Are Scalable Vision Learners" in found[0]
    if media == "application/x-bibtex":
        assert body.startswith(b"@inproceedings{he2022masked,")
        assert 'filename="he2022masked.bib"' in headers["Content-Disposition"]


@pytest.mark.parametrize("media", sorted(CITATION_TYPES))
def test_a_topic_gives_all_its_papers_in_list_order(app, media, catalog):
    status, headers, body = call(app, TOPIC, media)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    listed = sorted((x.line, p.title) for p in catalog.papers for x in p.listings
                     if x.topic == "empirical-study")
    expected = list(dict.fromkeys(title for _, title in listed))
    found = titles(body, media)
    if media == "text/x-bibliography":
        assert len(found) == len(expected)
        assert all(title.rstrip(".") in line for title, line in zip(expected, found, strict=True))
    else:
        assert found == expected


@pytest.mark.parametrize("path", ["/keyword/self-supervision", "/venue/cvpr-2022"])
def test_other_entities_cite_their_papers(app, path, catalog):
    status, _, body = call(app, path, "application/x-bibtex")
    assert status == 200, body
    assert "Masked Autoencoders Are Scalable Vision Learners" in " ".join(titles(body, "application/x-bibtex"))


def test_an_author_and_the_whole_list(app, catalog):
    status, _, body = call(app, "/author/kaiming-he?format=ris", "*/*")
    assert status == 200, body
    assert any("Masked Autoencoders" in t for t in titles(body, "application/x-research-info-systems"))
    source = f"/source/{catalog.source.commit}"
    status, _, body = call(app, source, "application/vnd.citationstyles.csl+json")
    assert status == 200
    assert len(json.loads(body)) == len(catalog.papers)
    status, _, _ = call(app, "/source/not-this-list", "application/x-bibtex")
    assert status == 404


def test_406_lists_the_page_and_citation_types(app):
    for path in (PAPER, TOPIC):
        status, _headers, body = call(app, path, "application/pdf")
        assert status == 406
        detail = json.loads(body)["error"]["detail"]
        for media in (*CITATION_TYPES, "text/html", "text/turtle", "application/ld+json"):
            assert media in detail, media
    status, _, body = call(app, PAPER + "?format=endnote", "*/*")
    assert status == 400
    assert b"bibtex" in body


def test_browsers_and_rdf_clients_still_get_pages(app):
    status, headers, body = call(app, PAPER, "text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    for fmt in CITATION_TYPES.values():
        assert f'href="?format={fmt}"'.encode() in body
    status, headers, _ = call(app, TOPIC, "text/turtle")
    assert status == 200
    assert headers["Content-Type"].startswith("text/turtle")


def test_unknown_entity_is_404_in_a_citation_type(app):
    status, _, body = call(app, "/paper/nope", "application/x-bibtex")
    assert status == 404
    assert json.loads(body)["error"]["status"] == 404


def test_citation_cff_is_served(app, catalog):
    import yaml

    status, headers, body = call(app, "/CITATION.cff")
    assert status == 200
    assert headers["Content-Type"].startswith("application/yaml")
    cff = yaml.safe_load(body)
    assert cff["commit"] == catalog.source.commit
    assert cff["title"] == catalog.source.title


def test_live_server_cites_from_its_sandboxed_evaluators():
    with live_server() as url:
        request = urllib.request.Request(url.rstrip("/") + PAPER, headers={"Accept": "application/x-bibtex"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            body = answer.read()
            assert answer.headers["Content-Type"].startswith("application/x-bibtex")
        assert body.startswith(b"@inproceedings{he2022masked,")
        assert b"Doll{\\'a}r" in body

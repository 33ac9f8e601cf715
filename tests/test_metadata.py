"""The `<meta>` tags of paper pages: Highwire (Google Scholar, Zotero), Dublin Core and OpenGraph."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from phenkg.serve import call

from .conftest import BASE
from .test_serve_support import app_over_seed


class Metas(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "meta" and "content" in found:
            self.tags.append((found.get("name") or found.get("property") or "", found["content"]))

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.tags if key == name]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with app_over_seed(tmp_path_factory.mktemp("meta")) as app:
        yield app


def metas(app, path: str) -> Metas:
    status, _, body = call(app, path, "text/html")
    assert status == 200
    parser = Metas()
    parser.feed(body.decode("utf-8"))
    return parser


def test_every_paper_page_carries_what_scholar_and_zotero_read(app, catalog):
    for paper in catalog.papers[::15]:
        found = metas(app, f"/paper/{paper.key}")
        assert found.values("citation_title") == [paper.title]
        assert found.values("DC.title") == [paper.title]
        authors = list(dict.fromkeys(paper.authors))      # in printed order, each once
        assert found.values("citation_author") == authors
        assert found.values("DC.creator") == authors
        year = (paper.venue.year if paper.venue and paper.venue.year else None)
        if year:
            assert found.values("citation_publication_date") == [str(year)]
        assert found.values("og:url") == [f"{BASE}paper/{paper.key}"]
        assert found.values("og:type") == ["article"]


def test_arxiv_papers_give_their_id_doi_and_pdf(app, catalog):
    paper = next(p for p in catalog.papers if p.key.startswith("arxiv-") and p.venue)
    arxiv = paper.key.removeprefix("arxiv-")
    found = metas(app, f"/paper/{paper.key}")
    assert found.values("citation_arxiv_id") == [arxiv]
    assert found.values("citation_doi") == [f"10.48550/arXiv.{arxiv}"]
    assert found.values("citation_pdf_url") == [f"https://arxiv.org/pdf/{arxiv}"]
    assert found.values("citation_conference_title") + found.values("citation_journal_title") == [paper.venue.name]


def test_other_pages_have_no_citation_tags(app, catalog):
    topic = catalog.topics[0]
    assert metas(app, f"/topic/{topic.key}").values("citation_title") == []


class Scripts(HTMLParser):
    """The JSON-LD blocks of a page, as a crawler (or extruct) reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        self.inside = tag == "script" and dict(attrs).get("type") == "application/ld+json"

    def handle_data(self, data):
        if self.inside:
            self.blocks.append(data)

    def handle_endtag(self, tag):
        self.inside = False


def test_the_home_page_embeds_the_dataset_for_dataset_search(tmp_path):
    """Google Dataset Search reads a schema.org Dataset embedded in a page: the home page carries the
    build's dataset.jsonld, with a creator, a version, a date and its downloads."""
    import json
    import subprocess
    import sys

    from .conftest import DATA

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "phenkg.cli", "build", "--data", str(DATA), "--out", str(dist)],
                   check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "serve", "--dist", str(dist), "--get", "/",
                           "--accept", "text/html"], capture_output=True, check=True)
    parser = Scripts()
    parser.feed(done.stdout.decode("utf-8"))
    datasets = [doc for doc in map(json.loads, parser.blocks) if doc.get("@type") == "Dataset"]
    assert len(datasets) == 1
    dataset = datasets[0]
    assert dataset == json.loads((dist / "dataset.jsonld").read_text(encoding="utf-8"))
    assert dataset["creator"]["name"] == "MinghuiChen43"
    assert dataset["version"] == "cf5911c2"
    assert dataset["dateModified"] == "2022-05-17"
    assert {d["name"] for d in dataset["distribution"]} >= {"phenkg.nt", "phenkg.ttl", "phenkg.jsonld"}


def test_an_arxiv_paper_is_the_same_work_as_its_arxiv_record_and_doi(app, catalog):
    """schema:sameAs, as IRIs: what tells an aggregator that the paper is arXiv's (issue 16)."""
    import json

    paper = next(p for p in catalog.papers if p.key.startswith("arxiv-"))
    arxiv = paper.key.removeprefix("arxiv-")
    status, _, body = call(app, f"/paper/{paper.key}", "application/ld+json")
    assert status == 200
    document = json.loads(body)
    assert set(document["sameAs"]) == {f"https://arxiv.org/abs/{arxiv}", f"https://doi.org/10.48550/arXiv.{arxiv}"}
    status, _, body = call(app, f"/paper/{paper.key}", "application/n-triples")
    assert f"<https://schema.org/sameAs> <https://doi.org/10.48550/arXiv.{arxiv}> ." in body.decode()

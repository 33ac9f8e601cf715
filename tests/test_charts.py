"""Charts (phenkg.charts) on the seed: every chart's data is its query's result on the graph, its SVG
shows the data's labels and names itself to screen readers, nothing touches the network while they
are built, and the pages show them with their queries."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import xml.dom.minidom
from html import escape
from pathlib import Path
from urllib.parse import quote

import pytest

from phenkg.charts import ego, network
from phenkg.charts.build import query_text, run, write_charts
from phenkg.charts.html import chart_html, entity_charts
from phenkg.charts.units import CHARTS, NETWORK_NODES
from phenkg.graph import build_store
from phenkg.vocab import DEFAULT_BASE, Iris

from .conftest import DATA

NETWORKS = {"coauthor-pairs", "author-coauthors"}
COAUTHORS = """PREFIX schema: <https://schema.org/>
SELECT ?me ?coauthor ?name (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:author ?me, ?coauthor . FILTER (?me != ?coauthor) ?coauthor schema:name ?name }
GROUP BY ?me ?coauthor ?name"""
TEXT_COLUMNS = {"label", "venue", "first", "second"}


class NetworkUsed(AssertionError):
    pass


def _refuse(*args, **kwargs):
    raise NetworkUsed(f"network access while building charts: {args[1:]!r}")


@pytest.fixture(scope="module")
def store(catalog):
    return build_store(catalog, DEFAULT_BASE)


@pytest.fixture(scope="module")
def folder(store, tmp_path_factory):
    """The seed's charts, built with every socket connection refused."""
    out = tmp_path_factory.mktemp("charts") / "charts"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket.socket, "connect_ex", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        write_charts(store, out, DEFAULT_BASE)
    return out


def units(folder: Path) -> list[dict]:
    return [{**json.loads(p.read_text(encoding="utf-8")), "stem": p.name[:-len(".json")]}
            for p in sorted(folder.glob("*.json")) if not p.name.endswith(".vl.json")]


def test_the_guard_refuses_connections():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        with socket.socket() as sock, pytest.raises(NetworkUsed):
            sock.connect(("127.0.0.1", 9))


def coauthors_by_author(store) -> dict[str, list[dict]]:
    """Every author's co-authors with their shared papers, by one query written here (not the shipped
    one), most shared papers first and then by IRI, as the shipped query orders them."""
    egos: dict[str, list[dict]] = {}
    for row in run(store, COAUTHORS):
        egos.setdefault(row.pop("me"), []).append(row)
    return {me: sorted(rows, key=lambda r: (-r["papers"], r["coauthor"])) for me, rows in egos.items()}


def test_every_chart_is_built_for_home_each_topic_and_every_author_with_coauthors(folder, catalog, store):
    stems = {u["stem"] for u in units(folder)}
    home = {c.name for c in CHARTS if c.kind == "home"}
    assert home <= stems
    topics = {topic.key for topic in catalog.topics}
    for chart in (c for c in CHARTS if c.kind == "topic"):
        assert {f"{chart.name}--{key}" for key in topics} <= stems
    iris = Iris(DEFAULT_BASE)
    authors = {s for s in stems if s.startswith("author-coauthors--")}
    expected = {f"author-coauthors--{iris.relative(me).partition('/')[2]}" for me in coauthors_by_author(store)}
    assert authors == expected
    assert len(authors) > 500          # the seed: 593 of its 595 authors have co-authors
    for stem in stems:
        for ending in (".svg", ".rq", ".vl.json", ".json"):
            assert (folder / f"{stem}{ending}").is_file(), f"{stem}{ending} missing"


def test_each_charts_data_is_its_querys_result(folder, store):
    """The acceptance test: run the query shipped beside the chart on the graph; the chart's rows are
    its result (a network's rows: the part of the result it draws)."""
    checked = 0
    for unit in units(folder):
        query = (folder / unit["query"]).read_text(encoding="utf-8")
        result = run(store, query)
        if unit["chart"] == "coauthor-pairs":
            assert all(row in result for row in unit["rows"]), unit["stem"]
        elif unit["chart"] == "author-coauthors":
            assert unit["rows"] == result, unit["stem"]
        else:
            assert unit["rows"] == result, unit["stem"]
            spec = json.loads((folder / f"{unit['stem']}.vl.json").read_text(encoding="utf-8"))
            assert spec["data"]["values"] == result, unit["stem"]
        checked += 1
    assert checked == len(units(folder)) > 20


def test_the_shipped_query_is_the_one_run(folder):
    iris = Iris(DEFAULT_BASE)
    for chart in CHARTS:
        if chart.kind == "home":
            assert (folder / f"{chart.name}.rq").read_text(encoding="utf-8") == query_text(chart, None)
    frankle = iris.author("jonathan-frankle")
    text = (folder / "author-coauthors--jonathan-frankle.rq").read_text(encoding="utf-8")
    assert text == query_text(next(c for c in CHARTS if c.kind == "author"), frankle)
    assert f"VALUES ?me {{ <{frankle}> }}" in text
    assert "{author}" not in text


def test_the_svg_shows_the_datas_labels_and_names_itself(folder):
    for unit in units(folder):
        svg = (folder / f"{unit['stem']}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg")
        assert 'role="img"' in svg.split(">", 1)[0]
        assert f"<title id=\"chart-{unit['stem']}-title\">{escape(unit['title'])}</title>" in svg
        assert f"<desc id=\"chart-{unit['stem']}-desc\">{escape(unit['description'])}</desc>" in svg
        assert "http://" not in svg.replace("http://www.w3.org/", "")     # nothing linked from outside
        if unit["chart"] == "author-coauthors":
            names = {row["name"] for row in unit["rows"][:NETWORK_NODES - 1]}
            assert names, unit["stem"]
            assert all(f">{escape(name, quote=False)}<" in svg for name in names), unit["stem"]
        elif unit["chart"] in NETWORKS:
            names = {row[k] for row in unit["rows"] for k in ("aName", "bName")}
            assert all(f">{escape(name, quote=False)}<" in svg for name in names), unit["stem"]
        else:
            for row in unit["rows"]:
                for column in TEXT_COLUMNS & row.keys():
                    assert escape(row[column], quote=False) in svg, (unit["stem"], row[column])
                if "year" in row:
                    assert f">{row['year']}<" in svg, (unit["stem"], row["year"])


def test_every_authors_network_is_their_coauthors_by_an_independent_query(folder, store):
    """For each author with a co-author: the chart's rows are their co-authors with the papers shared,
    as a query written here finds them; the SVG names every one of them and links each to the centre."""
    iris = Iris(DEFAULT_BASE)
    egos = coauthors_by_author(store)
    for me, expected in egos.items():
        unit_stem = f"author-coauthors--{iris.relative(me).partition('/')[2]}"
        unit = json.loads((folder / f"{unit_stem}.json").read_text(encoding="utf-8"))
        assert unit["rows"] == expected, unit_stem
        svg = (folder / f"{unit_stem}.svg").read_text(encoding="utf-8")
        assert svg.count("<line ") == svg.count("<circle ") - 1 == min(len(expected), NETWORK_NODES - 1), unit_stem
        for row in expected[:NETWORK_NODES - 1]:
            assert f">{escape(row['name'], quote=False)}</text>" in svg, (unit_stem, row["name"])
    assert len(egos) > 500


def test_a_network_with_many_coauthors_draws_the_most_shared_and_keeps_every_row():
    rows = [{"coauthor": f"https://example.org/a/{i:03}", "name": f"A{i}", "papers": 100 - i} for i in range(60)]
    drawn = ego.layout(rows, NETWORK_NODES, "https://example.org/me", "Me")
    assert [n["name"] for n in drawn.nodes[1:]] == [f"A{i}" for i in range(NETWORK_NODES - 1)]
    assert drawn.nodes[0]["centre"]
    assert len(drawn.edges) == NETWORK_NODES - 1
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in drawn.nodes)
    from phenkg.charts.units import coauthors

    done = coauthors(rows, "Co-authors of Me", "https://example.org/me")
    assert done.rows == rows                       # the data: the query's whole result
    assert "60 co-authors of Me (the 29 with most shared papers drawn)" in done.description
    assert done.svg is not None
    assert done.svg.count("<circle ") == NETWORK_NODES


def test_ego_rows_from_the_pairs_are_each_authors_coauthors():
    pairs = [{"a": "x:1", "aName": "One", "b": "x:2", "bName": "Two", "papers": 2},
             {"a": "x:1", "aName": "One", "b": "x:3", "bName": "Three", "papers": 5}]
    assert ego.by_author(pairs) == {
        "x:1": ("One", [{"coauthor": "x:3", "name": "Three", "papers": 5},
                        {"coauthor": "x:2", "name": "Two", "papers": 2}]),
        "x:2": ("Two", [{"coauthor": "x:1", "name": "One", "papers": 2}]),
        "x:3": ("Three", [{"coauthor": "x:1", "name": "One", "papers": 5}])}


def test_hostile_author_names_stay_text_in_their_networks(tmp_path):
    import pyoxigraph

    iris = Iris(DEFAULT_BASE)
    schema = "https://schema.org/"
    hostile = '</svg><script>alert(1)</script>"\'&<!--'
    store = pyoxigraph.Store()
    paper, evil, good = (pyoxigraph.NamedNode(iris.paper("p")), pyoxigraph.NamedNode(iris.author("evil")),
                         pyoxigraph.NamedNode(iris.author("good")))
    for author, name in ((evil, hostile), (good, "Good & <Sons>")):
        store.add(pyoxigraph.Quad(paper, pyoxigraph.NamedNode(schema + "author"), author))
        store.add(pyoxigraph.Quad(author, pyoxigraph.NamedNode(schema + "name"), pyoxigraph.Literal(name)))
    write_charts(store, tmp_path, DEFAULT_BASE)
    for key, other in (("good", hostile), ("evil", "Good & <Sons>")):
        svg = (tmp_path / f"author-coauthors--{key}.svg").read_text(encoding="utf-8")
        assert "<script" not in svg
        assert "<!--" not in svg
        assert svg.count("</svg>") == 1
        assert f">{escape(other, quote=False)}</text>" in svg
        xml.dom.minidom.parseString(svg)           # well-formed: the names did not break out of their text


def test_the_largest_group_is_connected_bounded_and_from_the_largest_component(folder, store):
    unit = json.loads((folder / "coauthor-pairs.json").read_text(encoding="utf-8"))
    result = run(store, (folder / "coauthor-pairs.rq").read_text(encoding="utf-8"))
    import networkx as nx

    whole = network.graph_of(result)
    largest = max(nx.connected_components(whole), key=len)
    drawn = network.graph_of(unit["rows"])
    assert 2 <= len(drawn) <= NETWORK_NODES
    assert set(drawn) <= largest
    assert nx.is_connected(drawn)


def test_an_authors_network_centres_on_them_with_their_coauthors(folder, store):
    iris = Iris(DEFAULT_BASE)
    me = iris.author("jonathan-frankle")
    unit = json.loads((folder / "author-coauthors--jonathan-frankle.json").read_text(encoding="utf-8"))
    spec = json.loads((folder / "author-coauthors--jonathan-frankle.vl.json").read_text(encoding="utf-8"))
    nodes = spec["layer"][1]["data"]["values"]
    assert [n["id"] for n in nodes if n["centre"]] == [me]
    shared = run(store, f"""PREFIX schema: <https://schema.org/>
        SELECT ?other (COUNT(DISTINCT ?paper) AS ?n) WHERE {{
          ?paper schema:author <{me}>, ?other . FILTER (?other != <{me}>) }} GROUP BY ?other""")
    expected = {row["other"]: row["n"] for row in shared}
    for node in nodes:
        if not node["centre"]:
            assert node["papers"] == expected[node["id"]]
    assert len(nodes) == min(NETWORK_NODES, len(expected) + 1)
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in nodes)
    assert unit["rows"]


def test_the_layout_is_the_same_every_time(store):
    rows = run(store, query_text(next(c for c in CHARTS if c.name == "coauthor-pairs"), None))
    group = network.largest_group(rows)
    assert network.layout(rows, 20, within=group) == network.layout(rows, 20, within=group)


def test_chart_html_shows_each_chart_with_its_query_and_a_link_that_runs_it(folder):
    home = chart_html("home", None, folder)
    assert home.count("<svg") == sum(1 for c in CHARTS if c.kind == "home")
    query = (folder / "venues.rq").read_text(encoding="utf-8")
    assert escape(query) in home
    assert f'href="/?query={quote(query, safe="")}"' in home
    iris = Iris(DEFAULT_BASE)
    topic = entity_charts(iris.topic("lottery-ticket-hypothesis"), DEFAULT_BASE, folder)
    assert topic.count("<svg") == 3
    assert "<svg" in entity_charts(iris.author("jonathan-frankle"), DEFAULT_BASE, folder)
    assert entity_charts(iris.author("nobody-at-all"), DEFAULT_BASE, folder) == ""
    assert entity_charts(iris.paper("arxiv-1803.03635"), DEFAULT_BASE, folder) == ""
    assert chart_html("author", "../../etc", folder) == ""
    assert chart_html("home", None, None) == ""


def test_the_cli_writes_the_charts(tmp_path):
    out = tmp_path / "charts"
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "charts", "--data", str(DATA), "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (out / "keywords.svg").is_file()
    assert (out / "keywords.vl.json").is_file()
    assert "charts:" in done.stderr


def test_serve_shows_the_charts_on_home_topic_and_author_pages(folder, store, tmp_path):
    from phenkg.serve.app import Settings, create_app
    from phenkg.serve.http import call
    from phenkg.serve.worker import Executor

    dist = folder.parent
    app = create_app(Executor(store), Settings(dist=dist), store)
    for path, count in (("/", 9), ("/topic/lottery-ticket-hypothesis", 3), ("/author/jonathan-frankle", 1)):
        status, _, body = call(app, path, "text/html")
        assert status == 200
        assert body.decode().count('<svg role="img"') == count, path
    status, _, body = call(app, "/author/nobody-at-all", "text/html")
    assert status == 404
    query = (folder / "venues.rq").read_text(encoding="utf-8")
    status, _, body = call(app, f"/?query={quote(query, safe='')}", "text/html")   # "run it", without JS
    assert status == 200
    assert f'spellcheck="false">{escape(query)}</textarea>' in body.decode()


def test_hostile_labels_stay_text_in_the_svg():
    from phenkg.charts.build import render_svg
    from phenkg.charts.units import ranked

    hostile = '</svg><script>alert(1)</script>"\'&'
    drawn = ranked("label", "papers", "papers")([{"label": hostile, "papers": 3}], hostile, None)
    svg = render_svg(drawn.spec, "x", hostile, drawn.description)
    assert "<script" not in svg
    assert svg.count("</svg>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_vega_ids_are_the_charts_own_and_the_same_in_any_process():
    from phenkg.charts.build import accessible

    svg = '<svg a="1"><linearGradient id="gradient_7"/><rect fill="url(#gradient_7)"/></svg>'
    first = accessible(svg, "k", "t", "d")
    assert first == accessible(svg.replace("gradient_7", "gradient_0"), "k", "t", "d")
    assert 'id="chart-k-0"' in first
    assert 'fill="url(#chart-k-0)"' in first


def test_a_chart_whose_query_has_no_rows_is_not_written(tmp_path):
    import pyoxigraph

    from phenkg.charts.build import write_unit

    months = next(c for c in CHARTS if c.name == "papers-added-per-month")
    assert write_unit(pyoxigraph.Store(), months, tmp_path) == []     # a list without its git history
    assert list(tmp_path.iterdir()) == []


def test_a_huge_list_draws_the_most_connected_authors_up_to_the_bound(store, tmp_path, monkeypatch):
    from phenkg.charts import build

    monkeypatch.setattr(build, "MAX_AUTHOR_CHARTS", 10)
    write_charts(store, tmp_path, DEFAULT_BASE)
    drawn = {p.name.removeprefix("author-coauthors--").removesuffix(".svg")
             for p in tmp_path.glob("author-coauthors--*.svg")}
    iris = Iris(DEFAULT_BASE)
    shared = {iris.relative(me).partition("/")[2]: sum(r["papers"] for r in rows)
              for me, rows in coauthors_by_author(store).items()}
    assert len(drawn) == 10
    weakest_drawn = min(shared[key] for key in drawn)
    assert all(shared[key] <= weakest_drawn for key in set(shared) - drawn), "the most connected are drawn"

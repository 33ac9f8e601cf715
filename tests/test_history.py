"""phenkg history: first-listed and last-changed dates from the list's git history, in data/history.yaml, in
the graph and on the paper's page; and the changelog. Over the seed list's real history (tests/data/history),
checked against the README versions read with plain git, not with phenkg's own code."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from phenkg import graph, patch
from phenkg.cli import main
from phenkg.keys import arxiv_id
from phenkg.store import HISTORY, read_catalog, render_files
from tests.conftest import BASE, DATA
from tests.listhistory import clone, git, readme_versions

pytestmark = pytest.mark.slow   # the module's fixture walks 83 commits (about 5 s; the bound is 30 s)


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    work = tmp_path_factory.mktemp("walk")
    repo = clone(work / "adp")
    data = work / "data"
    shutil.copytree(DATA, data)
    import time
    started = time.perf_counter()
    assert main(["history", str(repo), "--data", str(data), "--out", str(work / "changelog")]) == 0
    seconds = time.perf_counter() - started
    print(f"\nphenkg history: {seconds:.1f} s for the 83 commits")
    assert seconds < 30
    return repo, data, work / "changelog"


def test_every_seed_paper_has_dates_and_the_file_is_canonical(walked) -> None:
    _, data, _ = walked
    catalog = read_catalog(data)
    assert list(catalog.history) == [p.key for p in catalog.papers]
    assert render_files(catalog)[HISTORY] == (data / HISTORY).read_text(encoding="utf-8")
    assert main(["fmt", "--check", "--data", str(data)]) == 0
    for dates in catalog.history.values():
        assert dates.first_listed.date <= dates.last_changed.date


def _needles(paper) -> list[str]:
    """What shows a paper is in a README: its arXiv id, its URL, or its title as printed."""
    found = [x for x in (arxiv_id(paper.url) if paper.url else None, paper.url) if x]
    return [*found, paper.title.rstrip(".")]


def test_first_listed_is_the_first_commit_whose_readme_contains_the_paper(walked) -> None:
    repo, data, _ = walked
    versions = readme_versions(repo)
    catalog = read_catalog(data)
    same_commit = 0
    for paper in catalog.papers:
        first = next((sha, date) for sha, date, text in versions if any(n in text for n in _needles(paper)))
        dates = catalog.history[paper.key].first_listed
        assert dates.date == first[1], f"{paper.key}: {dates} but first in {first}"
        # and by `git log -S` on the arXiv id, where there is one: the same date
        if paper.url and (found := arxiv_id(paper.url)):
            oldest = git(repo, "log", "--reverse", "--format=%ad", "--date=short", "-S", found, "--",
                         "README.md").split()[0]
            assert oldest <= dates.date, paper.key
        same_commit += dates.commit == first[0]
    print(f"\n{same_commit} of {len(catalog.papers)} first-listed commits are the first README holding the text "
          "(the rest: a commit the same day whose entry was not yet a Markdown list item)")
    assert same_commit >= len(catalog.papers) - 2


def test_last_changed_is_the_last_content_change(walked) -> None:
    repo, data, _ = walked
    catalog = read_catalog(data)
    # renamed on 2022-05-06 ('The Notorious Difficulty of ...' -> 'Five Points to Check when ...')
    renamed = catalog.history["arxiv-2004.09406"]
    assert (renamed.first_listed.date, renamed.last_changed.date) == ("2020-07-14", "2022-05-06")
    # the seed's last commit added one paper: its dates are that commit's
    seed = git(repo, "rev-parse", "HEAD").strip()
    added = catalog.history["arxiv-2205.07320"]
    assert added.first_listed.commit == added.last_changed.commit == seed


def test_the_graph_has_created_modified_and_the_revisions(walked) -> None:
    _, data, _ = walked
    catalog = read_catalog(data)
    lines = set(graph.triples(catalog, BASE))
    key = "arxiv-2004.09406"
    dates = catalog.history[key]
    paper = f"<{BASE}paper/{key}>"
    created = '"2020-07-14"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert f"{paper} <http://purl.org/dc/terms/created> {created} ." in lines
    revision = f"<{BASE}revision/{dates.last_changed.commit}>"
    assert f"{paper} <https://w3id.org/phenkg/ontology#lastChangedIn> {revision} ." in lines
    assert f'{revision} <https://w3id.org/phenkg/ontology#commit> "{dates.last_changed.commit}" .' in lines


def test_the_dated_graph_conforms_to_the_shapes(walked) -> None:
    from phenkg.validate import validate_store
    _, data, _ = walked
    report = validate_store(graph.build_store(read_catalog(data), BASE))
    assert not report.violations


def test_the_paper_page_shows_the_dates(walked, capsys) -> None:
    _, data, _ = walked
    assert main(["serve", "--data", str(data), "--get", "/paper/arxiv-2004.09406"]) == 0
    page = capsys.readouterr().out
    assert re.search(r"first listed 2020-07-14 \(<a href=\"/revision/[0-9a-f]{40}\">commit [0-9a-f]{12} of "
                     r"2020-07-14</a>\), last changed 2022-05-06", page)


def test_the_changelog_has_each_commit_in_markdown_json_and_rdf_patch(walked) -> None:
    _, _, out = walked
    stems = sorted({p.stem for p in out.glob("[0-9]*")})
    assert len(stems) == 83
    index = (out / "index.md").read_text(encoding="utf-8")
    assert index.count("\n- ") == 83
    last = stems[-1]
    doc = json.loads((out / f"{last}.json").read_text(encoding="utf-8"))
    assert doc["summary"]["changes"]["paper-added"] == 1
    read = patch.read((out / f"{last}.patch").read_text(encoding="utf-8"))
    assert len(read) == doc["summary"]["triples"]["deleted"] + doc["summary"]["triples"]["added"]
    assert (out / f"{last}.md").read_text(encoding="utf-8").startswith("**phenkg diff**")


@pytest.mark.parametrize(("edit", "message"), [
    (("2020-07-14", "2020-13-14"), "is not a date"),
    (("first_commit: \"", "first_commit: \"XYZ"), "is not a commit id"),
    (("- key: arxiv-2202.08384\n", "- key: arxiv-2202.08384\n  colour: red\n"), "unknown field"),
])
def test_a_bad_history_record_is_refused_with_its_line(walked, tmp_path: Path, capsys, edit, message) -> None:
    _, data, _ = walked
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    text = (copy / HISTORY).read_text(encoding="utf-8")
    assert edit[0] in text
    (copy / HISTORY).write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    assert main(["stats", "--data", str(copy)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert re.search(r"history\.yaml:\d+", err), err


@pytest.mark.parametrize("fmt", ["jsonld", "ttl"])
def test_the_dated_graph_exports_as_the_same_triples(walked, tmp_path: Path, fmt: str) -> None:
    import pyoxigraph as ox

    from phenkg.formats import EXPORTS
    _, data, _ = walked
    out = tmp_path / f"dated.{fmt}"
    assert main(["export", "--format", fmt, "-o", str(out), "--data", str(data)]) == 0
    read = ox.Store()
    read.load(out.read_bytes(), EXPORTS[fmt].rdf_format)
    dumped = read.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode().splitlines()
    assert sorted(dumped) == sorted(graph.triples(read_catalog(data), BASE))
    if fmt == "jsonld":
        text = out.read_text(encoding="utf-8")
        assert '"created"' in text
        assert '"firstListedIn"' in text


def test_the_committed_history_is_current(walked) -> None:
    _, data, _ = walked
    assert (DATA / HISTORY).read_bytes() == (data / HISTORY).read_bytes(), (
        "data/history.yaml is stale: run `git clone -b seed-2022-05-17 "
        "tests/data/history/awesome-deep-phenomena-to-seed.bundle /tmp/adp && phenkg history /tmp/adp`")

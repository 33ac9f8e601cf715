"""data/ is canonical and every record in it is well-formed: one test per record."""

from __future__ import annotations

import pytest

from phenkg.store import FIX_COMMAND, PAPERS, read_catalog, render_files

from .conftest import DATA

CATALOG = read_catalog(DATA)


@pytest.mark.parametrize("name", sorted(render_files(CATALOG)))
def test_data_file_is_canonical(name):
    written = (DATA / name).read_text(encoding="utf-8")
    assert written == render_files(CATALOG)[name], (
        f"data/{name} is not in canonical form: run `{FIX_COMMAND}` and commit the result")


@pytest.mark.parametrize("paper", CATALOG.papers, ids=lambda p: p.key)
def test_paper_record(paper):
    where = f"data/{PAPERS}, paper {paper.key}"
    assert paper.title, f"{where}: title is empty"
    assert paper.title.strip() == paper.title, f"{where}: title has leading or trailing spaces"
    assert paper.listings, f"{where}: no listings; add `listings: [{{topic: ..., year: ...}}]`"
    assert len(set(paper.authors)) == len(paper.authors), f"{where}: an author is listed twice"
    assert not paper.url or paper.url.startswith(("http://", "https://")), f"{where}: url is not http(s)"

"""The synthetic list generator (tests/synthetic.py) that scale tests and benchmarks use."""

from __future__ import annotations

import subprocess
import sys

from phenkg import cli
from phenkg.graph import build_store
from phenkg.store import read_catalog
from phenkg.validate import validate_store

from .conftest import BASE, ROOT
from .synthetic import awesome_list


def test_same_n_same_bytes_also_from_the_command_line():
    text = awesome_list(300)
    assert awesome_list(300) == text
    assert awesome_list(301) != text
    printed = subprocess.run([sys.executable, str(ROOT / "tests" / "synthetic.py"), "300"], capture_output=True,
                             check=True).stdout.decode("utf-8")
    assert printed == text


def test_imports_cleanly_with_variety_and_conforms(tmp_path):
    listing = tmp_path / "list.md"
    listing.write_text(awesome_list(600), encoding="utf-8")
    assert cli.main(["import", str(listing), "--data", str(tmp_path / "data"),
                     "--repository", "https://example.org/synthetic", "--commit", "0000000",
                     "--date", "2025-01-01"]) == 0
    catalog = read_catalog(tmp_path / "data")
    assert len(catalog.papers) == 600
    assert len(catalog.topics) == 7
    assert len({p.listings[0].year for p in catalog.papers}) >= 8            # many year headings
    assert sum(len(p.authors) > 1 for p in catalog.papers) > 300
    authors = [a for p in catalog.papers for a in p.authors]
    assert len(set(authors)) < len(authors) / 1.5                          # authors recur across papers
    assert sum(bool(p.venue) for p in catalog.papers) > 400
    assert sum(bool(p.keywords) for p in catalog.papers) > 500
    assert sum(any(link.kind == "code" for link in p.links) for p in catalog.papers) > 150
    assert all(p.digest for p in catalog.papers)
    report = validate_store(build_store(catalog, BASE))
    assert report.conforms
    assert not report.warnings, report.warnings[:3]

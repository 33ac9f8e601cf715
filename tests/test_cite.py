"""Citations (issue 22): every seed paper's BibTeX, CSL-JSON and RIS read back by maintained readers
(bibtexparser, jsonschema with the CSL data schema, citeproc-py, rispy), keys unique, exports
deterministic. The schema and the APA style are copies in tests/data/cite/ (see its README)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from phenkg import cite
from phenkg.cite.reference import Reference, assign_keys, base_key
from phenkg.cite.write import bibtex, csl_json, protected_title, ris
from phenkg.keys import arxiv_id, arxiv_year

from .conftest import BASE, DATA

FIXTURES = Path(__file__).resolve().parent / "data" / "cite"


@pytest.fixture(scope="module")
def store(catalog):
    return cite.store_of(catalog, BASE)


@pytest.fixture(scope="module")
def refs(store):
    return cite.Citer(store, BASE).everything()


def expected_year(paper) -> int | None:
    """Independent of phenkg.cite: from the catalog, not the graph."""
    if paper.venue is not None and paper.venue.year is not None:
        return paper.venue.year
    if paper.url and (found := arxiv_id(paper.url)):
        return arxiv_year(found)
    years = [x.year for x in paper.listings if x.year is not None]
    return min(years) if years else None


def parse_bibtex(text: str):
    import bibtexparser
    from bibtexparser import middlewares as m

    return bibtexparser.parse_string(text, append_middleware=[m.LatexDecodingMiddleware(), m.SeparateCoAuthors()])


def raw_authors(text: str) -> list[list[str]]:
    """Each entry's authors split as BibTeX does (braces kept: a braced ' and ' is not a separator), then
    decoded from LaTeX."""
    import bibtexparser
    from bibtexparser import middlewares as m
    from pylatexenc.latex2text import LatexNodes2Text

    decode = LatexNodes2Text().latex_to_text
    library = bibtexparser.parse_string(text, append_middleware=[m.SeparateCoAuthors()])
    return [[decode(name) for name in entry["author"]] for entry in library.entries]


def test_every_paper_is_cited_once_in_list_order(refs, catalog):
    by_iri = {ref.iri: ref for ref in refs}
    assert len(refs) == len(by_iri) == len(catalog.papers)
    firsts = sorted(catalog.papers, key=lambda p: min(x.line for x in p.listings if x.line is not None))
    assert [r.iri for r in refs] == [BASE + "paper/" + p.key for p in firsts]


def test_every_seed_paper_bibtex_parses_back(refs, catalog):
    library = parse_bibtex(bibtex(refs).decode())
    assert not library.failed_blocks
    entries = {e.key: e for e in library.entries}
    assert len(entries) == len(catalog.papers)
    key_of = {ref.iri: ref.key for ref in refs}
    for paper in catalog.papers:
        entry = entries[key_of[BASE + "paper/" + paper.key]]
        fields = {name: entry[name] for name in entry.fields_dict}
        assert fields["title"].replace("{", "").replace("}", "") == paper.title, paper.key
        assert fields.get("author", []) == paper.authors, paper.key
        year = expected_year(paper)
        assert fields.get("year") == (str(year) if year is not None else None), paper.key
        venue = paper.venue.printed if paper.venue else None
        kind = {"inproceedings": "booktitle", "article": "journal", "phdthesis": "type"}.get(entry.entry_type)
        assert (fields.get(kind) if kind else None) == venue, paper.key
        if paper.url and (found := arxiv_id(paper.url)):
            assert fields["eprint"] == found


def test_whole_list_has_no_duplicate_keys(refs):
    keys = [ref.key for ref in refs]
    assert len(keys) == len(set(keys))
    assert "he2022masked" in keys
    library = parse_bibtex(bibtex(refs).decode() + bibtex(refs[:1]).decode())   # the check can fail
    assert [type(b).__name__ for b in library.failed_blocks] == ["DuplicateBlockKeyBlock"]


@pytest.mark.parametrize(("author", "year", "title", "key"), [
    ("Kaiming He", 2022, "Masked Autoencoders Are Scalable Vision Learners", "he2022masked"),
    ("Piotr Dollár", 2019, "On the Origin of Things", "dollar2019origin"),
    ("Jascha Sohl-Dickstein", None, "A", "sohldickstein" + "nd" + "a"),
    (None, 2020, "Why ResNets Work", "anon2020resnets"),
])
def test_base_keys_are_readable(author, year, title, key):
    assert base_key(author, year, title) == key


def test_clashing_keys_are_told_apart_by_iri_not_by_list_order():
    bases = {"p/3": "he2022masked", "p/1": "he2022masked", "p/2": "he2022maskedb", "p/4": "he2022masked"}
    keys = assign_keys(bases)
    assert keys == {"p/1": "he2022masked", "p/2": "he2022maskedb", "p/3": "he2022maskedc", "p/4": "he2022maskedd"}
    assert assign_keys(dict(reversed(bases.items()))) == keys


HOSTILE = Reference(iri=BASE + "paper/x", key="x2020", title="ResNets & SGD: 50% of $x_1$ {braces} ~ Dollár’s ÆON",
                    authors=("Łukasz Kaiser", "Laurens van der Maaten", "Plato", "Ernst and Young"), year=2020,
                    venue="ICML 2020", kind="conference", url="https://example.org/a_b%20c#d")


def test_escaping_round_trips_special_characters():
    text = bibtex([HOSTILE]).decode()
    assert "{SGD:}" in text
    assert r"{\&}" in text
    assert r"50{\%}" in text
    assert r"Doll{\'a}r" in text
    entry = parse_bibtex(text).entries[0]
    assert entry["title"].replace("{", "").replace("}", "") == HOSTILE.title.replace("{", "").replace("}", "")
    assert raw_authors(text) == [list(HOSTILE.authors)]
    import bibtexparser  # URLs are written as they are (no LaTeX to decode: `%` is not a comment there)

    assert bibtexparser.parse_string(text).entries[0]["url"] == HOSTILE.url


def test_capitals_are_protected_word_by_word():
    assert protected_title("Deep ResNets and SGD") == "Deep {ResNets} and {SGD}"


def test_csl_json_validates_against_the_csl_data_schema(refs):
    import jsonschema

    schema = json.loads((FIXTURES / "csl-data.json").read_text(encoding="utf-8"))
    items = json.loads(csl_json([*refs, HOSTILE]))
    jsonschema.validate(items, schema)
    assert {item["type"] for item in items} == {"paper-conference", "article-journal", "thesis", "article"}
    bad = [dict(items[0], author="Kaiming He")]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_csl_json_renders_a_bibliography_with_citeproc(refs):
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    items = json.loads(csl_json(refs))
    source = CiteProcJSON(items)
    style = CitationStylesStyle(str(FIXTURES / "apa.csl"), validate=False)
    bib = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bib.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bib.bibliography()]
    assert len(rendered) == len(refs)
    he = next(r for r in rendered if "Masked Autoencoders" in r)
    assert he.startswith("He, K., Chen, X., Xie, S., Li, Y., Dollár, P., & Girshick, R. (2022)"), he


def test_ris_reads_back_with_rispy(refs, catalog):
    import rispy

    records = rispy.loads(ris(refs).decode())
    assert len(records) == len(catalog.papers)
    by_id = {r["id"]: r for r in records}
    for ref in refs:
        record = by_id[ref.key]
        assert record["title"] == ref.title
        assert [", ".join(reversed(a.split(", "))).replace(", ", " ") for a in record.get("authors", [])] == \
            list(ref.authors), ref.key
        assert record.get("year") == (str(ref.year) if ref.year else None)
        assert record.get("secondary_title") == ref.venue


@pytest.mark.parametrize("fmt", ["bibtex", "csljson", "ris"])
def test_export_is_deterministic(fmt, tmp_path):
    outputs = []
    for n in range(2):
        out = tmp_path / f"{n}.{fmt}"
        subprocess.run([sys.executable, "-m", "phenkg.cli", "export", "--data", str(DATA), "--format", fmt,
                        "-o", str(out)], check=True, capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 10_000


def test_citation_cff_names_the_list_and_its_maintainer(catalog):
    import yaml

    cff = yaml.safe_load(cite.citation_cff(catalog.source, BASE))
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "dataset"
    assert cff["title"] == catalog.source.title
    assert cff["commit"] == catalog.source.commit
    assert str(cff["date-released"]) == catalog.source.date
    assert cff["authors"] == [{"alias": "MinghuiChen43", "website": "https://github.com/MinghuiChen43"}]
    assert cff["repository"] == catalog.source.repository


def test_citation_cff_validates_against_the_cff_schema(catalog):
    import jsonschema
    import yaml

    schema = json.loads((FIXTURES / "cff-schema.json").read_text(encoding="utf-8"))
    cff = yaml.safe_load(cite.citation_cff(catalog.source, BASE))
    jsonschema.validate(cff, schema, format_checker=jsonschema.FormatChecker())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(dict(cff, authors=[]), schema)


def test_build_writes_citation_cff_and_the_key_table_the_server_reads(tmp_path, catalog):
    import pyoxigraph

    from phenkg.cite.reference import KEYS_FILE, keys_json
    from phenkg.serve import Executor, Settings, call, create_app

    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "phenkg.cli", "build", "--data", str(DATA), "--out", str(out),
                    "--formats", "store"], check=True, capture_output=True)
    assert (out / "CITATION.cff").read_bytes() == cite.citation_cff(catalog.source, BASE)
    store = pyoxigraph.Store.read_only(str(out / "store"))
    assert (out / KEYS_FILE).read_bytes() == keys_json(store)
    keys = json.loads((out / KEYS_FILE).read_bytes())
    paper = BASE + "paper/arxiv-2111.06377"
    assert keys[paper] == "he2022masked"
    (out / KEYS_FILE).write_text(json.dumps({**keys, paper: "doctored2022"}), encoding="utf-8")
    app = create_app(Executor(store), Settings(base=BASE, dist=out), store)
    status, _, body = call(app, "/paper/arxiv-2111.06377", "application/x-bibtex")
    assert status == 200
    assert body.startswith(b"@inproceedings{doctored2022,")      # read from the build, not recomputed


def test_citation_files_for_the_site(store, catalog):
    files = cite.catalog_citation_files(catalog, BASE)
    assert files["CITATION.cff"] == cite.citation_cff(catalog.source, BASE)
    assert {"phenkg.bib", "phenkg.csl.json", "phenkg.ris"} <= set(files)
    topic = catalog.topics[0].key
    in_topic = parse_bibtex(files[f"topic/{topic}.bib"].decode()).entries
    assert len(in_topic) == sum(any(x.topic == topic for x in p.listings) for p in catalog.papers)
    paper = catalog.papers[0].key
    assert len(json.loads(files[f"paper/{paper}.csl.json"])) == 1


def test_plain_reference_reads_like_apa():
    from phenkg.cite.write import plain_reference

    two = Reference(iri="x", key="k", title="Emergence of Invariance", authors=("Alessandro Achille", "Stefano Soatto"),
                    year=2017, venue="JMLR", kind="journal", url="https://arxiv.org/abs/1706.01350")
    assert plain_reference(two) == ("Achille, A., & Soatto, S. (2017). Emergence of Invariance. JMLR. "
                                    "https://arxiv.org/abs/1706.01350")
    assert plain_reference(HOSTILE).startswith("Kaiser, Ł., van der Maaten, L., Plato, & Ernst and Young (2020). "
                                               "ResNets & SGD")

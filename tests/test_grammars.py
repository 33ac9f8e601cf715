"""The paper-list grammars (phenkg.grammars): each on a small invented list, detection per block, `--format`,
and, on the four real lists in shared/lists/ (not copied into the project), the accuracy against a hand
reading (tests/data/lists/*.expected.yaml) and that no item is lost without a report line."""

from __future__ import annotations

from pathlib import Path

import pytest

from phenkg.errors import UnusableInputError
from phenkg.grammars import FORMATS, read_list
from phenkg.grammars.document import ListBlock, plain, sections
from phenkg.grammars.entry import split_people
from phenkg.parse import parse
from tests.list_accuracy import LISTS, score, shared_lists

BOLD_YEAR = """# Papers

### Vision

- **Deep residual learning for image recognition** (2016), K. He et al. [[pdf]](http://arxiv.org/pdf/1512.03385)
- **Fast R-CNN** (2015), R. Girshick [[pdf]](http://example.org/frcnn.pdf) [[web]](http://example.org/frcnn)
- Reducing the dimensionality of data with neural networks, G. Hinton and R. Salakhutdinov. [[pdf]](http://example.org/s.pdf)
- Improving similarity (2015), O. Levy et al. [[pdf]] (https://example.org/levy.pdf)
"""

NUMBERED = """# GNN

## [Survey papers](#content)

1. **A Comprehensive Survey on Graph Neural Networks.** arxiv 2019. [paper](https://arxiv.org/pdf/1901.00596.pdf)

    *Zonghan Wu, Shirui Pan, Philip S. Yu.*

1. **Relational Inductive Biases.** arxiv 2018. [paper](https://arxiv.org/pdf/1806.01261.pdf)

    *Battaglia, Peter W and Hamrick, Jessica B.*

1. **Introduction to Graph Neural Networks.** Synthesis Lectures, Morgan & Claypool Publishers, 2020. [book](https://example.org/book)

    *Zhiyuan Liu, Jie Zhou.*

<details><summary> more </summary>

21. **Graph Representation Learning via Ladder.** AAAI 2020. [paper]()
	*Arindam Sarkar, Nikhil Mehta.*
</details>
"""

TABLES = """# LLM

## Milestone Papers

|  Date  | keywords | Institute | Paper |
|:------:|:--------:|:---------:|-------|
| 2017-06 | Transformers | Google | [Attention Is All You Need](https://arxiv.org/pdf/1706.03762.pdf) |
| 2019-02 | GPT 2.0, LM | OpenAI | [Language Models are Unsupervised Multitask Learners](https://example.org/gpt2.pdf) |
|||

## 2018
| Title | Conf | Code | Stars |
|:--------|:--------:|:--------:|:--------:|
| [Video-to-Video Synthesis](https://arxiv.org/abs/1808.06601) | NIPS | [code](https://github.com/NV/v2v) | 5578 |
| [Pelee: A Real-Time Object Detection System](nan) | NIPS | [code](https://github.com/Robert-JunWang/Pelee) | 548 |

## Tools
- [vLLM](https://github.com/vllm-project/vllm) - A high-throughput inference engine.
- [ollama](https://github.com/ollama/ollama) — Get up and running.

## Contributing
- [Guide](https://example.org/contributing) - how to add a paper
"""


def by_title(catalog):
    return {p.title: p for p in catalog.papers}


def test_bold_year_grammar_reads_title_year_authors_and_links():
    papers = by_title(read_list(BOLD_YEAR, "adlp.md"))
    resnet = papers["Deep residual learning for image recognition"]
    assert (resnet.url, resnet.authors, resnet.more_authors, resnet.date) == (
        "http://arxiv.org/pdf/1512.03385", ["K. He"], True, "2016")
    frcnn = papers["Fast R-CNN"]
    assert (frcnn.authors, frcnn.more_authors, [(x.kind, x.url) for x in frcnn.links]) == (
        ["R. Girshick"], False, [("web", "http://example.org/frcnn")])
    hinton = papers["Reducing the dimensionality of data with neural networks"]
    assert (hinton.authors, hinton.date) == (["G. Hinton", "R. Salakhutdinov"], None)
    assert papers["Improving similarity"].url == "https://example.org/levy.pdf"
    assert resnet.listings[0].topic == "vision"


def test_bold_year_grammar_reports_what_it_guessed():
    catalog = read_list(BOLD_YEAR, "adlp.md")
    assert {(p.line, p.code) for p in catalog.problems} >= {(7, "no-year"), (8, "link-space")}


def test_numbered_venue_grammar_reads_the_authors_line_and_bibtex_names():
    catalog = read_list(NUMBERED, "gnn.md")
    papers = by_title(catalog)
    survey = papers["A Comprehensive Survey on Graph Neural Networks"]
    assert (survey.venue.printed, survey.venue.year, survey.authors) == (
        "arxiv 2019", 2019, ["Zonghan Wu", "Shirui Pan", "Philip S. Yu"])
    assert papers["Relational Inductive Biases"].authors == ["Peter W Battaglia", "Jessica B Hamrick"]
    book = papers["Introduction to Graph Neural Networks"]
    assert (book.url, book.venue.year) == ("https://example.org/book", 2020)
    ladder = papers["Graph Representation Learning via Ladder"]
    assert (ladder.url, ladder.authors) == (None, ["Arindam Sarkar", "Nikhil Mehta"])
    assert any(p.code == "broken-link" and p.line == ladder.listings[0].line for p in catalog.problems)
    assert [t.name for t in catalog.topics] == ["Survey papers"]


def test_table_grammar_reads_columns_by_their_headers():
    catalog = read_list(TABLES, "llm.md")
    papers = by_title(catalog)
    attention = papers["Attention Is All You Need"]
    assert (attention.date, attention.keywords, attention.listings[0].line) == ("2017-06", ["Transformers"], 7)
    assert papers["Language Models are Unsupervised Multitask Learners"].keywords == ["GPT 2.0", "LM"]
    vid = papers["Video-to-Video Synthesis"]
    assert (vid.venue.printed, vid.venue.name, vid.venue.year, vid.code_urls) == (
        "NIPS 2018", "NIPS", 2018, ["https://github.com/NV/v2v"])
    assert vid.listings[0].year == 2018
    pelee = papers["Pelee: A Real-Time Object Detection System"]
    assert pelee.url is None
    assert any(p.code == "broken-link" and p.line == 15 for p in catalog.problems)


def test_link_list_grammar_and_skipped_sections():
    catalog = read_list(TABLES, "llm.md")
    papers = by_title(catalog)
    assert papers["vLLM"].digest == "A high-throughput inference engine."
    assert papers["ollama"].url == "https://github.com/ollama/ollama"
    assert "Guide" not in papers
    assert any(p.code == "skipped-section" for p in catalog.problems)


def test_each_block_is_read_by_its_own_grammar():
    mixed = TABLES + "\n## Vision\n\n" + BOLD_YEAR.split("### Vision\n\n")[1]
    papers = by_title(read_list(mixed, "mixed.md"))
    assert papers["Fast R-CNN"].authors == ["R. Girshick"]
    assert papers["Attention Is All You Need"].date == "2017-06"


def test_format_forces_one_grammar():
    catalog = read_list(TABLES, "llm.md", fmt="link-list")
    assert {p.title for p in catalog.papers} == {"vLLM", "ollama"}
    with pytest.raises(ValueError, match="unknown format"):
        read_list(TABLES, "llm.md", fmt="no-such-grammar")
    assert FORMATS[0] == "seed"


def test_the_seed_family_keeps_its_own_reader():
    for fixture in sorted((Path(__file__).parent / "data" / "parse").glob("*/*.md")):
        text = fixture.read_text(encoding="utf-8", errors="replace")
        try:
            expected = parse(text, str(fixture))
        except UnusableInputError:
            with pytest.raises(UnusableInputError):
                read_list(text, str(fixture))
            continue
        got = read_list(text, str(fixture))
        assert (got.papers, got.problems, got.topics) == (expected.papers, expected.problems, expected.topics), fixture


def test_a_readme_is_not_a_list():
    with pytest.raises(UnusableInputError):
        read_list("# Tool\n\n## Install\n\n- run `pip install tool`\n- then `tool --help`\n", "README.md")


@pytest.mark.parametrize(("text", "names", "more"), [
    ("K. He et al.", ["K. He"], True),
    ("Battaglia, Peter W and Hamrick, Jessica B and Bapst, Victor.", ["Peter W Battaglia", "Jessica B Hamrick",
                                                                      "Victor Bapst"], False),
    ("Zonghan Wu, Shirui Pan, Philip S. Yu.", ["Zonghan Wu", "Shirui Pan", "Philip S. Yu"], False),
    ("A. Toshev and C. Szegedy", ["A. Toshev", "C. Szegedy"], False),
    ("Duong Minh Le, My Thai and Thien Huu Nguyen.", ["Duong Minh Le", "My Thai", "Thien Huu Nguyen"], False),
    ("S. Ioffe.", ["S. Ioffe"], False),
])
def test_author_styles(text, names, more):
    assert split_people(text) == (names, more)


def test_plain_text_of_a_heading():
    assert plain("[Basic Models](#content)") == "Basic Models"
    assert plain("Awesome-LLM [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)") == "Awesome-LLM"


# -- the four real lists --------------------------------------------------------------------------------
READINGS = sorted(LISTS.glob("*.expected.yaml"))


@pytest.fixture(scope="module")
def lists_dir() -> Path:
    found = shared_lists()
    if found is None:
        pytest.skip("shared/lists/ (the four real lists) is not beside this checkout")
    return found


@pytest.mark.parametrize("reading", READINGS, ids=lambda p: p.name.split(".")[0])
def test_accuracy_against_a_hand_reading(reading: Path, lists_dir: Path):
    name = reading.name.replace(".expected.yaml", ".md")
    catalog = read_list((lists_dir / name).read_text(encoding="utf-8"), name)
    result = score(catalog, reading)
    assert result.entries >= 50
    assert result.percent(result.titles_urls) >= 98, result.misses
    assert result.percent(result.authors_years) >= 95, result.misses


@pytest.mark.parametrize("name", [p.name.replace(".expected.yaml", ".md") for p in READINGS])
def test_no_item_is_lost_without_a_report_line(name: str, lists_dir: Path):
    text = (lists_dir / name).read_text(encoding="utf-8")
    catalog = read_list(text, name)
    accounted = {x.line for p in catalog.papers for x in p.listings} | {p.line for p in catalog.problems}
    skipped = [p.line for p in catalog.problems if p.code == "skipped-section"]
    lost = []
    for section in sections(text):
        if section.heading and section.heading.line in skipped:
            continue
        for block in section.blocks:
            rows = block.items if isinstance(block, ListBlock) else block.rows
            for row in rows:
                visible = plain(getattr(row, "text", "") or " ".join(getattr(row, "cells", [])))
                if visible and row.line not in accounted:
                    lost.append((row.line, visible[:60]))
    assert not lost


def round_trip(catalog):
    from phenkg.render import render

    again = read_list(render(catalog), "rendered.md")
    return [p.content() for p in again.papers], [p.content() for p in catalog.papers]


@pytest.mark.parametrize("text", [BOLD_YEAR, NUMBERED, TABLES], ids=["bold-year", "numbered-venue", "tables"])
def test_render_round_trips_every_format(text):
    """render writes the seed's format for any input, and reading it back gives the same papers (date and
    'et al.' included) apart from their lines."""
    again, before = round_trip(read_list(text, "list.md"))
    assert again == before


@pytest.mark.parametrize("name", [p.name.replace(".expected.yaml", ".md") for p in READINGS])
def test_render_round_trips_the_real_lists(name: str, lists_dir: Path):
    again, before = round_trip(read_list((lists_dir / name).read_text(encoding="utf-8"), name))
    assert again == before


OTHER_SHAPES = """# Other shapes (invented)

## Vision

| Title | Authors | Venue | Year | Paper | Code |
|---|---|---|---|---|---|
| Deep Residual Learning | K. He, X. Zhang | CVPR |2016| [pdf](https://arxiv.org/abs/1512.03385) | [c](https://g.co/a) |
| Attention Is All You Need | Ashish Vaswani et al. | NeurIPS | 2017 | [arXiv](https://arxiv.org/abs/1706.03762) | |

## Links

- [Faster R-CNN](https://arxiv.org/abs/1506.01497) - Shaoqing Ren, Kaiming He, Ross Girshick, Jian Sun. NIPS 2015.
- [Mask R-CNN](https://arxiv.org/abs/1703.06870) (ICCV 2017)
- [vLLM](https://github.com/vllm-project/vllm) - A high-throughput and memory-efficient inference engine. Since 2023.
"""


def test_tables_with_a_plain_title_and_link_columns():
    papers = by_title(read_list(OTHER_SHAPES, "other.md"))
    resnet = papers["Deep Residual Learning"]
    assert (resnet.url, resnet.authors, resnet.venue.printed, resnet.date, resnet.code_urls) == (
        "https://arxiv.org/abs/1512.03385", ["K. He", "X. Zhang"], "CVPR 2016", "2016",
        ["https://g.co/a"])
    attention = papers["Attention Is All You Need"]
    assert (attention.url, attention.authors, attention.more_authors) == (
        "https://arxiv.org/abs/1706.03762", ["Ashish Vaswani"], True)


def test_a_linked_title_followed_by_its_facts():
    papers = by_title(read_list(OTHER_SHAPES, "other.md"))
    faster = papers["Faster R-CNN"]
    assert (faster.authors, faster.venue.printed, faster.date, faster.digest) == (
        ["Shaoqing Ren", "Kaiming He", "Ross Girshick", "Jian Sun"], "NIPS 2015", "2015", None)
    assert (papers["Mask R-CNN"].venue.printed, papers["Mask R-CNN"].authors) == ("ICCV 2017", [])
    vllm = papers["vLLM"]     # a note, not facts
    assert (vllm.authors, vllm.venue, vllm.digest) == (
        [], None, "A high-throughput and memory-efficient inference engine. Since 2023.")

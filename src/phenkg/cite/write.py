"""References -> BibTeX, CSL-JSON, RIS, a plain formatted reference; the dataset's CITATION.cff.

Each writer formats `Reference`s only (phenkg.cite.reference reads them from the graph), and writes the
same references to the same bytes.

BibTeX: `@inproceedings` for a venue printed with a year, `@article` for one without, `@phdthesis`
for a thesis, `@misc` (with the arXiv eprint and DOI) for a preprint. Text is escaped to LaTeX by
pylatexenc (non-ASCII letters as `{\\'a}`, `&`, `%`, `_`, ... escaped), the encoder bibtexparser's
own LaTeX middleware uses; a title word with a capital after its first letter (an acronym, `ResNet`)
is braced so styles that lower-case titles keep it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache

from phenkg.cite.reference import Reference
from phenkg.model import Source, repo_name
from phenkg.vocab import base_iri

CFF_NAME = "CITATION.cff"
BIBTEX_TYPES = {"conference": "inproceedings", "journal": "article", "thesis": "phdthesis", "preprint": "misc"}
CSL_TYPES = {"conference": "paper-conference", "journal": "article-journal", "thesis": "thesis",
             "preprint": "article"}
RIS_TYPES = {"conference": "CPAPER", "journal": "JOUR", "thesis": "THES", "preprint": "UNPB"}
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten"}


@cache
def _encoder():
    """pylatexenc's encoder, and the printable ASCII characters it changes (text without any, and without
    non-ASCII, is its own LaTeX: the common case, skipped, which makes a large list's BibTeX 5x faster)."""
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    encoder = UnicodeToLatexEncoder(replacement_latex_protection="braces-all", unknown_char_policy="keep",
                                    unknown_char_warning=False)   # kept as it is, with no bare warning
    return encoder, frozenset(c for c in map(chr, range(32, 127)) if encoder.unicode_to_latex(c) != c)


def latex(text: str) -> str:
    """LaTeX for plain text; '--' stays two hyphens (TeX would print a dash), as do quotes ('' and ``)."""
    encoder, special = _encoder()
    text = " ".join(text.split())
    escaped = text if text.isascii() and special.isdisjoint(text) else encoder.unicode_to_latex(text)
    for ligature in ("--", "``", "''"):
        while ligature in escaped:
            escaped = escaped.replace(ligature, ligature[0] + "{}" + ligature[1])
    return escaped


def protected_title(title: str) -> str:
    """LaTeX for a title, each word with a capital after its first letter braced: '{ResNet}s', '{SGD}'."""
    words = []
    for word in title.split():
        escaped = latex(word)
        words.append("{" + escaped + "}" if any(c.isupper() for c in word[1:]) else escaped)
    return " ".join(words)


def _url(url: str) -> str:
    """A URL as a BibTeX value: the characters that would break the braces percent-encoded."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def _bibtex_name(name: str) -> str:
    """One author; a name that itself holds ' and ' (an organisation) is braced, so it stays one."""
    return "{" + latex(name) + "}" if " and " in f" {name.lower()} " else latex(name)


def bibtex_entry(ref: Reference) -> str:
    fields: list[tuple[str, str]] = [("author", " and ".join(_bibtex_name(a) for a in ref.authors)),
                                     ("title", protected_title(ref.title))]
    venue = latex(ref.venue) if ref.venue else ""
    if ref.kind == "conference":
        fields.append(("booktitle", venue))
    elif ref.kind == "journal":
        fields.append(("journal", venue))
    elif ref.kind == "thesis":
        fields.append(("type", venue))
    if ref.year is not None:
        fields.append(("year", str(ref.year)))
    if ref.arxiv:
        fields += [("eprint", ref.arxiv), ("archiveprefix", "arXiv")]
    if ref.doi:
        fields.append(("doi", ref.doi))
    if ref.url:
        fields.append(("url", _url(ref.url)))
    if ref.keywords:
        fields.append(("keywords", latex(", ".join(ref.keywords))))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields if value)
    return f"@{BIBTEX_TYPES[ref.kind]}{{{ref.key},\n{body}}}\n"


def bibtex(refs: Iterable[Reference]) -> bytes:
    return "\n".join(bibtex_entry(r) for r in refs).encode()


def person(name: str) -> dict[str, str]:
    """'Kaiming He' -> family He, given Kaiming; 'Laurens van der Maaten' -> family 'van der Maaten'."""
    parts = name.split()
    if len(parts) < 2 or "and" in parts:        # one word, or an organisation ('Ernst and Young')
        return {"literal": name}
    cut = next((i for i in range(1, len(parts) - 1) if parts[i].lower() in _PARTICLES), len(parts) - 1)
    return {"family": " ".join(parts[cut:]), "given": " ".join(parts[:cut])}


def csl_item(ref: Reference) -> dict:
    item: dict = {"id": ref.key, "type": CSL_TYPES[ref.kind], "title": ref.title}
    if ref.authors:
        item["author"] = [person(a) for a in ref.authors]
    if ref.year is not None:
        item["issued"] = {"date-parts": [[ref.year]]}
    if ref.venue:
        item["genre" if ref.kind == "thesis" else "container-title"] = ref.venue
    if ref.kind == "preprint" and ref.arxiv:
        item["publisher"] = "arXiv"
        item["number"] = f"arXiv:{ref.arxiv}"
    if ref.doi:
        item["DOI"] = ref.doi
    if ref.url:
        item["URL"] = ref.url
    if ref.keywords:
        item["keyword"] = ", ".join(ref.keywords)
    if ref.abstract:
        item["abstract"] = ref.abstract
    return item


def csl_json(refs: Iterable[Reference]) -> bytes:
    return (json.dumps([csl_item(r) for r in refs], ensure_ascii=False, indent=1) + "\n").encode()


def _ris_name(name: str) -> str:
    found = person(name)
    return found.get("literal") or f"{found['family']}, {found['given']}"


def ris_record(ref: Reference) -> str:
    tags: list[tuple[str, str]] = [("TY", RIS_TYPES[ref.kind]), ("ID", ref.key), ("TI", ref.title)]
    tags += [("AU", _ris_name(a)) for a in ref.authors]
    if ref.year is not None:
        tags.append(("PY", str(ref.year)))
    if ref.venue:
        tags.append(("T2", ref.venue))
        if ref.kind == "journal":
            tags.append(("JO", ref.venue))
    if ref.kind == "preprint" and ref.arxiv:
        tags.append(("PB", "arXiv"))
    if ref.doi:
        tags.append(("DO", ref.doi))
    if ref.url:
        tags.append(("UR", ref.url))
    tags += [("KW", k) for k in ref.keywords]
    if ref.abstract:
        tags.append(("AB", ref.abstract))
    # RIS is line-based: a value never holds a line break
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in tags) + "ER  - \r\n"


def ris(refs: Iterable[Reference]) -> bytes:
    return "\r\n".join(ris_record(r) for r in refs).encode()


def _initials(name: str) -> str:
    found = person(name)
    if "literal" in found:
        return found["literal"]
    initials = " ".join(part[0] + "." for part in found["given"].replace("-", " ").split() if part)
    return f"{found['family']}, {initials}"


def plain_reference(ref: Reference) -> str:
    """An author-date reference (after APA): 'He, K., Chen, X., & Girshick, R. (2022). Title. Venue. URL'."""
    names = [_initials(a) for a in ref.authors]
    if len(names) > 1:
        names[-1] = "& " + names[-1]
    authors = ", ".join(names)
    parts = [authors, f"({ref.year if ref.year is not None else 'n.d.'}).", ref.title.rstrip(".") + "."]
    if ref.venue:
        parts.append(ref.venue + ".")
    elif ref.arxiv:
        parts.append(f"arXiv:{ref.arxiv}.")
    if ref.doi:
        parts.append(f"https://doi.org/{ref.doi}")
    elif ref.url:
        parts.append(ref.url)
    return " ".join(p for p in parts if p)


def bibliography(refs: Iterable[Reference]) -> bytes:
    return "".join(plain_reference(r) + "\n" for r in refs).encode()


# -- the dataset -----------------------------------------------------------------------------------------
def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)      # a JSON string is a YAML scalar


def citation_cff(source: Source, base: str) -> bytes:
    """CITATION.cff (Citation File Format 1.2.0) for the dataset: the list's title, its maintainer (the
    owner of its source repository), its commit and date."""
    lines = ["cff-version: 1.2.0",
             f"message: {_yaml('If you use this dataset, please cite it as below.')}",
             "type: dataset",
             f"title: {_yaml(source.title)}",
             "authors:"]
    owner = repo_name(source.repository).split("/")[0] if source.repository else None
    if owner and source.repository and "github.com" in source.repository:
        lines += [f"  - alias: {_yaml(owner)}", f"    website: {_yaml('https://github.com/' + owner)}"]
    else:
        lines.append(f"  - name: {_yaml(owner or source.title)}")
    if source.repository:
        lines.append(f"repository: {_yaml(source.repository)}")
    lines.append(f"url: {_yaml(base_iri(base))}")
    if source.commit:
        lines.append(f"commit: {_yaml(source.commit)}")
    if source.date:
        lines.append(f"date-released: {_yaml(source.date)}")
    lines.append(f"keywords: [{_yaml('deep learning')}, {_yaml('knowledge graph')}, {_yaml('bibliography')}]")
    return ("\n".join(lines) + "\n").encode()

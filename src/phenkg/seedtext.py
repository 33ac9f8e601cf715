"""The seed family's text forms: the patterns its lines are read with, and the helpers that turn a
line's text into a title, links, keywords or authors. No state: phenkg.seedlines reads the lines."""

from __future__ import annotations

import re

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,3}[.)])(?:\s+(?P<text>.*)|$)")
YEAR_TITLE = re.compile(r"^(?P<title>.*?)[\s:\-–—]*(?P<year>(?:19|20)\d\d)$")
YEAR_RANGE = re.compile(  # a year group that is not one year: '2019 and Before', 'Before 2016', '2016-2018'
    r"^(?P<title>.*?)[\s:\-–—]*(?P<label>(?:19|20)\d\d\s+(?:and|&)\s+(?:before|earlier|older|prior|after|later)"
    r"|(?:before|pre|until|up to)[\s-]*(?:19|20)\d\d|(?:19|20)\d\d\s*[-–—]\s*(?:(?:19|20)\d\d|present|now))$",
    re.IGNORECASE)
LINK = re.compile(r"\[\[\s*(?P<kind>[^\]]*?)\s*\]\]\((?P<url>[^)\s]*)(?P<close>\))?")
SINGLE_LINK = re.compile(r"(?<![\[!])\[(?P<kind>[A-Za-z][\w .-]{0,20})\]\((?P<url>[^)\s]*)(?P<close>\))?")
_WRAPPED_LINK = re.compile(  # '[[code](url)]' and '([paper](url))': a link inside brackets of its own
    r"\[\[\s*(?P<kind>[A-Za-z][\w .-]{0,20}?)\s*\]\((?P<url>[^)\s]*)\)\]"
    r"|\(\s*\[(?P<kind2>[A-Za-z][\w .-]{0,20}?)\]\((?P<url2>[^)\s]*)\)\s*\)")
ANY_PAPER_LINK = re.compile(r"\[\s*paper\s*\]\]?\(", re.IGNORECASE)
LEADING_TITLE_LINK = re.compile(r"^\[(?P<title>[^\]]+)\]\((?P<url>[^)\s]+)\)\s*(?:[-–—:]\s*)?")
URL = re.compile(r"^https?://[^\s/?#.]+\.[^\s]+$", re.IGNORECASE)
LABEL = re.compile(r"^\s*(?:\*\*)?(?P<label>[A-Za-z][A-Za-z ]{0,24}?)(?:\*\*)?\s*[:：]\s*(?:\*\*\s*)?(?P<rest>.*)$")
VENUE_AT_END = re.compile(r"^(?P<authors>.*?)[\s.,;]*(?:\*{1,2}|_)\s*(?P<venue>[^*_]+?)\s*(?:\*{1,2}|_)\s*\.?\s*$")
_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)(?P<text>\S(?:.*\S)?)\1$")
_AND = re.compile(r"\s*,?\s+(?:and|&)\s+")
_TAG = re.compile(r"</?(?:br|p|div|span|sup|sub|a|b|i|em|strong|img|center|font|code|hr)\b[^>]*>", re.IGNORECASE)
_IMAGE = re.compile(r"\[\s*!\[[^\]]*\]\([^)]*\)\s*\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)")
DETAILS_OPEN = re.compile(r"<details[^>]*>", re.IGNORECASE)
DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
SUMMARY = re.compile(r"<summary[^>]*>(?P<text>.*?)</summary\s*>", re.IGNORECASE)
NOT_ENTRIES = re.compile(
    r"contents|contribut|related|resources|template|licen[cs]e|citation|cite|acknowledg|star history|"
    r"^about|^footnote|^how to", re.IGNORECASE)
FIELDS = {"keyword": "keywords", "keywords": "keywords", "keyword(s)": "keywords", "tags": "keywords",
           "digest": "digest", "summary": "digest", "tldr": "digest", "abstract": "digest",
           "author": "authors", "authors": "authors", "authorlist": "authors", "date": "date"}
DATE = re.compile(r"(?:1[89]|20)\d\d(?:-(?:0[1-9]|1[0-2]))?")   # 'Date: 2019-02', as render writes a list's date
ET_AL = re.compile(r"et\.? al\.?", re.IGNORECASE)


def clean(text: str) -> str:
    """Drop stray HTML tags and images, fold spaces."""
    text = _IMAGE.sub("", _TAG.sub("", text))
    return " ".join(text.split())


def title_text(text: str) -> str:
    """A title as printed, without its closing full stop or the emphasis around it: '**Title.**' and
    '**Title**.' are 'Title'."""
    title = clean(text)
    for _ in range(2):
        if title.endswith(".") and not title.endswith(".."):
            title = title[:-1].rstrip()
        if found := _EMPHASIS.match(title):
            title = found["text"]
    return title


def unwrap_links(text: str) -> str:
    """'[[code](url)]' -> '[[code]](url)' and '([paper](url))' -> '[paper](url)': the forms a title line's
    links are read in."""
    def unwrap(found: re.Match[str]) -> str:
        if found["kind"] is not None:
            return f"[[{found['kind']}]]({found['url']})"
        return f"[{found['kind2']}]({found['url2']})"
    return _WRAPPED_LINK.sub(unwrap, text)


def title_heading(lines: list[str]) -> int:
    """In a list without a '# Title', the line of its first heading when no entry follows it before the
    next heading: that heading is the list's title, not a topic. 0 otherwise."""
    headings = [(number, found) for number, line in enumerate(lines, 1) if (found := HEADING.match(line))]
    if any(len(found[1]) == 1 for _, found in headings):
        return 0
    numbers = [number for number, found in headings if not NOT_ENTRIES.search(found[2])]
    if not numbers:
        return 0
    first, end = numbers[0], numbers[1] - 1 if len(numbers) > 1 else len(lines)
    under = [found for line in lines[first:end] if (found := BULLET.match(line)) and not found["indent"]]
    return 0 if under else first


def split_keywords(text: str) -> list[str]:
    text = text.strip().rstrip(".").strip()
    parts = text.split(";") if ";" in text else text.split(",")
    return [part.strip().rstrip(".").strip() for part in parts if part.strip().rstrip(".").strip()]


def looks_like_keywords(text: str) -> bool:
    parts = split_keywords(text)
    return bool(parts) and len(text.split()) <= 15 and all(len(p.split()) <= 5 for p in parts)


_INITIAL_END = re.compile(r"(?:^|[\s.])\w\.$")


def split_authors(text: str) -> list[str]:
    """'A One; B Two, and C Three.' -> the names. The line's closing full stop is not part of the last
    name ('Weinan E.' is 'Weinan E', as in the middle of a list), unless the list writes every name with a
    final initial ('Smith J., Doe A.')."""
    names = []
    for part in re.split(r"[,;]", text.strip()):
        names += [name.strip() for name in _AND.split(part)]
    names = [name for name in names if name]
    if names and names[-1].endswith(".") and not names[-1].endswith(".."):
        initials = _INITIAL_END.search(names[-1]) and any(_INITIAL_END.search(name) for name in names[:-1])
        if not initials:
            names[-1] = names[-1][:-1].rstrip()
    return [name for name in names if name]

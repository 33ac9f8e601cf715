"""Stable keys: the same text always gives the same key, and clashes are resolved by content."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_KEY = re.compile(r"[^a-z0-9]+")
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([a-z-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?",
                    re.IGNORECASE)
_OPENREVIEW = re.compile(r"openreview\.net/(?:forum|pdf)\?(?:[^#\s]*&)?id=([A-Za-z0-9_-]+)")
SLUG_MAX = 60


def slug(text: str, max_len: int = SLUG_MAX) -> str:
    """ASCII, lower case, words joined by '-': 'Piotr Dollár' -> 'piotr-dollar'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = _NON_KEY.sub("-", ascii_text.lower()).strip("-")
    if len(words) > max_len:
        words = words[:max_len].rsplit("-", 1)[0] or words[:max_len]
    return words or "x"


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:6]


def arxiv_id(url: str) -> str | None:
    found = _ARXIV.search(url)
    return found.group(1) if found else None


def openreview_id(url: str) -> str | None:
    found = _OPENREVIEW.search(url)
    return found.group(1) if found else None


def arxiv_year(identifier: str) -> int | None:
    """The year an arXiv id was issued: '2111.06377' -> 2021, 'hep-th/9901001' -> 1999."""
    digits = identifier.rsplit("/", 1)[-1]
    if not digits[:2].isdigit():
        return None
    yy = int(digits[:2])
    return 1900 + yy if yy >= 91 else 2000 + yy


def id_key(url: str) -> str | None:
    """A paper key from an identifier in its URL: arXiv first, then OpenReview."""
    if found := arxiv_id(url):
        return "arxiv-" + found.replace("/", "-")
    if found := openreview_id(url):
        return "openreview-" + found
    return None


class KeyRegistry:
    """Hands out slug keys; a different text whose slug is taken gets the slug plus a hash of the text.

    Order matters only for which text keeps the bare slug; given the same data in the same order
    the keys are always the same.
    """

    def __init__(self) -> None:
        self._by_text: dict[str, str] = {}
        self._taken: set[str] = set()

    def key(self, text: str, base: str | None = None) -> str:
        if (known := self._by_text.get(text)) is not None:
            return known
        candidate = base if base is not None else slug(text)
        if candidate in self._taken:
            candidate = f"{candidate}-{short_hash(text)}"
        self._taken.add(candidate)
        self._by_text[text] = candidate
        return candidate

    @property
    def assigned(self) -> dict[str, str]:
        """Every text seen so far and its key."""
        return self._by_text

"""The records of `data/` -> entries, checking every field at every depth: its type, its range,
its format (keys), that it is known, and that keys are unique and references resolve.

Values come from `store.load_yaml` (dicts, lists, str, int, None). A record of the wrong shape
raises `Invalid`, which holds the path to the value inside its file; `store` turns it into a
`DataError` located by line and column, so this module never needs the text.
"""

from __future__ import annotations

import re
from typing import Any, Literal, overload

from phenkg.identifiers import AUTHOR_SCHEMES, PAPER_SCHEMES, Scheme, problem
from phenkg.model import Dated, Identifiers, Link, Listing, Paper, PaperHistory, Problem, Source, Topic, Venue

YEARS = (1800, 2100)  # a year heading, venue year or topic year outside these is a typo
LINES = (1, 100_000_000)  # a line of the Markdown list
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
ET_AL = re.compile(r"et al\.")  # more_authors: the list names only the first authors
DATE = re.compile(r"(?:1[89]|20)\d\d(?:-(?:0[1-9]|1[0-2]))?")  # a date as a list gives it: 2015 or 2019-02
COMMIT = re.compile(r"[0-9a-f]{7,64}")
ISO_DATE = re.compile(r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])")  # history.yaml
SEVERITIES = ("error", "warning", "info")
_KINDS = {dict: "a mapping", list: "a list", str: "text", int: "a number", type(None): "empty"}
_HINTS = {
    dict: "write its fields indented below it, one `name: value` a line",
    list: "write `{name}:` and below it one `- item` a line",
    str: "write one value; quote it (\"...\") if it holds ': ' or starts with a sign like [ { & * ! |",
    int: "write a whole number in decimal, e.g. 2022",
}
PAPER_FIELDS = frozenset({"key", "title", "url", "links", "authors", "more_authors", "venue", "date", "keywords",
                          "digest", "listings", "ids"})


class Invalid(Exception):
    """A value of the wrong shape: `where` is its path in the file (indexes, field names, and
    ('field', name) for a field's name), `field` how to name it, `entry` the record it is in."""

    def __init__(self, where: tuple, field: str, problem: str, hint: str, entry: str | None = None, *,
                 first: tuple | None = None) -> None:
        super().__init__(f"{field}: {problem}")
        self.where, self.field, self.problem, self.hint, self.entry, self.first = (
            where, field, problem, hint, entry, first)


def kind(value: Any) -> str:
    return _KINDS.get(type(value), type(value).__name__)


class Record:
    """One mapping of a data file, naming its place (`where`) and its entry in every error."""

    __slots__ = ("entry", "prefix", "raw", "where")

    def __init__(self, raw: Any, where: tuple, entry: str, allowed: frozenset[str], prefix: str = "") -> None:
        self.where, self.entry, self.prefix = where, entry, prefix
        if type(raw) is not dict:
            raise Invalid(where, prefix.rstrip(".") or entry, f"must be a mapping of fields, not {kind(raw)}",
                          _HINTS[dict], entry)
        self.raw = raw
        if unknown := raw.keys() - allowed:
            name = sorted(unknown)[0]
            raise Invalid((*where, ("field", name)), prefix + name, "unknown field",
                          f"the fields are {', '.join(sorted(allowed))}", entry)

    def fail(self, name: str | int, problem: str, hint: str, at_field: bool = True) -> Invalid:
        where = (*self.where, name) if at_field else self.where
        return Invalid(where, f"{self.prefix}{name}", problem, hint, self.entry)

    def _value(self, name: str, want: type, required: bool) -> Any:
        value = self.raw.get(name)
        if value is None:
            if required:
                raise self.fail(name, "is required", f"add `{name}:` to this record", at_field=False)
            return None
        if type(value) is not want:
            raise self.fail(name, f"must be {_KINDS[want]}, not {kind(value)}", _HINTS[want].replace("{name}", name))
        return value

    @overload
    def text(self, name: str, required: Literal[True], pattern: re.Pattern[str] | None = None) -> str: ...
    @overload
    def text(self, name: str, required: bool = False, pattern: re.Pattern[str] | None = None) -> str | None: ...

    def text(self, name: str, required: bool = False, pattern: re.Pattern[str] | None = None) -> str | None:
        value = self.raw.get(name)
        if type(value) is int:  # `title: 1984`: the text the contributor wrote
            value = str(value)
        elif value is not None or required:
            value = self._value(name, str, required)
        if value is None:
            return None
        if required and not value.strip():
            raise self.fail(name, "is empty", f"write the {name} or remove the record")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(name, f"{value[:60]!r} is not a key", "a key is ASCII letters, digits, '.', '_' "
                            "and '-', at most 200 long, as `phenkg import` makes them")
        return value

    @overload
    def integer(self, name: str, bounds: tuple[int, int], required: Literal[True]) -> int: ...
    @overload
    def integer(self, name: str, bounds: tuple[int, int], required: bool = False) -> int | None: ...

    def integer(self, name: str, bounds: tuple[int, int], required: bool = False) -> int | None:
        value = self._value(name, int, required)
        if value is not None and not bounds[0] <= value <= bounds[1]:
            raise self.fail(name, f"{value} is out of range", f"a {name} is between {bounds[0]} and {bounds[1]}")
        return value

    def texts(self, name: str) -> list[str]:
        values = self._value(name, list, False) or []
        for i, value in enumerate(values):
            if type(value) is not str:
                if type(value) is not int:
                    raise Invalid((*self.where, name, i), f"{self.prefix}{name}[{i}]",
                                  f"must be text, not {kind(value)}", _HINTS[str], self.entry)
                values[i] = str(value)
        return values

    def integers(self, name: str, bounds: tuple[int, int]) -> list[int]:
        values = self._value(name, list, False) or []
        for i, value in enumerate(values):
            if type(value) is not int or not bounds[0] <= value <= bounds[1]:
                problem = f"must be a number, not {kind(value)}" if type(value) is not int else "is out of range"
                raise Invalid((*self.where, name, i), f"{self.prefix}{name}[{i}]", problem,
                              f"a {name[:-1]} is a whole number between {bounds[0]} and {bounds[1]}", self.entry)
        return values

    def records(self, name: str, allowed: frozenset[str]) -> list[Record]:
        return [Record(x, (*self.where, name, i), self.entry, allowed, f"{self.prefix}{name}[{i}].")
                for i, x in enumerate(self._value(name, list, False) or [])]


def top_list(raw: Any, what: str, required: bool) -> list:
    if raw is None or raw == []:
        if required:
            raise Invalid((), what, "the file holds no records", "restore it with `git checkout`, or re-import "
                          "the list with `phenkg import LIST.md --force`")
        return []
    if type(raw) is not list:
        raise Invalid((), what, f"must be a list of records, not {kind(raw)}",
                      "each record starts with `- key: ...` at the start of a line")
    return raw


def read_source(raw: Any) -> Source:
    if raw is None:
        raise Invalid((), "source", "the file holds no fields", "it needs at least `title:` and `file:`; restore "
                      "it with `git checkout`")
    rec = Record(raw, (), "source", frozenset({"title", "file", "repository", "commit", "date", "preamble"}))
    return Source(title=rec.text("title", True), file=rec.text("file", True), repository=rec.text("repository"),
                  commit=rec.text("commit"), date=rec.text("date"), preamble=rec.text("preamble"))


def read_sources(raw: Any) -> list[Source]:
    """data/sources.yaml: the lists added to source.yaml's, each as source.yaml holds one."""
    return [read_source(item) for item in top_list(raw, "sources", True)]


def read_topics(raw: Any) -> list[Topic]:
    topics: list[Topic] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(top_list(raw, "topics", True)):
        rec = Record(item, (i,), f"topic #{i + 1}", frozenset({"key", "name", "years"}))
        key = rec.text("key", True, KEY)
        if key in seen:
            raise Invalid((i, "key"), "key", f"topic key '{key}' appears twice", "merge the two topics",
                          f"topic {key}", first=(seen[key], "key"))
        seen[key] = i
        topics.append(Topic(key, rec.text("name", True), rec.integers("years", YEARS)))
    return topics


_VENUE = frozenset({"printed", "name", "year", "qualifier"})
_LINK = frozenset({"kind", "url"})
_LISTING = frozenset({"topic", "year", "line", "year_label", "source"})


@overload
def web_url(rec: Record, name: str, required: Literal[True]) -> str: ...
@overload
def web_url(rec: Record, name: str, required: bool = False) -> str | None: ...
def web_url(rec: Record, name: str, required: bool = False) -> str | None:
    """An absolute http(s) URL that becomes a valid IRI, or None where the field may be missing."""
    from urllib.parse import urlsplit

    from pyoxigraph import NamedNode

    from phenkg.markup import is_web_url
    from phenkg.vocab import encoded_iri

    value = rec.text(name, required)
    if value is None:
        return None
    try:
        urlsplit(value)
        NamedNode(encoded_iri(value))         # as the graph writes it
        valid = is_web_url(value)
    except ValueError:
        valid = False
    if not valid:
        raise rec.fail(name, f"'{value[:80]}' is not an absolute http(s) URL",
                          "write the whole address, like https://arxiv.org/abs/2202.08384")
    return value


def identifiers(rec: Record, schemes: dict[str, Scheme]) -> Identifiers | None:
    """The identifiers of a record's fields named like `schemes` (each in its scheme's form), or None."""
    found = {}
    for name, scheme in schemes.items():
        value = rec.text(name)
        if value is None:
            continue
        if (why := problem(scheme, value)) is not None:
            raise rec.fail(name, why, f"write it like {scheme.example}")
        found[name] = value
    return Identifiers(**found) if found else None


def read_paper(raw: Any, index: int) -> Paper:
    key = raw.get("key") if type(raw) is dict else None
    rec = Record(raw, (index,), f"paper {key if type(key) is str else '#' + str(index + 1)}", PAPER_FIELDS)
    venue = None
    if rec.raw.get("venue") is not None:
        v = Record(rec.raw["venue"], (index, "venue"), rec.entry, _VENUE, "venue.")
        printed = v.text("printed", True)
        venue = Venue(printed, v.text("name") or printed, v.integer("year", YEARS), v.text("qualifier"))
    ids = None
    if rec.raw.get("ids") is not None:
        ids = identifiers(Record(rec.raw["ids"], (index, "ids"), rec.entry, frozenset(PAPER_SCHEMES), "ids."),
                          PAPER_SCHEMES)
    return Paper(
        key=rec.text("key", True, KEY), title=rec.text("title", True), url=web_url(rec, "url"),
        links=[Link(x.text("kind", True), web_url(x, "url", True)) for x in rec.records("links", _LINK)],
        authors=rec.texts("authors"), venue=venue, keywords=rec.texts("keywords"), digest=rec.text("digest"),
        listings=[Listing(x.text("topic", True), x.integer("year", YEARS), x.integer("line", LINES),
                          x.text("year_label"), x.text("source")) for x in rec.records("listings", _LISTING)],
        date=rec.text("date", pattern=DATE), more_authors=rec.text("more_authors", pattern=ET_AL) is not None,
        ids=ids)


def read_papers(raw: Any, topic_keys: set[str] | None) -> list[Paper]:
    """Every paper, its key unique and each listing naming a known topic (any topic when `topic_keys` is None)."""
    papers = [read_paper(item, i) for i, item in enumerate(top_list(raw, "papers", True))]
    seen: dict[str, int] = {}
    for i, paper in enumerate(papers):
        if (first := seen.setdefault(paper.key, i)) != i:
            raise Invalid((i, "key"), "key", f"paper key '{paper.key}' appears twice",
                          "merge the two records: one paper, one listing per topic", f"paper {paper.key}",
                          first=(first, "key"))
        for j, listing in enumerate(paper.listings):
            if topic_keys is not None and listing.topic not in topic_keys:
                raise Invalid((i, "listings", j, "topic"), f"listings[{j}].topic",
                              f"unknown topic '{listing.topic}'",
                              f"add it to topics.yaml or use one of {', '.join(sorted(topic_keys))}",
                              f"paper {paper.key}")
    return papers


def read_problems(raw: Any) -> list[Problem]:
    problems = []
    for i, item in enumerate(top_list(raw, "report", False)):
        rec = Record(item, (i,), f"problem #{i + 1}",
                     frozenset({"line", "file", "severity", "code", "entry", "message"}))
        severity = rec.text("severity") or "warning"
        if severity not in SEVERITIES:
            raise rec.fail("severity", f"'{severity}' is not a severity", f"one of {', '.join(SEVERITIES)}")
        problems.append(Problem(rec.integer("line", LINES, True), rec.text("code", True), rec.text("message", True),
                                severity, rec.text("entry"), rec.text("file")))
    return problems


_HISTORY = frozenset({"key", "first_listed", "first_commit", "last_changed", "last_commit"})


def read_history(raw: Any) -> dict[str, PaperHistory]:
    """data/history.yaml: per paper key, the date and commit it was first listed and last changed. A
    record of a paper the list no longer holds is kept (it was listed once) and gives no triples."""
    out: dict[str, PaperHistory] = {}
    seen: dict[str, int] = {}
    for i, item in enumerate(top_list(raw, "history", False)):
        rec = Record(item, (i,), f"history #{i + 1}", _HISTORY)
        key = rec.text("key", True, KEY)
        if key in seen:
            raise Invalid((i, "key"), "key", f"paper key '{key}' has two history records",
                          "run `phenkg history` again to rewrite the file", f"history {key}", first=(seen[key], "key"))
        seen[key] = i
        rec.entry = f"history {key}"
        dates = [_matching(rec, name, ISO_DATE, "a date, YYYY-MM-DD") for name in ("first_listed", "last_changed")]
        commits = [_matching(rec, name, COMMIT, "a commit id in lower-case hex")
                   for name in ("first_commit", "last_commit")]
        out[key] = PaperHistory(key, Dated(commits[0], dates[0]), Dated(commits[1], dates[1]))
    return out


def _matching(rec: Record, name: str, pattern: re.Pattern[str], what: str) -> str:
    value = rec.text(name, True)
    if not pattern.fullmatch(value):
        raise rec.fail(name, f"{value[:60]!r} is not {what}", "run `phenkg history` again to rewrite the file")
    return value


def read_people(raw: Any, names: set[str]) -> dict[str, Identifiers]:
    """data/authors.yaml: for authors the papers name (`name:` as printed), the identifiers a curator
    knows. Each name once, each naming an author of some paper."""
    people: dict[str, Identifiers] = {}
    seen: dict[str, int] = {}
    for i, item in enumerate(top_list(raw, "authors", False)):
        name = item.get("name") if type(item) is dict else None
        rec = Record(item, (i,), f"author {name if type(name) is str else '#' + str(i + 1)}",
                     frozenset({"name", *AUTHOR_SCHEMES}))
        name = rec.text("name", True)
        if name in seen:
            raise Invalid((i, "name"), "name", f"author '{name}' appears twice", "merge the two records",
                          rec.entry, first=(seen[name], "name"))
        if name not in names:
            raise rec.fail("name", f"no paper names the author '{name[:80]}'",
                           "write the name as a paper's `authors:` in papers.yaml prints it")
        seen[name] = i
        found = identifiers(rec, AUTHOR_SCHEMES)
        if found is None:
            raise rec.fail("name", "gives no identifier", f"add one of {', '.join(AUTHOR_SCHEMES)}, or remove "
                           "the record", at_field=False)
        people[name] = found
    return people

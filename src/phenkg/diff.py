"""Typed, entity-level changes between two versions of a list (two Catalogs), and the triples each explains.

A change reads like a sentence (KGCL's spirit, in the list's terms): a paper added, removed,
re-identified (its key changed with its URL or title), renamed, moved to another topic, listed under
another year, its authors, venue, links, keywords or digest changed; a topic added, removed, renamed or
moved; the list's version (source commit) changed; a paper's source lines shifted.

Every triple the RDF Patch (phenkg.patch) deletes or adds is attributed to exactly one change, or to the
`other` group the summary counts: the owner of a triple is known from the per-entity functions of
graph.py (the same lines the export writes), and within a paper's block its predicate and node say which
of the paper's changes it belongs to. Rendering (JSON, Markdown) is in phenkg.changelog.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from phenkg import graph, patch
from phenkg.model import Catalog, Paper, PaperHistory
from phenkg.vocab import DCTERMS, PHENKG, PROV, RDFS, SCHEMA, SKOS, Iris

# kinds, in the order a report lists them
PAPER_ADDED, PAPER_REMOVED, PAPER_REKEYED = "paper-added", "paper-removed", "paper-rekeyed"
RENAMED, MOVED, YEAR, AUTHORS = "paper-renamed", "paper-moved", "paper-year", "paper-authors"
VENUE, LINKS, KEYWORDS, DIGEST = "paper-venue", "paper-links", "paper-keywords", "paper-digest"
TOPIC_ADDED, TOPIC_REMOVED, TOPIC_RENAMED, TOPIC_MOVED = "topic-added", "topic-removed", "topic-renamed", "topic-moved"
SOURCE, LINES, HISTORY, OTHER = "list-version", "paper-lines", "paper-history", "other"
REKEYED = "entity-rekeyed"   # an author's, keyword's or repository's key changed: another spelling with the
                             # same slug came or went before it (model.keys' first-come rule)
KINDS = (PAPER_ADDED, PAPER_REMOVED, PAPER_REKEYED, RENAMED, MOVED, YEAR, AUTHORS, VENUE, LINKS, KEYWORDS,
         DIGEST, TOPIC_ADDED, TOPIC_REMOVED, TOPIC_RENAMED, TOPIC_MOVED, REKEYED, SOURCE, LINES, HISTORY)
# the kinds that say a paper's content changed (not where its lines are, nor which commit it came from)
CONTENT = frozenset(KINDS) - {SOURCE, LINES, HISTORY, TOPIC_ADDED, TOPIC_REMOVED, TOPIC_RENAMED, TOPIC_MOVED,
                              REKEYED}


@dataclass
class Change:
    kind: str
    entity: str                 # a paper's or topic's key ('' for the list itself)
    label: str                  # its title or name, for people
    detail: dict[str, Any] = field(default_factory=dict)
    triples: int = 0            # changed triples attributed to it

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "entity": self.entity, "label": self.label, **self.detail,
                "triples": self.triples}


@dataclass
class Diff:
    changes: list[Change]
    patch: patch.Patch
    other: list[str] = field(default_factory=list)   # changed triples no typed change explains

    @property
    def typed(self) -> int:
        return len(self.patch) - len(self.other)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for change in self.changes:
            out[change.kind] += 1
        return {kind: n for kind, n in out.items() if n}


def diff(old: Catalog, new: Catalog, base: str, graphs: tuple[Graphed, Graphed] | None = None) -> Diff:
    """The typed changes from `old` to `new`, and the RDF Patch between their graphs, every changed
    triple attributed to one change or to `other`. `graphs`: the two catalogs' graphs, when the caller
    has them (a walk over a history graphs each version once)."""
    before, after = graphs or (Graphed(old, base), Graphed(new, base))
    the_patch = patch.between(before.of, after.of)
    changes = Changes(old, new)
    other = []
    for side, lines in ((before, the_patch.deleted), (after, the_patch.added)):
        for line in lines:
            change = changes.explain(line, side.owner(line), side.iris)
            if change is None:
                other.append(line)
            else:
                change.triples += 1
    return Diff(changes.ordered(), the_patch, other)


# -- which entity a triple belongs to --------------------------------------------------------------
class Graphed:
    """A catalog's graph (`graph.blocks`, the lines the export writes) with the owner of each line: the
    entity whose block it is in, as (kind, key or text). Blocks come in a documented order (graph.py),
    zipped strictly with the entities here, so a change of that order fails loudly."""

    def __init__(self, catalog: Catalog, base: str) -> None:
        self.iris = Iris(base)
        keys = catalog.keys
        owners = [("source", ""), *(("source", x.file) for x in catalog.sources), ("scheme", ""),
                  *(("topic", t.key) for t in catalog.topics),
                  *(("paper", p.key) for p in catalog.papers), *(("author", name) for name in keys.authors),
                  *(("keyword", label) for label in keys.keywords), *(("venue", key) for key in keys.venues),
                  *(("repo", url) for url in keys.repos),
                  *(("revision", d.commit) for d in graph.revisions(catalog))]
        self.of: dict[str, tuple[str, str]] = {}
        for owner, lines in zip(owners, graph.blocks(catalog, base), strict=True):
            for line in lines:
                self.of.setdefault(line, owner)

    def owner(self, line: str) -> tuple[str, str] | None:
        return self.of.get(line)


def _p(ns: str, name: str) -> str:
    return f"<{ns}{name}>"


# a paper block's predicate -> the kinds of the paper's changes that may explain it, first found wins
_PAPER_PREDICATES: dict[str, tuple[str, ...]] = {
    _p(SCHEMA, "name"): (RENAMED,),
    _p(SCHEMA, "description"): (DIGEST,),
    _p(SCHEMA, "author"): (AUTHORS,), _p(PHENKG, "authorship"): (AUTHORS,),
    _p(SCHEMA, "keywords"): (KEYWORDS,),
    _p(SCHEMA, "publication"): (VENUE,), _p(PHENKG, "publicationYear"): (VENUE,),
    _p(SCHEMA, "datePublished"): (VENUE,),
    _p(PHENKG, "listing"): (MOVED, YEAR), _p(PHENKG, "listYear"): (YEAR, MOVED),
    _p(DCTERMS, "created"): (HISTORY,), _p(DCTERMS, "modified"): (HISTORY,),
    _p(PHENKG, "firstListedIn"): (HISTORY,), _p(PHENKG, "lastChangedIn"): (HISTORY,),
    **{_p(ns, name): (LINKS,) for ns, name in ((SCHEMA, "url"), (SCHEMA, "sameAs"), (PHENKG, "arxiv"),
                                               (PHENKG, "arxivYear"), (PHENKG, "openreview"),
                                               (PHENKG, "code"), (PHENKG, "link"))},
}
_LISTING_PREDICATES = {_p(PHENKG, "listYear"): (YEAR, MOVED), _p(PHENKG, "sourceLine"): (LINES, MOVED, YEAR)}
_TOPIC_PREDICATES = {_p(PHENKG, "order"): (TOPIC_MOVED,), _p(SCHEMA, "name"): (TOPIC_RENAMED,),
                     _p(SKOS, "prefLabel"): (TOPIC_RENAMED,)}
_WHOLE = (PAPER_ADDED, PAPER_REMOVED, PAPER_REKEYED)
_DERIVED = _p(PROV, "wasDerivedFrom")


# -- the changes -----------------------------------------------------------------------------------
class Changes:
    """The typed changes between two catalogs, found by comparing entries, and the rules that attribute
    a changed triple to one of them."""

    def __init__(self, old: Catalog, new: Catalog) -> None:
        self.by: dict[tuple[str, str], Change] = {}   # (kind, entity) -> change
        self.mentions: dict[tuple[str, str], Change] = {}   # (entity kind, key) -> the change naming it
        self.old, self.new = old, new
        self.paper_terms: dict[str, str] = {}
        self._topics()
        self._papers()
        self._keys()
        if _version_of(old) != _version_of(new):
            self._add(SOURCE, "", new.source.title, {"from": _version(old), "to": _version(new)})

    def ordered(self) -> list[Change]:
        rank = {kind: i for i, kind in enumerate(KINDS)}
        unique = list({id(c): c for c in self.by.values()}.values())  # a re-keyed entity is under both keys
        return sorted(unique, key=lambda c: rank[c.kind])  # stable: catalog order within a kind

    def _add(self, kind: str, entity: str, label: str, detail: dict[str, Any] | None = None) -> Change:
        change = self.by[kind, entity] = Change(kind, entity, label, detail or {})
        return change

    def _mention(self, change: Change, paper: Paper | None) -> None:
        """Register the authors, keywords, venue and repositories a change adds or removes, so their
        entity blocks are attributed to it (the first change that names one wins)."""
        if paper is None:
            return
        dates = catalog_dates(self.old, paper.key) + catalog_dates(self.new, paper.key)
        names = {"author": paper.authors, "keyword": paper.keywords, "repo": paper.code_urls,
                 "venue": [paper.venue.key] if paper.venue else [], "revision": dates}
        for kind, values in names.items():
            for value in values:
                self.mentions.setdefault((kind, value), change)

    # topics
    def _topics(self) -> None:
        old = {t.key: (i, t) for i, t in enumerate(self.old.topics)}
        new = {t.key: (i, t) for i, t in enumerate(self.new.topics)}
        gone = [k for k in old if k not in new]
        came = [k for k in new if k not in old]
        self.topic_renamed: dict[str, str] = {}   # old key -> new key, for a topic whose name (and key) changed
        listed_old, listed_new = _papers_by_topic(self.old), _papers_by_topic(self.new)
        for key in gone:
            match = next((k for k in came if _overlap(listed_old.get(key, set()), listed_new.get(k, set()))), None)
            if match is None and len(gone) == len(came) == 1 and old[key][0] == new[came[0]][0]:
                match = came[0]     # the only topic gone and the only one come, at the same place
            if match is not None:
                came.remove(match)
                self.topic_renamed[key] = match
                change = self._add(TOPIC_RENAMED, match, new[match][1].name, {"from": old[key][1].name,
                                                                              "key_from": key})
                self.by[TOPIC_RENAMED, key] = change   # the old topic block's triples are its too
            else:
                self._add(TOPIC_REMOVED, key, old[key][1].name)
        for key in came:
            self._add(TOPIC_ADDED, key, new[key][1].name)
        for key, (i, topic) in new.items():
            if key in old and old[key][1].name != topic.name:
                self._add(TOPIC_RENAMED, key, topic.name, {"from": old[key][1].name})
            if key in old and old[key][0] != i:
                self._add(TOPIC_MOVED, key, topic.name, {"from": old[key][0] + 1, "to": i + 1})

    # papers
    def _papers(self) -> None:
        old = {p.key: p for p in self.old.papers}
        new = {p.key: p for p in self.new.papers}
        gone = [old[k] for k in old if k not in new]
        came = [new[k] for k in new if k not in old]
        self.rekeyed: dict[str, str] = {}
        for paper in gone:
            match = next((p for p in came if _same_work(paper, p)), None)
            if match is None:
                self._mention(self._add(PAPER_REMOVED, paper.key, paper.title), paper)
                continue
            came.remove(match)
            self.rekeyed[paper.key] = match.key
            change = self._add(PAPER_REKEYED, match.key, match.title, {"from": paper.key,
                                                                      "what": _compare(paper, match, self)})
            self.by[PAPER_REKEYED, paper.key] = change
            self._mention(change, paper)
            self._mention(change, match)
        for paper in came:
            self._mention(self._add(PAPER_ADDED, paper.key, paper.title, _where(paper)), paper)
        for key, paper in new.items():
            if key in old:
                self._paper(old[key], paper)

    def _paper(self, was: Paper, now: Paper) -> None:
        for kind, detail in _compare(was, now, self).items():
            change = self._add(kind, now.key, now.title, detail)
            if kind in (AUTHORS, KEYWORDS, VENUE, LINKS):
                self._mention(change, was)
                self._mention(change, now)
        before, after = self.old.history.get(was.key), self.new.history.get(now.key)
        if before != after:
            change = self._add(HISTORY, now.key, now.title, {"from": _dates(before), "to": _dates(after)})
            for commit in catalog_dates(self.old, was.key) + catalog_dates(self.new, now.key):
                self.mentions.setdefault(("revision", commit), change)

    def _keys(self) -> None:
        """Authors, keywords and repositories in both versions whose key changed."""
        self.rekeyed_terms: dict[str, str] = {}   # "kind:old key" / "kind:new key" -> "kind:text"
        old, new = self.old.keys, self.new.keys
        for kind, was, now in (("author", old.authors, new.authors), ("keyword", old.keywords, new.keywords),
                               ("repo", old.repos, new.repos)):
            for text, key in now.items():
                if text in was and was[text] != key:
                    change = self._add(REKEYED, f"{kind}:{text}", text, {"from": was[text], "to": key})
                    self.mentions[kind, text] = change
                    self.rekeyed_terms[f"{kind}/{was[text]}"] = self.rekeyed_terms[f"{kind}/{key}"] = (
                        f"{kind}:{text}")

    def _rekeyed(self, term: str, iris: Iris) -> Change | None:
        """The REKEYED change of the entity whose IRI is `term`, if any."""
        if not self.rekeyed_terms:
            return None
        tail = iris.relative(term[1:-1]) if term.startswith("<") else None
        entity = self.rekeyed_terms.get(tail or "")
        return self.by.get((REKEYED, entity)) if entity else None

    # attribution
    def explain(self, line: str, owner: tuple[str, str] | None, iris: Iris) -> Change | None:
        if owner is None:
            return None
        kind, key = owner
        s, p, o = line[:-2].split(" ", 2)
        from_source = p == _DERIVED and o.startswith(f"<{iris.namespace('source')}")
        if (SOURCE, "") in self.by and (kind == "source" or from_source):
            return self.by[SOURCE, ""]
        if kind == "paper":
            return self._explain_paper(key, s, p, o, iris)
        if kind == "topic":
            rekeyed = key in self.topic_renamed or key in self.topic_renamed.values()  # the whole block changed
            for candidate in (TOPIC_ADDED, TOPIC_REMOVED, *_TOPIC_PREDICATES.get(p, ()),
                              *((TOPIC_RENAMED,) if rekeyed else ())):
                if (candidate, key) in self.by:
                    return self.by[candidate, key]
            return None
        if kind in ("author", "keyword", "venue", "repo", "revision"):
            if kind == "repo" and p == _p(SCHEMA, "citation"):
                return self._first(self._paper_key(o, iris), (*_WHOLE, LINKS))
            return self.mentions.get((kind, key)) or self._rekeyed(s, iris)
        return None

    def _first(self, key: str | None, kinds: tuple[str, ...]) -> Change | None:
        return next((self.by[k, key] for k in kinds if key is not None and (k, key) in self.by), None)

    def _paper_key(self, term: str, iris: Iris) -> str | None:
        if not self.paper_terms:
            self.paper_terms = {f"<{iris.paper(p.key)}>": p.key for p in (*self.old.papers, *self.new.papers)}
        return self.paper_terms.get(term)

    def _explain_paper(self, key: str, s: str, p: str, o: str, iris: Iris) -> Change | None:
        if found := self._first(key, _WHOLE):
            return found
        node = next((n for n in ("authorship", "listing", "link") if s.startswith(f"<{iris.namespace(n)}")), "")
        if node == "authorship":
            kinds: tuple[str, ...] = (AUTHORS,)
        elif node == "link":
            kinds = (LINKS,)
        elif node == "listing":
            kinds = _LISTING_PREDICATES.get(p, (MOVED, YEAR, LINES))
            if p == _p(PHENKG, "topic"):
                kinds = (MOVED,)
        elif p in (_p(DCTERMS, "subject"), _p(SCHEMA, "about")) and o.startswith(f"<{iris.namespace('topic')}"):
            kinds = (MOVED,)
        elif p == _p(DCTERMS, "subject"):
            kinds = (KEYWORDS,)
        else:
            kinds = _PAPER_PREDICATES.get(p, ())
        if found := self._first(key, kinds):
            return found
        if found := self._rekeyed(o, iris):
            return found
        # a listing's or subject's topic IRI that changed because the topic was renamed
        if o.startswith(f"<{iris.namespace('topic')}"):
            for topic in (*self.new.topics, *self.old.topics):
                if o == f"<{iris.topic(topic.key)}>" and (TOPIC_RENAMED, topic.key) in self.by:
                    return self.by[TOPIC_RENAMED, topic.key]
        if node == "listing" and p == _p(RDFS, "label"):   # the label names the topic: a renamed topic's changes
            return self._topic_renamed_of(key)
        return None

    def _topic_renamed_of(self, paper_key: str) -> Change | None:
        listed = {x.topic for c in (self.old, self.new) for paper in c.papers if paper.key == paper_key
                  for x in paper.listings}
        return next((self.by[TOPIC_RENAMED, k] for k in sorted(listed) if (TOPIC_RENAMED, k) in self.by), None)


def _compare(was: Paper, now: Paper, changes: Changes) -> dict[str, dict[str, Any]]:
    """kind -> detail for each way two versions of one paper differ."""
    out: dict[str, dict[str, Any]] = {}
    if was.title != now.title:
        out[RENAMED] = {"from": was.title, "to": now.title}
    renamed = changes.topic_renamed
    topics_was = [renamed.get(x.topic, x.topic) for x in was.listings]
    topics_now = [x.topic for x in now.listings]
    if topics_was != topics_now:
        out[MOVED] = {"from": topics_was, "to": topics_now}
    years_was = _years(was)
    years_now = _years(now)
    if years_was != years_now:   # the years it is listed under (another listing in the same year is a move)
        out[YEAR] = {"from": years_was, "to": years_now}
    if was.authors != now.authors:
        out[AUTHORS] = authors_change(was.authors, now.authors)
    if (was.venue, was.date) != (now.venue, now.date):   # where and when it was published
        out[VENUE] = {"from": _published(was), "to": _published(now)}
    links_was = [was.url] + [f"{x.kind}: {x.url}" for x in was.links]
    links_now = [now.url] + [f"{x.kind}: {x.url}" for x in now.links]
    if links_was != links_now:
        out[LINKS] = {"removed": [x for x in links_was if x not in links_now],
                      "added": [x for x in links_now if x not in links_was]}
    if was.keywords != now.keywords:
        out[KEYWORDS] = {"removed": [k for k in was.keywords if k not in now.keywords],
                         "added": [k for k in now.keywords if k not in was.keywords]}
    if was.digest != now.digest:
        out[DIGEST] = {"from": was.digest, "to": now.digest}
    lines_was, lines_now = [x.line for x in was.listings], [x.line for x in now.listings]
    if lines_was != lines_now and MOVED not in out:
        out[LINES] = {"from": lines_was, "to": lines_now}
    return out


def authors_change(was: list[str], now: list[str]) -> dict[str, Any]:
    """Authors added, removed, respelled (a removed name close to an added one) and whether the names
    both versions have are in another order."""
    removed = [a for a in was if a not in now]
    added = [a for a in now if a not in was]
    respelled = []
    for name in list(removed):
        close = difflib.get_close_matches(name, added, n=1, cutoff=0.75)
        if not close and (same := [a for a in added if _letters(a) == _letters(name)]):
            close = same
        if close:
            respelled.append([name, close[0]])
            removed.remove(name)
            added.remove(close[0])
    common_was = [a for a in was if a in now]
    common_now = [a for a in now if a in was]
    return {"added": added, "removed": removed, "respelled": respelled, "reordered": common_was != common_now}


def _letters(text: str) -> str:
    return re.sub(r"\W", "", text).casefold()


def _same_work(was: Paper, now: Paper) -> bool:
    """Two papers with different keys that are one work: the same URL, or the same title."""
    return bool(was.url and was.url == now.url) or _letters(was.title) == _letters(now.title)


def _overlap(a: set[str], b: set[str]) -> bool:
    return bool(a) and len(a & b) * 2 > len(a | b)


def _papers_by_topic(catalog: Catalog) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for paper in catalog.papers:
        for listing in paper.listings:
            out.setdefault(listing.topic, set()).add(paper.key)
    return out


def _where(paper: Paper) -> dict[str, Any]:
    return {"topics": list(dict.fromkeys(x.topic for x in paper.listings))}


def _version(catalog: Catalog) -> str:
    src = catalog.source
    return " ".join(x for x in (src.commit[:12] if src.commit else None, src.date) if x) or "unknown"


def catalog_dates(catalog: Catalog, key: str) -> list[str]:
    """The commits of a paper's first-listed and last-changed dates in `catalog`, if it has them."""
    found = catalog.history.get(key)
    return [found.first_listed.commit, found.last_changed.commit] if found else []


def _dates(found: PaperHistory | None) -> str | None:
    return f"{found.first_listed.date}/{found.last_changed.date}" if found else None


def _years(paper: Paper) -> list[int | str]:
    return sorted({x.year if x.year is not None else x.year_label or "" for x in paper.listings}, key=str)


def _version_of(catalog: Catalog) -> tuple:
    """What the source list's own block says: its commit, date, title and repository."""
    return tuple((src.commit, src.date, src.title, src.repository, src.file)
                 for src in (catalog.source, *catalog.sources))


def _published(paper: Paper) -> str | None:
    parts = [x for x in (paper.venue.printed if paper.venue else None, paper.date) if x]
    return ", ".join(parts) or None

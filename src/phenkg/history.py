"""A list's git history: when each paper was first listed and last changed, and a changelog.

`walk` imports the list file at every commit that changed it (in memory, as `phenkg import` would;
a version that is not a list yet is an empty catalog) and diffs each version with its parent's, the
commits as `git log -- FILE` lists them (phenkg.diff). From the typed changes:

* first listed: the commit whose diff adds the paper (a paper re-identified - its key changed with its
  URL or title - keeps the date of the key it had; one removed and listed again keeps its first date);
* last changed: the last commit whose diff adds it or changes its content (title, topic, year, authors,
  venue, links, keywords, digest); lines shifting or the commit id of the list do not count.

`run` writes both to data/history.yaml (for the papers data/ holds) and a changelog folder: per commit
`NNNN-SHA.md`, `NNNN-SHA.json` and `NNNN-SHA.patch` (RDF Patch), and `index.md`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from phenkg import changelog, patch
from phenkg import diff as d
from phenkg.atomic import write_atomic
from phenkg.errors import PhenkgError
from phenkg.model import Catalog, Dated, PaperHistory
from phenkg.versions import Commit, Git, empty, import_bytes


@dataclass
class Step:
    commit: Commit
    catalog: Catalog
    diff: d.Diff
    previous: Catalog       # the version the diff is from: the parent's, or an empty list


def versions(git: Git, path: str, repository: str | None = None,
             commits: list[Commit] | None = None) -> Iterator[tuple[Commit, Catalog]]:
    """Each commit that changed `path` (`Git.commits`), parents first, with the list as it was then."""
    commits = git.commits(path) if commits is None else commits
    if not commits:
        raise PhenkgError(f"no commit changes {path}", path=str(git.repo),
                          hint="--path names the list file in the repository (default README.md)")
    for commit, raw in zip(commits, git.blobs(commits, path), strict=True):
        where = f"{commit.sha[:12]}:{path}"
        if raw is None:
            yield commit, empty(path, commit=commit.sha, date=commit.date, repository=repository)
            continue
        try:
            catalog = import_bytes(raw, where, commit=commit.sha, date=commit.date, repository=repository)
        except PhenkgError:       # not a list (yet): an early README, or one broken for a commit
            catalog = empty(path, commit=commit.sha, date=commit.date, repository=repository)
        yield commit, catalog


def walk(git: Git, path: str, base: str, repository: str | None = None) -> Iterator[Step]:
    """Every version with its diff from its parent's (a merge: from its first parent's; the first commit:
    from an empty list). A version is kept, graphed, until its last child has been diffed."""
    nothing = empty(path, repository=repository)
    kept: dict[str, tuple[Catalog, d.Graphed]] = {"": (nothing, d.Graphed(nothing, base))}
    waiting: dict[str, int] = {}
    commits = git.commits(path)
    for commit in commits:
        for parent in commit.parents[:1]:
            waiting[parent] = waiting.get(parent, 0) + 1
    for commit, catalog in versions(git, path, repository, commits):
        parent = commit.parents[0] if commit.parents else ""
        previous, before = kept[parent] if parent in kept else kept[""]
        now = d.Graphed(catalog, base)
        yield Step(commit, catalog, d.diff(previous, catalog, base, (before, now)), previous)
        if parent in waiting:
            waiting[parent] -= 1
            if not waiting[parent]:
                kept.pop(parent, None)
        if waiting.get(commit.sha):
            kept[commit.sha] = (catalog, now)


class Dates:
    """First-listed and last-changed per paper key, updated by each step's changes."""

    def __init__(self) -> None:
        self.of: dict[str, PaperHistory] = {}

    def update(self, step: Step) -> None:
        """Commits come parents first, but two branches' commits interleave: the earliest date that adds
        a paper is its first, the latest that changes it its last (a tie: the later commit)."""
        here = Dated(step.commit.sha, step.commit.date)
        for change in step.diff.changes:
            if change.kind in (d.PAPER_ADDED, d.PAPER_REKEYED):
                was = self.of.get(change.detail["from"] if change.kind == d.PAPER_REKEYED else change.entity)
                first = was.first_listed if was and was.first_listed.date <= here.date else here
                last = was.last_changed if was and was.last_changed.date > here.date else here
                self.of[change.entity] = PaperHistory(change.entity, first, last)
            elif (change.kind in d.CONTENT and change.kind != d.PAPER_REMOVED and change.entity in self.of
                  and self.of[change.entity].last_changed.date <= here.date):
                self.of[change.entity].last_changed = here


@dataclass
class Result:
    commits: int
    history: dict[str, PaperHistory]
    seconds: float
    typed: int
    triples: int


def run(repo: Path, path: str, base: str, out: Path | None, repository: str | None = None) -> Result:
    """Walk the history; write the changelog to `out` (if given); the dates of the last version's papers."""
    started = time.perf_counter()
    git = Git(repo)
    dates = Dates()
    index = ["# Changelog", "", f"Every commit of `{repo.name}` that changed `{path}`, oldest first.", ""]
    typed = triples = n = 0
    for n, step in enumerate(walk(git, path, base, repository), start=1):
        dates.update(step)
        typed, triples = typed + step.diff.typed, triples + len(step.diff.patch)
        if out is None:
            continue
        out.mkdir(parents=True, exist_ok=True)
        stem = f"{n:04d}-{step.commit.sha[:12]}"
        parent = step.commit.parents[0][:12] if step.commit.parents else None
        old, new = f"{path}@{parent}" if parent else "nothing", f"{path}@{step.commit.sha[:12]}"
        write_atomic(out / f"{stem}.md", changelog.to_markdown(step.diff, old, new))
        write_atomic(out / f"{stem}.json", changelog.to_json(step.diff, old, new))
        write_atomic(out / f"{stem}.patch", patch.write(step.diff.patch))
        index.append(f"- {step.commit.date} [`{step.commit.sha[:12]}`]({stem}.md) {_escape(step.commit.subject)}: "
                     f"{changelog.summary_line(step.diff)}")
    if out is not None:
        write_atomic(out / "index.md", "\n".join(index) + "\n")
    return Result(n, dates.of, time.perf_counter() - started, typed, triples)


def for_catalog(catalog: Catalog, found: dict[str, PaperHistory]) -> dict[str, PaperHistory]:
    """The dates of the papers `catalog` holds, in its order (papers the history never listed have none)."""
    return {p.key: found[p.key] for p in catalog.papers if p.key in found}


def _escape(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_[]<>|" else c for c in text)

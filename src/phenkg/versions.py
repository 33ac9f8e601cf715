"""Versions of a list: a Markdown file imported in memory, a data directory, or `REPO@COMMIT` in a local
git clone; and the commits that changed a list file.

Git is run as the `git` command (subprocess, a timeout on every call), not through a library: it is
already there wherever a clone is, reads every repository format and pack git writes, and the whole
walk is one `git log` plus one `git cat-file --batch` process (measured: the 83 versions of the seed
list in about 0.1 s). dulwich would add a dependency for the same reads.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from phenkg.errors import PhenkgError, UnusableInputError
from phenkg.model import Catalog, Source
from phenkg.progress import Progress

GIT_TIMEOUT = 120  # seconds for one git command


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str        # the author date, YYYY-MM-DD, in the author's time zone (as `git log --date=short`)
    subject: str
    parents: tuple[str, ...] = ()   # the commits before it that changed the file (git's rewritten parents)


def import_bytes(raw: bytes, path: str, *, commit: str | None = None, date: str | None = None,
                 repository: str | None = None, progress: Progress | None = None,
                 fmt: str | None = None) -> Catalog:
    """A list's bytes -> the catalog `phenkg import` would write (its grammar detected unless `fmt`,
    problems folded, file named from the title), in memory; the provenance given replaces what the list
    says. UnusableInputError when the bytes are not a list."""
    from phenkg.grammars import read_list
    from phenkg.importreport import fold_list_wide
    from phenkg.keys import slug
    from phenkg.parse import decode

    text, early = decode(raw, path)
    catalog = read_list(text, path=path, progress=progress, fmt=fmt)
    catalog.problems[:0] = early
    rejected = sum(p.severity == "error" and p.code == "no-title" for p in catalog.problems)
    catalog.problems = fold_list_wide(catalog.problems, sum(len(p.listings) for p in catalog.papers) + rejected)
    source = catalog.source
    source.file = slug(source.title) + ".md"
    for name, value in (("repository", repository), ("commit", commit), ("date", date)):
        if value is not None:
            setattr(source, name, value)
    return catalog


def empty(path: str, *, commit: str | None = None, date: str | None = None,
          repository: str | None = None) -> Catalog:
    """A version of the file before it was a list (a README with no entries yet)."""
    return Catalog(Source(title="Untitled list", file=Path(path).name, repository=repository, commit=commit,
                          date=date), [], [])


def load(spec: str, list_path: str = "README.md") -> Catalog:
    """OLD or NEW of `phenkg diff`: `REPO@COMMIT` (the list file `list_path` at that commit), a data
    directory, or a list file."""
    repo, at, commit = spec.rpartition("@")
    if at and repo and Path(repo).is_dir() and not Path(spec).exists():
        git = Git(Path(repo))
        sha = git.resolve(commit)
        return import_bytes(git.show(sha, list_path), f"{spec}:{list_path}", commit=sha, date=git.date(sha))
    path = Path(spec)
    if path.is_dir():
        from phenkg.store import read_catalog
        return read_catalog(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnusableInputError(f"cannot read: {exc.strerror}", path=spec,
                                 hint="give a list file, a data directory or REPO@COMMIT") from exc
    return import_bytes(raw, spec)


class Git:
    """The few reads of a local clone that a list's history needs."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        try:
            done = subprocess.run(["git", "-C", str(self.repo), *args], input=stdin, capture_output=True,
                                  timeout=GIT_TIMEOUT, check=False)
        except FileNotFoundError as exc:
            raise PhenkgError("the git command is not installed", hint="install git") from exc
        except subprocess.TimeoutExpired as exc:
            raise PhenkgError(f"git {args[0]} took longer than {GIT_TIMEOUT} s", path=str(self.repo)) from exc
        if done.returncode:
            message = done.stderr.decode(errors="replace").strip().splitlines()
            raise PhenkgError(f"git {args[0]} failed: {message[-1] if message else done.returncode}",
                              path=str(self.repo), hint="give a local git clone, and a commit it holds")
        return done.stdout

    def resolve(self, rev: str) -> str:
        if rev.startswith("-"):
            raise PhenkgError(f"not a commit: {rev!r}", path=str(self.repo))
        return self.run("rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}").decode().strip()

    def date(self, sha: str) -> str:
        return self.run("log", "-1", "--format=%ad", "--date=short", sha).decode().strip()

    def show(self, sha: str, path: str) -> bytes:
        return self.run("cat-file", "blob", f"{sha}:{path}")

    def commits(self, path: str, rev: str = "HEAD") -> list[Commit]:
        """The commits that changed `path`, parents before children, each with the commits before it that
        changed `path` (git log's default simplification: a merge that only brings a branch's change in
        is not listed, the branch's commits are, as `git log -- path` shows them)."""
        out = self.run("log", "--reverse", "--topo-order", "--parents", "--format=%H%x00%P%x00%ad%x00%s",
                       "--date=short", self.resolve(rev), "--", path).decode()
        commits = []
        for line in out.splitlines():
            sha, parents, date, subject = line.split("\x00", 3)
            commits.append(Commit(sha, date, subject, tuple(parents.split())))
        return commits

    def blobs(self, commits: list[Commit], path: str, batch: int = 64) -> Iterator[bytes | None]:
        """The file at each commit (None where it is absent), read by one `git cat-file --batch` per
        `batch` commits (so a long history is never all in memory)."""
        for start in range(0, len(commits), batch):
            yield from self._blobs(commits[start:start + batch], path)

    def _blobs(self, commits: list[Commit], path: str) -> list[bytes | None]:
        request = "".join(f"{c.sha}:{path}\n" for c in commits).encode()
        out = self.run("cat-file", "--batch", stdin=request)
        blobs: list[bytes | None] = []
        at = 0
        for _ in commits:
            end = out.index(b"\n", at)
            header = out[at:end].split()
            if header[-1] == b"missing":
                blobs.append(None)
                at = end + 1
                continue
            size = int(header[2])
            blobs.append(out[end + 1:end + 1 + size])
            at = end + 1 + size + 1
        return blobs

    def origin(self) -> str | None:
        """The clone's origin URL when it is a web URL (recorded as the list's repository), else None."""
        try:
            url = self.run("remote", "get-url", "origin").decode().strip()
        except PhenkgError:
            return None
        return url.removesuffix(".git") if url.startswith(("https://", "http://")) else None

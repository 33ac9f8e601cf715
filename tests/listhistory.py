"""The seed list's real git history (tests/data/history), cloned once per test session, and the versions of
its README read with plain git, independently of phenkg.versions."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

BUNDLE = Path(__file__).parent / "data" / "history" / "awesome-deep-phenomena-to-seed.bundle"
BRANCH = "seed-2022-05-17"
SEED_COMMIT = "cf5911c2f8d12bb34d4e34d750af652600618edf"


def clone(into: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    subprocess.run(["git", "clone", "-q", "-b", BRANCH, str(BUNDLE), str(into)], check=True, timeout=120)
    return into


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          timeout=120).stdout


def readme_versions(repo: Path) -> list[tuple[str, str, str]]:
    """(commit, author date YYYY-MM-DD, README text) of every commit that changed README.md, oldest first."""
    log = git(repo, "log", "--reverse", "--format=%H %ad", "--date=short", "--", "README.md").split("\n")
    out = []
    for line in filter(None, log):
        sha, date = line.split()
        out.append((sha, date, git(repo, "show", f"{sha}:README.md")))
    return out

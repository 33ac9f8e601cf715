"""Hostile or careless hand edits of data/ are refused by every command that reads it: exit 2, a
message `file:line:column: field: what is wrong` and a hint, no traceback, quickly, and nothing in
dist/ changes (issue 12). One row per class of edit; the real CLI in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import phenkg
from phenkg.safeyaml import MAX_FILE_BYTES

from .conftest import DATA

pytestmark = pytest.mark.slow   # every hostile edit through four CLI commands: not in the fast loop (-m "not slow")

TITLE = "  title: Limitations of Neural Collapse for Understanding Generalization in Deep Learning\n"
AUTHORS = "  authors:\n  - Like Hui\n  - Mikhail Belkin\n  - Preetum Nakkiran\n"
KEYWORDS = "  keywords:\n  - Neural Collapse\n"
# 9 levels of 9 aliases: 387 million strings from one line of 400 bytes
BOMB = "  authors: [" + ", ".join(
    f"&a{i} [{', '.join([f'*a{i - 1}' if i else 'lol'] * 9)}]" for i in range(9)) + "]\n"
EMPTY = b""
MISSING = None

# id, file, old text (None: replace the whole file), new text, where the refusal points, field named
EDITS = [
    ("alias-bomb", "papers.yaml", AUTHORS, BOMB, "papers.yaml:5:13:", "authors"),
    ("anchor", "papers.yaml", TITLE, "  title: &t Limitations\n", "papers.yaml:3:10:", "title: anchor"),
    ("alias", "papers.yaml", "  title: Masked Autoencoders Are Scalable Vision Learners\n",
     "  title: *t\n", "papers.yaml:17:10:", "title: alias"),
    ("merge-key", "papers.yaml", "    printed: CVPR 2022\n", "    <<: {printed: CVPR 2022}\n",
     "papers.yaml:30:5:", "<<: merge"),
    ("python-tag", "papers.yaml", TITLE, '  title: !!python/object/apply:os.system ["true"]\n',
     "papers.yaml:3:10:", "title: tag"),
    ("binary-tag", "papers.yaml", "  url: https://arxiv.org/abs/2202.08384\n", "  url: !!binary aGVsbG8=\n",
     "papers.yaml:4:8:", "url: tag"),
    ("duplicate-key", "papers.yaml", "  url: https://arxiv.org/abs/2202.08384\n",
     "  url: https://arxiv.org/abs/2202.08384\n  url: https://example.org/\n", "papers.yaml:5:3:",
     "url: appears twice"),
    ("duplicate-key-nested", "papers.yaml", "    name: CVPR\n", "    name: CVPR\n    name: ICCV\n",
     "papers.yaml:32:5:", "name: appears twice"),
    ("duplicate-paper-key", "papers.yaml", "- key: arxiv-2111.06377\n", "- key: arxiv-2202.08384\n",
     "papers.yaml:16:8:", "key: paper key 'arxiv-2202.08384' appears twice (first at line 2)"),
    ("list-for-text", "papers.yaml", "  - Mikhail Belkin\n", "  - [Mikhail, Belkin]\n",
     "papers.yaml:7:5:", "authors[1]: must be text, not a list"),
    ("map-for-text", "papers.yaml", "    printed: CVPR 2022\n", "    printed: {name: CVPR}\n",
     "papers.yaml:30:14:", "venue.printed: must be text, not a mapping"),
    ("map-for-list", "papers.yaml", KEYWORDS, "  keywords: {Neural: Collapse}\n",
     "papers.yaml:9:13:", "keywords: must be a list, not a mapping"),
    ("text-for-list", "papers.yaml", KEYWORDS, "  keywords: Neural Collapse\n",
     "papers.yaml:9:13:", "keywords: must be a list, not text"),
    ("unknown-field", "papers.yaml", TITLE, TITLE + "  titel: x\n", "papers.yaml:4:3:", "titel: unknown field"),
    ("nul-byte", "papers.yaml", TITLE, "  title: Limi\x00tations\n", "papers.yaml:3:14:", "title: hidden character"),
    ("nul-escaped", "papers.yaml", TITLE, '  title: "Limi\\0tations"\n', "papers.yaml:3:10:",
     "title: hidden character"),
    ("escape-char", "papers.yaml", TITLE, "  title: Limi\x1btations\n", "papers.yaml:3:14:", "title: hidden character"),
    ("c1-next-line", "papers.yaml", TITLE, "  title: Limi\x85tations\n", "papers.yaml:3:14:",
     "title: hidden character"),
    ("bidi-override", "papers.yaml", TITLE, "  title: Limi\u202etations\n", "papers.yaml:3:14:",
     "title: hidden character U+202E"),
    ("lone-carriage-return", "papers.yaml", TITLE, "  title: Limi\rtations\n", "papers.yaml:3:14:",
     "title: hidden character"),
    ("invalid-utf8", "papers.yaml", TITLE, b"  title: Limi\xfftations\n", "papers.yaml:3:14:", "title: not UTF-8"),
    ("huge-integer", "papers.yaml", "    year: 2022\n    line: 19\n", f"    year: {'9' * 5000}\n    line: 19\n",
     "papers.yaml:14:11:", "year: a number with 5,000 digits"),
    ("negative-year", "papers.yaml", "    year: 2022\n    line: 19\n", "    year: -5\n    line: 19\n",
     "papers.yaml:14:11:", "year: -5 is out of range"),
    ("absurd-year", "papers.yaml", "    year: 2022\n    line: 19\n", "    year: 99999\n    line: 19\n",
     "papers.yaml:14:11:", "year: 99999 is out of range"),
    ("absurd-line", "papers.yaml", "    line: 19\n", "    line: 0\n", "papers.yaml:15:11:", "line: 0 is out of range"),
    ("hex-integer", "papers.yaml", "    year: 2022\n    line: 19\n", "    year: 0x7E6\n    line: 19\n",
     "papers.yaml:14:11:", "year: '0x7E6' reads as a non-decimal integer"),
    ("bool-for-text", "papers.yaml", TITLE, "  title: yes\n", "papers.yaml:3:10:", "title: 'yes' reads as a bool"),
    ("second-document", "papers.yaml", "  - topic: empirical-study\n    year: 2022\n    line: 19\n",
     "  - topic: empirical-study\n    year: 2022\n    line: 19\n---\n- key: x\n", "papers.yaml:16:1:",
     "second YAML document"),
    ("empty-papers", "papers.yaml", None, "# all gone\n", "papers.yaml:1:1:", "papers: the file holds no records"),
    ("empty-list", "papers.yaml", None, "[]\n", "papers.yaml:1:1:", "papers: the file holds no records"),
    ("empty-file", "papers.yaml", None, EMPTY, "papers.yaml:1:1:", "papers: the file holds no records"),
    ("papers-not-a-list", "papers.yaml", None, "title: x\n", "papers.yaml:1:1:", "papers: must be a list"),
    ("missing-file", "papers.yaml", None, MISSING, "papers.yaml: missing", "missing"),
    ("file-over-cap", "papers.yaml", None, MAX_FILE_BYTES + 1, "papers.yaml: larger than", "larger than"),
    ("alias-in-topics", "topics.yaml", "  name: Empirical Study\n", "  name: &n Empirical Study\n",
     "topics.yaml:3:9:", "name: anchor"),
    ("empty-topics", "topics.yaml", None, EMPTY, "topics.yaml:1:1:", "topics: the file holds no records"),
    ("empty-source", "source.yaml", None, EMPTY, "source.yaml:1:1:", "source: the file holds no fields"),
    ("date-unquoted", "source.yaml", 'date: "2022-05-17"\n', "date: 2022-05-17\n", "source.yaml:6:7:",
     "date: '2022-05-17' reads as a timestamp"),
    ("source-tag", "source.yaml", "title: Awesome", "title: !!python/name:os.system Awesome", "source.yaml:2:8:",
     "title: tag"),
    ("report-duplicate-key", "import-report.yaml", "  severity: info\n", "  severity: info\n  severity: error\n",
     "import-report.yaml:4:3:", "severity: appears twice"),
    ("report-missing-line", "import-report.yaml", "- line: 7\n  severity: info\n", "- severity: info\n",
     "import-report.yaml:2:3:", "line: is required"),
]
COMMANDS = {
    "validate": ["validate"],
    "build": ["build", "--out", "{dist}"],
    "stats": ["stats"],
    "export": ["export", "--format", "nt", "-o", "-"],
}
SRC = str(Path(phenkg.__file__).resolve().parents[1])  # run the CLI of the code under test


def apply(data: Path, file: str, old: str | None, new) -> None:
    path = data / file
    if new is MISSING:
        path.unlink()
    elif isinstance(new, int):  # a sparse file of that many bytes: costs no disk
        with path.open("wb") as out:
            out.truncate(new)
    elif old is None:
        path.write_bytes(new if isinstance(new, bytes) else new.encode())
    else:
        raw = path.read_bytes()
        assert old.encode() in raw, f"{file} no longer holds {old!r}: update the table"
        path.write_bytes(raw.replace(old.encode(), new if isinstance(new, bytes) else new.encode(), 1))


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("row", EDITS, ids=[row[0] for row in EDITS])
def test_hostile_edit_is_refused_by_every_command(tmp_path, row):
    _, file, old, new, where, field = row
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    apply(data, file, old, new)
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "phenkg.nt").write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    before = tree(dist)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    for name, args in COMMANDS.items():
        command = [sys.executable, "-m", "phenkg.cli", *(a.format(dist=dist) for a in args), "--data", str(data)]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
        took = time.monotonic() - started
        said = f"phenkg {name} said:\n{done.stderr}"
        assert done.returncode == 2, said
        assert "Traceback" not in done.stderr, said
        assert str(data / where) in done.stderr, said
        assert field in done.stderr, said
        assert "\n  hint: " in done.stderr, said
        assert done.stdout == "", said
        assert took < 20, f"phenkg {name} took {took:.1f} s"
        assert tree(dist) == before, f"phenkg {name} changed dist/"


def test_committed_data_is_accepted(tmp_path):
    """The control row: the same commands on an unedited copy succeed."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "stats", "--data", str(data)], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr

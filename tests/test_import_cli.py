"""`phenkg import` end to end, as a user runs it: exit codes, located messages, what is written."""

from __future__ import annotations

import os
import pty
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import DATA
from .synthetic import awesome_list

BAD = Path(__file__).parent / "data" / "parse" / "bad"


def run_import(path: Path, data: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "phenkg.cli", "import", str(path), "--data", str(data), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def keys_in(data: Path) -> list[str]:
    return [p["key"] for p in yaml.safe_load((data / "papers.yaml").read_text(encoding="utf-8")) or []]


@pytest.mark.parametrize("md", sorted(BAD.glob("*.md")), ids=lambda p: p.stem)
def test_bad_input_is_located_and_the_rest_imports(md, tmp_path):
    expected = yaml.safe_load(md.with_suffix(".expected.yaml").read_text(encoding="utf-8"))
    done = run_import(md, tmp_path)
    assert done.returncode == expected["exit"], done.stderr
    for problem in expected["problems"]:
        line = problem.split()[0]
        assert f"{md}:{line}: " in done.stderr, f"no located message for line {line}:\n{done.stderr}"
    assert keys_in(tmp_path) == expected["papers"]
    report = yaml.safe_load((tmp_path / "import-report.yaml").read_text(encoding="utf-8"))
    assert {f"{r['line']} {r['code']}" for r in report} >= set(expected["problems"])


def test_seed_truncated_mid_entry_and_mid_character(tmp_path, seed_text):
    raw = seed_text.encode()
    cut = raw.index("Piotr Dollár".encode()) + len("Piotr Doll") + 1  # inside the two bytes of 'á'
    (tmp_path / "cut.md").write_bytes(raw[:cut])
    done = run_import(tmp_path / "cut.md", tmp_path / "data")
    assert done.returncode == 1, done.stderr
    line = raw[:cut].count(b"\n") + 1
    assert f"cut.md:{line}: warning: the file ends in the middle of a character" in done.stderr
    keys = keys_in(tmp_path / "data")
    assert keys[-1] == "arxiv-2111.06377"
    assert len(keys) == 2


def unusable(tmp_path: Path, name: str, payload: bytes | None) -> subprocess.CompletedProcess:
    data = tmp_path / "data"
    data.mkdir()
    path = tmp_path / name
    if payload is not None:
        path.write_bytes(payload)
    done = run_import(path, data)
    assert done.returncode == 2, done.stderr
    assert list(data.iterdir()) == [], "nothing may be written for unusable input"
    assert str(path) in done.stderr
    return done


def test_binary_garbage_is_unusable(tmp_path):
    garbage = random.Random(2).randbytes(4096) + b"\x00"
    done = unusable(tmp_path, "garbage.md", garbage)
    assert "hint:" in done.stderr


def test_latin1_is_unusable(tmp_path):
    done = unusable(tmp_path, "latin.md", "# Liste\n\n## Thème: 2021\n".encode("latin-1"))
    assert "not UTF-8" in done.stderr
    assert "latin.md:3" in done.stderr


def test_prose_is_not_a_list(tmp_path):
    done = unusable(tmp_path, "prose.md", b"Just a note.\n\nNothing else.\n")
    assert "not an awesome list" in done.stderr


def test_a_project_readme_is_not_a_list(tmp_path):
    """Regression: headings and plain bullets were imported as one "paper" (exit 1, data/ written)."""
    readme = (b"# My project\n\nSome text about the project.\n\n## Install\n\n"
              b"- run pip install\n- then enjoy\n\n## License\n\nMIT\n")
    done = unusable(tmp_path, "README.md", readme)
    assert "not a list of papers" in done.stderr


def test_missing_file_is_unusable(tmp_path):
    done = unusable(tmp_path, "missing.md", None)
    assert "cannot read" in done.stderr


def test_directory_is_unusable(tmp_path):
    (tmp_path / "dir.md").mkdir()
    unusable(tmp_path, "dir.md", None)


def test_seed_import_is_repeatable_and_keeps_provenance(tmp_path):
    data = tmp_path / "data"
    first = run_import(DATA / "awesome-deep-phenomena.md", data, "--repository", "https://example.org/r",
                       "--commit", "abc123", "--date", "2022-05-17")
    assert first.returncode == 1  # the seed has three warnings
    assert "imported 209 papers from 210 entries" in first.stderr
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    again = run_import(data / "awesome-deep-phenomena.md", data)
    assert again.returncode == 1
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before, "same list, same bytes"
    for name in ("papers.yaml", "topics.yaml"):
        assert before[name] == (DATA / name).read_bytes(), f"data/{name} differs from a fresh import"


def test_stats_counts(tmp_path):
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "stats", "--data", str(DATA)],
                          capture_output=True, text=True, check=True)
    rows = [line.rsplit(None, 1) for line in done.stdout.splitlines()]
    counts = {name.strip(): int(value.replace(",", "")) for name, value in rows}
    assert counts["entries"] == 210
    assert counts["papers"] == 209
    assert counts["topics"] == 7
    assert counts["problems"] == 3


def test_render_then_import_is_a_fixed_point(tmp_path):
    rendered = tmp_path / "rendered.md"
    subprocess.run([sys.executable, "-m", "phenkg.cli", "render", "--data", str(DATA), "-o", str(rendered)],
                   check=True, capture_output=True)
    run_import(rendered, tmp_path / "data")
    again = tmp_path / "again.md"
    subprocess.run([sys.executable, "-m", "phenkg.cli", "render", "--data", str(tmp_path / "data"), "-o",
                    str(again)], check=True, capture_output=True)
    assert again.read_bytes() == rendered.read_bytes()


# -- scale and the progress display -----------------------------------------------------------------
def import_on_a_terminal(path: Path, data: Path) -> tuple[int, str]:
    """Run the import with stderr on a pseudo-terminal; return its exit code and what it drew."""
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "phenkg.cli", "import", str(path), "--data", str(data)],
                            stdout=subprocess.DEVNULL, stderr=child, stdin=subprocess.DEVNULL)
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    return proc.wait(timeout=600), out.decode(errors="replace")


@pytest.mark.slow
def test_twenty_thousand_papers_with_progress(tmp_path):
    listing = tmp_path / "x.md"
    listing.write_text(awesome_list(20000), encoding="utf-8")
    started = time.monotonic()
    code, drawn = import_on_a_terminal(listing, tmp_path / "tty")
    seconds = time.monotonic() - started
    assert code == 0, drawn
    assert len(keys_in(tmp_path / "tty")) == 20000
    assert "\rparsing x.md: " in drawn
    assert "20,000 papers" in drawn
    assert seconds < 60, f"import of 20,000 papers took {seconds:.1f}s"
    piped = run_import(listing, tmp_path / "pipe")
    assert piped.returncode == 0
    assert "\r" not in piped.stderr
    assert "parsing" not in piped.stderr
    assert (tmp_path / "pipe" / "papers.yaml").read_bytes() == (tmp_path / "tty" / "papers.yaml").read_bytes()


def test_a_list_wide_style_is_one_note_and_the_summary_is_short(tmp_path):
    """Issue 14: a list writing every digest as an unclosed <details> got one warning per entry."""
    entries = [f"- Paper {i}. [[paper]](https://arxiv.org/abs/2101.{i:05d})\n  - Ann Lee.\n  - Key Word: Alpha.\n"
               f"  <details><summary>Digest</summary>\n  Digest {i}, left open.\n" for i in range(1, 1153)]
    bad = "- Untitled entry with no link\n"
    md = tmp_path / "wide.md"
    md.write_text("# A list\n\n## Topic\n\n### Topic: 2021\n\n" + "\n".join(entries) + "\n" + bad, encoding="utf-8")
    done = run_import(md, tmp_path / "data")
    report = yaml.safe_load((tmp_path / "data" / "import-report.yaml").read_text(encoding="utf-8"))
    [note] = [r for r in report if r["code"] == "unclosed-details"]
    assert note["severity"] == "info"
    assert note["line"] == 10
    assert "1,151 entries" in note["message"]  # the last digest runs to the end of the list
    assert "lines 10, 16, 22" in note["message"]
    assert len(report) < 10, report
    assert len(done.stderr.splitlines()) < 15, done.stderr
    assert "unclosed-details" in done.stderr


def test_summary_counts_by_kind_errors_first():
    from phenkg.importreport import summary_lines
    from phenkg.model import Problem

    problems = [Problem(3, "stray-item", "m", "info"), Problem(5, "label-typo", "typo", "warning"),
                Problem(9, "no-title", "no title", "error")]
    lines = summary_lines(problems, "l.md", "r.yaml")
    assert [line.split()[:2] for line in lines[:3]] == [["error", "no-title"], ["warning", "label-typo"],
                                                        ["info", "stray-item"]]
    assert lines[3:] == ["l.md:9: error: no title", "l.md:5: warning: typo"]

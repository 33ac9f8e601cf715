"""phenkg diff: the RDF Patch between two versions of a list is exact, and its triples are explained by
typed, entity-level changes. Checked over the seed list's real history (83 commits, tests/data/history)
and on small lists made to show each kind of change."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from phenkg import changelog, graph, patch
from phenkg import diff as d
from phenkg.cli import main
from phenkg.errors import PhenkgError
from phenkg.history import walk
from phenkg.versions import Git, empty, import_bytes
from tests.conftest import BASE, ROOT
from tests.listhistory import SEED_COMMIT, clone

LIST = """# A Test List

## Topic One

### Topic One: 2021

- Paper Alpha. [[paper]](https://arxiv.org/abs/2101.00001)
  - Alice Smith, Bob Jones, Carol King. *ICML 2021*
  - Key Word: Alpha; Beta.
  - Digest: Alpha does a thing.

- Paper Beta. [[paper]](https://arxiv.org/abs/2101.00002) [[code]](https://github.com/x/beta)
  - Dan Brown.
  - Key Word: Gamma.

## Topic Two

### Topic Two: 2020

- Paper Gamma. [[paper]](https://arxiv.org/abs/2001.00003)
  - Erin Gray.
  - Key Word: Delta.
"""


def catalog(text: str, commit: str | None = None):
    return import_bytes(text.encode(), "list.md", commit=commit, date="2022-01-01" if commit else None)


def changes(old: str, new: str) -> tuple[d.Diff, dict[str, list[d.Change]]]:
    result = d.diff(catalog(old), catalog(new), BASE)
    by_kind: dict[str, list[d.Change]] = {}
    for change in result.changes:
        by_kind.setdefault(change.kind, []).append(change)
    return result, by_kind


# -- each kind of change, on a small list -----------------------------------------------------------
EDITS = [
    ("added", LIST + "\n- Paper Delta. [[paper]](https://arxiv.org/abs/2001.00004)\n  - Fay Long.\n", d.PAPER_ADDED),
    ("removed", LIST.replace("- Paper Gamma. [[paper]](https://arxiv.org/abs/2001.00003)\n  - Erin Gray.\n"
                             "  - Key Word: Delta.\n", ""), d.PAPER_REMOVED),
    ("renamed", LIST.replace("Paper Alpha.", "Paper Alpha, Revised."), d.RENAMED),
    ("venue", LIST.replace("*ICML 2021*", "*NeurIPS 2021*"), d.VENUE),
    ("links", LIST.replace("(https://github.com/x/beta)", "(https://github.com/y/beta)"), d.LINKS),
    ("keywords", LIST.replace("Alpha; Beta.", "Alpha; Epsilon."), d.KEYWORDS),
    ("digest", LIST.replace("Alpha does a thing.", "Alpha does two things."), d.DIGEST),
    ("year", LIST.replace("### Topic Two: 2020", "### Topic Two: 2019"), d.YEAR),
    ("topic renamed", LIST.replace("## Topic Two\n\n### Topic Two: 2020", "## Topic Deux\n\n### Topic Deux: 2020"),
     d.TOPIC_RENAMED),
    ("topic added", LIST + "\n## Topic Three\n\n- Paper Eta. [[paper]](https://arxiv.org/abs/2001.00009)\n",
     d.TOPIC_ADDED),
]


@pytest.mark.parametrize(("name", "edited", "kind"), EDITS, ids=[e[0] for e in EDITS])
def test_each_edit_is_one_typed_change_that_explains_every_triple(name: str, edited: str, kind: str) -> None:
    result, by_kind = changes(LIST, edited)
    assert kind in by_kind, f"{name}: got {sorted(by_kind)}"
    assert len(result.patch) > 0
    assert result.other == [], f"{name}: unexplained triples {result.other}"


def test_a_paper_moved_to_another_topic() -> None:
    alpha = ("- Paper Alpha. [[paper]](https://arxiv.org/abs/2101.00001)\n  - Alice Smith, Bob Jones, Carol King. "
             "*ICML 2021*\n  - Key Word: Alpha; Beta.\n  - Digest: Alpha does a thing.\n\n")
    moved = LIST.replace(alpha, "").replace("### Topic Two: 2020\n\n", "### Topic Two: 2021\n\n" + alpha
                                            + "### Topic Two: 2020\n\n")
    result, by_kind = changes(LIST, moved)
    (change,) = by_kind[d.MOVED]
    assert change.entity == "arxiv-2101.00001"
    assert change.detail == {"from": ["topic-one"], "to": ["topic-two"]}
    assert result.other == []


def test_authors_added_removed_reordered_respelled() -> None:
    edited = LIST.replace("Alice Smith, Bob Jones, Carol King.", "Bob Jones, Alicia Smith, Zed Hill.")
    result, by_kind = changes(LIST, edited)
    (change,) = by_kind[d.AUTHORS]
    assert change.detail == {"added": ["Zed Hill"], "removed": ["Carol King"],
                             "respelled": [["Alice Smith", "Alicia Smith"]], "reordered": False}
    reordered = LIST.replace("Alice Smith, Bob Jones, Carol King.", "Bob Jones, Alice Smith, Carol King.")
    (change,) = changes(LIST, reordered)[1][d.AUTHORS]
    assert change.detail["reordered"] is True
    assert not change.detail["added"]
    assert result.other == []


def test_no_change_is_an_empty_diff() -> None:
    result, by_kind = changes(LIST, LIST)
    assert by_kind == {}
    assert len(result.patch) == 0
    assert patch.write(result.patch).splitlines()[1:] == ["TX .", "TC ."]
    assert "no change" in changelog.summary_line(result)


def test_markdown_is_a_summary_line_then_groups_by_kind() -> None:
    edited = LIST.replace("Paper Alpha.", "Paper Alpha, Revised.").replace("Alpha does a thing.", "Other.")
    result = changes(LIST, edited)[0]
    text = changelog.to_markdown(result, "old.md", "new.md")
    first, *rest = text.splitlines()
    assert first.startswith("**phenkg diff** `old.md` → `new.md`: 1 renamed, 1 digest;")
    assert "100.0% in typed changes, 0 other" in first
    assert "### Papers renamed (1)" in rest
    assert "### Digests changed (1)" in rest
    doc = json.loads(changelog.to_json(result, "old.md", "new.md"))
    assert doc["summary"]["changes"] == {d.RENAMED: 1, d.DIGEST: 1}
    assert sum(c["triples"] for c in doc["changes"]) + len(doc["other"]) == len(result.patch)


# -- the patch: format, reader, applier -------------------------------------------------------------
def test_patch_is_sorted_byte_stable_and_read_back() -> None:
    old, new = catalog(LIST, "a" * 40), catalog(LIST.replace("Paper Beta.", "Paper B."), "b" * 40)
    text = patch.write(d.diff(old, new, BASE).patch)
    assert text == patch.write(d.diff(catalog(LIST, "a" * 40), new, BASE).patch)
    lines = text.splitlines()
    assert lines[0].startswith("H id <uuid:")
    assert lines[1] == "TX ."
    assert lines[-1] == "TC ."
    deleted = [x[2:] for x in lines if x.startswith("D ")]
    added = [x[2:] for x in lines if x.startswith("A ")]
    assert deleted == sorted(deleted)
    assert added == sorted(added)
    assert deleted
    assert added
    assert lines.index(f"D {deleted[-1]}") < lines.index(f"A {added[0]}")
    back = patch.read(text)
    assert (back.deleted, back.added) == (deleted, added)
    assert patch.apply(back, set(graph.triples(old, BASE))) == set(graph.triples(new, BASE))


def test_reader_takes_other_spacing_and_comments() -> None:
    text = ('H id <uuid:1> .\n# a comment\nTX .\nA\t<http://x/s>  <http://x/p>\t"o" .\n'
            "D <http://x/s> <http://x/p> <http://x/o> .\nTC .\n")
    back = patch.read(text)
    assert back.added == ['<http://x/s> <http://x/p> "o" .']
    assert back.headers == {"id": "<uuid:1>"}


@pytest.mark.parametrize(("text", "line"), [("TX .\nA <http://x/s> <http://x/p> <http://x/o> <http://x/g> .\n", 2),
                                            ("TX .\nTA .\n", 2), ("A <http://x/s> .\n", 1), ("X y .\n", 1)])
def test_reader_refuses_what_it_does_not_read(text: str, line: int) -> None:
    with pytest.raises(PhenkgError) as caught:
        patch.read(text)
    assert caught.value.line == line


def test_apply_refuses_a_patch_made_for_another_graph() -> None:
    made = patch.between(["<http://x/s> <http://x/p> <http://x/a> ."], ["<http://x/s> <http://x/p> <http://x/b> ."])
    with pytest.raises(PhenkgError, match="does not fit"):
        patch.apply(made, {"<http://x/s> <http://x/p> <http://x/c> ."})


# -- the real history ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return clone(tmp_path_factory.mktemp("history") / "adp")


@pytest.fixture(scope="module")
def steps(repo):
    return list(walk(Git(repo), "README.md", BASE))


@pytest.mark.slow
def test_every_patch_turns_each_version_into_the_next(steps) -> None:
    assert len(steps) == 83
    before = set(graph.triples(empty("README.md"), BASE))   # the walk starts from an empty list
    for step, parent in zip(steps, [None, *steps], strict=False):
        assert step.commit.parents == ((parent.commit.sha,) if parent else ())   # a linear history
        after = set(graph.triples(step.catalog, BASE))
        text = patch.write(step.diff.patch)
        assert patch.apply(patch.read(text), before) == after, step.commit.sha
        before = after


@pytest.mark.slow
def test_every_patch_applied_as_sparql_update_on_pyoxigraph(steps) -> None:
    previous = empty("README.md")
    for step in steps:
        store = ox.Store()
        store.bulk_load("\n".join(graph.triples(previous, BASE)).encode(), ox.RdfFormat.N_TRIPLES)
        if update := patch.to_update(step.diff.patch):
            store.update(update)
        dumped = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode()
        assert sorted(dumped.splitlines()) == sorted(graph.triples(step.catalog, BASE)), step.commit.sha
        previous = step.catalog


@pytest.mark.slow
def test_at_least_99_percent_of_changed_triples_are_in_typed_changes(steps) -> None:
    changed = sum(len(step.diff.patch) for step in steps)
    typed = sum(step.diff.typed for step in steps)
    worst = min(steps, key=lambda s: s.diff.typed / len(s.diff.patch) if len(s.diff.patch) else 1)
    share = typed / changed
    print(f"\n{typed:,} of {changed:,} changed triples in typed changes ({100 * share:.3f}%); "
          f"the lowest commit {worst.commit.sha[:12]}: {worst.diff.typed} of {len(worst.diff.patch)}")
    assert share >= 0.99
    for step in steps:  # each change's triples add up: one change per triple, or `other`
        assert sum(c.triples for c in step.diff.changes) + len(step.diff.other) == len(step.diff.patch)


def test_cli_diff_between_two_commits_and_files(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "seed.patch"
    assert main(["diff", f"{repo}@{SEED_COMMIT}~1", f"{repo}@{SEED_COMMIT}", "--format", "patch", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "TX ." in text
    assert f"/source/{SEED_COMMIT}>" in text
    # the seed in data/ against the same README imported from git: only the list's provenance differs
    assert main(["diff", str(ROOT / "data" / "awesome-deep-phenomena.md"), f"{repo}@{SEED_COMMIT}",
                 "--format", "json", "-o", str(tmp_path / "d.json")]) == 0
    doc = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert doc["summary"]["changes"] == {d.SOURCE: 1}
    assert doc["other"] == []


@pytest.mark.parametrize("spec", ["no-such-file.md", "{repo}@no-such-commit", "{repo}@--output=x"])
def test_cli_diff_refuses_unusable_input_with_exit_2(repo: Path, spec: str) -> None:
    code = subprocess.run([sys.executable, "-m", "phenkg.cli", "diff", spec.format(repo=repo),
                           str(ROOT / "data" / "awesome-deep-phenomena.md")], capture_output=True, text=True,
                          check=False, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert code.returncode == 2, code.stderr
    assert "phenkg diff:" in code.stderr
    assert "Traceback" not in code.stderr


# -- random edits of the seed: every kind at once, in any mix ------------------------------------------
def _entry_end(lines: list[str], i: int) -> int:
    j = i + 1
    while j < len(lines) and lines[j].startswith("  "):
        j += 1
    return j


def _mutate(text: str, rng) -> str:
    lines = text.split("\n")
    entries = [i for i, line in enumerate(lines) if line.startswith("- ") and "[[paper]]" in line]
    heads = [i for i, line in enumerate(lines) if line.startswith("## ")]
    i, kind = rng.choice(entries), rng.randrange(9)
    below = lines[i + 1] if lines[i + 1].startswith("  - ") else None
    if kind == 0:
        lines[i] = lines[i].replace(". [[paper]]", " Revisited. [[paper]]", 1)
    elif kind == 1 and below:
        lines[i + 1] = re.sub(r"([a-z])([a-z])", r"\2\1", below, count=1)       # a respelled author
    elif kind == 2:
        del lines[i:_entry_end(lines, i)]
    elif kind == 3:                                                         # listed under another topic too
        block, head = lines[i:_entry_end(lines, i)], rng.choice(heads)
        lines[head + 1:head + 1] = ["", *block, ""]
    elif kind == 4:
        lines[rng.choice(heads)] += " X"                                    # a renamed topic
    elif kind == 5 and below:
        lines[i + 1] = re.sub(r"\*[^*]+\*", "*NeurIPS 2030*", below) if "*" in below else below + " *ICML 2021*"
    elif kind == 6:
        code = re.sub(r" \[\[code\]\]\([^)]*\)", "", lines[i])
        lines[i] = code if code != lines[i] else lines[i] + f" [[code]](https://github.com/a/b{i})"
    elif kind == 7:
        for j in range(i + 1, _entry_end(lines, i)):
            if lines[j].startswith("  - Key Word:"):
                lines[j] = lines[j].rstrip(".") + "; Fuzz."
                break
    elif kind == 8 and below and len(names := below[4:].split(", ")) > 2:
        names[0], names[1] = names[1], names[0]                             # reordered authors
        lines[i + 1] = "  - " + ", ".join(names)
    return "\n".join(lines)


@pytest.mark.slow
def test_random_edits_of_the_seed_are_exact_and_typed() -> None:
    rng = random.Random(18)
    text = (ROOT / "data" / "awesome-deep-phenomena.md").read_text(encoding="utf-8")
    previous = import_bytes(text.encode(), "list.md", commit="0" * 40, date="2022-01-01")
    kinds: set[str] = set()
    for n in range(1, 40):
        for _ in range(rng.randrange(1, 4)):
            text = _mutate(text, rng)
        current = import_bytes(text.encode(), "list.md", commit=f"{n:040x}", date="2022-01-02")
        result = d.diff(previous, current, BASE)
        assert patch.apply(patch.read(patch.write(result.patch)), set(graph.triples(previous, BASE))) == set(
            graph.triples(current, BASE))
        assert result.other == [], f"edit {n}: {result.other[:3]}"
        kinds |= {c.kind for c in result.changes}
        previous = current
    assert {d.RENAMED, d.AUTHORS, d.VENUE, d.LINKS, d.KEYWORDS, d.PAPER_REMOVED, d.TOPIC_RENAMED} <= kinds


def test_history_of_a_folder_that_is_no_clone_is_refused_with_exit_2(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (tmp_path / "plain").mkdir()
    assert main(["history", str(tmp_path / "plain"), "--data", str(data)]) == 2
    assert "not a git repository" in capsys.readouterr().err
    assert (data / "history.yaml").read_bytes() == (ROOT / "data" / "history.yaml").read_bytes()  # untouched


def test_history_of_a_file_no_commit_changed_is_refused(repo: Path, tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    assert main(["history", str(repo), "--path", "LIST.md", "--data", str(data)]) == 2
    assert "no commit" in capsys.readouterr().err


def _git(repo: Path, *args: str, date: str = "2021-01-01") -> str:
    env = {"GIT_AUTHOR_DATE": f"{date}T12:00:00+00:00", "GIT_COMMITTER_DATE": f"{date}T12:00:00+00:00",
           "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(repo), "GIT_AUTHOR_NAME": "T",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True,
                          timeout=60).stdout


def _commit(repo: Path, text: str, message: str, date: str) -> None:
    (repo / "README.md").write_text(text, encoding="utf-8")
    _git(repo, "add", "README.md")
    _git(repo, "commit", "-qm", message, date=date)


def test_history_with_branches_diffs_each_commit_from_its_parent(tmp_path: Path) -> None:
    """A pull request's branch adds a paper on 2021-02-01, merged on 2021-03-01 while the main line added
    another: the paper is first listed on the branch's date, as `git log -S` finds it."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, LIST, "start", "2021-01-01")
    _git(repo, "checkout", "-q", "-b", "pr")
    entry = "\n- Paper Branch. [[paper]](https://arxiv.org/abs/2102.00001)\n  - Bea Branch.\n"
    _commit(repo, LIST + entry, "pr: add a paper", "2021-02-01")
    _git(repo, "checkout", "-q", "main")
    main_line = LIST.replace("## Topic Two", "- Paper Main. [[paper]](https://arxiv.org/abs/2102.00002)\n"
                                              "  - Mo Main.\n\n## Topic Two")
    _commit(repo, main_line, "main: add a paper", "2021-02-15")
    subprocess.run(["git", "-C", str(repo), "merge", "-q", "--no-commit", "pr"], check=False, capture_output=True,
                   timeout=60)   # both sides changed README.md: a conflict, resolved by the commit below
    _commit(repo, main_line + entry, "merge pr", "2021-03-01")

    steps = list(walk(Git(repo), "README.md", BASE))
    assert [s.commit.subject for s in steps] == ["start", "pr: add a paper", "main: add a paper", "merge pr"] or [
        s.commit.subject for s in steps] == ["start", "main: add a paper", "pr: add a paper", "merge pr"]
    assert len(steps[-1].commit.parents) == 2
    for step in steps:
        after = set(graph.triples(step.catalog, BASE))
        assert patch.apply(step.diff.patch, set(graph.triples(step.previous, BASE))) == after, step.commit.subject
        assert step.diff.other == []
    from phenkg.history import Dates
    dates = Dates()
    for step in steps:
        dates.update(step)
    assert dates.of["arxiv-2102.00001"].first_listed.date == "2021-02-01"   # the branch's commit
    assert dates.of["arxiv-2102.00001"].last_changed.date == "2021-03-01"   # added to the main line by the merge
    assert dates.of["arxiv-2102.00002"].first_listed.date == "2021-02-15"
    assert dates.of["arxiv-2101.00001"].first_listed.date == "2021-01-01"
    oldest = _git(repo, "log", "--reverse", "--format=%ad", "--date=short", "-S", "2102.00001", "--", "README.md")
    assert oldest.split()[0] == "2021-02-01"

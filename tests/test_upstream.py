"""An import of a newer version of the list over data/: it shows the entity-level diff first, needs no
--force when data/ holds no hand edit, and still refuses to drop hand edits without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from phenkg.cli import main
from tests.conftest import DATA
from tests.listhistory import clone, git


@pytest.fixture(scope="module")
def lists(tmp_path_factory) -> tuple[Path, Path]:
    """The README one commit before the seed, and at the seed."""
    work = tmp_path_factory.mktemp("upstream")
    repo = clone(work / "adp")
    older, newer = work / "older.md", work / "newer.md"
    older.write_text(git(repo, "show", "HEAD~1:README.md"), encoding="utf-8")
    newer.write_text(git(repo, "show", "HEAD:README.md"), encoding="utf-8")
    return older, newer


def imported(older: Path, data: Path) -> None:
    done = main(["import", str(older), "--data", str(data), "--commit", "37d822d0bdc3", "--date", "2022-05-17"])
    assert done in (0, 1)


def test_a_pure_upstream_update_shows_the_diff_and_needs_no_force(lists, tmp_path: Path, capsys) -> None:
    older, newer = lists
    data = tmp_path / "data"
    imported(older, data)
    capsys.readouterr()
    assert main(["import", str(newer), "--data", str(data), "--commit", "cf5911c2f8d12bb34d4e34d750af652600618edf",
                 "--date", "2022-05-17"]) == 1    # the seed's warnings
    err = capsys.readouterr().err
    assert "**phenkg diff**" in err
    assert "1 added" in err
    assert "arxiv-2205.07320" in err
    assert "an upstream update" in err
    assert (data / "papers.yaml").read_bytes() == (DATA / "papers.yaml").read_bytes()


def test_an_update_over_hand_edits_is_refused_without_force(lists, tmp_path: Path, capsys) -> None:
    older, newer = lists
    data = tmp_path / "data"
    imported(older, data)
    papers = data / "papers.yaml"
    edited = papers.read_text(encoding="utf-8").replace("title: Masked Autoencoders Are Scalable Vision Learners",
                                                        "title: HAND EDITED", 1)
    assert edited != papers.read_text(encoding="utf-8")
    papers.write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(newer), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "**phenkg diff**" in err
    assert "hand-edited: papers.yaml" in err
    assert "--force" in err
    assert papers.read_text(encoding="utf-8") == edited      # nothing written
    assert main(["import", str(newer), "--data", str(data), "--force"]) == 1
    assert "HAND EDITED" not in papers.read_text(encoding="utf-8")

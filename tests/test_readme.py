"""The README's command table says what the parser and cli.EXITS say: every command, every option,
the exit codes each command documents and main() uses. Fix a failure by editing the README row."""

from __future__ import annotations

import argparse
import re

import pytest

from phenkg import cli
from phenkg.errors import BadQueryError, DataError, PhenkgError, RemoteError, UnusableInputError

from .conftest import ROOT

COMMON = {"--data", "--base", "--help"}  # documented once, under the table


def readme_rows() -> dict[str, list[str]]:
    """command -> its row's cells (command, does, exit codes), from the table under '## Commands'."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `phenkg "):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows[cells[0].strip("`").split()[1]] = cells
    return rows


def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_table_has_a_row_for_each_command_and_no_other() -> None:
    assert sorted(readme_rows()) == sorted(subcommands()) == sorted(cli.EXITS)


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_each_option_is_in_its_row(command: str) -> None:
    row = " ".join(readme_rows()[command][:2])
    def mentioned(option: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", row) is not None

    options = [a.option_strings for a in subcommands()[command]._actions
               if a.option_strings and not COMMON & set(a.option_strings)]
    missing = sorted(max(names, key=len) for names in options if not any(map(mentioned, names)))
    assert not missing, f"README row of `phenkg {command}` does not mention {missing}"


def test_common_options_are_documented_once() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Every command takes `--data DIR`" in text
    assert "`--base IRI`" in text


@pytest.mark.parametrize("command", sorted(cli.EXITS))
def test_exit_codes_are_those_of_cli(command: str) -> None:
    cell = readme_rows()[command][2]
    assert cell == cli.exits_text(command), \
        f"README row of `phenkg {command}`: set its exit codes cell to\n{cli.exits_text(command)}"


@pytest.mark.parametrize(("error", "code"), [
    (BadQueryError("x"), 2), (RemoteError("x"), 1), (DataError("x"), 2), (UnusableInputError("x"), 2),
    (PhenkgError("x"), 2)])
def test_errors_become_the_documented_codes(error: PhenkgError, code: int) -> None:
    assert cli.exit_code(error) == code
    documented = {c for exits in cli.EXITS.values() for c, _ in exits}
    assert code in documented

"""Typed errors that carry where and why; only `cli.py` turns them into exit codes."""

from __future__ import annotations


class PhenkgError(Exception):
    """Base class: a message a user can act on, and where it happened."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 hint: str | None = None, column: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
            if self.column is not None:
                where = f"{where}:{self.column}"
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class UnusableInputError(PhenkgError):
    """The input cannot be read as a list at all (exit code 2); nothing was written."""


class DataError(PhenkgError):
    """`data/` is malformed: a YAML file that does not load or a record of the wrong shape (exit 2)."""


class RemoteError(PhenkgError):
    """An external endpoint failed: unreachable, refused, or answered with an error (exit 1)."""


class BadQueryError(PhenkgError):
    """A query that does not parse, or that a remote store rejected as malformed (exit 2: bad input)."""


class BusyError(PhenkgError):
    """Another process holds the lock on the output (exit 2); nothing was written."""

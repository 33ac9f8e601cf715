"""The files the server hands out as they are: its static assets and a build's downloads.

One rule for both, and for both ways of serving them (streamed by the HTTP front, read whole by
`serve --get`): only a regular file directly inside its folder, named without separators or a
leading dot, opened without following a link. What is served cannot be steered outside the folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

STATIC_FILES = Path(__file__).resolve().parent / "static"


def open_served(folder: Path, name: str) -> tuple[int, os.stat_result] | None:
    """An open descriptor of the regular file `name` directly inside `folder`, with its status; None
    for a path, a dot file, a link (even one pointing inside), a folder or anything else."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        return None
    try:
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)     # the folder itself may be a link
    except OSError:
        return None
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
    except OSError:
        return None
    finally:
        os.close(directory)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    return fd, info


def read_served(folder: Path, name: str) -> bytes | None:
    """The whole file, under the same rule (for answers built in-process)."""
    opened = open_served(folder, name)
    if opened is None:
        return None
    with os.fdopen(opened[0], "rb") as file:
        return file.read()

"""A one-line progress display for long commands; silent unless the stream is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int | None = None, unit: str = "",
                 stream: TextIO | None = None) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self.last_draw = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last_draw < 0.1 and done != self.total):
            return
        self.last_draw = now
        of = f"/{self.total:,}" if self.total else ""
        pct = f" {100 * done / self.total:3.0f}%" if self.total else ""
        self.stream.write(f"\r{self.label}: {done:,}{of} {self.unit}{pct}  {now - self.started:5.1f}s\x1b[K")
        self.stream.flush()

    def done(self, message: str = "") -> None:
        if self.enabled:
            self.stream.write(f"\r{self.label}: {message or 'done'}  {time.monotonic() - self.started:5.1f}s\x1b[K\n")
            self.stream.flush()

"""A progress bar for long jobs: redrawn in place on a terminal, a line every 10% elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, width: int = 30) -> None:
        self.label, self.total, self.width = label, max(total, 1), width
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self._tty = self.stream.isatty()
        self._last_decile = -1

    def advance(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        decile = self.done * 10 // self.total
        if self._tty:
            self._draw("\r")
        elif decile != self._last_decile:
            self._draw("")
            self.stream.write("\n")
        self._last_decile = decile

    def finish(self) -> None:
        if not self._tty and self._last_decile == 10:
            return  # the 100% line is already out
        self.done = self.total
        self._draw("\r" if self._tty else "")
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, prefix: str) -> None:
        filled = self.width * self.done // self.total
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"{prefix}{self.label:<22} [{bar}] {self.done:>6}/{self.total:<6} {rate:7.0f}/s")
        self.stream.flush()

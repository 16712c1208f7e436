"""A progress bar for long commands, drawn in place on a terminal stream."""

from __future__ import annotations

from typing import TextIO


class ProgressBar:
    """``label [#####.....] done/total`` redrawn in place on a terminal stream."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.label = ""

    def __call__(self, label: str, done: int, total: int) -> None:
        if label != self.label and self.label:
            self.stream.write("\n")
        self.label = label
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{label:<8} [{bar}] {done}/{total}")
        self.stream.flush()

    def close(self) -> None:
        """End the line, if one was drawn."""
        if self.label:
            self.stream.write("\n")

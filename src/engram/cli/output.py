"""Human-readable output: aligned tables that fit the terminal, key/value blocks, colour.

Colour is used only when the stream is a terminal and ``NO_COLOR`` is unset (no-color.org).
A table's widest text column shrinks to fit the terminal's width (``COLUMNS``, else 120 when
the output is not a terminal) and long cells end in an ellipsis; ids are never cut, so they
can be pasted into the next command.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

_ESCAPES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
EVENT_COLOURS = {"ADD": "green", "UPDATE": "yellow", "DELETE": "red", "NONE": "dim"}
_MIN_FLEX = 16


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never with ``NO_COLOR`` set or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, colour: str | None, enabled: bool) -> str:
    """``text`` in ``colour`` (a name of ``_ESCAPES``) when enabled."""
    if not enabled or not colour:
        return text
    return f"\033[{_ESCAPES[colour]}m{text}\033[0m"


def width_of(stream: TextIO) -> int:
    """The terminal's width for ``stream`` (COLUMNS wins), else 120."""
    columns = os.environ.get("COLUMNS")
    if columns and columns.isdigit():
        return int(columns)
    if use_colour(stream) or getattr(stream, "isatty", lambda: False)():
        return shutil.get_terminal_size((120, 24)).columns
    return 120


def clip(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    return flat[: max(width - 1, 0)] + "…"


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its heading, the row key, and whether it may shrink."""

    heading: str
    key: str
    flex: bool = False
    align: str = "<"


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    stream: TextIO | None = None,
    colours: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Print ``rows`` as an aligned table; ``colours[key][value]`` colours matching cells."""
    out = stream or sys.stdout
    colour = use_colour(out)
    cells = [[_cell(row.get(c.key)) for c in columns] for row in rows]
    widths = [max([len(c.heading)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    spare = width_of(out) - (sum(widths) + 2 * (len(columns) - 1))
    flexible = [i for i, c in enumerate(columns) if c.flex]
    if spare < 0 and flexible:
        widest = max(flexible, key=lambda i: widths[i])
        widths[widest] = max(widths[widest] + spare, _MIN_FLEX, len(columns[widest].heading))
    head = "  ".join(f"{c.heading:{c.align}{w}}" for c, w in zip(columns, widths, strict=True))
    out.write(paint(head.rstrip(), "bold", colour) + "\n")
    for row_cells in cells:
        parts = []
        for i, (column, text) in enumerate(zip(columns, row_cells, strict=True)):
            text = clip(text, widths[i])
            padded = f"{text:{column.align}{widths[i]}}"
            tint = (colours or {}).get(column.key, {}).get(text)
            parts.append(paint(padded, tint, colour))
        out.write("  ".join(parts).rstrip() + "\n")


def fields(pairs: Sequence[tuple[str, Any]], stream: TextIO | None = None) -> None:
    """Print ``key  value`` lines, keys aligned (a record shown vertically)."""
    out = stream or sys.stdout
    colour = use_colour(out)
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        out.write(f"{paint(f'{key:<{width}}', 'bold', colour)}  {_cell(value)}\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False)
    return " ".join(str(value).split())


def short_time(value: str | None) -> str:
    """``2026-11-30 09:46`` from a stored ISO time (UTC)."""
    if not value:
        return ""
    return value[:16].replace("T", " ")

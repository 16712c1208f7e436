"""A generator of damaged SQLite store files, for the tests of damage handling and ``doctor``.

``layout`` maps every b-tree of a file (each table and index, FTS5's shadow tables included) to
its pages, by walking the b-trees from their root pages as SQLite's file format describes them
(page header: type byte 0x05 interior table, 0x02 interior index, 0x0d / 0x0a leaves; an
interior page lists its children in its cells' first four bytes and in its right-most
pointer). ``PATTERNS`` damages a copy of a store in one place each: the header, the schema
page, a table's root, interior or leaf page, an index page, the full-text index's pages, the
file's tail, scattered bytes, and a record's payload (a page that still parses, holding bytes
that are not what was written).
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PATTERNS", "Layout", "Pattern", "layout"]

_INTERIOR = {0x05, 0x02}
_LEAF = {0x0D, 0x0A}


@dataclass
class Layout:
    """Pages of a store file: the page size, and each b-tree's pages (root first)."""

    page_size: int
    page_count: int
    trees: dict[str, list[int]] = field(default_factory=dict)
    interior: dict[str, list[int]] = field(default_factory=dict)
    leaves: dict[str, list[int]] = field(default_factory=dict)


def layout(path: Path) -> Layout:
    """Every b-tree of the file at ``path`` and its pages."""
    with closing(sqlite3.connect(path)) as conn:
        roots = conn.execute(
            "SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0"
        ).fetchall()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    data = path.read_bytes()
    found = Layout(page_size, page_count)
    for name, root in roots:
        pages, interior, leaves = [], [], []
        todo = [root]
        while todo:
            page = todo.pop()
            pages.append(page)
            start = (page - 1) * page_size
            header = start + (100 if page == 1 else 0)
            kind = data[header]
            if kind in _LEAF:
                leaves.append(page)
                continue
            assert kind in _INTERIOR, f"page {page} of {name} has type {kind}"
            interior.append(page)
            cells = int.from_bytes(data[header + 3 : header + 5], "big")
            todo.append(int.from_bytes(data[header + 8 : header + 12], "big"))
            for i in range(cells):
                at = header + 12 + 2 * i
                offset = int.from_bytes(data[at : at + 2], "big")
                todo.append(int.from_bytes(data[start + offset : start + offset + 4], "big"))
        found.trees[name], found.interior[name], found.leaves[name] = pages, interior, leaves
    return found


Pattern = Callable[[Path, Layout], None]


def _write(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as file:
        file.seek(offset)
        file.write(data)


def _garble_page(path: Path, pages: Layout, page: int, keep_header: bool = False) -> None:
    """Random bytes over a page (after its type byte and cell count when ``keep_header``)."""
    rng = random.Random(page)
    start = (page - 1) * pages.page_size + (100 if page == 1 else 0)
    skip = 12 if keep_header else 0
    size = pages.page_size - (100 if page == 1 else 0) - skip
    _write(path, start + skip, bytes(rng.randrange(256) for _ in range(size)))


def _zero_page(path: Path, pages: Layout, page: int) -> None:
    _write(path, (page - 1) * pages.page_size, bytes(pages.page_size))


def _middle(items: list[int]) -> int:
    return sorted(items)[len(items) // 2]


def _leaf(name: str) -> Pattern:
    return lambda path, pages: _garble_page(path, pages, _middle(pages.leaves[name]))


def _root(name: str) -> Pattern:
    return lambda path, pages: _garble_page(path, pages, pages.trees[name][0])


def _zeroed_leaf(name: str) -> Pattern:
    return lambda path, pages: _zero_page(path, pages, _middle(pages.leaves[name]))


def _cells_of(name: str) -> Pattern:
    """Keep the page header and cell pointers, garble the cell contents: the page parses."""

    def damage(path: Path, pages: Layout) -> None:
        page = _middle(pages.leaves[name])
        start = (page - 1) * pages.page_size
        rng = random.Random(7)
        for offset in range(pages.page_size // 2, pages.page_size, 97):
            _write(path, start + offset, bytes([rng.randrange(256)]))

    return damage


def _header_magic(path: Path, pages: Layout) -> None:
    _write(path, 0, b"Not a database!\x00")


def _header_page_size(path: Path, pages: Layout) -> None:
    _write(path, 16, (3000).to_bytes(2, "big"))


def _schema_page(path: Path, pages: Layout) -> None:
    _garble_page(path, pages, 1, keep_header=False)


def _truncated(path: Path, pages: Layout) -> None:
    with open(path, "r+b") as file:
        file.truncate(pages.page_size * (pages.page_count // 2))


def _scattered(path: Path, pages: Layout) -> None:
    rng = random.Random(11)
    size = pages.page_size * pages.page_count
    for _ in range(64):
        _write(path, rng.randrange(100, size), bytes([rng.randrange(256)]))


def _tail(path: Path, pages: Layout) -> None:
    _zero_page(path, pages, pages.page_count)


#: name -> (damage, what it damages: "derived" if engram doctor --repair can mend it)
PATTERNS: dict[str, tuple[Pattern, str]] = {
    "header magic": (_header_magic, "data"),
    "header page size": (_header_page_size, "data"),
    "schema page": (_schema_page, "data"),
    "truncated file": (_truncated, "data"),
    "last page zeroed": (_tail, "data"),
    "scattered bytes": (_scattered, "data"),
    "memories root page": (_root("memories"), "data"),
    "memories leaf page": (_leaf("memories"), "data"),
    "memories leaf zeroed": (_zeroed_leaf("memories"), "data"),
    "memories cell contents": (_cells_of("memories"), "data"),
    "vectors root page": (_root("vectors"), "data"),
    "vectors leaf page": (_leaf("vectors"), "data"),
    "history leaf page": (_leaf("history"), "data"),
    "engram_meta page": (_root("engram_meta"), "data"),
    "user index page": (_leaf("memories_user"), "derived"),
    "scope index page": (_leaf("memories_scope"), "derived"),
    "hash index page": (_leaf("memories_hash"), "derived"),
    "history index page": (_leaf("history_memory"), "derived"),
    "fts data page": (_leaf("memories_fts_data"), "derived"),
    "fts docsize page": (_leaf("memories_fts_docsize"), "derived"),
}

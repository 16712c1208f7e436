"""Bulk export and import of the SQLite store's memories and history (``engram migrate``,
``engram export`` / ``import``).

Memories (with their vectors) and history rows are read in commit order after a cursor, a batch
at a time (only those matching a filter, when asked), and written verbatim in one transaction per
batch, skipping ids already present.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from engram.core.filters import FilterNode
from engram.core.records import HistoryRecord, MemoryRecord
from engram.embedders.base import Vectors
from engram.stores.sqlite.connections import Connections
from engram.stores.sqlite.filters import compile_filter
from engram.stores.sqlite.rows import (
    COLUMNS,
    HISTORY_COLUMNS,
    INSERT_MARKS,
    M_COLUMNS,
    history_of,
    history_row,
    record_of,
    record_row,
    scope_tokens,
)

__all__ = ["SQLiteTransfer"]


class SQLiteTransfer(Connections):
    """The memories' transfer methods, a base of ``SQLiteStore``."""

    def _blob(self, vector: Vectors) -> bytes:
        raise NotImplementedError  # pragma: no cover - SQLiteStore provides it

    def export_memories(
        self, after: int, limit: int, where: FilterNode | None = None
    ) -> tuple[list[tuple[MemoryRecord, Vectors]], int]:
        """Memories (matching ``where``) with their vectors in commit order after ``after``."""
        sql, params = compile_filter(where, alias="m")
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {M_COLUMNS}, v.embedding, m.seq FROM memories m "
                f"JOIN vectors v ON v.seq = m.seq WHERE m.seq > ? AND {sql} "
                "ORDER BY m.seq LIMIT ?",
                (after, *params, limit),
            ).fetchall()
            found = [
                (record_of(row), np.frombuffer(row[-2], dtype=np.float32).copy()) for row in rows
            ]
        return found, rows[-1][-1] if rows else after

    def export_history(
        self, after: int, limit: int, where: FilterNode | None = None
    ) -> tuple[list[HistoryRecord], int]:
        """History rows in commit order after cursor ``after``; with ``where``, only those of
        the stored memories that match it."""
        sql, params = "1", list[Any]()
        if where is not None:
            scope, params = compile_filter(where, alias="m")
            sql = f"memory_id IN (SELECT m.id FROM memories m WHERE {scope})"
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {HISTORY_COLUMNS}, seq FROM history WHERE seq > ? AND {sql} "
                "ORDER BY seq LIMIT ?",
                (after, *params, limit),
            ).fetchall()
            return [history_of(row) for row in rows], rows[-1][-1] if rows else after

    def known_ids(self, memory_ids: Sequence[str]) -> set[str]:
        """Which of these memory ids the store holds."""
        found: set[str] = set()
        unique = list(dict.fromkeys(memory_ids))
        with self._read() as conn:
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                found.update(
                    row[0]
                    for row in conn.execute(f"SELECT id FROM memories WHERE id IN ({marks})", chunk)
                )
        return found

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Nothing to prepare: SQLite's indexes are cheap to keep up while loading."""
        yield

    def import_rows(
        self, memories: Sequence[tuple[MemoryRecord, Vectors]], history: Sequence[HistoryRecord]
    ) -> tuple[int, int]:
        """Write rows verbatim in one transaction, skipping ids already present."""
        blobs = [self._blob(vector) for _, vector in memories]
        with self._write() as conn:
            inserted = conn.executemany(
                f"INSERT OR IGNORE INTO memories ({COLUMNS}, scope_tokens) VALUES ({INSERT_MARKS})",
                [
                    (*record_row(r), scope_tokens(r.user_id, r.agent_id, r.run_id))
                    for r, _ in memories
                ],
            )
            added = max(inserted.rowcount, 0)  # rows inserted (not those of FTS triggers)
            # A memory that was already there has its vector already: OR IGNORE keeps it.
            conn.executemany(
                "INSERT OR IGNORE INTO vectors (seq, embedding) "
                "SELECT seq, ? FROM memories WHERE id = ?",
                [(blob, record.id) for (record, _), blob in zip(memories, blobs, strict=True)],
            )
            before = conn.total_changes
            conn.executemany(
                f"INSERT OR IGNORE INTO history ({HISTORY_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [history_row(h) for h in history],
            )
            return added, conn.total_changes - before

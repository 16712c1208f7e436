"""Bulk export and import for the ``postgres`` store (``engram.stores.transfer``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from engram.core.filters import FilterNode
from engram.core.records import HistoryRecord, MemoryRecord
from engram.embedders.base import Vectors
from engram.stores.base import DIMENSION, EMBEDDER, WEIGHTS
from engram.stores.postgres.config import PostgresStoreConfig
from engram.stores.postgres.filters import compile_filter
from engram.stores.postgres.rows import (
    COLUMNS,
    HISTORY_COLUMNS,
    history_row,
    record_row,
    to_numpy,
    to_record,
    to_vector,
)

if TYPE_CHECKING:
    from psycopg import Cursor

__all__ = ["PostgresTransfer"]


def _prefixed(columns: str) -> str:
    return ", ".join(f"m.{column.strip()}" for column in columns.split(","))


class PostgresTransfer(ABC):
    """The transfer methods, mixed into ``PostgresStore``."""

    config: PostgresStoreConfig
    schema: str
    _t: str
    _h: str

    @abstractmethod
    def _transaction(self, what: str = "write") -> AbstractContextManager[Cursor[Any]]:
        """A cursor in one transaction."""

    @abstractmethod
    def _check_vector(self, vector: Vectors) -> None:
        """Raise StoreError unless ``vector`` has the store's dimension."""

    @abstractmethod
    def _sync_hnsw(self, cur: Cursor[Any], wanted: bool | None = None) -> None:
        """Build or drop the HNSW index."""

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Load many memories fast (PostgreSQL's advice for populating a database).

        For the duration the derived HNSW index is dropped (each insert would otherwise
        update the graph) and autovacuum is paused on the store's tables (it would scan them
        while they grow). Afterwards the tables are vacuumed and analysed once and, when the
        ``hnsw`` option is on, the index is rebuilt. Meanwhile searches are exact, so slow on a
        large store; other clients' reads and writes stay correct.
        """
        tables = (self._t, self._h)
        with self._transaction() as cur:
            self._sync_hnsw(cur, wanted=False)
            for table in tables:
                cur.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        try:
            yield
        finally:
            with self._transaction() as cur:
                for table in tables:
                    cur.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
            with self._autocommit() as cur:
                cur.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
            with self._transaction() as cur:
                self._sync_hnsw(cur)

    @contextmanager
    def _autocommit(self) -> Iterator[Cursor[Any]]:
        """A cursor outside any transaction (VACUUM refuses to run inside one)."""
        from engram.stores.postgres.connect import drivers as _drivers
        from engram.stores.postgres.connect import store_error

        psycopg = _drivers()[0]
        try:
            conn = psycopg.connect(self.config.conninfo(), autocommit=True)
        except psycopg.Error as e:
            raise store_error(e, "maintenance") from e
        with conn:
            yield conn.cursor()

    def stored_embedder(self) -> tuple[str, int, str | None] | None:
        """The embedder the schema was made with (name, dimension, weights), read without
        opening the store."""
        from engram.stores.postgres.connect import drivers as _drivers
        from engram.stores.postgres.connect import store_error

        psycopg = _drivers()[0]
        try:
            with psycopg.connect(self.config.conninfo(), autocommit=True) as conn:
                row = conn.execute(
                    "SELECT to_regclass(%s) IS NOT NULL", (f"{self.schema}.engram_meta",)
                ).fetchone()
                if not row or not row[0]:
                    return None
                stored = dict(conn.execute(f"SELECT key, value FROM {self.schema}.engram_meta"))
        except psycopg.Error as e:
            raise store_error(e, "read") from e
        if not stored:
            return None
        return stored[EMBEDDER], int(stored[DIMENSION]), stored.get(WEIGHTS)

    def export_memories(
        self, after: int, limit: int, where: FilterNode | None = None
    ) -> tuple[list[tuple[MemoryRecord, Vectors]], int]:
        """Memories (matching ``where``) with their vectors in commit order after ``after``."""
        sql, params = compile_filter(where, alias="m")
        with self._transaction("export") as cur:
            cur.execute(
                f"SELECT {_prefixed(COLUMNS)}, m.embedding, m.seq FROM {self._t} m "
                f"WHERE m.seq > %s AND {sql} ORDER BY m.seq LIMIT %s",
                (after, *params, limit),
            )
            rows = cur.fetchall()
        found = [(to_record(row), to_numpy(row[-2])) for row in rows]
        return found, int(rows[-1][-1]) if rows else after

    def export_history(
        self, after: int, limit: int, where: FilterNode | None = None
    ) -> tuple[list[HistoryRecord], int]:
        """History rows in commit order after cursor ``after``; with ``where``, only those of
        the stored memories that match it."""
        sql, params = "TRUE", list[Any]()
        if where is not None:
            scope, params = compile_filter(where, alias="m")
            sql = f"memory_id IN (SELECT m.id FROM {self._t} m WHERE {scope})"
        with self._transaction("export") as cur:
            cur.execute(
                f"SELECT {HISTORY_COLUMNS}, seq FROM {self._h} WHERE seq > %s AND {sql} "
                "ORDER BY seq LIMIT %s",
                (after, *params, limit),
            )
            rows = cur.fetchall()
        return [HistoryRecord(*row[:-1]) for row in rows], int(rows[-1][-1]) if rows else after

    def known_ids(self, memory_ids: Sequence[str]) -> set[str]:
        """Which of these memory ids the store holds."""
        if not memory_ids:
            return set()
        with self._transaction("read") as cur:
            cur.execute(f"SELECT id FROM {self._t} WHERE id = ANY(%s)", (list(memory_ids),))
            return {str(row[0]) for row in cur.fetchall()}

    def import_rows(
        self, memories: Sequence[tuple[MemoryRecord, Vectors]], history: Sequence[HistoryRecord]
    ) -> tuple[int, int]:
        """Write rows verbatim in one transaction, skipping ids already present."""
        for _, vector in memories:
            self._check_vector(vector)
        memory_rows = [(*record_row(r), to_vector(v)) for r, v in memories]
        history_rows = [history_row(h) for h in history]
        with self._transaction() as cur:
            added = []
            for target, rows in (
                (f"{self._t} ({COLUMNS}, embedding)", memory_rows),
                (f"{self._h} ({HISTORY_COLUMNS})", history_rows),
            ):
                if rows:
                    marks = ", ".join(["%s"] * len(rows[0]))
                    cur.executemany(
                        f"INSERT INTO {target} VALUES ({marks}) ON CONFLICT (id) DO NOTHING", rows
                    )
                added.append(max(cur.rowcount, 0) if rows else 0)
            return added[0], added[1]

"""The scale-out store: memories, vectors, full-text index and history in PostgreSQL + pgvector.

Many processes and hosts share one database. Every ``apply`` is one transaction on a pooled
connection (psycopg 3, ``psycopg_pool``): memory rows with their vectors and lexemes (a
generated ``tsvector`` column) and their history rows commit together or not at all. A
unique insert takes a transaction-scoped advisory lock on (scope, hash), so concurrent adds
of one fact make one memory. The schema is made by named migrations (``schema.py``).

Vector search is exact (cosine, a scan of the filtered rows through the btree on the scope
columns) when the filter selects at most ``exact_search_max_rows`` rows; beyond that it uses
the HNSW index with ``hnsw.iterative_scan = relaxed_order`` (a plain filtered HNSW scan
returns almost nothing) and re-sorts the candidates exactly. Lexical search is PostgreSQL
full-text search (English stemming) ranked by ``ts_rank``: not BM25's scale, which the
search's fusion assumes (``ranking.LEXICAL_HALF``), so lexical relevance counts less here than
with the SQLite store (a known gap: BM25 from ``pg_stats`` lexeme frequencies would close it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from engram.core.filters import Condition, Field, FilterNode, conjoin, scope_values
from engram.core.records import (
    Change,
    Delete,
    DeleteWhere,
    HistoryRecord,
    Insert,
    Invalidate,
    MemoryRecord,
    Update,
    WriteOp,
    history_for,
    text_hash,
)
from engram.embedders.base import Vectors
from engram.exceptions import ConfigurationError, MemoryNotFoundError, StoreError
from engram.stores.base import Store
from engram.stores.postgres.config import PostgresStoreConfig
from engram.stores.postgres.filters import SUPPORTED_OPERATORS, compile_filter
from engram.stores.postgres.rows import (
    COLUMNS,
    HISTORY_COLUMNS,
    M_COLUMNS,
    history_row,
    jsonb,
    record_row,
    to_record,
    to_vector,
)
from engram.stores.postgres.schema import HNSW_INDEX, migrate
from engram.stores.postgres.transfer import PostgresTransfer

if TYPE_CHECKING:
    from psycopg import Cursor
    from psycopg_pool import ConnectionPool

__all__ = ["PostgresStore"]

COPY_TYPES = ["text"] * 11 + ["jsonb", "text", "text", "vector"]
HISTORY_TYPES = ["text"] * 7 + ["bool", "text", "text"]
#: Batches of plain inserts at least this long go through COPY instead of INSERT.
COPY_MIN_ROWS = 32


def _drivers() -> Any:
    """psycopg, psycopg_pool and pgvector's adapter, imported on first use."""
    try:
        import psycopg
        import psycopg_pool
        from pgvector.psycopg import register_vector
    except ImportError as e:
        raise ImportError(
            f"the postgres store needs psycopg, psycopg_pool and pgvector ({e}); "
            'install them with: pip install "engram[postgres]"'
        ) from e
    return psycopg, psycopg_pool, register_vector


def _lock_key(*parts: str | None) -> int:
    """A signed 64-bit advisory lock key for ``parts``."""
    digest = hashlib.md5(repr(parts).encode("utf-8"), usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresStore(PostgresTransfer, Store):
    """Memories in PostgreSQL + pgvector; safe across threads, processes and hosts."""

    Config = PostgresStoreConfig
    supported_operators = SUPPORTED_OPERATORS

    def __init__(self, config: PostgresStoreConfig | None = None) -> None:
        self.config = config or PostgresStoreConfig()
        self.schema = self.config.schema_name
        self.dimension = 0
        self._pool: ConnectionPool[Any] | None = None
        self._closed = False
        self._t = f"{self.schema}.memories"
        self._h = f"{self.schema}.history"

    # -- lifecycle ---------------------------------------------------------------------------

    def open(self, embedder_name: str, dimension: int) -> None:
        """Create or migrate the schema, check the embedder, build or drop the HNSW index."""
        psycopg, psycopg_pool, register_vector = _drivers()
        conninfo = self.config.conninfo()
        timeout = self.config.connect_timeout
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=int(timeout)) as conn:
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(self.schema),))
                    migrate(cur, self.schema, dimension)
                    cur.execute(f"SELECT key, value FROM {self.schema}.engram_meta")
                    stored = dict(cur.fetchall())
                    if not stored:
                        cur.executemany(
                            f"INSERT INTO {self.schema}.engram_meta VALUES (%s, %s)",
                            [("embedder", embedder_name), ("dimension", str(dimension))],
                        )
                    if not stored or (stored["embedder"], stored["dimension"]) == (
                        embedder_name,
                        str(dimension),
                    ):
                        self._sync_hnsw(cur)
        except psycopg.Error as e:
            raise StoreError(
                f"cannot open the PostgreSQL store (schema {self.schema}): {e}",
                suggestion="check the dsn, that the server runs and has the pgvector extension",
            ) from e
        if stored and (stored["embedder"], stored["dimension"]) != (embedder_name, str(dimension)):
            raise ConfigurationError(
                f"the PostgreSQL store (schema {self.schema}) was created with embedder "
                f"{stored['embedder']!r} ({stored['dimension']} dimensions), not "
                f"{embedder_name!r} ({dimension})",
                missing_field="embedder",
                config_source=f"postgres schema {self.schema}",
                suggestion=(
                    f"configure the embedder {stored['embedder']!r} again, or use a new "
                    "schema_name for the new embedder and add your memories there"
                ),
                details={"stored": stored, "configured": [embedder_name, dimension]},
            )
        self._pool = psycopg_pool.ConnectionPool(
            conninfo,
            min_size=min(self.config.min_connections, self.config.max_connections),
            max_size=self.config.max_connections,
            kwargs={"autocommit": True, "connect_timeout": int(timeout)},
            configure=register_vector,
            check=psycopg_pool.ConnectionPool.check_connection,
            timeout=max(timeout, 30.0),
            name=f"engram-{self.schema}",
            open=True,
        )
        self.dimension = dimension

    def _sync_hnsw(self, cur: Cursor[Any]) -> None:
        """Build the HNSW index when ``hnsw`` is on and it is missing; drop it when off."""
        name = f"{self.schema}.{HNSW_INDEX}"
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        row = cur.fetchone()
        exists = bool(row and row[0])
        if self.config.hnsw and not exists:
            # Building is much faster when the graph fits: ask for 512 MB at least.
            cur.execute(
                "SELECT set_config('maintenance_work_mem', greatest(setting::bigint, 524288) "
                "|| 'kB', true) FROM pg_settings WHERE name = 'maintenance_work_mem'"
            )
            cur.execute(
                f"CREATE INDEX {HNSW_INDEX} ON {self._t} USING hnsw "
                f"(embedding vector_cosine_ops) WITH (m = {self.config.hnsw_m}, "
                f"ef_construction = {self.config.hnsw_ef_construction})"
            )
        elif exists and not self.config.hnsw:
            cur.execute(f"DROP INDEX {name}")

    def close(self) -> None:
        """Close the connection pool."""
        if self._closed:
            return
        self._closed = True
        if self._pool is not None:
            self._pool.close()

    def _checked_pool(self) -> ConnectionPool[Any]:
        if self._closed:
            raise StoreError("the store is closed", suggestion="create a new Memory")
        if self._pool is None:
            raise StoreError("the store is not open", suggestion="call open() first")
        return self._pool

    @contextmanager
    def _transaction(self, what: str = "write") -> Iterator[Cursor[Any]]:
        """A cursor in one transaction on a pooled connection; rolled back on any error."""
        psycopg = _drivers()[0]
        pool = self._checked_pool()
        try:
            with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield cur
        except psycopg.Error as e:
            if what == "write":
                raise StoreError(
                    f"the write was rolled back: {e}", suggestion="nothing was written"
                ) from e
            raise StoreError(f"the {what} failed: {e}") from e

    # -- writes ------------------------------------------------------------------------------

    def apply(self, ops: Sequence[WriteOp], now: str) -> list[Change]:
        """Apply ``ops`` and their history rows in one transaction."""
        with self._transaction() as cur:
            changes: list[Change] = []
            pending: list[Insert] = []
            for op in ops:
                if isinstance(op, Insert) and not op.unique:
                    self._check_vector(op.vector)
                    pending.append(op)
                    continue
                changes.extend(self._insert_many(cur, pending))
                pending = []
                if isinstance(op, Insert):
                    changes.append(self._insert_unique(cur, op))
                elif isinstance(op, Update):
                    changes.append(self._update(cur, op, now))
                elif isinstance(op, Delete):
                    changes.append(self._delete(cur, op.memory_id))
                elif isinstance(op, Invalidate):
                    changes.append(self._invalidate(cur, op, now))
                elif isinstance(op, DeleteWhere):
                    changes.extend(self._delete_where(cur, op.where))
                else:  # pragma: no cover - exhaustive
                    raise TypeError(f"unknown write operation {op!r}")
            changes.extend(self._insert_many(cur, pending))
            history = [history_row(history_for(c, now)) for c in changes if c.event != "NONE"]
            self._write_rows(cur, f"{self._h} ({HISTORY_COLUMNS})", HISTORY_TYPES, history)
            return changes

    def _write_rows(
        self, cur: Cursor[Any], target: str, types: list[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert ``rows`` into ``target`` (``table (columns)``): by COPY when there are many."""
        if len(rows) >= COPY_MIN_ROWS:
            with cur.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        elif rows:
            marks = ", ".join(["%s"] * len(rows[0]))
            cur.executemany(f"INSERT INTO {target} VALUES ({marks})", rows)

    def _insert_many(self, cur: Cursor[Any], inserts: list[Insert]) -> list[Change]:
        if not inserts:
            return []
        rows = [(*record_row(op.record), to_vector(op.vector)) for op in inserts]
        self._write_rows(cur, f"{self._t} ({COLUMNS}, embedding)", COPY_TYPES, rows)
        return [Change("ADD", op.record.id, None, op.record) for op in inserts]

    def _insert_unique(self, cur: Cursor[Any], op: Insert) -> Change:
        r = op.record
        self._check_vector(op.vector)
        key = _lock_key(self.schema, r.user_id, r.agent_id, r.run_id, r.hash)
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
        cur.execute(
            f"SELECT {COLUMNS} FROM {self._t} WHERE hash = %s AND user_id IS NOT DISTINCT "
            "FROM %s AND agent_id IS NOT DISTINCT FROM %s AND run_id IS NOT DISTINCT FROM %s "
            "AND invalid_at IS NULL ORDER BY seq LIMIT 1",
            (r.hash, r.user_id, r.agent_id, r.run_id),
        )
        row = cur.fetchone()
        if row is not None:
            existing = to_record(row)
            return Change("NONE", existing.id, existing, existing)
        return self._insert_many(cur, [op])[0]

    def _update(self, cur: Cursor[Any], op: Update, now: str) -> Change:
        old = self._fetch_for_update(cur, op.memory_id)
        self._check_vector(op.vector)
        new = replace(
            old,
            text=op.text,
            hash=text_hash(op.text),
            metadata=old.metadata if op.metadata is None else op.metadata,
            updated_at=now,
        )
        cur.execute(
            f"UPDATE {self._t} SET text = %s, hash = %s, metadata = %s, updated_at = %s, "
            "embedding = %s WHERE id = %s",
            (new.text, new.hash, jsonb(new.metadata), now, to_vector(op.vector), new.id),
        )
        return Change("UPDATE", new.id, old, new)

    def _delete(self, cur: Cursor[Any], memory_id: str) -> Change:
        cur.execute(f"DELETE FROM {self._t} WHERE id = %s RETURNING {COLUMNS}", (memory_id,))
        row = cur.fetchone()
        if row is None:
            raise _not_found(memory_id)
        return Change("DELETE", memory_id, to_record(row), None)

    def _invalidate(self, cur: Cursor[Any], op: Invalidate, now: str) -> Change:
        old = self._fetch_for_update(cur, op.memory_id)
        new = replace(old, invalid_at=op.invalid_at, updated_at=now)
        cur.execute(
            f"UPDATE {self._t} SET invalid_at = %s, updated_at = %s WHERE id = %s",
            (op.invalid_at, now, old.id),
        )
        return Change("DELETE", old.id, old, new)

    def _delete_where(self, cur: Cursor[Any], where: FilterNode) -> list[Change]:
        sql, params = compile_filter(where, alias="m")
        cur.execute(f"DELETE FROM {self._t} m WHERE {sql} RETURNING {M_COLUMNS}, m.seq", params)
        olds = sorted(cur.fetchall(), key=lambda row: row[-1])
        return [Change("DELETE", row[0], to_record(row), None) for row in olds]

    def _fetch_for_update(self, cur: Cursor[Any], memory_id: str) -> MemoryRecord:
        cur.execute(f"SELECT {COLUMNS} FROM {self._t} WHERE id = %s FOR UPDATE", (memory_id,))
        row = cur.fetchone()
        if row is None:
            raise _not_found(memory_id)
        return to_record(row)

    def _check_vector(self, vector: Vectors) -> None:
        if np.shape(vector) != (self.dimension,):
            raise StoreError(
                f"vector has shape {np.shape(vector)}, the store holds {self.dimension}-d vectors"
            )

    def reset(self) -> None:
        """Erase every memory and history row."""
        with self._transaction() as cur:
            cur.execute(f"TRUNCATE {self._t}, {self._h}")

    # -- reads -------------------------------------------------------------------------------

    def get(self, memory_id: str) -> MemoryRecord | None:
        """The memory with this id, or None."""
        with self._transaction("read") as cur:
            cur.execute(f"SELECT {COLUMNS} FROM {self._t} WHERE id = %s", (memory_id,))
            row = cur.fetchone()
        return None if row is None else to_record(row)

    def list_memories(self, where: FilterNode | None, limit: int) -> list[MemoryRecord]:
        """Memories matching ``where``, newest first."""
        sql, params = compile_filter(where, alias="m")
        with self._transaction("read") as cur:
            cur.execute(
                f"SELECT {M_COLUMNS} FROM {self._t} m WHERE {sql} "
                'ORDER BY m.created_at COLLATE "C" DESC, m.seq DESC LIMIT %s',
                (*params, limit),
            )
            rows = cur.fetchall()
        return [to_record(row) for row in rows]

    def count(self, where: FilterNode | None = None) -> int:
        """How many memories match ``where``."""
        sql, params = compile_filter(where, alias="m")
        with self._transaction("read") as cur:
            cur.execute(f"SELECT count(*) FROM {self._t} m WHERE {sql}", params)
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def search(
        self, vector: Vectors, where: FilterNode | None, limit: int, threshold: float | None
    ) -> list[tuple[MemoryRecord, float]]:
        """Cosine search over the memories matching ``where``: exact, or HNSW when large."""
        query = to_vector(vector)
        sql, params = compile_filter(where, alias="m")
        with self._transaction("search") as cur:
            if self._use_index(cur, where, sql, params):
                ef_search = min(max(self.config.ef_search, limit), 1000)
                cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                # We chose the index for this filter; the planner may not on a small table.
                cur.execute("SET LOCAL enable_seqscan = off")
                cur.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
                cur.execute(
                    f"SELECT * FROM (SELECT {M_COLUMNS}, m.seq, m.embedding <=> %s AS d "
                    f"FROM {self._t} m WHERE {sql} ORDER BY m.embedding <=> %s LIMIT %s) c "
                    "ORDER BY d, seq",
                    (query, *params, query, limit),
                )
            else:
                # OFFSET 0 keeps the planner from reading the HNSW index: this scan is exact.
                cur.execute(
                    f"SELECT * FROM (SELECT {M_COLUMNS}, m.seq, m.embedding <=> %s AS d "
                    f"FROM {self._t} m WHERE {sql} OFFSET 0) c ORDER BY d, seq LIMIT %s",
                    (query, *params, limit),
                )
            rows = cur.fetchall()
        found = []
        for row in rows:
            distance = row[-1]
            score = 0.0 if distance != distance else min(max(1.0 - float(distance), 0.0), 1.0)
            if threshold is None or score >= threshold:
                found.append((to_record(row), score))
        return found

    def _use_index(
        self, cur: Cursor[Any], where: FilterNode | None, sql: str, params: list[Any]
    ) -> bool:
        """Whether the filter selects more rows than an exact search should scan.

        A scope (user / agent / run equalities ANDed at the top) bounds what the filter can
        select, and is counted from its btree alone; other filters are counted as they are.
        """
        if not self.config.hnsw:
            return False
        cap = self.config.exact_search_max_rows
        scope = scope_values(where)
        if scope:
            bound = conjoin(*(Condition(Field(name), "eq", value) for name, value in scope.items()))
            if self._count_upto(cur, *compile_filter(bound, alias="m"), cap + 1) <= cap:
                return False
        elif where is None:
            cur.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (self._t,))
            row = cur.fetchone()
            if row is not None and row[0] >= 0:
                return bool(row[0] > cap)
        return self._count_upto(cur, sql, params, cap + 1) > cap

    def _count_upto(self, cur: Cursor[Any], sql: str, params: list[Any], most: int) -> int:
        """How many rows match, counting no further than ``most``."""
        cur.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {self._t} m WHERE {sql} LIMIT %s) s",
            (*params, most),
        )
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def keyword_search(
        self, text: str, where: FilterNode | None, limit: int
    ) -> list[tuple[MemoryRecord, float]]:
        """Full-text search (English stemming) ranked by ``ts_rank``, best first."""
        words = dict.fromkeys(w.lower() for w in re.findall(r"[^\W_]+", text))
        if not words:
            return []
        sql, params = compile_filter(where, alias="m")
        with self._transaction("keyword search") as cur:
            cur.execute(
                f"SELECT {M_COLUMNS}, ts_rank(m.lexemes, q)::float8 AS score "
                f"FROM {self._t} m, to_tsquery('english', %s) AS q "
                f"WHERE m.lexemes @@ q AND {sql} ORDER BY score DESC, m.seq LIMIT %s",
                (" | ".join(words), *params, limit),
            )
            rows = cur.fetchall()
        return [(to_record(row), float(row[-1])) for row in rows]

    def neighbours(
        self, memory_ids: Sequence[str], where: FilterNode | None
    ) -> dict[str, tuple[MemoryRecord | None, MemoryRecord | None]]:
        """The previous and next memory of each id within its scope, among those matching."""
        sql, params = compile_filter(where, alias="m")
        found: dict[str, tuple[MemoryRecord | None, MemoryRecord | None]] = {}
        with self._transaction("read") as cur:
            for memory_id in dict.fromkeys(memory_ids):
                cur.execute(
                    f"SELECT seq, user_id, agent_id, run_id FROM {self._t} WHERE id = %s",
                    (memory_id,),
                )
                row = cur.fetchone()
                if row is None:
                    continue
                scope = dict(zip(("user_id", "agent_id", "run_id"), row[1:], strict=True))
                seq = row[0]
                same = " AND ".join(
                    f"m.{name} IS NULL" if value is None else f"m.{name} = %s"
                    for name, value in scope.items()
                )
                values = [value for value in scope.values() if value is not None]
                pair = []
                for side, order in (("<", "DESC"), (">", "ASC")):
                    cur.execute(
                        f"SELECT {M_COLUMNS} FROM {self._t} m WHERE {same} AND m.seq {side} %s "
                        f"AND {sql} ORDER BY m.seq {order} LIMIT 1",
                        (*values, seq, *params),
                    )
                    near = cur.fetchone()
                    pair.append(None if near is None else to_record(near))
                found[memory_id] = (pair[0], pair[1])
        return found

    def history(self, memory_id: str) -> list[HistoryRecord]:
        """The memory's history rows, oldest first."""
        with self._transaction("read") as cur:
            cur.execute(
                f"SELECT {HISTORY_COLUMNS} FROM {self._h} WHERE memory_id = %s ORDER BY seq",
                (memory_id,),
            )
            rows = cur.fetchall()
        return [HistoryRecord(*row) for row in rows]


def _not_found(memory_id: str) -> MemoryNotFoundError:
    return MemoryNotFoundError(
        f"no memory with id {memory_id!r}",
        memory_id=memory_id,
        suggestion="check the id; get_all() lists the memories of a scope",
    )

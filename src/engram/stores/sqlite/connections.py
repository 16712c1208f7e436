"""Connections of the SQLite store: one writer behind a lock, one reader per thread.

WAL journal; ``BEGIN IMMEDIATE`` for writes, so a writer in another process waits on the busy
timeout instead of failing mid-transaction; every read runs in a transaction, so a
multi-statement read sees one snapshot.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engram.exceptions import StoreError


class Connections:
    """The connections of one store file; safe to use from many threads."""

    def __init__(self, path: Path | None, busy_timeout: float) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._write_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as e:
            raise StoreError(
                f"cannot open the SQLite store at {self.path}: {e}",
                suggestion="check that the directory exists and is writable",
            ) from e
        return conn

    def _reader(self) -> sqlite3.Connection:
        self._check_open()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = 1")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the single writer connection; rolled back on any error."""
        self._check_open()
        with self._write_lock:
            conn = self._writer
            assert conn is not None
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise StoreError(f"cannot start a write transaction: {e}") from e
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as e:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(e, sqlite3.Error):
                    raise StoreError(
                        f"the write was rolled back: {e}", suggestion="nothing was written"
                    ) from e
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction, so multi-statement reads see one snapshot."""
        conn = self._reader()
        conn.execute("BEGIN")
        try:
            yield conn
        except sqlite3.Error as e:
            raise StoreError(f"the read failed: {e}") from e
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed", suggestion="create a new Memory")
        if self._writer is None:
            raise StoreError("the store is not open", suggestion="call open() first")

    def close(self) -> None:
        """Close every connection this store opened."""
        if self._closed:
            return
        self._closed = True
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

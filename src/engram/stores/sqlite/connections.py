"""Connections of the SQLite store: one writer behind a lock, one reader per thread.

WAL journal; ``BEGIN IMMEDIATE`` for writes, so a writer in another process waits on the busy
timeout instead of failing mid-transaction; every read runs in a transaction, so a
multi-statement read sees one snapshot.

Every failure of SQLite (and of decoding what it returned) is turned into a ``StoreError``
here, in one place (``store_error``), saying what it means for the caller: a damaged file
(with what to do: ``engram doctor``), a full disk, a read-only file, a lock held too long.
"""

from __future__ import annotations

import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engram.exceptions import ConfigurationError, EngramError, StoreError

__all__ = ["DECODE_ERRORS", "Connections", "check_path", "store_error"]

#: What decoding a row that SQLite returned can raise when the file holds damaged data
#: (a metadata column that is not JSON, a vector blob of the wrong length, ...).
DECODE_ERRORS = (ValueError, TypeError, KeyError, IndexError)

_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def store_error(error: BaseException, path: Path | None, doing: str) -> StoreError:
    """The StoreError that tells a caller what ``error`` (met while ``doing``) means."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)[:300]
    where = path if path is not None else "the store"
    if name.startswith(_DAMAGED) or not isinstance(error, sqlite3.Error) or _sounds_damaged(text):
        return StoreError(
            f"{doing} failed: the store file {where} looks damaged ({text})",
            error_code="store_damaged",
            suggestion=f"run `engram doctor {where}` to check it, rebuild what is derived "
            "(indexes) or salvage the memories into a new file; keep a copy of the file first",
            details={"path": str(where), "sqlite_error": name or type(error).__name__},
        )
    if name == "SQLITE_FULL":
        advice = "free disk space, then retry: nothing was written"
    elif name.startswith("SQLITE_READONLY"):
        advice = "the file or its directory is read-only: check the permissions"
    elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        advice = "another process held the write lock longer than busy_timeout: retry"
    elif name.startswith("SQLITE_CANTOPEN"):
        advice = "check that the directory exists and is writable"
    elif name.startswith("SQLITE_IOERR"):
        advice = f"the disk or file system failed: check it, then run `engram doctor {where}`"
    else:
        advice = "retry; if it persists, run `engram doctor` on the file"
    return StoreError(
        f"{doing} failed on {where}: {text}",
        suggestion=advice,
        details={"path": str(where), "sqlite_error": name or type(error).__name__},
    )


def _sounds_damaged(text: str) -> bool:
    """Errors SQLite raises with a generic code when a page or a record is malformed."""
    return any(
        hint in text
        for hint in ("malformed", "not a database", "corrupt", "Could not decode to UTF-8")
    )


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
        except sqlite3.Error as e:
            raise store_error(e, self.path, "opening the store") from e
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as e:
            conn.close()
            raise store_error(e, self.path, "opening the store") from e
        return conn

    def _reader(self) -> sqlite3.Connection:
        self._check_open()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            try:
                conn.execute("PRAGMA query_only = 1")
            except sqlite3.Error as e:
                conn.close()
                raise store_error(e, self.path, "opening a reader") from e
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
                raise store_error(e, self.path, "starting a write transaction") from e
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as e:
                _rollback(conn)
                if isinstance(e, EngramError) or not isinstance(e, (sqlite3.Error, *DECODE_ERRORS)):
                    raise
                error = store_error(e, self.path, "the write")
                error.message = f"{error.message}; the write was rolled back"
                error.suggestion = f"nothing was written; {error.suggestion}"
                raise error from e

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction, so multi-statement reads see one snapshot."""
        conn = self._reader()
        try:
            conn.execute("BEGIN")
            yield conn
        except EngramError:
            raise
        except (sqlite3.Error, *DECODE_ERRORS) as e:
            raise store_error(e, self.path, "the read") from e
        finally:
            _rollback(conn)

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


def _rollback(conn: sqlite3.Connection) -> None:
    """End the connection's transaction, if any; a failure here (a damaged file, a closed
    connection) must not hide the error that brought us here."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def check_path(path: Path) -> None:
    """Refuse a path that is not, and cannot become, a regular file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as e:  # too long, a component not a directory, no permission...
        raise StoreError(
            f"cannot use the store path {str(path)[:300]}: {e.strerror or e}",
            suggestion="give the path of a file in a directory you can write",
        ) from e
    if not stat.S_ISREG(mode):  # a directory, a device, a FIFO
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise ConfigurationError(
            f"the store path {path} is {kind}",
            missing_field="vector_store.config.path",
            suggestion=f"give the path of a file, such as {path.parent / 'engram.db'}",
        )

"""An in-memory copy of the store's vectors: a derived cache, never a source of truth.

Reading every vector BLOB out of SQLite for each search costs far more than scoring them.
This cache keeps the vectors in one float32 matrix, ordered by the memories' ``seq`` (which
AUTOINCREMENT makes strictly increasing, so new rows are appends). It is brought up to date
from the ``vector_log`` table, which triggers fill in the same transaction as every change, so
the cache follows writes from any thread or process. When the log no longer reaches back to the
cache's version (it was trimmed), the cache reloads everything.

Deleted rows stay in the matrix, marked dead, until they are a third of it; then it is compacted.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from engram.embedders.base import Vectors

Seqs = npt.NDArray[np.int64]
_CHUNK = 500  # ids per IN (...) query, well under SQLite's parameter limit


class VectorCache:
    """The vectors of one SQLite store, kept in step through ``vector_log``."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.version = -1  # the last vector_log seq applied; -1 = nothing loaded
        self._seqs: Seqs = np.empty(0, dtype=np.int64)
        self._matrix: Vectors = np.empty((0, dimension), dtype=np.float32)
        self._live = np.empty(0, dtype=bool)
        self._size = 0
        self._dead = 0
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return self._size - self._dead

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Apply what ``conn``'s snapshot logged since our version. Call with ``lock`` held."""
        head, oldest = conn.execute("SELECT max(seq), min(seq) FROM vector_log").fetchone()
        if head is None or head <= self.version:
            if self.version < 0:
                self._reload(conn, head or 0)
            return
        if self.version < 0 or oldest > self.version + 1:
            self._reload(conn, head)
            return
        changed = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT memory_seq FROM vector_log WHERE seq > ? AND seq <= ?",
                (self.version, head),
            )
        ]
        present: dict[int, bytes] = {}
        for start in range(0, len(changed), _CHUNK):
            chunk = changed[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            present.update(
                conn.execute(
                    f"SELECT seq, embedding FROM memories WHERE seq IN ({marks})", chunk
                ).fetchall()
            )
        self._apply(changed, present)
        self.version = head
        if self._dead * 3 > self._size:
            self._compact()

    def positions(self, seqs: Seqs) -> npt.NDArray[np.intp]:
        """Row of each seq in the matrix, or -1 where the cache does not hold it."""
        if self._size == 0:
            return np.full(seqs.shape, -1, dtype=np.intp)
        at = np.searchsorted(self._seqs[: self._size], seqs)
        at = np.minimum(at, self._size - 1)
        found = self._seqs[at] == seqs
        return np.where(found, at, -1).astype(np.intp)

    def scores(self, query: Vectors, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.float32]:
        """Cosine scores of ``query`` against the given matrix rows."""
        if rows.size * 4 > self._size:  # most rows: one pass over the matrix beats a gather
            result: npt.NDArray[np.float32] = (self._matrix[: self._size] @ query)[rows]
        else:
            result = self._matrix[rows] @ query
        return result

    def _reload(self, conn: sqlite3.Connection, head: int) -> None:
        rows = conn.execute("SELECT seq, embedding FROM memories ORDER BY seq").fetchall()
        n = len(rows)
        self._seqs = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
        self._matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(
            n, self.dimension
        )
        self._matrix = self._matrix.copy()  # writable, not a view of the joined bytes
        self._live = np.ones(n, dtype=bool)
        self._size, self._dead = n, 0
        self.version = head

    def _apply(self, changed: list[int], present: dict[int, bytes]) -> None:
        """Upsert the rows still present, mark the others dead."""
        known = self.positions(np.asarray(changed, dtype=np.int64))
        appends: list[tuple[int, bytes]] = []
        for seq, row in zip(changed, known.tolist(), strict=True):
            blob = present.get(seq)
            if row >= 0:
                if blob is None:
                    if self._live[row]:
                        self._live[row] = False
                        self._dead += 1
                else:
                    self._matrix[row] = np.frombuffer(blob, dtype=np.float32)
                    if not self._live[row]:
                        self._live[row] = True
                        self._dead -= 1
            elif blob is not None:
                appends.append((seq, blob))
        if appends:
            appends.sort()
            self._append(appends)

    def _append(self, rows: list[tuple[int, bytes]]) -> None:
        needed = self._size + len(rows)
        if needed > len(self._seqs):
            capacity = max(needed, 2 * len(self._seqs), 1024)
            self._seqs = _grow(self._seqs, capacity)
            self._live = _grow(self._live, capacity)
            matrix = np.empty((capacity, self.dimension), dtype=np.float32)
            matrix[: self._size] = self._matrix[: self._size]
            self._matrix = matrix
        end = self._size + len(rows)
        self._seqs[self._size : end] = [seq for seq, _ in rows]
        self._matrix[self._size : end] = np.frombuffer(
            b"".join(blob for _, blob in rows), dtype=np.float32
        ).reshape(len(rows), self.dimension)
        self._live[self._size : end] = True
        self._size = end

    def _compact(self) -> None:
        keep = np.flatnonzero(self._live[: self._size])
        self._seqs = self._seqs[keep].copy()
        self._matrix = self._matrix[keep].copy()
        self._live = np.ones(keep.size, dtype=bool)
        self._size, self._dead = keep.size, 0


_Array = TypeVar("_Array", bound=npt.NDArray[Any])


def _grow(array: _Array, capacity: int) -> _Array:
    grown: _Array = np.zeros(capacity, dtype=array.dtype)  # type: ignore[assignment]
    grown[: array.size] = array
    return grown

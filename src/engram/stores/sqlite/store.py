"""The embedded default store: one SQLite file holding memories, vectors, FTS5 index and history.

Concurrency: WAL journal, one writer connection behind a lock (``BEGIN IMMEDIATE``, so a writer
in another process waits on the busy timeout instead of failing mid-transaction), and one reader
connection per thread. Every ``apply`` is one transaction: memory rows, their FTS rows (kept in
step by triggers) and their history rows commit together or not at all.

Vector search is exact. Vectors and scope ids are held in memory by a derived ``VectorCache``
that follows every committed change; a search scoped only by user / agent / run selects its rows
there, any other filter is evaluated by SQL, and the selected vectors are scored with numpy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import Field

from engram.core.filters import And, Condition, FilterNode, scope_values, shown_day
from engram.core.graph.records import (
    EntityRecord,
    GraphWrite,
    RelationChange,
    RelationRecord,
    ScopeIds,
)
from engram.core.idempotency import decode
from engram.core.keywords import STOP_WORDS as STOP_WORDS  # re-exported: its old home
from engram.core.paging import Order
from engram.core.records import (
    Change,
    Delete,
    DeleteWhere,
    HistoryRecord,
    Insert,
    Invalidate,
    MemoryRecord,
    Remember,
    Update,
    WriteOp,
    history_for,
)
from engram.embedders.base import Vectors
from engram.exceptions import StoreError
from engram.options import Options
from engram.paths import default_store_path, expand, private_file
from engram.stores.base import (
    DIMENSION,
    EMBEDDER,
    WEIGHTS,
    Committed,
    GraphScope,
    Store,
    identity_error,
    identity_rows,
)
from engram.stores.sqlite import graph, writes
from engram.stores.sqlite.connections import DECODE_ERRORS, check_path, store_error
from engram.stores.sqlite.filters import SUPPORTED_OPERATORS, compile_filter
from engram.stores.sqlite.graph_transfer import SQLiteGraphTransfer
from engram.stores.sqlite.health import check_header, check_structure
from engram.stores.sqlite.keys import SQLiteKeys
from engram.stores.sqlite.rows import (
    COLUMNS,
    HISTORY_COLUMNS,
    M_COLUMNS,
    fts_query,
    history_of,
    history_row,
    order_sql,
    record_of,
)
from engram.stores.sqlite.schema import migrate
from engram.stores.sqlite.transfer import SQLiteTransfer
from engram.stores.sqlite.vectors import SCOPE_COLUMNS, VectorCache

#: vector_log rows kept for other processes' caches to catch up from; older ones are trimmed.
VECTOR_LOG_KEPT = 100_000


class SQLiteStoreConfig(Options):
    """Options of the ``sqlite`` store."""

    path: str | None = Field(
        default=None, description="The database file; default $ENGRAM_HOME/engram.db."
    )
    busy_timeout: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Seconds to wait for another process's write lock.",
    )


class SQLiteStore(SQLiteKeys, SQLiteTransfer, SQLiteGraphTransfer, Store):
    """Memories in one SQLite file; safe across threads and processes."""

    Config = SQLiteStoreConfig
    supported_operators = SUPPORTED_OPERATORS
    supports_graph = True

    def __init__(self, config: SQLiteStoreConfig | None = None) -> None:
        self.config = config or SQLiteStoreConfig()
        path = expand(self.config.path, "vector_store.config.path") if self.config.path else None
        super().__init__(path, self.config.busy_timeout)
        self.dimension = 0
        self._vectors = VectorCache(0)
        self._entity_vectors = graph.EntityVectors()

    # -- lifecycle ---------------------------------------------------------------------------

    def open(self, embedder_name: str, dimension: int, weights: str | None = None) -> None:
        """Create or migrate the file and check it was made with this embedder (and weights)."""
        if self.path is None:
            self.path = default_store_path()
        check_path(self.path)
        # A new file is made 0600 first: SQLite gives its -wal and -shm files the same mode.
        private_file(self.path)
        check_header(self.path)
        writer = self._connect()
        try:
            writer.execute("PRAGMA journal_mode = WAL")
            writer.execute("BEGIN IMMEDIATE")
            try:
                migrate(writer)
                stored = dict(writer.execute("SELECT key, value FROM engram_meta").fetchall())
                writer.executemany(
                    "INSERT INTO engram_meta VALUES (?, ?)",
                    identity_rows(stored, embedder_name, dimension, weights),
                )
                writer.execute("COMMIT")
            except BaseException:
                if writer.in_transaction:
                    writer.execute("ROLLBACK")
                raise
            check_structure(writer, self.path)
        except sqlite3.Error as e:
            writer.close()
            raise store_error(e, self.path, "opening the store") from e
        except BaseException:
            writer.close()
            raise
        try:
            problem = identity_error(
                stored,
                embedder_name,
                dimension,
                weights,
                where=f"the store at {self.path}",
                elsewhere="a new store path",
            )
        except KeyError as e:  # engram_meta lost a row
            writer.close()
            raise store_error(e, self.path, "reading the store's embedder") from e
        if problem is not None:
            writer.close()
            raise problem
        self._writer = writer
        self.dimension = dimension
        self._vectors = VectorCache(dimension)

    # -- writes ------------------------------------------------------------------------------

    def apply(self, ops: Sequence[WriteOp], now: str) -> list[Change]:
        """Apply ``ops`` and their history rows in one transaction."""
        return self.commit(ops, now).changes

    def commit(self, ops: Sequence[WriteOp], now: str) -> Committed:
        """``apply``, with what happened to relations (graph writes and provenance)."""
        with self._write() as conn:
            remember = next((op for op in ops if isinstance(op, Remember)), None)
            if remember is not None:
                recorded = writes.recorded(conn, remember)
                if recorded is not None:
                    return recorded
            changes: list[Change] = []
            related: list[RelationChange] = []
            resolved: dict[str, str] = {}  # planned memory id -> the memory an Insert kept
            for op in ops:
                if isinstance(op, Insert):
                    change = writes.insert(conn, op, self._blob(op.vector))
                    resolved[op.record.id] = change.memory_id
                    changes.append(change)
                elif isinstance(op, Update):
                    changes.append(writes.update(conn, op, self._blob(op.vector), now))
                elif isinstance(op, Delete):
                    changes.append(writes.delete(conn, op.memory_id))
                    graph.prune(conn, [op.memory_id])
                elif isinstance(op, Invalidate):
                    changes.append(writes.invalidate(conn, op, now))
                    related += graph.invalidate_memory(conn, op.memory_id, op.invalid_at, now)
                elif isinstance(op, DeleteWhere):
                    gone = writes.delete_where(conn, op.where)
                    changes.extend(gone)
                    graph.prune(conn, [c.memory_id for c in gone])
                elif isinstance(op, GraphWrite):
                    related += graph.write(conn, op, resolved, now, self._blob)
                elif isinstance(op, Remember):
                    continue  # recorded below, once the batch's changes are known
                else:  # pragma: no cover - exhaustive
                    raise TypeError(f"unknown write operation {op!r}")
            conn.executemany(
                f"INSERT INTO history ({HISTORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    history_row(history_for(change, now))
                    for change in changes
                    if change.event != "NONE"
                ],
            )
            conn.execute(
                "DELETE FROM vector_log WHERE seq <= (SELECT max(seq) FROM vector_log) - ?",
                (VECTOR_LOG_KEPT,),
            )
            if remember is not None:
                return writes.remember(conn, remember, Committed(changes, related), now)
            return Committed(changes, related)

    def _blob(self, vector: Vectors) -> bytes:
        vector = np.ascontiguousarray(vector, dtype=np.float32)
        if vector.shape != (self.dimension,):
            raise StoreError(
                f"vector has shape {vector.shape}, the store holds {self.dimension}-d vectors"
            )
        return vector.tobytes()

    def reset(self) -> None:
        """Erase every memory and history row."""
        with self._write() as conn:
            conn.execute("DELETE FROM memories")
            conn.execute("DELETE FROM vectors")
            conn.execute("DELETE FROM history")
            conn.execute("DELETE FROM idempotency")
            graph.reset(conn)
            conn.execute("INSERT INTO memories_fts (memories_fts) VALUES ('rebuild')")

    # -- reads -------------------------------------------------------------------------------

    def get(self, memory_id: str) -> MemoryRecord | None:
        """The memory with this id, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {COLUMNS} FROM memories WHERE id = ?", (memory_id,)
            ).fetchone()
            return None if row is None else record_of(row)

    def list_memories(
        self, where: FilterNode | None, limit: int, order: Order | None = None
    ) -> list[MemoryRecord]:
        """Memories matching ``where``, newest first, or in ``order``."""
        sql, params = compile_filter(where, alias="m")
        by = "created_at DESC, seq DESC" if order is None else order_sql(order, "m")
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM memories m WHERE {sql} ORDER BY {by} LIMIT ?",
                (*params, limit),
            ).fetchall()
            return [record_of(row) for row in rows]

    def count(self, where: FilterNode | None = None) -> int:
        """How many memories match ``where``."""
        sql, params = compile_filter(where, alias="m")
        with self._read() as conn:
            row = conn.execute(f"SELECT count(*) FROM memories m WHERE {sql}", params).fetchone()
        return int(row[0])

    def search(
        self, vector: Vectors, where: FilterNode | None, limit: int, threshold: float | None
    ) -> list[tuple[MemoryRecord, float]]:
        """Exact cosine search over the memories matching ``where``."""
        query = np.ascontiguousarray(vector, dtype=np.float32)
        scope = _scope_only(where)
        with self._read() as conn:
            if scope is None:
                sql, params = compile_filter(where, alias="m")
                cursor = conn.execute(f"SELECT seq FROM memories m WHERE {sql}", params)
                seqs = np.fromiter((row[0] for row in cursor), dtype=np.int64)
                scores = self._score(conn, query, seqs)
            else:
                with self._vectors.lock:
                    ids, valid_only, day = scope
                    self._vectors.refresh(conn, ids)
                    rows = self._vectors.select(ids, valid_only, shown_on=day)
                    seqs = self._vectors.seqs[rows]
                    scores = self._vectors.scores(query, rows)
            np.clip(scores, 0.0, 1.0, out=scores)
            top = _top_k(scores, limit, threshold)
            if top.size == 0:
                return []
            wanted = [int(s) for s in seqs[top]]
            marks = ", ".join("?" * len(wanted))
            found = {
                row[-1]: record_of(row)
                for row in conn.execute(
                    f"SELECT {COLUMNS}, seq FROM memories WHERE seq IN ({marks})", wanted
                )
            }
            # A row another thread's newer snapshot put in the cache is not in ours: leave it
            # out.
            return [
                (found[seq], float(scores[i]))
                for seq, i in zip(wanted, top, strict=True)
                if seq in found
            ]

    def _score(
        self, conn: sqlite3.Connection, query: Vectors, seqs: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        """Scores of ``seqs`` from the vector cache, brought up to this read's snapshot."""
        cache = self._vectors
        with cache.lock:
            cache.refresh(conn)
            rows = cache.positions(seqs)
            scores = np.empty(seqs.size, dtype=np.float32)
            held = rows >= 0
            scores[held] = cache.scores(query, rows[held])
        if not held.all():  # rows of an older snapshot that a compaction already dropped
            lost = [int(s) for s in seqs[~held]]
            marks = ", ".join("?" * len(lost))
            blobs = dict(
                conn.execute(
                    f"SELECT seq, embedding FROM vectors WHERE seq IN ({marks})", lost
                ).fetchall()
            )
            matrix = np.frombuffer(b"".join(blobs[s] for s in lost), dtype=np.float32)
            scores[~held] = matrix.reshape(len(lost), self.dimension) @ query
        return scores

    def keyword_search(
        self, text: str, where: FilterNode | None, limit: int
    ) -> list[tuple[MemoryRecord, float]]:
        """BM25 over the FTS5 index (Porter stemming), best first, scores made positive."""
        match = fts_query(text, scope_values(where))
        if not match:
            return []
        sql, params = compile_filter(where, alias="m")
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {M_COLUMNS}, -bm25(memories_fts, 1.0, 1.0, 0.0) AS score "
                "FROM memories_fts "
                "JOIN memories m ON m.seq = memories_fts.rowid "
                f"WHERE memories_fts MATCH ? AND {sql} ORDER BY score DESC, m.seq LIMIT ?",
                (match, *params, limit),
            ).fetchall()
            return [(record_of(row), float(row[-1])) for row in rows]

    def neighbours(
        self, memory_ids: Sequence[str], where: FilterNode | None
    ) -> dict[str, tuple[MemoryRecord | None, MemoryRecord | None]]:
        """The previous and next memory of each id within its scope, among those matching."""
        only_scope = _scope_only(where)
        if only_scope is not None and memory_ids:
            return self._neighbours_from_cache(memory_ids, *only_scope)
        sql, params = compile_filter(where, alias="m")
        same_scope = "m.user_id IS ? AND m.agent_id IS ? AND m.run_id IS ?"
        before = f"SELECT {M_COLUMNS} FROM memories m WHERE {same_scope} AND m.seq < ? AND {sql} "
        after = before.replace("m.seq < ?", "m.seq > ?")
        found: dict[str, tuple[MemoryRecord | None, MemoryRecord | None]] = {}
        with self._read() as conn:
            for memory_id in dict.fromkeys(memory_ids):
                row = conn.execute(
                    "SELECT seq, user_id, agent_id, run_id FROM memories WHERE id = ?",
                    (memory_id,),
                ).fetchone()
                if row is None:
                    continue
                key = (row[1], row[2], row[3], row[0], *params)
                prev = conn.execute(f"{before} ORDER BY m.seq DESC LIMIT 1", key).fetchone()
                nxt = conn.execute(f"{after} ORDER BY m.seq LIMIT 1", key).fetchone()
                found[memory_id] = (
                    record_of(prev) if prev else None,
                    record_of(nxt) if nxt else None,
                )
        return found

    def _neighbours_from_cache(
        self,
        memory_ids: Sequence[str],
        scope: dict[str, str],
        valid_only: bool,
        day: str | None,
    ) -> dict[str, tuple[MemoryRecord | None, MemoryRecord | None]]:
        """Neighbours of a scope-only filter: the scope's rows, in seq order, are in the cache.

        Every memory of a scope-only filter's result shares that scope's ids, but a memory's
        neighbours must share all three ids; ids the filter leaves open are matched per memory.
        """
        unique = list(dict.fromkeys(memory_ids))
        marks = ", ".join("?" * len(unique))
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT id, seq, user_id, agent_id, run_id FROM memories WHERE id IN ({marks})",
                unique,
            ).fetchall()
            wanted: dict[str, tuple[int | None, int | None]] = {}
            by_scope: dict[tuple[str | None, ...], npt.NDArray[np.int64]] = {}
            with self._vectors.lock:
                self._vectors.refresh(conn, scope)
                for memory_id, seq, *ids in rows:
                    exact = {c: v for c, v in zip(SCOPE_COLUMNS, ids, strict=True) if v}
                    if any(exact.get(c) != v for c, v in scope.items()):
                        continue  # not in the filter's scope
                    key = tuple(ids)
                    if key not in by_scope:
                        others = [c for c in SCOPE_COLUMNS if c not in exact]
                        in_scope = self._vectors.select(exact, valid_only, others, day)
                        by_scope[key] = self._vectors.seqs[in_scope]
                    seqs = by_scope[key]
                    at = int(np.searchsorted(seqs, seq))
                    before = int(seqs[at - 1]) if at > 0 else None
                    after_at = at + 1 if at < seqs.size and seqs[at] == seq else at
                    after = int(seqs[after_at]) if after_at < seqs.size else None
                    wanted[memory_id] = (before, after)
            needed = sorted({s for pair in wanted.values() for s in pair if s is not None})
            records: dict[int, MemoryRecord] = {}
            for start in range(0, len(needed), 500):
                chunk = needed[start : start + 500]
                records.update(
                    (row[-1], record_of(row))
                    for row in conn.execute(
                        f"SELECT {COLUMNS}, seq FROM memories "
                        f"WHERE seq IN ({', '.join('?' * len(chunk))})",
                        chunk,
                    )
                )
        return {
            memory_id: (
                records.get(before) if before is not None else None,
                records.get(after) if after is not None else None,
            )
            for memory_id, (before, after) in wanted.items()
        }

    def recall(self, token: str) -> tuple[str, Committed] | None:
        """The fingerprint and what was committed under an idempotency token, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT fingerprint, changes FROM idempotency WHERE token = ?", (token,)
            ).fetchone()
            return None if row is None else (row[0], decode(row[1]))

    # -- graph reads -------------------------------------------------------------------------

    def lookup_entities(self, scope: GraphScope, names: Sequence[str]) -> list[EntityRecord]:
        """Entities of ``scope`` with one of these names."""
        with self._read() as conn:
            return graph.lookup_entities(conn, scope, names)

    def similar_entities(
        self, scope: ScopeIds, vectors: Vectors, threshold: float
    ) -> list[tuple[EntityRecord, float] | None]:
        """The exact scope's most similar entity per name vector, at ``threshold`` or above."""
        with self._read() as conn:
            best = self._entity_vectors.best(conn, scope, vectors, self.dimension)
            wanted = [b[0] for b in best if b is not None and b[1] >= threshold]
            marks = ", ".join("?" * len(wanted))
            rows = conn.execute(
                f"SELECT {graph.ENTITY_COLUMNS} FROM entities WHERE id IN ({marks})", wanted
            ).fetchall()
        found = {row[0]: graph.entity_of(row) for row in rows}
        return [
            (found[b[0]], b[1]) if b is not None and b[0] in found and b[1] >= threshold else None
            for b in best
        ]

    def touching_relations(
        self, entity_ids: Sequence[str], relationships: Sequence[str] | None
    ) -> list[RelationRecord]:
        """Live relations from or to these entities."""
        with self._read() as conn:
            return graph.touching(conn, entity_ids, relationships)

    def neighbourhood(
        self,
        entity_ids: Sequence[str],
        hops: int,
        as_of: str | None,
        everything: bool,
        limit: int,
    ) -> list[RelationRecord]:
        """Relations within ``hops`` of these entities, nearest first."""
        with self._read() as conn:
            return graph.neighbourhood(conn, entity_ids, hops, as_of, everything, limit)

    def list_entities(self, scope: GraphScope, limit: int) -> list[EntityRecord]:
        """Entities of a scope, newest first."""
        with self._read() as conn:
            return graph.list_entities(conn, scope, limit)

    def list_relations(
        self, scope: GraphScope, as_of: str | None, everything: bool, limit: int
    ) -> list[RelationRecord]:
        """Relations of a scope, newest first."""
        with self._read() as conn:
            return graph.list_relations(conn, scope, as_of, everything, limit)

    def get_memories(
        self, memory_ids: Sequence[str], where: FilterNode | None
    ) -> list[MemoryRecord]:
        """The memories with these ids that match ``where``."""
        unique = list(dict.fromkeys(memory_ids))
        if not unique:
            return []
        sql, params = compile_filter(where, alias="m")
        marks = ", ".join("?" * len(unique))
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {M_COLUMNS} FROM memories m WHERE m.id IN ({marks}) AND {sql}",
                (*unique, *params),
            ).fetchall()
        return [record_of(row) for row in rows]

    def history(self, memory_id: str) -> list[HistoryRecord]:
        """The memory's history rows, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {HISTORY_COLUMNS} FROM history WHERE memory_id = ? ORDER BY seq",
                (memory_id,),
            ).fetchall()
            return [history_of(row) for row in rows]

    # -- transfer (engram migrate; see engram.stores.transfer) -------------------------------

    def stored_embedder(self) -> tuple[str, int, str | None] | None:
        """The embedder the file was made with (name, dimension, weights), read without
        opening the store."""
        path = self.path or default_store_path()
        if not path.exists() or not path.stat().st_size:
            return None
        check_header(path)
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as e:
            raise store_error(e, path, "reading the store's embedder") from e
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if "engram_meta" not in tables:
                return None
            stored = dict(conn.execute("SELECT key, value FROM engram_meta").fetchall())
            if not stored:
                return None
            return stored[EMBEDDER], int(stored[DIMENSION]), stored.get(WEIGHTS)
        except (sqlite3.Error, *DECODE_ERRORS) as e:
            raise store_error(e, path, "reading the store's embedder") from e
        finally:
            conn.close()


def _scope_only(where: FilterNode | None) -> tuple[dict[str, str], bool, str | None] | None:
    """``(scope ids, valid only, shown on)`` when ``where`` is only scope equalities, validity
    and expiry (``shown_on``): what the vector cache answers without asking SQLite."""
    parts = where.children if isinstance(where, And) else (where,) if where else ()
    scope: dict[str, str] = {}
    valid_only = False
    day: str | None = None
    for part in parts:
        if day is None and (day := shown_day(part)) is not None:
            continue
        if not isinstance(part, Condition) or part.field.metadata_path or part.op != "eq":
            return None
        name, value = part.field.name, part.value
        if name == "invalid_at" and value is None:
            valid_only = True
        elif name in SCOPE_COLUMNS and isinstance(value, str) and name not in scope:
            scope[name] = value
        else:
            return None
    return scope, valid_only, day


def _top_k(scores: np.ndarray[Any, Any], limit: int, threshold: float | None) -> Any:
    """Indices of the best ``limit`` scores (at or above ``threshold``), best first."""
    candidates = np.arange(scores.size)
    if threshold is not None:
        candidates = np.flatnonzero(scores >= threshold)
    if candidates.size > limit:
        part = np.argpartition(-scores[candidates], limit - 1)[:limit]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order]

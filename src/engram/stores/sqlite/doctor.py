"""Mending a damaged SQLite store: rebuild what is derived in place, or salvage into a new file.

What a store holds falls in two kinds. The memory rows and the history rows are data: lost
pages lose them. Everything else is derived from the memory rows and can be rebuilt: the
secondary indexes (``REINDEX``), the full-text index (FTS5 ``rebuild``), the vector log that
processes' vector caches follow, and the vectors themselves (re-embedded from the text when
the embedder the store was made with is at hand).

``repair`` rebuilds the derived parts in place, after copying the file aside. ``salvage``
copies every memory and history row that can still be read into a new store, stepping over
damaged pages: a scan in ``seq`` order that meets an unreadable page skips ahead (doubling
the step, then bisecting back) to the first row it can read again. Both want the store left
alone by other processes while they run.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engram.core.records import HistoryRecord, MemoryRecord
from engram.embedders.base import Embedder, Vectors
from engram.exceptions import ConfigurationError, StoreError
from engram.paths import FILE_MODE
from engram.stores.sqlite.connections import DECODE_ERRORS
from engram.stores.sqlite.health import Report, data_tables, inspect
from engram.stores.sqlite.rows import COLUMNS, HISTORY_COLUMNS, history_of, record_of
from engram.stores.sqlite.schema import migrate

__all__ = ["RepairResult", "SalvageResult", "backup", "repair", "salvage", "stored_embedder"]

#: Rows written to the new store per transaction while salvaging.
BATCH = 500


@dataclass(slots=True)
class RepairResult:
    """What ``repair`` rebuilt, where the copy of the file went, and the examination after."""

    backup: Path
    rebuilt: list[str]
    reembedded: int
    after: Report


@dataclass(slots=True)
class SalvageResult:
    """What ``salvage`` copied and what it could not read."""

    memories: int = 0
    history: int = 0
    reembedded: int = 0
    lost_memories: int = 0
    skipped: list[str] = field(default_factory=list)


def backup(path: Path) -> Path:
    """Copy the store file (and its WAL, if any) next to it; the copy's path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    copy = path.with_name(f"{path.name}.bak-{stamp}")
    try:
        shutil.copy2(path, copy)
        copy.chmod(FILE_MODE)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copy2(wal, copy.with_name(copy.name + "-wal"))
    except OSError as e:
        raise StoreError(
            f"cannot copy {path} aside before repairing it: {e.strerror or e}",
            suggestion="free disk space next to the file, or copy it yourself first",
        ) from e
    return copy


def stored_embedder(path: Path) -> tuple[str, int] | None:
    """The embedder name and dimension recorded in the file, if they can still be read."""
    try:
        with closing(_connect(path, "ro")) as conn:
            stored = dict(conn.execute("SELECT key, value FROM engram_meta").fetchall())
        return str(stored["embedder"]), int(stored["dimension"])
    except (sqlite3.Error, *DECODE_ERRORS):
        return None


def repair(path: Path, embedder: Embedder | None = None) -> RepairResult:
    """Rebuild the derived parts of the store at ``path`` (after a backup copy).

    Every data table is copied, row for row (``seq`` kept), into a fresh file made by the
    migrations, whose triggers and indexes rebuild the full-text index, the secondary indexes
    and the vector log as the rows arrive; missing or malformed vectors are re-embedded when
    ``embedder`` (the store's own) is given. The fresh file then replaces the damaged one.
    Damaged pages in derived structures cannot be freed in place (SQLite would walk them),
    which is why the rows move rather than the indexes being rebuilt where they are.

    Raises:
        StoreError: a data table cannot be read in full (salvage what can be read instead).
    """
    before = inspect(path)
    if not before.repairable:
        raise StoreError(
            f"cannot repair {path} in place: its memory data is damaged",
            error_code="store_damaged",
            suggestion=f"salvage what can be read with `engram doctor {path} --salvage "
            "NEW_FILE`; the file is unchanged",
            details={"findings": [f.what for f in before.findings][:20]},
        )
    copy = backup(path)
    fresh = path.with_name(f".{path.name}.repair-{os.getpid()}")
    fresh.unlink(missing_ok=True)
    try:
        reembedded = _rebuild(path, fresh, embedder)
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm"):  # their frames belong to the old file
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(fresh, path)
    rebuilt = ["indexes", "lexical index", "vector log"]
    if reembedded:
        rebuilt.append(f"{reembedded} vectors")
    return RepairResult(copy, rebuilt, reembedded, inspect(path))


def _rebuild(source: Path, target: Path, embedder: Embedder | None) -> int:
    """Copy every data table of ``source`` into a new store file ``target``."""
    descriptor = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    os.close(descriptor)
    with (
        closing(_connect(source, "ro")) as old,
        closing(sqlite3.connect(target, isolation_level=None)) as new,
    ):
        new.execute("BEGIN IMMEDIATE")
        migrate(new)
        new.execute("DELETE FROM engram_migrations")
        for table in data_tables(old):
            columns = [row[1] for row in old.execute(f"PRAGMA table_info({table})")]
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            rows = old.execute(f"SELECT {names} FROM {table} NOT INDEXED")
            while batch := rows.fetchmany(BATCH):
                new.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
        for name, seq in old.execute("SELECT name, seq FROM sqlite_sequence"):
            if name in ("memories", "vector_log"):
                new.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (seq, name))
        reembedded = _remake_vectors(new, embedder)
        new.execute("COMMIT")
        new.execute("PRAGMA journal_mode = WAL")
    return reembedded


def _remake_vectors(conn: sqlite3.Connection, embedder: Embedder | None) -> int:
    """Embed again the memories whose vector is missing or of the wrong size."""
    dimension = int(
        conn.execute("SELECT value FROM engram_meta WHERE key = 'dimension'").fetchone()[0]
    )
    rows = conn.execute(
        "SELECT m.seq, m.text, m.actor_id FROM memories m LEFT JOIN vectors v ON v.seq = m.seq "
        "WHERE v.seq IS NULL OR length(v.embedding) != ?",
        (4 * dimension,),
    ).fetchall()
    if not rows:
        return 0
    if embedder is None:
        raise StoreError(
            f"{len(rows)} memories have no usable vector, and no embedder was given to remake them",
            suggestion="pass --config with the store's embedder block",
        )
    vectors = _embed(embedder, [(text, actor) for _, text, actor in rows], dimension)
    conn.executemany(
        "INSERT OR REPLACE INTO vectors (seq, embedding) VALUES (?, ?)",
        [(seq, vector.tobytes()) for (seq, _, _), vector in zip(rows, vectors, strict=True)],
    )
    return len(rows)


def _embed(embedder: Embedder, texts: list[tuple[str, str | None]], dimension: int) -> Vectors:
    """Vectors as the store makes them (the speaker's name before the text)."""
    from engram.core.adding import embedding_text

    if embedder.dimension != dimension:
        raise ConfigurationError(
            f"the embedder gives {embedder.dimension}-d vectors, the store holds {dimension}-d",
            missing_field="embedder",
        )
    vectors = embedder.embed_batch([embedding_text(text, actor) for text, actor in texts])
    return np.ascontiguousarray(vectors, dtype=np.float32)


def salvage(
    path: Path,
    target: Any,
    embedder: Embedder | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> SalvageResult:
    """Copy every memory and history row of ``path`` that can be read into ``target`` (an
    opened, empty engram store), stepping over damaged pages.

    A memory whose vector cannot be read is re-embedded with ``embedder``; without one it is
    counted in ``lost_memories``.
    """
    result = SalvageResult()
    with closing(_connect(path, "ro")) as conn:
        dimension = target.dimension
        batch: list[tuple[MemoryRecord, Vectors | None]] = []

        def flush() -> None:
            missing = [i for i, (_, vector) in enumerate(batch) if vector is None]
            if missing and embedder is not None:
                texts = [(batch[i][0].text, batch[i][0].actor_id) for i in missing]
                for i, vector in zip(missing, _embed(embedder, texts, dimension), strict=True):
                    batch[i] = (batch[i][0], vector)
                result.reembedded += len(missing)
            elif missing:
                result.lost_memories += len(missing)
            rows = [(record, vector) for record, vector in batch if vector is not None]
            result.memories += target.import_rows(rows, [])[0]
            batch.clear()
            if progress:
                progress("memories", result.memories)

        for seq, row in _rows(conn, "memories", COLUMNS, result.skipped):
            try:
                record = record_of(row)
            except DECODE_ERRORS:
                result.lost_memories += 1
                continue
            if not _whole(record):  # a row read back with damaged values
                result.lost_memories += 1
                continue
            batch.append((record, _vector(conn, seq, dimension)))
            if len(batch) >= BATCH:
                flush()
        flush()
        history: list[HistoryRecord] = []
        for _, row in _rows(conn, "history", HISTORY_COLUMNS, result.skipped):
            try:
                history.append(history_of(row))
            except DECODE_ERRORS:
                continue
            if len(history) >= BATCH:
                result.history += target.import_rows([], history)[1]
                history = []
        if history:
            result.history += target.import_rows([], history)[1]
    return result


def _whole(record: MemoryRecord) -> bool:
    """Whether a record read from a damaged file still has the types a store writes."""
    required = (record.id, record.text, record.hash, record.created_at, record.updated_at)
    optional = (
        record.user_id, record.agent_id, record.run_id, record.actor_id, record.role,
        record.memory_type, record.valid_at, record.invalid_at,
    )  # fmt: skip
    return (
        all(isinstance(value, str) for value in required)
        and all(value is None or isinstance(value, str) for value in optional)
        and isinstance(record.metadata, dict)
    )


def _vector(conn: sqlite3.Connection, seq: int, dimension: int) -> Vectors | None:
    try:
        row = conn.execute("SELECT embedding FROM vectors WHERE seq = ?", (seq,)).fetchone()
    except sqlite3.Error:
        return None
    if row is None or not isinstance(row[0], bytes) or len(row[0]) != 4 * dimension:
        return None
    vector: Vectors = np.frombuffer(row[0], dtype=np.float32).copy()
    return vector if np.isfinite(vector).all() else None


def _rows(
    conn: sqlite3.Connection, table: str, columns: str, skipped: list[str]
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(seq, row)`` of every readable row of ``table`` in seq order, skipping damage.

    One row per query (a b-tree seek each, some microseconds), so that a damaged page costs
    only its own rows.
    """
    sql = f"SELECT seq, {columns} FROM {table} WHERE seq > ? ORDER BY seq LIMIT 1"
    cursor = 0
    while True:
        try:
            row = conn.execute(sql, (cursor,)).fetchone()
        except sqlite3.Error:
            resume = _resume_after(conn, sql, cursor)
            if resume is None:
                skipped.append(f"{table}: every row after seq {cursor}")
                return
            skipped.append(f"{table}: rows from seq {cursor + 1} to {resume}")
            cursor = resume
            continue
        if row is None:
            return
        cursor = int(row[0])
        yield cursor, tuple(row[1:])


def _resume_after(conn: sqlite3.Connection, sql: str, cursor: int) -> int | None:
    """The smallest ``s`` past ``cursor`` from which the next row reads again (the rows in
    between are on damaged pages): doubling steps out, then bisecting back."""

    def works(at: int) -> bool:
        try:
            conn.execute(sql, (at,)).fetchone()
        except sqlite3.Error:
            return False
        return True

    step, bad = 1, cursor
    while not works(bad + step):
        bad += step
        step *= 2
        if bad > 2**62:
            return None
    good = bad + step
    while good - bad > 1:
        middle = (bad + good) // 2
        if works(middle):
            good = middle
        else:
            bad = middle
    return good


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)

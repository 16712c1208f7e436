"""The write operations of the SQLite store, each run inside the caller's transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from engram.core.filters import FilterNode
from engram.core.idempotency import decode, encode, replayed
from engram.core.records import (
    Change,
    Insert,
    Invalidate,
    MemoryRecord,
    Remember,
    Update,
    updated,
)
from engram.exceptions import MemoryNotFoundError
from engram.stores.base import Committed
from engram.stores.sqlite.filters import compile_filter
from engram.stores.sqlite.rows import (
    COLUMNS,
    INSERT_MARKS,
    record_of,
    record_row,
    scope_tokens,
    to_json,
)


def insert(conn: sqlite3.Connection, op: Insert, blob: bytes) -> Change:
    """Insert a memory and its vector; with ``op.unique``, a live duplicate is kept instead."""
    r = op.record
    if op.unique:
        row = conn.execute(
            f"SELECT {COLUMNS} FROM memories WHERE hash = ? AND user_id IS ? "
            "AND agent_id IS ? AND run_id IS ? AND invalid_at IS NULL LIMIT 1",
            (r.hash, r.user_id, r.agent_id, r.run_id),
        ).fetchone()
        if row is not None:
            existing = record_of(row)
            return Change("NONE", existing.id, existing, existing)
    cursor = conn.execute(
        f"INSERT INTO memories ({COLUMNS}, scope_tokens) VALUES ({INSERT_MARKS})",
        (*record_row(r), scope_tokens(r.user_id, r.agent_id, r.run_id)),
    )
    conn.execute("INSERT INTO vectors (seq, embedding) VALUES (?, ?)", (cursor.lastrowid, blob))
    return Change("ADD", r.id, None, r)


def update(conn: sqlite3.Connection, op: Update, blob: bytes, now: str) -> Change:
    """Replace a memory's text, vector and (when given) metadata and expiration date."""
    old, seq = fetch_one(conn, op.memory_id)
    new = updated(old, op, now)
    conn.execute(
        "UPDATE memories SET text = ?, hash = ?, metadata = ?, updated_at = ?, "
        "expiration_date = ? WHERE seq = ?",
        (new.text, new.hash, to_json(new.metadata), now, new.expiration_date, seq),
    )
    conn.execute("UPDATE vectors SET embedding = ? WHERE seq = ?", (blob, seq))
    return Change("UPDATE", new.id, old, new)


def delete(conn: sqlite3.Connection, memory_id: str) -> Change:
    """Delete a memory (its vector and FTS row follow by trigger)."""
    old, seq = fetch_one(conn, memory_id)
    conn.execute("DELETE FROM memories WHERE seq = ?", (seq,))
    return Change("DELETE", memory_id, old, None)


def invalidate(conn: sqlite3.Connection, op: Invalidate, now: str) -> Change:
    """Mark a memory's fact as no longer holding; the row stays."""
    old, seq = fetch_one(conn, op.memory_id)
    new = replace(old, invalid_at=op.invalid_at, updated_at=now)
    conn.execute(
        "UPDATE memories SET invalid_at = ?, updated_at = ? WHERE seq = ?",
        (op.invalid_at, now, seq),
    )
    return Change("DELETE", old.id, old, new)


def delete_where(conn: sqlite3.Connection, where: FilterNode) -> list[Change]:
    """Delete every memory matching ``where``."""
    sql, params = compile_filter(where, alias="m")
    rows = conn.execute(f"SELECT {COLUMNS}, seq FROM memories m WHERE {sql}", params)
    olds = [(record_of(row), row[-1]) for row in rows.fetchall()]
    conn.executemany("DELETE FROM memories WHERE seq = ?", [(seq,) for _, seq in olds])
    return [Change("DELETE", old.id, old, None) for old, _ in olds]


def fetch_one(conn: sqlite3.Connection, memory_id: str) -> tuple[MemoryRecord, int]:
    """The memory with this id and its rowid.

    Raises:
        MemoryNotFoundError: no memory has this id.
    """
    row = conn.execute(f"SELECT {COLUMNS}, seq FROM memories WHERE id = ?", (memory_id,)).fetchone()
    if row is None:
        raise MemoryNotFoundError(
            f"Memory with id {memory_id} not found",  # mem0's wording
            memory_id=memory_id,
            suggestion="check the id; get_all() lists the memories of a scope",
        )
    return record_of(row), row[-1]


def recorded(conn: sqlite3.Connection, op: Remember) -> Committed | None:
    """What was committed under ``op``'s token, if an add with it committed already."""
    row = conn.execute(
        "SELECT fingerprint, changes FROM idempotency WHERE token = ?", (op.token,)
    ).fetchone()
    if row is None:
        return None
    return replayed((row[0], decode(row[1])), op.fingerprint)


def remember(conn: sqlite3.Connection, op: Remember, done: Committed, now: str) -> Committed:
    """Record the batch's changes (then the add's NONE events) and its relation changes under
    ``op``'s token; what the add did, as recorded."""
    every = Committed([*done.changes, *op.unchanged], done.relations)
    conn.execute(
        "INSERT INTO idempotency (token, fingerprint, changes, created_at) VALUES (?, ?, ?, ?)",
        (op.token, op.fingerprint, encode(every.changes, every.relations), now),
    )
    if op.expires_before:
        conn.execute("DELETE FROM idempotency WHERE created_at < ?", (op.expires_before,))
    return every

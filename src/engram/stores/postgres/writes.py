"""The PostgreSQL store's write plans: one ``commit`` of memory rows, graph writes, history
rows and an idempotency record, run by the store in one transaction.

Plain inserts are batched (COPY when there are many); an insert that must be unique in its
scope takes an advisory lock on (scope, text hash) first, so concurrent adds of one text keep
one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from engram.core.filters import FilterNode
from engram.core.graph.records import GraphWrite, RelationChange
from engram.core.records import (
    Change,
    Delete,
    DeleteWhere,
    Insert,
    Invalidate,
    MemoryRecord,
    Remember,
    Update,
    WriteOp,
    history_for,
    updated,
)
from engram.exceptions import MemoryNotFoundError
from engram.stores.base import Committed
from engram.stores.postgres import idempotency
from engram.stores.postgres.filters import compile_filter
from engram.stores.postgres.graph import GraphTables
from engram.stores.postgres.idempotency import lock_key
from engram.stores.postgres.rows import (
    COLUMNS,
    HISTORY_COLUMNS,
    M_COLUMNS,
    history_row,
    jsonb,
    record_row,
    to_record,
    to_vector,
    wire_vectors,
)
from engram.stores.postgres.steps import Copy, Execute, Plan

__all__ = ["COPY_MIN_ROWS", "PostgresWrites"]

COPY_TYPES = ["text"] * 11 + ["jsonb", "text", "text", "text", "vector"]
HISTORY_TYPES = ["text"] * 7 + ["bool", "text", "text"]
#: Batches of plain inserts at least this long go through COPY instead of INSERT.
COPY_MIN_ROWS = 32


class PostgresWrites(GraphTables):
    """The write plans, a base of ``PostgresStore`` (which runs them)."""

    _h: str
    _i: str
    dimension: int

    def _commit(self, ops: Sequence[WriteOp], now: str) -> Plan[Committed]:
        remember = next((op for op in ops if isinstance(op, Remember)), None)
        if remember is not None:
            replay = yield from idempotency.recorded(self._i, self.schema, remember)
            if replay is not None:
                return replay
        changes: list[Change] = []
        related: list[RelationChange] = []
        resolved: dict[str, str] = {}  # planned memory id -> the memory an Insert kept
        pending: list[Insert] = []
        for op in ops:
            if isinstance(op, Remember):
                continue  # recorded below, once the batch's changes are known
            if isinstance(op, Insert) and not op.unique:
                self._check_vector(op.vector)
                pending.append(op)
                continue
            changes.extend((yield from self._insert_many(pending)))
            pending = []
            if isinstance(op, Insert):
                change = yield from self._insert_unique(op)
                resolved[op.record.id] = change.memory_id
                changes.append(change)
            elif isinstance(op, Update):
                changes.append((yield from self._update(op, now)))
            elif isinstance(op, Delete):
                changes.append((yield from self._delete(op.memory_id)))
                yield from self._prune([op.memory_id])
            elif isinstance(op, Invalidate):
                changes.append((yield from self._invalidate(op, now)))
                related += yield from self._invalidate_memory(op.memory_id, op.invalid_at, now)
            elif isinstance(op, DeleteWhere):
                gone = yield from self._delete_where(op.where)
                changes.extend(gone)
                yield from self._prune([c.memory_id for c in gone])
            elif isinstance(op, GraphWrite):
                related += yield from self._graph_write(op, resolved, now)
            else:  # pragma: no cover - exhaustive
                raise TypeError(f"unknown write operation {op!r}")
        changes.extend((yield from self._insert_many(pending)))
        history = [history_row(history_for(c, now)) for c in changes if c.event != "NONE"]
        yield from _write_rows(f"{self._h} ({HISTORY_COLUMNS})", HISTORY_TYPES, history)
        if remember is None:
            return Committed(changes, related)
        return (yield from idempotency.record(self._i, remember, Committed(changes, related), now))

    def _insert_many(self, inserts: list[Insert]) -> Plan[list[Change]]:
        if not inserts:
            return []
        vectors = wire_vectors([op.vector for op in inserts])
        typed = len(inserts) >= COPY_MIN_ROWS  # COPY declares the column types
        rows = [
            (*record_row(op.record, typed=typed), vector)
            for op, vector in zip(inserts, vectors, strict=True)
        ]
        yield from _write_rows(f"{self._t} ({COLUMNS}, embedding)", COPY_TYPES, rows)
        return [Change("ADD", op.record.id, None, op.record) for op in inserts]

    def _insert_unique(self, op: Insert) -> Plan[Change]:
        r = op.record
        self._check_vector(op.vector)
        key = lock_key(self.schema, r.user_id, r.agent_id, r.run_id, r.hash)
        yield Execute("SELECT pg_advisory_xact_lock(%s)", (key,), "none")
        row = yield Execute(
            f"SELECT {COLUMNS} FROM {self._t} WHERE hash = %s AND user_id IS NOT DISTINCT "
            "FROM %s AND agent_id IS NOT DISTINCT FROM %s AND run_id IS NOT DISTINCT FROM %s "
            "AND invalid_at IS NULL ORDER BY seq LIMIT 1",
            (r.hash, r.user_id, r.agent_id, r.run_id),
            "one",
        )
        if row is not None:
            existing = to_record(row)
            return Change("NONE", existing.id, existing, existing)
        return (yield from self._insert_many([op]))[0]

    def _update(self, op: Update, now: str) -> Plan[Change]:
        old = yield from self._fetch_for_update(op.memory_id)
        self._check_vector(op.vector)
        new = updated(old, op, now)
        yield Execute(
            f"UPDATE {self._t} SET text = %s, hash = %s, metadata = %s, updated_at = %s, "
            "expiration_date = %s, embedding = %s WHERE id = %s",
            (
                new.text,
                new.hash,
                jsonb(new.metadata),
                now,
                new.expiration_date,
                to_vector(op.vector),
                new.id,
            ),
            "none",
        )
        return Change("UPDATE", new.id, old, new)

    def _delete(self, memory_id: str) -> Plan[Change]:
        row = yield Execute(
            f"DELETE FROM {self._t} WHERE id = %s RETURNING {COLUMNS}", (memory_id,), "one"
        )
        if row is None:
            raise _not_found(memory_id)
        return Change("DELETE", memory_id, to_record(row), None)

    def _invalidate(self, op: Invalidate, now: str) -> Plan[Change]:
        old = yield from self._fetch_for_update(op.memory_id)
        new = replace(old, invalid_at=op.invalid_at, updated_at=now)
        yield Execute(
            f"UPDATE {self._t} SET invalid_at = %s, updated_at = %s WHERE id = %s",
            (op.invalid_at, now, old.id),
            "none",
        )
        return Change("DELETE", old.id, old, new)

    def _delete_where(self, where: FilterNode) -> Plan[list[Change]]:
        sql, params = compile_filter(where, alias="m")
        rows = yield Execute(
            f"DELETE FROM {self._t} m WHERE {sql} RETURNING {M_COLUMNS}, m.seq", params
        )
        olds = sorted(rows, key=lambda row: row[-1])
        return [Change("DELETE", row[0], to_record(row), None) for row in olds]

    def _fetch_for_update(self, memory_id: str) -> Plan[MemoryRecord]:
        row = yield Execute(
            f"SELECT {COLUMNS} FROM {self._t} WHERE id = %s FOR UPDATE", (memory_id,), "one"
        )
        if row is None:
            raise _not_found(memory_id)
        return to_record(row)


def _write_rows(target: str, types: list[str], rows: list[tuple[Any, ...]]) -> Plan[None]:
    """Insert ``rows`` into ``target`` (``table (columns)``): by COPY when there are many."""
    if len(rows) >= COPY_MIN_ROWS:
        yield Copy(f"COPY {target} FROM STDIN (FORMAT BINARY)", types, rows)
    elif rows:
        marks = ", ".join(["%s"] * len(rows[0]))
        yield Execute(f"INSERT INTO {target} VALUES ({marks})", rows, "none", many=True)


def _not_found(memory_id: str) -> MemoryNotFoundError:
    return MemoryNotFoundError(
        f"Memory with id {memory_id} not found",  # mem0's wording
        memory_id=memory_id,
        suggestion="check the id; get_all() lists the memories of a scope",
    )

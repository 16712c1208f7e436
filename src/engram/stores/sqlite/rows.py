"""Rows of the SQLite store: column lists, record conversion, the FTS5 query, scope tokens."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from engram.core.keywords import query_words
from engram.core.paging import Order
from engram.core.records import HistoryRecord, MemoryRecord

COLUMNS = (
    "id, text, hash, created_at, updated_at, user_id, agent_id, run_id, actor_id, role, "
    "memory_type, metadata, valid_at, invalid_at, expiration_date"
)
M_COLUMNS = ", ".join(f"m.{column.strip()}" for column in COLUMNS.split(","))
#: The placeholders of an insert of ``COLUMNS`` and ``scope_tokens``.
INSERT_MARKS = ", ".join("?" * (len(COLUMNS.split(",")) + 1))
HISTORY_COLUMNS = (
    "id, memory_id, old_memory, new_memory, event, created_at, updated_at, is_deleted, "
    "actor_id, role"
)


def fts_query(text: str, scope: dict[str, str] | None = None) -> str:
    """An FTS5 query: any word of ``text`` (quoted, so none is syntax; stop-words dropped
    unless nothing else is left) in the text or speaker, within the scope's tokens if known."""
    words = query_words(text)
    if not words:
        return ""
    match = "{text actor_id} : (" + " OR ".join(f'"{w}"' for w in words) + ")"
    if scope:
        tokens = scope_tokens(scope.get("user_id"), scope.get("agent_id"), scope.get("run_id"))
        match = f"scope_tokens : ({' AND '.join(tokens.split())}) AND {match}"
    return match


def scope_tokens(user_id: str | None, agent_id: str | None, run_id: str | None) -> str:
    """One opaque FTS token per id that is set: a letter per field and a hash (digits only, so
    no tokenizer or stemmer can split or alter it)."""
    tokens = []
    for letter, value in (("u", user_id), ("a", agent_id), ("r", run_id)):
        if value is not None:
            digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()
            tokens.append(f"s{letter}{int.from_bytes(digest, 'big')}")
    return " ".join(tokens)


def to_json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def record_row(r: MemoryRecord) -> tuple[Any, ...]:
    return (
        r.id, r.text, r.hash, r.created_at, r.updated_at, r.user_id, r.agent_id, r.run_id,
        r.actor_id, r.role, r.memory_type, to_json(r.metadata), r.valid_at, r.invalid_at,
        r.expiration_date,
    )  # fmt: skip


def record_of(row: Sequence[Any]) -> MemoryRecord:
    return MemoryRecord(
        id=row[0], text=row[1], hash=row[2], created_at=row[3], updated_at=row[4],
        user_id=row[5], agent_id=row[6], run_id=row[7], actor_id=row[8], role=row[9],
        memory_type=row[10], metadata=json.loads(row[11]), valid_at=row[12], invalid_at=row[13],
        expiration_date=row[14],
    )  # fmt: skip


def history_of(row: Sequence[Any]) -> HistoryRecord:
    return HistoryRecord(
        id=row[0], memory_id=row[1], old_memory=row[2], new_memory=row[3], event=row[4],
        created_at=row[5], updated_at=row[6], is_deleted=bool(row[7]), actor_id=row[8],
        role=row[9],
    )  # fmt: skip


def history_row(h: HistoryRecord) -> tuple[Any, ...]:
    return (
        h.id, h.memory_id, h.old_memory, h.new_memory, h.event, h.created_at, h.updated_at,
        int(h.is_deleted), h.actor_id, h.role,
    )  # fmt: skip


def order_sql(order: Order, alias: str) -> str:
    """``ORDER BY`` terms of ``order``: its field, then the id, both in its direction."""
    return f"{alias}.{order.field} {order.direction}, {alias}.id {order.direction}"

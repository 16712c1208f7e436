"""How the ``postgres`` store's rows map to records: column lists and conversions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engram.core.records import HistoryRecord, MemoryRecord
from engram.embedders.base import Vectors

COLUMNS = (
    "id, text, hash, created_at, updated_at, user_id, agent_id, run_id, actor_id, role, "
    "memory_type, metadata, valid_at, invalid_at"
)
M_COLUMNS = ", ".join(f"m.{column.strip()}" for column in COLUMNS.split(","))
HISTORY_COLUMNS = (
    "id, memory_id, old_memory, new_memory, event, created_at, updated_at, is_deleted, "
    "actor_id, role"
)


def to_vector(vector: Vectors) -> Any:
    """A contiguous float32 array, as pgvector's adapter sends it."""
    return np.ascontiguousarray(vector, dtype=np.float32)


def jsonb(value: dict[str, Any]) -> Any:
    """``value`` wrapped to be sent as ``jsonb``."""
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def record_row(r: MemoryRecord) -> tuple[Any, ...]:
    """The values of ``COLUMNS`` for ``r``."""
    return (
        r.id, r.text, r.hash, r.created_at, r.updated_at, r.user_id, r.agent_id, r.run_id,
        r.actor_id, r.role, r.memory_type, jsonb(r.metadata), r.valid_at, r.invalid_at,
    )  # fmt: skip


def to_record(row: Sequence[Any]) -> MemoryRecord:
    """The record of a row starting with ``COLUMNS``."""
    return MemoryRecord(
        id=row[0], text=row[1], hash=row[2], created_at=row[3], updated_at=row[4],
        user_id=row[5], agent_id=row[6], run_id=row[7], actor_id=row[8], role=row[9],
        memory_type=row[10], metadata=row[11], valid_at=row[12], invalid_at=row[13],
    )  # fmt: skip


def history_row(h: HistoryRecord) -> tuple[Any, ...]:
    """The values of ``HISTORY_COLUMNS`` for ``h``."""
    return (
        h.id, h.memory_id, h.old_memory, h.new_memory, h.event, h.created_at, h.updated_at,
        h.is_deleted, h.actor_id, h.role,
    )  # fmt: skip


def to_numpy(value: Any) -> Vectors:
    """A float32 array from pgvector's ``Vector`` (or anything array-like)."""
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)

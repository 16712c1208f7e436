"""How the ``postgres`` store's rows map to records: column lists and conversions.

Bulk writes send vectors already encoded in pgvector's binary format (``wire_vectors``: one
numpy conversion per batch instead of one ``pgvector.Vector`` per row), through a dumper
registered on every connection (``register_adapters``) next to pgvector's own.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

from engram.core.paging import Order
from engram.core.records import HistoryRecord, MemoryRecord
from engram.embedders.base import Vectors

COLUMNS = (
    "id, text, hash, created_at, updated_at, user_id, agent_id, run_id, actor_id, role, "
    "memory_type, metadata, valid_at, invalid_at, expiration_date"
)
M_COLUMNS = ", ".join(f"m.{column.strip()}" for column in COLUMNS.split(","))
HISTORY_COLUMNS = (
    "id, memory_id, old_memory, new_memory, event, created_at, updated_at, is_deleted, "
    "actor_id, role"
)


def order_sql(order: Order, alias: str) -> str:
    """``ORDER BY`` terms of ``order`` in code-point order (as filters compare): its field, then
    the id, both in its direction."""
    way = order.direction
    return f'{alias}.{order.field} COLLATE "C" {way}, {alias}.id COLLATE "C" {way}'


def to_vector(vector: Vectors) -> Any:
    """A contiguous float32 array, as pgvector's adapter sends it."""
    return np.ascontiguousarray(vector, dtype=np.float32)


def jsonb(value: dict[str, Any]) -> Any:
    """``value`` wrapped to be sent as ``jsonb``."""
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def record_row(r: MemoryRecord, *, typed: bool = False) -> tuple[Any, ...]:
    """The values of ``COLUMNS`` for ``r``; ``typed`` when the statement declares the column
    types (COPY's ``set_types``), so that metadata needs no ``Jsonb`` wrapper."""
    return (
        r.id, r.text, r.hash, r.created_at, r.updated_at, r.user_id, r.agent_id, r.run_id,
        r.actor_id, r.role, r.memory_type, r.metadata if typed else jsonb(r.metadata),
        r.valid_at, r.invalid_at, r.expiration_date,
    )  # fmt: skip


class WireVector(bytes):
    """A vector in pgvector's binary wire format: dimension, a zero, big-endian float32s."""


def wire_vectors(vectors: Sequence[Vectors]) -> list[WireVector]:
    """``vectors`` encoded for the wire, converted as one array."""
    if not len(vectors):
        return []
    matrix = np.asarray(vectors, dtype=">f4")
    header = struct.pack(">HH", matrix.shape[1], 0)
    return [WireVector(header + row.tobytes()) for row in matrix]


def register_adapters(conn: Any) -> None:
    """pgvector's adapters, and the dumper of ``WireVector``, on a connection."""
    from pgvector.psycopg import register_vector

    register_vector(conn)
    _register_wire_dumper(conn)


async def register_adapters_async(conn: Any) -> None:
    """``register_adapters`` for an async connection."""
    from pgvector.psycopg import register_vector_async

    await register_vector_async(conn)
    _register_wire_dumper(conn)


def _register_wire_dumper(conn: Any) -> None:
    """Send a ``WireVector`` as it is. Registered last for the vector type, it also serves
    COPY's ``set_types(["vector"])``, and hands anything else to pgvector's dumper."""
    from pgvector.psycopg.vector import VectorBinaryDumper

    class WireVectorDumper(VectorBinaryDumper):
        oid = conn.adapters.types["vector"].oid

        def dump(self, obj: Any) -> Any:
            return obj if isinstance(obj, WireVector) else super().dump(obj)

    conn.adapters.register_dumper(WireVector, WireVectorDumper)


def to_record(row: Sequence[Any]) -> MemoryRecord:
    """The record of a row starting with ``COLUMNS``."""
    return MemoryRecord(
        id=row[0], text=row[1], hash=row[2], created_at=row[3], updated_at=row[4],
        user_id=row[5], agent_id=row[6], run_id=row[7], actor_id=row[8], role=row[9],
        memory_type=row[10], metadata=row[11], valid_at=row[12], invalid_at=row[13],
        expiration_date=row[14],
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

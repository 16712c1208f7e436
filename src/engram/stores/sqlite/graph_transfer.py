"""Bulk export and import of the SQLite store's graph (``engram migrate``, ``engram export``).

Entities (with their name vectors) and relations (with their support) are read in commit
order after an opaque cursor, a batch at a time, and written verbatim in one transaction per
batch, skipping ids already present, as ``export_memories`` / ``import_rows`` do for memories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engram.core.graph.records import EntityRecord, RelationRecord
from engram.embedders.base import Vectors
from engram.stores.sqlite import graph
from engram.stores.sqlite.connections import Connections

__all__ = ["SQLiteGraphTransfer"]


class SQLiteGraphTransfer(Connections):
    """The graph's transfer methods, a base of ``SQLiteStore``."""

    def _blob(self, vector: Vectors) -> bytes:
        raise NotImplementedError  # pragma: no cover - SQLiteStore provides it

    def export_entities(
        self, after: int, limit: int
    ) -> tuple[list[tuple[EntityRecord, Vectors]], int]:
        """Entities with their name vectors in commit order after cursor ``after``."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {graph.E_COLUMNS}, v.embedding, e.seq FROM entities e "
                "JOIN entity_vectors v ON v.seq = e.seq WHERE e.seq > ? ORDER BY e.seq LIMIT ?",
                (after, limit),
            ).fetchall()
        found = [
            (graph.entity_of(row), np.frombuffer(row[-2], dtype=np.float32).copy()) for row in rows
        ]
        return found, rows[-1][-1] if rows else after

    def export_relations(self, after: int, limit: int) -> tuple[list[RelationRecord], int]:
        """Relations, with their support, in commit order after cursor ``after``."""
        with self._read() as conn:
            rows = conn.execute(
                f"{graph.RELATION_SELECT} WHERE r.seq > ? ORDER BY r.seq LIMIT ?", (after, limit)
            ).fetchall()
        return [graph.relation_of(row) for row in rows], rows[-1][-1] if rows else after

    def import_graph(
        self, entities: Sequence[tuple[EntityRecord, Vectors]], relations: Sequence[RelationRecord]
    ) -> tuple[int, int]:
        """Write graph rows verbatim in one transaction, skipping ids already present; how many
        entities and relations were new."""
        blobs = [self._blob(vector) for _, vector in entities]
        with self._write() as conn:
            added_entities = 0
            for (e, _), blob in zip(entities, blobs, strict=True):
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO entities (id, name, type, created_at, updated_at, "
                    "user_id, agent_id, run_id, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (e.id, e.name, e.type, e.created_at, e.updated_at, e.user_id, e.agent_id,
                     e.run_id, graph.scope_key((e.user_id, e.agent_id, e.run_id))),
                )  # fmt: skip
                if cursor.rowcount:
                    added_entities += 1
                    conn.execute(
                        "INSERT INTO entity_vectors (seq, embedding) VALUES (?, ?)",
                        (cursor.lastrowid, blob),
                    )
            added_relations = 0
            for r in relations:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO relations (id, scope, user_id, agent_id, run_id, "
                    "source_id, relationship, destination_id, created_at, updated_at, valid_at, "
                    "invalid_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    _relation_row(r),
                )
                if cursor.rowcount:
                    added_relations += 1
                    conn.executemany(
                        "INSERT OR IGNORE INTO relation_support (relation_id, memory_id) "
                        "VALUES (?, ?)",
                        [(r.id, memory_id) for memory_id in r.memory_ids],
                    )
            return added_entities, added_relations


def _relation_row(r: RelationRecord) -> tuple[Any, ...]:
    return (
        r.id, graph.scope_key((r.user_id, r.agent_id, r.run_id)), r.user_id, r.agent_id,
        r.run_id, r.source_id, r.relationship, r.destination_id, r.created_at, r.updated_at,
        r.valid_at, r.invalid_at,
    )  # fmt: skip

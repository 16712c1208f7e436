"""Bulk export and import of the SQLite store's graph (``engram migrate``, ``engram export``).

Entities (with their name vectors) and relations (with their support) are read in commit
order after an opaque cursor, a batch at a time (a scope's rows only, when asked), and
written verbatim in one transaction per batch, skipping ids already present, as
``export_memories`` / ``import_rows`` do for memories. Rows that meet the graph's own unique
keys are merged into what the store holds (see ``Transferable.import_graph``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engram.core.graph.records import EntityRecord, RelationRecord
from engram.embedders.base import Vectors
from engram.stores.base import GraphScope
from engram.stores.sqlite import graph
from engram.stores.sqlite.connections import Connections

__all__ = ["SQLiteGraphTransfer"]

_CHUNK = 500  # ids per IN (...) query, well under SQLite's parameter limit


class SQLiteGraphTransfer(Connections):
    """The graph's transfer methods, a base of ``SQLiteStore``."""

    def _blob(self, vector: Vectors) -> bytes:
        raise NotImplementedError  # pragma: no cover - SQLiteStore provides it

    def export_entities(
        self, after: int, limit: int, scope: GraphScope | None = None
    ) -> tuple[list[tuple[EntityRecord, Vectors]], int]:
        """Entities (of ``scope``) with their name vectors in commit order after ``after``."""
        where, params = graph.scope_sql(scope or {}, "e")
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {graph.E_COLUMNS}, v.embedding, e.seq FROM entities e "
                f"JOIN entity_vectors v ON v.seq = e.seq WHERE e.seq > ? AND {where} "
                "ORDER BY e.seq LIMIT ?",
                (after, *params, limit),
            ).fetchall()
        found = [
            (graph.entity_of(row), np.frombuffer(row[-2], dtype=np.float32).copy()) for row in rows
        ]
        return found, rows[-1][-1] if rows else after

    def export_relations(
        self, after: int, limit: int, scope: GraphScope | None = None
    ) -> tuple[list[RelationRecord], int]:
        """Relations (of ``scope``), with their support, in commit order after ``after``."""
        where, params = graph.scope_sql(scope or {}, "r")
        with self._read() as conn:
            rows = conn.execute(
                f"{graph.RELATION_SELECT} WHERE r.seq > ? AND {where} ORDER BY r.seq LIMIT ?",
                (after, *params, limit),
            ).fetchall()
        return [graph.relation_of(row) for row in rows], rows[-1][-1] if rows else after

    def known_entities(self, entity_ids: Sequence[str]) -> set[str]:
        """Which of these entity ids the store holds."""
        found: set[str] = set()
        unique = list(dict.fromkeys(entity_ids))
        with self._read() as conn:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                rows = conn.execute(f"SELECT id FROM entities WHERE id IN ({marks})", chunk)
                found.update(row[0] for row in rows)
        return found

    def import_graph(
        self, entities: Sequence[tuple[EntityRecord, Vectors]], relations: Sequence[RelationRecord]
    ) -> tuple[int, int]:
        """Write graph rows in one transaction; how many entities and relations were new.

        Ids already present are skipped; an entity whose name its scope holds under another
        id is skipped, and relations that name it are resolved to that one; a live relation
        whose triple is already live adds its support to it."""
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
                if conn.execute("SELECT 1 FROM relations WHERE id = ?", (r.id,)).fetchone():
                    continue
                key = graph.scope_key((r.user_id, r.agent_id, r.run_id))
                source = _endpoint(conn, key, r.source_id, r.source)
                destination = _endpoint(conn, key, r.destination_id, r.destination)
                if source is None or destination is None:
                    continue
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO relations (id, scope, user_id, agent_id, run_id, "
                    "source_id, relationship, destination_id, created_at, updated_at, valid_at, "
                    "invalid_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (r.id, key, r.user_id, r.agent_id, r.run_id, source, r.relationship,
                     destination, r.created_at, r.updated_at, r.valid_at, r.invalid_at),
                )  # fmt: skip
                target = r.id
                if cursor.rowcount:
                    added_relations += 1
                else:  # its triple is live under another id: the support joins that one
                    live = conn.execute(
                        "SELECT id FROM relations WHERE scope = ? AND source_id = ? AND "
                        "relationship = ? AND destination_id = ? AND invalid_at IS NULL",
                        (key, source, r.relationship, destination),
                    ).fetchone()
                    if live is None:  # pragma: no cover - the only other unique key is the id
                        continue
                    target = live[0]
                conn.executemany(
                    "INSERT OR IGNORE INTO relation_support (relation_id, memory_id) VALUES (?, ?)",
                    [(target, memory_id) for memory_id in r.memory_ids],
                )
            return added_entities, added_relations


def _endpoint(conn: Any, scope: str, entity_id: str, name: str) -> str | None:
    """The stored entity a relation's endpoint names: by id, else by name in its scope."""
    row = (
        conn.execute(
            "SELECT id FROM entities WHERE id = ? AND scope = ?", (entity_id, scope)
        ).fetchone()
        or conn.execute(
            "SELECT id FROM entities WHERE scope = ? AND name = ?", (scope, name)
        ).fetchone()
    )
    return None if row is None else str(row[0])

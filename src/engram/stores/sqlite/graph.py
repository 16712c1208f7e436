"""The SQLite store's graph: entities, relations and their support, beside the memories.

Writes run inside the caller's transaction (``SQLiteStore.apply``), so a memory and the
relations it states commit together. Entities are unique by (exact scope, name); at most one
live relation exists per (scope, source, relationship, destination) (a partial unique
index). A relation's support rows name the memories that state it; ``prune`` removes the
support of deleted memories, then the relations left without support, then the entities
left without relations. Entity name vectors are scored from ``EntityVectors``, a per-scope
in-memory copy kept in step by each scope's row count and highest seq.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engram.core.graph.records import (
    EntityRecord,
    GraphWrite,
    InvalidateRelation,
    RelationChange,
    RelationRecord,
    ScopeIds,
)
from engram.core.records import new_id
from engram.embedders.base import Vectors

ENTITY_COLUMNS = "id, name, type, created_at, updated_at, user_id, agent_id, run_id"
E_COLUMNS = ", ".join(f"e.{c.strip()}" for c in ENTITY_COLUMNS.split(","))
_SEP = "\x1f"
_CHUNK = 500
#: Entities whose relations one neighbourhood step reads (two index ranges each).
_FANOUT = 200
RELATION_SELECT = (
    "SELECT r.id, r.source_id, s.name, s.type, r.relationship, r.destination_id, d.name, "
    "d.type, r.created_at, r.updated_at, r.valid_at, r.invalid_at, "
    f"(SELECT group_concat(memory_id, '{_SEP}') FROM relation_support WHERE relation_id = r.id), "
    "r.user_id, r.agent_id, r.run_id, r.seq "
    "FROM relations r JOIN entities s ON s.id = r.source_id "
    "JOIN entities d ON d.id = r.destination_id"
)
SCOPE_NAMES = ("user_id", "agent_id", "run_id")


def scope_key(scope: ScopeIds) -> str:
    """One string for an exact scope (None and set ids told apart)."""
    return json.dumps(list(scope))


def entity_of(row: Sequence[Any]) -> EntityRecord:
    return EntityRecord(*row[:8])


def relation_of(row: Sequence[Any], hop: int = 0) -> RelationRecord:
    support = tuple(sorted(row[12].split(_SEP))) if row[12] else ()
    return RelationRecord(
        id=row[0], source_id=row[1], source=row[2], source_type=row[3], relationship=row[4],
        destination_id=row[5], destination=row[6], destination_type=row[7], created_at=row[8],
        updated_at=row[9], valid_at=row[10], invalid_at=row[11], memory_ids=support,
        user_id=row[13], agent_id=row[14], run_id=row[15], hop=hop,
    )  # fmt: skip


def scope_sql(scope: Mapping[str, str | None], alias: str) -> tuple[str, list[Any]]:
    """``alias.user_id IS ? AND ...`` for each id of ``scope`` (all three for an exact scope)."""
    parts = [f"{alias}.{name} IS ?" for name in scope]
    return " AND ".join(parts) or "1", list(scope.values())


def time_sql(as_of: str | None, everything: bool, alias: str = "r") -> tuple[str, list[Any]]:
    """Live relations; those valid at ``as_of``; or, with ``everything``, all."""
    if everything:
        return "1", []
    if as_of is None:
        return f"{alias}.invalid_at IS NULL", []
    return (
        f"coalesce({alias}.valid_at, {alias}.created_at) <= ? AND "
        f"({alias}.invalid_at IS NULL OR {alias}.invalid_at > ?)",
        [as_of, as_of],
    )


class EntityVectors:
    """Name vectors of each scope's entities, for similarity matching (a derived cache)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._scopes: dict[str, tuple[int, int, list[str], np.ndarray[Any, Any]]] = {}

    def best(
        self, conn: sqlite3.Connection, scope: ScopeIds, vectors: Vectors, dimension: int
    ) -> list[tuple[str, float] | None]:
        """For each vector, the most similar entity id of the scope and its cosine."""
        key = scope_key(scope)
        head, count = conn.execute(
            "SELECT max(seq), count(*) FROM entities WHERE scope = ?", (key,)
        ).fetchone()
        with self.lock:
            held = self._scopes.get(key)
            if held is None or held[0] != head or held[1] != count:
                held = self._load(conn, key, head or 0, count, held, dimension)
            _, _, ids, matrix = held
        if not ids:
            return [None] * len(vectors)
        scores = np.asarray(vectors, dtype=np.float32) @ matrix.T
        best = scores.argmax(axis=1)
        return [(ids[int(j)], float(scores[i, j])) for i, j in enumerate(best)]

    def _load(
        self,
        conn: sqlite3.Connection,
        key: str,
        head: int,
        count: int,
        held: tuple[int, int, list[str], np.ndarray[Any, Any]] | None,
        dimension: int,
    ) -> tuple[int, int, list[str], np.ndarray[Any, Any]]:
        """New rows only when none went away (the count says so), else the whole scope."""
        after = held[0] if held is not None else 0
        rows = conn.execute(
            "SELECT e.id, v.embedding FROM entities e JOIN entity_vectors v ON v.seq = e.seq "
            "WHERE e.scope = ? AND e.seq > ? ORDER BY e.seq",
            (key, after),
        ).fetchall()
        if held is None or held[1] + len(rows) != count:
            rows = conn.execute(
                "SELECT e.id, v.embedding FROM entities e JOIN entity_vectors v ON v.seq = e.seq "
                "WHERE e.scope = ? ORDER BY e.seq",
                (key,),
            ).fetchall()
            ids: list[str] = []
            matrix = np.zeros((0, dimension), dtype=np.float32)
        else:
            ids, matrix = list(held[2]), held[3]
        if rows:
            added = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
            matrix = np.vstack([matrix, added.reshape(len(rows), dimension)])
            ids += [r[0] for r in rows]
        loaded = (head, count, ids, matrix)
        self._scopes[key] = loaded
        return loaded


# -- writes (inside the caller's transaction) ------------------------------------------------


def write(
    conn: sqlite3.Connection,
    op: GraphWrite,
    resolved: Mapping[str, str],
    now: str,
    blob: Any,
) -> list[RelationChange]:
    """Execute one planned graph write; the relations it made live or invalidated."""
    changes: list[RelationChange] = []
    if op.retract:
        prune(conn, op.retract)
    user_id, agent_id, run_id = op.scope
    key = scope_key(op.scope)
    ids: dict[str, str] = {}
    for entity in sorted(op.entities, key=lambda e: e.name):
        found = None
        if entity.existing_id is not None:
            found = conn.execute(
                "SELECT id FROM entities WHERE id = ? AND scope = ?", (entity.existing_id, key)
            ).fetchone()
        if found is None:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO entities (id, scope, user_id, agent_id, run_id, name, "
                "type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new_id(), key, user_id, agent_id, run_id, entity.name, entity.type, now, now),
            )
            if cursor.rowcount:
                conn.execute(
                    "INSERT INTO entity_vectors (seq, embedding) VALUES (?, ?)",
                    (cursor.lastrowid, blob(entity.vector)),
                )
            found = conn.execute(
                "SELECT id FROM entities WHERE scope = ? AND name = ?", (key, entity.name)
            ).fetchone()
        else:
            conn.execute(
                "UPDATE entities SET type = ?, updated_at = ? WHERE id = ? AND type = 'thing'",
                (entity.type, now, found[0]),
            )
        ids[entity.key] = found[0]
    for invalidation in op.invalidate:
        changes.extend(invalidate(conn, [invalidation], now))
    for rel in op.relations:
        supports = [resolved.get(m, m) for m in rel.memory_ids]
        present = _existing_memories(conn, supports)
        if not present:
            continue
        source, destination = ids[rel.source], ids[rel.destination]
        closed = "r.invalid_at IS NULL" if rel.invalid_at is None else "r.invalid_at = ?"
        params: list[Any] = [key, source, rel.relationship, destination]
        if rel.invalid_at is not None:
            params.append(rel.invalid_at)
        row = conn.execute(
            f"SELECT r.id FROM relations r WHERE r.scope = ? AND r.source_id = ? AND "
            f"r.relationship = ? AND r.destination_id = ? AND {closed}",
            params,
        ).fetchone()
        if row is None:
            relation_id = new_id()
            conn.execute(
                "INSERT INTO relations (id, scope, user_id, agent_id, run_id, source_id, "
                "relationship, destination_id, created_at, updated_at, valid_at, invalid_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (relation_id, key, user_id, agent_id, run_id, source, rel.relationship,
                 destination, now, now, rel.valid_at, rel.invalid_at),
            )  # fmt: skip
        else:
            relation_id = row[0]
            conn.execute("UPDATE relations SET updated_at = ? WHERE id = ?", (now, relation_id))
        conn.executemany(
            "INSERT OR IGNORE INTO relation_support (relation_id, memory_id) VALUES (?, ?)",
            [(relation_id, memory_id) for memory_id in present],
        )
        if row is None and rel.invalid_at is None:
            changes.append(RelationChange("ADD", fetch_relations(conn, [relation_id])[0]))
    return changes


def _existing_memories(conn: sqlite3.Connection, ids: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(ids))
    marks = ", ".join("?" * len(unique))
    rows = conn.execute(f"SELECT id FROM memories WHERE id IN ({marks})", unique).fetchall()
    present = {r[0] for r in rows}
    return [m for m in unique if m in present]


def invalidate(
    conn: sqlite3.Connection, invalidations: Sequence[InvalidateRelation], now: str
) -> list[RelationChange]:
    """Close live relations at their ``invalid_at``; those already closed are left."""
    changed = []
    for item in invalidations:
        cursor = conn.execute(
            "UPDATE relations SET invalid_at = ?, updated_at = ? WHERE id = ? "
            "AND invalid_at IS NULL",
            (item.invalid_at, now, item.relation_id),
        )
        if cursor.rowcount:
            changed.append(item.relation_id)
    return [RelationChange("DELETE", r) for r in fetch_relations(conn, changed)]


def invalidate_memory(
    conn: sqlite3.Connection, memory_id: str, invalid_at: str, now: str
) -> list[RelationChange]:
    """Close the live relations whose every supporting memory is no longer valid."""
    rows = conn.execute(
        "SELECT r.id FROM relation_support s JOIN relations r ON r.id = s.relation_id "
        "WHERE s.memory_id = ? AND r.invalid_at IS NULL AND NOT EXISTS ("
        "SELECT 1 FROM relation_support o JOIN memories m ON m.id = o.memory_id "
        "WHERE o.relation_id = r.id AND m.invalid_at IS NULL)",
        (memory_id,),
    ).fetchall()
    return invalidate(conn, [InvalidateRelation(r[0], invalid_at) for r in rows], now)


def prune(conn: sqlite3.Connection, memory_ids: Sequence[str]) -> None:
    """Withdraw these memories' support; drop what is left unsupported."""
    for start in range(0, len(memory_ids), _CHUNK):
        chunk = list(memory_ids[start : start + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        touched = [
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT relation_id FROM relation_support WHERE memory_id IN ({marks})",
                chunk,
            )
        ]
        if not touched:
            continue
        conn.execute(f"DELETE FROM relation_support WHERE memory_id IN ({marks})", chunk)
        for part in range(0, len(touched), _CHUNK):
            rel_ids = touched[part : part + _CHUNK]
            rel_marks = ", ".join("?" * len(rel_ids))
            ends = conn.execute(
                f"SELECT source_id, destination_id FROM relations WHERE id IN ({rel_marks}) "
                "AND NOT EXISTS (SELECT 1 FROM relation_support s WHERE s.relation_id = "
                "relations.id)",
                rel_ids,
            ).fetchall()
            conn.execute(
                f"DELETE FROM relations WHERE id IN ({rel_marks}) AND NOT EXISTS "
                "(SELECT 1 FROM relation_support s WHERE s.relation_id = relations.id)",
                rel_ids,
            )
            entity_ids = list({e for pair in ends for e in pair})
            for first in range(0, len(entity_ids), _CHUNK):
                some = entity_ids[first : first + _CHUNK]
                some_marks = ", ".join("?" * len(some))
                conn.execute(
                    f"DELETE FROM entities WHERE id IN ({some_marks}) AND NOT EXISTS "
                    "(SELECT 1 FROM relations r WHERE r.source_id = entities.id OR "
                    "r.destination_id = entities.id)",
                    some,
                )


def reset(conn: sqlite3.Connection) -> None:
    """Erase the whole graph."""
    for table in ("relation_support", "relations", "entities", "entity_vectors"):
        conn.execute(f"DELETE FROM {table}")


# -- reads -----------------------------------------------------------------------------------


def fetch_relations(conn: sqlite3.Connection, ids: Sequence[str]) -> list[RelationRecord]:
    """These relations, in the order of ``ids`` (unknown ones left out)."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = {r[0]: r for r in conn.execute(f"{RELATION_SELECT} WHERE r.id IN ({marks})", ids)}
    return [relation_of(rows[i]) for i in ids if i in rows]


def lookup_entities(
    conn: sqlite3.Connection, scope: Mapping[str, str | None], names: Sequence[str]
) -> list[EntityRecord]:
    """Entities of ``scope`` (exact when all three ids are given) with one of these names."""
    found: list[EntityRecord] = []
    where, params = scope_sql(scope, "e")
    unique = list(dict.fromkeys(names))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT {ENTITY_COLUMNS} FROM entities e WHERE {where} AND e.name IN ({marks}) "
            "ORDER BY e.seq",
            [*params, *chunk],
        )
        found += [entity_of(row) for row in rows]
    return found


def touching(
    conn: sqlite3.Connection, entity_ids: Sequence[str], relationships: Sequence[str] | None
) -> list[RelationRecord]:
    """Live relations from or to these entities (of these relationships, when given)."""
    if not entity_ids:
        return []
    marks = ", ".join("?" * len(entity_ids))
    sql = (
        f"{RELATION_SELECT} WHERE r.invalid_at IS NULL AND "
        f"(r.source_id IN ({marks}) OR r.destination_id IN ({marks}))"
    )
    params: list[Any] = [*entity_ids, *entity_ids]
    if relationships is not None:
        sql += f" AND r.relationship IN ({', '.join('?' * len(relationships))})"
        params += list(relationships)
    return [relation_of(row) for row in conn.execute(f"{sql} ORDER BY r.seq", params)]


def neighbourhood(
    conn: sqlite3.Connection,
    entity_ids: Sequence[str],
    hops: int,
    as_of: str | None,
    everything: bool,
    limit: int,
) -> list[RelationRecord]:
    """Relations within ``hops`` of these entities, nearest first then newest, at most
    ``limit``. Each hop, in one statement, picks the newest relations of each entity from the
    endpoint indexes alone and reads only those rows: a hub's thousands of relations cost an
    index read of ``limit`` entries."""
    when, when_params = time_sql(as_of, everything, alias="relations")
    seen: dict[str, RelationRecord] = {}
    reached = set(entity_ids)
    frontier = list(dict.fromkeys(entity_ids))
    for hop in range(1, hops + 1):
        if not frontier or len(seen) >= limit:
            break
        ends = frontier[:_FANOUT]
        wanted = limit - len(seen)
        # Each entity's newest relations, from each side, through its index range alone.
        term = (
            f"SELECT * FROM (SELECT seq FROM relations WHERE {{side}} = ? AND {when} "
            "ORDER BY seq DESC LIMIT ?)"
        )
        terms = [term.format(side=side) for _ in ends for side in ("source_id", "destination_id")]
        params = [p for e in ends for _ in range(2) for p in (e, *when_params, wanted + len(seen))]
        rows = conn.execute(
            f"{RELATION_SELECT} WHERE r.seq IN (SELECT seq FROM ({' UNION ALL '.join(terms)}) "
            "ORDER BY seq DESC LIMIT ?) ORDER BY r.seq DESC",
            [*params, wanted + len(seen)],
        ).fetchall()
        frontier = []
        for row in rows:
            if row[0] in seen or len(seen) >= limit:
                continue
            seen[row[0]] = relation_of(row, hop)
            for end in (row[1], row[5]):
                if end not in reached:
                    reached.add(end)
                    frontier.append(end)
    return list(seen.values())


def list_entities(
    conn: sqlite3.Connection, scope: Mapping[str, str | None], limit: int
) -> list[EntityRecord]:
    """Entities of a scope, newest first."""
    where, params = scope_sql(scope, "e")
    rows = conn.execute(
        f"SELECT {ENTITY_COLUMNS} FROM entities e WHERE {where} ORDER BY e.seq DESC LIMIT ?",
        [*params, limit],
    )
    return [entity_of(row) for row in rows]


def list_relations(
    conn: sqlite3.Connection,
    scope: Mapping[str, str | None],
    as_of: str | None,
    everything: bool,
    limit: int,
) -> list[RelationRecord]:
    """Relations of a scope (live, valid at ``as_of``, or all), newest first."""
    where, params = scope_sql(scope, "r")
    when, when_params = time_sql(as_of, everything)
    rows = conn.execute(
        f"{RELATION_SELECT} WHERE {where} AND {when} ORDER BY r.seq DESC LIMIT ?",
        [*params, *when_params, limit],
    )
    return [relation_of(row) for row in rows]

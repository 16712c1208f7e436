"""Bulk export and import of the ``postgres`` store's graph (``engram migrate``, ``export``).

As in the SQLite store (``engram.stores.sqlite.graph_transfer``): entities with their name
vectors and relations with their support are read in commit order after an opaque cursor (a
scope's rows only, when asked) and written in one transaction per batch. Ids already present
are skipped; rows that meet the graph's own unique keys (an entity's name in its scope, a
live triple) are merged into what the store holds (see ``Transferable.import_graph``). Each
batch is a handful of set-based statements, whatever its size.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, TypeVar

from engram.core.graph.records import EntityRecord, RelationRecord
from engram.embedders.base import Vectors
from engram.stores.base import GraphScope
from engram.stores.postgres.graph import (
    ENTITY_COLUMNS,
    entity_of,
    relation_of,
    scope_key,
    scope_sql,
)
from engram.stores.postgres.rows import to_numpy, wire_vectors
from engram.stores.postgres.steps import Copy, Execute, Plan

__all__ = ["GraphTransfer"]

T = TypeVar("T")
EntityRows = list[tuple[EntityRecord, Vectors]]
_RELATION_COLUMNS = (
    "id, scope, user_id, agent_id, run_id, source_id, relationship, destination_id, "
    "created_at, updated_at, valid_at, invalid_at"
)


class GraphTransfer(ABC):
    """The graph's transfer methods, mixed into ``PostgresStore``."""

    schema: str

    @abstractmethod
    def _run(self, plan: Plan[T], what: str = "write") -> T:
        """Run a plan in one transaction."""

    @abstractmethod
    def _check_vector(self, vector: Vectors) -> None:
        """Raise StoreError unless ``vector`` has the store's dimension."""

    @property
    @abstractmethod
    def _select(self) -> str:
        """A relation row with its endpoints' names and types and its support."""

    def export_entities(
        self, after: int, limit: int, scope: GraphScope | None = None
    ) -> tuple[EntityRows, int]:
        """Entities (of ``scope``) with their name vectors in commit order after ``after``."""
        return self._run(self._export_entities(after, limit, scope), "export")

    def _export_entities(
        self, after: int, limit: int, scope: GraphScope | None
    ) -> Plan[tuple[EntityRows, int]]:
        where, params = scope_sql(scope or {}, "e")
        rows = yield Execute(
            f"SELECT {ENTITY_COLUMNS}, embedding, seq FROM {self.schema}.entities e "
            f"WHERE seq > %s AND {where} ORDER BY seq LIMIT %s",
            (after, *params, limit),
        )
        found = [(entity_of(row), to_numpy(row[-2])) for row in rows]
        return found, int(rows[-1][-1]) if rows else after

    def export_relations(
        self, after: int, limit: int, scope: GraphScope | None = None
    ) -> tuple[list[RelationRecord], int]:
        """Relations (of ``scope``), with their support, in commit order after ``after``."""
        return self._run(self._export_relations(after, limit, scope), "export")

    def _export_relations(
        self, after: int, limit: int, scope: GraphScope | None
    ) -> Plan[tuple[list[RelationRecord], int]]:
        where, params = scope_sql(scope or {}, "r")
        rows = yield Execute(
            f"{self._select} WHERE r.seq > %s AND {where} ORDER BY r.seq LIMIT %s",
            (after, *params, limit),
        )
        return [relation_of(row) for row in rows], int(rows[-1][-1]) if rows else after

    def known_entities(self, entity_ids: Sequence[str]) -> set[str]:
        """Which of these entity ids the store holds."""
        return self._run(self._known_entities(entity_ids), "read")

    def _known_entities(self, entity_ids: Sequence[str]) -> Plan[set[str]]:
        rows = yield Execute(
            f"SELECT id FROM {self.schema}.entities WHERE id = ANY(%s)",
            (list(dict.fromkeys(entity_ids)),),
        )
        return {str(row[0]) for row in rows}

    def import_graph(
        self, entities: Sequence[tuple[EntityRecord, Vectors]], relations: Sequence[RelationRecord]
    ) -> tuple[int, int]:
        """Write graph rows in one transaction; how many entities and relations were new
        (see ``Transferable.import_graph`` for what is skipped or merged)."""
        for _, vector in entities:
            self._check_vector(vector)
        return self._run(self._import_graph(entities, relations))

    def _import_graph(
        self, entities: Sequence[tuple[EntityRecord, Vectors]], relations: Sequence[RelationRecord]
    ) -> Plan[tuple[int, int]]:
        added_entities = (yield from self._import_entities(entities)) if entities else 0
        added_relations = (yield from self._import_relations(relations)) if relations else 0
        return added_entities, added_relations

    def _import_entities(self, entities: Sequence[tuple[EntityRecord, Vectors]]) -> Plan[int]:
        # COPY into a scratch table, then insert what is new (COPY cannot skip conflicts).
        yield Execute(
            "CREATE TEMP TABLE entities_in (n int, id text, scope text, user_id text, "
            "agent_id text, run_id text, name text, type text, embedding vector, "
            "created_at text, updated_at text) ON COMMIT DROP",
            (),
            "none",
        )
        vectors = wire_vectors([v for _, v in entities])
        rows = [
            (n, e.id, scope_key((e.user_id, e.agent_id, e.run_id)), e.user_id, e.agent_id,
             e.run_id, e.name, e.type, vector, e.created_at, e.updated_at)
            for n, ((e, _), vector) in enumerate(zip(entities, vectors, strict=True))
        ]  # fmt: skip
        yield Copy(
            "COPY entities_in (n, id, scope, user_id, agent_id, run_id, name, type, embedding, "
            "created_at, updated_at) FROM STDIN (FORMAT BINARY)",
            ["int4"] + ["text"] * 7 + ["vector", "text", "text"],
            rows,
        )
        # In the file's order, so that the seqs (the export's order) follow it.
        added: int = yield Execute(
            f"INSERT INTO {self.schema}.entities (id, scope, user_id, agent_id, run_id, name, "
            "type, embedding, created_at, updated_at) SELECT id, scope, user_id, agent_id, "
            "run_id, name, type, embedding, created_at, updated_at FROM entities_in "
            "ORDER BY n ON CONFLICT DO NOTHING",
            (),
            "none",
        )
        yield Execute("DROP TABLE entities_in", (), "none")
        return added

    def _import_relations(self, relations: Sequence[RelationRecord]) -> Plan[int]:
        s = self.schema
        keys = [scope_key((r.user_id, r.agent_id, r.run_id)) for r in relations]
        # Each relation's endpoints as stored (by id, else by name in its scope), and
        # whether its id is already there: one statement for the batch.
        resolved = yield Execute(
            "SELECT i.n, coalesce(se.id, sn.id), coalesce(de.id, dn.id), "
            f"EXISTS (SELECT 1 FROM {s}.relations x WHERE x.id = i.id) "
            "FROM unnest(%s::int[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::text[]) AS i(n, id, scope, source_id, source, destination_id, destination) "
            f"LEFT JOIN {s}.entities se ON se.id = i.source_id AND se.scope = i.scope "
            f"LEFT JOIN {s}.entities sn ON sn.scope = i.scope AND sn.name = i.source "
            f"LEFT JOIN {s}.entities de ON de.id = i.destination_id AND de.scope = i.scope "
            f"LEFT JOIN {s}.entities dn ON dn.scope = i.scope AND dn.name = i.destination",
            (
                list(range(len(relations))),
                [r.id for r in relations],
                keys,
                [r.source_id for r in relations],
                [r.source for r in relations],
                [r.destination_id for r in relations],
                [r.destination for r in relations],
            ),
        )
        wanted: dict[str, tuple[Any, ...]] = {}
        for n, source, destination, present in sorted(resolved):  # in the batch's order
            r = relations[n]
            if not present and source is not None and destination is not None:
                wanted.setdefault(r.id, (
                    r.id, keys[n], r.user_id, r.agent_id, r.run_id, source, r.relationship,
                    destination, r.created_at, r.updated_at, r.valid_at, r.invalid_at,
                ))  # fmt: skip
        if not wanted:
            return 0
        rows = list(wanted.values())
        made = yield Execute(
            f"INSERT INTO {s}.relations ({_RELATION_COLUMNS}) SELECT {_RELATION_COLUMNS} FROM "
            "unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[]) WITH "
            f"ORDINALITY AS i({_RELATION_COLUMNS}, n) ORDER BY n ON CONFLICT DO NOTHING "
            "RETURNING id",
            [list(column) for column in zip(*rows, strict=True)],
        )
        new = {row[0] for row in made}
        # A live relation not inserted met the live triple of another id: its support joins it.
        merged = [row for row in rows if row[0] not in new and row[11] is None]
        target = {row[0]: row[0] for row in rows if row[0] in new}
        if merged:
            live = yield Execute(
                "SELECT i.id, r.id FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], "
                "%s::text[]) AS i(id, scope, source_id, relationship, destination_id) "
                f"JOIN {s}.relations r ON r.scope = i.scope AND r.source_id = i.source_id AND "
                "r.relationship = i.relationship AND r.destination_id = i.destination_id AND "
                "r.invalid_at IS NULL",
                [[row[k] for row in merged] for k in (0, 1, 5, 6, 7)],
            )
            target.update((row[0], row[1]) for row in live)
        support = [(target[r.id], m) for r in relations if r.id in target for m in r.memory_ids]
        if support:
            yield Execute(
                f"INSERT INTO {s}.relation_support (relation_id, memory_id) SELECT * FROM "
                "unnest(%s::text[], %s::text[]) ON CONFLICT DO NOTHING",
                [[a for a, _ in support], [b for _, b in support]],
                "none",
            )
        return len(new)

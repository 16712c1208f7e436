"""Whole-store operations as I/O-free flows: export pages, import batches, counts.

They drive the store's transfer methods (``engram.stores.transfer.Transferable``) through
``StoreCall`` effects, like every other core operation, so ``engram export`` / ``import`` and
``engram stats`` stay shells over the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engram.core.adding import embedding_text
from engram.core.effects import Embed, Flow, StoreCall
from engram.core.filters import Condition, Field, FilterNode, conjoin
from engram.core.graph.names import display
from engram.core.graph.records import EntityRecord, RelationRecord
from engram.core.portable import entity_line, history_line, memory_line, relation_line
from engram.core.records import HistoryRecord, MemoryRecord
from engram.core.validation import optional_str
from engram.embedders.base import Vectors

_INVALIDATED = Condition(Field("invalid_at"), "ne", None)


def export_scope(user_id: object, agent_id: object, run_id: object) -> FilterNode | None:
    """Equalities on the ids given (None when none is: the whole store)."""
    parts: list[FilterNode | None] = []
    for name, value in (("user_id", user_id), ("agent_id", agent_id), ("run_id", run_id)):
        text = optional_str(value, name)
        if text is not None:
            parts.append(Condition(Field(name), "eq", text))
    return conjoin(*parts)


def graph_scope(user_id: object, agent_id: object, run_id: object) -> dict[str, str]:
    """The ids given, as the graph's reads take a scope (empty: the whole store)."""
    ids = (("user_id", user_id), ("agent_id", agent_id), ("run_id", run_id))
    return {name: text for name, value in ids if (text := optional_str(value, name)) is not None}


def export_memories(
    where: FilterNode | None, after: int, limit: int, with_vectors: bool
) -> Flow[tuple[list[dict[str, Any]], int]]:
    """The next page of memory lines after cursor ``after``, and the next cursor."""
    rows, cursor = yield StoreCall("export_memories", (after, limit, where))
    return [memory_line(r, v if with_vectors else None) for r, v in rows], cursor


def export_history(
    where: FilterNode | None, after: int, limit: int
) -> Flow[tuple[list[dict[str, Any]], int]]:
    """The next page of history lines after cursor ``after``, and the next cursor."""
    rows, cursor = yield StoreCall("export_history", (after, limit, where))
    return [history_line(r) for r in rows], cursor


def export_entities(
    scope: dict[str, str], after: int, limit: int, with_vectors: bool
) -> Flow[tuple[list[dict[str, Any]], int]]:
    """The next page of entity lines (of ``scope``) after cursor ``after``, and the next
    cursor."""
    rows, cursor = yield StoreCall("export_entities", (after, limit, scope))
    return [entity_line(e, v if with_vectors else None) for e, v in rows], cursor


def export_relations(
    scope: dict[str, str], after: int, limit: int
) -> Flow[tuple[list[dict[str, Any]], int]]:
    """The next page of relation lines (of ``scope``) after cursor ``after``, and the next
    cursor."""
    rows, cursor = yield StoreCall("export_relations", (after, limit, scope))
    return [relation_line(r) for r in rows], cursor


@dataclass(frozen=True, slots=True)
class Imported:
    """What one import batch wrote."""

    memories: int
    memories_present: int
    history: int
    history_present: int
    embedded: int = 0


def import_batch(
    memories: Sequence[tuple[MemoryRecord, Vectors | None]],
    history: Sequence[HistoryRecord],
    dimension: int,
) -> Flow[Imported]:
    """Write records verbatim in one transaction; ids already stored are skipped (before
    anything is embedded). A memory without a usable vector is embedded as ``add`` would."""
    present: set[str] = set()
    if memories:
        present = yield StoreCall("known_ids", ([r.id for r, _ in memories],))
    fresh: dict[str, tuple[MemoryRecord, Vectors | None]] = {}
    for record, vector in memories:
        if record.id not in present:
            fresh.setdefault(record.id, (record, vector))
    missing = [r for r, v in fresh.values() if v is None or v.shape != (dimension,)]
    embedded: dict[str, Vectors] = {}
    if missing:
        vectors = yield Embed(tuple(embedding_text(r.text, r.actor_id) for r in missing))
        embedded = {r.id: vector for r, vector in zip(missing, vectors, strict=True)}
    rows = [(r, embedded[r.id] if r.id in embedded else v) for r, v in fresh.values()]
    if not rows and not history:
        return Imported(0, len(memories), 0, 0)
    added, added_history = yield StoreCall("import_rows", (rows, list(history)))
    return Imported(
        added, len(memories) - added, added_history, len(history) - added_history, len(missing)
    )


@dataclass(frozen=True, slots=True)
class ImportedGraph:
    """What one graph import batch wrote."""

    entities: int
    entities_present: int
    relations: int
    relations_present: int
    embedded: int = 0


def import_graph_batch(
    entities: Sequence[tuple[EntityRecord, Vectors | None]],
    relations: Sequence[RelationRecord],
    dimension: int,
) -> Flow[ImportedGraph]:
    """Write graph rows in one transaction (entities first). Entity ids already stored are
    skipped before anything is embedded; an entity without a usable name vector is embedded
    as an add would (its name's words). The store resolves a relation's endpoints by id, else
    by name in its scope, and merges one whose live triple it already holds."""
    present: set[str] = set()
    if entities:
        present = yield StoreCall("known_entities", ([e.id for e, _ in entities],))
    fresh: dict[str, tuple[EntityRecord, Vectors | None]] = {}
    for record, vector in entities:
        if record.id not in present:
            fresh.setdefault(record.id, (record, vector))
    missing = [e for e, v in fresh.values() if v is None or v.shape != (dimension,)]
    embedded: dict[str, Vectors] = {}
    if missing:
        vectors = yield Embed(tuple(display(e.name) for e in missing))
        embedded = {e.id: vector for e, vector in zip(missing, vectors, strict=True)}
    rows = [(e, embedded[e.id] if e.id in embedded else v) for e, v in fresh.values()]
    if not rows and not relations:
        return ImportedGraph(0, len(entities), 0, 0)
    added, added_relations = yield StoreCall("import_graph", (rows, list(relations)))
    return ImportedGraph(
        added,
        len(entities) - added,
        added_relations,
        len(relations) - added_relations,
        len(missing),
    )


def counts(where: FilterNode | None) -> Flow[dict[str, int]]:
    """How many memories match ``where``, and how many of those are invalidated."""
    total: int = yield StoreCall("count", (where,))
    invalidated: int = yield StoreCall("count", (conjoin(where, _INVALIDATED),))
    return {"memories": total, "valid": total - invalidated, "invalidated": invalidated}

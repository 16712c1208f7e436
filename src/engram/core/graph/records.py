"""The graph rows a store keeps, and the graph write the core plans for it to execute.

An entity is one node per real-world entity in a scope (exact user / agent / run ids), unique
by its normalised name there. A relation ``(source, relationship, destination)`` is live while
its ``invalid_at`` is None; at most one live row exists per triple in a scope, and a
contradicted relation gets ``invalid_at`` instead of being erased (a later re-assertion makes a
new row, so each row is one interval of validity). Each relation records the ids of the
memories that state it (its support); a relation left without support is removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engram.embedders.base import Vectors

ScopeIds = tuple[str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class EntityRecord:
    """One node: a normalised name, a type and the scope it belongs to."""

    id: str
    name: str
    type: str
    created_at: str
    updated_at: str
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class RelationRecord:
    """One edge, with its endpoints' names, its time and the memories that support it."""

    id: str
    source_id: str
    source: str
    source_type: str
    relationship: str
    destination_id: str
    destination: str
    destination_type: str
    created_at: str
    updated_at: str
    valid_at: str | None
    invalid_at: str | None
    memory_ids: tuple[str, ...] = ()
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    #: Hops from the entities a neighbourhood started from (0 when not read that way).
    hop: int = 0


@dataclass(frozen=True, slots=True)
class EntityMatch:
    """An entity the write needs: the existing one matched, or a new one made by name.

    ``existing_id`` is what planning matched (by name or embedding); if that entity is gone by
    the time the write runs, the store falls back to the name, as it does when it is None.
    """

    key: str
    name: str
    type: str
    vector: Vectors
    existing_id: str | None = None


@dataclass(frozen=True, slots=True)
class AssertRelation:
    """State ``(source, relationship, destination)``: insert it, or add support to the live one.

    ``source`` and ``destination`` are ``EntityMatch`` keys. ``memory_ids`` are the ids of the
    memories that state it as planned: an ``Insert`` of the same write that found its fact
    already stored resolves to that memory. ``invalid_at`` is set when the relation is already
    contradicted by a newer one (an older statement added late).
    """

    source: str
    relationship: str
    destination: str
    valid_at: str
    memory_ids: tuple[str, ...]
    invalid_at: str | None = None


@dataclass(frozen=True, slots=True)
class InvalidateRelation:
    """A contradicted relation stops being valid at ``invalid_at``; it is not erased."""

    relation_id: str
    invalid_at: str


@dataclass(frozen=True, slots=True)
class GraphWrite:
    """The graph part of one write, executed in the same transaction as its memory operations.

    ``retract``: memories whose support is withdrawn first (their text changed); relations left
    without support are removed, then entities left without relations.
    """

    scope: ScopeIds
    entities: tuple[EntityMatch, ...] = ()
    relations: tuple[AssertRelation, ...] = ()
    invalidate: tuple[InvalidateRelation, ...] = ()
    retract: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RelationChange:
    """What a write did to a relation: made it live (ADD) or invalidated it (DELETE)."""

    event: Literal["ADD", "DELETE"]
    relation: RelationRecord

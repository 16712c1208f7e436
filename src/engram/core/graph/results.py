"""Graph rows shaped as mem0 1.x returned them, plus engram's own fields.

mem0's methods disagree on the name of a relation's far end (``add`` and ``get_all`` said
``target``, ``search`` said ``destination``): every relation here carries both. ``add``
returned ``{"added_entities": [[relation], ...], "deleted_entities": [[relation], ...]}``
(one list per graph query it ran, each holding one relation), kept as it was. engram adds
``id``, the endpoint types, ``valid_at`` / ``invalid_at`` / ``created_at`` / ``updated_at``,
``memory_ids`` (the memories that state the relation) and, in search, ``score``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engram.core.graph.records import EntityRecord, RelationChange, RelationRecord

_SCOPE = ("user_id", "agent_id", "run_id")


def relation_dict(r: RelationRecord, score: float | None = None) -> dict[str, Any]:
    """One relation: mem0's keys (both ``destination`` and ``target``) and engram's."""
    item: dict[str, Any] = {
        "id": r.id,
        "source": r.source,
        "source_type": r.source_type,
        "relationship": r.relationship,
        "destination": r.destination,
        "target": r.destination,
        "destination_type": r.destination_type,
        "valid_at": r.valid_at,
        "invalid_at": r.invalid_at,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "memory_ids": list(r.memory_ids),
    }
    if score is not None:
        item["score"] = score
    if r.hop:
        item["hop"] = r.hop
    for key in _SCOPE:
        value = getattr(r, key)
        if value is not None:
            item[key] = value
    return item


def entity_dict(e: EntityRecord) -> dict[str, Any]:
    """One entity."""
    item: dict[str, Any] = {
        "id": e.id,
        "name": e.name,
        "type": e.type,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }
    for key in _SCOPE:
        value = getattr(e, key)
        if value is not None:
            item[key] = value
    return item


def add_relations(changes: Sequence[RelationChange]) -> dict[str, list[list[dict[str, Any]]]]:
    """``add``'s ``relations``: what became live and what was invalidated."""
    return {
        "added_entities": [[relation_dict(c.relation)] for c in changes if c.event == "ADD"],
        "deleted_entities": [[relation_dict(c.relation)] for c in changes if c.event == "DELETE"],
    }

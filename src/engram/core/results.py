"""Shaping records into the dictionaries of mem0's v1.1 API (and the deprecated v1.0 lists)."""

from __future__ import annotations

from typing import Any

from engram.core.records import Change, HistoryRecord, MemoryRecord

_SCOPE_AND_ACTOR = ("user_id", "agent_id", "run_id", "actor_id", "role")


def memory_dict(record: MemoryRecord, score: float | None = None) -> dict[str, Any]:
    """A memory as get() returns it; scope and actor keys appear only when set."""
    item: dict[str, Any] = {
        "id": record.id,
        "memory": record.text,
        "hash": record.hash,
        "metadata": dict(record.metadata),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "valid_at": record.valid_at,
        "invalid_at": record.invalid_at,
    }
    if score is not None:
        item["score"] = score
    for key in _SCOPE_AND_ACTOR:
        value = getattr(record, key)
        if value is not None:
            item[key] = value
    if record.memory_type is not None:
        item["memory_type"] = record.memory_type
    return item


def change_dict(change: Change) -> dict[str, Any]:
    """One entry of add()'s results: id, memory, event, and previous_memory on UPDATE."""
    current = change.new or change.old
    assert current is not None
    item: dict[str, Any] = {"id": change.memory_id, "memory": current.text, "event": change.event}
    if change.event == "UPDATE" and change.old is not None:
        item["previous_memory"] = change.old.text
    return item


def history_dict(record: HistoryRecord) -> dict[str, Any]:
    """One history row with the seed's fields."""
    return {
        "id": record.id,
        "memory_id": record.memory_id,
        "old_memory": record.old_memory,
        "new_memory": record.new_memory,
        "event": record.event,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "is_deleted": record.is_deleted,
        "actor_id": record.actor_id,
        "role": record.role,
    }


def listing(items: list[dict[str, Any]], version: str) -> dict[str, Any] | list[dict[str, Any]]:
    """``{"results": items, "relations": []}`` for v1.1, the bare list for v1.0."""
    if version == "v1.0":
        return items
    return {"results": items, "relations": []}

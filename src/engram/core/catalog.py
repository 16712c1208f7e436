"""What a store holds, summarised: the user / agent / run ids that have memories.

mem0's clients call these "entities" (``MemoryClient.users()``); engram calls them scopes, to
keep "entity" for the people and things graph memory is about. A store answers with one
``ScopeSummary`` per (field, value); ``scope_dict`` shapes it for the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SCOPE_TYPES", "ScopeSummary", "scope_dict"]

#: mem0's entity type of each scope field.
SCOPE_TYPES = {"user_id": "user", "agent_id": "agent", "run_id": "run"}


@dataclass(frozen=True, slots=True)
class ScopeSummary:
    """One id of one scope field, with how many memories carry it and when they were made."""

    field: str
    value: str
    memories: int
    created_at: str
    updated_at: str


def scope_dict(summary: ScopeSummary) -> dict[str, Any]:
    """``{"type": "user", "id": "alice", "total_memories": 3, "created_at", "updated_at"}``."""
    return {
        "type": SCOPE_TYPES[summary.field],
        "id": summary.value,
        "total_memories": summary.memories,
        "created_at": summary.created_at,
        "updated_at": summary.updated_at,
    }

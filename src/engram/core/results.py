"""Shaping records into the dictionaries of mem0's v1.1 API (and the deprecated v1.0 lists)."""

from __future__ import annotations

import logging
from typing import Any

from engram.core.ranking import LEXICAL_HALF, Candidate
from engram.core.records import Change, HistoryRecord, MemoryRecord

logger = logging.getLogger("engram")

_SCOPE_AND_ACTOR = ("user_id", "agent_id", "run_id", "actor_id", "role")
#: Keys that say whose a memory is: set by the call's ids (and a message's name), never by
#: metadata, so that metadata cannot place a memory in a scope the caller did not name.
IDENTITY_KEYS = ("user_id", "agent_id", "run_id", "actor_id")


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
    if record.expiration_date is not None:
        item["expiration_date"] = record.expiration_date
    return item


def change_dict(change: Change, *, speaker: bool = False) -> dict[str, Any]:
    """One entry of add()'s results: id, memory, event, and previous_memory on UPDATE;
    with ``speaker`` (``infer=False``, as in mem0) the message's ``actor_id`` and ``role``."""
    current = change.new or change.old
    assert current is not None
    item: dict[str, Any] = {"id": change.memory_id, "memory": current.text, "event": change.event}
    if change.event == "UPDATE" and change.old is not None:
        item["previous_memory"] = change.old.text
    if speaker:
        item["actor_id"] = current.actor_id
        item["role"] = current.role
    return item


def score_details(candidate: Candidate, threshold: float | None) -> dict[str, Any]:
    """mem0 2.x's ``score_details`` of a search result, from engram's own score parts.

    ``semantic_score`` is the cosine similarity, ``bm25_score`` the BM25 relevance scaled to
    [0, 1] as engram's fusion reads it, ``entity_boost`` / ``time_boost`` / ``when_boost``
    what the factors for people and times the query names (and for a memory that states a
    time, when the query asks for one) added to 1, ``neighbour`` what an adjacent turn lent, and
    ``final_score`` the result's score. engram fuses by rank, so mem0's ``raw_score`` and
    ``max_possible_score`` (a sum and its ceiling) have no counterpart and are left out.
    """
    lexical = candidate.lexical or 0.0
    details: dict[str, Any] = {
        "semantic_score": candidate.semantic or 0.0,
        "bm25_score": lexical / (lexical + LEXICAL_HALF) if lexical > 0 else 0.0,
        "entity_boost": candidate.factors.get("entity", 1.0) - 1.0,
        "time_boost": candidate.factors.get("time", 1.0) - 1.0,
        "when_boost": candidate.factors.get("when", 1.0) - 1.0,
        "neighbour": candidate.neighbour,
        "final_score": candidate.score,
        "threshold": threshold,
    }
    if "rerank" in candidate.notes:
        details["rerank_score"] = candidate.notes["rerank"]
    return details


def strip_identity(
    metadata: dict[str, Any], current: MemoryRecord | None, context: str
) -> dict[str, Any]:
    """``metadata`` without identity keys (mem0 2.x): a warning names each one dropped, except
    one that repeats the memory's current value (``update`` re-sending what get() showed)."""
    clean: dict[str, Any] = {}
    for key, value in metadata.items():
        if key not in IDENTITY_KEYS:
            clean[key] = value
        elif current is None or value != getattr(current, key):
            logger.warning(
                "engram: %s ignores metadata[%r]: whose a memory is comes from user_id, "
                "agent_id, run_id and the message's name, never from metadata",
                context,
                key,
            )
    return clean


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

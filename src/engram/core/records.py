"""The records a store keeps and the write operations it applies, shared by every store."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from engram.core.filters import FilterNode
from engram.core.graph.records import GraphWrite
from engram.embedders.base import Vectors

Event = Literal["ADD", "UPDATE", "DELETE", "NONE"]


@dataclass(frozen=True, slots=True)
class MemoryRecord:
    """One memory as a store keeps it (the vector is kept apart)."""

    id: str
    text: str
    hash: str
    created_at: str
    updated_at: str
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    actor_id: str | None = None
    role: str | None = None
    memory_type: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    valid_at: str | None = None
    invalid_at: str | None = None
    #: The last day (``YYYY-MM-DD``, UTC) the memory is shown; after it, it is expired
    #: (mem0 2.x): kept, but hidden from search and get_all unless asked for.
    expiration_date: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One audit row: what a memory was before and after one change."""

    id: str
    memory_id: str
    old_memory: str | None
    new_memory: str | None
    event: Event
    created_at: str
    updated_at: str
    is_deleted: bool = False
    actor_id: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Insert:
    """Add a new memory with its vector.

    With ``unique``, the store first looks, inside the same transaction, for a valid memory of
    the same scope (user, agent, run) with the same hash; if there is one, nothing is written
    and the change is a NONE event on that memory. Concurrent adds of one fact make one memory.
    """

    record: MemoryRecord
    vector: Vectors
    unique: bool = False


@dataclass(frozen=True, slots=True)
class Update:
    """Replace a memory's text (and vector); metadata is replaced only when given, and the
    expiration date only with ``set_expiration`` (to ``expiration_date``, None clearing it)."""

    memory_id: str
    text: str
    vector: Vectors
    metadata: dict[str, Any] | None = None
    set_expiration: bool = False
    expiration_date: str | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    """Erase one memory; its history stays."""

    memory_id: str


@dataclass(frozen=True, slots=True)
class Invalidate:
    """Mark a contradicted memory as no longer valid (``invalid_at``); it is not erased."""

    memory_id: str
    invalid_at: str


@dataclass(frozen=True, slots=True)
class DeleteWhere:
    """Erase every memory matching a filter (a scope, at least)."""

    where: FilterNode


@dataclass(frozen=True, slots=True)
class Remember:
    """Make this batch idempotent under ``token`` (an ``add`` with an idempotency key).

    Inside the batch's transaction, before anything else, the store looks the token up: if a
    batch already committed under it, nothing is written and ``apply`` returns that batch's
    changes as recorded (``fingerprint`` must match, or the key was reused for another
    request: ValidationError). Otherwise the batch is applied and its changes, followed by
    ``unchanged`` (the add's NONE events), are recorded under the token in the same
    transaction, and returned. Tokens recorded before ``expires_before`` are deleted.
    """

    token: str
    fingerprint: str
    unchanged: tuple[Change, ...] = ()
    expires_before: str = ""


WriteOp = Insert | Update | Delete | Invalidate | DeleteWhere | GraphWrite | Remember


@dataclass(frozen=True, slots=True)
class Change:
    """What one write did to one memory."""

    event: Event
    memory_id: str
    old: MemoryRecord | None
    new: MemoryRecord | None


def updated(old: MemoryRecord, op: Update, now: str) -> MemoryRecord:
    """The record ``op`` makes of ``old`` (every store applies an Update this way)."""
    return replace(
        old,
        text=op.text,
        hash=text_hash(op.text),
        metadata=old.metadata if op.metadata is None else op.metadata,
        updated_at=now,
        expiration_date=op.expiration_date if op.set_expiration else old.expiration_date,
    )


def text_hash(text: str) -> str:
    """The md5 hex digest mem0 stores as a memory's ``hash``."""
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def new_id() -> str:
    """A fresh uuid4 string."""
    return str(uuid.uuid4())


def history_for(change: Change, now: str) -> HistoryRecord:
    """The audit row a store writes, in the same transaction, for ``change``.

    An invalidation is a DELETE event whose memory is kept: ``new`` is the record with its
    ``invalid_at`` set, the history row has no ``new_memory`` and ``is_deleted`` stays false.
    """
    subject = change.new or change.old
    assert subject is not None, "a change has an old or a new record"
    is_add = change.event == "ADD"
    invalidated = change.event == "DELETE" and change.new is not None
    return HistoryRecord(
        id=new_id(),
        memory_id=change.memory_id,
        old_memory=change.old.text if change.old else None,
        new_memory=change.new.text if change.new and not invalidated else None,
        event=change.event,
        created_at=subject.created_at,
        updated_at=subject.updated_at if is_add else now,
        is_deleted=change.event == "DELETE" and not invalidated,
        actor_id=subject.actor_id,
        role=subject.role,
    )

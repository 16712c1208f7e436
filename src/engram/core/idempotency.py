"""Idempotency keys of ``add``: a retry after a timeout, a cancellation or a crash writes
nothing twice.

A caller passes ``idempotency_key`` (any string of its choosing, one per logical request). The
key, within the call's scope (user, agent and run ids), becomes a ``token``; the request's
content becomes a ``fingerprint``. The add's writes and a row holding the token, the
fingerprint and the add's changes commit in one transaction (``records.Remember``), so a key
is recorded exactly when its writes are. A later add with the same key and scope returns the
recorded result without writing, whether the first call's caller saw it succeed or not; with
other content it is refused, because a key names one request. Keys are kept ``KEPT_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from engram.core.graph.records import RelationChange, RelationRecord
from engram.core.limits import shown
from engram.core.messages import Message
from engram.core.records import Change, MemoryRecord
from engram.core.timeutil import to_iso
from engram.core.validation import Scope
from engram.exceptions import ValidationError

if TYPE_CHECKING:
    from engram.stores.base import Committed

__all__ = ["KEPT_SECONDS", "decode", "encode", "expiry", "fingerprint", "replayed", "token"]

#: How long a key is remembered: a retry later than this writes again.
KEPT_SECONDS = 24 * 3600


def token(scope: Scope, key: str) -> str:
    """The stored name of ``key`` within ``scope`` (so two users' keys never meet)."""
    material = json.dumps([scope.user_id, scope.agent_id, scope.run_id, key])
    return hashlib.blake2b(material.encode("utf-8"), digest_size=20).hexdigest()


def fingerprint(
    messages: list[Message],
    metadata: dict[str, Any],
    options: dict[str, Any],
) -> str:
    """A digest of what the request asks (messages, metadata and options such as ``infer``)."""
    material = json.dumps(
        {
            "messages": [[m.role, m.content, m.name, list(m.images)] for m in messages],
            "metadata": metadata,
            "options": options,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.blake2b(material.encode("utf-8"), digest_size=20).hexdigest()


def expiry(now: datetime | None = None) -> str:
    """Keys recorded before this time may be forgotten."""
    moment = now or datetime.now(UTC)
    return to_iso(moment - timedelta(seconds=KEPT_SECONDS))


def encode(changes: list[Change], relations: list[RelationChange]) -> str:
    """What an add did (its memory changes, NONE events included, and its relation changes)
    as JSON, every field of every record, for a store to keep under the add's token."""
    return json.dumps(
        {
            "changes": [
                {
                    "event": c.event,
                    "memory_id": c.memory_id,
                    "old": None if c.old is None else asdict(c.old),
                    "new": None if c.new is None else asdict(c.new),
                }
                for c in changes
            ],
            "relations": [{"event": r.event, "relation": asdict(r.relation)} for r in relations],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(text: str) -> Committed:
    """What ``encode`` wrote, as the store's ``Committed``."""
    from engram.stores.base import Committed

    data = json.loads(text)
    changes = [
        Change(
            item["event"],
            item["memory_id"],
            None if item["old"] is None else MemoryRecord(**item["old"]),
            None if item["new"] is None else MemoryRecord(**item["new"]),
        )
        for item in data["changes"]
    ]
    relations = [
        RelationChange(
            item["event"],
            RelationRecord(
                **{**item["relation"], "memory_ids": tuple(item["relation"]["memory_ids"])}
            ),
        )
        for item in data["relations"]
    ]
    return Committed(changes, relations)


def replayed(stored: tuple[str, Committed], wanted: str, key: str | None = None) -> Committed:
    """What was recorded under a key, if it was recorded for this very request."""
    recorded, committed = stored
    if recorded != wanted:
        named = "this idempotency_key" if key is None else f"idempotency_key {shown(key)}"
        raise ValidationError(
            f"{named} was already used for a different request (other messages, metadata or "
            "options): a key names one request",
            field="idempotency_key",
            value=key,
            expected="a new key for a new request, or the same request for a retry",
            suggestion="use a fresh key (a uuid4) for each request you mean to make once",
        )
    return committed

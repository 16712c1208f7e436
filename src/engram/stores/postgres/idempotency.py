"""The ``postgres`` store's idempotency keys: the statements of ``records.Remember``.

Plans (see ``steps``) that run inside an ``apply``'s transaction: ``recorded`` takes a
transaction-scoped advisory lock on the token, so adds under one token take turns (a retry
waits for the first to commit, then finds its record), and returns what was recorded;
``record`` writes the batch's changes under the token and forgets expired tokens.
"""

from __future__ import annotations

import hashlib

from engram.core.idempotency import decode, encode, replayed
from engram.core.records import Remember
from engram.stores.base import Committed
from engram.stores.postgres.steps import Execute, Plan

__all__ = ["lock_key", "recall", "record", "recorded"]


def lock_key(*parts: str | None) -> int:
    """A signed 64-bit advisory lock key for ``parts``."""
    digest = hashlib.md5(repr(parts).encode("utf-8"), usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def recall(table: str, token: str) -> Plan[tuple[str, Committed] | None]:
    """The fingerprint and what was committed under ``token`` in ``table``, or None."""
    row = yield Execute(
        f"SELECT fingerprint, changes::text FROM {table} WHERE token = %s", (token,), "one"
    )
    return None if row is None else (row[0], decode(row[1]))


def recorded(table: str, schema: str, op: Remember) -> Plan[Committed | None]:
    """Wait for any add under ``op``'s token to finish; the changes it recorded, or None."""
    yield Execute(
        "SELECT pg_advisory_xact_lock(%s)", (lock_key(schema, "idempotency", op.token),), "none"
    )
    stored = yield from recall(table, op.token)
    return None if stored is None else replayed(stored, op.fingerprint)


def record(table: str, op: Remember, done: Committed, now: str) -> Plan[Committed]:
    """Record the batch's changes (then the add's NONE events) and its relation changes under
    ``op``'s token; what the add did, as recorded."""
    every = Committed([*done.changes, *op.unchanged], done.relations)
    yield Execute(
        f"INSERT INTO {table} (token, fingerprint, changes, created_at) "
        "VALUES (%s, %s, %s::jsonb, %s)",
        (op.token, op.fingerprint, encode(every.changes, every.relations), now),
        "none",
    )
    if op.expires_before:
        yield Execute(f"DELETE FROM {table} WHERE created_at < %s", (op.expires_before,), "none")
    return every

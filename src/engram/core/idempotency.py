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
from datetime import UTC, datetime, timedelta
from typing import Any

from engram.core.limits import shown
from engram.core.messages import Message
from engram.core.records import Change
from engram.core.timeutil import to_iso
from engram.core.validation import Scope
from engram.exceptions import ValidationError

__all__ = ["KEPT_SECONDS", "expiry", "fingerprint", "replayed", "token"]

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


def replayed(stored: tuple[str, list[Change]], wanted: str, key: str | None = None) -> list[Change]:
    """The recorded changes of a key, if it was recorded for this very request."""
    recorded, changes = stored
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
    return changes

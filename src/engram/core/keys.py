"""API keys of the service shells (REST, MCP): made, stored hashed, found, and what each allows.

A key is a token ``engram_<id>_<secret>``. ``id`` (16 hex characters) names the key in
listings, logs and ``engram keys revoke``; ``secret`` (256 random bits, url-safe base64) is
known only to its holder. The store keeps the id and the SHA-256 digest of the whole token,
never the token itself: a copy of the store yields no usable key, and a 256-bit secret needs
no slow password hash (there is nothing to guess). A presented token is looked up by its id
and its digest compared with ``hmac.compare_digest`` (constant time).

Keys live in the store, beside the memories (a table of the SQLite file, or of the
PostgreSQL schema): every worker and host that serves one store sees the same keys, and a
revocation reaches them all.

A key may be limited to scopes: for each of ``user_id`` / ``agent_id`` / ``run_id``, the
values it may read and write (a request must then name one of them), and to reading only.
``Grant`` makes those decisions for one request, before the core runs. Its refusals name what
the key lacks, never anything about other scopes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engram.core.effects import Flow, StoreCall
from engram.core.validation import SCOPE_FIELDS
from engram.exceptions import PermissionDeniedError, ValidationError

__all__ = [
    "PREFIX",
    "ApiKey",
    "Grant",
    "authenticate",
    "count_keys",
    "create_key",
    "digest_of",
    "list_keys",
    "revoke_key",
]

#: Every engram API key starts with this (secret scanners can match it).
PREFIX = "engram_"
_TOKEN = re.compile(r"engram_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")
_MAX_NAME = 200
_MAX_SCOPE_VALUES = 1000


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One API key as a store keeps it: never the token, only its digest."""

    id: str
    name: str
    digest: str
    created_at: str
    #: Scope field -> the values the key may use; a field absent here is not limited.
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    read_only: bool = False
    #: Requests per minute allowed to this key (None: the server's default).
    rate_limit: float | None = None
    revoked_at: str | None = None

    @property
    def limited(self) -> bool:
        """Whether the key is limited to some scopes or to reading."""
        return bool(self.scopes) or self.read_only

    def describe(self) -> dict[str, object]:
        """The key as listings show it (no digest)."""
        return {
            "id": self.id,
            "name": self.name,
            "scopes": {name: list(values) for name, values in self.scopes.items()},
            "read_only": self.read_only,
            "rate_limit": self.rate_limit,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def digest_of(token: str) -> str:
    """The SHA-256 hex digest a store keeps for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh ``(key id, token)``."""
    key_id = secrets.token_hex(8)
    return key_id, f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(token: str) -> str | None:
    """The id inside a well-formed token, or None."""
    match = _TOKEN.fullmatch(token)
    return match.group(1) if match else None


def create_key(
    name: object,
    *,
    now: str,
    scopes: Mapping[str, Iterable[str]] | None = None,
    read_only: bool = False,
    rate_limit: float | None = None,
) -> Flow[tuple[str, ApiKey]]:
    """Make a key and store its digest; returns ``(token, key)``: the token is shown once."""
    if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
        raise ValidationError(
            f"a key's name must be a non-empty string of at most {_MAX_NAME} characters",
            field="name",
            value=name,
            expected="a short label, e.g. 'support-bot'",
        )
    if rate_limit is not None and (
        isinstance(rate_limit, bool)
        or not isinstance(rate_limit, int | float)
        or not math.isfinite(rate_limit)
        or rate_limit <= 0
    ):
        raise ValidationError(
            f"rate_limit must be a positive number of requests per minute, got {rate_limit!r}",
            field="rate_limit",
            value=rate_limit,
            expected="a number > 0",
        )
    key_id, token = new_token()
    key = ApiKey(
        id=key_id,
        name=name.strip(),
        digest=digest_of(token),
        created_at=now,
        scopes=_check_scopes(scopes or {}),
        read_only=bool(read_only),
        rate_limit=None if rate_limit is None else float(rate_limit),
    )
    yield StoreCall("put_key", (key,))
    return token, key


def _check_scopes(scopes: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    checked: dict[str, tuple[str, ...]] = {}
    for name, values in scopes.items():
        if name not in SCOPE_FIELDS:
            raise ValidationError(
                f"a key's scope is one of {', '.join(SCOPE_FIELDS)}, not {name!r}",
                field="scopes",
                value=name,
                expected=" / ".join(SCOPE_FIELDS),
            )
        listed = tuple(dict.fromkeys(values))
        if not listed or len(listed) > _MAX_SCOPE_VALUES:
            raise ValidationError(
                f"a key limited to {name} needs 1 to {_MAX_SCOPE_VALUES} values",
                field="scopes",
                value=listed,
                expected="a non-empty list of ids",
            )
        for value in listed:
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(
                    f"{name} values of a key must be non-empty strings, got {value!r}",
                    field="scopes",
                    value=value,
                    expected="a non-empty string",
                )
        checked[name] = listed
    return checked


def list_keys(include_revoked: bool = False) -> Flow[list[ApiKey]]:
    """The store's keys, oldest first."""
    keys: list[ApiKey] = yield StoreCall("list_keys", ())
    return [k for k in keys if include_revoked or k.revoked_at is None]


def revoke_key(key_id: object, *, now: str) -> Flow[ApiKey]:
    """Revoke a key by id (idempotent); the key as it is now."""
    if not isinstance(key_id, str) or not key_id:
        raise ValidationError(
            "key_id must be a key's id", field="key_id", value=key_id, expected="16 hex chars"
        )
    key: ApiKey | None = yield StoreCall("revoke_key", (key_id, now))
    if key is None:
        raise ValidationError(
            f"no API key has the id {key_id!r}",
            field="key_id",
            value=key_id,
            expected="an id listed by `engram keys list`",
        )
    return key


def count_keys() -> Flow[int]:
    """How many keys are not revoked."""
    keys: list[ApiKey] = yield StoreCall("list_keys", ())
    return sum(1 for k in keys if k.revoked_at is None)


def authenticate(token: str) -> Flow[ApiKey | None]:
    """The live key ``token`` belongs to, or None (malformed, unknown, wrong secret, revoked)."""
    key_id = key_id_of(token)
    if key_id is None:
        return None
    key: ApiKey | None = yield StoreCall("get_key", (key_id,))
    if key is None or not hmac.compare_digest(key.digest, digest_of(token)):
        return None
    return None if key.revoked_at is not None else key


@dataclass(frozen=True, slots=True)
class Grant:
    """What one caller may do: everything (``key`` None: a server open without keys), or
    what its key allows."""

    key: ApiKey | None = None

    @property
    def unlimited(self) -> bool:
        """No scope or read-only limit: the caller may act on the whole store."""
        return self.key is None or not self.key.limited

    def require_write(self) -> None:
        """Refuse a write to a read-only key."""
        if self.key is not None and self.key.read_only:
            raise PermissionDeniedError(
                "this API key is read-only",
                suggestion="use a key made without --read-only for writes",
            )

    def require_unlimited(self, what: str) -> None:
        """Refuse store-wide operations (reset, configure) to keys limited in any way."""
        if not self.unlimited:
            raise PermissionDeniedError(
                f"{what} acts on the whole store; this API key is limited",
                suggestion="use a key made without scopes or --read-only",
            )

    def scope(self, ids: Mapping[str, str | None], *, write: bool) -> dict[str, str | None]:
        """Check the ids a request names against the key; the ids to pass to the core.

        ``ids`` holds each scope field's value as the request names it (explicitly or as a
        top-level equality of its filters); a field the key limits must be named, with one of
        its values.
        """
        if write:
            self.require_write()
        if self.key is None:
            return dict(ids)
        for name, allowed in self.key.scopes.items():
            value = ids.get(name)
            if value is None:
                raise PermissionDeniedError(
                    f"this API key is limited to some {name}s: name one of them in the request",
                    details={"field": name},
                    suggestion=f"pass {name} (or filters={{'{name}': ...}})",
                )
            if value not in allowed:
                raise PermissionDeniedError(
                    f"this API key may not use {name} {value!r}",
                    details={"field": name},
                    suggestion="use a key whose scope includes it",
                )
        return dict(ids)

    def covers(self, ids: Mapping[str, str | None]) -> bool:
        """Whether a stored memory with these ids lies within the key's scopes."""
        if self.key is None:
            return True
        return all(ids.get(name) in allowed for name, allowed in self.key.scopes.items())

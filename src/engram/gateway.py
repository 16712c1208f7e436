"""``Gateway``: one AsyncMemory behind API keys, for the service shells (REST and MCP).

Every route of ``engram serve`` (mem0's server routes, mem0's Platform routes, engram's own)
and every tool of ``engram mcp`` calls the same methods here, so they authenticate, check a
key's scopes, enforce limits and rate, and call the core in exactly one way. The gateway holds
no store handle: it calls ``AsyncMemory``'s public methods only.

Authentication (``authenticate``): a token is looked up once per ``key_cache_seconds`` (so a
revocation, made by any process, takes effect within that time). Without a token the caller
is let in only when the server may run open (``open_access``: a loopback address, or the
explicit insecure flag) and the store holds no live key; once a key exists, every request
needs one.

Scopes (``engram.core.keys.Grant``): a request names its scope (ids, or top-level equalities
of its filters); a limited key must cover it, and the ids go to the core explicitly, where
they are ANDed with the filters, so no filter can reach beyond them. A memory addressed by
id is looked up first; one outside the key's scopes answers exactly as a missing one does.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engram.async_memory import AsyncMemory
from engram.core.filters import parse_filters, scope_values
from engram.core.keys import ApiKey, Grant, digest_of
from engram.core.validation import SCOPE_FIELDS
from engram.exceptions import (
    AuthenticationError,
    MemoryNotFoundError,
    RateLimitError,
    ValidationError,
)

__all__ = ["TOO_LARGE", "Gateway", "Limits"]

#: ``error_code`` of a ValidationError that says a request is too large (HTTP 413).
TOO_LARGE = "request_too_large"
_CACHE_SIZE = 4096
_NIL = "00000000-0000-0000-0000-000000000000"
Ids = dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may ask for."""

    #: Most results of one search or listing (``limit``, ``top_k``, ``page_size``).
    max_results: int = 1000
    #: Most memories in one batch update or delete.
    max_batch: int = 1000
    #: Most messages in one add.
    max_messages: int = 1000
    #: Requests per minute per key, unless the key sets its own (None: no limit).
    rate_limit: float | None = None


class _Bucket:
    """A token bucket: ``rate`` per minute, bursts of up to one minute's worth."""

    __slots__ = ("capacity", "level", "rate", "stamp")

    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(per_minute, 1.0)
        self.level = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> float:
        """0 when a request may pass now, else the seconds to wait."""
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.level >= 1.0:
            self.level -= 1.0
            return 0.0
        return (1.0 - self.level) / self.rate


class Gateway:
    """Scoped, authenticated, limited access to one AsyncMemory."""

    def __init__(
        self,
        memory: AsyncMemory,
        *,
        open_access: bool = True,
        limits: Limits | None = None,
        key_cache_seconds: float = 5.0,
    ) -> None:
        """
        Args:
            memory: the memory every call goes to.
            open_access: let callers without a key in while the store holds no live key.
            limits: result, batch and rate limits.
            key_cache_seconds: how long a looked-up key (or the count of live keys) is
                trusted before the store is asked again.
        """
        self.memory = memory
        self.open_access = open_access
        self.limits = limits or Limits()
        self.key_cache_seconds = key_cache_seconds
        self._keys: dict[str, tuple[float, ApiKey | None]] = {}
        self._live: tuple[float, int] | None = None
        self._buckets: dict[str, _Bucket] = {}

    # -- authentication and rate ---------------------------------------------------------------

    async def authenticate(self, token: str | None) -> Grant:
        """The grant of a request's token (None: no token given).

        Raises:
            AuthenticationError: no token where one is needed, or one that is not a live key.
        """
        if token:
            key = await self._key(token)
            if key is None:
                raise AuthenticationError(
                    "the API key is not valid (unknown, mistyped or revoked)",
                    error_code="invalid_api_key",
                    service="engram",
                    suggestion="create one with `engram keys create NAME`",
                )
            self._admit(key)
            return Grant(key)
        if self.open_access and await self.live_keys() == 0:
            return Grant(None)
        raise AuthenticationError(
            "an API key is required: send 'Authorization: Token <key>' (or Bearer, or X-API-Key)",
            error_code="missing_api_key",
            service="engram",
            suggestion="create one with `engram keys create NAME`",
        )

    async def live_keys(self) -> int:
        """How many live keys the store holds (cached for ``key_cache_seconds``)."""
        now = time.monotonic()
        if self._live is None or self._live[0] <= now:
            self._live = (now + self.key_cache_seconds, await self.memory.api_keys.count())
        return self._live[1]

    async def _key(self, token: str) -> ApiKey | None:
        now = time.monotonic()
        digest = digest_of(token)  # the cache holds no token either
        cached = self._keys.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        key = await self.memory.api_keys.authenticate(token)
        if len(self._keys) >= _CACHE_SIZE:
            self._keys.clear()
        self._keys[digest] = (now + self.key_cache_seconds, key)
        return key

    def _admit(self, key: ApiKey) -> None:
        per_minute = key.rate_limit if key.rate_limit is not None else self.limits.rate_limit
        if per_minute is None:
            return
        bucket = self._buckets.get(key.id)
        if bucket is None or bucket.rate != per_minute / 60.0:
            bucket = self._buckets[key.id] = _Bucket(per_minute)
        wait = bucket.take()
        if wait:
            raise RateLimitError(
                f"this API key is limited to {per_minute:g} requests per minute",
                retry_after=math.ceil(wait),
                limit=math.floor(per_minute),
                remaining=0,
                suggestion=f"retry after {math.ceil(wait)} s",
            )

    # -- limits --------------------------------------------------------------------------------

    def check_limit(self, value: int, field: str) -> int:
        """``value`` if it is within ``max_results``."""
        if value > self.limits.max_results:
            raise ValidationError(
                f"{field} may be at most {self.limits.max_results}, got {value}",
                field=field,
                value=value,
                expected=f"an integer from 1 to {self.limits.max_results}",
            )
        return value

    def _check_batch(self, size: int, field: str, most: int) -> None:
        if size > most:
            raise ValidationError(
                f"{field} holds {size} items; at most {most} are accepted in one request",
                field=field,
                value=size,
                expected=f"at most {most} items",
                error_code=TOO_LARGE,
                suggestion="split it into several requests",
            )

    # -- memories ------------------------------------------------------------------------------

    async def add(
        self,
        grant: Grant,
        messages: Any,
        *,
        ids: Ids,
        filters: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Any:
        """``AsyncMemory.add`` in the request's scope (a write)."""
        if isinstance(messages, list):
            self._check_batch(len(messages), "messages", self.limits.max_messages)
        scoped: dict[str, Any] = grant.scope(_named(ids, filters), write=True)
        return await self.memory.add(messages, **scoped, **options)

    async def get(self, grant: Grant, memory_id: str) -> dict[str, Any]:
        """One memory, if the grant covers its scope (else: not found)."""
        memory: dict[str, Any] | None = await self.memory.get(memory_id)
        if memory is None or not grant.covers(memory):
            raise _not_found(memory_id)
        return memory

    async def get_all(
        self,
        grant: Grant,
        *,
        ids: Ids,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        include_invalidated: bool = False,
    ) -> Any:
        """``AsyncMemory.get_all`` in the request's scope."""
        scoped: dict[str, Any] = grant.scope(_named(ids, filters), write=False)
        return await self.memory.get_all(
            **scoped,
            filters=dict(filters) if filters else None,
            limit=self.check_limit(limit, "limit"),
            include_invalidated=include_invalidated,
        )

    async def page(
        self,
        grant: Grant,
        *,
        ids: Ids,
        filters: Mapping[str, Any] | None,
        page: int,
        page_size: int,
        include_invalidated: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page (1-based) of a scope's memories, newest first, and how many there are."""
        self.check_limit(page_size, "page_size")
        window = page * page_size
        most = self.limits.max_results * 10
        if window > most:
            raise ValidationError(
                f"pages reach the first {most} memories only (page {page} of {page_size})",
                field="page",
                value=page,
                expected=f"page * page_size <= {most}",
                suggestion="narrow the filters (e.g. on created_at) instead of paging further",
            )
        scoped = grant.scope(_named(ids, filters), write=False)
        kwargs: dict[str, Any] = {
            **scoped,
            "filters": dict(filters) if filters else None,
            "include_invalidated": include_invalidated,
        }
        listed = await self.memory.get_all(**kwargs, limit=window)
        total = await self.memory.count(**kwargs)
        return _results(listed)[window - page_size :], total

    async def browse(
        self,
        grant: Grant,
        *,
        ids: Ids,
        filters: Mapping[str, Any] | None = None,
        order_by: str = "created_at",
        descending: bool = True,
        cursor: str | None = None,
        limit: int = 50,
        include_invalidated: bool = False,
        total: bool = False,
    ) -> dict[str, Any]:
        """``AsyncMemory.browse`` in the request's scope; with ``total``, also ``count``: how
        many memories the listing holds in all."""
        scoped = grant.scope(_named(ids, filters), write=False)
        kwargs: dict[str, Any] = {
            **scoped,
            "filters": dict(filters) if filters else None,
            "include_invalidated": include_invalidated,
        }
        page = await self.memory.browse(
            **kwargs,
            order_by=order_by,
            descending=descending,
            cursor=cursor,
            limit=self.check_limit(limit, "limit"),
        )
        if total:
            page["count"] = await self.memory.count(**kwargs)
        return page

    async def search(
        self,
        grant: Grant,
        query: Any,
        *,
        ids: Ids,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        **options: Any,
    ) -> Any:
        """``AsyncMemory.search`` in the request's scope."""
        scoped: dict[str, Any] = grant.scope(_named(ids, filters), write=False)
        return await self.memory.search(
            query,
            **scoped,
            filters=dict(filters) if filters else None,
            limit=self.check_limit(limit, "limit"),
            **options,
        )

    async def update(
        self,
        grant: Grant,
        memory_id: str,
        text: str | None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Replace a memory's text and/or metadata (a write); the memory as it is now."""
        grant.require_write()
        current = await self.get(grant, memory_id)
        if text is None and metadata is None:
            raise ValidationError(
                "an update needs text, metadata or both",
                field="text",
                expected="a non-empty string",
            )
        await self.memory.update(memory_id, current["memory"] if text is None else text, metadata)
        return await self.get(grant, memory_id)

    async def delete(self, grant: Grant, memory_id: str) -> dict[str, Any]:
        """Delete one memory (a write)."""
        grant.require_write()
        await self.get(grant, memory_id)
        return await self.memory.delete(memory_id)

    async def history(self, grant: Grant, memory_id: str) -> list[dict[str, Any]]:
        """A memory's history. A limited key sees it while the memory exists (the history
        rows do not record a scope)."""
        if grant.key is not None and grant.key.scopes:
            await self.get(grant, memory_id)
        return await self.memory.history(memory_id)

    async def delete_all(self, grant: Grant, *, ids: Ids) -> dict[str, Any]:
        """Delete a scope's memories (a write)."""
        scoped = grant.scope(ids, write=True)
        return await self.memory.delete_all(**scoped)

    async def batch_update(self, grant: Grant, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Update several memories in one transaction (a write)."""
        grant.require_write()
        self._check_batch(len(items), "memories", self.limits.max_batch)
        filled = []
        for item in items:
            item = dict(item)
            if isinstance(item.get("memory_id"), str):
                current = await self.get(grant, item["memory_id"])
                if item.get("text") is None and item.get("metadata") is not None:
                    item["text"] = current["memory"]  # a metadata-only update keeps the text
            filled.append(item)
        return await self.memory.batch_update(filled)

    async def batch_delete(self, grant: Grant, memory_ids: list[str]) -> dict[str, Any]:
        """Delete several memories in one transaction (a write)."""
        grant.require_write()
        self._check_batch(len(memory_ids), "memories", self.limits.max_batch)
        for memory_id in memory_ids:
            if isinstance(memory_id, str):
                await self.get(grant, memory_id)
        return await self.memory.batch_delete(memory_ids)

    async def scopes(self, grant: Grant, limit: int = 1000) -> list[dict[str, Any]]:
        """The ids memories carry; a limited key sees only the ids it may use."""
        found = await self.memory.scopes(self.check_limit(limit, "limit"))
        if grant.key is None or not grant.key.scopes:
            return found
        allowed = grant.key.scopes
        return [s for s in found if s["id"] in allowed.get(_FIELD_OF_TYPE[s["type"]], ())]

    async def graph_entities(self, grant: Grant, *, ids: Ids, limit: int = 100) -> Any:
        """``AsyncMemory.graph.entities`` in the request's scope."""
        scoped = grant.scope(ids, write=False)
        return await self.memory.graph.entities(**scoped, limit=self.check_limit(limit, "limit"))

    async def graph_relations(
        self,
        grant: Grant,
        *,
        ids: Ids,
        entity: str | None = None,
        hops: int = 1,
        as_of: str | None = None,
        limit: int = 100,
    ) -> Any:
        """``AsyncMemory.graph.relations`` in the request's scope."""
        scoped = grant.scope(ids, write=False)
        return await self.memory.graph.relations(
            entity, **scoped, hops=hops, as_of=as_of, limit=self.check_limit(limit, "limit")
        )

    async def reset(self, grant: Grant) -> None:
        """Erase every memory of the store (unlimited keys only)."""
        grant.require_unlimited("reset")
        await self.memory.reset()

    async def ready(self) -> None:
        """Return when the store answers a read (raises StoreError otherwise)."""
        try:
            await self.memory.get(_NIL)
        except MemoryNotFoundError:
            pass


_FIELD_OF_TYPE = {"user": "user_id", "agent": "agent_id", "run": "run_id"}


def _named(ids: Ids, filters: Mapping[str, Any] | None) -> Ids:
    """The ids a request names: given explicitly, else as top-level filter equalities."""
    in_filters = scope_values(parse_filters(dict(filters))) if filters else {}
    return {name: ids.get(name) or in_filters.get(name) for name in SCOPE_FIELDS}


def _results(listed: Any) -> list[dict[str, Any]]:
    return list(listed["results"]) if isinstance(listed, dict) else list(listed)


def _not_found(memory_id: str) -> MemoryNotFoundError:
    return MemoryNotFoundError(
        f"no memory with id {memory_id!r}",
        memory_id=memory_id,
        suggestion="check the id; get_all() lists the memories of a scope",
    )

"""``KeyRing`` and ``AsyncKeyRing``: the store's API keys, as ``Memory.api_keys`` and
``AsyncMemory.api_keys`` drive them (``engram keys``, ``engram serve``, ``engram mcp``).

Thin shells over ``engram.core.keys``: the same flows, run inline or on an event loop.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from engram.core import keys
from engram.core.effects import Runtime, run_async, run_sync
from engram.core.keys import ApiKey
from engram.core.timeutil import now_iso

__all__ = ["AsyncKeyRing", "KeyRing"]


def _scopes(
    user_ids: Iterable[str] | None, agent_ids: Iterable[str] | None, run_ids: Iterable[str] | None
) -> dict[str, builtins.list[str]]:
    named = {"user_id": user_ids, "agent_id": agent_ids, "run_id": run_ids}
    return {name: list(values) for name, values in named.items() if values is not None}


class KeyRing:
    """Create, list, revoke and check the API keys kept in a Memory's store."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def create(
        self,
        name: str,
        *,
        user_ids: Iterable[str] | None = None,
        agent_ids: Iterable[str] | None = None,
        run_ids: Iterable[str] | None = None,
        read_only: bool = False,
        rate_limit: float | None = None,
    ) -> tuple[str, ApiKey]:
        """Make a key; returns ``(token, key)``. The token is not kept: show it once.

        Args:
            name: a label for listings.
            user_ids: limit the key to these users (None: any user).
            agent_ids: limit the key to these agents.
            run_ids: limit the key to these runs.
            read_only: refuse every write made with the key.
            rate_limit: requests per minute for this key (None: the server's default).
        """
        flow = keys.create_key(
            name,
            now=now_iso(),
            scopes=_scopes(user_ids, agent_ids, run_ids),
            read_only=read_only,
            rate_limit=rate_limit,
        )
        return run_sync(flow, self._runtime)

    def list(self, include_revoked: bool = False) -> builtins.list[ApiKey]:
        """The keys, oldest first."""
        return run_sync(keys.list_keys(include_revoked), self._runtime)

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by id; a revoked key stays listed (with ``--all``) and never works again.

        Raises:
            ValidationError: no key has this id.
        """
        return run_sync(keys.revoke_key(key_id, now=now_iso()), self._runtime)

    def authenticate(self, token: str) -> ApiKey | None:
        """The live key of ``token``, or None."""
        return run_sync(keys.authenticate(token), self._runtime)

    def count(self) -> int:
        """How many keys are live (not revoked)."""
        return run_sync(keys.count_keys(), self._runtime)


class AsyncKeyRing:
    """``KeyRing`` for async code."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def create(
        self,
        name: str,
        *,
        user_ids: Iterable[str] | None = None,
        agent_ids: Iterable[str] | None = None,
        run_ids: Iterable[str] | None = None,
        read_only: bool = False,
        rate_limit: float | None = None,
    ) -> tuple[str, ApiKey]:
        """Make a key; returns ``(token, key)`` (see ``KeyRing.create``)."""
        flow = keys.create_key(
            name,
            now=now_iso(),
            scopes=_scopes(user_ids, agent_ids, run_ids),
            read_only=read_only,
            rate_limit=rate_limit,
        )
        return await run_async(flow, self._runtime)

    async def list(self, include_revoked: bool = False) -> builtins.list[ApiKey]:
        """The keys, oldest first."""
        return await run_async(keys.list_keys(include_revoked), self._runtime)

    async def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by id."""
        return await run_async(keys.revoke_key(key_id, now=now_iso()), self._runtime)

    async def authenticate(self, token: str) -> ApiKey | None:
        """The live key of ``token``, or None."""
        return await run_async(keys.authenticate(token), self._runtime)

    async def count(self) -> int:
        """How many keys are live (not revoked)."""
        return await run_async(keys.count_keys(), self._runtime)

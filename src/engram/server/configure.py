"""``GET /configure`` (the memory's config, secrets redacted) and ``POST /configure``.

Replacing the configuration builds a new ``AsyncMemory`` and swaps it into the gateway; the
old one is closed. It changes this process only (other workers keep theirs), so it is off
unless the server is started with ``allow_configure``, and needs an unlimited key.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread

from engram.async_memory import AsyncMemory
from engram.core.keys import Grant
from engram.exceptions import PermissionDeniedError
from engram.gateway import Gateway

__all__ = ["current_config", "redact", "replace_config"]

_SECRET_WORDS = ("key", "password", "secret", "token", "dsn", "connection_string", "authorization")


def redact(value: Any, key: str = "") -> Any:
    """``value`` with every secret-looking entry replaced by ``"[redacted]"``."""
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    if value and any(word in key.lower() for word in _SECRET_WORDS):
        return "[redacted]"
    return value


def current_config(gateway: Gateway) -> dict[str, Any]:
    """The gateway's memory config as JSON, redacted."""
    config: dict[str, Any] = gateway.memory.config.model_dump(mode="json")
    return dict(redact(config))


async def replace_config(
    gateway: Gateway, grant: Grant, config: dict[str, Any], allowed: bool
) -> None:
    """Build a memory from ``config`` and serve it from now on.

    Raises:
        PermissionDeniedError: the server does not allow it, or the key is limited.
        ConfigurationError: the config is invalid (the current memory stays).
    """
    if not allowed:
        raise PermissionDeniedError(
            "this server does not accept configuration over HTTP",
            suggestion="edit the config file and restart, or start with --allow-configure",
        )
    grant.require_unlimited("configure")
    fresh = await anyio.to_thread.run_sync(AsyncMemory.from_config, config)
    old, gateway.memory = gateway.memory, fresh
    await old.close()

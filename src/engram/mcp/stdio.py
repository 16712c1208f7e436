"""``engram mcp`` over stdio: one process, one caller (whoever started it)."""

from __future__ import annotations

from mcp.server.mcpserver import Context

from engram.async_memory import AsyncMemory
from engram.core.keys import Grant
from engram.gateway import Gateway
from engram.mcp.server import build_server
from engram.server.app import gateway_for
from engram.server.settings import Settings

__all__ = ["run_stdio"]


async def run_stdio(settings: Settings, key: str | None = None) -> None:
    """Serve the tools on stdin/stdout until the client closes them.

    Args:
        settings: the memory's config and the default scope.
        key: an API key whose limits every call gets; None for full access to the store.
    """
    memory = AsyncMemory(settings.memory or None)
    try:
        gateway: Gateway = gateway_for(memory, settings.server)
        grant = await gateway.authenticate(key) if key else Grant(None)

        async def fixed(ctx: Context) -> Grant:
            return grant

        server = build_server(gateway, settings.mcp, fixed)
        await server.run_stdio_async()
    finally:
        await memory.close()

"""``engram mcp`` over stdio: one process, one caller (whoever started it)."""

from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer

from engram.async_memory import AsyncMemory
from engram.core.keys import Grant
from engram.gateway import Gateway
from engram.mcp.server import build_server
from engram.server.app import gateway_for
from engram.server.settings import Settings

__all__ = ["run_stdio", "stdio_server"]


async def stdio_server(gateway: Gateway, settings: Settings, key: str | None) -> MCPServer:
    """The server of one stdio caller: every call with ``key``'s grant, or full access.

    Raises:
        AuthenticationError: ``key`` is not a live key.
    """
    grant = await gateway.authenticate(key) if key else Grant(None)

    async def fixed(ctx: Context) -> Grant:
        return grant

    return build_server(gateway, settings.mcp, fixed)


async def run_stdio(settings: Settings, key: str | None = None) -> None:  # pragma: no cover
    """Serve the tools on stdin/stdout until the client closes them (runs as ``engram mcp``;
    tests/mcpserver/test_mcp.py drives it through a real subprocess)."""
    memory = AsyncMemory(settings.memory or None)
    try:
        server = await stdio_server(gateway_for(memory, settings.server), settings, key)
        await server.run_stdio_async()
    finally:
        await memory.close()

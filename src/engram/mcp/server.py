"""The MCP tools: add, search, list, get, update and delete memories, and read their history.

Every tool calls the same ``Gateway`` as the REST routes, so keys, scopes, limits and errors
mean the same thing here. A tool's scope is what its arguments name, else the server's
default scope (``engram mcp --user-id``, ``$ENGRAM_MCP_USER_ID`` or the config file's
``mcp`` block). An engram error becomes a tool error (``isError``) whose text carries the
error's code, message and suggestion, which an agent can act on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from engram import __version__
from engram.core.keys import Grant
from engram.exceptions import EngramError
from engram.gateway import Gateway
from engram.server.settings import MCPSettings

__all__ = ["INSTRUCTIONS", "GrantOf", "build_server"]

#: How a tool call finds its caller's grant (fixed for stdio, per request over HTTP).
GrantOf = Callable[[Context], Awaitable[Grant]]

INSTRUCTIONS = (
    "Long-term memory. Before answering, search_memories for what you may already know about "
    "the user or task; when you learn a durable fact or preference, add_memory it as one short "
    "self-contained statement. Scope calls with user_id / agent_id / run_id, or rely on the "
    "server's default scope."
)


def build_server(gateway: Gateway, defaults: MCPSettings, grant_of: GrantOf) -> MCPServer:
    """An MCPServer whose tools act on ``gateway``'s memory."""
    server = MCPServer(
        "engram", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )

    def ids(user_id: str | None, agent_id: str | None, run_id: str | None) -> dict[str, Any]:
        named = {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}
        if any(named.values()):
            return named
        return {
            "user_id": defaults.user_id,
            "agent_id": defaults.agent_id,
            "run_id": defaults.run_id,
        }

    async def call(ctx: Context, action: Callable[[Grant], Awaitable[Any]]) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await action(await grant_of(ctx))
            return result
        except EngramError as e:
            hint = f" ({e.suggestion})" if e.suggestion else ""
            raise ToolError(f"[{e.error_code}] {e.message}{hint}") from e

    @server.tool()
    async def add_memory(
        text: str,
        ctx: Context,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        infer: bool = False,
    ) -> dict[str, Any]:
        """Remember something: one short, self-contained statement (stored as given; with
        infer=true, the statements worth keeping are extracted from it instead)."""
        return await call(
            ctx,
            lambda g: gateway.add(
                g, text, ids=ids(user_id, agent_id, run_id), metadata=metadata, infer=infer
            ),
        )

    @server.tool()
    async def search_memories(
        query: str,
        ctx: Context,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: dict[str, Any] | None = None,
        limit: int = 10,
        threshold: float | None = None,
    ) -> dict[str, Any]:
        """Find the memories most relevant to a question, best first (each scored 0 to 1).
        filters, e.g.: {"category": "food"}, {"created_at": {"gte": "2025-01-01"}}."""
        return await call(
            ctx,
            lambda g: gateway.search(
                g,
                query,
                ids=ids(user_id, agent_id, run_id),
                filters=filters,
                limit=limit,
                threshold=threshold,
            ),
        )

    @server.tool()
    async def list_memories(
        ctx: Context,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: dict[str, Any] | None = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        """List a scope's memories, newest first."""
        return await call(
            ctx,
            lambda g: gateway.get_all(
                g, ids=ids(user_id, agent_id, run_id), filters=filters, limit=limit
            ),
        )

    @server.tool()
    async def get_memory(memory_id: str, ctx: Context) -> dict[str, Any]:
        """One memory by its id."""
        return await call(ctx, lambda g: gateway.get(g, memory_id))

    @server.tool()
    async def update_memory(
        memory_id: str,
        ctx: Context,
        text: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Correct a memory's text and/or replace its metadata; its history keeps the old
        text. Returns the memory as it is now."""
        return await call(ctx, lambda g: gateway.update(g, memory_id, text, metadata))

    @server.tool()
    async def delete_memory(memory_id: str, ctx: Context) -> dict[str, Any]:
        """Forget one memory (its history stays readable)."""
        return await call(ctx, lambda g: gateway.delete(g, memory_id))

    @server.tool()
    async def memory_history(memory_id: str, ctx: Context) -> dict[str, Any]:
        """Every change of a memory, oldest first: ADD, UPDATE (old and new text), DELETE."""
        return await call(ctx, lambda g: _wrapped(gateway.history(g, memory_id)))

    return server


async def _wrapped(rows: Awaitable[list[dict[str, Any]]]) -> dict[str, Any]:
    return {"results": await rows}

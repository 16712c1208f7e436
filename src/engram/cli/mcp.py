"""``engram mcp``: the memory tools over MCP, on stdio (default) or streamable HTTP.

Over stdio the server acts for whoever started it: with full access to the configured store,
or with the limits of ``--key`` / ``$ENGRAM_API_KEY`` when one is given. Over HTTP every
request needs a key, exactly as ``engram serve`` does.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from engram.cli.serve import add_config_flag, require


def register(commands: Any) -> None:
    """Add ``mcp`` to the ``engram`` parser."""
    mcp = commands.add_parser(
        "mcp",
        help="serve the memory tools over MCP (stdio, or HTTP with --transport http)",
        description="An MCP server with add_memory, search_memories, list_memories, "
        "get_memory, update_memory, delete_memory and memory_history.",
    )
    add_config_flag(mcp)
    mcp.add_argument("--transport", choices=("stdio", "http"), help="default stdio")
    mcp.add_argument("--user-id", help="scope of tool calls that name none")
    mcp.add_argument("--agent-id", help="scope of tool calls that name none")
    mcp.add_argument("--run-id", help="scope of tool calls that name none")
    mcp.add_argument("--key", help="stdio: act with this API key's limits ($ENGRAM_API_KEY)")
    mcp.add_argument("--host", help="http: address (default 127.0.0.1)")
    mcp.add_argument("--port", type=int, help="http: port (default 8000)")
    mcp.add_argument(
        "--insecure",
        action="store_const",
        const=True,
        help="http: allow a non-loopback address without API keys",
    )
    mcp.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    require("mcp", "mcp")
    from engram.server.settings import load_settings

    settings = load_settings(
        args.config,
        server={"host": args.host, "port": args.port, "insecure": args.insecure},
        mcp={
            "transport": args.transport,
            "user_id": args.user_id,
            "agent_id": args.agent_id,
            "run_id": args.run_id,
        },
    )
    if settings.mcp.transport == "http":
        from engram.server.run import serve

        serve(settings, rest=False)
        return 0
    import anyio

    from engram.mcp.stdio import run_stdio

    anyio.run(run_stdio, settings, args.key or os.environ.get("ENGRAM_API_KEY"))
    return 0

"""engram as an MCP server (the official ``mcp`` SDK; ``pip install "engram-recall[mcp]"``).

``engram mcp`` serves the memory tools over stdio (for a coding assistant that starts it) or
streamable HTTP (behind the same API keys as ``engram serve``, which can also mount them at
``/mcp``). ``engram.mcp.server`` defines the tools, ``engram.mcp.http`` the HTTP endpoint.
"""

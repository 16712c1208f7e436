"""``engram mcp`` through the MCP SDK's own client: in process, over stdio (a real
``engram mcp`` subprocess) and over streamable HTTP (the server under uvicorn, with keys)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver import Context

from engram import AsyncMemory, Memory
from engram.core.keys import Grant
from engram.embedders.onnx import OnnxEmbedder
from engram.exceptions import AuthenticationError
from engram.gateway import Gateway
from engram.mcp.server import build_server
from engram.mcp.stdio import stdio_server
from engram.server.settings import MCPSettings, Settings
from tests.conftest import store_config
from tests.server.conftest import Serve

pytestmark = pytest.mark.anyio

TOOLS = {
    "add_memory", "search_memories", "list_memories", "get_memory", "update_memory",
    "delete_memory", "memory_history",
}  # fmt: skip


async def call(client: Client, tool: str, **arguments: Any) -> Any:
    """A tool's structured result; fails the test on a tool error."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return result.structured_content


async def error(client: Client, tool: str, **arguments: Any) -> str:
    """The text of a tool's error."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    text: str = result.content[0].text  # type: ignore[union-attr]
    return text


async def exercise(client: Client, scope: dict[str, str]) -> None:
    """Every tool, as an agent would use them."""
    listed = await client.list_tools()
    assert {t.name for t in listed.tools} == TOOLS
    added = await call(client, "add_memory", text="The user prefers tabs over spaces.", **scope)
    memory_id = added["results"][0]["id"]
    await call(
        client, "add_memory", text="The project uses Python 3.11.", metadata={"k": 1}, **scope
    )
    found = await call(client, "search_memories", query="indentation style", limit=1, **scope)
    assert [r["id"] for r in found["results"]] == [memory_id]
    listed_memories = await call(client, "list_memories", **scope)
    assert len(listed_memories["results"]) == 2
    only_k = await call(client, "list_memories", filters={"k": 1}, **scope)
    assert [r["memory"] for r in only_k["results"]] == ["The project uses Python 3.11."]
    assert (await call(client, "get_memory", memory_id=memory_id))["memory"].endswith("spaces.")
    updated = await call(
        client, "update_memory", memory_id=memory_id, text="The user prefers spaces."
    )
    assert updated["memory"] == "The user prefers spaces."
    history = await call(client, "memory_history", memory_id=memory_id)
    assert [h["event"] for h in history["results"]] == ["ADD", "UPDATE"]
    await call(client, "delete_memory", memory_id=memory_id)
    assert "[memory_not_found]" in await error(client, "get_memory", memory_id=memory_id)


@pytest.fixture
def gateway(tmp_path: Path, embedder: OnnxEmbedder) -> Gateway:
    return Gateway(AsyncMemory(store_config(tmp_path / "mcp.db"), embedder=embedder))


async def test_tools_in_process(gateway: Gateway) -> None:
    async def full(ctx: Context) -> Grant:
        return Grant(None)

    server = build_server(gateway, MCPSettings(user_id="dev"), full)
    async with Client(server) as client:
        await exercise(client, {})  # the default scope: user_id "dev"
        await exercise(client, {"user_id": "other", "agent_id": "coder"})
        assert "[validation_error]" in await error(client, "search_memories", query="")
    no_default = build_server(gateway, MCPSettings(), full)
    async with Client(no_default) as client:
        message = await error(client, "add_memory", text="x")
        assert "user_id, agent_id or run_id is required" in message and "pass user_id" in message
    await gateway.memory.close()


async def test_a_limited_key_limits_the_tools(gateway: Gateway) -> None:
    token, _ = await gateway.memory.api_keys.create("agent", user_ids=["dev"], read_only=True)
    settings = Settings(mcp=MCPSettings(user_id="dev"))
    with pytest.raises(AuthenticationError):
        await stdio_server(gateway, settings, token + "x")
    async with Client(await stdio_server(gateway, settings, token)) as client:
        assert "[permission_denied]" in await error(client, "add_memory", text="x")
        assert "[permission_denied]" in await error(
            client, "search_memories", query="x", user_id="someone-else"
        )
        assert (await call(client, "list_memories"))["results"] == []
    await gateway.memory.close()


async def test_stdio(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    config = tmp_path / "engram.json"
    config.write_text(
        '{"vector_store": {"provider": "sqlite", "config": {"path": "%s"}}, '
        '"mcp": {"user_id": "from-config"}}' % (tmp_path / "stdio.db")
    )
    env = {**os.environ, "ENGRAM_CONFIG": str(config), "ENGRAM_MCP_AGENT_ID": "from-env"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "engram", "mcp"], env=env)
    async with Client(params, read_timeout_seconds=120) as client:
        await exercise(client, {})
        await call(client, "add_memory", text="Remember me.")
    with Memory(store_config(tmp_path / "stdio.db"), embedder=embedder) as m:
        kept = m.get_all(user_id="from-config", agent_id="from-env")["results"]
        assert [r["memory"] for r in kept] == ["Remember me.", "The project uses Python 3.11."]
        token, _ = m.api_keys.create("agent", user_ids=["from-config"], read_only=True)
    limited = StdioServerParameters(
        command=sys.executable, args=["-m", "engram", "mcp", "--key", token], env=env
    )
    async with Client(limited, read_timeout_seconds=120) as client:
        assert "[permission_denied]" in await error(client, "add_memory", text="x")
        assert len((await call(client, "list_memories"))["results"]) == 2


@pytest.mark.parametrize("workers", [1, 2])  # 2: stateless, as with several worker processes
async def test_streamable_http_behind_keys(serve: Serve, workers: int) -> None:
    served = serve(mcp=True, workers=workers)
    token, _ = served.keys.create("mcp-agent", user_ids=["dev"])
    url = f"{served.url}/mcp"
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            await exercise(client, {"user_id": "dev"})
            denied = await error(client, "list_memories", user_id="eve")
            assert "[permission_denied]" in denied and "eve" in denied
    async with httpx2.AsyncClient() as anonymous:
        refused = await anonymous.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "missing_api_key"
    with served.client(token) as rest:  # the same store, through REST
        assert rest.get("/v1/ping/").status_code == 200

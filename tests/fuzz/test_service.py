"""The service shells with hostile input: the REST server (``engram serve``, a real uvicorn on
127.0.0.1) and the MCP tools (through the MCP SDK's own client).

REST: the issue's reported cases and drawn JSON bodies (lone surrogates as JSON escapes,
``Infinity``, integers of thousands of digits, nesting a thousand deep, bodies past the limit)
on mem0's server and Platform routes; no answer may be a server error (5xx), none may take
longer than the bound, and the store stays consistent. (``tests/server/test_fuzz.py`` also
fuzzes every route from the OpenAPI document.) MCP: every tool with hostile arguments; a tool
either answers or fails with engram's ``[error_code] message`` (or the SDK's own argument
validation), never with another exception.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mcp import Client
from mcp.server.mcpserver import Context

from engram import AsyncMemory
from engram.core.keys import Grant
from engram.embedders.onnx import OnnxEmbedder
from engram.gateway import Gateway
from engram.mcp.server import build_server
from engram.server.settings import MCPSettings
from tests.conftest import store_config
from tests.fuzz import strategies as s
from tests.fuzz.conftest import BOUND_SECONDS, Tally
from tests.fuzz.test_api import sqlite_check
from tests.server.conftest import Serve, serve  # noqa: F401 - the fixture

DEEP = "[" * 1000 + "]" * 1000


def deep_object(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


#: (method, path, JSON text of the body or None, query parameters)
KNOWN: list[tuple[str, str, str | None, dict[str, Any]]] = [
    ("POST", "/memories", '{"messages": [{"role": "user", "content": "\\ud800"}], '
     '"user_id": "u"}', {}),
    ("POST", "/memories", '{"messages": [{"role": "user", "content": "hi"}], '
     '"user_id": "\\udfff"}', {}),
    ("POST", "/memories", '{"messages": [{"role": "user", "content": "hi"}], "user_id": "u", '
     f'"metadata": {deep_object(990)}}}', {}),
    ("POST", "/memories", '{"messages": [{"role": "user", "content": "hi"}], "user_id": "u", '
     '"metadata": {"n": 1' + "0" * 5000 + "}}", {}),
    ("POST", "/memories", '{"messages": [{"role": "user", "content": "hi"}], "user_id": "u", '
     '"metadata": {"x": Infinity}}', {}),
    ("POST", "/memories", '{"messages": [{"role": "user", "content": "' + "w " * 2_000_000 + '"}], '
     '"user_id": "u"}', {}),
    ("POST", "/memories", DEEP, {}),
    ("POST", "/search", '{"query": "x", "user_id": "u", "top_k": 1' + "0" * 30 + "}", {}),
    ("POST", "/search", '{"query": "x", "user_id": "u", "filters": '
     + '{"NOT": ' * 1000 + '{"k": 1}' + "}" * 1000 + "}", {}),
    ("POST", "/search", '{"query": "x", "user_id": "u", "filters": {"n": 1' + "0" * 21 + "}}", {}),
    ("POST", "/search", '{"query": "\\ud800", "user_id": "u"}', {}),
    ("GET", "/memories", None, {"user_id": "u", "top_k": "1" + "0" * 30}),
    ("GET", "/memories/%ED%A0%80", None, {}),
    ("PUT", "/memories/x", '{"text": "\\ud800"}', {}),
    ("POST", "/v3/memories/add/", '{"messages": "hi", "filters": {"user_id": "\\ud800"}}', {}),
    ("POST", "/v3/memories/search/", '{"query": "x", "filters": ' + deep_object(1000) + "}", {}),
    ("POST", "/v3/memories/", '{"filters": {"user_id": "u"}, "page_size": 1' + "0" * 25 + "}", {}),
    ("PUT", "/v1/batch/", '{"memories": [' + ", ".join(['{"memory_id": "x", "text": "t"}'] * 20_000)
     + "]}", {}),
    ("POST", "/browse", '{"user_id": "u", "cursor": "' + "A" * 100_000 + '"}', {}),
    ("POST", "/browse", '{"user_id": "u", "cursor": "' + base64.urlsafe_b64encode(
        ("[" * 5000 + "]" * 5000).encode()).decode() + '"}', {}),
    ("POST", "/browse", '{"user_id": "u", "cursor": "' + base64.urlsafe_b64encode(
        b'["created_at", true, "\\ud800", "x"]').decode() + '"}', {}),
    ("POST", "/browse", '{"user_id": "u", "limit": 1' + "0" * 30 + "}", {}),
    ("POST", "/browse", '{"user_id": "u", "order_by": {"a": 1}}', {}),
]  # fmt: skip
ROUTES = [
    ("POST", "/memories"),
    ("POST", "/search"),
    ("POST", "/v3/memories/add/"),
    ("POST", "/v3/memories/"),
    ("POST", "/v3/memories/search/"),
    ("PUT", "/memories/00000000-0000-4000-8000-000000000000"),
    ("PUT", "/v1/batch/"),
    ("DELETE", "/v1/batch/"),
    ("POST", "/browse"),
]
FIELDS = [
    "messages",
    "query",
    "user_id",
    "agent_id",
    "run_id",
    "metadata",
    "filters",
    "top_k",
    "limit",
    "threshold",
    "text",
    "timestamp",
    "memories",
    "infer",
    "cursor",
    "order_by",
    "descending",
]
good_bodies = st.fixed_dictionaries(
    {"messages": st.just([{"role": "user", "content": "I like tea"}]), "user_id": st.just("u")},
    optional={"query": s.good_text, "metadata": s.good_metadata, "filters": s.good_filters},
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), s.json_like | s.deep_values, max_size=5),
    st.builds(lambda base, extra: {**base, **extra}, good_bodies,
              st.dictionaries(st.sampled_from(FIELDS), s.scalars | s.deep_values, max_size=2)),
)  # fmt: skip


def encoded(body: Any) -> str:
    """JSON as a client may send it: lone surrogates as escapes, Infinity, NaN (Python's
    encoder writes all three); a value too deep for the encoder is sent as deep text."""
    try:
        return json.dumps(body)
    except (RecursionError, ValueError):
        return DEEP


@pytest.fixture
def rest(serve: Serve) -> Iterator[tuple[httpx.Client, Any]]:  # noqa: F811
    served = serve()
    token, _ = served.keys.create("fuzzer")
    client = served.client(token)
    yield client, sqlite_check(Path(served.local.store.path))


def test_hostile_requests_get_client_errors_fast(
    rest: tuple[httpx.Client, Any], tally: Tally
) -> None:
    client, check = rest
    headers = {"Content-Type": "application/json"}
    for method, path, body, params in KNOWN:
        send = functools.partial(
            client.request, method, path, content=body, params=params, headers=headers
        )
        response = tally.call(f"{method} {path}", send)
        assert response.status_code < 500, (path, response.status_code, response.text[:300])
        assert response.status_code >= 400, (path, "a hostile request was accepted")
    check()

    @given(route=st.sampled_from(ROUTES), body=bodies)
    def request(route: tuple[str, str], body: Any) -> None:
        method, path = route
        text = encoded(body)
        headers = {"Content-Type": "application/json"}
        started = time.perf_counter()
        response = tally.call(
            f"{method} {path} {text[:200]}",
            lambda: client.request(method, path, content=text, headers=headers),
        )
        assert response.status_code < 500, (path, text[:300], response.text[:300])
        assert time.perf_counter() - started < BOUND_SECONDS * 2

    request()
    check()
    assert not tally.unexpected


async def _mcp_calls(
    gateway: Gateway, tally: Tally, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    async def full(ctx: Context) -> Grant:
        return Grant(None)

    server = build_server(gateway, MCPSettings(user_id="dev"), full)
    async with Client(server) as client:
        for tool, arguments in calls:
            started = time.perf_counter()
            tally.calls += 1
            try:
                result = await client.call_tool(tool, arguments)
            except Exception as e:  # the SDK's client refusing to send it (not engram's side)
                if "engram" in repr(e):
                    tally.unexpected.append(f"{tool}: {type(e).__name__}: {str(e)[:200]}")
                tally.engram_errors += 1
                continue
            elapsed = time.perf_counter() - started
            if elapsed > tally.slowest:
                tally.slowest, tally.slowest_call = elapsed, tool
            if elapsed > BOUND_SECONDS:
                tally.slow.append(f"{tool}: {elapsed:.1f} s")
            if not result.is_error:
                tally.returned += 1
                continue
            text: str = getattr(result.content[0], "text", "")
            if _ENGRAM_ERROR.search(text) or "validation error" in text.lower():
                tally.engram_errors += 1
            else:
                tally.unexpected.append(f"{tool}: {text[:200]}")


#: How the MCP shell words an EngramError: ``[error_code] message``.
_ENGRAM_ERROR = re.compile(r"\[[a-z_]+\] ")
TOOL_ARGUMENTS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "add_memory": lambda v: {"text": v, "metadata": {"k": v}},
    "search_memories": lambda v: {"query": v, "filters": {"k": v}},
    "list_memories": lambda v: {"filters": v if isinstance(v, dict) else {"k": v}},
    "get_memory": lambda v: {"memory_id": v},
    "update_memory": lambda v: {"memory_id": "x", "text": v},
    "delete_memory": lambda v: {"memory_id": v},
    "memory_history": lambda v: {"memory_id": v},
}
MCP_VALUES: list[Any] = [
    "\ud800",
    "a\x00b",
    "w " * 2_000_000,
    "",
    10**30,
    float("inf"),
    json.loads(deep_object(900)),
    json.loads("[" * 900 + "]" * 900),
    {"NOT": json.loads(deep_object(200).replace('"a"', '"NOT"'))},
    "I like tea",
]


def test_hostile_tool_calls_fail_with_engram_errors(
    tmp_path: Path, embedder: OnnxEmbedder, tally: Tally
) -> None:
    gateway = Gateway(AsyncMemory(store_config(tmp_path / "mcp.db"), embedder=embedder))
    calls = [(tool, make(value)) for tool, make in TOOL_ARGUMENTS.items() for value in MCP_VALUES]

    async def run() -> None:
        try:
            await _mcp_calls(gateway, tally, calls)
        finally:
            await gateway.memory.close()

    anyio.run(run)
    sqlite_check(tmp_path / "mcp.db")()
    assert tally.calls == len(calls) and not tally.unexpected, tally.unexpected[:5]

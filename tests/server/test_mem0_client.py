"""mem0's own Python clients (``mem0ai``: ``MemoryClient``, ``AsyncMemoryClient``) against the
server, unchanged, pointed at it with ``host=``."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.server.conftest import Served


@pytest.fixture(scope="module")
def mem0(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The ``mem0`` package, imported with its telemetry off and its files in a temp dir."""
    saved = {k: os.environ.get(k) for k in ("MEM0_DIR", "MEM0_TELEMETRY")}
    os.environ["MEM0_DIR"] = str(tmp_path_factory.mktemp("mem0-home"))
    os.environ["MEM0_TELEMETRY"] = "false"
    try:
        yield importlib.import_module("mem0")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_memory_client_calls_work(mem0: ModuleType, served: Served) -> None:
    from mem0.exceptions import MemoryNotFoundError

    token, _ = served.keys.create("python-client")
    client: Any = mem0.MemoryClient(api_key=token, host=served.url)
    try:
        added = client.add("I am vegetarian and allergic to nuts.", user_id="alex", infer=False)
        memory_id = added["results"][0]["id"]
        client.add([{"role": "user", "content": "I live in Oslo."},
                    {"role": "assistant", "content": "Oslo is lovely."}],
                   user_id="alex", metadata={"source": "chat"}, infer=False)  # fmt: skip
        client.add("Unrelated", user_id="sam", infer=False)

        got = client.get(memory_id)
        assert got["memory"] == "I am vegetarian and allergic to nuts." and got["user_id"] == "alex"
        listed = client.get_all(filters={"user_id": "alex"})
        assert listed["count"] == 3 and len(listed["results"]) == 3
        page = client.get_all(filters={"user_id": "alex"}, page=1, page_size=2)
        assert len(page["results"]) == 2 and page["next"]
        chat = client.get_all(filters={"AND": [{"user_id": "alex"}, {"source": "chat"}]})
        assert chat["count"] == 2
        hits = client.search("what can alex not eat?", filters={"user_id": "alex"}, top_k=2)
        assert hits["results"][0]["id"] == memory_id and len(hits["results"]) == 2

        client.update(memory_id, text="I am vegan and allergic to nuts.")
        client.update(memory_id, metadata={"diet": "vegan"})
        assert client.get(memory_id)["memory"] == "I am vegan and allergic to nuts."
        assert client.get(memory_id)["metadata"] == {"diet": "vegan"}
        history = client.history(memory_id)
        assert [h["event"] for h in history] == ["ADD", "UPDATE", "UPDATE"]
        assert history[1]["old_memory"] == "I am vegetarian and allergic to nuts."

        users = client.users()
        assert {(e["type"], e["name"]) for e in users["results"]} == {
            ("user", "alex"),
            ("user", "sam"),
        }
        others = [m["id"] for m in client.get_all(filters={"user_id": "alex"})["results"]]
        rest = [i for i in others if i != memory_id]
        client.batch_update([{"memory_id": rest[0], "text": "I live in Bergen."}])
        assert client.get(rest[0])["memory"] == "I live in Bergen."
        client.batch_delete([{"memory_id": rest[1]}])

        assert client.delete(memory_id)["message"]
        with pytest.raises(MemoryNotFoundError):
            client.get(memory_id)
        assert client.delete_all(user_id="alex")["message"]
        assert client.get_all(filters={"user_id": "alex"})["count"] == 0
        assert client.reset()["message"]
        assert client.users()["results"] == []
    finally:
        client.client.close()


def test_client_errors_are_mem0_errors(mem0: ModuleType, served: Served) -> None:
    from mem0.exceptions import AuthenticationError, MemoryNotFoundError, ValidationError

    token, _ = served.keys.create("errors")
    client: Any = mem0.MemoryClient(api_key=token, host=served.url)
    scoped: Any = mem0.MemoryClient(
        api_key=served.keys.create("scoped", user_ids=["alex"])[0], host=served.url
    )
    try:
        with pytest.raises(MemoryNotFoundError, match="no memory with id"):
            client.get("00000000-0000-4000-8000-000000000000")
        with pytest.raises(ValidationError):
            client.search("x", filters={"nothing": "scoped"})
        with pytest.raises(AuthenticationError, match="may not use user_id 'sam'"):
            scoped.add("x", user_id="sam", infer=False)
        assert scoped.add("mine", user_id="alex", infer=False)["results"]
    finally:
        client.client.close()
        scoped.client.close()
    with httpx.Client() as own, pytest.raises(ValueError, match="API key is not valid"):
        mem0.MemoryClient(
            api_key="engram_0123456789abcdef_" + "A" * 43, host=served.url, client=own
        )


@pytest.mark.anyio
async def test_async_memory_client(mem0: ModuleType, served: Served, tmp_path: Path) -> None:
    token, _ = served.keys.create("async-client")
    client: Any = mem0.AsyncMemoryClient(api_key=token, host=served.url)
    try:
        added = await client.add("My sister is called Ines.", user_id="alex", infer=False)
        memory_id = added["results"][0]["id"]
        assert (await client.get(memory_id))["memory"] == "My sister is called Ines."
        hits = await client.search("sister's name", filters={"user_id": "alex"})
        assert hits["results"][0]["id"] == memory_id
        assert (await client.get_all(filters={"user_id": "alex"}))["count"] == 1
        await client.update(memory_id, text="My sister is called Inês.")
        assert [h["event"] for h in await client.history(memory_id)] == ["ADD", "UPDATE"]
        await client.delete(memory_id)
        await client.add("again", user_id="alex", infer=False)
        await client.delete_all(user_id="alex")
        assert (await client.get_all(filters={"user_id": "alex"}))["count"] == 0
    finally:
        await client.async_client.aclose()

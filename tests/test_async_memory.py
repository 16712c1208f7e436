"""AsyncMemory: the same behaviour as Memory, and no I/O on the event loop's thread."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

from engram import AsyncMemory, Memory, MemoryNotFoundError, ValidationError
from engram.embedders.base import Embedder, Vectors
from engram.embedders.onnx import OnnxEmbedder
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig
from tests.conftest import store_config

Call = Callable[..., Any]


def scenario(call: Call) -> list[Any]:
    """A script of API calls; ``call(name, *args, **kwargs)`` runs one and returns its result."""
    out: list[Any] = []
    first = call("add", "I like coffee in the morning.", user_id="a", metadata={"k": 1},
                 infer=False, timestamp="2024-03-01T10:00:00Z")  # fmt: skip
    out.append(first)
    memory_id = first["results"][0]["id"]
    out.append(call("add", [{"role": "user", "content": "My dog is Rex.", "name": "ann"},
                            {"role": "assistant", "content": "Nice dog!"}],
                    user_id="a", infer=False, timestamp=1709287200))  # fmt: skip
    out.append(call("add", "Secret of b", user_id="b", infer=True, timestamp="2024-03-02"))
    out.append(call("search", "what does she drink", user_id="a", limit=2))
    out.append(call("get_all", user_id="a", filters={"k": {"gte": 1}}))
    out.append(call("get", memory_id))
    out.append(call("update", memory_id, "I like tea in the morning."))
    # mem0 2.x's style: filters scope, top_k, text=, merged metadata, expiration dates
    out.append(call("search", "tea", filters={"user_id": "a"}, top_k=1, explain=True))
    out.append(call("update", memory_id, text="I like tea.", metadata={"j": 2}))
    out.append(call("add", "Old news", user_id="a", infer=False, expiration_date="2001-01-01"))
    out.append(call("get_all", filters={"user_id": "a"}, top_k=5))
    out.append(call("get_all", filters={"user_id": "a"}, show_expired=True))
    out.append(call("history", memory_id))
    page = call("browse", user_id="a", order_by="updated_at", limit=1)
    out.append((page["results"], page["next_cursor"] is not None))
    out.append(call("delete_all", user_id="b"))
    out.append(call("get_all", user_id="b"))
    out.append(call("delete", memory_id))
    out.append(call("get", memory_id))
    out.append(call("history", "missing"))
    for name, args, kwargs in (
        ("delete", ("missing",), {}),
        ("search", ("",), {"user_id": "a"}),
        ("update", (memory_id,), {}),
    ):
        try:
            call(name, *args, **kwargs)
        except (MemoryNotFoundError, ValidationError) as e:
            out.append((type(e).__name__, e.error_code, str(e)))
    out.append(call("get_all", user_id="a"))
    return out


def normalise(value: Any, names: dict[str, str]) -> Any:
    """Replace generated ids and wall-clock times by stable placeholders."""
    if isinstance(value, dict):
        return {k: normalise(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v, names) for v in value]
    if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
        return names.setdefault(value, f"id{len(names)}")
    if isinstance(value, str) and value.startswith("20") and "T" in value and value[:4] > "2025":
        return "<now>"
    if isinstance(value, float):
        return round(value, 4)
    return value


def test_memory_and_async_memory_behave_identically(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    with Memory(store_config(tmp_path / "sync.db"), embedder=embedder) as sync:
        sync_out = scenario(lambda name, *a, **k: getattr(sync, name)(*a, **k))

    async def run_async() -> list[Any]:
        async with AsyncMemory(store_config(tmp_path / "async.db"), embedder=embedder) as am:
            portal_results: list[Any] = []

            def call(name: str, *args: Any, **kwargs: Any) -> Any:
                return anyio.from_thread.run(lambda: getattr(am, name)(*args, **kwargs))

            portal_results = await anyio.to_thread.run_sync(lambda: scenario(call))
            return portal_results

    async_out = anyio.run(run_async)
    assert normalise(async_out, {}) == normalise(sync_out, {})
    assert len(sync_out) == 23


class ThreadRecordingEmbedder(Embedder):
    """The real embedder, noting which thread each call ran on."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.threads: set[int] = set()

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        self.threads.add(threading.get_ident())
        return self.inner.embed_batch(texts)


class ThreadRecordingStore(SQLiteStore):
    """The real SQLite store, noting which thread each call ran on."""

    def __init__(self, config: SQLiteStoreConfig) -> None:
        super().__init__(config)
        self.threads: set[int] = set()

    def __getattribute__(self, name: str) -> Any:
        method = object.__getattribute__(self, name)
        if name not in {"apply", "get", "list_memories", "search", "history", "reset", "count"}:
            return method
        threads = object.__getattribute__(self, "threads")

        def recorded(*args: Any, **kwargs: Any) -> Any:
            threads.add(threading.get_ident())
            return method(*args, **kwargs)

        return recorded


@pytest.mark.anyio
async def test_async_memory_never_runs_io_on_the_event_loop_thread(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    recording_embedder = ThreadRecordingEmbedder(embedder)
    store = ThreadRecordingStore(SQLiteStoreConfig(path=str(tmp_path / "t.db")))
    memory = AsyncMemory(embedder=recording_embedder, vector_store=store)
    loop_thread = threading.get_ident()
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await anyio.sleep(0)

    calls: list[Awaitable[Any]] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(heartbeat)
        added = await memory.add(
            [{"role": "user", "content": f"fact number {i}"} for i in range(200)],
            user_id="u", infer=False,
        )  # fmt: skip
        memory_id = added["results"][0]["id"]
        calls = [
            memory.search("fact", user_id="u", limit=3),
            memory.get(memory_id),
            memory.get_all(user_id="u"),
            memory.browse(user_id="u", limit=5),
            memory.update(memory_id, "changed"),
            memory.history(memory_id),
            memory.delete(memory_id),
            memory.delete_all(user_id="u"),
            memory.reset(),
        ]
        for pending in calls:
            await pending
        tg.cancel_scope.cancel()
    await memory.close()
    assert recording_embedder.threads and loop_thread not in recording_embedder.threads
    assert store.threads and loop_thread not in store.threads
    assert ticks > 0

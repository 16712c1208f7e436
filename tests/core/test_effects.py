"""``Gather``: a search's query embedding and keyword search run at once, in both drivers."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

from engram import AsyncMemory, Memory
from engram.core.effects import Embed, Gather, Runtime, StoreCall, run_async, run_sync
from engram.core.filters import Condition, Field
from engram.core.search import semantic_candidates
from engram.embedders.base import Vectors
from engram.embedders.onnx import OnnxEmbedder
from engram.exceptions import StoreError

SCOPE = Condition(Field("user_id"), "eq", "u")


class Meeting(OnnxEmbedder):
    """The real embedder, which embeds a query only once the keyword search has begun."""

    def __init__(self, inner: OnnxEmbedder, started: threading.Event) -> None:
        self.__dict__.update(inner.__dict__)
        self.started = started
        self.overlapped: list[bool] = []

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.overlapped.append(self.started.wait(10))
        return super().embed_queries(texts)


def gathered(failing: bool = False) -> Generator[Any, Any, tuple[Any, ...]]:
    method = "no_such_method" if failing else "keyword_search"
    result: tuple[Any, ...] = yield Gather(
        Embed(("tea",), query=True), (StoreCall(method, ("tea", SCOPE, 5)),)
    )
    return result


def led_by_a_flow() -> Generator[Any, Any, tuple[Any, ...]]:
    """A search's own Gather: the embedding and then the vector search, beside BM25."""
    result: tuple[Any, ...] = yield Gather(
        semantic_candidates("tea", SCOPE, 5), (StoreCall("keyword_search", ("tea", SCOPE, 5)),)
    )
    return result


def meeting_runtime(memory: Memory | AsyncMemory, embedder: OnnxEmbedder) -> Runtime:
    started = threading.Event()
    store = memory._runtime.store
    search = store.keyword_search

    def keyword_search(*args: Any) -> Any:
        started.set()
        return search(*args)

    store.keyword_search = keyword_search  # type: ignore[method-assign,assignment]
    return Runtime(store, Meeting(embedder, started))


def test_gather_overlaps_the_embedding_and_the_keyword_search(
    memory: Memory, embedder: OnnxEmbedder
) -> None:
    memory.add("I drink green tea", user_id="u", infer=False)
    runtime = meeting_runtime(memory, embedder)
    vectors, lexical = run_sync(gathered(), runtime)
    assert vectors.shape == (1, 384)
    assert [record.text for record, _ in lexical] == ["I drink green tea"]
    assert isinstance(runtime.embedder, Meeting) and runtime.embedder.overlapped == [True]


def test_a_flow_leads_while_the_keyword_search_runs(memory: Memory) -> None:
    """The lead flow's vector search (after its embedding) and the keyword search each wait
    for the other to begin: both meet only if they really run at once."""
    memory.add("I drink green tea", user_id="u", infer=False)
    store = memory._runtime.store
    vector_search, keyword_search = store.search, store.keyword_search
    searching, keywords = threading.Event(), threading.Event()
    met: list[bool] = []

    def search(*args: Any) -> Any:
        searching.set()
        met.append(keywords.wait(10))
        return vector_search(*args)

    def waiting_keyword_search(*args: Any) -> Any:
        keywords.set()
        met.append(searching.wait(10))
        return keyword_search(*args)

    store.search = search  # type: ignore[method-assign,assignment]
    store.keyword_search = waiting_keyword_search  # type: ignore[method-assign,assignment]
    semantic, lexical = run_sync(led_by_a_flow(), memory._runtime)
    assert met == [True, True]
    assert [r.text for r, _ in semantic] == [r.text for r, _ in lexical] == ["I drink green tea"]


@pytest.mark.anyio
async def test_a_flow_leads_on_the_event_loop(async_memory: AsyncMemory) -> None:
    await async_memory.add("I drink green tea", user_id="u", infer=False)
    semantic, lexical = await run_async(led_by_a_flow(), async_memory._runtime)
    assert [r.text for r, _ in semantic] == [r.text for r, _ in lexical] == ["I drink green tea"]


def test_gather_raises_an_effects_error_once_every_effect_is_done(
    memory: Memory, embedder: OnnxEmbedder
) -> None:
    runtime = Runtime(memory._runtime.store, embedder)
    with pytest.raises(AttributeError, match="no_such_method"):
        run_sync(gathered(failing=True), runtime)
    search = memory._runtime.store.keyword_search

    def broken(*args: Any) -> Any:
        raise StoreError("disk gone")

    memory._runtime.store.keyword_search = broken  # type: ignore[method-assign,assignment]
    with pytest.raises(StoreError, match="disk gone"):
        run_sync(gathered(), runtime)
    memory._runtime.store.keyword_search = search  # type: ignore[method-assign]
    assert run_sync(gathered(), runtime)[1] == []  # the pool still works


@pytest.mark.anyio
async def test_gather_on_the_event_loop(async_memory: AsyncMemory, embedder: OnnxEmbedder) -> None:
    await async_memory.add("I drink green tea", user_id="u", infer=False)
    runtime = meeting_runtime(async_memory, embedder)
    vectors, lexical = await run_async(gathered(), runtime)
    assert vectors.shape == (1, 384)
    assert [record.text for record, _ in lexical] == ["I drink green tea"]
    assert isinstance(runtime.embedder, Meeting) and runtime.embedder.overlapped == [True]
    with pytest.raises(AttributeError, match="no_such_method"):
        await run_async(gathered(failing=True), runtime)


def test_a_search_through_gather_finds_the_match_in_the_same_order_each_time(
    memory: Memory,
) -> None:
    memory.add(
        [{"role": "user", "content": t} for t in ("I drink green tea", "I walk my dog daily")],
        user_id="u",
        infer=False,
    )
    first = memory.search("what tea do I drink?", user_id="u")["results"]
    assert first[0]["memory"] == "I drink green tea"
    assert memory.search("what tea do I drink?", user_id="u")["results"] == first


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_searches_with_its_own_pool(memory: Memory, tmp_path: Path) -> None:
    memory.add("I drink green tea", user_id="u", infer=False)
    assert memory.search("tea", user_id="u")["results"]  # the parent's pool is running
    path = str(tmp_path / "child.db")
    pid = os.fork()
    if pid == 0:  # the child: a Memory of its own, searched through a Gather
        code = 1
        try:
            child = Memory({"vector_store": {"provider": "sqlite", "config": {"path": path}}})
            child.add("I walk my dog", user_id="u", infer=False)
            code = 0 if child.search("dog", user_id="u")["results"] else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child's search hung")

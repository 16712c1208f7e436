"""``EmbedQueue``: concurrent embedding requests share model calls, each gets its own rows."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import anyio
import anyio.lowlevel
import numpy as np
import pytest

from engram.core.embed_queue import EmbedQueue, queue_for
from engram.embedders.base import Vectors
from engram.embedders.onnx import OnnxEmbedder

pytestmark = pytest.mark.anyio


class Gated:
    """The real embedder, whose first call waits for ``open`` so that others queue up."""

    def __init__(self, embedder: OnnxEmbedder) -> None:
        self.embedder = embedder
        self.open = threading.Event()
        self.batches: list[list[str]] = []

    def __call__(self, texts: list[str]) -> Vectors:
        if not self.batches:
            self.open.wait(10)
        self.batches.append(list(texts))
        return self.embedder.embed_batch(texts)


async def test_waiting_requests_share_one_call(embedder: OnnxEmbedder) -> None:
    gated = Gated(embedder)
    queue = EmbedQueue(gated, max_texts=5)
    requests: list[Sequence[str]] = [["first"], ["a", "b"], ["c"], ["d", "e", "f"], ["g"]]
    results: dict[int, Vectors] = {}

    async def ask(i: int) -> None:
        results[i] = await queue.embed(requests[i])

    async with anyio.create_task_group() as tg:
        for i in range(len(requests)):
            tg.start_soon(ask, i)
            await anyio.sleep(0.01)
        gated.open.set()
    # The first ran alone; the next batch took what fit in 5 texts; the last came after.
    assert gated.batches == [["first"], ["a", "b", "c"], ["d", "e", "f", "g"]]
    assert (queue.calls, queue.texts) == (3, 8)
    for i, texts in enumerate(requests):
        alone = embedder.embed_batch(list(texts))
        assert results[i].shape == alone.shape
        assert np.allclose(results[i], alone, atol=1e-5)


async def test_an_error_reaches_every_request_of_its_batch() -> None:
    calls = 0
    gate = threading.Event()

    def failing(texts: list[str]) -> Vectors:
        nonlocal calls
        calls += 1
        if calls == 1:
            gate.wait(10)
            return np.zeros((len(texts), 2), dtype=np.float32)
        raise RuntimeError("model crashed")

    queue = EmbedQueue(failing)
    outcomes: list[str] = []

    async def ask(text: str) -> None:
        try:
            await queue.embed([text])
            outcomes.append("ok")
        except RuntimeError as e:
            outcomes.append(str(e))

    async with anyio.create_task_group() as tg:
        for text in ("x", "y", "z"):
            tg.start_soon(ask, text)
            await anyio.sleep(0.01)
        gate.set()
    assert sorted(outcomes) == ["model crashed", "model crashed", "ok"]
    assert await EmbedQueue(lambda t: np.ones((len(t), 2), np.float32)).embed(["w"]) is not None


async def test_one_queue_per_event_loop(embedder: OnnxEmbedder) -> None:
    queues: dict[object, EmbedQueue] = {}
    first = queue_for(queues, embedder.embed_batch)
    assert queue_for(queues, embedder.embed_batch) is first
    queries = queue_for(queues, embedder.embed_queries, kind=True)  # queries queue apart
    assert queries is not first and queue_for(queues, embedder.embed_queries, kind=True) is queries
    queues.pop((anyio.lowlevel.current_token(), True))
    for i in range(10):  # queues of loops that ended are dropped when idle
        queues[("old", i)] = EmbedQueue(embedder.embed_batch)
    queues.pop((anyio.lowlevel.current_token(), None))
    again = queue_for(queues, embedder.embed_batch)
    assert again is not first and len(queues) == 1

"""The I/O requests core operations yield, and the drivers that carry them out.

An operation is a generator: it yields ``Embed``, ``StoreCall`` or ``Complete`` effects,
receives their results, and returns the public result. ``run_sync`` performs effects inline
(``Memory``); ``run_async`` awaits the store's async path (``Store.call_async``) and runs
embedding and LLM calls in worker threads, so the event loop never blocks
(``AsyncMemory``); concurrent ``Embed`` effects of one loop share model calls
(``embed_queue``). Both shells drive the very same generators, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread

from engram.core.embed_queue import EmbedQueue, queue_for
from engram.embedders.base import Embedder
from engram.exceptions import ConfigurationError
from engram.llms.base import LLM, Completion, CompletionRequest
from engram.stores.base import Store

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Embed:
    """Embed these texts; the result is an ``(n, dimension)`` array."""

    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoreCall:
    """Call ``Store.<method>(*args)``; the result is its return value."""

    method: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Complete:
    """Ask the configured LLM; the result is a ``Completion``.

    ``target`` ``"graph"`` asks the graph's own LLM (``graph_store.llm``) instead.
    """

    request: CompletionRequest
    target: str = "main"


Effect = Embed | StoreCall | Complete
Flow = Generator[Effect, Any, T]


class Runtime:
    """Performs effects against one store, one embedder and, optionally, one LLM."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        llm: LLM | None = None,
        graph_llm: LLM | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.llm = llm
        self.graph_llm = graph_llm
        self._queues: dict[object, EmbedQueue] = {}

    def embed_queue(self) -> EmbedQueue:
        """The running event loop's embedding queue."""
        return queue_for(self._queues, self.embedder.embed_batch)

    def perform(self, effect: Effect) -> Any:
        """Carry out one effect, blocking."""
        if isinstance(effect, Embed):
            return self.embedder.embed_batch(list(effect.texts))
        if isinstance(effect, Complete):
            return self.complete(effect.request, effect.target)
        return getattr(self.store, effect.method)(*effect.args)

    def complete(self, request: CompletionRequest, target: str = "main") -> Completion:
        """Ask the LLM (the core only yields ``Complete`` when one is configured)."""
        llm = self.graph_llm if target == "graph" else self.llm
        if llm is None:
            raise ConfigurationError("this operation needs an LLM", missing_field="llm")
        return llm.complete(request)


def run_sync(flow: Flow[T], runtime: Runtime) -> T:
    """Drive ``flow`` to completion in this thread."""
    try:
        effect = next(flow)
        while True:
            effect = flow.send(runtime.perform(effect))
    except StopIteration as stop:
        result: T = stop.value
        return result


async def run_async(flow: Flow[T], runtime: Runtime) -> T:
    """Drive ``flow`` to completion without blocking the event loop.

    Store calls go through ``Store.call_async`` (natively async where the store has an async
    driver, else in a worker thread); embedding (batched with the loop's other requests) and
    LLM calls run in worker threads.
    """
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, StoreCall):
                outcome = await runtime.store.call_async(effect.method, *effect.args)
            elif isinstance(effect, Embed):
                outcome = await runtime.embed_queue().embed(effect.texts)
            else:
                outcome = await anyio.to_thread.run_sync(partial(runtime.perform, effect))
            effect = flow.send(outcome)
    except StopIteration as stop:
        result: T = stop.value
        return result

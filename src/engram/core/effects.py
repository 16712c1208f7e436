"""The I/O requests core operations yield, and the drivers that carry them out.

An operation is a generator: it yields ``Embed``, ``StoreCall`` or ``Complete`` effects,
receives their results, and returns the public result. ``run_sync`` performs effects inline
(``Memory``); ``run_async`` awaits the store's async path (``Store.call_async``) and runs
embedding and LLM calls in worker threads, so the event loop never blocks
(``AsyncMemory``). Both shells drive the very same generators, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread

from engram.embedders.base import Embedder
from engram.exceptions import ConfigurationError
from engram.llms.base import LLM, Completion, CompletionRequest
from engram.stores.base import Store

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Embed:
    """Embed these texts; the result is an ``(n, dimension)`` array.

    ``query``: the texts are search queries (``Embedder.embed_queries``), not memories.
    """

    texts: tuple[str, ...]
    query: bool = False


@dataclass(frozen=True, slots=True)
class StoreCall:
    """Call ``Store.<method>(*args)``; the result is its return value."""

    method: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Complete:
    """Ask the configured LLM; the result is a ``Completion``."""

    request: CompletionRequest


Effect = Embed | StoreCall | Complete
Flow = Generator[Effect, Any, T]


class Runtime:
    """Performs effects against one store, one embedder and, optionally, one LLM."""

    def __init__(self, store: Store, embedder: Embedder, llm: LLM | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.llm = llm

    def perform(self, effect: Effect) -> Any:
        """Carry out one effect, blocking."""
        if isinstance(effect, Embed):
            if effect.query:
                return self.embedder.embed_queries(list(effect.texts))
            return self.embedder.embed_batch(list(effect.texts))
        if isinstance(effect, Complete):
            return self.complete(effect.request)
        return getattr(self.store, effect.method)(*effect.args)

    def complete(self, request: CompletionRequest) -> Completion:
        """Ask the LLM (the core only yields ``Complete`` when one is configured)."""
        if self.llm is None:
            raise ConfigurationError("this operation needs an LLM", missing_field="llm")
        return self.llm.complete(request)


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
    driver, else in a worker thread); embedding and LLM calls run in worker threads.
    """
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, StoreCall):
                outcome = await runtime.store.call_async(effect.method, *effect.args)
            else:
                outcome = await anyio.to_thread.run_sync(partial(runtime.perform, effect))
            effect = flow.send(outcome)
    except StopIteration as stop:
        result: T = stop.value
        return result

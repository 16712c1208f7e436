"""The I/O requests core operations yield, and the drivers that carry them out.

An operation is a generator: it yields ``Embed``, ``StoreCall`` or ``Complete`` effects
(or a ``Gather`` of independent ones, carried out at once), receives their results, and
returns the public result. ``run_sync`` performs effects inline
(``Memory``); ``run_async`` awaits the store's async path (``Store.call_async``) and runs
embedding and LLM calls in worker threads, so the event loop never blocks
(``AsyncMemory``); concurrent ``Embed`` effects of one loop share model calls
(``embed_queue``). Both shells drive the very same generators, so they cannot drift apart.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from engram.embedders.base import Embedder
from engram.exceptions import ConfigurationError, EngramError, ProviderError
from engram.llms.base import LLM, Completion, CompletionRequest
from engram.stores.base import Store

if TYPE_CHECKING:
    from engram.core.embed_queue import EmbedQueue

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
    """Ask the configured LLM; the result is a ``Completion``. ``rerank``: ask the reranker's
    own LLM when it has one (else the Memory's); ``graph``: the graph's own LLM
    (``graph_store.llm``) when it has one."""

    request: CompletionRequest
    rerank: bool = False
    graph: bool = False


@dataclass(frozen=True, slots=True)
class Gather:
    """Carry out ``lead`` and, at the same time, the ``beside`` effects, which need nothing
    from it; the result is ``(lead's result, *beside's results)``.

    ``lead`` is one effect or a flow of its own, carried out step by step (a search embeds
    its query and then reads the semantic candidates while its keyword search runs beside:
    onnxruntime and SQLite both leave the GIL while they work). ``beside`` holds single
    effects only, so that a Gather never waits on another.
    """

    lead: Embed | StoreCall | Generator[Any, Any, Any]
    beside: tuple[Embed | StoreCall, ...]


Effect = Embed | StoreCall | Complete | Gather
Flow = Generator[Effect, Any, T]

#: Threads that carry out a ``Gather``'s other effects (shared by every Runtime; a search
#: uses one at a time).
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="engram-gather")
        return _POOL


def _forget_pool() -> None:
    """In a forked child: the parent's pool threads do not exist there, so a new pool (and a
    new lock, which the parent may have held) is made on first use."""
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


class Runtime:
    """Performs effects against one store, one embedder and, optionally, one LLM."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        llm: LLM | None = None,
        rerank_llm: LLM | None = None,
        graph_llm: LLM | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.llm = llm
        self.rerank_llm = rerank_llm
        self.graph_llm = graph_llm
        self._queues: dict[object, EmbedQueue] = {}

    def embed_queue(self, query: bool = False) -> EmbedQueue:
        """The running event loop's embedding queue, for memories or for search queries
        (anyio is imported here: the sync shells never need it)."""
        from engram.core.embed_queue import queue_for

        embed = self.embedder.embed_queries if query else self.embedder.embed_batch
        return queue_for(self._queues, embed, kind=query)

    def perform(self, effect: Effect) -> Any:
        """Carry out one effect, blocking."""
        if isinstance(effect, Gather):
            return self.gather(effect)
        if isinstance(effect, Embed):
            if effect.query:
                return self.embedder.embed_queries(list(effect.texts))
            return self.embedder.embed_batch(list(effect.texts))
        if isinstance(effect, Complete):
            return self.complete(effect.request, rerank=effect.rerank, graph=effect.graph)
        return getattr(self.store, effect.method)(*effect.args)

    def gather(self, gather: Gather) -> tuple[Any, ...]:
        """Carry out a ``Gather``: its lead in this thread, the others in the pool; every
        one is finished before this returns or raises (the first error raised)."""
        others = [_pool().submit(self.perform, e) for e in gather.beside]
        try:
            lead = gather.lead
            first = run_sync(lead, self) if isinstance(lead, Generator) else self.perform(lead)
        finally:
            done = [f.exception() for f in others]  # waits for each
        for error in done:
            if error is not None:
                raise error
        return (first, *(f.result() for f in others))

    def complete(
        self, request: CompletionRequest, *, rerank: bool = False, graph: bool = False
    ) -> Completion:
        """Ask the LLM (the core only yields ``Complete`` when one is configured)."""
        llm = self.llm
        if rerank:
            llm = self.rerank_llm or self.llm
        elif graph:
            llm = self.graph_llm or self.llm
        if llm is None:
            raise ConfigurationError("this operation needs an LLM", missing_field="llm")
        try:
            return llm.complete(request)
        except EngramError:
            raise
        except Exception as e:  # a provider of the caller's own, or an SDK's error
            raise ProviderError(
                f"the LLM failed: {type(e).__name__}: {e}",
                error_code="llm_failed",
                suggestion="nothing was written; the cause is chained to this error",
            ) from e


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
    import anyio.to_thread  # here: the sync shells never need anyio

    try:
        effect = next(flow)
        while True:
            if isinstance(effect, StoreCall | Embed):
                outcome = await _perform_async(effect, runtime)
            elif isinstance(effect, Gather):
                outcome = await _gather_async(effect, runtime)
            else:
                outcome = await anyio.to_thread.run_sync(partial(runtime.perform, effect))
            effect = flow.send(outcome)
    except StopIteration as stop:
        result: T = stop.value
        return result


async def _perform_async(effect: StoreCall | Embed, runtime: Runtime) -> Any:
    if isinstance(effect, StoreCall):
        return await runtime.store.call_async(effect.method, *effect.args)
    return await runtime.embed_queue(effect.query).embed(effect.texts)


async def _gather_async(gather: Gather, runtime: Runtime) -> tuple[Any, ...]:
    """``Gather`` on the event loop: the lead and each other effect in a task of its own,
    the first error raised once all are finished."""
    import anyio

    parts: list[Any] = [gather.lead, *gather.beside]
    results: list[Any] = [None] * len(parts)
    errors: list[BaseException | None] = [None] * len(parts)

    async def one(i: int) -> None:
        part = parts[i]
        try:
            if isinstance(part, Generator):
                results[i] = await run_async(part, runtime)
            else:
                results[i] = await _perform_async(part, runtime)
        except Exception as e:  # kept, so that the others finish too
            errors[i] = e

    async with anyio.create_task_group() as group:
        for i in range(len(parts)):
            group.start_soon(one, i)
    for error in errors:
        if error is not None:
            raise error
    return tuple(results)

"""The I/O requests core operations yield, and the drivers that carry them out.

An operation is a generator: it yields ``Embed`` or ``StoreCall`` effects, receives their
results, and returns the public result. ``run_sync`` performs effects inline (``Memory``);
``run_async`` performs them in a worker thread so the event loop never blocks (``AsyncMemory``).
Both shells drive the very same generators, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread

from engram.embedders.base import Embedder
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


Effect = Embed | StoreCall
Flow = Generator[Effect, Any, T]


class Runtime:
    """Performs effects against one store and one embedder."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    def perform(self, effect: Effect) -> Any:
        """Carry out one effect, blocking."""
        if isinstance(effect, Embed):
            return self.embedder.embed_batch(list(effect.texts))
        return getattr(self.store, effect.method)(*effect.args)


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
    """Drive ``flow`` to completion, doing each effect in a worker thread."""
    try:
        effect = next(flow)
        while True:
            outcome = await anyio.to_thread.run_sync(partial(runtime.perform, effect))
            effect = flow.send(outcome)
    except StopIteration as stop:
        result: T = stop.value
        return result

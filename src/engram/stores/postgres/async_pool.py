"""The ``postgres`` store's async connection pools, one per event loop.

psycopg's ``AsyncConnectionPool`` lives on the event loop that opened it: its connections
wait on that loop and its workers are that loop's tasks. An application normally runs one
loop, but a store may serve several (threads with their own loops) or outlive one
(``asyncio.run`` called twice), so each loop gets its own pool, opened on first use. A pool
whose loop has ended cannot be closed through its own API; its connections are closed
directly (each was recorded when made), so no server connection leaks.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engram.stores.postgres.rows import register_adapters_async

if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool

__all__ = ["LoopPool"]


class LoopPool:
    """An ``AsyncConnectionPool`` per running event loop."""

    def __init__(self, make: Callable[[Any], AsyncConnectionPool[Any]]) -> None:
        """``make(configure)`` builds an unopened pool that awaits ``configure(conn)`` on each
        new connection."""
        self._make = make
        self._pools: dict[asyncio.AbstractEventLoop, _Entry] = {}
        self._guard = threading.Lock()
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    async def get(self) -> AsyncConnectionPool[Any]:
        """The running loop's pool, opened on first use."""
        loop = asyncio.get_running_loop()
        entry = self._pools.get(loop)
        if entry is not None:
            return entry.pool
        async with self._lock(loop):
            entry = self._pools.get(loop)
            if entry is None:
                self._drop_ended()
                entry = _Entry(self._make)
                await entry.pool.open()
                with self._guard:
                    self._pools[loop] = entry
            return entry.pool

    async def close(self) -> None:
        """Close every pool: the running loop's through its API, the others as they allow."""
        loop = asyncio.get_running_loop()
        with self._guard:
            entry = self._pools.pop(loop, None)
        if entry is not None:
            await entry.pool.close()
        self.close_blocking()

    def close_blocking(self) -> None:
        """Close every pool from synchronous code: on its loop if that runs in another
        thread, else by closing its connections."""
        with self._guard:
            entries, self._pools = self._pools, {}
        for loop, entry in entries.items():
            if loop.is_running() and not _runs(loop):
                asyncio.run_coroutine_threadsafe(entry.pool.close(), loop).result()
            else:
                entry.drop()

    def _drop_ended(self) -> None:
        """Forget the pools of loops that have closed, closing their connections."""
        with self._guard:
            ended = [loop for loop in self._pools if loop.is_closed()]
            entries = [self._pools.pop(loop) for loop in ended]
        for entry in entries:
            entry.drop()

    def _lock(self, loop: asyncio.AbstractEventLoop) -> asyncio.Lock:
        with self._guard:
            lock = self._locks.get(loop)
            if lock is None:
                lock = self._locks[loop] = asyncio.Lock()
            return lock


class _Entry:
    """One loop's pool and the connections it has made."""

    def __init__(self, make: Callable[[Any], AsyncConnectionPool[Any]]) -> None:
        self.connections: weakref.WeakSet[AsyncConnection[Any]] = weakref.WeakSet()
        self.pool = make(self.configure)

    async def configure(self, conn: AsyncConnection[Any]) -> None:
        self.connections.add(conn)
        await register_adapters_async(conn)

    def drop(self) -> None:
        """Close the connections directly: the pool's loop has ended and its API with it."""
        for conn in list(self.connections):
            conn.pgconn.finish()


def _runs(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether this thread is running ``loop``."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False

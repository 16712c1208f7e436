"""``add(idempotency_key=...)``: a retry after a timeout, a cancellation or a lost connection
never stores anything twice, on SQLite and on PostgreSQL, from Memory and AsyncMemory."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from engram import AsyncMemory, Memory, ValidationError
from engram.embedders.onnx import OnnxEmbedder
from tests.conftest import store_config


def test_a_retry_returns_the_first_result_and_writes_nothing(memory: Memory) -> None:
    first = memory.add("I moved to Lisbon in May.", user_id="u", infer=False, idempotency_key="k1")
    again = memory.add("I moved to Lisbon in May.", user_id="u", infer=False, idempotency_key="k1")
    assert again == first and len(memory.get_all(user_id="u")["results"]) == 1
    [item] = first["results"]
    assert [h["event"] for h in memory.history(item["id"])] == ["ADD"]


def test_the_offline_extractor_path_replays_its_none_events(memory: Memory) -> None:
    memory.add("I love hiking in the Alps.", user_id="u")
    text = "I love hiking in the Alps. My sister lives in Porto."
    first = memory.add(text, user_id="u", idempotency_key="k")
    assert sorted(r["event"] for r in first["results"]) == ["ADD", "NONE"]
    assert memory.add(text, user_id="u", idempotency_key="k") == first
    assert len(memory.get_all(user_id="u")["results"]) == 2


def test_a_key_names_one_request(memory: Memory) -> None:
    memory.add("first request", user_id="u", infer=False, idempotency_key="k")
    for changed in (
        {"messages": "another request"},
        {"metadata": {"a": 1}},
        {"infer": True},
        {"timestamp": "2024-01-01"},
    ):
        call: dict[str, Any] = {"messages": "first request", "infer": False, **changed}
        with pytest.raises(ValidationError, match="different request") as info:
            memory.add(**call, user_id="u", idempotency_key="k")
        assert info.value.field == "idempotency_key"
    assert len(memory.get_all(user_id="u")["results"]) == 1


def test_keys_belong_to_their_scope(memory: Memory) -> None:
    memory.add("same words", user_id="alice", infer=False, idempotency_key="k")
    memory.add("other words", user_id="bob", infer=False, idempotency_key="k")
    assert len(memory.get_all(user_id="bob")["results"]) == 1


@pytest.mark.parametrize("key", ["", "  ", 7, "x" * 300, "bad\ud800"])
def test_bad_keys_are_validation_errors(memory: Memory, key: Any) -> None:
    with pytest.raises(ValidationError) as info:
        memory.add("text", user_id="u", infer=False, idempotency_key=key)
    assert info.value.field == "idempotency_key"


@pytest.fixture(params=["sqlite", "postgres"])
def async_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """An AsyncMemory config on a fresh SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        yield store_config(tmp_path / "cancel.db")
        return
    import psycopg

    dsn = request.getfixturevalue("postgres_dsn")
    schema = f"cancel_{uuid.uuid4().hex[:12]}"
    yield {"vector_store": {"provider": "postgres", "config": {"dsn": dsn, "schema_name": schema}}}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


TRIALS = 24


@pytest.mark.anyio
async def test_cancelled_adds_retried_with_their_key_never_duplicate(
    async_config: dict[str, Any], embedder: OnnxEmbedder
) -> None:
    """Each trial cancels an add after a random delay (before, during or after its commit),
    then retries it with the same key: every trial ends with its memories stored once."""
    memory = AsyncMemory(async_config, embedder=embedder)
    rng = random.Random(12)
    committed_before_retry = 0
    try:
        for trial in range(TRIALS):
            messages = [
                {"role": "user", "content": f"trial {trial} fact {i}: I own {i} bikes"}
                for i in range(3)
            ]
            key = f"trial-{trial}"
            with anyio.move_on_after(rng.uniform(0.0, 0.05)):
                await memory.add(messages, user_id=f"t{trial}", infer=False, idempotency_key=key)
            await anyio.sleep(0.05)  # a write the caller gave up on may still be committing
            stored = await memory.get_all(user_id=f"t{trial}")
            committed_before_retry += bool(stored["results"])
            result = await memory.add(
                messages, user_id=f"t{trial}", infer=False, idempotency_key=key
            )
            listed = await memory.get_all(user_id=f"t{trial}")
            assert len(listed["results"]) == 3, f"trial {trial}"
            assert sorted(r["id"] for r in result["results"]) == sorted(
                r["id"] for r in listed["results"]
            )
    finally:
        await memory.close()
    # Some cancellations came before the commit. On SQLite some came while the worker thread
    # committed, which finished anyway; PostgreSQL's async driver rolls a cancelled
    # transaction back, so there a cancelled add almost never commits.
    assert committed_before_retry < TRIALS
    if "path" in async_config["vector_store"]["config"]:
        assert committed_before_retry > 0


def test_a_retry_with_graph_memory_replays_the_relations_too(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    config = {**store_config(tmp_path / "graph.db"), "graph_store": {"provider": "sqlite"}}
    messages = [{"role": "user", "content": "My sister Ana moved to Lisbon.", "name": "Maya"}]
    with Memory(config, embedder=embedder) as memory:
        first = memory.add(messages, user_id="maya", idempotency_key="k")
        assert first["relations"]["added_entities"], first
        relations = memory.graph.relations("Ana", user_id="maya")
        again = memory.add(messages, user_id="maya", idempotency_key="k")
        assert again == first
        assert memory.graph.relations("Ana", user_id="maya") == relations

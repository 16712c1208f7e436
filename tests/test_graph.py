"""Graph memory through the public API, offline: config, shapes, search, time, provenance,
the read API on Memory and AsyncMemory, and concurrent writers."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from engram import AsyncMemory, ConfigurationError, Memory, ValidationError
from engram.embedders.onnx import OnnxEmbedder
from engram.graph_api import AsyncGraphView, GraphView
from tests.conftest import store_config

MAYA = [{"role": "user", "content": "My sister Ana moved to Lisbon. She works at Feedzai.",
         "name": "Maya"}]  # fmt: skip


def graph_config(path: Path, **block: Any) -> dict[str, Any]:
    return {**store_config(path), "graph_store": {"provider": "sqlite", **block}}


@pytest.fixture
def graph_memory(db_path: Path, embedder: OnnxEmbedder) -> Iterator[Memory]:
    m = Memory(graph_config(db_path), embedder=embedder)
    yield m
    m.close()


def triples(rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(r["source"], r["relationship"], r["destination"]) for r in rows}


def test_add_returns_mem0_shaped_relations(graph_memory: Memory) -> None:
    result = graph_memory.add(MAYA, user_id="maya")
    added = result["relations"]["added_entities"]
    assert all(isinstance(group, list) and len(group) == 1 for group in added)
    rows = [group[0] for group in added]
    assert triples(rows) == {
        ("ana", "sister_of", "maya"),
        ("ana", "lives_in", "lisbon"),
        ("ana", "works_at", "feedzai"),
    }
    for row in rows:
        assert row["target"] == row["destination"] and row["user_id"] == "maya"
        assert row["invalid_at"] is None and row["valid_at"] and row["memory_ids"]
    assert result["relations"]["deleted_entities"] == []
    memories = {r["memory"]: r["id"] for r in result["results"]}
    works = next(r for r in rows if r["relationship"] == "works_at")
    assert works["memory_ids"] == [memories["Maya: She works at Feedzai."]]


def test_search_follows_the_graph_and_explains_it(graph_memory: Memory) -> None:
    graph_memory.add(MAYA, user_id="maya")
    graph_memory.add("I like tea and I visited Rome.", user_id="maya", infer=False)
    found = graph_memory.search("where does Maya's sister work?", user_id="maya", explain=True)
    parts = {r["memory"]: r["score_parts"]["graph"] for r in found["results"]}
    assert max(parts, key=lambda memory: parts[memory]) == "Maya: She works at Feedzai."
    assert parts["Maya: She works at Feedzai."] > 0 and parts["I like tea and I visited Rome."] == 0
    assert "Maya: She works at Feedzai." in [r["memory"] for r in found["results"][:2]]
    top = found["relations"][0]
    assert (top["source"], top["relationship"], top["destination"]) == (
        "ana",
        "works_at",
        "feedzai",
    )
    assert top["target"] == "feedzai" and 0 < top["score"] <= 1
    assert [r["score"] for r in found["relations"]] == sorted(
        (r["score"] for r in found["relations"]), reverse=True
    )


def test_get_all_lists_the_relations_with_target(graph_memory: Memory) -> None:
    graph_memory.add(MAYA, user_id="maya")
    rows = graph_memory.get_all(user_id="maya")["relations"]
    assert len(rows) == 3 and all(r["target"] == r["destination"] for r in rows)
    assert graph_memory.get_all(user_id="other")["relations"] == []


def test_a_move_invalidates_and_as_of_reads_the_past(graph_memory: Memory) -> None:
    graph_memory.add(MAYA, user_id="maya", timestamp="2024-01-01")
    moved = graph_memory.add(
        [{"role": "user", "content": "Ana moved to Porto.", "name": "Maya"}],
        user_id="maya",
        timestamp="2025-03-01",
    )
    [[closed]] = moved["relations"]["deleted_entities"]
    assert (closed["destination"], closed["invalid_at"][:10]) == ("lisbon", "2025-03-01")
    now = graph_memory.graph.relations("Ana", user_id="maya")
    then = graph_memory.graph.relations("Ana", user_id="maya", as_of="2024-06-01")
    assert ("ana", "lives_in", "porto") in triples(now)
    assert ("ana", "lives_in", "lisbon") not in triples(now)
    assert ("ana", "lives_in", "lisbon") in triples(then)
    assert ("ana", "lives_in", "porto") not in triples(then)
    # An older statement added late does not undo the newer one: it is recorded as over.
    late = graph_memory.add(
        [{"role": "user", "content": "Ana moved to Braga.", "name": "Maya"}],
        user_id="maya",
        timestamp="2024-09-01",
    )
    assert late["relations"]["added_entities"] == []
    assert ("ana", "lives_in", "porto") in triples(
        graph_memory.graph.relations("ana", user_id="maya")
    )
    braga = graph_memory.graph.relations("ana", user_id="maya", as_of="2024-10-01")
    assert ("ana", "lives_in", "braga") in triples(braga)


def test_read_api_hops_and_entities(graph_memory: Memory) -> None:
    graph_memory.add(MAYA, user_id="maya")
    entities = graph_memory.graph.entities(user_id="maya")
    assert {(e["name"], e["type"]) for e in entities} == {
        ("maya", "person"),
        ("ana", "person"),
        ("lisbon", "place"),
        ("feedzai", "organization"),
    }
    one = graph_memory.graph.relations("Maya", user_id="maya")
    two = graph_memory.graph.relations("Maya", user_id="maya", hops=2)
    assert triples(one) == {("ana", "sister_of", "maya")}
    assert {r["hop"] for r in two} == {1, 2} and len(two) == 3
    assert graph_memory.graph.relations("nobody", user_id="maya") == []
    with pytest.raises(ValidationError, match="hops"):
        graph_memory.graph.relations("ana", user_id="maya", hops=0)
    with pytest.raises(ValidationError):
        graph_memory.graph.entities()


def test_delete_update_delete_all_and_reset_keep_the_graph_a_view(graph_memory: Memory) -> None:
    result = graph_memory.add(MAYA, user_id="maya")
    ids = {r["memory"]: r["id"] for r in result["results"]}
    graph_memory.delete(ids["Maya: She works at Feedzai."])
    assert triples(graph_memory.graph.relations(user_id="maya")) == {
        ("ana", "sister_of", "maya"),
        ("ana", "lives_in", "lisbon"),
    }
    assert "feedzai" not in {e["name"] for e in graph_memory.graph.entities(user_id="maya")}
    graph_memory.update(ids["Maya: My sister Ana moved to Lisbon."], "Maya: I visited Rome.")
    assert triples(graph_memory.graph.relations(user_id="maya")) == {("maya", "visited", "rome")}
    graph_memory.add("I like tea.", user_id="bob", infer=False)
    graph_memory.delete_all(user_id="maya")
    assert graph_memory.graph.entities(user_id="maya") == []
    assert graph_memory.graph.relations(user_id="bob")
    graph_memory.reset()
    assert graph_memory.graph.relations(user_id="bob") == []


def test_without_a_graph_store_nothing_changes(memory: Memory) -> None:
    result = memory.add(MAYA, user_id="maya")
    assert result["relations"] == []
    found = memory.search("where does Ana work?", user_id="maya", explain=True)
    assert found["relations"] == [] and "graph" not in found["results"][0]["score_parts"]
    assert memory.get_all(user_id="maya")["relations"] == []
    with pytest.raises(ConfigurationError, match="graph memory is off"):
        memory.graph.entities(user_id="maya")


def test_enable_graph_switches_it(db_path: Path, embedder: OnnxEmbedder) -> None:
    on = Memory({**store_config(db_path), "enable_graph": True}, embedder=embedder)
    assert on.add(MAYA, user_id="maya")["relations"]["added_entities"]
    on.close()
    off = Memory({**graph_config(db_path), "enable_graph": False}, embedder=embedder)
    assert off.add("I like tea", user_id="maya")["relations"] == []
    off.close()


@pytest.mark.parametrize("provider", ["neo4j", "memgraph", "kuzu", "neptune", "apache_age"])
def test_mem0_graph_databases_are_refused_with_the_reason(provider: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        Memory.from_config({"graph_store": {"provider": provider, "config": {"url": "x"}}})
    assert "one transaction" in err.value.message
    assert err.value.suggestion is not None and '"sqlite"' in err.value.suggestion
    assert err.value.details["allowed"] == ["postgres", "sqlite"]


def test_the_graph_store_must_live_in_the_vector_store(db_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="postgres vector store"):
        Memory.from_config(graph_config(db_path) | {"graph_store": {"provider": "postgres"}})


def test_mem0_block_keys_are_accepted(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = Memory(
        graph_config(db_path, threshold=0.99, custom_prompt="People only.", config={"hops": 1}),
        embedder=embedder,
    )
    assert m._ops.graph is not None
    assert (m._ops.graph.threshold, m._ops.graph.custom_prompt, m._ops.graph.hops) == (
        0.99,
        "People only.",
        1,
    )
    m.close()
    inner = Memory(graph_config(db_path, config={"threshold": 0.5}), embedder=embedder)
    assert inner._ops.graph is not None and inner._ops.graph.threshold == 0.5
    inner.close()
    with pytest.raises(ConfigurationError, match="threshold"):
        Memory.from_config(graph_config(db_path, threshold=2))


def test_similar_names_make_one_entity(graph_memory: Memory) -> None:
    graph_memory.add("I have a dog.", user_id="maya", infer=False)
    graph_memory.add("I love dogs.", user_id="maya", infer=False)
    names = [e["name"] for e in graph_memory.graph.entities(user_id="maya")]
    assert sorted(names) == ["dog", "maya"]
    assert triples(graph_memory.graph.relations(user_id="maya")) == {
        ("maya", "owns", "dog"),
        ("maya", "likes", "dog"),
    }


def test_concurrent_writers_make_no_duplicates(graph_memory: Memory) -> None:
    barrier = threading.Barrier(8)

    def writer(i: int) -> None:
        barrier.wait()
        for j in range(3):
            graph_memory.add(
                [{"role": "user", "content": f"My sister Ana works at Feedzai. I met Bob {i}-{j}.",
                  "name": "Maya"}],
                user_id="maya",
            )  # fmt: skip

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    names = [e["name"] for e in graph_memory.graph.entities(user_id="maya", limit=1000)]
    assert len(names) == len(set(names))
    rows = graph_memory.graph.relations(user_id="maya", limit=1000)
    keys = [(r["source"], r["relationship"], r["destination"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert ("ana", "works_at", "feedzai") in keys


def test_async_graph_view_mirrors_the_sync_one() -> None:
    for name in ("entities", "relations"):
        sync, other = getattr(GraphView, name), getattr(AsyncGraphView, name)
        assert inspect.signature(sync) == inspect.signature(other)
        assert inspect.iscoroutinefunction(other)


@pytest.mark.anyio
async def test_async_memory_reads_the_same_graph(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    path = tmp_path / "parity.db"
    m = AsyncMemory(graph_config(path), embedder=embedder)
    result = await m.add(MAYA, user_id="maya")
    assert len(result["relations"]["added_entities"]) == 3
    rows = await m.graph.relations("maya", user_id="maya", hops=2)
    assert triples(rows) == {
        ("ana", "sister_of", "maya"),
        ("ana", "lives_in", "lisbon"),
        ("ana", "works_at", "feedzai"),
    }
    assert len(await m.graph.entities(user_id="maya")) == 4
    await m.close()
    sync = Memory(graph_config(path), embedder=embedder)
    assert triples(sync.graph.relations("maya", user_id="maya", hops=2)) == triples(rows)
    sync.close()


def test_an_add_that_stores_nothing_still_has_the_graph_shape(graph_memory: Memory) -> None:
    empty: dict[str, list[Any]] = {"added_entities": [], "deleted_entities": []}
    assert graph_memory.add("Hi!", user_id="maya")["relations"] == empty
    assert (
        graph_memory.add([{"role": "system", "content": "x"}], user_id="maya", infer=False)[
            "relations"
        ]
        == empty
    )

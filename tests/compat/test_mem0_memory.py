"""mem0's tests of its public behaviour from ``tests/test_memory.py``, ported to engram.

mem0 is Apache-2.0 (see NOTICE.md). Selection and porting as ``tests/compat/NOTICE.md`` says: the
tests whose assertions are about what ``Memory`` / ``AsyncMemory`` return, store or raise; imports
renamed; where mem0 mocked its vector store or LLM, the same data goes in through the public API
(``add(..., infer=False)`` for a payload handed to a mocked store, engram's scripted LLM for a
mocked LLM) and the assertions read it back through the public API instead of a mock's call
arguments; ``pytest.mark.asyncio`` is ``anyio``. Each docstring says what changed. Where engram
differs from mem0 on purpose, the test is ``xfail`` (strict) with the reason.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engram import AsyncMemory, Memory
from tests.compat.conftest import BOTH, V2, LLMMemory, first_id, mem0
from tests.conftest import found

# -- tests/test_memory.py ----------------------------------------------------------------------


@mem0(V2)
def test_search_explain_includes_score_details(memory: Memory) -> None:
    """test_search_explain_includes_score_details. Ported: a real memory and search instead of
    mocked semantic (0.8) and BM25 (5.0) hits, so the semantic score is checked to be a
    cosine, not to equal the mock's 0.8."""
    memory.add("content of a test query", user_id="test", infer=False)
    result = memory.search("test query", filters={"user_id": "test"}, explain=True)
    details = result["results"][0]["score_details"]
    assert 0 < details["semantic_score"] <= 1
    assert details["bm25_score"] > 0
    assert details["entity_boost"] == 0.0
    assert details["final_score"] == result["results"][0]["score"]
    assert details["threshold"] == 0.1


@mem0(V2)
@pytest.mark.xfail(strict=True, reason="mem0 2.x's attributed_to has no counterpart: engram keeps "
                   "who said a memory as actor_id (the message's name)")  # fmt: skip
def test_read_apis_surface_attributed_to(llm_memory: LLMMemory) -> None:
    """test_read_apis_surface_attributed_to. Ported: the scripted LLM returns mem0 2.x's
    additive answer with attributed_to."""
    answer = json.dumps({"memory": [{"text": "Likes tea", "attributed_to": "assistant"}]})
    m = llm_memory(answer)
    added = m.add([{"role": "user", "content": "I like tea"}], user_id="u")
    assert found(m.get(first_id(added)))["attributed_to"] == "assistant"


@mem0(*BOTH)
def test_add_infer_with_malformed_llm_facts(llm_memory: LLMMemory) -> None:
    """test_add_infer_with_malformed_llm_facts. Ported: the scripted LLM answers with fact
    objects instead of a MagicMock; the memories are read back with get_all()."""
    malformed = json.dumps(
        {"facts": [{"fact": "User likes Python"}, {"text": "User is a developer"}]}
    )
    m = llm_memory(malformed)
    m.add([{"role": "user", "content": "I like Python and I'm a developer"}], user_id="test_user")
    stored = sorted(r["memory"] for r in m.get_all(user_id="test_user")["results"])
    assert stored == ["User is a developer", "User likes Python"]


@mem0(*BOTH)
def test_delete_nonexistent_memory_raises_error(memory: Memory) -> None:
    """test_delete_nonexistent_memory_raises_error. Ported: a real empty store."""
    with pytest.raises(ValueError, match="Memory with id non-existent-id not found"):
        memory.delete("non-existent-id")


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_delete_nonexistent_memory_raises_error(async_memory: AsyncMemory) -> None:
    """test_async_delete_nonexistent_memory_raises_error. Ported: a real empty store."""
    with pytest.raises(ValueError, match="Memory with id non-existent-id not found"):
        await async_memory.delete("non-existent-id")


@mem0(*BOTH)
def test_update_nonexistent_memory_raises_error(memory: Memory) -> None:
    """test_update_nonexistent_memory_raises_error. Ported: a real empty store."""
    with pytest.raises(ValueError, match="Memory with id non-existent-id not found"):
        memory.update("non-existent-id", "new data")


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_update_nonexistent_memory_raises_error(async_memory: AsyncMemory) -> None:
    """test_async_update_nonexistent_memory_raises_error. Ported: a real empty store."""
    with pytest.raises(ValueError, match="Memory with id non-existent-id not found"):
        await async_memory.update("non-existent-id", "new data")


@mem0(*BOTH)
def test_delete_memory_history_has_timestamps(memory: Memory) -> None:
    """test_delete_memory_history_has_timestamps. Ported: the history rows are read with
    history() instead of the mocked database's calls."""
    memory_id = first_id(memory.add("to delete", user_id="u", infer=False))
    memory.delete(memory_id)
    row = memory.history(memory_id)[-1]
    assert row["event"] == "DELETE"
    assert row["created_at"] is not None and row["updated_at"] is not None
    assert row["is_deleted"]


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_delete_memory_history_has_timestamps(async_memory: AsyncMemory) -> None:
    """test_async_delete_memory_history_has_timestamps. Ported as the sync test."""
    memory_id = first_id(await async_memory.add("to delete", user_id="u", infer=False))
    await async_memory.delete(memory_id)
    row = (await async_memory.history(memory_id))[-1]
    assert row["event"] == "DELETE" and row["created_at"] and row["updated_at"]


# TestProcessMetadataFiltersMerge: mem0 tests how its private _process_metadata_filters merges
# several operators on one key; ported to what that merge is for: searches with such filters
# select the right memories.


def _rated(memory: Memory) -> None:
    for rating, category in ((1, "a"), (3, "a"), (5, "b"), (7, "b"), (9, "c")):
        memory.add(
            f"item rated {rating}",
            user_id="u",
            infer=False,
            metadata={"rating": rating, "category": category},
        )


def _ratings(result: dict[str, Any]) -> list[int]:
    return sorted(r["metadata"]["rating"] for r in result["results"])


@mem0(*BOTH)
def test_multiple_operators_same_key_merged(memory: Memory) -> None:
    """TestProcessMetadataFiltersMerge::test_multiple_operators_same_key_merged."""
    _rated(memory)
    assert _ratings(memory.get_all(user_id="u", filters={"rating": {"gte": 3, "lte": 7}})) == [
        3,
        5,
        7,
    ]


@mem0(*BOTH)
def test_single_operator_still_works(memory: Memory) -> None:
    """TestProcessMetadataFiltersMerge::test_single_operator_still_works."""
    _rated(memory)
    assert _ratings(memory.get_all(user_id="u", filters={"rating": {"gt": 5}})) == [7, 9]


@mem0(*BOTH)
def test_multiple_keys_with_multiple_operators(memory: Memory) -> None:
    """TestProcessMetadataFiltersMerge::test_multiple_keys_with_multiple_operators."""
    _rated(memory)
    filters = {"rating": {"gte": 3, "lte": 9}, "category": {"in": ["a", "b"]}}
    assert _ratings(memory.get_all(user_id="u", filters=filters)) == [3, 5, 7]


@mem0(V2)
def test_and_same_key_different_operators_merged(memory: Memory) -> None:
    """TestProcessMetadataFiltersMerge::test_and_same_key_different_operators_merged."""
    _rated(memory)
    filters = {"AND": [{"rating": {"gte": 3}}, {"rating": {"lte": 7}}]}
    assert _ratings(memory.get_all(filters={"user_id": "u", **filters})) == [3, 5, 7]


@mem0(V2)
def test_and_same_key_three_operators_merged(memory: Memory) -> None:
    """TestProcessMetadataFiltersMerge::test_and_same_key_three_operators_merged."""
    _rated(memory)
    filters = {"AND": [{"rating": {"gte": 3}}, {"rating": {"lte": 7}}, {"rating": {"ne": 5}}]}
    assert _ratings(memory.get_all(filters={"user_id": "u", **filters})) == [3, 7]


@mem0(V2)
def test_and_mixed_keys_with_same_key_overlap(memory: Memory) -> None:
    """TestProcessMetadataFiltersMerge::test_and_mixed_keys_with_same_key_overlap."""
    _rated(memory)
    filters = {"AND": [{"rating": {"gte": 3}}, {"category": "b"}, {"rating": {"lt": 7}}]}
    assert _ratings(memory.get_all(filters={"user_id": "u", **filters})) == [5]


@mem0(V2)
def test_and_simple_equality_no_merge(memory: Memory) -> None:
    """TestProcessMetadataFiltersMerge::test_and_simple_equality_no_merge."""
    _rated(memory)
    filters = {"AND": [{"category": "a"}, {"rating": 3}]}
    assert _ratings(memory.get_all(filters={"user_id": "u", **filters})) == [3]


@mem0(V2)
@pytest.mark.xfail(
    strict=True,
    reason="engram takes both call styles: top-level ids (mem0 1.x) and filters (2.x)",
)
def test_search_rejects_user_id_kwarg(memory: Memory) -> None:
    """test_search_rejects_user_id_kwarg (and test_get_all_rejects_user_id_kwarg, counted
    once)."""
    with pytest.raises(ValueError, match=r"user_id.*filters"):
        memory.search("q", user_id="u")


@mem0(V2)
def test_update_preserves_custom_metadata(memory: Memory) -> None:
    """TestPreserveCustomMetadata::test_update_preserves_custom_metadata. Ported: the memory
    is added with its metadata and read back after the update."""
    added = memory.add(
        "old", user_id="u", infer=False, metadata={"category": "food", "priority": "high"}
    )
    memory.update(first_id(added), "new")
    assert found(memory.get(first_id(added)))["metadata"] == {
        "category": "food",
        "priority": "high",
    }


@mem0(V2)
def test_update_with_new_metadata_overrides_existing(memory: Memory) -> None:
    """TestPreserveCustomMetadata::test_update_with_new_metadata_overrides_existing."""
    added = memory.add(
        "old", user_id="u", infer=False, metadata={"category": "food", "priority": "high"}
    )
    memory.update(first_id(added), "new", metadata={"category": "sports"})
    assert found(memory.get(first_id(added)))["metadata"] == {
        "category": "sports",
        "priority": "high",
    }


@mem0(V2)
def test_update_preserves_actor_id_from_original(memory: Memory) -> None:
    """TestPreserveCustomMetadata::test_update_preserves_actor_id_from_original."""
    added = memory.add(
        [{"role": "user", "content": "old", "name": "alice"}], user_id="u", infer=False
    )
    memory.update(first_id(added), "new")
    got = found(memory.get(first_id(added)))
    assert got["actor_id"] == "alice" and got["role"] == "user"


@mem0(V2)
@pytest.mark.anyio
async def test_async_update_preserves_custom_metadata(async_memory: AsyncMemory) -> None:
    """TestPreserveCustomMetadata::test_async_update_preserves_custom_metadata."""
    added = await async_memory.add("old", user_id="u", infer=False, metadata={"category": "food"})
    await async_memory.update(first_id(added), "new")
    assert found(await async_memory.get(first_id(added)))["metadata"] == {"category": "food"}


@mem0(V2)
@pytest.mark.anyio
async def test_async_procedural_memory_default_path_without_langchain(
    tmp_path: Any, embedder: Any, scripted: str
) -> None:
    """test_async_procedural_memory_default_path_without_langchain. Ported: the scripted LLM
    writes the summary; the memory is read back with get()."""
    from tests.conftest import store_config

    summary = "1. Opened the page. 2. Clicked save."
    config = {
        **store_config(tmp_path / "p.db"),
        "llm": {"provider": "scripted", "config": {"answers": [summary]}},
    }
    async with AsyncMemory(config, embedder=embedder) as m:
        added = await m.add(
            [{"role": "user", "content": "save it"}], agent_id="a", memory_type="procedural_memory"
        )
        got = found(await m.get(first_id(added)))
    assert got["memory"] == summary and got["memory_type"] == "procedural_memory"

"""mem0's own tests of its public behaviour, ported to engram (mem0 is Apache-2.0: NOTICE.md).

Selected from mem0's ``tests/test_main.py``, ``tests/memory/test_main.py`` and
``tests/test_memory.py`` at tags v1.0.11 and v2.0.18: the tests whose assertions are about what
``Memory`` / ``AsyncMemory`` return, store or raise. Tests of mem0's internals (private helpers,
telemetry, its vector-store adapters, its entity store, how often it calls its embedder) have no
counterpart and are left out.

How they were ported: ``mem0`` -> ``engram`` in the imports; where mem0 arranged its test by
mocking its own vector store or LLM, the same data is put in through the public API (an
``add(..., infer=False)`` stands for a payload handed to a mocked store, engram's scripted LLM
for a mocked LLM) and the same assertions read it back through the public API (``get``,
``get_all``, ``search``, ``history``) instead of a mock's call arguments; ``pytest.mark.asyncio``
is ``anyio``. Each test's docstring names its source and what changed. Where engram differs from
mem0 on purpose, the test is ``xfail`` (strict) with the reason, so the figures stay honest.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from engram import AsyncMemory, Memory
from engram.exceptions import LLMError
from tests.compat.conftest import LLMMemory, mem0
from tests.conftest import found

V1, V2 = "v1.0.11", "v2.0.18"
BOTH = (V1, V2)


def first_id(result: dict[str, Any]) -> str:
    return str(result["results"][0]["id"])


def assert_utc(timestamp: str) -> None:
    parsed = datetime.fromisoformat(timestamp)
    assert parsed.tzinfo is not None and parsed.utcoffset() is not None
    assert parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def facts(*items: str) -> str:
    return json.dumps({"facts": list(items)})


# -- tests/test_main.py ----------------------------------------------------------------------


@mem0(*BOTH)
def test_add(memory: Memory) -> None:
    """tests/test_main.py::test_add. Ported: the real pipeline instead of a mocked
    ``_add_to_vector_store``; asserts the result's shape."""
    result = memory.add(messages=[{"role": "user", "content": "Test message"}], user_id="test_user")
    assert "results" in result
    assert isinstance(result["results"], list)


@mem0(V2)
def test_add_stores_expiration_date(memory: Memory) -> None:
    """tests/test_main.py::test_add_stores_expiration_date. Ported: reads the stored memory
    back with get() instead of the mocked pipeline's arguments."""
    result = memory.add(
        messages=[{"role": "user", "content": "Test message"}],
        user_id="test_user",
        expiration_date="2999-01-01",
        infer=False,
    )
    got = found(memory.get(first_id(result)))
    assert got["expiration_date"] == "2999-01-01" and got["user_id"] == "test_user"


@mem0(*BOTH)
def test_get(memory: Memory) -> None:
    """tests/test_main.py::test_get. Ported: the payload is added (infer=False) instead of
    returned by a mocked store; timestamps come from the store, so they are checked for
    presence, not for the mock's values."""
    added = memory.add(
        "Test memory", user_id="test_user", metadata={"extra_field": "extra_value"}, infer=False
    )
    result = found(memory.get(first_id(added)))
    assert result["id"] == first_id(added)
    assert result["memory"] == "Test memory"
    assert result["user_id"] == "test_user"
    assert result["hash"]
    assert result["created_at"] and result["updated_at"]
    assert result["metadata"] == {"extra_field": "extra_value"}


@mem0(*BOTH)
def test_search(memory: Memory) -> None:
    """tests/test_main.py::test_search. Ported: two memories are added instead of mocked
    search hits; scores come from engram's search, so their order is what is checked."""
    memory.add("Memory 1 about a test query", user_id="test_user", infer=False)
    memory.add("Memory 2", user_id="test_user", infer=False)
    result = memory.search("test query", filters={"user_id": "test_user"})
    assert "results" in result
    assert result["results"][0]["memory"] == "Memory 1 about a test query"
    assert result["results"][0]["user_id"] == "test_user"
    assert 0 < result["results"][0]["score"] <= 1


@mem0(V2)
def test_search_hides_expired_memories_by_default(memory: Memory) -> None:
    """tests/test_main.py::test_search_hides_expired_memories_by_default. Ported: the two
    memories are added instead of mocked."""
    memory.add("Expired memory", user_id="test_user", infer=False, expiration_date="2000-01-01")
    memory.add("Active memory", user_id="test_user", infer=False, expiration_date="2999-01-01")
    result = memory.search("test query", filters={"user_id": "test_user"})
    assert [m["memory"] for m in result["results"]] == ["Active memory"]
    assert result["results"][0]["expiration_date"] == "2999-01-01"


@mem0(V2)
def test_search_can_show_expired_memories(memory: Memory) -> None:
    """tests/test_main.py::test_search_can_show_expired_memories. Ported: the memories are
    added; mem0's mock fixed the order by score, engram ranks them, so the set is compared."""
    memory.add("Expired memory", user_id="test_user", infer=False, expiration_date="2000-01-01")
    memory.add("Active memory", user_id="test_user", infer=False)
    result = memory.search("memory", filters={"user_id": "test_user"}, show_expired=True)
    assert sorted(m["memory"] for m in result["results"]) == ["Active memory", "Expired memory"]


@mem0(*BOTH)
def test_update(memory: Memory) -> None:
    """tests/test_main.py::test_update. Ported: updates a real memory (added first) and reads
    it back instead of asserting the mocked ``_update_memory`` call."""
    memory_id = first_id(memory.add("Memory", user_id="u", infer=False))
    result = memory.update(memory_id, "Updated memory")
    assert result["message"] == "Memory updated successfully!"
    assert found(memory.get(memory_id))["memory"] == "Updated memory"


@mem0(*BOTH)
def test_update_with_metadata(memory: Memory) -> None:
    """tests/test_main.py::test_update_with_metadata. Ported as test_update."""
    memory_id = first_id(memory.add("Memory", user_id="u", infer=False))
    metadata = {"category": "sports", "priority": "high"}
    result = memory.update(memory_id, "Updated memory", metadata=metadata)
    assert result["message"] == "Memory updated successfully!"
    assert found(memory.get(memory_id))["metadata"] == metadata


@mem0(*BOTH)
def test_update_with_empty_metadata(memory: Memory) -> None:
    """tests/test_main.py::test_update_with_empty_metadata. Ported as test_update."""
    memory_id = first_id(memory.add("Memory", user_id="u", infer=False, metadata={"k": 1}))
    memory.update(memory_id, "Updated memory", metadata={})
    got = found(memory.get(memory_id))
    assert got["memory"] == "Updated memory" and got["metadata"] == {"k": 1}


@mem0(V2)
@pytest.mark.xfail(strict=True, reason="engram takes data= (mem0 1.x's name) without a warning")
def test_update_data_is_deprecated_alias_for_text(
    memory: Memory, caplog: pytest.LogCaptureFixture
) -> None:
    """tests/test_main.py::test_update_data_is_deprecated_alias_for_text. Ported: reads the
    memory back instead of the mocked call; mem0 lets text win when both are given, engram
    refuses two different texts (a mistake to report, not to guess at)."""
    memory_id = first_id(memory.add("Memory", user_id="u", infer=False))
    with caplog.at_level(logging.WARNING):
        memory.update(memory_id, data="via data")
    assert found(memory.get(memory_id))["memory"] == "via data"
    assert any("deprecated" in record.message for record in caplog.records)


@mem0(V2)
@pytest.mark.parametrize(
    ("expiration_date", "expected_expiration_date"), [("2999-01-01", "2999-01-01"), (None, None)]
)
def test_update_can_change_expiration_date_without_changing_text(
    memory: Memory, expiration_date: str | None, expected_expiration_date: str | None
) -> None:
    """tests/test_main.py::test_update_can_change_expiration_date_without_changing_text.
    Ported: the existing memory is added, and read back with get()."""
    added = memory.add(
        "Existing memory", user_id="test_user", infer=False, expiration_date="2026-12-31"
    )
    result = memory.update(first_id(added), expiration_date=expiration_date)
    assert result["message"] == "Memory updated successfully!"
    got = found(memory.get(first_id(added)))
    assert got["memory"] == "Existing memory"
    assert got.get("expiration_date") == expected_expiration_date


@mem0(*BOTH)
def test_delete(memory: Memory) -> None:
    """tests/test_main.py::test_delete. Ported: deletes a real memory."""
    memory_id = first_id(memory.add("Memory", user_id="u", infer=False))
    result = memory.delete(memory_id)
    assert result["message"] == "Memory deleted successfully!"
    assert memory.get(memory_id) is None


@mem0(*BOTH)
def test_delete_all(memory: Memory) -> None:
    """tests/test_main.py::test_delete_all. Ported: two real memories, and one of another user
    that must stay (mem0 asserts the collection is not reset)."""
    memory.add("one", user_id="test_user", infer=False)
    memory.add("two", user_id="test_user", infer=False)
    memory.add("other", user_id="someone_else", infer=False)
    result = memory.delete_all(user_id="test_user")
    assert result["message"] == "Memories deleted successfully!"
    assert memory.get_all(user_id="test_user")["results"] == []
    assert len(memory.get_all(user_id="someone_else")["results"]) == 1


@mem0(V2)
def test_delete_all_paginates_beyond_vector_store_page_size(memory: Memory) -> None:
    """tests/test_main.py::test_delete_all_paginates_beyond_vector_store_page_size. Ported:
    1,001 real memories instead of two mocked pages of a store's listing."""
    memory.add(
        [{"role": "user", "content": f"m{i}"} for i in range(1001)],
        user_id="test_user",
        infer=False,
    )
    memory.delete_all(user_id="test_user")
    assert memory.store.count() == 0


@mem0(*BOTH)
def test_get_all(memory: Memory) -> None:
    """tests/test_main.py::test_get_all (mem0 1.x: ``get_all(user_id=...)``; 2.x:
    ``filters=``). Ported: the memory is added instead of mocked; both call styles."""
    memory.add("Memory 1", user_id="test_user", infer=False)
    for result in (
        memory.get_all(user_id="test_user"),
        memory.get_all(filters={"user_id": "test_user"}),
    ):
        assert isinstance(result, dict)
        assert "results" in result
        assert len(result["results"]) == 1
        assert result["results"][0]["memory"] == "Memory 1"
        assert result["results"][0]["user_id"] == "test_user"


@mem0(V1)
@pytest.mark.xfail(
    strict=True,
    reason="engram's v1.1 results always carry 'relations' ([] without a graph), as the seed "
    "API says; mem0 1.x leaves the key out without a graph (2.x never has it)",
)
def test_get_all_without_graph_has_no_relations(memory: Memory) -> None:
    """tests/test_main.py::test_get_all, its case without a graph: ``"relations" not in
    result``. Ported as test_get_all."""
    memory.add("Memory 1", user_id="test_user", infer=False)
    assert "relations" not in memory.get_all(user_id="test_user")


@mem0(V2)
def test_get_all_hides_expired_memories_by_default(memory: Memory) -> None:
    """tests/test_main.py::test_get_all_hides_expired_memories_by_default. Ported: added."""
    memory.add("Expired memory", user_id="test_user", infer=False, expiration_date="2000-01-01")
    memory.add("Active memory", user_id="test_user", infer=False, expiration_date="2999-01-01")
    result = memory.get_all(filters={"user_id": "test_user"})
    assert [m["memory"] for m in result["results"]] == ["Active memory"]


@mem0(V2)
def test_get_all_can_show_expired_memories(memory: Memory) -> None:
    """tests/test_main.py::test_get_all_can_show_expired_memories. Ported: added."""
    memory.add("Expired memory", user_id="test_user", infer=False, expiration_date="2000-01-01")
    memory.add("Active memory", user_id="test_user", infer=False)
    result = memory.get_all(filters={"user_id": "test_user"}, show_expired=True)
    assert sorted(m["memory"] for m in result["results"]) == ["Active memory", "Expired memory"]


@mem0(V1)
def test_custom_prompts(llm_memory: LLMMemory) -> None:
    """tests/test_main.py::test_custom_prompts. Ported: the scripted LLM records the requests
    that mem0's mocked LLM recorded; both custom prompts are sent."""
    m = llm_memory(
        facts("Test fact"),
        json.dumps({"memory": [{"id": None, "text": "Test fact", "event": "ADD"}]}),
        custom_fact_extraction_prompt="custom prompt extracting memory in json format",
        custom_update_memory_prompt="custom prompt determining memory update",
    )
    m.add("Test message", user_id="test_user")
    sent = [json.dumps(r.messages) for r in m.llm.requests]
    assert "custom prompt extracting memory in json format" in sent[0]
    assert "custom prompt determining memory update" in sent[1]


# -- tests/test_main.py (v2.0.18): entity ids and search parameters --------------------------


@mem0(V2)
@pytest.mark.parametrize("method", ["search", "get_all", "add", "delete_all"])
def test_rejects_whitespace_only_user_id(memory: Memory, method: str) -> None:
    """TestEntityIdValidation::test_{search,get_all,add,delete_all}_rejects_whitespace_only_
    user_id (four tests). Ported: mem0's message is not matched, engram's names the field."""
    calls: dict[str, Callable[[], Any]] = {
        "search": lambda: memory.search("q", filters={"user_id": "   "}),
        "get_all": lambda: memory.get_all(filters={"user_id": "   "}),
        "add": lambda: memory.add("x", user_id="   "),
        "delete_all": lambda: memory.delete_all(user_id="   "),
    }
    with pytest.raises(ValueError, match="user_id"):
        calls[method]()


@mem0(V2)
@pytest.mark.xfail(
    strict=True,
    reason="engram's ids are opaque strings: 'user 1' is a valid id (mem0 2.x refuses inner "
    "whitespace)",
)
def test_rejects_internal_whitespace_user_id(memory: Memory) -> None:
    """TestEntityIdValidation::test_search_rejects_internal_whitespace_user_id (and its tab,
    get_all, add and delete_all variants: counted once)."""
    with pytest.raises(ValueError, match="cannot contain whitespace"):
        memory.add("x", user_id="user 1")


@mem0(V2)
def test_delete_all_trims_user_id_before_list(memory: Memory) -> None:
    """TestEntityIdValidation::test_delete_all_trims_user_id_before_list. Ported: a memory of
    "alice" is deleted through "  alice  " instead of checking the mocked list call."""
    memory.add("x", user_id="alice", infer=False)
    memory.delete_all(user_id="  alice  ")
    assert memory.get_all(user_id="alice")["results"] == []


@mem0(V2)
def test_get_all_coerces_integer_user_id(memory: Memory) -> None:
    """TestEntityIdValidation::test_get_all_coerces_integer_user_id and
    test_delete_all_coerces_integer_user_id_before_list. Ported: a memory of user 42."""
    memory.add("x", user_id=42, infer=False)  # type: ignore[arg-type]
    assert len(memory.get_all(filters={"user_id": 42})["results"]) == 1
    assert memory.get_all(user_id="42")["results"][0]["user_id"] == "42"
    memory.delete_all(user_id=42)  # type: ignore[arg-type]
    assert memory.store.count() == 0


@mem0(V2)
@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_search_rejects_empty_query(memory: Memory, query: str) -> None:
    """TestSearchParamValidation::test_search_rejects_empty_query. Ported: mem0's message is
    not matched."""
    with pytest.raises(ValueError):
        memory.search(query, filters={"user_id": "u"})


@mem0(V2)
@pytest.mark.parametrize("threshold", [1.5, -0.1])
def test_search_rejects_bad_threshold(memory: Memory, threshold: float) -> None:
    """TestSearchParamValidation::test_search_rejects_threshold_above_1 and
    test_search_rejects_negative_threshold. Ported: mem0's message is not matched."""
    with pytest.raises(ValueError, match="threshold"):
        memory.search("q", filters={"user_id": "u"}, threshold=threshold)


@mem0(V2)
@pytest.mark.parametrize("method", ["search", "get_all"])
def test_rejects_negative_top_k(memory: Memory, method: str) -> None:
    """TestSearchParamValidation::test_{search,get_all}_rejects_negative_top_k. Ported: mem0's
    message is not matched."""
    with pytest.raises(ValueError, match="top_k"):
        if method == "search":
            memory.search("q", filters={"user_id": "u"}, top_k=-1)
        else:
            memory.get_all(filters={"user_id": "u"}, top_k=-1)


@mem0(V2)
@pytest.mark.parametrize("threshold", [0.0, 1.0])
def test_search_accepts_threshold_bounds(memory: Memory, threshold: float) -> None:
    """TestSearchParamValidation::test_search_accepts_threshold_zero / _one."""
    assert "results" in memory.search("q", filters={"user_id": "u"}, threshold=threshold)


@mem0(V2)
@pytest.mark.xfail(strict=True, reason="engram asks for a positive count (top_k=0 is refused)")
def test_search_accepts_top_k_zero(memory: Memory) -> None:
    """TestSearchParamValidation::test_search_accepts_top_k_zero."""
    assert memory.search("q", filters={"user_id": "u"}, top_k=0)["results"] == []


# -- tests/memory/test_main.py ---------------------------------------------------------------


@mem0(*BOTH)
@pytest.mark.xfail(
    strict=True,
    reason="an unusable LLM answer is retried and then raises ProviderError (nothing "
    "written), where mem0 logs it and stores nothing",
)
def test_empty_llm_response_fact_extraction(llm_memory: LLMMemory) -> None:
    """TestAddToVectorStoreErrors::test_empty_llm_response_fact_extraction (and
    test_empty_llm_response_memory_actions, counted once). Ported: add() with the scripted LLM
    answering "invalid json" instead of the private ``_add_to_vector_store``."""
    m = llm_memory("invalid json", "invalid json", "invalid json")
    assert m.add([{"role": "user", "content": "test"}], user_id="u")["results"] == []


@mem0(V2)
def test_llm_extraction_exception_is_reraised(llm_memory: LLMMemory) -> None:
    """TestAddToVectorStoreErrors::test_llm_extraction_exception_is_reraised. Ported: the
    scripted LLM raises the provider error instead of a MagicMock side effect."""

    class _ProviderError(Exception):
        pass

    m = llm_memory()

    def fail(_request: Any) -> None:
        raise _ProviderError("429 rate limit")

    m.llm.before_answer = fail
    with pytest.raises(LLMError) as exc_info:
        m.add([{"role": "user", "content": "test"}], user_id="u")
    assert isinstance(exc_info.value.__cause__, _ProviderError)


@mem0(V2)
def test_prompt_overrides_custom_instructions(llm_memory: LLMMemory) -> None:
    """TestPromptOverridesCustomInstructions::test_prompt_overrides_custom_instructions.
    Ported: checks the request the scripted LLM received (engram puts the instructions in the
    system message, mem0 in the user message)."""
    m = llm_memory(facts(), custom_instructions="config-level instructions")
    m.add([{"role": "user", "content": "hello"}], user_id="u", prompt="per-call override")
    sent = json.dumps(m.llm.requests[0].messages)
    assert "per-call override" in sent
    assert "config-level instructions" not in sent


@mem0(V2)
def test_falls_back_to_custom_instructions_when_no_prompt(llm_memory: LLMMemory) -> None:
    """TestPromptOverridesCustomInstructions::test_falls_back_to_custom_instructions_when_no_
    prompt. Ported as above."""
    m = llm_memory(facts(), custom_instructions="config-level instructions")
    m.add([{"role": "user", "content": "hello"}], user_id="u")
    assert "config-level instructions" in json.dumps(m.llm.requests[0].messages)


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_update_without_metadata(async_memory: AsyncMemory) -> None:
    """TestAsyncUpdate::test_async_update_without_metadata. Ported: a real memory."""
    memory_id = first_id(
        await async_memory.add("Memory", user_id="u", infer=False, metadata={"k": 1})
    )
    result = await async_memory.update(memory_id, "Updated memory")
    assert result["message"] == "Memory updated successfully!"
    got = found(await async_memory.get(memory_id))
    assert got["memory"] == "Updated memory" and got["metadata"] == {"k": 1}


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_update_with_metadata(async_memory: AsyncMemory) -> None:
    """TestAsyncUpdate::test_async_update_with_metadata. Ported: a real memory."""
    memory_id = first_id(await async_memory.add("Memory", user_id="u", infer=False))
    metadata = {"category": "sports", "priority": "high"}
    result = await async_memory.update(memory_id, "Updated memory", metadata=metadata)
    assert result["message"] == "Memory updated successfully!"
    assert found(await async_memory.get(memory_id))["metadata"] == metadata


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_update_with_empty_metadata(async_memory: AsyncMemory) -> None:
    """TestAsyncUpdate::test_async_update_with_empty_metadata. Ported: a real memory."""
    memory_id = first_id(await async_memory.add("Memory", user_id="u", infer=False))
    await async_memory.update(memory_id, "Updated memory", metadata={})
    assert found(await async_memory.get(memory_id))["memory"] == "Updated memory"


@mem0(V2)
@pytest.mark.anyio
async def test_async_update_can_change_expiration_date_without_changing_text(
    async_memory: AsyncMemory,
) -> None:
    """TestAsyncUpdate::test_async_update_can_change_expiration_date_without_changing_text.
    Ported: the existing memory is added, and read back."""
    added = await async_memory.add(
        "Existing memory", user_id="test_user", infer=False, expiration_date="2026-12-31"
    )
    result = await async_memory.update(first_id(added), expiration_date="2999-01-01")
    assert result["message"] == "Memory updated successfully!"
    got = found(await async_memory.get(first_id(added)))
    assert got["memory"] == "Existing memory" and got["expiration_date"] == "2999-01-01"


@mem0(V2)
@pytest.mark.anyio
async def test_async_llm_extraction_exception_is_reraised(
    tmp_path: Any, embedder: Any, scripted: str
) -> None:
    """TestAsyncAddToVectorStoreErrors::test_async_llm_extraction_exception_is_reraised.
    Ported: the scripted LLM raises the provider error."""
    from tests.conftest import store_config

    class _ProviderError(Exception):
        pass

    config = {**store_config(tmp_path / "x.db"), "llm": {"provider": "scripted", "config": {}}}
    async with AsyncMemory(config, embedder=embedder) as m:

        def fail(_request: Any) -> None:
            raise _ProviderError("429 rate limit")

        m.llm.before_answer = fail
        with pytest.raises(LLMError) as exc_info:
            await m.add([{"role": "user", "content": "test"}], user_id="u")
    assert isinstance(exc_info.value.__cause__, _ProviderError)


@mem0(*BOTH)
def test_create_memory_uses_utc_timestamps(memory: Memory) -> None:
    """test_create_memory_uses_utc_timestamps. Ported: add() and get() instead of the private
    ``_create_memory`` and the mocked store's payload."""
    got = found(memory.get(first_id(memory.add("new memory", user_id="u", infer=False))))
    assert_utc(got["created_at"])


@mem0(*BOTH)
def test_create_memory_sets_updated_at(memory: Memory) -> None:
    """test_create_memory_sets_updated_at. Ported as above; the history row is read with
    history()."""
    memory_id = first_id(memory.add("new memory", user_id="u", infer=False))
    got = found(memory.get(memory_id))
    assert got["updated_at"] == got["created_at"]
    assert_utc(got["updated_at"])
    assert memory.history(memory_id)[0]["updated_at"] == got["updated_at"]


@mem0(*BOTH)
@pytest.mark.xfail(
    strict=True,
    reason="a memory's time is set with add(timestamp=...); a 'created_at' key in metadata "
    "stays metadata",
)
def test_create_memory_preserves_existing_created_at(memory: Memory) -> None:
    """test_create_memory_preserves_existing_created_at. Ported: add(metadata=...)."""
    custom_ts = "2023-05-06T09:19:20+00:00"
    memory_id = first_id(
        memory.add("new memory", user_id="u", infer=False, metadata={"created_at": custom_ts})
    )
    assert found(memory.get(memory_id))["created_at"] == custom_ts


@mem0(*BOTH)
def test_update_memory_uses_utc_timestamps(memory: Memory) -> None:
    """test_update_memory_uses_utc_timestamps. Ported: the old memory is added with its time
    (timestamp=, engram's way) and updated through update()."""
    memory_id = first_id(
        memory.add("old memory", user_id="u", infer=False, timestamp="2026-03-17T17:00:00-07:00")
    )
    memory.update(memory_id, "new memory", metadata={})
    got = found(memory.get(memory_id))
    assert got["created_at"] == "2026-03-18T00:00:00.000000+00:00"  # the same moment, in UTC
    assert got["updated_at"] is not None
    assert_utc(got["updated_at"])


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_create_memory_uses_utc_timestamps(async_memory: AsyncMemory) -> None:
    """test_async_create_memory_uses_utc_timestamps. Ported as the sync test."""
    got = found(
        await async_memory.get(
            first_id(await async_memory.add("new memory", user_id="u", infer=False))
        )
    )
    assert_utc(got["created_at"])


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_create_memory_sets_updated_at(async_memory: AsyncMemory) -> None:
    """test_async_create_memory_sets_updated_at. Ported as the sync test."""
    memory_id = first_id(await async_memory.add("new memory", user_id="u", infer=False))
    got = found(await async_memory.get(memory_id))
    assert got["updated_at"] == got["created_at"]
    assert (await async_memory.history(memory_id))[0]["updated_at"] == got["updated_at"]


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_update_memory_uses_utc_timestamps(async_memory: AsyncMemory) -> None:
    """test_async_update_memory_uses_utc_timestamps. Ported as the sync test."""
    added = await async_memory.add(
        "old memory", user_id="u", infer=False, timestamp="2026-03-17T17:00:00-07:00"
    )
    await async_memory.update(first_id(added), "new memory", metadata={})
    got = found(await async_memory.get(first_id(added)))
    assert got["created_at"] == "2026-03-18T00:00:00.000000+00:00"
    assert_utc(got["updated_at"])


ATTACKER_UPDATE_METADATA = {
    "user_id": "attacker_tenant",
    "agent_id": "attacker_agent",
    "run_id": "attacker_run",
    "actor_id": "attacker_actor",
    "category": "sports",
}
ATTACKER_ADD_METADATA = {
    "agent_id": "victim-agent",
    "run_id": "victim-run",
    "actor_id": "victim-actor",
    "category": "sports",
}


@mem0(V2)
def test_update_memory_metadata_cannot_change_identity_fields(
    memory: Memory, caplog: pytest.LogCaptureFixture
) -> None:
    """test_update_memory_metadata_cannot_change_identity_fields. Ported: the existing memory
    (tenant_a, run_a, said by actor_a) is added, updated with update(), read with get()."""
    added = memory.add(
        [{"role": "user", "content": "old memory", "name": "actor_a"}],
        user_id="tenant_a",
        run_id="run_a",
        infer=False,
    )
    with caplog.at_level(logging.WARNING):
        memory.update(first_id(added), "new memory", metadata=dict(ATTACKER_UPDATE_METADATA))
    got = found(memory.get(first_id(added)))
    assert got["user_id"] == "tenant_a"
    assert got["run_id"] == "run_a"
    assert "agent_id" not in got
    assert got["actor_id"] == "actor_a"
    assert got["metadata"]["category"] == "sports"
    assert got["memory"] == "new memory"
    assert "metadata['user_id']" in caplog.text


@mem0(V2)
def test_add_metadata_cannot_set_identity_fields(
    memory: Memory, caplog: pytest.LogCaptureFixture
) -> None:
    """test_add_metadata_cannot_set_identity_fields. Ported: reads the stored memory instead
    of the metadata handed to the private pipeline."""
    with caplog.at_level(logging.WARNING):
        added = memory.add(
            "I like coffee", user_id="attacker", metadata=dict(ATTACKER_ADD_METADATA), infer=False
        )
    got = found(memory.get(first_id(added)))
    assert got["user_id"] == "attacker"
    for key in ("agent_id", "run_id", "actor_id"):
        assert key not in got and key not in got["metadata"]
    assert got["metadata"]["category"] == "sports"
    assert "metadata['agent_id']" in caplog.text


@mem0(V2)
@pytest.mark.anyio
async def test_async_add_metadata_cannot_set_identity_fields(async_memory: AsyncMemory) -> None:
    """test_async_add_metadata_cannot_set_identity_fields. Ported as the sync test."""
    added = await async_memory.add(
        "I like coffee", user_id="attacker", metadata=dict(ATTACKER_ADD_METADATA), infer=False
    )
    got = found(await async_memory.get(first_id(added)))
    assert got["user_id"] == "attacker"
    for key in ("agent_id", "run_id", "actor_id"):
        assert key not in got and key not in got["metadata"]
    assert got["metadata"]["category"] == "sports"


@mem0(V2)
def test_add_entity_params_still_set_scope(memory: Memory) -> None:
    """test_add_entity_params_still_set_scope. Ported: reads the stored memory."""
    added = memory.add(
        "I like coffee",
        user_id="u1",
        agent_id="a1",
        run_id="r1",
        metadata={"category": "sports"},
        infer=False,
    )
    got = found(memory.get(first_id(added)))
    assert (got["user_id"], got["agent_id"], got["run_id"]) == ("u1", "a1", "r1")
    assert got["metadata"] == {"category": "sports"}


@mem0(V2)
def test_add_without_metadata_is_unaffected(memory: Memory) -> None:
    """test_add_without_metadata_is_unaffected. Ported: reads the stored memory."""
    got = found(memory.get(first_id(memory.add("I like coffee", user_id="u1", infer=False))))
    assert got["user_id"] == "u1" and got["metadata"] == {}
    assert "agent_id" not in got and "run_id" not in got


@mem0(V2)
@pytest.mark.anyio
async def test_async_update_memory_metadata_cannot_change_identity_fields(
    async_memory: AsyncMemory,
) -> None:
    """test_async_update_memory_metadata_cannot_change_identity_fields. Ported as the sync."""
    added = await async_memory.add(
        [{"role": "user", "content": "old memory", "name": "actor_a"}],
        user_id="tenant_a",
        run_id="run_a",
        infer=False,
    )
    await async_memory.update(
        first_id(added), "new memory", metadata=dict(ATTACKER_UPDATE_METADATA)
    )
    got = found(await async_memory.get(first_id(added)))
    assert (got["user_id"], got["run_id"], got["actor_id"]) == ("tenant_a", "run_a", "actor_a")
    assert "agent_id" not in got and got["metadata"]["category"] == "sports"


@mem0(*BOTH)
def test_create_then_search_and_get_all_return_same_timestamps(memory: Memory) -> None:
    """test_create_then_search_and_get_all_return_same_timestamps (mem0 issue #3720). Ported:
    add(), then the public search() and get_all() instead of their private halves."""
    memory.add("Likes pizza", user_id="alice", infer=False)
    search_item = memory.search("pizza", user_id="alice", limit=10)["results"][0]
    get_all_item = memory.get_all(user_id="alice", limit=100)["results"][0]
    assert search_item["created_at"] == get_all_item["created_at"]
    assert search_item["updated_at"] == get_all_item["updated_at"]
    assert search_item["created_at"] is not None and search_item["updated_at"] is not None


@mem0(*BOTH)
def test_update_preserves_created_at_and_updates_updated_at(memory: Memory) -> None:
    """test_update_preserves_created_at_and_updates_updated_at. Ported: add() and update()."""
    memory_id = first_id(memory.add("Likes pizza", user_id="alice", infer=False))
    original_created_at = found(memory.get(memory_id))["created_at"]
    memory.update(memory_id, "Loves pizza", metadata={})
    got = found(memory.get(memory_id))
    assert got["created_at"] == original_created_at
    assert got["updated_at"] is not None and got["updated_at"] >= original_created_at
    assert_utc(got["updated_at"])


@mem0(*BOTH)
def test_search_and_get_all_consistent_after_update(memory: Memory) -> None:
    """test_search_and_get_all_consistent_after_update. Ported: the memory is added with its
    creation time (timestamp=) and updated, instead of a mocked payload."""
    memory_id = first_id(
        memory.add(
            "Likes pizza", user_id="alice", infer=False, timestamp="2023-05-06T09:19:20+00:00"
        )
    )
    memory.update(memory_id, "Loves pizza")
    search_item = memory.search("pizza", user_id="alice", limit=10)["results"][0]
    get_all_item = memory.get_all(user_id="alice", limit=100)["results"][0]
    assert search_item["created_at"] == get_all_item["created_at"]
    assert search_item["updated_at"] == get_all_item["updated_at"]
    assert search_item["created_at"] == "2023-05-06T09:19:20.000000+00:00"


# TestMetadataNotMutated (mem0 issue #2648): ported from the private _create_memory /
# _update_memory / _add_to_vector_store to add() and update(); the ids of mem0's metadata go
# to the call's id arguments, where engram (and mem0 2.x) take them.


@mem0(*BOTH)
def test_create_memory_does_not_mutate_metadata(memory: Memory) -> None:
    """TestMetadataNotMutated::test_create_memory_does_not_mutate_metadata."""
    original_metadata = {"category": "sports"}
    metadata_copy = original_metadata.copy()
    memory.add("test data", user_id="test_user", metadata=original_metadata, infer=False)
    assert original_metadata == metadata_copy


@mem0(*BOTH)
def test_create_memory_stores_correct_payload(memory: Memory) -> None:
    """TestMetadataNotMutated::test_create_memory_stores_correct_payload."""
    added = memory.add(
        "test data", user_id="test_user", metadata={"category": "sports"}, infer=False
    )
    got = found(memory.get(first_id(added)))
    assert got["memory"] == "test data"
    assert got["user_id"] == "test_user"
    assert got["metadata"]["category"] == "sports"
    assert got["hash"] and got["created_at"]


@mem0(*BOTH)
def test_create_memory_with_none_metadata(memory: Memory) -> None:
    """TestMetadataNotMutated::test_create_memory_with_none_metadata."""
    got = found(
        memory.get(first_id(memory.add("test data", user_id="u", metadata=None, infer=False)))
    )
    assert got["memory"] == "test data" and got["hash"]


@mem0(*BOTH)
def test_create_memory_shared_metadata_across_calls(memory: Memory) -> None:
    """TestMetadataNotMutated::test_create_memory_shared_metadata_across_calls."""
    shared_metadata = {"k": "v"}
    first = memory.add("first memory", user_id="test_user", metadata=shared_metadata, infer=False)
    second = memory.add("second memory", user_id="test_user", metadata=shared_metadata, infer=False)
    assert shared_metadata == {"k": "v"}
    assert found(memory.get(first_id(first)))["memory"] == "first memory"
    assert found(memory.get(first_id(second)))["memory"] == "second memory"


@mem0(*BOTH)
def test_create_memory_preserves_role_and_actor_id_in_history(memory: Memory) -> None:
    """TestMetadataNotMutated::test_create_memory_preserves_role_and_actor_id_in_history.
    Ported: role and actor_id come from the message (role, name), as add() takes them."""
    messages = [{"role": "assistant", "content": "test data", "name": "bot-1"}]
    snapshot = copy.deepcopy(messages)
    memory_id = first_id(memory.add(messages, user_id="test_user", infer=False))
    got = found(memory.get(memory_id))
    assert (got["role"], got["actor_id"], got["user_id"], got["memory"]) == (
        "assistant", "bot-1", "test_user", "test data",
    )  # fmt: skip
    row = memory.history(memory_id)[0]
    assert row["role"] == "assistant" and row["actor_id"] == "bot-1"
    assert messages == snapshot


@mem0(*BOTH)
def test_create_memory_with_nested_metadata_not_mutated(memory: Memory) -> None:
    """TestMetadataNotMutated::test_create_memory_with_nested_metadata_not_mutated."""
    nested = {"tags": ["a", "b"], "info": {"level": 1}}
    snapshot = copy.deepcopy(nested)
    memory.add("test data", user_id="test_user", metadata=nested, infer=False)
    assert nested == snapshot


@mem0(*BOTH)
def test_update_memory_does_not_mutate_metadata(memory: Memory) -> None:
    """TestMetadataNotMutated::test_update_memory_does_not_mutate_metadata."""
    memory_id = first_id(memory.add("old data", user_id="test_user", infer=False))
    original_metadata = {"category": "updated"}
    metadata_copy = original_metadata.copy()
    memory.update(memory_id, "new data", metadata=original_metadata)
    assert original_metadata == metadata_copy


@mem0(*BOTH)
def test_add_to_vector_store_no_infer_does_not_mutate_metadata(memory: Memory) -> None:
    """TestMetadataNotMutated::test_add_to_vector_store_no_infer_does_not_mutate_metadata.
    Ported: add(infer=False) instead of the private pipeline; stored rows read with get()."""
    original_metadata = {"k": "v"}
    metadata_copy = original_metadata.copy()
    messages = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi there", "name": "bot-1"},
    ]
    result = memory.add(messages, user_id="test_user", metadata=original_metadata, infer=False)[
        "results"
    ]
    assert original_metadata == metadata_copy
    assert len(result) == 2
    assert result[0]["role"] == "user"
    assert result[1]["role"] == "assistant"
    assert result[1]["actor_id"] == "bot-1"
    first, second = (found(memory.get(r["id"])) for r in result)
    assert first["role"] == "user" and "actor_id" not in first
    assert second["role"] == "assistant" and second["actor_id"] == "bot-1"


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_create_memory_does_not_mutate_metadata(async_memory: AsyncMemory) -> None:
    """TestMetadataNotMutated::test_async_create_memory_does_not_mutate_metadata."""
    original_metadata = {"category": "sports"}
    await async_memory.add(
        "test data", user_id="test_user", metadata=original_metadata, infer=False
    )
    assert original_metadata == {"category": "sports"}


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_create_memory_shared_metadata_across_calls(async_memory: AsyncMemory) -> None:
    """TestMetadataNotMutated::test_async_create_memory_shared_metadata_across_calls."""
    shared_metadata = {"k": "v"}
    await async_memory.add(
        "first memory", user_id="test_user", metadata=shared_metadata, infer=False
    )
    await async_memory.add(
        "second memory", user_id="test_user", metadata=shared_metadata, infer=False
    )
    assert shared_metadata == {"k": "v"}


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_add_to_vector_store_no_infer_does_not_mutate_metadata(
    async_memory: AsyncMemory,
) -> None:
    """TestMetadataNotMutated::test_async_add_to_vector_store_no_infer_does_not_mutate_metadata."""
    original_metadata = {"k": "v"}
    messages = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi there", "name": "bot-1"},
    ]
    result = (
        await async_memory.add(
            messages, user_id="test_user", metadata=original_metadata, infer=False
        )
    )["results"]
    assert original_metadata == {"k": "v"}
    assert [r["role"] for r in result] == ["user", "assistant"]


@mem0(*BOTH)
@pytest.mark.anyio
async def test_async_update_memory_does_not_mutate_metadata(async_memory: AsyncMemory) -> None:
    """TestMetadataNotMutated::test_async_update_memory_does_not_mutate_metadata."""
    memory_id = first_id(await async_memory.add("old data", user_id="test_user", infer=False))
    original_metadata = {"category": "updated"}
    await async_memory.update(memory_id, "new data", metadata=original_metadata)
    assert original_metadata == {"category": "updated"}


@mem0(V1)
def test_update_preserves_actor_id_when_different_actor_updates(memory: Memory) -> None:
    """test_update_preserves_actor_id_when_different_actor_updates. Ported: the memory said by
    "alice" is updated with metadata naming another actor; its actor stays."""
    added = memory.add(
        [{"role": "user", "content": "I like tea", "name": "alice"}], user_id="u", infer=False
    )
    memory.update(first_id(added), "I like green tea", metadata={"actor_id": "bob"})
    got = found(memory.get(first_id(added)))
    assert got["actor_id"] == "alice"
    assert memory.history(first_id(added))[-1]["actor_id"] == "alice"


@mem0(V1)
@pytest.mark.anyio
async def test_async_update_preserves_actor_id_when_different_actor_updates(
    async_memory: AsyncMemory,
) -> None:
    """test_async_update_preserves_actor_id_when_different_actor_updates. Ported as the sync."""
    added = await async_memory.add(
        [{"role": "user", "content": "I like tea", "name": "alice"}], user_id="u", infer=False
    )
    await async_memory.update(first_id(added), "I like green tea", metadata={"actor_id": "bob"})
    assert found(await async_memory.get(first_id(added)))["actor_id"] == "alice"


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

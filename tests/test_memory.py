"""The Memory API end to end on the real SQLite store and the real ONNX embedder."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engram import ConfigurationError, Memory, MemoryNotFoundError, ValidationError
from engram.embedders.onnx import OnnxEmbedder
from tests.conftest import found, store_config


def ids(result: dict[str, Any]) -> list[str]:
    """The ids of a v1.1 result, in order."""
    return [r["id"] for r in result["results"]]


def test_add_returns_v11_shape_with_one_memory(memory: Memory) -> None:
    result = memory.add("I like coffee in the morning.", user_id="alice", infer=False)
    assert set(result) == {"results", "relations"}
    assert result["relations"] == []
    [item] = result["results"]
    assert item["event"] == "ADD"
    assert item["memory"] == "I like coffee in the morning."
    assert len(item["id"]) == 36


def test_get_returns_every_field_of_the_seed(memory: Memory) -> None:
    added = memory.add(
        "I like coffee.", user_id="alice", agent_id="bot", metadata={"category": "food"},
        infer=False,
    )  # fmt: skip
    got = found(memory.get(ids(added)[0]))
    assert got["memory"] == "I like coffee."
    assert got["user_id"] == "alice" and got["agent_id"] == "bot"
    assert "run_id" not in got
    assert got["role"] == "user"
    assert got["metadata"] == {"category": "food"}
    assert got["created_at"] == got["updated_at"] == got["valid_at"]
    assert got["invalid_at"] is None
    assert datetime.fromisoformat(got["created_at"]).tzinfo is not None


def test_hash_is_md5_of_the_text(memory: Memory) -> None:
    import hashlib

    added = memory.add("hash me", user_id="u", infer=False)
    assert found(memory.get(ids(added)[0]))["hash"] == hashlib.md5(b"hash me").hexdigest()


def test_message_list_keeps_roles_and_names_and_skips_system(memory: Memory) -> None:
    result = memory.add(
        [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "I live in Paris.", "name": "alice"},
            {"role": "assistant", "content": "Paris is lovely."},
        ],
        user_id="alice",
        infer=False,
    )
    items = [found(memory.get(i)) for i in ids(result)]
    assert [(i["memory"], i["role"]) for i in items] == [
        ("I live in Paris.", "user"),
        ("Paris is lovely.", "assistant"),
    ]
    assert items[0]["actor_id"] == "alice"
    assert "actor_id" not in items[1]


def test_infer_true_without_llm_stores_user_messages_and_says_so_once(
    memory: Memory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="engram")
    messages = [
        {"role": "user", "content": "I am allergic to peanuts."},
        {"role": "assistant", "content": "Noted, no peanuts."},
    ]
    first = memory.add(messages, user_id="bob")
    memory.add("My cat is called Miso.", user_id="bob")
    assert [r["memory"] for r in first["results"]] == ["I am allergic to peanuts."]
    notes = [r for r in caplog.records if "no LLM configured" in r.getMessage()]
    assert len(notes) == 1


def test_caller_supplied_timestamp_sets_created_and_valid_at(memory: Memory) -> None:
    moments: list[datetime | str | int] = [
        datetime(2023, 5, 8, 13, 56, tzinfo=UTC),
        "2023-05-08T13:56:00Z",
        1683554160,
    ]
    for moment in moments:
        added = memory.add("Went hiking.", user_id="u", infer=False, timestamp=moment)
        got = found(memory.get(ids(added)[0]))
        assert got["created_at"] == got["valid_at"] == "2023-05-08T13:56:00.000000+00:00"


def test_search_ranks_the_relevant_memory_first(memory: Memory) -> None:
    memory.add("I like coffee in the morning.", user_id="alice", infer=False)
    memory.add("My brother plays the cello.", user_id="alice", infer=False)
    memory.add("The car needs new tyres.", user_id="alice", infer=False)
    result = memory.search("what does alice drink?", user_id="alice", limit=5, threshold=0.2)
    assert result["results"][0]["memory"] == "I like coffee in the morning."
    scores = [r["score"] for r in result["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all(0.2 <= s <= 1.0 for s in scores)


def test_search_limit_and_threshold(memory: Memory) -> None:
    for i in range(6):
        memory.add(f"Note number {i} about gardening tomatoes.", user_id="u", infer=False)
    assert len(memory.search("gardening", user_id="u", limit=4)["results"]) == 4
    assert memory.search("gardening", user_id="u", threshold=1.0)["results"] == []


def test_scopes_never_leak(memory: Memory) -> None:
    memory.add("alice's secret", user_id="alice", infer=False)
    memory.add("bob's secret", user_id="bob", infer=False)
    memory.add("agent note", agent_id="helper", infer=False)
    memory.add("alice with helper", user_id="alice", agent_id="helper", infer=False)
    assert {r["memory"] for r in memory.get_all(user_id="bob")["results"]} == {"bob's secret"}
    found = memory.search("secret", user_id="alice")["results"]
    assert {r["memory"] for r in found} == {"alice's secret", "alice with helper"}
    both = memory.get_all(user_id="alice", agent_id="helper")["results"]
    assert [r["memory"] for r in both] == ["alice with helper"]
    assert len(memory.get_all(agent_id="helper")["results"]) == 2
    assert memory.get_all(run_id="nobody")["results"] == []


def test_scope_may_come_from_filters(memory: Memory) -> None:
    memory.add("in scope", user_id="alice", infer=False)
    memory.add("other", user_id="bob", infer=False)
    result = memory.get_all(filters={"user_id": "alice"})
    assert [r["memory"] for r in result["results"]] == ["in scope"]


def test_get_all_is_newest_first_and_limited(memory: Memory) -> None:
    for day in range(1, 6):
        memory.add(f"day {day}", user_id="u", infer=False, timestamp=f"2024-01-0{day}")
    result = memory.get_all(user_id="u", limit=3)
    assert [r["memory"] for r in result["results"]] == ["day 5", "day 4", "day 3"]


def test_filters_on_metadata_and_fields(memory: Memory) -> None:
    memory.add("tech A", user_id="u", metadata={"category": "technical", "priority": 3},
               infer=False)  # fmt: skip
    memory.add("tech B", user_id="u", metadata={"category": "technical", "priority": 9},
               infer=False)  # fmt: skip
    memory.add("food", user_id="u", metadata={"category": "food"}, infer=False)
    hits = memory.search(
        "anything", user_id="u",
        filters={"metadata.category": "technical", "priority": {"gte": 5}},
    )  # fmt: skip
    assert [r["memory"] for r in hits["results"]] == ["tech B"]
    either = memory.get_all(
        user_id="u", filters={"OR": [{"category": "food"}, {"priority": {"lt": 5}}]}
    )
    assert {r["memory"] for r in either["results"]} == {"food", "tech A"}
    negated = memory.get_all(user_id="u", filters={"NOT": {"category": "technical"}})
    assert [r["memory"] for r in negated["results"]] == ["food"]
    by_text = memory.get_all(user_id="u", filters={"memory": {"icontains": "TECH"}})
    assert len(by_text["results"]) == 2


def test_unknown_filter_operator_is_a_validation_error(memory: Memory) -> None:
    with pytest.raises(ValidationError) as err:
        memory.search("x", user_id="u", filters={"category": {"regex": "f.*"}})
    assert "regex" in str(err.value)


def test_update_keeps_id_changes_text_and_vector_and_records_history(memory: Memory) -> None:
    memory_id = ids(memory.add("I like coffee.", user_id="u", infer=False))[0]
    memory.add("The sky is blue.", user_id="u", infer=False)
    answer = memory.update(memory_id, "I prefer green tea now.")
    assert answer["message"] == "Memory updated successfully!"
    got = found(memory.get(memory_id))
    assert got["memory"] == "I prefer green tea now."
    assert got["updated_at"] >= got["created_at"]
    assert memory.search("tea", user_id="u", limit=1)["results"][0]["id"] == memory_id
    history = memory.history(memory_id)
    assert [(h["event"], h["old_memory"], h["new_memory"]) for h in history] == [
        ("ADD", None, "I like coffee."),
        ("UPDATE", "I like coffee.", "I prefer green tea now."),
    ]
    assert set(history[0]) == {
        "id", "memory_id", "old_memory", "new_memory", "event", "created_at", "updated_at",
        "is_deleted", "actor_id", "role",
    }  # fmt: skip


def test_update_merges_metadata(memory: Memory) -> None:
    memory_id = ids(memory.add("x", user_id="u", metadata={"a": 1, "b": 1}, infer=False))[0]
    memory.update(memory_id, "y")
    assert found(memory.get(memory_id))["metadata"] == {"a": 1, "b": 1}
    memory.update(memory_id, "z", metadata={"b": 2, "c": None})
    assert found(memory.get(memory_id))["metadata"] == {"a": 1, "b": 2, "c": None}


def test_delete_removes_the_memory_but_keeps_history(memory: Memory) -> None:
    memory_id = ids(memory.add("temporary", user_id="u", infer=False))[0]
    assert memory.delete(memory_id)["message"] == "Memory deleted successfully!"
    assert memory.get(memory_id) is None
    assert memory.search("temporary", user_id="u")["results"] == []
    history = memory.history(memory_id)
    assert [h["event"] for h in history] == ["ADD", "DELETE"]
    assert history[-1]["is_deleted"] is True


def test_delete_all_erases_only_the_scope(memory: Memory) -> None:
    for i in range(3):
        memory.add(f"a{i}", user_id="alice", infer=False)
    memory.add("b", user_id="bob", infer=False)
    assert memory.delete_all(user_id="alice")["deleted"] == 3
    assert memory.get_all(user_id="alice")["results"] == []
    assert len(memory.get_all(user_id="bob")["results"]) == 1


def test_reset_erases_everything(memory: Memory) -> None:
    memory_id = ids(memory.add("a", user_id="alice", infer=False))[0]
    memory.add("b", agent_id="x", infer=False)
    memory.reset()
    assert memory.get_all(user_id="alice")["results"] == []
    assert memory.get_all(agent_id="x")["results"] == []
    assert memory.history(memory_id) == []
    memory.add("after reset", user_id="alice", infer=False)
    assert len(memory.get_all(user_id="alice")["results"]) == 1


def test_unknown_id_is_none_for_get_and_empty_for_history(memory: Memory) -> None:
    """As in mem0: a lookup that finds nothing is not an error."""
    assert memory.get("00000000-0000-0000-0000-000000000000") is None
    assert memory.history("00000000-0000-0000-0000-000000000000") == []


def test_delete_of_an_unknown_id_is_memory_not_found(memory: Memory) -> None:
    with pytest.raises(MemoryNotFoundError) as err:
        memory.delete("00000000-0000-0000-0000-000000000000")
    assert err.value.memory_id == "00000000-0000-0000-0000-000000000000"
    # mem0 raises ValueError("Memory with id ... not found"): code catching it still works
    assert isinstance(err.value, ValueError) and isinstance(err.value, LookupError)
    assert "Memory with id 00000000-0000-0000-0000-000000000000 not found" in str(err.value)


def test_update_of_unknown_id_is_memory_not_found_and_writes_nothing(memory: Memory) -> None:
    with pytest.raises(MemoryNotFoundError):
        memory.update("missing", "text")
    assert memory.store.count() == 0


def test_version_v10_returns_bare_lists_with_deprecation_warning(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    config = {**store_config(db_path), "version": "v1.0"}
    with Memory(config, embedder=embedder) as m:
        with pytest.warns(DeprecationWarning, match="v1.1") as record:
            added = m.add("hello there", user_id="u", infer=False)
        assert record[0].filename == __file__
        assert isinstance(added, list) and added[0]["event"] == "ADD"
        with pytest.warns(DeprecationWarning):
            assert isinstance(m.search("hello", user_id="u"), list)
        with pytest.warns(DeprecationWarning):
            assert isinstance(m.get_all(user_id="u"), list)


def test_store_reopened_sees_the_same_memories(db_path: Path, embedder: OnnxEmbedder) -> None:
    with Memory(store_config(db_path), embedder=embedder) as first:
        memory_id = ids(first.add("persist me", user_id="u", infer=False))[0]
        first.update(memory_id, "persisted")
    with Memory(store_config(db_path), embedder=embedder) as second:
        assert found(second.get(memory_id))["memory"] == "persisted"
        assert len(second.history(memory_id)) == 2
        assert second.search("persisted", user_id="u")["results"][0]["id"] == memory_id


def test_default_store_lives_under_engram_home(engram_home: Path, embedder: OnnxEmbedder) -> None:
    with Memory(embedder=embedder) as m:
        m.add("where am I stored?", user_id="u", infer=False)
    assert (engram_home / "engram.db").is_file()


def test_procedural_memory_needs_an_agent_and_an_llm(memory: Memory) -> None:
    with pytest.raises(ValidationError) as missing_agent:
        memory.add("step 1, step 2", user_id="u", memory_type="procedural_memory")
    assert missing_agent.value.field == "agent_id"
    with pytest.raises(ConfigurationError) as no_llm:
        memory.add("step 1, step 2", agent_id="a", memory_type="procedural_memory")
    assert no_llm.value.missing_field == "llm"
    with pytest.raises(ValidationError) as bad_type:
        memory.add("x", user_id="u", memory_type="semantic")
    assert bad_type.value.field == "memory_type"
    assert memory.get_all(user_id="u")["results"] == []


def test_only_system_messages_store_nothing(memory: Memory) -> None:
    result = memory.add({"role": "system", "content": "You are terse."}, user_id="u", infer=False)
    assert result == {"results": [], "relations": []}

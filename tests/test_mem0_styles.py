"""mem0 1.x and 2.x call styles through the public API, and the mem0 behaviour code relies on."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engram import Memory, ValidationError
from engram.configs.enums import MemoryType
from engram.embedders.onnx import OnnxEmbedder
from tests.scripted_llm import llm_config

TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()


def fill(memory: Memory, n: int = 30, **scope: Any) -> None:
    """``n`` memories, half of them about tea."""
    memory.add(
        [
            {"role": "user", "content": f"Note {i}: {'tea' if i % 2 else 'rain'} #{i}"}
            for i in range(n)
        ],
        infer=False,
        **(scope or {"user_id": "u"}),
    )


def texts(result: dict[str, Any]) -> list[str]:
    return [r["memory"] for r in result["results"]]


# -- counts and thresholds ------------------------------------------------------------------


def test_a_1x_call_returns_up_to_100_and_a_2x_call_up_to_20(memory: Memory) -> None:
    fill(memory, 30)
    assert len(memory.get_all(user_id="u")["results"]) == 30  # limit=100
    assert len(memory.get_all(filters={"user_id": "u"})["results"]) == 20  # top_k=20
    assert len(memory.get_all(user_id="u", top_k=25)["results"]) == 25
    assert len(memory.get_all(filters={"user_id": "u"}, limit=7)["results"]) == 7
    assert len(memory.search("note", user_id="u", threshold=0.0)["results"]) == 30
    assert len(memory.search("note", filters={"user_id": "u"}, threshold=0.0)["results"]) == 20
    assert len(memory.search("note", filters={"user_id": "u"}, top_k=3)["results"]) <= 3


def test_a_2x_call_has_mem0s_threshold_of_0_1(memory: Memory) -> None:
    fill(memory, 30)
    v1 = memory.search("quantum chromodynamics lecture", user_id="u")["results"]
    v2 = memory.search("quantum chromodynamics lecture", filters={"user_id": "u"}, top_k=100)
    assert [r for r in v1 if r["score"] >= 0.1] == v2["results"]
    assert len(v1) > len(v2["results"])  # 1.x: no threshold, everything comes back
    explicit = memory.search("quantum", filters={"user_id": "u"}, threshold=None)["results"]
    assert len(explicit) == 20


def test_limit_and_top_k_together_are_refused(memory: Memory) -> None:
    with pytest.raises(ValidationError) as err:
        memory.search("x", user_id="u", limit=5, top_k=5)
    assert err.value.field == "top_k"
    with pytest.raises(ValueError, match="top_k"):  # mem0 code catches ValueError
        memory.get_all(user_id="u", top_k=0)


# -- update ---------------------------------------------------------------------------------


def test_update_takes_text_or_data_and_merges_metadata(memory: Memory) -> None:
    memory_id = memory.add("tea", user_id="u", metadata={"a": 1}, infer=False)["results"][0]["id"]
    memory.update(memory_id, text="green tea")
    assert memory.get(memory_id)["memory"] == "green tea"  # type: ignore[index]
    memory.update(memory_id, data="black tea", metadata={"b": 2})
    got = memory.get(memory_id)
    assert got is not None and got["memory"] == "black tea" and got["metadata"] == {"a": 1, "b": 2}
    memory.update(memory_id, metadata={"a": 3})  # metadata alone keeps the text
    got = memory.get(memory_id)
    assert got is not None and got["memory"] == "black tea" and got["metadata"] == {"a": 3, "b": 2}
    assert [h["event"] for h in memory.history(memory_id)] == ["ADD", "UPDATE", "UPDATE", "UPDATE"]
    with pytest.raises(ValidationError, match="at least one"):
        memory.update(memory_id)
    with pytest.raises(ValidationError, match="both text and data"):
        memory.update(memory_id, text="a", data="b")
    memory.update(memory_id, text="same", data="same")


# -- expiration dates (mem0 2.x) -------------------------------------------------------------


def test_expired_memories_are_kept_but_hidden_unless_asked(memory: Memory) -> None:
    gone = memory.add("old tea note", user_id="u", infer=False, expiration_date="2020-01-01")
    live = memory.add("tea today", user_id="u", infer=False, expiration_date=TOMORROW)
    gone_id, live_id = gone["results"][0]["id"], live["results"][0]["id"]
    got = memory.get(gone_id)
    assert got is not None and got["expiration_date"] == "2020-01-01"
    assert [r["id"] for r in memory.search("tea", user_id="u")["results"]] == [live_id]
    assert [r["id"] for r in memory.get_all(filters={"user_id": "u"})["results"]] == [live_id]
    shown = memory.search("tea", user_id="u", show_expired=True)["results"]
    assert {r["id"] for r in shown} == {gone_id, live_id}
    assert len(memory.get_all(user_id="u", show_expired=True)["results"]) == 2
    memory.update(gone_id, expiration_date=None)  # cleared: shown again
    assert len(memory.get_all(user_id="u")["results"]) == 2
    memory.update(live_id, expiration_date=date(2001, 2, 3))
    assert memory.get(live_id)["expiration_date"] == "2001-02-03"  # type: ignore[index]
    assert [r["id"] for r in memory.get_all(user_id="u")["results"]] == [gone_id]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2030-01-02", "2030-01-02"),
        (date(2030, 1, 2), "2030-01-02"),
        (datetime(2030, 1, 2, 23, 0, tzinfo=UTC), "2030-01-02"),
        ("2030-01-02T23:30:00-02:00", "2030-01-03"),  # that moment's day in UTC
    ],
)
def test_expiration_dates_are_days(memory: Memory, given: Any, stored: str) -> None:
    added = memory.add("x", user_id="u", infer=False, expiration_date=given)
    assert memory.get(added["results"][0]["id"])["expiration_date"] == stored  # type: ignore[index]


@pytest.mark.parametrize("bad", ["next week", "2030-13-01", 20300102, True])
def test_a_bad_expiration_date_is_a_validation_error(memory: Memory, bad: Any) -> None:
    with pytest.raises(ValidationError) as err:
        memory.add("x", user_id="u", infer=False, expiration_date=bad)
    assert err.value.field == "expiration_date"
    assert memory.store.count() == 0


# -- what mem0 code relies on -------------------------------------------------------------


def test_infer_false_results_carry_role_and_actor_id(memory: Memory) -> None:
    added = memory.add(
        [
            {"role": "user", "content": "I like tea", "name": "ana"},
            {"role": "assistant", "content": "Noted!"},
        ],
        user_id="u",
        infer=False,
    )
    assert [(r["role"], r["actor_id"]) for r in added["results"]] == [
        ("user", "ana"),
        ("assistant", None),
    ]


def test_identity_keys_in_metadata_are_dropped_with_a_warning(
    memory: Memory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="engram"):
        added = memory.add(
            "x", user_id="u", infer=False, metadata={"user_id": "v", "agent_id": "a", "k": 1}
        )
    memory_id = added["results"][0]["id"]
    got = memory.get(memory_id)
    assert got is not None and got["metadata"] == {"k": 1} and got["user_id"] == "u"
    assert "agent_id" not in got
    assert memory.get_all(user_id="v")["results"] == []
    assert "metadata['user_id']" in caplog.text and "metadata['agent_id']" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="engram"):
        memory.update(memory_id, metadata={"user_id": "u", "k": 2})  # the same id: silent
    assert caplog.text == ""
    assert memory.get(memory_id)["metadata"] == {"k": 2}  # type: ignore[index]


def test_explain_gives_mem0s_score_details(memory: Memory) -> None:
    memory.add("Maya drinks green tea every morning", user_id="u", infer=False)
    hit = memory.search("Maya tea", filters={"user_id": "u"}, explain=True)["results"][0]
    details = hit["score_details"]
    assert set(details) >= {"semantic_score", "bm25_score", "entity_boost", "final_score"}
    assert details["final_score"] == hit["score"]
    assert details["threshold"] == 0.1
    assert 0 < details["semantic_score"] <= 1 and 0 < details["bm25_score"] < 1
    assert details["entity_boost"] > 0  # "Maya" is named
    assert "score_parts" in hit


def test_memory_type_may_be_mem0s_enum(
    tmp_path: Path, embedder: OnnxEmbedder, scripted: str
) -> None:
    config = llm_config(tmp_path / "p.db", "1. Open the editor. 2. Save.")
    with Memory(config, embedder=embedder) as m:
        added = m.add("how to save", agent_id="a", memory_type=MemoryType.PROCEDURAL)
        got = m.get(added["results"][0]["id"])
    assert got is not None and got["memory_type"] == "procedural_memory"
    assert type(got["memory_type"]) is str

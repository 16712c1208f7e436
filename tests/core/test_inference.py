"""add(infer=True) with an LLM: the pipeline, driven by a scripted LLM through the registry."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from engram import Memory, ProviderError
from engram.embedders.onnx import OnnxEmbedder
from engram.llms.base import CompletionRequest
from engram.prompts import FACT_EXTRACTION
from tests.conftest import found
from tests.scripted_llm import ScriptedLLM, llm_config

pytestmark = pytest.mark.usefixtures("scripted")


def facts(*items: str) -> str:
    return json.dumps({"facts": list(items)})


def decisions(*items: dict[str, Any]) -> str:
    return json.dumps({"memory": list(items)})


def make(db: Path, embedder: OnnxEmbedder, *answers: str, **options: Any) -> Memory:
    return Memory(llm_config(db, *answers, **options), embedder=embedder)


def llm_of(m: Memory) -> ScriptedLLM:
    llm = m.llm
    assert isinstance(llm, ScriptedLLM)
    return llm


def texts(m: Memory, **kwargs: Any) -> list[str]:
    return sorted(r["memory"] for r in m.get_all(user_id="u", **kwargs)["results"])


def test_new_facts_are_added_without_a_decision_call(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(db_path, embedder, facts("Is allergic to peanuts", "Lives in Lyon"))
    result = m.add(
        [
            {"role": "user", "content": "I'm allergic to peanuts; I live in Lyon."},
            {"role": "assistant", "content": "Noted!"},
        ],
        user_id="u",
    )
    assert [(r["event"], r["memory"]) for r in result["results"]] == [
        ("ADD", "Is allergic to peanuts"),
        ("ADD", "Lives in Lyon"),
    ]
    assert result["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "llm_calls": 1,
    }
    request = llm_of(m).requests[0]
    assert request.json_schema is not None and request.schema_name == "facts"
    assert "user: I'm allergic to peanuts" in request.messages[1]["content"]
    assert texts(m) == ["Is allergic to peanuts", "Lives in Lyon"]
    m.close()


def test_update_keeps_the_id_and_records_old_and_new(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(
        db_path,
        embedder,
        facts("Likes coffee"),
        facts("Likes coffee with oat milk"),
        decisions({"id": 0, "text": "Likes coffee with oat milk", "event": "UPDATE"}),
    )
    first = m.add("I like coffee", user_id="u")["results"][0]
    second = m.add("I take my coffee with oat milk", user_id="u")
    assert second["results"] == [
        {
            "id": first["id"],
            "memory": "Likes coffee with oat milk",
            "event": "UPDATE",
            "previous_memory": "Likes coffee",
        }
    ]
    assert second["usage"]["llm_calls"] == 2 and second["usage"]["total_tokens"] == 30
    history = m.history(first["id"])
    assert [(h["event"], h["old_memory"], h["new_memory"]) for h in history] == [
        ("ADD", None, "Likes coffee"),
        ("UPDATE", "Likes coffee", "Likes coffee with oat milk"),
    ]
    m.close()


def test_candidates_are_shown_with_small_integer_ids_never_uuids(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    m = make(
        db_path,
        embedder,
        facts("Has a dog named Rex", "Has a cat named Miso"),
        facts("The dog Rex is five years old"),
        decisions({"id": 0, "text": "Has a dog named Rex, five years old", "event": "UPDATE"}),
    )
    added = m.add("I have a dog, Rex, and a cat, Miso.", user_id="u")["results"]
    m.add("Rex turned five.", user_id="u")
    shown = llm_of(m).requests[-1].messages[1]["content"]
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", shown)
    assert '{"id": 0, "text": "Has a dog named Rex"}' in shown
    assert '{"id": 1, "text": "Has a cat named Miso"}' in shown
    rex = next(r for r in added if "Rex" in r["memory"])
    assert found(m.get(rex["id"]))["memory"] == "Has a dog named Rex, five years old"
    m.close()


def test_contradiction_invalidates_the_old_fact_and_adds_the_new(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    m = make(
        db_path,
        embedder,
        facts("Lives in Lyon"),
        facts("Lives in Berlin"),
        decisions(
            {"id": 0, "text": "Lives in Lyon", "event": "DELETE"},
            {"id": None, "text": "Lives in Berlin", "event": "ADD"},
        ),
    )
    lyon = m.add("I live in Lyon", user_id="u", timestamp="2024-01-01")["results"][0]
    moved = m.add("I moved to Berlin", user_id="u", timestamp="2024-06-01T00:00:00Z")
    events = sorted((r["event"], r["memory"]) for r in moved["results"])
    assert events == [("ADD", "Lives in Berlin"), ("DELETE", "Lives in Lyon")]
    assert texts(m) == ["Lives in Berlin"]
    assert texts(m, include_invalidated=True) == ["Lives in Berlin", "Lives in Lyon"]
    old = found(m.get(lyon["id"]))
    assert old["invalid_at"] == "2024-06-01T00:00:00.000000+00:00"
    row = m.history(lyon["id"])[-1]
    assert (row["event"], row["is_deleted"], row["new_memory"]) == ("DELETE", False, None)
    m.close()


def test_none_and_exact_duplicates_change_nothing(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(
        db_path,
        embedder,
        facts("Plays the cello"),
        facts("Plays the cello"),
        facts("Plays cello"),
        decisions({"id": 0, "text": "Plays cello", "event": "NONE"}),
    )
    first = m.add("I play the cello", user_id="u")["results"][0]
    again = m.add("I play the cello!", user_id="u")
    assert again["results"] == [{"id": first["id"], "memory": "Plays the cello", "event": "NONE"}]
    assert again["usage"]["llm_calls"] == 1  # an exact duplicate needs no decision call
    same = m.add("Cello is my instrument", user_id="u")
    assert [r["event"] for r in same["results"]] == ["NONE"]
    assert texts(m) == ["Plays the cello"]
    assert len(m.history(first["id"])) == 1
    m.close()


def test_hallucinated_ids_are_rejected_and_retried(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(
        db_path,
        embedder,
        facts("Works as a nurse"),
        facts("Works as a doctor"),
        decisions({"id": 7, "text": "Works as a doctor", "event": "UPDATE"}),
        decisions({"id": 0, "text": "Works as a doctor", "event": "UPDATE"}),
    )
    m.add("I am a nurse", user_id="u")
    result = m.add("I became a doctor", user_id="u")
    assert [r["event"] for r in result["results"]] == ["UPDATE"]
    assert result["usage"]["llm_calls"] == 3
    retry = llm_of(m).requests[-1].messages
    assert retry[-2]["content"].startswith('{"memory"')
    assert "id 7 was not among the existing memories (allowed: 0)" in retry[-1]["content"]
    m.close()


@pytest.mark.parametrize(
    "answer",
    [
        "not json at all",
        '{"memory": [{"id": 0, "text": "x", "event": "MERGE"}]}',
        '{"memory": [{"id": 9, "event": "DELETE"}]}',
        '{"memory": [{"id": 0, "event": "DELETE"}, {"id": 0, "event": "DELETE"}]}',
        '{"memory": [{"id": null, "text": "", "event": "ADD"}]}',
    ],
)
def test_an_answer_unusable_after_retries_raises_and_writes_nothing(
    db_path: Path, embedder: OnnxEmbedder, answer: str
) -> None:
    m = make(
        db_path,
        embedder,
        facts("Drives a red car"),
        facts("Drives a blue car"),
        answer,
        answer,
        answer,
    )
    m.add("My car is red", user_id="u")
    before = m.get_all(user_id="u", include_invalidated=True)
    with pytest.raises(ProviderError) as raised:
        m.add("I repainted my car blue", user_id="u")
    assert raised.value.error_code == "llm_answer_invalid"
    assert raised.value.details["attempts"] == 3
    assert raised.value.details["usage"]["llm_calls"] == 4
    assert m.get_all(user_id="u", include_invalidated=True) == before
    m.close()


def test_tolerant_parsing_of_fences_think_blocks_and_trailing_commas(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    m = make(
        db_path,
        embedder,
        '<think>The user mentions a sister.</think>\n```json\n{"facts": ["Has a sister",],}\n```',
        'Sure! Here you go: ["Has a brother"]',
    )
    assert m.add("I have a sister", user_id="u")["results"][0]["memory"] == "Has a sister"
    assert m.add("I have a brother", user_id="v")["results"][0]["memory"] == "Has a brother"
    m.close()


def test_no_facts_writes_nothing(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(db_path, embedder, facts())
    result = m.add("Hi there!", user_id="u")
    assert result["results"] == [] and result["usage"]["llm_calls"] == 1
    assert m.add({"role": "system", "content": "Be terse."}, user_id="u")["results"] == []
    m.close()


def test_custom_prompts_replace_the_defaults(db_path: Path, embedder: OnnxEmbedder) -> None:
    config = llm_config(
        db_path,
        facts("Likes tea"),
        decisions({"id": None, "text": "Likes tea (custom)", "event": "ADD"}),
        facts("Likes green tea"),
        decisions({"id": 0, "text": "Likes green tea", "event": "UPDATE"}),
    )
    config["custom_fact_extraction_prompt"] = "Extract {today} facts as JSON."
    config["custom_update_memory_prompt"] = "Decide, as JSON."
    m = Memory(config, embedder=embedder)
    first = m.add("I like tea", user_id="u", timestamp="2024-02-03")
    # a custom update prompt is sent on a first add too (mem0 1.x always asked), and decides
    assert [r["memory"] for r in first["results"]] == ["Likes tea (custom)"]
    m.add("Green tea, specifically", user_id="u")
    requests = llm_of(m).requests
    assert requests[0].messages[0]["content"] == "Extract 2024-02-03 facts as JSON."
    assert requests[1].messages[0]["content"] == "Decide, as JSON."
    assert "(none: memory is empty)" in requests[1].messages[1]["content"]
    assert requests[3].messages[0]["content"] == "Decide, as JSON."
    m.close()


def test_instructions_are_added_to_the_extraction_prompt(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    """mem0 2.x: custom_instructions in the config, or add(prompt=...) for one call."""
    config = llm_config(db_path, facts("Likes tea"), facts("Likes coffee"))
    config["custom_instructions"] = "Only keep drinks."
    m = Memory(config, embedder=embedder)
    m.add("I like tea", user_id="u")
    m.add("I like coffee", user_id="v", prompt="Keep drinks, in French.")
    system = [r.messages[0]["content"] for r in llm_of(m).requests]
    assert system[0].startswith(FACT_EXTRACTION[:40]) and system[0].endswith("Only keep drinks.")
    assert system[1].endswith("Keep drinks, in French.")
    m.close()


def test_facts_given_as_objects_are_read_as_their_text(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    """Smaller models write {"fact": ...} or {"text": ...} objects; mem0 reads them."""
    answer = '{"facts": [{"fact": "Likes tea"}, {"text": "Owns a cat"}, {"other": 1}, "Is 30"]}'
    m = make(db_path, embedder, answer)
    added = m.add("I like tea, I own a cat and I am 30", user_id="u")
    assert sorted(r["memory"] for r in added["results"]) == ["Is 30", "Likes tea", "Owns a cat"]
    m.close()


def test_concurrent_adds_of_one_fact_make_one_memory(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(db_path, embedder, facts("Is vegetarian"), facts("Is vegetarian"))
    both_extracting = threading.Barrier(2, timeout=30)

    def wait_for_the_other(request: CompletionRequest) -> None:
        both_extracting.wait()  # both adds have read the store (empty) before either writes

    llm_of(m).before_answer = wait_for_the_other
    results: list[dict[str, Any]] = []

    def add() -> None:
        results.append(m.add("I'm vegetarian", user_id="u"))

    threads = [threading.Thread(target=add) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    events = sorted(r["results"][0]["event"] for r in results)
    assert events == ["ADD", "NONE"]
    assert texts(m) == ["Is vegetarian"]
    m.close()


def test_procedural_memory_summarises_into_one_memory(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    m = make(db_path, embedder, "1. Opened the site. 2. Logged in. 3. Downloaded the report.")
    messages = [
        {"role": "user", "content": "Get the report"},
        {"role": "assistant", "content": "Opened the site, logged in, downloaded it."},
    ]
    result = m.add(
        messages, agent_id="browser", memory_type="procedural_memory", prompt="Summarise the steps."
    )
    (item,) = result["results"]
    assert item["event"] == "ADD" and item["memory"].startswith("1. Opened the site")
    stored = found(m.get(item["id"]))
    assert stored["memory_type"] == "procedural_memory" and stored["agent_id"] == "browser"
    assert llm_of(m).requests[0].messages[0]["content"] == "Summarise the steps."
    assert result["usage"]["llm_calls"] == 1
    m.close()


def test_an_empty_procedural_summary_raises(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(db_path, embedder, "   ")
    with pytest.raises(ProviderError):
        m.add("do things", agent_id="a", memory_type="procedural_memory")
    assert m.get_all(agent_id="a")["results"] == []
    m.close()


IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}


def test_vision_describes_images_in_place(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(
        db_path,
        embedder,
        "A grey cat asleep on a red sofa.",
        facts("Has a grey cat"),
        enable_vision=True,
        vision_details="low",
    )
    content = [{"type": "text", "text": "This is my cat"}, IMAGE]
    result = m.add({"role": "user", "content": content}, user_id="u")
    assert result["results"][0]["memory"] == "Has a grey cat"
    describe, extract = llm_of(m).requests
    part = describe.messages[0]["content"][1]
    assert part == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/cat.png", "detail": "low"},
    }
    assert "[image: A grey cat asleep on a red sofa.]" in extract.messages[1]["content"]
    assert result["usage"]["llm_calls"] == 2
    m.close()


def test_without_vision_images_are_skipped_and_logged(
    db_path: Path, embedder: OnnxEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="engram")
    m = make(db_path, embedder, facts("Has a cat"))
    m.add(
        [
            {"role": "user", "content": [{"type": "text", "text": "My cat"}, IMAGE]},
            {"role": "user", "content": [IMAGE]},
        ],
        user_id="u",
    )
    (request,) = llm_of(m).requests
    assert "image" not in request.messages[1]["content"]
    assert any("enable_vision" in r.getMessage() for r in caplog.records)
    m.close()


@pytest.mark.anyio
async def test_async_memory_runs_the_same_pipeline(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    from engram import AsyncMemory

    config = llm_config(
        tmp_path / "a.db",
        facts("Likes jazz"),
        facts("Likes jazz and blues"),
        decisions({"id": 0, "text": "Likes jazz and blues", "event": "UPDATE"}),
    )
    async with AsyncMemory(config, embedder=embedder) as m:
        first = (await m.add("I like jazz", user_id="u"))["results"][0]
        second = await m.add("Blues too", user_id="u")
    assert second["results"] == [
        {
            "id": first["id"],
            "memory": "Likes jazz and blues",
            "event": "UPDATE",
            "previous_memory": "Likes jazz",
        }
    ]
    assert second["usage"]["llm_calls"] == 2


def test_a_cut_off_answer_says_to_raise_max_tokens(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(db_path, embedder, '{"facts": [', '{"facts": [', '{"facts": [', truncated=True)
    with pytest.raises(ProviderError, match="raise the LLM's max_tokens"):
        m.add("I have three cats", user_id="u")
    m.close()

"""Hybrid search through the public API: lexical + semantic, filters, entities, time, explain."""

from __future__ import annotations

from pathlib import Path

import pytest

from engram import Memory, ValidationError
from engram.embedders.onnx import OnnxEmbedder
from tests.conftest import store_config


def texts(result: dict[str, object]) -> list[str]:
    """The memories of a result, in order."""
    return [r["memory"] for r in result["results"]]  # type: ignore[attr-defined]


def test_an_exact_rare_word_is_found_lexically(memory: Memory) -> None:
    memory.add("The wifi password is zebra-7781.", user_id="u", infer=False)
    for i in range(20):
        memory.add(f"We talked about network settings and routers, note {i}.", user_id="u",
                   infer=False)  # fmt: skip
    top = memory.search("zebra-7781", user_id="u", limit=1, explain=True)["results"][0]
    assert top["memory"] == "The wifi password is zebra-7781."
    assert top["score_parts"]["lexical_rank"] == 1


def test_the_speaker_named_in_the_query_is_favoured(memory: Memory) -> None:
    memory.add({"role": "user", "content": "I adopted a puppy last week.", "name": "Leo"},
               user_id="u", infer=False)  # fmt: skip
    memory.add({"role": "user", "content": "I adopted a kitten last week.", "name": "Maya"},
               user_id="u", infer=False)  # fmt: skip
    hits = memory.search("What pet did Maya adopt?", user_id="u", explain=True)["results"]
    assert hits[0]["memory"] == "I adopted a kitten last week."
    assert hits[0]["score_parts"]["entity"] is True
    assert hits[1]["score_parts"]["entity"] is False


def test_a_time_named_in_the_query_favours_memories_of_that_time(memory: Memory) -> None:
    memory.add("We went to the beach.", user_id="u", infer=False, timestamp="2021-07-10")
    memory.add("We went to the beach again.", user_id="u", infer=False, timestamp="2023-07-10")
    hits = memory.search("where did we go in 2021?", user_id="u", explain=True)["results"]
    assert hits[0]["memory"] == "We went to the beach."
    assert [h["score_parts"]["time"] for h in hits] == [1.0, 0.0]


def test_a_memorys_relative_time_is_read_at_its_own_time(memory: Memory) -> None:
    """ "yesterday", said on 8 May 2023, answers a question about 7 May 2023."""
    memory.add("I went to the climbing gym yesterday.", user_id="u", infer=False,
               timestamp="2023-05-08T13:56:00Z")  # fmt: skip
    memory.add("I went to the climbing gym with Leo.", user_id="u", infer=False,
               timestamp="2023-06-20T10:00:00Z")  # fmt: skip
    hits = memory.search("Where did I go on 7 May 2023?", user_id="u", explain=True)["results"]
    assert hits[0]["memory"] == "I went to the climbing gym yesterday."
    assert [h["score_parts"]["time"] for h in hits] == [1.0, 0.0]


def test_a_question_asking_when_favours_memories_that_state_a_time(memory: Memory) -> None:
    memory.add("We adopted a puppy from the shelter.", user_id="u", infer=False)
    memory.add("We adopted a puppy from the shelter last spring.", user_id="u", infer=False)
    hits = memory.search("When did we adopt the puppy?", user_id="u", explain=True)["results"]
    assert hits[0]["memory"] == "We adopted a puppy from the shelter last spring."
    assert [h["score_parts"]["when"] for h in hits] == [True, False]
    plain = memory.search("Which puppy did we adopt?", user_id="u", explain=True)["results"]
    assert not any(h["score_parts"]["when"] for h in plain)


def test_an_event_the_query_names_is_found_and_gives_the_time(memory: Memory) -> None:
    """ "after the wedding": the wedding is a memory; what was said after it is favoured."""
    memory.add("I took up pottery classes.", user_id="u", infer=False, timestamp="2022-01-10")
    memory.add("My sister's wedding in Porto was wonderful.", user_id="u", infer=False,
               timestamp="2022-06-04")  # fmt: skip
    memory.add("I took up salsa classes.", user_id="u", infer=False, timestamp="2022-09-01")
    hits = memory.search("What classes did I take up after the wedding?", user_id="u",
                         explain=True)["results"]  # fmt: skip
    assert hits[0]["memory"] == "I took up salsa classes."
    by_text = {h["memory"]: h["score_parts"]["time"] for h in hits}
    assert by_text["I took up salsa classes."] == 1.0
    assert by_text["I took up pottery classes."] == 0.0


def test_an_events_own_stated_time_is_its_time(memory: Memory) -> None:
    """ "We went camping last week", said on 20 May 2023, puts the camping in 8-14 May: a stove
    bought on 16 May came after it, though before the memory was said."""
    memory.add("We went camping in the hills last week.", user_id="u", infer=False,
               timestamp="2023-05-20")  # fmt: skip
    memory.add("I bought a tent.", user_id="u", infer=False, timestamp="2023-05-05")
    memory.add("I bought a stove.", user_id="u", infer=False, timestamp="2023-05-16")
    hits = memory.search("What did I buy before the camping trip?", user_id="u",
                         explain=True)["results"]  # fmt: skip
    by_text = {h["memory"]: h["score_parts"]["time"] for h in hits}
    assert by_text["I bought a tent."] == 1.0
    assert by_text["I bought a stove."] == 0.0


def test_the_reply_to_a_matching_turn_is_retrieved(memory: Memory) -> None:
    memory.add(
        [{"role": "user", "content": "What did you name the boat?", "name": "Ana"},
         {"role": "user", "content": "Seagull, after my grandmother's nickname.", "name": "Leo"}],
        user_id="u", infer=False, timestamp="2024-05-01T10:00:00Z",
    )  # fmt: skip
    for i in range(10):
        memory.add(f"Unrelated remark number {i} about groceries.", user_id="u", infer=False,
                   timestamp="2024-06-01T10:00:00Z")  # fmt: skip
    hits = memory.search("boat name", user_id="u", limit=3, explain=True)["results"]
    reply = next(h for h in hits if h["memory"].startswith("Seagull"))
    assert reply["score_parts"]["neighbour"] > 0


def test_a_list_of_facts_added_at_once_is_no_conversation(memory: Memory) -> None:
    """The neighbour of the true match in a list of unrelated facts lends it nothing."""
    facts = ["My passport expires in 2027.", "I am allergic to penicillin.",
             "Our dog is a twelve-year-old beagle.", "I take the train to work."]  # fmt: skip
    memory.add([{"role": "user", "content": f} for f in facts], user_id="u", infer=False)
    for fact in facts:
        hits = memory.search(fact, user_id="u", explain=True)["results"]
        assert hits[0]["memory"] == fact
        assert all(h["score_parts"]["neighbour"] == 0.0 for h in hits)


def test_the_same_query_gives_the_same_order_every_time(
    memory: Memory, db_path: Path, embedder: OnnxEmbedder
) -> None:
    for i in range(12):  # identical texts: equal evidence, ties broken by id
        memory.add("We walked along the river.", user_id="u", infer=False)
        memory.add(f"We walked along the river to bridge {i % 3}.", user_id="u", infer=False)
    first = memory.search("walk by the river", user_id="u", limit=24)["results"]
    assert len({h["score"] for h in first}) < len(first)  # there are ties to break
    for _ in range(20):
        again = memory.search("walk by the river", user_id="u", limit=24)["results"]
        assert [(h["id"], h["score"]) for h in again] == [(h["id"], h["score"]) for h in first]
    tied = [h for h in first if h["memory"] == "We walked along the river."]
    assert [h["id"] for h in tied] == sorted(h["id"] for h in tied)
    with Memory(store_config(db_path), embedder=embedder) as other:  # another process's view
        hits = other.search("walk by the river", user_id="u", limit=24)["results"]
        assert [h["id"] for h in hits] == [h["id"] for h in first]


def test_filters_apply_to_both_lexical_and_semantic_candidates(memory: Memory) -> None:
    memory.add("Project Falcon deadline is Friday.", user_id="u", metadata={"team": "a"},
               infer=False)  # fmt: skip
    memory.add("Project Falcon budget was approved.", user_id="u", metadata={"team": "b"},
               infer=False)  # fmt: skip
    hits = memory.search("Falcon", user_id="u", filters={"team": "b"}, explain=True)["results"]
    assert texts({"results": hits}) == ["Project Falcon budget was approved."]
    assert hits[0]["score_parts"]["lexical_rank"] == 1
    assert memory.search("Falcon", user_id="u", filters={"team": "c"})["results"] == []


def test_unrelated_queries_score_low_so_threshold_filters(memory: Memory) -> None:
    memory.add("I like coffee in the morning.", user_id="u", infer=False)
    memory.add("My sister lives in Lisbon.", user_id="u", infer=False)
    relevant = memory.search("coffee", user_id="u")["results"]
    assert relevant[0]["memory"] == "I like coffee in the morning."
    unrelated = memory.search("quantum chromodynamics lecture", user_id="u")["results"]
    assert max(h["score"] for h in unrelated) < relevant[0]["score"] / 2
    assert memory.search("quantum chromodynamics lecture", user_id="u",
                         threshold=0.3)["results"] == []  # fmt: skip


def test_scores_are_in_unit_range_and_descending(memory: Memory) -> None:
    for i in range(15):
        memory.add(f"Fact {i}: Maya likes hiking and tea number {i}.", user_id="u", infer=False)
    hits = memory.search("Maya hiking tea", user_id="u", limit=15)["results"]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert "score_parts" not in hits[0]


def test_rerank_without_a_reranker_is_ignored_as_in_mem0(memory: Memory) -> None:
    memory.add("x marks the spot", user_id="u", infer=False)
    plain = memory.search("x", user_id="u", rerank=False)
    assert memory.search("x", user_id="u", rerank=True) == plain
    with pytest.raises(ValidationError):
        memory.search("x", user_id="u", explain="yes")  # type: ignore[arg-type]

"""Graph memory with an LLM: the wire of its extraction and decision calls, scripted.

One call returns the facts and the relations each states; a decision call, only when the
entities involved already have live relations, lists the contradicted ones; answers are
validated and asked again when unusable; ``infer=False`` adds and a ``graph_store.llm`` of
its own use a relations-only call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engram import Memory, ProviderError
from engram.embedders.onnx import OnnxEmbedder
from tests.scripted_llm import ScriptedLLM, llm_config

pytestmark = pytest.mark.usefixtures("scripted")


def rel(
    index: int, source: str, relationship: str, destination: str, key: str = "fact"
) -> dict[str, Any]:
    return {
        key: index,
        "source": source,
        "source_type": "person",
        "relationship": relationship,
        "destination": destination,
        "destination_type": "place",
    }


def answer(facts: list[str], *relations: dict[str, Any]) -> str:
    return json.dumps({"facts": facts, "relations": list(relations)})


def make(db: Path, embedder: OnnxEmbedder, *answers: str, **graph: Any) -> Memory:
    config = llm_config(db, *answers)
    config["graph_store"] = {"provider": "sqlite", **graph}
    return Memory(config, embedder=embedder)


def scripted(m: Memory) -> ScriptedLLM:
    assert isinstance(m.llm, ScriptedLLM)
    return m.llm


def triples(m: Memory, **kwargs: Any) -> set[tuple[str, str, str]]:
    rows = m.graph.relations(user_id="maya", **kwargs)
    return {(r["source"], r["relationship"], r["destination"]) for r in rows}


def test_one_call_extracts_facts_and_relations(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(
        db_path,
        embedder,
        answer(
            ["Ana is Maya's sister", "Ana works at Feedzai"],
            rel(0, "Ana", "sister of", "I"),
            rel(1, "Ana", "works_at", "Feedzai"),
        ),
        custom_prompt="Only people and companies.",
    )
    result = m.add(
        [{"role": "user", "content": "My sister Ana works at Feedzai.", "name": "Maya"}],
        user_id="maya",
    )
    assert result["usage"]["llm_calls"] == 1
    [request] = scripted(m).requests
    assert request.schema_name == "facts and relations" and request.json_schema is not None
    assert "Maya" in request.messages[0]["content"]
    assert "- Only people and companies." in request.messages[0]["content"]
    added = [item for [item] in result["relations"]["added_entities"]]
    assert {(r["source"], r["relationship"], r["target"]) for r in added} == {
        ("ana", "sister_of", "maya"),
        ("ana", "works_at", "feedzai"),
    }
    ids = {r["memory"]: r["id"] for r in result["results"]}
    by_relationship = {r["relationship"]: r for r in added}
    assert by_relationship["works_at"]["memory_ids"] == [ids["Ana works at Feedzai"]]
    assert by_relationship["sister_of"]["memory_ids"] == [ids["Ana is Maya's sister"]]
    assert result["relations"]["deleted_entities"] == []
    m.close()


def test_a_contradiction_is_decided_in_one_call_and_invalidates(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    m = make(
        db_path,
        embedder,
        answer(["Ana lives in Lisbon"], rel(0, "Ana", "lives_in", "Lisbon")),
        answer(["Ana lives in Porto"], rel(0, "Ana", "lives_in", "Porto")),
        json.dumps({"memory": [{"id": 0, "text": "", "event": "DELETE"},
                               {"id": None, "text": "Ana lives in Porto", "event": "ADD"}]}),
        json.dumps({"invalidate": [7]}),  # not shown: asked again
        json.dumps({"invalidate": [0]}),
    )  # fmt: skip
    m.add("Ana lives in Lisbon.", user_id="maya", timestamp="2024-01-01")
    second = m.add("Ana moved to Porto.", user_id="maya", timestamp="2025-01-01")
    requests = scripted(m).requests
    assert [r.schema_name for r in requests] == [
        "facts and relations",
        "facts and relations",
        "memory",
        "contradictions",
        "contradictions",
    ]
    assert "ana -- lives_in -- lisbon" in requests[3].messages[1]["content"]
    assert "not among the relations" in requests[4].messages[-1]["content"]
    [[deleted]] = second["relations"]["deleted_entities"]
    assert (deleted["destination"], deleted["invalid_at"]) == (
        "lisbon",
        "2025-01-01T00:00:00.000000+00:00",
    )
    assert triples(m) == {("ana", "lives_in", "porto")}
    assert triples(m, as_of="2024-06-01") == {("ana", "lives_in", "lisbon")}
    m.close()


def test_relations_of_a_fact_that_was_not_kept_are_not_written(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    m = make(
        db_path,
        embedder,
        answer(["Likes tea"], rel(0, "Maya", "likes", "tea")),
        answer(["Likes tea and coffee", "Has a cat"], rel(0, "Maya", "likes", "coffee"),
               rel(1, "Maya", "owns", "cat")),
        json.dumps({"memory": [{"id": 0, "text": "Likes tea and coffee", "event": "UPDATE"}]}),
        json.dumps({"invalidate": []}),
    )  # fmt: skip
    m.add("I like tea", user_id="maya")
    second = m.add("I like coffee too; I have a cat", user_id="maya")
    assert [r["event"] for r in second["results"]] == ["UPDATE"]
    assert triples(m) == {("maya", "likes", "tea"), ("maya", "likes", "coffee")}
    m.close()


def test_an_index_out_of_range_is_asked_again(db_path: Path, embedder: OnnxEmbedder) -> None:
    m = make(
        db_path,
        embedder,
        answer(["Ana lives in Lisbon"], rel(3, "Ana", "lives_in", "Lisbon")),
        answer(["Ana lives in Lisbon"], rel(0, "Ana", "lives_in", "Lisbon")),
    )
    result = m.add("Ana lives in Lisbon", user_id="maya")
    assert result["usage"]["llm_calls"] == 2
    retry = scripted(m).requests[1].messages[-1]["content"]
    assert "fact index 3 does not exist" in retry
    m.close()


def test_an_unusable_answer_writes_nothing(db_path: Path, embedder: OnnxEmbedder) -> None:
    bad = answer(["Ana lives in Lisbon"], {"fact": 0, "source": "Ana"})
    m = make(db_path, embedder, bad, bad, bad)
    with pytest.raises(ProviderError):
        m.add("Ana lives in Lisbon", user_id="maya")
    assert m.get_all(user_id="maya")["results"] == []
    assert m.graph.entities(user_id="maya") == []
    m.close()


def test_infer_false_asks_for_relations_of_each_message(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    m = make(
        db_path,
        embedder,
        json.dumps({"relations": [rel(1, "me", "visited", "Paris", key="index"),
                                  rel(0, "user", "likes", "croissants", key="index")]}),
    )  # fmt: skip
    result = m.add(
        [
            {"role": "user", "content": "I love croissants.", "name": "Maya"},
            {"role": "user", "content": "I went to Paris.", "name": "Maya"},
        ],
        user_id="maya",
        infer=False,
    )
    [request] = scripted(m).requests
    assert request.schema_name == "relations"
    assert "0: I love croissants.\n1: I went to Paris." in request.messages[1]["content"]
    ids = [r["id"] for r in result["results"]]
    rows = {r["relationship"]: r for r in m.graph.relations(user_id="maya")}
    assert rows["visited"]["memory_ids"] == [ids[1]] and rows["likes"]["memory_ids"] == [ids[0]]
    assert rows["visited"]["source"] == "maya"
    assert result["usage"]["llm_calls"] == 1
    m.close()


def test_a_graph_llm_of_its_own_answers_the_graph(db_path: Path, embedder: OnnxEmbedder) -> None:
    own = {"provider": "scripted", "config": {"answers": [
        json.dumps({"relations": [rel(0, "Maya", "lives_in", "Lyon", key="index")]})]}}  # fmt: skip
    m = make(db_path, embedder, json.dumps({"facts": ["Lives in Lyon"]}), llm=own)
    result = m.add("I live in Lyon", user_id="maya")
    assert [r.schema_name for r in scripted(m).requests] == ["facts"]
    graph_llm = m._runtime.graph_llm
    assert isinstance(graph_llm, ScriptedLLM)
    assert [r.schema_name for r in graph_llm.requests] == ["relations"]
    assert result["usage"]["llm_calls"] == 2
    assert triples(m) == {("maya", "lives_in", "lyon")}
    m.close()


def test_a_custom_fact_prompt_keeps_its_call_and_relations_come_from_another(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    config = llm_config(
        db_path,
        json.dumps({"facts": ["Lives in Lyon"]}),
        json.dumps({"relations": [rel(0, "Maya", "lives_in", "Lyon", key="index")]}),
    )
    config["graph_store"] = {"provider": "sqlite"}
    config["custom_fact_extraction_prompt"] = "Facts only. {today}"
    m = Memory(config, embedder=embedder)
    m.add("I live in Lyon", user_id="maya")
    assert [r.schema_name for r in scripted(m).requests] == ["facts", "relations"]
    assert triples(m) == {("maya", "lives_in", "lyon")}
    m.close()

"""search(rerank=True) with the LLM reranker, driven by a scripted LLM through the registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engram import ConfigurationError, Memory, ProviderError
from engram.embedders.onnx import OnnxEmbedder
from tests.scripted_llm import ScriptedLLM, llm_config

pytestmark = pytest.mark.usefixtures("scripted")


def reranking_memory(path: Path, embedder: OnnxEmbedder, *answers: str, top_k: int = 3) -> Memory:
    """A Memory whose reranker grades with the scripted answers."""
    config: dict[str, Any] = {
        **llm_config(path, *answers),
        "reranker": {"provider": "llm", "config": {"top_k": top_k}},
    }
    return Memory(config, embedder=embedder)


def grades(*pairs: tuple[int, int]) -> str:
    """A reranker answer."""
    return json.dumps({"scores": [{"id": i, "relevance": r} for i, r in pairs]})


def fill(memory: Memory) -> None:
    """Three memories about tea, added as given (no LLM call)."""
    for text in ("I drink green tea daily.", "Tea shops in Kyoto are lovely.", "Tea is a plant."):
        memory.add(text, user_id="u", infer=False)


def test_the_llm_grades_reorder_the_best_results(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    with reranking_memory(tmp_path / "r.db", embedder, grades((0, 1), (1, 2), (2, 10))) as m:
        fill(m)
        plain = m.search("tea", user_id="u", limit=3, rerank=False)["results"]
        result = m.search("tea", user_id="u", limit=3, rerank=True, explain=True)
        llm: ScriptedLLM = m.llm
    reranked = result["results"]
    assert reranked[0]["memory"] == plain[2]["memory"]  # graded 10: now first
    assert reranked[0]["score_parts"]["rerank"] == 1.0
    scores = [r["score"] for r in reranked]
    assert scores == sorted(scores, reverse=True)
    assert result["usage"] == {
        "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "llm_calls": 1,
    }  # fmt: skip
    [request] = llm.requests
    assert request.schema_name == "relevance" and request.json_schema is not None
    shown = request.messages[-1]["content"]
    assert "Question: tea" in shown and "0. " in shown and "2. " in shown and "3. " not in shown


def test_unknown_ids_are_retried_and_ungraded_memories_count_as_unrelated(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    answers = (grades((7, 9)), grades((1, 8)))
    with reranking_memory(tmp_path / "r.db", embedder, *answers) as m:
        fill(m)
        plain = m.search("tea", user_id="u", limit=3, rerank=False)["results"]
        reranked = m.search("tea", user_id="u", limit=3, rerank=True, explain=True)["results"]
        llm: ScriptedLLM = m.llm
    assert len(llm.requests) == 2
    assert "ids [7] were not shown" in llm.requests[1].messages[-1]["content"]
    assert reranked[0]["memory"] == plain[1]["memory"]
    assert sorted(r["score_parts"]["rerank"] for r in reranked) == [0.0, 0.0, 0.8]


def test_results_past_top_k_stay_below_the_graded_ones(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    with reranking_memory(tmp_path / "r.db", embedder, grades((0, 0)), top_k=1) as m:
        fill(m)
        reranked = m.search("tea", user_id="u", limit=3, rerank=True)["results"]
    assert len(reranked) == 3
    assert reranked[0]["score"] >= reranked[1]["score"] >= reranked[2]["score"]


def test_an_answer_that_stays_unusable_is_a_provider_error(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    with reranking_memory(tmp_path / "r.db", embedder, "nope", "{", '{"scores": "high"}') as m:
        fill(m)
        with pytest.raises(ProviderError, match="relevance"):
            m.search("tea", user_id="u", rerank=True)


def test_the_llm_reranker_needs_an_llm(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    config = {
        "vector_store": {"provider": "sqlite", "config": {"path": str(tmp_path / "x.db")}},
        "reranker": {"provider": "llm_reranker", "config": {"top_k": 5}},
    }
    with pytest.raises(ConfigurationError) as err:
        Memory(config, embedder=embedder)
    assert err.value.missing_field == "llm"
    bad = {**config, "reranker": {"provider": "llm", "config": {"top_n": 5}}}
    with pytest.raises(ConfigurationError, match="top_k"):
        Memory(bad, embedder=embedder)


def test_a_mem0_1x_call_reranks_by_default_and_a_2x_call_does_not(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    """mem0 1.x's search reranks when a reranker is configured (rerank=True by default);
    2.x's only when asked (rerank=False by default)."""
    with reranking_memory(tmp_path / "r.db", embedder, grades((0, 1), (1, 2), (2, 10))) as m:
        fill(m)
        v2 = m.search("tea", filters={"user_id": "u"}, top_k=3)["results"]
        llm: ScriptedLLM = m.llm
        assert llm.requests == []
        v1 = m.search("tea", user_id="u", limit=3)["results"]
        assert len(llm.requests) == 1
    assert v1[0]["memory"] == v2[2]["memory"]  # graded 10: now first

"""The embedder interface: memories through ``embed_batch``, queries through ``embed_queries``."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from engram import ConfigurationError, Embedder, Memory
from engram.embedders.base import (
    MAX_PROMPT_CHARS,
    CachedEmbedder,
    Vectors,
    prompted_name,
    with_prompt,
)
from engram.embedders.onnx import OnnxEmbedder, OnnxEmbedderConfig
from tests.conftest import store_config


class Hashing(Embedder):
    """A third-party embedder as written before queries had their own method."""

    name, dimension = "hashing:32", 32

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        self.seen += list(texts)
        out = np.full((len(texts), self.dimension), 0.01, dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        unit: Vectors = out / np.linalg.norm(out, axis=1, keepdims=True)
        return unit


class Asymmetric(Hashing):
    """Queries are encoded with a prompt of their own."""

    name = "asymmetric:32"

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.embed_batch(with_prompt(texts, "query: "))


def test_an_embedder_with_only_embed_batch_embeds_queries_the_same_way(tmp_path: Path) -> None:
    embedder = Hashing()
    np.testing.assert_array_equal(embedder.embed_query("tea"), embedder.embed("tea"))
    embedder.seen.clear()
    with Memory(store_config(tmp_path / "m.db"), embedder=embedder) as m:
        m.add("I drink green tea", user_id="u", infer=False)
        assert m.search("green tea", user_id="u")["results"][0]["memory"] == "I drink green tea"
    assert embedder.seen == ["I drink green tea", "green tea"]  # the memory, then the query


def test_search_embeds_the_query_as_a_query_and_memories_as_documents(tmp_path: Path) -> None:
    embedder = Asymmetric()
    with Memory(store_config(tmp_path / "m.db"), embedder=embedder) as m:
        m.add("I drink green tea", user_id="u", infer=False)
        m.search("green tea", user_id="u")
    assert embedder.seen[0] == "I drink green tea"
    assert "query: green tea" in embedder.seen


def test_the_cache_keeps_queries_and_documents_apart() -> None:
    inner = Asymmetric()
    cached = CachedEmbedder(inner)
    document, query = cached.embed("tea"), cached.embed_query("tea")
    assert not np.allclose(document, query)
    cached.embed("tea"), cached.embed_query("tea")
    assert inner.seen == ["tea", "query: tea"] and cached.cache_size() == 2


def test_prompts_prefix_texts_and_the_document_prompt_names_the_embedder() -> None:
    assert with_prompt(["a", "b"], "passage: ") == ["passage: a", "passage: b"]
    assert with_prompt(["a"], None) == ["a"]
    assert prompted_name("onnx:m", None) == "onnx:m"
    assert prompted_name("onnx:m", "passage: ") == "onnx:m|document_prompt='passage: '"


def test_onnx_prompts(embedder: OnnxEmbedder) -> None:
    prompted = OnnxEmbedder(OnnxEmbedderConfig(query_prompt="query: ", document_prompt="doc: "))
    np.testing.assert_allclose(
        prompted.embed_queries(["tea"]), embedder.embed_queries(["query: tea"]), atol=1e-6
    )
    np.testing.assert_allclose(
        prompted.embed_batch(["tea"]), embedder.embed_batch(["doc: tea"]), atol=1e-6
    )
    exact = OnnxEmbedder(OnnxEmbedderConfig(fast_queries=False, query_prompt="query: "))
    np.testing.assert_array_equal(
        exact.embed_queries(["tea"]), embedder.embed_batch(["query: tea"])
    )
    assert prompted.name == "onnx:all-MiniLM-L6-v2|document_prompt='doc: '"
    assert embedder.name == "onnx:all-MiniLM-L6-v2"


def test_prompts_are_bounded() -> None:
    """A prompt is a prefix of a few words; a huge one is a ConfigurationError at once."""
    with pytest.raises(ConfigurationError, match="query_prompt"):
        OnnxEmbedderConfig(query_prompt="x" * (MAX_PROMPT_CHARS + 1))
    with pytest.raises(ConfigurationError, match="document_prompt"):
        OnnxEmbedderConfig(document_prompt="x" * (MAX_PROMPT_CHARS + 1))
    assert OnnxEmbedderConfig(query_prompt="x" * MAX_PROMPT_CHARS).query_prompt

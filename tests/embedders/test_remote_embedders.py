"""The openai, ollama and sentence_transformers embedders (scripted HTTP / stand-in module)."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from engram import AuthenticationError, ConfigurationError, Memory, ProviderError, get_registry
from engram.embedders.openai import (
    OllamaEmbedder,
    OllamaEmbedderConfig,
    OpenAIEmbedder,
    OpenAIEmbedderConfig,
)
from engram.embedders.sentence_transformers import (
    SentenceTransformersConfig,
    SentenceTransformersEmbedder,
)
from tests.conftest import store_config
from tests.llms.wire import Wire, ok


def openai_rows(*rows: list[float]) -> Any:
    # answered out of order on purpose: the index decides
    data = [{"index": i, "embedding": row} for i, row in enumerate(rows)]
    return ok({"data": list(reversed(data))})


def test_openai_embeddings_request_batches_and_normalises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    wire = Wire(openai_rows([3, 4], [0, 2]), openai_rows([1, 0]))
    config = OpenAIEmbedderConfig(api_key="sk-e", embedding_dims=2, batch_size=2)
    embedder = OpenAIEmbedder(config, transport=wire.transport)
    vectors = embedder.embed_batch(["a", "b", "c"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 2)
    expected = np.array([[0.6, 0.8], [0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    assert str(wire.requests[0].url) == "https://api.openai.com/v1/embeddings"
    assert wire.requests[0].headers["authorization"] == "Bearer sk-e"
    assert wire.body(0) == {"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 2}
    assert embedder.dimension == 2 and embedder.name == "openai:text-embedding-3-small:2"


def test_the_dimension_comes_from_the_model_not_a_constant() -> None:
    wire = Wire(openai_rows([1.0] * 7))
    config = OpenAIEmbedderConfig.model_validate({"openai_base_url": "http://127.0.0.1:9/v1"})
    embedder = OpenAIEmbedder(config, transport=wire.transport)
    assert embedder.dimension == 7 and len(wire.requests) == 1
    assert embedder.dimension == 7 and len(wire.requests) == 1  # measured once
    assert "dimensions" not in wire.body() and "authorization" not in wire.requests[0].headers


def test_a_model_that_disagrees_with_embedding_dims_is_an_error() -> None:
    wire = Wire(openai_rows([1, 0, 0]), ok({"nothing": 1}))
    config = OpenAIEmbedderConfig(api_key="k", embedding_dims=2)
    embedder = OpenAIEmbedder(config, transport=wire.transport)
    with pytest.raises(ProviderError, match="3-d vectors, expected 2"):
        embedder.embed_batch(["a"])
    with pytest.raises(ProviderError, match="no data"):
        embedder.embed_batch(["a"])


def test_openai_embedder_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(AuthenticationError, match="OPENAI_API_KEY"):
        get_registry("embedders").create("openai", {})


def test_ollama_embed_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    wire = Wire(ok({"embeddings": [[0, 3], [4, 0]]}), ok({"error": "no model"}))
    embedder = OllamaEmbedder(OllamaEmbedderConfig(), transport=wire.transport)
    vectors = embedder.embed_batch(["x", "y"])
    np.testing.assert_allclose(vectors, [[0, 1], [1, 0]])
    assert str(wire.requests[0].url) == "http://localhost:11434/api/embed"
    assert wire.body() == {"model": "nomic-embed-text", "input": ["x", "y"]}
    assert embedder.name == "ollama:nomic-embed-text"
    with pytest.raises(ProviderError, match="without embeddings"):
        embedder.embed_batch(["z"])


def test_a_store_is_made_with_the_measured_dimension(tmp_path: Path) -> None:
    def answer(request: Any) -> Any:
        import json

        texts = json.loads(request.content)["input"]
        return ok({"embeddings": [[float(len(t)), 1.0, 0.5] for t in texts]})

    wire = Wire(*[answer] * 4)
    embedder = OllamaEmbedder(OllamaEmbedderConfig(model="tiny"), transport=wire.transport)
    with Memory(store_config(tmp_path / "m.db"), embedder=embedder) as m:
        m.add("hello world", user_id="u", infer=False)
        assert m.search("hello", user_id="u")["results"][0]["memory"] == "hello world"
    assert embedder.dimension == 3


class FakeModel:
    def __init__(self, name: str, device: str | None = None, **kwargs: Any) -> None:
        self.name, self.device, self.kwargs = name, device, kwargs

    def get_sentence_embedding_dimension(self) -> int:
        return 4

    def encode(self, texts: list[str], **kwargs: Any) -> Any:
        assert kwargs["normalize_embeddings"] is True
        self.calls.append(
            (list(texts), {k: kwargs[k] for k in ("prompt", "prompt_name") if k in kwargs})
        )
        return np.tile(np.array([0.5, 0.5, 0.5, 0.5]), (len(texts), 1))

    calls: ClassVar[list[tuple[list[str], dict[str, str]]]] = []


@pytest.fixture
def fake_sentence_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("sentence_transformers")
    module.SentenceTransformer = FakeModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)


@pytest.mark.usefixtures("fake_sentence_transformers")
def test_sentence_transformers_uses_the_models_dimension() -> None:
    config = SentenceTransformersConfig(model="m", device="cpu", model_kwargs={"trust": 1})
    embedder = SentenceTransformersEmbedder(config)
    assert embedder.dimension == 4 and embedder.name == "sentence-transformers:m"
    assert embedder.embed_batch(["a", "b"]).shape == (2, 4)
    with pytest.raises(ConfigurationError, match="4-d vectors, not 8"):
        SentenceTransformersEmbedder(SentenceTransformersConfig(model="m", embedding_dims=8))


@pytest.mark.usefixtures("fake_sentence_transformers")
def test_sentence_transformers_prompts_by_text_or_by_the_models_name() -> None:
    FakeModel.calls = []
    by_name = SentenceTransformersEmbedder(
        SentenceTransformersConfig(
            model="gemma", query_prompt_name="query", document_prompt_name="document"
        )
    )
    by_name.embed_batch(["a memory"])
    by_name.embed_queries(["a question"])
    assert FakeModel.calls == [
        (["a memory"], {"prompt_name": "document"}), (["a question"], {"prompt_name": "query"}),
    ]  # fmt: skip
    assert by_name.name == "sentence-transformers:gemma|document_prompt='<document>'"
    FakeModel.calls = []
    by_text = SentenceTransformersEmbedder(
        SentenceTransformersConfig(model="e5", query_prompt="query: ", document_prompt="passage: ")
    )
    by_text.embed_batch(["x"])
    by_text.embed_queries(["y"])
    assert FakeModel.calls == [(["x"], {"prompt": "passage: "}), (["y"], {"prompt": "query: "})]
    plain = SentenceTransformersEmbedder(SentenceTransformersConfig(model="m"))
    FakeModel.calls = []
    plain.embed_queries(["z"])
    assert FakeModel.calls == [(["z"], {})]


def test_remote_embedders_send_their_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    wire = Wire(openai_rows([1, 0]), openai_rows([0, 1]))
    config = OpenAIEmbedderConfig(
        api_key="k", embedding_dims=2, query_prompt="search_query: ",
        document_prompt="search_document: ",
    )  # fmt: skip
    embedder = OpenAIEmbedder(config, transport=wire.transport)
    embedder.embed_batch(["a memory"])
    embedder.embed_queries(["a question"])
    assert wire.body(0)["input"] == ["search_document: a memory"]
    assert wire.body(1)["input"] == ["search_query: a question"]
    assert embedder.name == "openai:text-embedding-3-small:2|document_prompt='search_document: '"
    answer = ok({"embeddings": [[1.0, 0.0]]})
    wire = Wire(answer, answer)
    ollama = OllamaEmbedder(
        OllamaEmbedderConfig(query_prompt="search_query: "), transport=wire.transport
    )
    ollama.embed_queries(["q"])
    ollama.embed_batch(["d"])
    assert [wire.body(i)["input"] for i in (0, 1)] == [["search_query: q"], ["d"]]
    assert ollama.name == "ollama:nomic-embed-text"


def test_sentence_transformers_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ConfigurationError, match=r"engram-recall\[sentence-transformers\]"):
        SentenceTransformersEmbedder(SentenceTransformersConfig())

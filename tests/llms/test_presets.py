"""mem0's provider names: OpenAI-compatible presets on the wire, embedder presets, huggingface,
azure_openai embeddings, the reranker's own LLM, and the errors for what engram does not offer."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engram import AuthenticationError, ConfigurationError, Memory, get_registry
from engram.core.answers import json_schema
from engram.embedders.huggingface import HuggingFaceEmbedder
from engram.embedders.onnx import OnnxEmbedder
from engram.embedders.presets import AzureOpenAIEmbedder
from engram.embedders.sentence_transformers import SentenceTransformersEmbedder
from engram.llms.base import CompletionRequest
from engram.llms.openai import OpenAILLM
from engram.registry import _BUILTINS
from tests.conftest import store_config
from tests.llms.wire import Wire, chat_answer, ok
from tests.scripted_llm import ScriptedLLM

REQUEST = CompletionRequest(
    messages=({"role": "user", "content": "hi"},),
    json_schema=json_schema("facts"),
    schema_name="facts",
)

#: provider: (chat URL, key variable or None, default model, response_format sent)
PRESETS: dict[str, tuple[str, str | None, str, str | None]] = {
    "deepseek": ("https://api.deepseek.com/chat/completions", "DEEPSEEK_API_KEY", "deepseek-chat",
                 "json_object"),
    "gemini": ("https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
               "GOOGLE_API_KEY", "gemini-2.0-flash", "json_schema"),
    "groq": ("https://api.groq.com/openai/v1/chat/completions", "GROQ_API_KEY",
             "llama-3.3-70b-versatile", "json_object"),
    "lmstudio": ("http://localhost:1234/v1/chat/completions", None,
                 "lmstudio-community/Meta-Llama-3.1-70B-Instruct-GGUF", "json_schema"),
    "minimax": ("https://api.minimax.io/v1/chat/completions", "MINIMAX_API_KEY", "MiniMax-M2.7",
                None),
    "openrouter": ("https://openrouter.ai/api/v1/chat/completions", "OPENROUTER_API_KEY",
                   "openai/gpt-4.1-mini", "json_object"),
    "sarvam": ("https://api.sarvam.ai/v1/chat/completions", "SARVAM_API_KEY", "sarvam-m", None),
    "together": ("https://api.together.xyz/v1/chat/completions", "TOGETHER_API_KEY",
                 "meta-llama/Llama-3.3-70B-Instruct-Turbo", "json_object"),
    "vllm": ("http://localhost:8000/v1/chat/completions", None, "Qwen/Qwen2.5-32B-Instruct",
             "json_schema"),
    "xai": ("https://api.x.ai/v1/chat/completions", "XAI_API_KEY", "grok-4", "json_schema"),
}  # fmt: skip
ENV = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "GEMINI_API_KEY",
       "DEEPSEEK_API_BASE", "GROQ_BASE_URL", "VLLM_BASE_URL", "VLLM_API_KEY", "XAI_API_BASE",
       "MINIMAX_API_BASE", "SARVAM_API_BASE", "TOGETHER_BASE_URL", "OPENROUTER_API_BASE",
       "LMSTUDIO_BASE_URL", "GEMINI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
       "EMBEDDING_AZURE_OPENAI_API_KEY", "EMBEDDING_AZURE_ENDPOINT",
       "EMBEDDING_AZURE_DEPLOYMENT", "EMBEDDING_AZURE_API_VERSION",
       *(key for _, key, _, _ in PRESETS.values() if key)]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def llm(name: str, wire: Wire, **options: Any) -> OpenAILLM:
    cls = get_registry("llms").get(name)
    made = cls(get_registry("llms").validate_config(name, options), transport=wire.transport)
    assert isinstance(made, OpenAILLM)
    return made


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_preset_talks_to_its_service_with_its_key_and_model(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, key_var, model, response_format = PRESETS[name]
    if key_var:
        monkeypatch.setenv(key_var, f"key-of-{name}")
    wire = Wire(chat_answer('{"facts": []}'))
    assert llm(name, wire).complete(REQUEST).text == '{"facts": []}'
    request = wire.requests[0]
    assert str(request.url) == url
    assert request.headers.get("authorization") == (f"Bearer key-of-{name}" if key_var else None)
    body = wire.body()
    assert body["model"] == model
    assert (body.get("response_format") or {}).get("type") == response_format


@pytest.mark.parametrize("name", sorted(n for n, v in PRESETS.items() if v[1]))
def test_a_hosted_preset_without_a_key_names_its_variable(name: str) -> None:
    with pytest.raises(AuthenticationError) as err:
        llm(name, Wire())
    assert str(PRESETS[name][1]) in str(err.value)


@pytest.mark.parametrize(
    ("name", "key", "url"),
    [
        ("deepseek", "deepseek_base_url", "http://127.0.0.1:9/v1"),
        ("xai", "xai_base_url", "http://127.0.0.1:9/v1"),
        ("lmstudio", "lmstudio_base_url", "http://127.0.0.1:9/v1"),
        ("vllm", "vllm_base_url", "http://127.0.0.1:9/v1"),
        ("minimax", "minimax_base_url", "http://127.0.0.1:9/v1"),
        ("groq", "openai_base_url", "http://127.0.0.1:9/v1"),
    ],
)
def test_mem0s_base_url_keys_point_a_preset_elsewhere_without_a_key(
    name: str, key: str, url: str
) -> None:
    wire = Wire(chat_answer("{}"))
    llm(name, wire, **{key: url}).complete(REQUEST)
    assert str(wire.requests[0].url) == f"{url}/chat/completions"
    assert "authorization" not in wire.requests[0].headers


def test_a_base_url_variable_and_the_structured_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("VLLM_API_KEY", "vk")
    wire = Wire(chat_answer("{}"))
    llm("vllm", wire).complete(REQUEST)
    assert str(wire.requests[0].url) == "http://127.0.0.1:9/v1/chat/completions"
    assert wire.requests[0].headers["authorization"] == "Bearer vk"
    registry = get_registry("llms")
    assert registry.get("openai_structured") is registry.get("openai")
    assert registry.get("azure_openai_structured") is registry.get("azure_openai")


# -- embedders ------------------------------------------------------------------------------


def rows(*vectors: list[float]) -> Any:
    return ok({"data": [{"index": i, "embedding": v} for i, v in enumerate(vectors)]})


@pytest.mark.parametrize(
    ("name", "env", "url", "model"),
    [
        ("lmstudio", None, "http://localhost:1234/v1/embeddings",
         "nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.f16.gguf"),
        ("together", "TOGETHER_API_KEY", "https://api.together.xyz/v1/embeddings",
         "intfloat/multilingual-e5-large-instruct"),
        ("gemini", "GOOGLE_API_KEY",
         "https://generativelanguage.googleapis.com/v1beta/openai/embeddings",
         "gemini-embedding-001"),
    ],
)  # fmt: skip
def test_embedder_presets(
    name: str, env: str | None, url: str, model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if env:
        monkeypatch.setenv(env, "k")
    registry = get_registry("embedders")
    wire = Wire(rows([3.0, 4.0]))
    config = registry.validate_config(name, {"embedding_dims": 2})
    embedder = registry.get(name)(config, transport=wire.transport)
    np.testing.assert_allclose(embedder.embed_batch(["a"]), [[0.6, 0.8]], atol=1e-6)
    assert str(wire.requests[0].url) == url
    assert wire.body()["model"] == model and wire.body()["dimensions"] == 2
    assert embedder.name == f"{name}:{model}:2"


def test_gemini_embedder_takes_mem0s_output_dimensionality(monkeypatch: pytest.MonkeyPatch) -> None:
    config = get_registry("embedders").validate_config("gemini", {"output_dimensionality": 8})
    assert config.embedding_dims == 8  # type: ignore[attr-defined]


def test_azure_openai_embeddings_on_the_wire(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDDING_AZURE_OPENAI_API_KEY", "az-key")
    wire = Wire(rows([1.0, 0.0]))
    config = get_registry("embedders").validate_config(
        "azure_openai",
        {
            "model": "text-embedding-3-large",
            "embedding_dims": 2,
            "azure_kwargs": {"azure_endpoint": "https://r.openai.azure.com/", "api_version": "v9"},
        },
    )
    embedder = AzureOpenAIEmbedder(config, transport=wire.transport)  # type: ignore[arg-type]
    embedder.embed_batch(["x"])
    request = wire.requests[0]
    assert str(request.url) == (
        "https://r.openai.azure.com/openai/deployments/text-embedding-3-large/embeddings"
        "?api-version=v9"
    )
    assert request.headers["api-key"] == "az-key"
    with pytest.raises(ConfigurationError, match="endpoint"):
        AzureOpenAIEmbedder(get_registry("embedders").validate_config("azure_openai", {}))  # type: ignore[arg-type]


def test_huggingface_minilm_runs_on_the_bundled_onnx_model() -> None:
    registry = get_registry("embedders")
    for model in ("sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"):
        embedder = registry.create("huggingface", {"model": model})
        assert isinstance(embedder.inner, OnnxEmbedder)
        assert embedder.name == "onnx:all-MiniLM-L6-v2" and embedder.dimension == 384
    assert embedder.embed_batch(["tea"]).shape == (1, 384)


def test_huggingface_with_a_base_url_asks_a_tei_server() -> None:
    embedder = get_registry("embedders").create(
        "huggingface", {"huggingface_base_url": "http://127.0.0.1:9/v1", "embedding_dims": 2}
    )
    assert isinstance(embedder, HuggingFaceEmbedder)
    assert embedder.name == "openai:tei:2" and embedder.dimension == 2


def test_huggingface_other_models_use_sentence_transformers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FakeModel:
        def __init__(self, name: str, device: Any = None, **kwargs: Any) -> None:
            self.name = name

        def get_sentence_embedding_dimension(self) -> int:
            return 3

    fake = types.ModuleType("sentence_transformers")
    fake.SentenceTransformer = FakeModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", fake)
    embedder = get_registry("embedders").create("huggingface", {})
    assert isinstance(embedder.inner, SentenceTransformersEmbedder)
    assert embedder.name == "sentence-transformers:multi-qa-MiniLM-L6-cos-v1"


# -- what engram does not offer ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "name", "says"),
    [
        ("vector_store", "qdrant", "'sqlite'"),
        ("vector_store", "chroma", "'sqlite'"),
        ("vector_store", "faiss", "'sqlite'"),
        ("vector_store", "pinecone", "'postgres'"),
        ("vector_store", "supabase", "'pgvector'"),
        ("embedder", "fastembed", "'onnx'"),
        ("embedder", "vertexai", "'gemini'"),
        ("llm", "aws_bedrock", "'litellm'"),
        ("reranker", "cohere", "'llm'"),
        ("reranker", "sentence_transformer", "'llm'"),
    ],
)
def test_mem0_providers_engram_lacks_say_what_to_use(category: str, name: str, says: str) -> None:
    config: dict[str, Any] = {category: {"provider": name, "config": {}}}
    with pytest.raises(ConfigurationError) as err:
        Memory.from_config(config)
    assert f"mem0's {category} provider {name!r}" in err.value.message
    assert says in err.value.message
    assert err.value.missing_field == f"{category}.provider"
    if category == "vector_store":
        assert "add(" in err.value.message and "Moving from mem0" in err.value.message
    assert isinstance(err.value, ValueError)


def test_an_unknown_name_still_lists_what_exists() -> None:
    with pytest.raises(ConfigurationError) as err:
        Memory.from_config({"llm": {"provider": "no-such-llm"}})
    assert err.value.message == "unknown llm provider 'no-such-llm'"
    assert sorted(err.value.details["allowed"]) == sorted(_BUILTINS["llms"])


# -- the reranker's own LLM (mem0's llm_reranker keys) ----------------------------------------


def test_the_reranker_may_grade_with_its_own_llm(
    tmp_path: Path, embedder: OnnxEmbedder, scripted: str
) -> None:
    config = {
        **store_config(tmp_path / "r.db"),
        "reranker": {
            "provider": "llm_reranker",
            "config": {
                "top_k": 2,
                "llm": {"provider": "scripted", "config": {"answers": ['{"scores": []}']}},
            },
        },
    }
    with Memory(config, embedder=embedder) as m:
        m.add("tea", user_id="u", infer=False)
        m.add("green tea", user_id="u", infer=False)
        assert m.llm is None
        rerank_llm = m._runtime.rerank_llm
        assert isinstance(rerank_llm, ScriptedLLM)
        m.search("tea", user_id="u")  # a 1.x call reranks by default
    assert len(rerank_llm.requests) == 1


def test_reranker_keys_name_an_llm_like_mem0s(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = get_registry("rerankers")
    plain = registry.validate_config("llm", {})
    assert plain.llm_block() is None  # type: ignore[attr-defined]
    own = registry.validate_config(
        "llm_reranker", {"model": "gpt-4.1-mini", "api_key": "k", "temperature": 0.0}
    )
    assert own.llm_block() == (  # type: ignore[attr-defined]
        "openai",
        {"model": "gpt-4.1-mini", "api_key": "k", "temperature": 0.0},
    )
    nested = registry.validate_config(
        "llm_reranker",
        {"model": "m", "llm": {"provider": "ollama", "config": {"ollama_base_url": "http://x"}}},
    )
    assert nested.llm_block() == ("ollama", {"ollama_base_url": "http://x", "model": "m"})  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match="scoring_prompt is not supported"):
        registry.validate_config("llm_reranker", {"scoring_prompt": "Rate {query} {document}"})


def test_mem0s_sarvam_model_dict_and_lmstudio_response_format(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SARVAM_API_KEY", "k")
    wire = Wire(chat_answer("{}"))
    model = {"name": "sarvam-m", "reasoning_effort": "high", "seed": 42}
    llm("sarvam", wire, model=model).complete(REQUEST)
    body = wire.body()
    assert body["model"] == "sarvam-m" and body["reasoning_effort"] == "high"
    assert body["seed"] == 42
    registry = get_registry("llms")
    for given, chosen in (
        ({"type": "json_schema", "json_schema": {}}, "json_schema"),
        ({"type": "json_object"}, "json_object"),
        ({"type": "text"}, "none"),
    ):
        config = registry.validate_config("lmstudio", {"lmstudio_response_format": given})
        assert config.response_format == chosen  # type: ignore[attr-defined]

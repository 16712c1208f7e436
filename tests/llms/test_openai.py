"""The openai and azure_openai providers on the wire."""

from __future__ import annotations

from pathlib import Path

import pytest

from engram import AuthenticationError, ConfigurationError, Memory, ProviderError, get_registry
from engram.core.answers import json_schema
from engram.embedders.onnx import OnnxEmbedder
from engram.llms.base import CompletionRequest
from engram.llms.openai import AzureOpenAIConfig, AzureOpenAILLM, OpenAIConfig, OpenAILLM
from tests.conftest import store_config
from tests.llms.wire import Wire, chat_answer, ok

SCHEMA_REQUEST = CompletionRequest(
    messages=({"role": "system", "content": "Extract."}, {"role": "user", "content": "hi"}),
    json_schema=json_schema("facts"),
    schema_name="facts",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_BASE",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_DEPLOYMENT",
        "OPENAI_API_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)


def openai(wire: Wire, **options: object) -> OpenAILLM:
    config = get_registry("llms").validate_config("openai", options)
    assert isinstance(config, OpenAIConfig)
    return OpenAILLM(config, transport=wire.transport)


def test_structured_output_request_and_usage() -> None:
    wire = Wire(chat_answer('{"facts": ["Likes tea"]}', prompt=40, completion=9))
    llm = openai(
        wire,
        api_key="sk-test-123456789",
        model="gpt-4o-mini",
        temperature=0.0,
        max_tokens=300,
        top_p=0.5,
    )
    completion = llm.complete(SCHEMA_REQUEST)
    assert completion.text == '{"facts": ["Likes tea"]}'
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (40, 9)
    request = wire.requests[0]
    assert str(request.url) == "https://api.openai.com/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-123456789"
    body = wire.body()
    assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0.0
    assert body["max_tokens"] == 300 and body["top_p"] == 0.5
    assert body["messages"][0] == {"role": "system", "content": "Extract."}
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "facts", "schema": json_schema("facts"), "strict": True},
    }


def test_json_mode_and_plain_requests() -> None:
    wire = Wire(chat_answer("{}"), chat_answer("plain"), chat_answer("{}"))
    llm = openai(wire, api_key="k", response_format="json_object")
    llm.complete(SCHEMA_REQUEST)
    assert wire.body()["response_format"] == {"type": "json_object"}
    llm.complete(CompletionRequest(messages=({"role": "user", "content": "hi"},)))
    assert "response_format" not in wire.body()
    openai(wire, api_key="k", response_format="none").complete(SCHEMA_REQUEST)
    assert "response_format" not in wire.body()


def test_missing_key_names_openai_api_key() -> None:
    with pytest.raises(AuthenticationError, match="OPENAI_API_KEY"):
        openai(Wire())


def test_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    wire = Wire(chat_answer("ok"))
    openai(wire).complete(SCHEMA_REQUEST)
    assert wire.requests[0].headers["authorization"] == "Bearer sk-env"


@pytest.mark.parametrize("key", ["base_url", "openai_base_url"])
def test_compatible_servers_through_base_url_need_no_key(key: str) -> None:
    wire = Wire(chat_answer("{}"))
    openai(wire, **{key: "http://127.0.0.1:8080/v1"}, model="local").complete(SCHEMA_REQUEST)
    assert str(wire.requests[0].url) == "http://127.0.0.1:8080/v1/chat/completions"
    assert "authorization" not in wire.requests[0].headers


def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:1234/v1")
    wire = Wire(chat_answer("{}"))
    openai(wire).complete(SCHEMA_REQUEST)
    assert wire.requests[0].url.host == "localhost"


def test_answers_without_a_message_are_provider_errors() -> None:
    wire = Wire(
        ok({"choices": []}),
        ok({"choices": [{"message": {"content": None}, "finish_reason": "length"}]}),
    )
    llm = openai(wire, api_key="k")
    with pytest.raises(ProviderError, match="without a message"):
        llm.complete(SCHEMA_REQUEST)
    cut = llm.complete(SCHEMA_REQUEST)
    assert cut.text == "" and cut.truncated


def test_unknown_options_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="modle"):
        get_registry("llms").validate_config("openai", {"modle": "x"})


def test_azure_deployment_url_headers_and_version() -> None:
    wire = Wire(chat_answer('{"facts": []}'))
    config = AzureOpenAIConfig.model_validate(
        {
            "model": "gpt-4o",
            "azure_kwargs": {
                "api_key": "az-key",
                "azure_endpoint": "https://res.openai.azure.com/",
                "azure_deployment": "prod-4o",
                "api_version": "2024-06-01",
                "default_headers": {"x-team": "mem"},
            },
        }
    )
    AzureOpenAILLM(config, transport=wire.transport).complete(SCHEMA_REQUEST)
    request = wire.requests[0]
    assert str(request.url) == (
        "https://res.openai.azure.com/openai/deployments/prod-4o/chat/completions"
        "?api-version=2024-06-01"
    )
    assert request.headers["api-key"] == "az-key" and request.headers["x-team"] == "mem"
    assert "authorization" not in request.headers


def test_azure_reads_the_environment_and_needs_an_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(AuthenticationError, match="AZURE_OPENAI_API_KEY"):
        AzureOpenAILLM(AzureOpenAIConfig())
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "k")
    with pytest.raises(ConfigurationError, match="AZURE_OPENAI_ENDPOINT"):
        AzureOpenAILLM(AzureOpenAIConfig())
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://e.openai.azure.com")
    wire = Wire(chat_answer("x"))
    llm = AzureOpenAILLM(AzureOpenAIConfig(model="gpt-4o-mini"), transport=wire.transport)
    llm.complete(SCHEMA_REQUEST)
    assert wire.requests[0].url.path == "/openai/deployments/gpt-4o-mini/chat/completions"
    assert wire.requests[0].url.params["api-version"] == "2024-10-21"


def test_memory_adds_through_an_openai_compatible_server(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    wire = Wire(chat_answer('{"facts": ["Is allergic to peanuts"]}', prompt=50, completion=8))
    llm = openai(wire, base_url="http://127.0.0.1:9/v1")
    with Memory(store_config(tmp_path / "m.db"), embedder=embedder, llm=llm) as m:
        result = m.add("I'm allergic to peanuts", user_id="u")
    assert result["results"][0]["memory"] == "Is allergic to peanuts"
    assert result["usage"] == {
        "prompt_tokens": 50,
        "completion_tokens": 8,
        "total_tokens": 58,
        "llm_calls": 1,
    }
    assert wire.body()["response_format"]["type"] == "json_schema"


def test_memory_from_config_builds_the_llm(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    config = store_config(tmp_path / "m.db")
    config["llm"] = {"provider": "openai", "config": {"openai_base_url": "http://127.0.0.1:9/v1"}}
    with Memory(config, embedder=embedder) as m:
        assert isinstance(m._runtime.llm, OpenAILLM)
    with pytest.raises(ConfigurationError, match="engram LLM"):
        Memory(store_config(tmp_path / "n.db"), embedder=embedder, llm="gpt")  # type: ignore[arg-type]


def test_memory_without_a_key_says_which_variable_to_set(tmp_path: Path) -> None:
    config = store_config(tmp_path / "m.db")
    config["llm"] = {"provider": "openai", "config": {"model": "gpt-4.1-mini"}}
    with pytest.raises(AuthenticationError, match="OPENAI_API_KEY") as raised:
        Memory.from_config(config)
    assert raised.value.details["env_var"] == "OPENAI_API_KEY"
    assert not (tmp_path / "m.db").exists()  # the LLM is checked before the store is made

"""The ollama provider (native API) on the wire."""

from __future__ import annotations

import pytest

from engram import NetworkError, ProviderError, ValidationError
from engram.core.answers import json_schema
from engram.llms.base import CompletionRequest
from engram.llms.ollama import OllamaConfig, OllamaLLM
from tests.llms.wire import Wire, ok

REQUEST = CompletionRequest(
    messages=({"role": "user", "content": "I like tea"},),
    json_schema=json_schema("facts"),
    schema_name="facts",
)


def llm(wire: Wire, **options: object) -> OllamaLLM:
    return OllamaLLM(OllamaConfig.model_validate(options), transport=wire.transport)


def test_schema_goes_in_format_and_usage_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    wire = Wire(
        ok({"message": {"content": '{"facts": []}'}, "prompt_eval_count": 20, "eval_count": 4})
    )
    completion = llm(wire, model="qwen2.5:3b", temperature=0.0, max_tokens=99, top_p=0.8).complete(
        REQUEST
    )
    assert completion.text == '{"facts": []}' and not completion.truncated
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (20, 4)
    assert str(wire.requests[0].url) == "http://localhost:11434/api/chat"
    assert "authorization" not in wire.requests[0].headers
    assert wire.body() == {
        "model": "qwen2.5:3b",
        "messages": [{"role": "user", "content": "I like tea"}],
        "stream": False,
        "options": {"temperature": 0.0, "num_predict": 99, "top_p": 0.8},
        "format": json_schema("facts"),
    }


def test_server_from_config_alias_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = Wire(ok({"message": {"content": "x"}}), ok({"message": {"content": "x"}}))
    llm(wire, ollama_base_url="http://gpu-box:11434").complete(REQUEST)
    assert wire.requests[0].url.host == "gpu-box"
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:11500")
    llm(wire).complete(REQUEST)
    assert str(wire.requests[1].url) == "http://127.0.0.1:11500/api/chat"


def test_images_go_inline_and_urls_are_refused() -> None:
    wire = Wire(ok({"message": {"content": "A cat."}, "done_reason": "length"}))
    parts = [
        {"type": "text", "text": "Describe"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,QUJD"}},
    ]
    request = CompletionRequest(messages=({"role": "user", "content": parts},))
    completion = llm(wire).complete(request)
    assert completion.text == "A cat." and completion.truncated
    assert wire.body()["messages"] == [{"role": "user", "content": "Describe", "images": ["QUJD"]}]
    url = [{"type": "image_url", "image_url": "https://x.test/cat.png"}]
    with pytest.raises(ValidationError, match="data URIs"):
        llm(Wire()).complete(CompletionRequest(messages=({"role": "user", "content": url},)))


def test_unreachable_server_and_bad_answers() -> None:
    import httpx

    with pytest.raises(NetworkError, match="cannot reach Ollama"):
        llm(Wire(httpx.ConnectError("refused")), max_retries=0).complete(REQUEST)
    with pytest.raises(ProviderError, match="without a message"):
        llm(Wire(ok({"error": "?"}))).complete(REQUEST)

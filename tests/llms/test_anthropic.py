"""The anthropic provider on the wire."""

from __future__ import annotations

import pytest

from engram import AuthenticationError, ProviderError, RateLimitError
from engram.core.answers import json_schema
from engram.llms.anthropic import AnthropicConfig, AnthropicLLM
from engram.llms.base import CompletionRequest
from tests.llms.wire import Wire, ok

REQUEST = CompletionRequest(
    messages=(
        {"role": "system", "content": "Extract facts."},
        {"role": "user", "content": "I like tea"},
    ),
    json_schema=json_schema("facts"),
    schema_name="facts",
)


def llm(wire: Wire, **options: object) -> AnthropicLLM:
    config = AnthropicConfig.model_validate({"api_key": "sk-ant-test", **options})
    return AnthropicLLM(config, transport=wire.transport)


def test_schema_requests_force_a_tool_call() -> None:
    wire = Wire(
        ok(
            {
                "content": [
                    {"type": "tool_use", "name": "facts", "input": {"facts": ["Likes tea"]}}
                ],
                "usage": {"input_tokens": 31, "output_tokens": 7},
            }
        )
    )
    completion = llm(wire, model="claude-x", max_tokens=256, top_p=0.9).complete(REQUEST)
    assert completion.text == '{"facts": ["Likes tea"]}'
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (31, 7)
    request = wire.requests[0]
    assert str(request.url) == "https://api.anthropic.com/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    body = wire.body()
    assert body["system"] == "Extract facts."
    assert body["messages"] == [{"role": "user", "content": "I like tea"}]
    assert body["model"] == "claude-x" and body["max_tokens"] == 256 and body["top_p"] == 0.9
    assert body["tools"][0]["input_schema"] == json_schema("facts")
    assert body["tool_choice"] == {"type": "tool", "name": "facts"}


def test_plain_requests_read_text_blocks_and_convert_images() -> None:
    wire = Wire(
        ok(
            {
                "content": [{"type": "text", "text": "A cat."}],
                "usage": {},
                "stop_reason": "max_tokens",
            }
        )
    )
    parts = [
        {"type": "text", "text": "Describe"},
        {"type": "image_url", "image_url": {"url": "https://x.test/cat.png", "detail": "low"}},
        {"type": "image_url", "image_url": "data:image/png;base64,AAAA"},
        "and this",
    ]
    request = CompletionRequest(messages=({"role": "user", "content": parts},))
    completion = llm(wire).complete(request)
    assert completion.text == "A cat." and completion.truncated
    content = wire.body()["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": "Describe"},
        {"type": "image", "source": {"type": "url", "url": "https://x.test/cat.png"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
        {"type": "text", "text": "and this"},
    ]
    assert "system" not in wire.body() and "tools" not in wire.body()


def test_missing_key_and_error_mapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(AuthenticationError, match="ANTHROPIC_API_KEY"):
        AnthropicLLM(AnthropicConfig())
    import httpx

    wire = Wire(httpx.Response(429, headers={"retry-after": "0"}))
    with pytest.raises(RateLimitError):
        llm(wire, max_retries=0).complete(REQUEST)
    with pytest.raises(ProviderError, match="without content"):
        llm(Wire(ok({"type": "error"}))).complete(REQUEST)

"""The litellm provider, with a stand-in ``litellm`` module (the real one is an extra)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from engram import (
    AuthenticationError,
    ConfigurationError,
    NetworkError,
    ProviderError,
    RateLimitError,
)
from engram.core.answers import json_schema
from engram.llms.base import CompletionRequest
from engram.llms.litellm import LiteLLM, LiteLLMConfig

REQUEST = CompletionRequest(
    messages=({"role": "user", "content": "hi"},),
    json_schema=json_schema("facts"),
    schema_name="facts",
)


class Answer:
    def model_dump(self) -> dict[str, Any]:
        return {
            "choices": [{"message": {"content": "{}"}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1},
        }


@pytest.fixture
def fake_litellm(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    module = types.ModuleType("litellm")

    def completion(**kwargs: Any) -> Any:
        calls.append(kwargs)
        error = kwargs["messages"][0].get("raise")
        if error is not None:
            raise type(error, (Exception,), {})("failed")
        return Answer()

    module.completion = completion  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "litellm", module)
    return calls


def test_completion_is_called_with_schema_and_options(fake_litellm: list[dict[str, Any]]) -> None:
    config = LiteLLMConfig(model="ollama/llama3", api_key="k", base_url="http://h:1", max_retries=1)
    completion = LiteLLM(config).complete(REQUEST)
    assert completion.text == "{}" and completion.usage.total_tokens == 4
    call = fake_litellm[0]
    assert call["model"] == "ollama/llama3" and call["api_key"] == "k"
    assert call["api_base"] == "http://h:1" and call["num_retries"] == 1
    assert call["response_format"]["json_schema"]["schema"] == json_schema("facts")


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("AuthenticationError", AuthenticationError),
        ("RateLimitError", RateLimitError),
        ("APIConnectionError", NetworkError),
        ("BadRequestError", ProviderError),
    ],
)
def test_errors_are_mapped(fake_litellm: list[dict[str, Any]], name: str, error: type) -> None:
    request = CompletionRequest(messages=({"role": "user", "content": "hi", "raise": name},))
    with pytest.raises(error):
        LiteLLM(LiteLLMConfig()).complete(request)


def test_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "litellm", None)
    with pytest.raises(ConfigurationError, match=r"engram-recall\[litellm\]"):
        LiteLLM(LiteLLMConfig())

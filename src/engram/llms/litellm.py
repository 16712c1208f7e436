"""Any model LiteLLM reaches (``pip install "engram-recall[litellm]"``).

LiteLLM is imported only when this provider is built. Structured output is requested as
``response_format`` ``json_schema``; LiteLLM translates it for the target provider or drops it
(the core parses and validates the answer either way). Keys follow LiteLLM's own conventions.
"""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import Field

from engram._distribution import install_hint
from engram.exceptions import (
    AuthenticationError,
    ConfigurationError,
    NetworkError,
    ProviderError,
    RateLimitError,
)
from engram.llms.base import LLM, Completion, CompletionRequest
from engram.llms.openai import ChatOptions, chat_body, read_chat


class LiteLLMConfig(ChatOptions):
    """``litellm`` provider options."""

    model: str = "gpt-4.1-nano"
    api_key: str | None = None
    base_url: str | None = Field(default=None, description="passed to LiteLLM as api_base")


class LiteLLM(LLM):
    """Calls ``litellm.completion``."""

    Config = LiteLLMConfig

    def __init__(self, config: LiteLLMConfig) -> None:
        try:
            self._litellm: Any = importlib.import_module("litellm")
        except ImportError as e:
            raise ConfigurationError(
                "the litellm provider needs the litellm package",
                missing_field="llm.provider",
                suggestion=install_hint("litellm"),
            ) from e
        self.config = config
        self.enable_vision = config.enable_vision
        self.vision_details = config.vision_details

    def complete(self, request: CompletionRequest) -> Completion:
        """One completion through LiteLLM, its errors mapped onto engram's."""
        body = chat_body(request, self.config, self.config.model, "json_schema")
        if self.config.api_key:
            body["api_key"] = self.config.api_key
        if self.config.base_url:
            body["api_base"] = self.config.base_url
        body["timeout"] = self.config.timeout
        body["num_retries"] = self.config.max_retries
        try:
            response = self._litellm.completion(**body)
        except Exception as e:
            raise _mapped(e) from e
        answer = response.model_dump() if hasattr(response, "model_dump") else response
        return read_chat(answer, "LiteLLM")


def _mapped(error: Exception) -> Exception:
    """LiteLLM's exception classes (OpenAI's names) as engram's errors."""
    name = type(error).__name__
    message = f"LiteLLM: {error}"
    if name in ("AuthenticationError", "PermissionDeniedError"):
        return AuthenticationError(message, service="litellm")
    if name == "RateLimitError":
        return RateLimitError(message, retry_after=getattr(error, "retry_after", None))
    if name in ("Timeout", "APIConnectionError", "ServiceUnavailableError"):
        return NetworkError(message)
    return ProviderError(message)

"""Anthropic's Messages API.

Structured output goes through a forced tool call: the JSON schema becomes the ``input_schema``
of one tool the model must call, and the tool's input is the answer. System messages become the
``system`` parameter; ``image_url`` parts become image blocks (URL or base64 source).
The key comes from ``api_key`` or ``ANTHROPIC_API_KEY``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from pydantic import Field

from engram.exceptions import ProviderError
from engram.llms.base import LLM, Completion, CompletionRequest, Usage
from engram.llms.openai import ChatOptions
from engram.remote import JsonClient, optional_env, resolve_key

ANTHROPIC_URL = "https://api.anthropic.com/v1"
API_VERSION = "2023-06-01"


class AnthropicConfig(ChatOptions):
    """``anthropic`` provider options."""

    model: str = "claude-3-5-haiku-latest"
    api_key: str | None = None
    base_url: str | None = Field(
        default=None,
        description="for proxies and gateways; else ANTHROPIC_BASE_URL (as Anthropic's SDK "
        "reads it), else the Messages API",
    )


def _block(part: Any) -> dict[str, Any]:
    """An OpenAI-style content part as an Anthropic content block."""
    if isinstance(part, str):
        return {"type": "text", "text": part}
    if part.get("type") != "image_url":
        return {"type": "text", "text": str(part.get("text", ""))}
    value = part["image_url"]
    url = value["url"] if isinstance(value, dict) else value
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        media_type = header[5:].split(";")[0]
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }
    return {"type": "image", "source": {"type": "url", "url": url}}


def messages_body(request: CompletionRequest, config: AnthropicConfig) -> dict[str, Any]:
    """The ``/messages`` request body for ``request``."""
    system = "\n\n".join(str(m["content"]) for m in request.messages if m.get("role") == "system")
    messages = []
    for m in request.messages:
        if m.get("role") == "system":
            continue
        content = m["content"]
        if not isinstance(content, str):
            content = [_block(part) for part in content]
        messages.append({"role": m["role"], "content": content})
    body: dict[str, Any] = {
        "model": config.model,
        "max_tokens": config.max_tokens,
        "temperature": config.temperature,
        "messages": messages,
    }
    if config.top_p is not None:
        body["top_p"] = config.top_p
    if system:
        body["system"] = system
    if request.json_schema is not None:
        name = request.schema_name.replace(" ", "_")
        body["tools"] = [
            {
                "name": name,
                "description": f"Record the {request.schema_name} answer.",
                "input_schema": request.json_schema,
            }
        ]
        body["tool_choice"] = {"type": "tool", "name": name}
    return body


class AnthropicLLM(LLM):
    """Claude models through the Messages API."""

    Config = AnthropicConfig

    def __init__(
        self, config: AnthropicConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self.enable_vision = config.enable_vision
        self.vision_details = config.vision_details
        key = resolve_key(config.api_key, ("ANTHROPIC_API_KEY",), "Anthropic")
        self._client = JsonClient(
            service="Anthropic",
            base_url=optional_env(config.base_url, ("ANTHROPIC_BASE_URL",)) or ANTHROPIC_URL,
            headers={"x-api-key": key, "anthropic-version": API_VERSION},
            timeout=config.timeout,
            max_retries=config.max_retries,
            transport=transport,
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def complete(self, request: CompletionRequest) -> Completion:
        """One message; a forced tool call when the request has a schema."""
        answer = self._client.post("messages", messages_body(request, self.config))
        try:
            blocks = answer["content"]
            tool = next((b for b in blocks if b.get("type") == "tool_use"), None)
            if tool is not None:
                text = json.dumps(tool["input"])
            else:
                text = "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
        except (KeyError, TypeError, AttributeError) as e:
            raise ProviderError(
                "Anthropic answered without content", details={"answer": str(answer)[:500]}
            ) from e
        usage = answer.get("usage") or {}
        return Completion(
            text,
            Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0), 1),
            truncated=answer.get("stop_reason") == "max_tokens",
        )

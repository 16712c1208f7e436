"""Ollama's native chat API (``/api/chat``).

Structured output passes the JSON schema as ``format`` (Ollama 0.5 and later). Images are sent
inline as base64 (``images``), so they must arrive as data URIs: Ollama does not fetch URLs.
The server is ``base_url`` (``ollama_base_url`` in mem0's configs), else ``OLLAMA_HOST``, else
``http://localhost:11434``; no key is needed.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import AliasChoices, Field

from engram.exceptions import ProviderError, ValidationError
from engram.llms.base import LLM, Completion, CompletionRequest, Usage
from engram.llms.openai import ChatOptions
from engram.remote import JsonClient, optional_env

OLLAMA_URL = "http://localhost:11434"


class OllamaConfig(ChatOptions):
    """``ollama`` provider options."""

    model: str = "llama3.1:8b"
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "ollama_base_url")
    )


def ollama_base_url(configured: str | None) -> str:
    """The server: configured, ``OLLAMA_HOST``, or the local default."""
    url = optional_env(configured, ("OLLAMA_HOST",)) or OLLAMA_URL
    return url if url.startswith(("http://", "https://")) else f"http://{url}"


def _message(message: dict[str, Any]) -> dict[str, Any]:
    content = message["content"]
    if isinstance(content, str):
        return {"role": message["role"], "content": content}
    texts, images = [], []
    for part in content:
        if part.get("type") == "image_url":
            value = part["image_url"]
            url = value["url"] if isinstance(value, dict) else value
            if not url.startswith("data:"):
                raise ValidationError(
                    "Ollama takes images inline: pass them as data URIs, not URLs",
                    field="image_url",
                    value=url,
                    expected="'data:image/...;base64,...'",
                )
            images.append(url.partition(",")[2])
        else:
            texts.append(str(part.get("text", "")))
    return {"role": message["role"], "content": "\n".join(texts), "images": images}


class OllamaLLM(LLM):
    """Any model an Ollama server runs."""

    Config = OllamaConfig

    def __init__(
        self, config: OllamaConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self.enable_vision = config.enable_vision
        self.vision_details = config.vision_details
        self._client = JsonClient(
            service="Ollama",
            base_url=ollama_base_url(config.base_url),
            timeout=config.timeout,
            max_retries=config.max_retries,
            transport=transport,
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def complete(self, request: CompletionRequest) -> Completion:
        """One non-streamed chat call."""
        options: dict[str, Any] = {
            "temperature": self.config.temperature,
            "num_predict": self.config.max_tokens,
        }
        if self.config.top_p is not None:
            options["top_p"] = self.config.top_p
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": [_message(m) for m in request.messages],
            "stream": False,
            "options": options,
        }
        if request.json_schema is not None:
            body["format"] = request.json_schema
        answer = self._client.post("api/chat", body)
        try:
            text = answer["message"]["content"]
        except (KeyError, TypeError) as e:
            raise ProviderError(
                "Ollama answered without a message", details={"answer": str(answer)[:500]}
            ) from e
        return Completion(
            text,
            Usage(int(answer.get("prompt_eval_count") or 0), int(answer.get("eval_count") or 0), 1),
            truncated=answer.get("done_reason") == "length",
        )

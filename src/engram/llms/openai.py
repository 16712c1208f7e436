"""OpenAI chat completions, any OpenAI-compatible server, and Azure OpenAI.

``openai``: api.openai.com, or any server speaking the same protocol through ``base_url``
(vLLM, LM Studio, llama.cpp's llama-server, Ollama's ``/v1``; ``openai_base_url`` is accepted
as mem0's name for it). With the default base URL a key is required (``OPENAI_API_KEY``); a
local server gets one only if given. ``azure_openai``: a deployment on Azure, configured as in
mem0 through ``azure_kwargs`` (or ``AZURE_OPENAI_*`` variables).

Structured output: requests that carry a JSON schema send ``response_format`` ``json_schema``
(strict); ``response_format="json_object"`` falls back to JSON mode for servers without schemas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import httpx
from pydantic import AliasChoices, ConfigDict, Field

from engram.exceptions import ConfigurationError, ProviderError
from engram.llms.base import LLM, Completion, CompletionRequest, Usage
from engram.options import Options
from engram.remote import JsonClient, optional_env, resolve_key

OPENAI_URL = "https://api.openai.com/v1"


@dataclass(frozen=True, slots=True)
class Preset:
    """Where an OpenAI-compatible service lives and how it takes its key.

    ``base_url`` (the config's, else the first set ``url_env`` variable, else ``url``); the key
    from the config, else the first set ``key_env`` variable. A key is required when the
    service's own ``url`` is used and ``key_required`` says so (a hosted API); a server named
    by the caller, or a local one, gets a key only if one is given.
    """

    service: str
    url: str
    url_env: tuple[str, ...]
    key_env: tuple[str, ...]
    key_required: bool = True


OPENAI = Preset("OpenAI", OPENAI_URL, ("OPENAI_BASE_URL", "OPENAI_API_BASE"), ("OPENAI_API_KEY",))


class ChatOptions(Options):
    """Options every chat provider shares (mem0's names)."""

    model_config = ConfigDict(populate_by_name=True)

    temperature: float = Field(default=0.1, ge=0, le=2)
    max_tokens: int = Field(default=2000, gt=0, le=1_000_000)
    top_p: float | None = Field(default=None, gt=0, le=1)
    timeout: float = Field(default=60.0, gt=0, le=3600, description="seconds per request")
    max_retries: int = Field(
        default=2, ge=0, le=20, description="retries after a 429, 5xx or network error"
    )
    enable_vision: bool = False
    vision_details: Literal["auto", "low", "high"] = "auto"


class OpenAIConfig(ChatOptions):
    """``openai`` provider options."""

    model: str = "gpt-4.1-nano"
    api_key: str | None = None
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "openai_base_url")
    )
    response_format: Literal["json_schema", "json_object", "none"] = "json_schema"


class AzureKwargs(Options):
    """mem0's ``azure_kwargs``."""

    api_key: str | None = None
    azure_deployment: str | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None
    default_headers: dict[str, str] | None = None


class AzureOpenAIConfig(ChatOptions):
    """``azure_openai`` provider options."""

    model: str = "gpt-4.1-nano"
    azure_kwargs: AzureKwargs = Field(default_factory=AzureKwargs)
    response_format: Literal["json_schema", "json_object", "none"] = "json_schema"


def chat_body(
    request: CompletionRequest, options: ChatOptions, model: str, response_format: str
) -> dict[str, Any]:
    """The ``/chat/completions`` request body for ``request``."""
    body: dict[str, Any] = {
        "model": model,
        "messages": list(request.messages),
        "temperature": options.temperature,
        "max_tokens": options.max_tokens,
    }
    if options.top_p is not None:
        body["top_p"] = options.top_p
    if request.json_schema is not None and response_format == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": request.schema_name.replace(" ", "_"),
                "schema": request.json_schema,
                "strict": True,
            },
        }
    elif request.json_schema is not None and response_format == "json_object":
        body["response_format"] = {"type": "json_object"}
    return body


def read_chat(answer: Any, service: str) -> Completion:
    """The text and usage of a ``/chat/completions`` answer."""
    try:
        choice = answer["choices"][0]
        text = choice["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as e:
        raise ProviderError(
            f"{service} answered without a message", details={"answer": str(answer)[:500]}
        ) from e
    usage = answer.get("usage") or {}
    return Completion(
        text,
        Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), 1),
        truncated=choice.get("finish_reason") == "length",
    )


def connection(preset: Preset, base_url: str | None, api_key: str | None) -> tuple[str, str | None]:
    """The base URL and API key (None: send none) of a service, as ``preset`` says."""
    url = optional_env(base_url, preset.url_env)
    if url is None and preset.key_required:
        return preset.url, resolve_key(api_key, preset.key_env, preset.service)
    return url or preset.url, optional_env(api_key, preset.key_env)


class OpenAILLM(LLM):
    """Chat completions on OpenAI or any OpenAI-compatible server."""

    Config: type[OpenAIConfig] = OpenAIConfig
    #: The service this class talks to by default; providers of other OpenAI-compatible
    #: services (``engram.llms.presets``) are this class with another preset and defaults.
    preset: ClassVar[Preset] = OPENAI

    def __init__(
        self, config: OpenAIConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self.enable_vision = config.enable_vision
        self.vision_details = config.vision_details
        base_url, key = connection(self.preset, config.base_url, config.api_key)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        own = base_url == self.preset.url
        self._client = JsonClient(
            service=self.preset.service if own else f"OpenAI-compatible server {base_url}",
            base_url=base_url,
            headers=headers,
            timeout=config.timeout,
            max_retries=config.max_retries,
            transport=transport,
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def complete(self, request: CompletionRequest) -> Completion:
        """One chat completion."""
        body = chat_body(request, self.config, self.config.model, self.config.response_format)
        return read_chat(self._client.post("chat/completions", body), self._client.service)


class AzureOpenAILLM(LLM):
    """Chat completions on an Azure OpenAI deployment."""

    Config = AzureOpenAIConfig

    def __init__(
        self, config: AzureOpenAIConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self.enable_vision = config.enable_vision
        self.vision_details = config.vision_details
        azure = config.azure_kwargs
        key = resolve_key(azure.api_key, ("AZURE_OPENAI_API_KEY",), "Azure OpenAI")
        endpoint = optional_env(azure.azure_endpoint, ("AZURE_OPENAI_ENDPOINT",))
        if endpoint is None:
            raise ConfigurationError(
                "azure_openai needs an endpoint: set azure_kwargs.azure_endpoint or the "
                "AZURE_OPENAI_ENDPOINT environment variable",
                missing_field="llm.config.azure_kwargs.azure_endpoint",
            )
        self.deployment = (
            azure.azure_deployment
            or optional_env(None, ("AZURE_OPENAI_DEPLOYMENT",))
            or config.model
        )
        self.api_version = (
            azure.api_version or optional_env(None, ("OPENAI_API_VERSION",)) or "2024-10-21"
        )
        self._client = JsonClient(
            service="Azure OpenAI",
            base_url=f"{endpoint.rstrip('/')}/openai/deployments/{self.deployment}",
            headers={"api-key": key, **(azure.default_headers or {})},
            timeout=config.timeout,
            max_retries=config.max_retries,
            transport=transport,
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def complete(self, request: CompletionRequest) -> Completion:
        """One chat completion on the deployment."""
        body = chat_body(request, self.config, self.config.model, self.config.response_format)
        answer = self._client.post("chat/completions", body, {"api-version": self.api_version})
        return read_chat(answer, "Azure OpenAI")

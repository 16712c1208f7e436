"""Embedders of OpenAI-compatible services by mem0's provider names, and Azure OpenAI.

``lmstudio``, ``together`` and ``gemini`` are the ``openai`` embedder with another default base
URL, key variable and model (and mem0's key for the base URL, e.g. ``lmstudio_base_url``);
``azure_openai`` is a deployment on Azure, configured as in mem0 through ``azure_kwargs`` or
mem0's ``EMBEDDING_AZURE_*`` variables (``AZURE_OPENAI_*`` too).

==============  ===================================================  =====================
provider        default base URL                                     key variable
==============  ===================================================  =====================
``gemini``      https://generativelanguage.googleapis.com/v1beta/    ``GOOGLE_API_KEY``,
                openai                                               ``GEMINI_API_KEY``
``lmstudio``    http://localhost:1234/v1                             none needed
``together``    https://api.together.xyz/v1                          ``TOGETHER_API_KEY``
==============  ===================================================  =====================
"""

from __future__ import annotations

from typing import ClassVar

import httpx
from pydantic import AliasChoices, Field

from engram.embedders.openai import OpenAIEmbedder, OpenAIEmbedderConfig
from engram.exceptions import ConfigurationError
from engram.llms.openai import AzureKwargs, Preset
from engram.remote import JsonClient, optional_env, resolve_key

__all__ = ["AzureOpenAIEmbedder", "GeminiEmbedder", "LMStudioEmbedder", "TogetherEmbedder"]


def _url(*mem0_keys: str) -> AliasChoices:
    return AliasChoices("base_url", *mem0_keys, "openai_base_url")


class LMStudioEmbedderConfig(OpenAIEmbedderConfig):
    """``lmstudio`` embedder options: those of ``openai``; mem0's ``lmstudio_base_url``."""

    model: str = "nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.f16.gguf"
    base_url: str | None = Field(default=None, validation_alias=_url("lmstudio_base_url"))


class LMStudioEmbedder(OpenAIEmbedder):
    """Embeddings from a local LM Studio server."""

    Config = LMStudioEmbedderConfig
    provider: ClassVar[str] = "lmstudio"
    preset: ClassVar[Preset] = Preset(
        "LM Studio", "http://localhost:1234/v1", ("LMSTUDIO_BASE_URL",), (), key_required=False
    )


class TogetherEmbedderConfig(OpenAIEmbedderConfig):
    """``together`` embedder options: those of ``openai``."""

    model: str = "intfloat/multilingual-e5-large-instruct"
    base_url: str | None = Field(default=None, validation_alias=_url("together_base_url"))


class TogetherEmbedder(OpenAIEmbedder):
    """Together AI's embeddings."""

    Config = TogetherEmbedderConfig
    provider: ClassVar[str] = "together"
    preset: ClassVar[Preset] = Preset(
        "Together AI", "https://api.together.xyz/v1", ("TOGETHER_BASE_URL",), ("TOGETHER_API_KEY",)
    )


class GeminiEmbedderConfig(OpenAIEmbedderConfig):
    """``gemini`` embedder options: those of ``openai``; mem0's ``output_dimensionality`` is
    ``embedding_dims``."""

    model: str = "gemini-embedding-001"
    base_url: str | None = Field(default=None, validation_alias=_url("gemini_base_url"))
    embedding_dims: int | None = Field(
        default=None, gt=0, validation_alias=AliasChoices("embedding_dims", "output_dimensionality")
    )


class GeminiEmbedder(OpenAIEmbedder):
    """Google's Gemini embeddings through their OpenAI-compatible endpoint."""

    Config = GeminiEmbedderConfig
    provider: ClassVar[str] = "gemini"
    preset: ClassVar[Preset] = Preset(
        "Gemini",
        "https://generativelanguage.googleapis.com/v1beta/openai",
        ("GEMINI_BASE_URL",),
        ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    )


class AzureOpenAIEmbedderConfig(OpenAIEmbedderConfig):
    """``azure_openai`` embedder options: ``model``, mem0's ``azure_kwargs``, ``embedding_dims``,
    ``batch_size``, ``timeout``, ``max_retries``; ``api_key`` and ``base_url`` (the endpoint)
    stand in for ``azure_kwargs``' own when it lacks them."""

    azure_kwargs: AzureKwargs = Field(default_factory=AzureKwargs)


class AzureOpenAIEmbedder(OpenAIEmbedder):
    """Embeddings from an Azure OpenAI deployment."""

    Config = AzureOpenAIEmbedderConfig
    provider: ClassVar[str] = "azure_openai"

    def __init__(
        self, config: AzureOpenAIEmbedderConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self._declared = config.embedding_dims
        self._batch_size = config.batch_size
        azure = config.azure_kwargs
        key = resolve_key(
            azure.api_key or config.api_key,
            ("EMBEDDING_AZURE_OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"),
            "Azure OpenAI embeddings",
        )
        endpoint = optional_env(
            azure.azure_endpoint or config.base_url,
            ("EMBEDDING_AZURE_ENDPOINT", "AZURE_OPENAI_ENDPOINT"),
        )
        if endpoint is None:
            raise ConfigurationError(
                "the azure_openai embedder needs an endpoint: set azure_kwargs.azure_endpoint "
                "or the EMBEDDING_AZURE_ENDPOINT environment variable",
                missing_field="embedder.config.azure_kwargs.azure_endpoint",
            )
        deployment = optional_env(azure.azure_deployment, ("EMBEDDING_AZURE_DEPLOYMENT",))
        deployment = deployment or config.model
        version = optional_env(azure.api_version, ("EMBEDDING_AZURE_API_VERSION",))
        self._params = {"api-version": version or "2024-10-21"}
        dims = f":{config.embedding_dims}" if config.embedding_dims else ""
        self.name = f"azure_openai:{config.model}{dims}"
        self._client = JsonClient(
            service="Azure OpenAI embeddings",
            base_url=f"{endpoint.rstrip('/')}/openai/deployments/{deployment}",
            headers={"api-key": key, **(azure.default_headers or {})},
            timeout=config.timeout,
            max_retries=config.max_retries,
            transport=transport,
        )

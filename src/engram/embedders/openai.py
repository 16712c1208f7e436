"""Embeddings from OpenAI (or an OpenAI-compatible server) and from Ollama.

The dimension comes from the model: ``embedding_dims`` when given (and then sent to models that
can shorten their vectors), otherwise measured once by embedding a probe text. Vectors are
normalised to unit length, as engram's stores expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import httpx
import numpy as np
from pydantic import AliasChoices, ConfigDict, Field

from engram.embedders.base import (
    Embedder,
    Vectors,
    prompted_name,
    with_prompt,
)
from engram.embedders.prompts import PromptOptions
from engram.exceptions import ProviderError
from engram.llms.ollama import ollama_base_url
from engram.llms.openai import OPENAI, Preset, connection
from engram.remote import JsonClient


class OpenAIEmbedderConfig(PromptOptions):
    """``openai`` embedder options."""

    model_config = ConfigDict(populate_by_name=True)

    model: str = "text-embedding-3-small"
    api_key: str | None = None
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "openai_base_url")
    )
    embedding_dims: int | None = Field(default=None, gt=0, le=65_536)
    batch_size: int = Field(default=128, gt=0, le=100_000)
    timeout: float = Field(default=60.0, gt=0, le=3600)
    max_retries: int = Field(default=2, ge=0, le=20)


class OllamaEmbedderConfig(PromptOptions):
    """``ollama`` embedder options."""

    model_config = ConfigDict(populate_by_name=True)

    model: str = "nomic-embed-text"
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "ollama_base_url")
    )
    embedding_dims: int | None = Field(default=None, gt=0, le=65_536)
    batch_size: int = Field(default=64, gt=0, le=100_000)
    timeout: float = Field(default=60.0, gt=0, le=3600)
    max_retries: int = Field(default=2, ge=0, le=20)


class RemoteEmbedder(Embedder):
    """Batches texts to a remote embedding endpoint; the dimension is measured lazily."""

    _declared: int | None
    _batch_size: int
    _client: JsonClient
    _prompts: tuple[str | None, str | None] = (None, None)  # query, document

    def _request(self, texts: list[str]) -> list[list[float]]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def dimension(self) -> int:
        """The model's dimension: configured, or measured once on a probe text."""
        if self._declared is None:
            self._declared = int(self._embed(["dimension probe"]).shape[1])
        return self._declared

    @dimension.setter
    def dimension(self, value: int) -> None:
        self._declared = value

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed memories in batches of ``batch_size``, normalised to unit length."""
        return self._checked(self._embed(with_prompt(texts, self._prompts[1])))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed queries (with the query prompt, when one is configured)."""
        return self._checked(self._embed(with_prompt(texts, self._prompts[0])))

    def _checked(self, vectors: Vectors) -> Vectors:
        if self._declared is not None and vectors.shape[1] != self._declared:
            raise ProviderError(
                f"{self.name} returned {vectors.shape[1]}-d vectors, expected {self._declared}",
                suggestion="set embedding_dims to the model's real dimension",
            )
        return vectors

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _embed(self, texts: list[str]) -> Vectors:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            rows.extend(self._request(texts[start : start + self._batch_size]))
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        out: Vectors = matrix / np.maximum(norms, 1e-12)
        return out


class OpenAIEmbedder(RemoteEmbedder):
    """``/embeddings`` of OpenAI or an OpenAI-compatible server."""

    Config: type[OpenAIEmbedderConfig] = OpenAIEmbedderConfig
    #: The service (and the prefix of the embedder's recorded name); other OpenAI-compatible
    #: services (``engram.embedders.presets``) are this class with another preset.
    preset: ClassVar[Preset] = OPENAI
    provider: ClassVar[str] = "openai"

    def __init__(
        self, config: OpenAIEmbedderConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self._declared = config.embedding_dims
        self._batch_size = config.batch_size
        base_url, key = connection(self.preset, config.base_url, config.api_key)
        dims = f":{config.embedding_dims}" if config.embedding_dims else ""
        self.name = prompted_name(f"{self.provider}:{config.model}{dims}", config.document_prompt)
        self._prompts = (config.query_prompt, config.document_prompt)
        self._client = JsonClient(
            service=f"{self.preset.service} embeddings",
            base_url=base_url,
            headers={"Authorization": f"Bearer {key}"} if key else {},
            timeout=config.timeout,
            max_retries=config.max_retries,
            transport=transport,
        )

    #: Query parameters of every request (Azure's ``api-version``).
    _params: dict[str, str] | None = None

    def _request(self, texts: list[str]) -> list[list[float]]:
        body: dict[str, Any] = {"model": self.config.model, "input": texts}
        if self.config.embedding_dims:
            body["dimensions"] = self.config.embedding_dims
        answer = self._client.post("embeddings", body, self._params)
        try:
            data = sorted(answer["data"], key=lambda item: item["index"])
            return [item["embedding"] for item in data]
        except (KeyError, TypeError) as e:
            raise ProviderError(
                "the embeddings answer has no data", details={"answer": str(answer)[:300]}
            ) from e


class OllamaEmbedder(RemoteEmbedder):
    """Ollama's ``/api/embed``."""

    Config = OllamaEmbedderConfig

    def __init__(
        self, config: OllamaEmbedderConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self._declared = config.embedding_dims
        self._batch_size = config.batch_size
        self.name = prompted_name(f"ollama:{config.model}", config.document_prompt)
        self._prompts = (config.query_prompt, config.document_prompt)
        self._client = JsonClient(
            service="Ollama embeddings",
            base_url=ollama_base_url(config.base_url),
            timeout=config.timeout,
            max_retries=config.max_retries,
            transport=transport,
        )

    def _request(self, texts: list[str]) -> list[list[float]]:
        answer = self._client.post("api/embed", {"model": self.config.model, "input": texts})
        try:
            embeddings: list[list[float]] = answer["embeddings"]
        except (KeyError, TypeError) as e:
            raise ProviderError(
                "Ollama answered without embeddings", details={"answer": str(answer)[:300]}
            ) from e
        return embeddings

"""mem0's ``mem0.configs.base``: ``MemoryConfig``, ``MemoryItem`` and the provider blocks.

In engram every provider block is one ``ProviderConfig`` (``{"provider": name, "config": {...}}``,
validated against the named provider), so mem0's ``LlmConfig``, ``EmbedderConfig``,
``VectorStoreConfig`` and ``RerankerConfig`` are all that class.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engram.config import MemoryConfig, ProviderConfig

__all__ = [
    "EmbedderConfig",
    "LlmConfig",
    "MemoryConfig",
    "MemoryItem",
    "ProviderConfig",
    "RerankerConfig",
    "VectorStoreConfig",
]

LlmConfig = ProviderConfig
EmbedderConfig = ProviderConfig
VectorStoreConfig = ProviderConfig
RerankerConfig = ProviderConfig


class MemoryItem(BaseModel):
    """One memory as the API returns it (mem0's model, with engram's extra fields allowed)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="The memory's id (a uuid4).")
    memory: str = Field(description="The memory's text.")
    hash: str | None = Field(default=None, description="The md5 of the text.")
    metadata: dict[str, Any] | None = Field(default=None, description="Its metadata.")
    score: float | None = Field(default=None, description="Its search score, from 0 to 1.")
    created_at: str | None = Field(default=None, description="When it was created (ISO 8601).")
    updated_at: str | None = Field(default=None, description="When it last changed (ISO 8601).")

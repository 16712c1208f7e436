"""``MemoryConfig``: engram's configuration, in mem0's dictionary shape.

``{"vector_store": {"provider": "sqlite", "config": {...}}, "embedder": {...}, "llm": {...}, ...}``.
Each provider block names a registered provider and its options, which are validated against
that provider's own model, so an unknown key or provider is an error that lists what is allowed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from engram.core.limits import Limits
from engram.exceptions import ConfigurationError
from engram.options import Options, describe_errors
from engram.registry import get_registry

__all__ = ["GraphStoreConfig", "MemoryConfig", "ProviderConfig"]


class ProviderConfig(Options):
    """One provider block: ``{"provider": name, "config": {...}}``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    provider: str
    config: Any = None


class GraphStoreConfig(Options):
    """The ``graph_store`` block, with mem0's keys: ``provider`` (``sqlite`` or ``postgres``;
    left out, the vector store's kind), ``config``, ``llm`` (a separate LLM for the graph),
    ``custom_prompt`` (extra instructions for relation extraction) and ``threshold`` (the
    entity-name similarity at which a mention matches an existing entity)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    provider: str | None = None
    config: Any = None
    llm: ProviderConfig | None = None
    custom_prompt: str | None = None
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)


def _default_store() -> ProviderConfig:
    return ProviderConfig(provider="sqlite")


def _default_embedder() -> ProviderConfig:
    return ProviderConfig(provider="onnx")


class MemoryConfig(Options):
    """Everything ``Memory`` needs; every field has an offline default."""

    vector_store: ProviderConfig = Field(default_factory=_default_store)
    embedder: ProviderConfig = Field(default_factory=_default_embedder)
    llm: ProviderConfig | None = None
    graph_store: GraphStoreConfig | None = None
    enable_graph: bool | None = Field(
        default=None,
        description="mem0's switch: True turns graph memory on (in the vector store's kind of "
        "graph store when there is no graph_store block), False off; unset, a graph_store "
        "block turns it on.",
    )
    reranker: ProviderConfig | None = None
    history_db_path: str | None = Field(
        default=None,
        description="Accepted for mem0 compatibility. History lives in the store itself, so "
        "that a memory and its history row commit in one transaction.",
    )
    version: Literal["v1.0", "v1.1"] = "v1.1"
    custom_fact_extraction_prompt: str | None = None
    custom_update_memory_prompt: str | None = None
    custom_instructions: str | None = Field(
        default=None,
        description="mem0 2.x: instructions added to the fact-extraction prompt of infer=True "
        "with an LLM (add(prompt=...) gives them for one call).",
    )
    limits: Limits = Field(
        default_factory=Limits,
        description="What one call may ask (text length, messages per add, metadata and "
        "filter size, id length, limit); see the README's Limits section.",
    )

    @model_validator(mode="after")
    def _validate_providers(self) -> MemoryConfig:
        """Check each provider block against its provider's own config model."""
        blocks = {
            "stores": self.vector_store,
            "embedders": self.embedder,
            "llms": self.llm,
            "rerankers": self.reranker,
        }
        for category, block in blocks.items():
            if block is not None:
                registry = get_registry(category)
                block.config = registry.validate_config(block.provider, block.config)
        graph = self.graph_store
        if graph is not None:
            from engram.graphs import refuse_mem0_provider

            if graph.provider is not None:
                refuse_mem0_provider(graph.provider)
            provider = graph.provider or self.graph_provider_for_store()
            graph.config = get_registry("graphs").validate_config(provider, graph.config)
            if graph.llm is not None:
                graph.llm.config = get_registry("llms").validate_config(
                    graph.llm.provider, graph.llm.config
                )
        return self

    def __init__(self, **data: Any) -> None:
        """Validate ``data`` (mem0's keyword form: ``MemoryConfig(llm={...})``).

        Raises:
            ConfigurationError: a key, a provider or an option is invalid.
        """
        try:
            super().__init__(**data)
        except PydanticValidationError as e:
            raise _configuration_error(e, type(self)) from e

    def graph_provider_for_store(self) -> str:
        """The graph store that lives in this config's kind of vector store."""
        return "postgres" if self.vector_store.provider in ("postgres", "pgvector") else "sqlite"

    @property
    def graph_enabled(self) -> bool:
        """Whether graph memory is on: ``enable_graph``, else whether a block is given."""
        return self.graph_store is not None if self.enable_graph is None else self.enable_graph

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MemoryConfig:
        """Validate a mem0-shaped dict, raising ConfigurationError that lists allowed keys."""
        if not isinstance(data, dict):
            raise ConfigurationError(
                f"config must be a dict, got {type(data).__name__}", config_source="dict"
            )
        try:
            return cls.model_validate(data)
        except PydanticValidationError as e:
            raise _configuration_error(e, cls) from e


def _configuration_error(
    error: PydanticValidationError, model: type[BaseModel]
) -> ConfigurationError:
    """The ConfigurationError a provider raised inside validation (pydantic wraps it, as it
    is a ValueError), or one listing every problem and the allowed keys."""
    for item in error.errors():
        inner = (item.get("ctx") or {}).get("error")
        if isinstance(inner, ConfigurationError):
            return inner
    allowed = sorted(model.model_fields)
    return ConfigurationError(
        f"invalid config: {describe_errors(error)}",
        config_source="dict",
        suggestion=f"allowed top-level keys: {', '.join(allowed)}",
        details={"allowed": allowed},
    )

"""One registry of providers per category, filled from built-ins and entry points.

A provider is a class with a pydantic ``Config`` model (``extra="forbid"``) whose constructor
takes an instance of it. Built-in providers are named here by import path, so nothing heavy is
imported until it is used; third-party packages add providers through the entry-point
groups ``engram.embedders``, ``engram.stores``, ``engram.llms``, ``engram.graphs`` and
``engram.rerankers``, or at run time with ``registry.register(name, cls)``.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from engram.core.limits import shown
from engram.exceptions import ConfigurationError
from engram.mem0_providers import instead_of

__all__ = ["CATEGORIES", "Registry", "get_registry"]


class Registry:
    """Name -> provider class for one category (``stores``, ``embedders``, ...)."""

    def __init__(self, category: str, builtins: dict[str, str]) -> None:
        self.category = category
        self._targets: dict[str, type[Any] | str] = dict(builtins)
        self._entry_points_loaded = False
        self._lock = threading.Lock()

    def register(self, name: str, provider: type[Any] | str) -> None:
        """Register ``provider`` (a class or a ``"module:Class"`` path) under ``name``."""
        with self._lock:
            self._targets[name] = provider

    def unregister(self, name: str) -> None:
        """Remove ``name``; a no-op when it is not registered."""
        with self._lock:
            self._targets.pop(name, None)

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        self._load_entry_points()
        return sorted(self._targets)

    def get(self, name: str) -> type[Any]:
        """The provider class registered as ``name``."""
        target = self._targets.get(name)
        if target is None:  # built-ins and registered names come first: no scan for them
            self._load_entry_points()
            target = self._targets.get(name)
        if target is None:
            names = self.names()
            suggestion = (
                f"use one of: {', '.join(names)}"
                if names
                else f"no {self.singular} provider is installed yet; remove the "
                f"{self.singular!r} block, or install a package that provides one"
            )
            instead = instead_of(self.category, name)
            if instead is not None:
                raise ConfigurationError(
                    f"engram does not offer mem0's {self.singular} provider {name!r}: {instead}",
                    missing_field=f"{self.singular}.provider",
                    suggestion=suggestion,
                    details={"allowed": names},
                )
            raise ConfigurationError(
                f"unknown {self.singular} provider {shown(name)}",
                missing_field=f"{self.singular}.provider",
                suggestion=suggestion,
                details={"allowed": names},
            )
        if isinstance(target, str):
            module_name, _, attr = target.partition(":")
            target = getattr(importlib.import_module(module_name), attr)
            with self._lock:
                self._targets[name] = target
        return target

    def validate_config(self, name: str, config: Any) -> BaseModel:
        """Validate ``config`` (a dict or the provider's model) against the provider's model."""
        cls = self.get(name)
        model: type[BaseModel] = cls.Config
        if isinstance(config, model):
            return config
        if config is None:
            config = {}
        if isinstance(config, BaseModel):
            config = config.model_dump(exclude_unset=True)
        if not isinstance(config, dict):
            raise ConfigurationError(
                f"{self.singular} {shown(name)}: config must be a dict, "
                f"got {type(config).__name__}",
                missing_field=f"{self.singular}.config",
            )
        allowed = sorted(model.model_fields)
        # A provider whose model would silently ignore unknown keys still rejects them here
        # (models with extra="forbid" are checked by pydantic, aliases included).
        names = allowed + [f.alias for f in model.model_fields.values() if f.alias]
        unknown = sorted(set(config) - set(names))
        if unknown and model.model_config.get("extra") not in ("allow", "forbid"):
            raise ConfigurationError(
                f"{self.singular} {shown(name)}: unknown config keys "
                f"{', '.join(shown(key) for key in unknown[:10])}",
                missing_field=f"{self.singular}.config",
                suggestion=f"allowed keys: {', '.join(allowed)}",
                details={"allowed": allowed},
            )
        try:
            return model.model_validate(config)
        except PydanticValidationError as e:
            from engram.options import describe_errors

            allowed = sorted(model.model_fields)
            raise ConfigurationError(
                f"{self.singular} {shown(name)}: invalid config: {describe_errors(e)}",
                missing_field=f"{self.singular}.config",
                suggestion=f"allowed keys: {', '.join(allowed)}",
                details={"allowed": allowed},
            ) from e

    def create(self, name: str, config: Any = None) -> Any:
        """Build the provider ``name`` from its (validated) config."""
        return self.get(name)(self.validate_config(name, config))

    @property
    def singular(self) -> str:
        """``vector_store``-style name of one provider of this category, for messages."""
        return _SINGULAR[self.category]

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        with self._lock:
            if self._entry_points_loaded:
                return
            from importlib.metadata import entry_points  # only when a name is not built in

            for point in entry_points(group=f"engram.{self.category}"):
                self._targets.setdefault(point.name, point.value)
            self._entry_points_loaded = True


_SINGULAR = {
    "embedders": "embedder",
    "stores": "vector_store",
    "llms": "llm",
    "graphs": "graph_store",
    "rerankers": "reranker",
}

_BUILTINS: dict[str, dict[str, str]] = {
    "embedders": {
        "azure_openai": "engram.embedders.presets:AzureOpenAIEmbedder",
        "gemini": "engram.embedders.presets:GeminiEmbedder",
        "huggingface": "engram.embedders.huggingface:HuggingFaceEmbedder",
        "lmstudio": "engram.embedders.presets:LMStudioEmbedder",
        "onnx": "engram.embedders.onnx:OnnxEmbedder",
        "ollama": "engram.embedders.openai:OllamaEmbedder",
        "openai": "engram.embedders.openai:OpenAIEmbedder",
        "sentence_transformers": "engram.embedders.sentence_transformers:"
        "SentenceTransformersEmbedder",
        "together": "engram.embedders.presets:TogetherEmbedder",
    },
    "stores": {
        "pgvector": "engram.stores.postgres.pgvector:PgVectorStore",
        "postgres": "engram.stores.postgres.store:PostgresStore",
        "sqlite": "engram.stores.sqlite.store:SQLiteStore",
    },
    "llms": {
        "anthropic": "engram.llms.anthropic:AnthropicLLM",
        "azure_openai": "engram.llms.openai:AzureOpenAILLM",
        "azure_openai_structured": "engram.llms.openai:AzureOpenAILLM",
        "deepseek": "engram.llms.presets:DeepSeekLLM",
        "gemini": "engram.llms.presets:GeminiLLM",
        "groq": "engram.llms.presets:GroqLLM",
        "litellm": "engram.llms.litellm:LiteLLM",
        "lmstudio": "engram.llms.presets:LMStudioLLM",
        "minimax": "engram.llms.presets:MiniMaxLLM",
        "ollama": "engram.llms.ollama:OllamaLLM",
        "openai": "engram.llms.openai:OpenAILLM",
        "openai_structured": "engram.llms.openai:OpenAILLM",
        "openrouter": "engram.llms.presets:OpenRouterLLM",
        "sarvam": "engram.llms.presets:SarvamLLM",
        "together": "engram.llms.presets:TogetherLLM",
        "vllm": "engram.llms.presets:VllmLLM",
        "xai": "engram.llms.presets:XAILLM",
    },
    "graphs": {
        "postgres": "engram.graphs:PostgresGraph",
        "sqlite": "engram.graphs:SQLiteGraph",
    },
    "rerankers": {
        "llm": "engram.rerankers.llm:LLMReranker",
        "llm_reranker": "engram.rerankers.llm:LLMReranker",
    },
}

CATEGORIES = tuple(_BUILTINS)
_registries = {category: Registry(category, builtins) for category, builtins in _BUILTINS.items()}


def get_registry(category: str) -> Registry:
    """The registry of ``category``: one of ``CATEGORIES``."""
    try:
        if not isinstance(category, str):  # a caller's object may not even hash
            raise KeyError(category)
        return _registries[category]
    except KeyError:
        raise ConfigurationError(
            f"unknown provider category {shown(category)}",
            suggestion=f"use one of: {', '.join(CATEGORIES)}",
        ) from None

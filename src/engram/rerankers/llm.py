"""The ``llm`` reranker (also ``llm_reranker``, mem0's name): grades results with an LLM.

It holds only its options; the grading itself is ``engram.core.reranking``, driven through the
same effects as every operation, so ``Memory`` and ``AsyncMemory`` share it. By default it
grades with the Memory's own LLM (the ``llm`` block). mem0's keys for a separate LLM are
accepted with mem0's meaning: ``provider`` and ``model`` (with ``api_key``, ``temperature``,
``max_tokens``), or a nested ``llm`` block ``{"provider", "config"}``, which wins; they name
the LLM that grades, built like any ``llm`` block.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from engram.options import Options

#: mem0's default provider of a reranker that names only its model.
DEFAULT_PROVIDER = "openai"


class LLMRerankerConfig(Options):
    """Options of the ``llm`` reranker."""

    top_k: int = Field(default=10, ge=1, le=50, description="How many results the LLM grades.")
    provider: str | None = Field(default=None, description="The grading LLM's provider.")
    model: str | None = Field(default=None, description="The grading LLM's model.")
    api_key: str | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0, le=1_000_000)
    llm: dict[str, Any] | None = Field(
        default=None, description='A whole LLM block, {"provider": ..., "config": {...}}.'
    )
    scoring_prompt: str | None = Field(
        default=None, description="mem0's per-memory prompt template: not supported."
    )

    @field_validator("scoring_prompt")
    @classmethod
    def _no_scoring_prompt(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(
                "scoring_prompt is not supported: engram grades every result in one call, "
                "with its own prompt and a validated JSON answer, where mem0's template "
                "scores one memory per call; remove it"
            )
        return value

    def llm_block(self) -> tuple[str, dict[str, Any]] | None:
        """The provider and config of the LLM that grades, or None (the Memory's LLM)."""
        if self.llm is not None:
            provider = self.llm.get("provider") or self.provider or DEFAULT_PROVIDER
            config = dict(self.llm.get("config") or {})
        elif self.provider is not None or self.model is not None or self.api_key is not None:
            provider, config = self.provider or DEFAULT_PROVIDER, {}
        else:
            return None
        for key in ("model", "api_key", "temperature", "max_tokens"):
            value = getattr(self, key)
            if value is not None:
                config.setdefault(key, value)
        return str(provider), config


class LLMReranker:
    """Reranks with the LLM its config names, else with the Memory's ``llm``."""

    Config = LLMRerankerConfig

    def __init__(self, config: LLMRerankerConfig | None = None) -> None:
        self.config = config or LLMRerankerConfig()
        self.top_k = self.config.top_k

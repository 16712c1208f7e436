"""The ``llm`` reranker (also ``llm_reranker``, mem0's name): grades results with the Memory's LLM.

It holds only its options; the grading itself is ``engram.core.reranking``, driven through the
same effects as every operation, so ``Memory`` and ``AsyncMemory`` share it.
"""

from __future__ import annotations

from pydantic import Field

from engram.options import Options


class LLMRerankerConfig(Options):
    """Options of the ``llm`` reranker."""

    top_k: int = Field(default=10, ge=1, le=50, description="How many results the LLM grades.")


class LLMReranker:
    """Reranks with the LLM configured in the ``llm`` block (required)."""

    Config = LLMRerankerConfig

    def __init__(self, config: LLMRerankerConfig | None = None) -> None:
        self.config = config or LLMRerankerConfig()
        self.top_k = self.config.top_k

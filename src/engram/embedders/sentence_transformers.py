"""Any sentence-transformers model (``pip install "engram-recall[sentence-transformers]"``).

The package (and torch) is imported only when this embedder is built; the dimension is the
model's own (``get_sentence_embedding_dimension``).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field

from engram._distribution import install_hint
from engram.embedders.base import Embedder, Vectors, prompted_name
from engram.embedders.prompts import PromptOptions
from engram.exceptions import ConfigurationError


class SentenceTransformersConfig(PromptOptions):
    """``sentence_transformers`` embedder options."""

    model: str = "sentence-transformers/all-MiniLM-L6-v2"
    device: str | None = None
    batch_size: int = Field(default=64, gt=0, le=100_000)
    embedding_dims: int | None = Field(
        default=None, gt=0, le=65_536, description="checked against the model"
    )
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    query_prompt_name: str | None = Field(
        default=None,
        max_length=256,
        description='One of the model\'s own prompts for queries (e.g. "query"), as '
        "sentence-transformers names them in the model's configuration.",
    )
    document_prompt_name: str | None = Field(
        default=None,
        max_length=256,
        description='One of the model\'s own prompts for memories ("document").',
    )


class SentenceTransformersEmbedder(Embedder):
    """Embeds locally with a sentence-transformers model."""

    Config = SentenceTransformersConfig

    def __init__(self, config: SentenceTransformersConfig) -> None:
        try:
            module: Any = importlib.import_module("sentence_transformers")
        except ImportError as e:
            raise ConfigurationError(
                "the sentence_transformers embedder needs the sentence-transformers package",
                missing_field="embedder.provider",
                suggestion=install_hint("sentence-transformers"),
            ) from e
        self.config = config
        self._model = module.SentenceTransformer(
            config.model, device=config.device, **config.model_kwargs
        )
        self.dimension = int(self._model.get_sentence_embedding_dimension())
        if config.embedding_dims is not None and config.embedding_dims != self.dimension:
            raise ConfigurationError(
                f"{config.model} makes {self.dimension}-d vectors, not {config.embedding_dims}",
                missing_field="embedder.config.embedding_dims",
                suggestion=f"remove embedding_dims or set it to {self.dimension}",
            )
        document = config.document_prompt or (
            f"<{config.document_prompt_name}>" if config.document_prompt_name else None
        )
        self.name = prompted_name(f"sentence-transformers:{config.model}", document)

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Unit-length embeddings of memories (with the document prompt, if any)."""
        return self._encode(texts, self.config.document_prompt, self.config.document_prompt_name)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Unit-length embeddings of queries (with the query prompt, if any)."""
        return self._encode(texts, self.config.query_prompt, self.config.query_prompt_name)

    def _encode(self, texts: Sequence[str], prompt: str | None, prompt_name: str | None) -> Vectors:
        options: dict[str, Any] = {}
        if prompt is not None:
            options["prompt"] = prompt
        elif prompt_name is not None:
            options["prompt_name"] = prompt_name
        vectors = self._model.encode(
            list(texts),
            batch_size=self.config.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            **options,
        )
        out: Vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)
        return out

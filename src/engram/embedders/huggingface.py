"""mem0's ``huggingface`` embedder, mapped onto what engram runs.

mem0 runs the model with sentence-transformers (and torch), or, with ``huggingface_base_url``,
asks a Text Embeddings Inference server through its OpenAI-compatible API. engram does the same,
with one shortcut: all-MiniLM-L6-v2, the model most mem0 examples name, is the model engram
ships as ONNX, so it runs on the bundled ``onnx`` embedder with no torch at all (its vectors
match the torch model's, cosine 0.9996). Any other model needs the ``sentence-transformers``
extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from engram.embedders.base import Embedder, Vectors
from engram.embedders.onnx import MODEL_NAME, OnnxEmbedder, OnnxEmbedderConfig
from engram.embedders.openai import OpenAIEmbedder, OpenAIEmbedderConfig
from engram.embedders.sentence_transformers import (
    SentenceTransformersConfig,
    SentenceTransformersEmbedder,
)
from engram.options import Options

#: mem0's default model for this provider.
MEM0_DEFAULT_MODEL = "multi-qa-MiniLM-L6-cos-v1"


class HuggingFaceEmbedderConfig(Options):
    """``huggingface`` embedder options (mem0's keys)."""

    model: str | None = Field(default=None, description=f"default {MEM0_DEFAULT_MODEL}")
    embedding_dims: int | None = Field(default=None, gt=0, le=65_536)
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    huggingface_base_url: str | None = Field(
        default=None, description="a Text Embeddings Inference server (OpenAI-compatible API)"
    )
    api_key: str | None = None
    device: str | None = None
    batch_size: int = Field(default=64, gt=0, le=100_000)


def ships_as_onnx(model: str) -> bool:
    """Whether ``model`` names all-MiniLM-L6-v2, the model engram runs without torch."""
    return model.rsplit("/", 1)[-1].lower() == MODEL_NAME.lower()


class HuggingFaceEmbedder(Embedder):
    """A Hugging Face model: the bundled ONNX one, sentence-transformers, or a TEI server."""

    Config = HuggingFaceEmbedderConfig

    def __init__(self, config: HuggingFaceEmbedderConfig) -> None:
        self.config = config
        self.inner: Embedder
        if config.huggingface_base_url:
            self.inner = OpenAIEmbedder(
                OpenAIEmbedderConfig(
                    model=config.model or "tei",
                    api_key=config.api_key,
                    base_url=config.huggingface_base_url,
                    embedding_dims=config.embedding_dims,
                    batch_size=config.batch_size,
                )
            )
        elif ships_as_onnx(config.model or MEM0_DEFAULT_MODEL):
            self.inner = OnnxEmbedder(
                OnnxEmbedderConfig(
                    embedding_dims=config.embedding_dims, batch_size=config.batch_size
                )
            )
        else:
            self.inner = SentenceTransformersEmbedder(
                SentenceTransformersConfig(
                    model=config.model or MEM0_DEFAULT_MODEL,
                    device=config.device,
                    batch_size=config.batch_size,
                    embedding_dims=config.embedding_dims,
                    model_kwargs=config.model_kwargs,
                )
            )
        self.name = self.inner.name
        self.dimension = self.inner.dimension
        self.weights = self.inner.weights

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """The inner embedder's vectors."""
        return self.inner.embed_batch(texts)

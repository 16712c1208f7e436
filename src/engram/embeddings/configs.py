"""mem0's ``mem0.embeddings.configs``: ``EmbedderConfig``, engram's ``ProviderConfig``."""

from engram.config import ProviderConfig

__all__ = ["EmbedderConfig"]

EmbedderConfig = ProviderConfig

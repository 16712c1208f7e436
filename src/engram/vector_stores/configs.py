"""mem0's ``mem0.vector_stores.configs``: ``VectorStoreConfig``, engram's ``ProviderConfig``."""

from engram.config import ProviderConfig

__all__ = ["VectorStoreConfig"]

VectorStoreConfig = ProviderConfig

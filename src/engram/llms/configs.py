"""mem0's ``mem0.llms.configs``: ``LlmConfig``, engram's ``ProviderConfig``."""

from engram.config import ProviderConfig

__all__ = ["LlmConfig"]

LlmConfig = ProviderConfig

"""engram: long-term memory for AI agents, offline by default, transactional, fast.

``Memory()`` works with no configuration, no server and no API key: memories live in an embedded
SQLite file and are embedded by a local ONNX model. The API follows mem0's, so moving from mem0 is
an import change.
"""

from engram.async_memory import AsyncMemory
from engram.base import MemoryBase
from engram.config import MemoryConfig, ProviderConfig
from engram.embedders.base import Embedder
from engram.exceptions import (
    AuthenticationError,
    ConfigurationError,
    EngramError,
    MemoryNotFoundError,
    NetworkError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    StoreError,
    ValidationError,
)
from engram.llms.base import LLM
from engram.memory import Memory
from engram.registry import get_registry
from engram.stores.base import Store

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022 - plain sorted order, as tests/test_public_api.py checks
    "AsyncMemory",
    "AuthenticationError",
    "ConfigurationError",
    "Embedder",
    "EngramError",
    "LLM",
    "Memory",
    "MemoryBase",
    "MemoryConfig",
    "MemoryNotFoundError",
    "NetworkError",
    "PermissionDeniedError",
    "ProviderConfig",
    "ProviderError",
    "RateLimitError",
    "Store",
    "StoreError",
    "ValidationError",
    "__version__",
    "get_registry",
]

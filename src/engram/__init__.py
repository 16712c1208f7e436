"""engram: long-term memory for AI agents, offline by default, transactional, fast.

``Memory()`` works with no configuration, no server and no API key: memories live in an embedded
SQLite file and are embedded by a local ONNX model. The API follows mem0's, so moving from mem0 is
an import change.
"""

import importlib as _importlib
import typing as _typing

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

if _typing.TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from engram.async_memory import AsyncMemory
    from engram.base import MemoryBase
    from engram.config import MemoryConfig, ProviderConfig
    from engram.embedders.base import Embedder
    from engram.llms.base import LLM
    from engram.memory import Memory
    from engram.registry import get_registry
    from engram.stores.base import Store

#: Names imported on first use (PEP 562), so that ``import engram`` (and the ``engram``
#: command's start) does not load numpy, pydantic and anyio before they are needed.
_LAZY = {
    "AsyncMemory": "engram.async_memory",
    "Embedder": "engram.embedders.base",
    "LLM": "engram.llms.base",
    "Memory": "engram.memory",
    "MemoryBase": "engram.base",
    "MemoryConfig": "engram.config",
    "ProviderConfig": "engram.config",
    "Store": "engram.stores.base",
    "get_registry": "engram.registry",
}

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


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'engram' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Errors raised by engram.

Every error carries what went wrong, a stable ``error_code``, structured ``details``, a
``suggestion`` of what to do, and optional ``debug_info``::

    EngramError
    ├── ValidationError        bad input: names the field, the value and what was expected
    │                          (also a ValueError)
    ├── ConfigurationError     bad or inconsistent configuration (also a ValueError)
    ├── MemoryNotFoundError    no memory with that id (also a LookupError and a ValueError)
    ├── AuthenticationError    a provider refused the credentials (or a server, the API key)
    ├── PermissionDeniedError  a valid API key that does not allow the request
    ├── RateLimitError         a provider asked us to slow down
    ├── NetworkError           a provider could not be reached
    ├── StoreError             the store failed (disk full, corrupt file, ...)
    └── ProviderError          any other failure inside a provider

Code written against mem0 keeps working. mem0 raises bare ``ValueError`` for bad input, a bad
config and an unknown memory id (its tests assert it), so those three errors are also
``ValueError`` (and an unknown id a ``LookupError``). mem0's exception names are offered here as
aliases of the engram class raised in the same situation (``MEM0_NAMES``); ``MemoryError`` (mem0's
base class) is ``EngramError``. They are deliberately not exported from ``engram`` itself, where
``MemoryError`` would shadow the builtin. Every class also takes mem0's positional arguments
``(message, error_code, details, suggestion, debug_info)``.
"""

from __future__ import annotations

from typing import Any

#: The longest message an error keeps; a longer one (a caller's value pasted whole) is cut.
MAX_MESSAGE_CHARS = 2000
#: A string value longer than this is kept on a ValidationError as its prefix only.
MAX_VALUE_CHARS = 200

__all__ = [  # noqa: RUF022 - plain sorted order, as tests/test_public_api.py checks
    "AuthenticationError",
    "CacheError",
    "ConfigurationError",
    "DatabaseError",
    "DependencyError",
    "EmbeddingError",
    "EngramError",
    "GraphStoreError",
    "LLMError",
    "MEM0_NAMES",
    "MemoryCorruptionError",
    "MemoryError",
    "MemoryNotFoundError",
    "MemoryQuotaExceededError",
    "NetworkError",
    "PermissionDeniedError",
    "ProviderError",
    "RateLimitError",
    "StoreError",
    "ValidationError",
    "VectorSearchError",
    "VectorStoreError",
]


class EngramError(Exception):
    """Base class of every error engram raises on purpose."""

    default_code = "engram_error"

    def __init__(
        self,
        message: str,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
    ) -> None:
        if len(message) > MAX_MESSAGE_CHARS:
            message = f"{message[:MAX_MESSAGE_CHARS]}... ({len(message)} characters, cut)"
        self.message = _printable(message)
        self.error_code = error_code or self.default_code
        self.details = details or {}
        self.suggestion = None if suggestion is None else _printable(suggestion)
        self.debug_info = debug_info or {}
        super().__init__(message)

    def __str__(self) -> str:
        if self.suggestion:
            return f"{self.message} ({self.suggestion})"
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, error_code={self.error_code!r})"


class ValidationError(EngramError, ValueError):
    """An argument was missing, of the wrong type or out of range."""

    default_code = "validation_error"

    def __init__(
        self,
        message: str,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
        *,
        field: str | None = None,
        value: Any = None,
        expected: str | None = None,
    ) -> None:
        self.field = field
        # A 10 MB text stays with its caller: the error keeps its prefix.
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            value = value[:MAX_VALUE_CHARS] + "..."
        self.value = value
        self.expected = expected
        details = {"field": field, "expected": expected, **(details or {})}
        super().__init__(message, error_code, details, suggestion, debug_info)


class ConfigurationError(EngramError, ValueError):
    """The configuration is invalid, or does not match what a store was created with."""

    default_code = "configuration_error"

    def __init__(
        self,
        message: str,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
        *,
        missing_field: str | None = None,
        config_source: str | None = None,
    ) -> None:
        self.missing_field = missing_field
        self.config_source = config_source
        super().__init__(message, error_code, details, suggestion, debug_info)


class MemoryNotFoundError(EngramError, LookupError, ValueError):
    """No memory exists with the given id."""

    default_code = "memory_not_found"

    def __init__(
        self,
        message: str,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
        *,
        memory_id: str | None = None,
        user_id: str | None = None,
    ) -> None:
        self.memory_id = memory_id
        self.user_id = user_id
        details = {"memory_id": memory_id, **(details or {})}
        super().__init__(message, error_code, details, suggestion, debug_info)


class AuthenticationError(EngramError):
    """A provider rejected the credentials, or none were configured."""

    default_code = "authentication_error"

    def __init__(
        self,
        message: str,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
        *,
        api_key: str | None = None,
        service: str | None = None,
    ) -> None:
        # Never keep a whole secret on an exception that may be logged.
        if api_key is None:
            self.api_key = None
        else:
            self.api_key = f"...{api_key[-4:]}" if len(api_key) >= 12 else "***"
        self.service = service
        super().__init__(message, error_code, details, suggestion, debug_info)


class PermissionDeniedError(EngramError):
    """The caller's API key is valid but does not allow this request.

    The key is limited to other scopes (user / agent / run ids), or to reading. The message
    names what the key lacks, never anything about the scopes it cannot see.
    """

    default_code = "permission_denied"


class RateLimitError(EngramError):
    """A provider is throttling requests."""

    default_code = "rate_limited"

    def __init__(
        self,
        message: str,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
        *,
        retry_after: float | None = None,
        limit: int | None = None,
        remaining: int | None = None,
    ) -> None:
        self.retry_after = retry_after
        self.limit = limit
        self.remaining = remaining
        super().__init__(message, error_code, details, suggestion, debug_info)


class NetworkError(EngramError):
    """A provider could not be reached, or did not answer in time."""

    default_code = "network_error"

    def __init__(
        self,
        message: str,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
        *,
        endpoint: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        super().__init__(message, error_code, details, suggestion, debug_info)


class StoreError(EngramError):
    """The store failed to read or write (I/O error, corrupt file, locked too long)."""

    default_code = "store_error"


class ProviderError(EngramError):
    """A provider failed in a way none of the other errors describe."""

    default_code = "provider_error"


class MemoryQuotaExceededError(EngramError):
    """mem0's hosted-platform quota error; engram has no quotas and never raises it."""

    default_code = "quota_exceeded"


class CacheError(EngramError):
    """mem0's hosted-platform cache error; engram never raises it."""

    default_code = "cache_error"


def _printable(text: str) -> str:
    """``text`` with any lone surrogate escaped (``\\ud800``): a message that quotes a caller's
    invalid string must still print, log and encode as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


#: mem0's name for the base class, for code that catches it. Shadows the builtin: import it
#: explicitly (``from engram.exceptions import MemoryError``), never with a star.
MemoryError = EngramError
#: mem0's names for failures of its vector store, history database and graph: in engram they
#: all live in one store, whose failures are ``StoreError``.
VectorStoreError = StoreError
DatabaseError = StoreError
VectorSearchError = StoreError
GraphStoreError = StoreError
MemoryCorruptionError = StoreError
#: mem0's names for provider failures. An LLM or embedder that cannot be reached, refuses the
#: key or throttles raises NetworkError, AuthenticationError or RateLimitError (as mem0's
#: platform errors do); any other failure, an unusable answer included, is ``ProviderError``.
LLMError = ProviderError
EmbeddingError = ProviderError
#: A missing optional package is a ConfigurationError naming the pip extra to install.
DependencyError = ConfigurationError

#: Every mem0 exception name and the engram class it refers to.
MEM0_NAMES: dict[str, type[EngramError]] = {
    "MemoryError": EngramError,
    "AuthenticationError": AuthenticationError,
    "RateLimitError": RateLimitError,
    "ValidationError": ValidationError,
    "MemoryNotFoundError": MemoryNotFoundError,
    "NetworkError": NetworkError,
    "ConfigurationError": ConfigurationError,
    "MemoryQuotaExceededError": MemoryQuotaExceededError,
    "MemoryCorruptionError": MemoryCorruptionError,
    "VectorSearchError": VectorSearchError,
    "CacheError": CacheError,
    "VectorStoreError": VectorStoreError,
    "GraphStoreError": GraphStoreError,
    "EmbeddingError": EmbeddingError,
    "LLMError": LLMError,
    "DatabaseError": DatabaseError,
    "DependencyError": DependencyError,
}

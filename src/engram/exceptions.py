"""Errors raised by engram.

Every error carries what went wrong, a stable ``error_code``, structured ``details``, a
``suggestion`` of what to do, and optional ``debug_info``::

    EngramError
    ├── ValidationError        bad input: names the field, the value and what was expected
    ├── ConfigurationError     bad or inconsistent configuration
    ├── MemoryNotFoundError    no memory with that id
    ├── AuthenticationError    a provider refused the credentials (or a server, the API key)
    ├── PermissionDeniedError  a valid API key that does not allow the request
    ├── RateLimitError         a provider asked us to slow down
    ├── NetworkError           a provider could not be reached
    ├── StoreError             the store failed (disk full, corrupt file, ...)
    └── ProviderError          any other failure inside a provider

``MemoryError`` is offered here as an alias of ``EngramError`` for code written against mem0.
It is deliberately not exported from ``engram`` itself, where it would shadow the builtin.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "EngramError",
    "MemoryError",
    "MemoryNotFoundError",
    "NetworkError",
    "PermissionDeniedError",
    "ProviderError",
    "RateLimitError",
    "StoreError",
    "ValidationError",
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
        self.message = message
        self.error_code = error_code or self.default_code
        self.details = details or {}
        self.suggestion = suggestion
        self.debug_info = debug_info or {}
        super().__init__(message)

    def __str__(self) -> str:
        if self.suggestion:
            return f"{self.message} ({self.suggestion})"
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, error_code={self.error_code!r})"


class ValidationError(EngramError):
    """An argument was missing, of the wrong type or out of range."""

    default_code = "validation_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: Any = None,
        expected: str | None = None,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        details = {"field": field, "expected": expected, **(details or {})}
        super().__init__(message, error_code, details, suggestion, debug_info)


class ConfigurationError(EngramError):
    """The configuration is invalid, or does not match what a store was created with."""

    default_code = "configuration_error"

    def __init__(
        self,
        message: str,
        *,
        missing_field: str | None = None,
        config_source: str | None = None,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
    ) -> None:
        self.missing_field = missing_field
        self.config_source = config_source
        super().__init__(message, error_code, details, suggestion, debug_info)


class MemoryNotFoundError(EngramError):
    """No memory exists with the given id."""

    default_code = "memory_not_found"

    def __init__(
        self,
        message: str,
        *,
        memory_id: str | None = None,
        user_id: str | None = None,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
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
        *,
        api_key: str | None = None,
        service: str | None = None,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
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
        *,
        retry_after: float | None = None,
        limit: int | None = None,
        remaining: int | None = None,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
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
        *,
        endpoint: str | None = None,
        timeout: float | None = None,
        error_code: str | None = None,
        details: dict[str, Any] | None = None,
        suggestion: str | None = None,
        debug_info: dict[str, Any] | None = None,
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


#: mem0's name for the base class, for code that catches it. Shadows the builtin: import it
#: explicitly (``from engram.exceptions import MemoryError``), never with a star.
MemoryError = EngramError

"""HTTP for remote providers: API keys, retries with backoff, and errors mapped to engram's.

Every remote provider (OpenAI-compatible, Anthropic, Ollama; LLMs and embedders) talks JSON over
HTTP through ``JsonClient``. It maps failures onto engram's errors in one place:

- 401 / 403 -> AuthenticationError (never retried)
- 429 -> RateLimitError with ``retry_after``, after honouring ``Retry-After`` for the retries
- 408, 409, 5xx, timeouts, connection failures -> retried with exponential backoff, then
  NetworkError (transport) or ProviderError (status)
- any other 4xx -> ProviderError carrying the provider's message
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Sequence
from typing import Any

import httpx

from engram.exceptions import (
    AuthenticationError,
    EngramError,
    NetworkError,
    ProviderError,
    RateLimitError,
)

#: Longest wait between two attempts, whatever the server's Retry-After says.
MAX_WAIT = 30.0
_RETRIED_STATUSES = frozenset({408, 409, 500, 502, 503, 504, 529})


def resolve_key(value: str | None, env_vars: Sequence[str], service: str) -> str:
    """The API key from the config or the first set environment variable, else an error."""
    if value:
        return value
    for name in env_vars:
        found = os.environ.get(name)
        if found:
            return found
    raise AuthenticationError(
        f"no API key for {service}: set the {env_vars[0]} environment variable or the "
        "provider's api_key option",
        service=service,
        suggestion=f"export {env_vars[0]}=...",
        details={"env_var": env_vars[0]},
    )


def optional_env(value: str | None, env_vars: Sequence[str]) -> str | None:
    """``value``, else the first set environment variable, else None."""
    if value:
        return value
    return next((os.environ[n] for n in env_vars if os.environ.get(n)), None)


class JsonClient:
    """POSTs JSON to one service with retries and engram's error mapping."""

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        headers: dict[str, str] | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.service = service
        self.max_retries = max_retries
        self.backoff = backoff
        self.timeout = timeout
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=headers or {},
            timeout=timeout,
            transport=transport,
        )

    def post(self, path: str, body: dict[str, Any], params: dict[str, str] | None = None) -> Any:
        """POST ``body`` to ``path`` and return the decoded JSON answer."""
        attempt = 0
        while True:
            try:
                response = self._client.post(path.lstrip("/"), json=body, params=params)
            except httpx.TimeoutException as e:
                failure: EngramError = NetworkError(
                    f"{self.service} did not answer within {self.timeout} s",
                    endpoint=self._endpoint(path),
                    timeout=self.timeout,
                    suggestion="raise the provider's timeout option, or check the server",
                )
                cause: Exception = e
                wait = None
            except httpx.TransportError as e:
                failure = NetworkError(
                    f"cannot reach {self.service} at {self._endpoint(path)}: {e}",
                    endpoint=self._endpoint(path),
                    suggestion="check the base_url and that the server is running",
                )
                cause, wait = e, None
            else:
                if response.is_success:
                    return self._json(response)
                failure, retryable, wait = self._failure(response)
                cause = httpx.HTTPStatusError(
                    str(failure), request=response.request, response=response
                )
                if not retryable:
                    raise failure from cause
            if attempt >= self.max_retries:
                raise failure from cause
            attempt += 1
            delay = wait if wait is not None else self.backoff * 2 ** (attempt - 1)
            time.sleep(
                min(MAX_WAIT, delay) * (1.0 if wait is not None else random.uniform(1, 1.25))
            )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _endpoint(self, path: str) -> str:
        return str(self._client.base_url.join(path.lstrip("/")))

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as e:
            raise ProviderError(
                f"{self.service} answered with something that is not JSON",
                details={"status": response.status_code, "body": response.text[:500]},
            ) from e

    def _failure(self, response: httpx.Response) -> tuple[EngramError, bool, float | None]:
        """The error for a failed response, whether to retry, and how long to wait."""
        status = response.status_code
        message = _error_message(response)
        details = {"status": status, "message": message}
        if status in (401, 403):
            return (
                AuthenticationError(
                    f"{self.service} refused the credentials ({status}): {message}",
                    service=self.service,
                    details=details,
                    suggestion="check the API key and its permissions",
                ),
                False,
                None,
            )
        if status == 429:
            retry_after = _retry_after(response)
            return (
                RateLimitError(
                    f"{self.service} is rate limiting requests: {message}",
                    retry_after=retry_after,
                    details=details,
                    suggestion="retry later or lower the request rate",
                ),
                True,
                retry_after,
            )
        retryable = status in _RETRIED_STATUSES or status >= 500
        return (
            ProviderError(f"{self.service} failed ({status}): {message}", details=details),
            retryable,
            None,
        )


def _error_message(response: httpx.Response) -> str:
    """The provider's own error message, whatever shape its error body has."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return str(error.get("message") or error)[:300]
        return str(error)[:300]
    return str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None

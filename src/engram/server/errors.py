"""Errors to HTTP responses, in this one place.

Every error answer has one shape, readable by mem0's clients (they show ``detail``) and by
people (``error.suggestion`` says what to do)::

    {"detail": "no memory with id 'x'",
     "error": {"code": "memory_not_found", "message": "no memory with id 'x'",
               "suggestion": "check the id; ...", "details": {"memory_id": "x"}}}

================================================  ======
error                                             status
================================================  ======
``ValidationError``, malformed request            422
``ValidationError`` with code request_too_large   413 (and a body over ``max_body_bytes``)
``AuthenticationError`` (no key, or not a key)    401, ``WWW-Authenticate: Token``
``PermissionDeniedError`` (outside the key)       403
``MemoryNotFoundError``, unknown route            404
``ConfigurationError`` (the server cannot do it)  409
``RateLimitError``                                429, ``Retry-After``
``StoreError`` (store unavailable)                503, ``Retry-After``
``NetworkError`` / ``ProviderError`` / a          502
provider's ``AuthenticationError`` (the LLM)
anything else                                     500, without internals
================================================  ======
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

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
from engram.gateway import TOO_LARGE

__all__ = ["error_response", "install", "status_of"]

logger = logging.getLogger("engram.server")

_HTTP_CODES = {
    404: ("not_found", "check the path; GET /docs lists the routes"),
    405: ("method_not_allowed", "GET /docs lists each route's methods"),
    413: (TOO_LARGE, "send fewer or shorter messages per request"),
}


def status_of(error: EngramError) -> int:
    """The HTTP status of an engram error."""
    if isinstance(error, ValidationError):
        return 413 if error.error_code == TOO_LARGE else 422
    if isinstance(error, AuthenticationError):
        # The server's own key check says "engram"; any other came from a provider (the LLM).
        return 401 if error.service == "engram" else 502
    if isinstance(error, PermissionDeniedError):
        return 403
    if isinstance(error, MemoryNotFoundError):
        return 404
    if isinstance(error, ConfigurationError):
        return 409
    if isinstance(error, RateLimitError):
        return 429
    if isinstance(error, StoreError):
        return 503
    if isinstance(error, NetworkError | ProviderError):
        return 502
    return 500


def body(code: str, message: str, suggestion: str | None, details: dict[str, Any]) -> Any:
    """The JSON of an error answer."""
    return {
        "detail": message,
        "error": {
            "code": code,
            "message": message,
            "suggestion": suggestion,
            "details": details,
        },
    }


def error_response(error: EngramError) -> JSONResponse:
    """The response of an engram error: its status, shape and headers."""
    status = status_of(error)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Token realm="engram"'
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    if status == 503:
        headers["Retry-After"] = "1"
    details = {k: v for k, v in error.details.items() if _is_json(v)}
    return JSONResponse(
        body(error.error_code, error.message, error.suggestion, details),
        status_code=status,
        headers=headers,
    )


def _is_json(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)


def _validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", ""))}
        for e in error.errors()
    ]
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems) or "invalid request"
    return JSONResponse(
        body(
            "validation_error",
            message,
            "check the request against the OpenAPI document (GET /openapi.json)",
            {"errors": problems},
        ),
        status_code=422,
    )


def _engram(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, EngramError)
    if status_of(error) >= 500:
        logger.warning("%s %s: %r", request.method, request.url.path, error)
    return error_response(error)


def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code, suggestion = _HTTP_CODES.get(error.status_code, ("http_error", None))
    return JSONResponse(
        body(code, str(error.detail), suggestion, {}),
        status_code=error.status_code,
        headers=dict(error.headers or {}),
    )


def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("%s %s failed", request.method, request.url.path, exc_info=error)
    return JSONResponse(
        body("internal_error", "the server failed to answer this request", None, {}),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(EngramError, _engram)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)

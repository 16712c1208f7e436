"""The caller of a request, as a FastAPI dependency: ``Depends(caller)`` gives its ``Grant``.

A key is read from ``Authorization: Token <key>`` (mem0's clients), ``Authorization: Bearer
<key>`` or ``X-API-Key: <key>``, and checked by the app's ``Gateway``. Every router of the
app, and any mounted later (a browser UI), declares the same dependency; the OpenAPI document
lists the three ways as security schemes.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from engram.core.keys import Grant
from engram.exceptions import AuthenticationError
from engram.gateway import Gateway

__all__ = ["caller", "gateway_of", "token_of"]

_authorization = APIKeyHeader(
    name="Authorization",
    scheme_name="Token",
    description="`Token <key>` (as mem0's clients send it) or `Bearer <key>`.",
    auto_error=False,
)
_x_api_key = APIKeyHeader(
    name="X-API-Key", scheme_name="XApiKey", description="The key itself.", auto_error=False
)


def gateway_of(request: Request) -> Gateway:
    """The app's gateway."""
    gateway: Gateway = request.app.state.gateway
    return gateway


def token_of(authorization: str | None, x_api_key: str | None) -> str | None:
    """The key a request carries, or None.

    Raises:
        AuthenticationError: an Authorization header of another scheme.
    """
    if x_api_key:
        return x_api_key.strip()
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() not in ("token", "bearer") or not token.strip():
        raise AuthenticationError(
            "the Authorization header must be 'Token <key>' or 'Bearer <key>'",
            error_code="invalid_api_key",
            service="engram",
        )
    return token.strip()


async def caller(
    request: Request,
    authorization: str | None = Depends(_authorization),
    x_api_key: str | None = Depends(_x_api_key),
) -> Grant:
    """The request's grant (also kept as ``request.state.grant``)."""
    grant = await gateway_of(request).authenticate(token_of(authorization, x_api_key))
    request.state.grant = grant
    return grant

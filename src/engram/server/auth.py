"""The caller of a request, as a FastAPI dependency: ``Depends(caller)`` gives its ``Grant``.

A key is read from ``Authorization: Token <key>`` (mem0's clients), ``Authorization: Bearer
<key>`` or ``X-API-Key: <key>``, and checked by the app's ``Gateway``. Every router of the
app, and any mounted later (a browser UI), declares the same dependency; the OpenAPI document
lists the three ways as security schemes.
"""

from __future__ import annotations

import ipaddress

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from engram.core.keys import Grant
from engram.exceptions import AuthenticationError, PermissionDeniedError
from engram.gateway import Gateway

__all__ = ["caller", "check_keyless", "gateway_of", "token_of"]

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
    if grant.key is None:
        check_keyless(request)
    request.state.grant = grant
    return grant


def check_keyless(request: Request) -> None:
    """Let a request without a key in only from this machine and, from a browser, only from
    this server's own pages (the inspector) or an origin in ``cors_origins``.

    A server open on loopback (no key in its store) is reachable from any page a browser on
    the machine shows: another site could post a form to it (cross-site request forgery),
    or rebind its own host name to 127.0.0.1 (DNS rebinding) and read the answers. Browsers
    say where a request comes from (``Sec-Fetch-Site``, ``Origin``) and which host it was
    meant for (``Host``); other clients send no ``Sec-Fetch-Site`` and are not affected. A
    server started with ``insecure`` leaves this to whatever authenticates in front of it.

    Raises:
        PermissionDeniedError: a keyless request from another site, or for another host.
    """
    settings = request.app.state.settings
    if settings.insecure:
        return
    host = request.headers.get("host", "")
    name = host.rpartition(":")[0] if host.rfind(":") > host.rfind("]") else host
    if host and not _loopback(name.strip("[]").lower()):
        raise PermissionDeniedError(
            f"a request without an API key must be addressed to this machine, not {host!r}",
            suggestion="open the server as http://127.0.0.1:<port>/, or use an API key",
        )
    site = request.headers.get("sec-fetch-site", "")
    origin = request.headers.get("origin")
    if site in ("cross-site", "same-site") and origin not in settings.cors_origins:
        raise PermissionDeniedError(
            "a request without an API key may not come from another site's page",
            suggestion="use an API key, or list the page's origin in cors_origins",
        )


def _loopback(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False

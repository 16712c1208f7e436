"""MCP over streamable HTTP at ``/mcp``, behind the service's API keys.

``KeyAuth`` authenticates every request to the endpoint through the app's ``Gateway`` (the
same ``Token`` / ``Bearer`` / ``X-API-Key`` headers, the same 401 / 403 / 429 answers as the
REST routes) and leaves the caller's grant in the ASGI scope, where each tool call finds it:
a session opened with one key cannot act with another's rights. With several workers the
endpoint is stateless (each request stands alone), as a session would live in one worker.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from mcp.server.mcpserver import Context
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from engram.core.keys import Grant
from engram.exceptions import AuthenticationError, EngramError
from engram.gateway import Gateway
from engram.mcp.server import build_server
from engram.server.auth import token_of
from engram.server.errors import error_response
from engram.server.settings import Settings

__all__ = ["GRANT", "KeyAuth", "endpoint"]

#: Where ``KeyAuth`` leaves the caller's grant in the ASGI scope.
GRANT = "engram.grant"


class KeyAuth:
    """Answer unauthenticated requests; pass the others on with their grant."""

    def __init__(self, app: ASGIApp, gateway: Gateway) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        try:
            token = token_of(headers.get("authorization"), headers.get("x-api-key"))
            scope[GRANT] = await self.gateway.authenticate(token)
        except EngramError as e:
            await error_response(e)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def request_grant(ctx: Context) -> Grant:
    """The grant ``KeyAuth`` left on the HTTP request of this tool call."""
    request: Any = ctx.request_context.request
    grant = getattr(request, "scope", {}).get(GRANT)
    if not isinstance(grant, Grant):  # pragma: no cover - every request passes KeyAuth
        raise AuthenticationError("no API key was checked", service="engram")
    return grant


def endpoint(
    gateway: Gateway, settings: Settings
) -> tuple[ASGIApp, AbstractAsyncContextManager[None]]:
    """The ``/mcp`` ASGI app and the context manager that must run around the server."""
    server = build_server(gateway, settings.mcp, request_grant)
    # Several workers share no session table: each request must then stand alone.
    server.streamable_http_app(
        streamable_http_path="/mcp",
        host=settings.server.host,
        stateless_http=settings.server.workers > 1,
    )
    manager = server.session_manager

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await manager.handle_request(scope, receive, send)

    return KeyAuth(app, gateway), manager.run()

"""``BodyLimit``: request bodies over ``max_body_bytes`` get 413, before they are read.

A pure ASGI middleware. A declared ``Content-Length`` over the limit is answered at once
(the body is never read); a body sent without one (chunked) is counted as it arrives, and
the read that passes the limit raises ``HTTPException(413)``, which FastAPI hands to the
error handlers. Either way the answer has the service's error shape.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engram.exceptions import ValidationError
from engram.gateway import TOO_LARGE
from engram.server.errors import error_response

__all__ = ["BodyLimit"]


class BodyLimit:
    """Refuse HTTP request bodies larger than ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = error_response(self.error())
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(413, self.error().message)
            return message

        await self.app(scope, counted, send)

    def error(self) -> ValidationError:
        """The error of a body over the limit."""
        return ValidationError(
            f"the request body is larger than {self.max_bytes} bytes",
            field="body",
            expected=f"at most {self.max_bytes} bytes",
            error_code=TOO_LARGE,
            suggestion="send fewer or shorter messages per request",
        )

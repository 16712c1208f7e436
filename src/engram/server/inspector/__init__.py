"""The memory inspector: a page for people at ``/ui``, over the service's own JSON routes.

The page is static (HTML, CSS and JavaScript modules in ``static/``, plus d3 for the graph
drawing in ``static/vendor/``, all inside the package: no CDN, no build step). It reads and
writes memories only through the routes every client uses (``/entities``, ``/browse``,
``/explain``, ``/v1/memories/...``, ``/graph/...``), so it has no access a key's holder
lacks, and nothing here touches the memory directly.

Keys. The page itself holds no data and is served to anyone; every request for data needs
the same key as any client. A person types the key once; it is kept in the tab's
``sessionStorage`` (gone when the tab closes) and sent as ``Authorization: Bearer`` on each
``fetch``. No cookie is ever set or sent (``credentials: "omit"``), so another site cannot
make the browser act with the key (no CSRF: a cross-site page can neither read the key nor
add the header, and a cross-origin PUT or DELETE needs a CORS preflight this server refuses
unless ``cors_origins`` names that site). A server open on loopback (no key in its store)
needs no key here either.

Every response of the page carries a strict Content-Security-Policy (scripts, styles and
connections from this origin only; no inline script; no framing), so text stored in a memory
can never run as code; the scripts also only ever insert text as text (``textContent``).
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HEADERS", "PATH", "install"]

#: Where the inspector is served.
PATH = "/ui"

#: Security headers of every response under ``PATH``.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class _Headed:
    """An ASGI app with ``HEADERS`` (and a cache policy) added to its responses."""

    def __init__(self, app: ASGIApp, cache: str) -> None:
        self.app = app
        self.extra = [
            *((k.lower().encode(), v.encode()) for k, v in HEADERS.items()),
            (b"cache-control", cache.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.extra]
            await send(message)

        await self.app(scope, receive, headed)


def install(app: FastAPI) -> None:
    """Serve the inspector at ``/ui/`` (``/ui`` redirects there) and its assets below it."""
    static = resources.files(__name__) / "static"
    index = static / "index.html"
    # Assets may be cached for a short while; the page is always fetched fresh, so a new
    # version of engram is picked up on reload.
    assets = StaticFiles(directory=str(static), check_dir=True)
    app.mount(f"{PATH}/assets", _Headed(assets, "max-age=300"), name="inspector-assets")

    @app.get(PATH, include_in_schema=False)
    async def to_inspector() -> RedirectResponse:
        return RedirectResponse(f"{PATH.lstrip('/')}/")  # relative: works under a proxy prefix

    @app.get(f"{PATH}/", include_in_schema=False)
    async def inspector() -> FileResponse:
        """The inspector's page (it asks for a key when the server needs one)."""
        return FileResponse(
            str(index),
            media_type="text/html; charset=utf-8",
            headers={**HEADERS, "Cache-Control": "no-store"},
        )

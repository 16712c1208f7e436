"""``create_app``: the FastAPI application of ``engram serve`` over one ``Gateway``.

The app holds its gateway and settings in ``app.state``; every router reaches them through
dependencies (``engram.server.auth``), so routers mount cleanly and a later one (a UI, graph
routes) needs nothing else. Request bodies are capped by ``limits.BodyLimit`` (413).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import Route

from engram import __version__
from engram.async_memory import AsyncMemory
from engram.gateway import Gateway, Limits
from engram.server import docs, errors, inspector
from engram.server.limits import BodyLimit
from engram.server.routes import ROUTERS, service
from engram.server.settings import ServerSettings, Settings

__all__ = ["create_app", "gateway_for"]

DESCRIPTION = """\
Long-term memory for AI agents, over HTTP.

Two route sets share one implementation: **mem0's server** routes (`/memories`, `/search`,
...) and the **mem0 Platform** routes that mem0's `MemoryClient` and the npm `mem0ai` client
call (`/v1/...`, `/v3/...`): point them at this server with `host=`.

**Keys.** Send `Authorization: Token <key>` (or `Bearer <key>`, or `X-API-Key: <key>`). Keys
are made with `engram keys create`; one may be limited to some user / agent / run ids and to
reading. A server on a loopback address with no key in its store is open (to requests for
this machine, and from a browser only from its own pages).

**Inspector.** `/ui/` is a page for people over these routes: scopes, memories (`POST
/browse`), search with the parts of each score (`POST /explain`), a memory's history, and
graph memory (`/graph/...`), behind the same keys.

**Errors** carry `detail` and `error: {code, message, suggestion, details}`: 422 invalid
request, 401 missing or invalid key, 403 outside the key's scopes or read-only, 404 not
found, 409 not possible with this server's configuration, 413 too large, 429 rate limited,
503 store unavailable.
"""


def gateway_for(memory: AsyncMemory, settings: ServerSettings) -> Gateway:
    """The gateway ``settings`` describe, over ``memory``."""
    limits = Limits(
        max_results=settings.max_results,
        max_batch=settings.max_batch,
        max_messages=settings.max_messages,
        rate_limit=settings.rate_limit,
    )
    return Gateway(
        memory,
        open_access=settings.insecure or is_loopback(settings.host),
        limits=limits,
        key_cache_seconds=settings.key_cache_seconds,
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(
    gateway: Gateway,
    settings: Settings | None = None,
    *,
    rest: bool = True,
    owns_memory: bool = False,
    warm_up: bool = False,
) -> FastAPI:
    """The service over ``gateway``.

    Args:
        gateway: where every route goes.
        settings: the service's settings (``server.mcp`` mounts MCP at ``/mcp``).
        rest: mount the REST routes (``engram mcp --transport http`` serves MCP alone).
        owns_memory: close the gateway's memory when the app shuts down.
        warm_up: before serving, load the embedding model and the store's caches with one
            search, so that the first request does not pay for them.
    """
    settings = settings or Settings()
    config = settings.server
    mcp_lifespan: list[Any] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for context in mcp_lifespan:
                await stack.enter_async_context(context)
            if warm_up:
                await gateway.memory.search("warm up", user_id="engram-warm-up", limit=1)
            try:
                yield
            finally:
                if owns_memory:
                    await gateway.memory.close()

    app = FastAPI(
        title="engram",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.state.gateway = gateway
    app.state.settings = config
    errors.install(app)
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    for router in ROUTERS if rest else (service.router,):
        app.include_router(router)
    if config.docs:
        docs.install(app, "engram")
    if config.ui and rest:
        inspector.install(app)
    if config.mcp or not rest:
        from engram.mcp.http import endpoint

        mcp_app, running = endpoint(gateway, settings)
        app.router.routes.append(Route("/mcp", endpoint=mcp_app))
        mcp_lifespan.append(running)
    return app

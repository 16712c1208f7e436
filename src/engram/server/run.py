"""Starting the service: the bind check, then uvicorn with one or more worker processes.

``serve`` resolves the settings once, refuses a non-loopback address when the store holds no
API key (unless ``insecure``), and hands the settings to each uvicorn worker through the
environment; ``app_from_environment`` is the factory every worker calls.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from engram.async_memory import AsyncMemory
from engram.exceptions import ConfigurationError
from engram.server.app import create_app, gateway_for, is_loopback
from engram.server.settings import Settings

__all__ = ["app_from_environment", "check_bind", "serve"]

#: The resolved settings, as JSON, for the worker processes.
SETTINGS_ENV = "ENGRAM_SERVE_SETTINGS"
#: "1" to mount the REST routes, "0" for MCP alone (``engram mcp --transport http``).
REST_ENV = "ENGRAM_SERVE_REST"


def check_bind(settings: Settings) -> None:
    """Refuse to listen beyond this machine without API keys.

    Raises:
        ConfigurationError: a non-loopback host, no live key in the store, and no ``insecure``.
    """
    server = settings.server
    if server.insecure or is_loopback(server.host):
        return
    from engram.memory import Memory

    with Memory(settings.memory or None) as memory:
        live = memory.api_keys.count()
    if live == 0:
        raise ConfigurationError(
            f"refusing to listen on {server.host} without API keys: anyone who can reach it "
            "could read and erase every memory",
            missing_field="api_keys",
            suggestion="create a key first (engram keys create NAME), listen on 127.0.0.1, "
            "or pass --insecure if something in front of engram authenticates requests",
        )


def app_from_environment() -> FastAPI:
    """The app of one worker, from the settings ``serve`` put in the environment."""
    settings = Settings.model_validate_json(os.environ[SETTINGS_ENV])
    memory = AsyncMemory(settings.memory or None)
    return create_app(
        gateway_for(memory, settings.server),
        settings,
        rest=os.environ.get(REST_ENV, "1") == "1",
        owns_memory=True,
        warm_up=True,
    )


def serve(settings: Settings, *, rest: bool = True) -> None:
    """Run the service until interrupted (uvicorn; httptools and uvloop when installed)."""
    import uvicorn

    check_bind(settings)
    os.environ[SETTINGS_ENV] = settings.model_dump_json()
    os.environ[REST_ENV] = "1" if rest else "0"
    server = settings.server
    uvicorn.run(
        "engram.server.run:app_from_environment",
        factory=True,
        host=server.host,
        port=server.port,
        workers=server.workers,
        log_level=server.log_level,
        server_header=False,
    )

"""``engram serve``: the REST service (mem0's server and Platform routes), optionally MCP."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engram._distribution import install_hint
from engram.exceptions import ConfigurationError


def register(commands: Any) -> None:
    """Add ``serve`` to the ``engram`` parser."""
    serve = commands.add_parser(
        "serve",
        help="serve memories over HTTP (mem0's REST routes and clients; MCP with --mcp)",
        description="Serve the configured memory over HTTP. Settings come from flags, then "
        "ENGRAM_SERVER_* variables, then the config file's 'server' block.",
    )
    add_config_flag(serve)
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument(
        "--insecure",
        action="store_const",
        const=True,
        help="allow a non-loopback address without API keys (only behind another gate)",
    )
    serve.add_argument(
        "--mcp", action="store_const", const=True, help="also serve MCP at /mcp (mcp extra)"
    )
    serve.add_argument(
        "--allow-configure",
        action="store_const",
        const=True,
        help="let unlimited keys replace the memory config with POST /configure",
    )
    serve.add_argument(
        "--no-ui",
        dest="ui",
        action="store_const",
        const=False,
        help="do not serve the memory inspector at /ui",
    )
    serve.add_argument("--rate-limit", type=float, help="requests per minute per key")
    serve.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"))
    serve.set_defaults(run=_run)


def add_config_flag(parser: argparse.ArgumentParser) -> None:
    """``--config FILE`` (default ``$ENGRAM_CONFIG``)."""
    parser.add_argument(
        "--config",
        type=Path,
        help="JSON or TOML: mem0's config dict plus optional 'server' and 'mcp' blocks "
        "(default $ENGRAM_CONFIG; without either, the embedded store under $ENGRAM_HOME)",
    )


def require(module: str, extra: str) -> None:
    """Raise ConfigurationError naming the extra when ``module`` is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ConfigurationError(
            f"this command needs the {module} package",
            missing_field=module,
            suggestion=install_hint(extra),
        )


def _run(args: argparse.Namespace) -> int:
    require("fastapi", "server")
    if args.mcp:
        require("mcp", "mcp")
    from engram.server.run import serve
    from engram.server.settings import load_settings

    settings = load_settings(
        args.config,
        server={
            "host": args.host,
            "port": args.port,
            "workers": args.workers,
            "insecure": args.insecure,
            "mcp": args.mcp,
            "allow_configure": args.allow_configure,
            "ui": args.ui,
            "rate_limit": args.rate_limit,
            "log_level": args.log_level,
        },
    )
    serve(settings)
    return 0

"""The ``engram`` command: a shell over engram's core, like ``Memory``.

Each command group lives in a module of this package that exposes ``register(commands)``,
adding its subparsers with ``set_defaults(run=...)``; ``run(args)`` returns the exit status.
Modules import what they need inside ``run``, so that ``engram --help`` and a cold start
stay fast.

::

    engram postgres start|status|stop    a local PostgreSQL + pgvector server
    engram migrate --from SRC --to DST   copy memories, vectors and history between stores
    engram serve                         the REST service (mem0's routes and clients)
    engram keys create|list|revoke       the service's API keys
    engram mcp                           the memory tools over MCP (stdio or HTTP)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engram import __version__
from engram.cli import keys, mcp, migrate, postgres, serve
from engram.exceptions import EngramError

__all__ = ["main"]

#: The command groups, in the order ``engram --help`` lists them.
COMMANDS = (postgres, migrate, serve, keys, mcp)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    args = parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except EngramError as e:
        print(f"engram: {e}", file=sys.stderr)
        return 1
    return status


def parser() -> argparse.ArgumentParser:
    """The ``engram`` argument parser with every command group registered."""
    top = argparse.ArgumentParser(
        prog="engram", description="engram: long-term memory for AI agents."
    )
    top.add_argument("--version", action="version", version=f"engram {__version__}")
    commands = top.add_subparsers(required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
    return top

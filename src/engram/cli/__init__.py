"""The ``engram`` command: a shell over engram's core, like ``Memory``.

Each command group lives in a module of this package that exposes ``register(commands)``,
adding its subparsers with ``set_defaults(run=...)``; ``run(args)`` returns the exit status.
Modules import what they need inside ``run``, so that ``engram --help`` and a cold start
stay fast.

::

    engram postgres start|status|stop    a local PostgreSQL + pgvector server
    engram migrate --from SRC --to DST   copy memories, vectors and history between stores
    engram doctor [PATH] [--repair | --salvage NEW]   check a SQLite store, and mend it
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engram import __version__
from engram.cli import doctor, migrate, postgres
from engram.exceptions import EngramError

__all__ = ["main"]

#: The command groups, in the order ``engram --help`` lists them.
COMMANDS = (postgres, migrate, doctor)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    args = parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except EngramError as e:
        print(f"engram: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a path the file system refuses (too long, not a directory, ...)
        print(f"engram: {e.strerror or e}: {str(e.filename)[:300]}", file=sys.stderr)
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

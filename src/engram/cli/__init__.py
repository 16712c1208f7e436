"""The ``engram`` command: a shell over engram's core, like ``Memory``.

Each command group lives in a module of this package that exposes ``register(commands)``,
adding its subparsers with ``set_defaults(run=...)``; ``run(args)`` returns the exit status
(the codes are listed in ``engram.cli.common``, which also holds what commands share:
``store_options()`` (--config, --store, --json), ``scope_options``, ``open_memory``, and the
mapping of an EngramError to its exit code and one-line message, applied here in ``main``).
Modules import what they need inside ``run``, so that ``engram --help`` and a cold start
stay fast.

::

    engram add | search | list | get | update | delete | delete-all | history
    engram stats | config                 what a store holds; the config commands run with
    engram export | import                JSON Lines export and import; import --from-mem0
    engram postgres start|status|stop    a local PostgreSQL + pgvector server
    engram migrate --from SRC --to DST   copy memories, vectors and history between stores
    engram serve                         the REST service (mem0's routes and clients)
    engram keys create|list|revoke       the service's API keys
    engram mcp                           the memory tools over MCP (stdio or HTTP)
    engram doctor [PATH] [--repair | --salvage NEW]   check a SQLite store, and mend it
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from engram import __version__
from engram.cli import doctor, info, keys, mcp, memories, migrate, postgres, serve, transfer
from engram.cli.common import FAILURE, INTERRUPTED, report_error
from engram.exceptions import EngramError, StoreError, ValidationError

__all__ = ["main"]

#: The command groups, in the order ``engram --help`` lists them.
COMMANDS = (memories, info, transfer, serve, keys, mcp, postgres, migrate, doctor)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    args = parser().parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        status: int = args.run(args)
    except EngramError as e:
        return report_error(e, sys.stderr, as_json)
    except KeyboardInterrupt:
        print("engram: interrupted (an import resumes when run again)", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # the reader went away (`engram list | head`): not our failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILURE
    except UnicodeError as e:  # a path that is not valid text, where the OS wants bytes
        error = ValidationError(f"an argument is not valid text: {e}", expected="valid text")
        return report_error(error, sys.stderr, as_json)
    except OSError as e:  # a path the file system refuses (too long, not a directory, ...)
        where = f": {str(e.filename)[:300]}" if e.filename else ""
        return report_error(StoreError(f"{e.strerror or e}{where}"), sys.stderr, as_json)
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

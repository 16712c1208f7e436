"""``engram postgres start|status|stop``: a local PostgreSQL + pgvector server."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    """Add ``postgres`` and its actions to the ``engram`` parser."""
    postgres = commands.add_parser("postgres", help="a local PostgreSQL + pgvector server")
    actions = postgres.add_subparsers(required=True, metavar="ACTION")
    for name, run, text in (
        ("start", _start, "start it (creating it the first time)"),
        ("status", _status, "say whether it runs, and how to connect"),
        ("stop", _stop, "stop it"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--dir", type=Path, default=None, help="default $ENGRAM_HOME/postgres")
        action.set_defaults(run=run)
        if name == "start":
            action.add_argument("--port", type=int, default=None, help="default: a free port")
        if name == "stop":
            action.add_argument("--remove", action="store_true", help="delete its files too")


def _start(args: argparse.Namespace) -> int:
    from engram.stores.postgres import server

    running = server.start(args.dir, args.port)
    config = {"vector_store": {"provider": "postgres", "config": {"dsn": running.dsn}}}
    print(f"PostgreSQL + pgvector runs in {running.directory} on 127.0.0.1:{running.port}")
    print(f"dsn: {running.dsn}")
    print(
        f"authentication: {server.AUTH_METHOD} password; the password is in "
        f"{running.passfile} (mode 0600, yours alone), which the dsn names"
    )
    print(f"config: {json.dumps(config)}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from engram.stores.postgres import server

    running = server.status(args.dir)
    if running is None:
        print("not running")
        return 3
    print(f"running in {running.directory}, dsn: {running.dsn}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from engram.stores.postgres import server

    was_running = server.stop(args.dir, remove=args.remove)
    print("stopped" if was_running else "not running", "(files removed)" if args.remove else "")
    return 0

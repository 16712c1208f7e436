"""The ``engram`` command: a local PostgreSQL server, and migration between stores.

::

    engram postgres start [--dir D] [--port P]   start (first time: create) a local server
    engram postgres status [--dir D]             is it running, and its connection string
    engram postgres stop [--dir D] [--remove]    stop it (and delete its files)
    engram migrate --from SRC --to DST           copy memories, vectors and history

SRC and DST are a JSON config file, a ``postgresql://`` URL or a SQLite file path.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from engram.exceptions import EngramError
from engram.migrate import migrate, state_path_for, store_from_spec
from engram.stores.postgres import server

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except EngramError as e:
        print(f"engram: {e}", file=sys.stderr)
        return 1
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engram", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
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
    move = commands.add_parser("migrate", help="copy memories, vectors and history")
    move.add_argument("--from", dest="source", required=True, help="config, URL or SQLite path")
    move.add_argument("--to", dest="target", required=True, help="config, URL or SQLite path")
    move.add_argument("--batch", type=int, default=1000, help="rows per transaction")
    move.add_argument("--restart", action="store_true", help="forget an interrupted run")
    move.add_argument("--quiet", action="store_true", help="no progress bar")
    move.set_defaults(run=_migrate)
    return parser


def _start(args: argparse.Namespace) -> int:
    running = server.start(args.dir, args.port)
    config = {"vector_store": {"provider": "postgres", "config": {"dsn": running.dsn}}}
    print(f"PostgreSQL + pgvector runs in {running.directory} on 127.0.0.1:{running.port}")
    print(f"dsn: {running.dsn}")
    print(f"config: {json.dumps(config)}")
    return 0


def _status(args: argparse.Namespace) -> int:
    running = server.status(args.dir)
    if running is None:
        print("not running")
        return 3
    print(f"running in {running.directory}, dsn: {running.dsn}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    was_running = server.stop(args.dir, remove=args.remove)
    print("stopped" if was_running else "not running", "(files removed)" if args.remove else "")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    state = state_path_for(args.source, args.target)
    if args.restart:
        state.unlink(missing_ok=True)
    source, target = store_from_spec(args.source), store_from_spec(args.target)
    bar = ProgressBar(sys.stderr)
    try:
        report = migrate(
            source, target, batch=args.batch, state_path=state, progress=None if args.quiet else bar
        )
    finally:
        bar.close()
        source.close()
        target.close()
    memories, history, digest = report.source
    print(
        f"{'resumed; ' if report.resumed else ''}copied {report.memories} memories and "
        f"{report.history} history rows; source {memories} / {history}, target "
        f"{report.target[0]} / {report.target[1]}, checksum "
        f"{'matches' if report.ok else 'DIFFERS'} ({digest[:16]})"
    )
    return 0 if report.ok else 2


class ProgressBar:
    """``label [#####.....] done/total`` redrawn in place on a terminal stream."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.label = ""

    def __call__(self, label: str, done: int, total: int) -> None:
        if label != self.label and self.label:
            self.stream.write("\n")
        self.label = label
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{label:<8} [{bar}] {done}/{total}")
        self.stream.flush()

    def close(self) -> None:
        """End the line, if one was drawn."""
        if self.label:
            self.stream.write("\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

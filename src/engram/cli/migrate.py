"""``engram migrate --from SRC --to DST``: copy memories, vectors, history and the graph between
stores.

SRC and DST are a JSON config file, a ``postgresql://`` URL or a SQLite file path.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(commands: Any) -> None:
    """Add ``migrate`` to the ``engram`` parser."""
    move = commands.add_parser("migrate", help="copy memories, vectors, history and the graph")
    move.add_argument("--from", dest="source", required=True, help="config, URL or SQLite path")
    move.add_argument("--to", dest="target", required=True, help="config, URL or SQLite path")
    move.add_argument("--batch", type=int, default=1000, help="rows per transaction")
    move.add_argument("--restart", action="store_true", help="forget an interrupted run")
    move.add_argument("--quiet", action="store_true", help="no progress bar")
    move.set_defaults(run=_migrate)


def _migrate(args: argparse.Namespace) -> int:
    from engram.cli.progress import ProgressBar
    from engram.migrate import migrate, state_path_for, store_from_spec

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
        f"{report.history} history rows, {report.entities} entities and {report.relations} "
        f"relations; source {memories} / {history}, target {report.target[0]} / "
        f"{report.target[1]}, checksum "
        f"{'matches' if report.ok else 'DIFFERS'} ({digest[:16]})"
    )
    return 0 if report.ok else 5  # CHECK_FAILED (engram.cli.common)

"""``engram keys create|list|revoke``: the API keys of ``engram serve`` and ``engram mcp``.

Keys are kept in the configured store (hashed), so every server process on that store sees
them; the token is printed once, at creation.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engram.cli.serve import add_config_flag


def register(commands: Any) -> None:
    """Add ``keys`` and its actions to the ``engram`` parser."""
    keys = commands.add_parser("keys", help="API keys of the service (kept hashed in the store)")
    actions = keys.add_subparsers(required=True, metavar="ACTION")

    create = actions.add_parser("create", help="make a key and print it (once)")
    create.add_argument("name", help="a label, e.g. support-bot")
    create.add_argument(
        "--user", action="append", metavar="ID", help="limit the key to this user_id (repeat)"
    )
    create.add_argument(
        "--agent", action="append", metavar="ID", help="limit the key to this agent_id (repeat)"
    )
    create.add_argument(
        "--run",
        action="append",
        dest="run_ids",
        metavar="ID",
        help="limit the key to this run_id (repeat)",
    )
    create.add_argument("--read-only", action="store_true", help="refuse writes with this key")
    create.add_argument("--rate-limit", type=float, help="requests per minute for this key")
    create.set_defaults(run=_create)

    listing = actions.add_parser("list", help="list keys (never their tokens)")
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(run=_list)

    revoke = actions.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id", help="the id `engram keys list` shows")
    revoke.set_defaults(run=_revoke)

    for action in (create, listing, revoke):
        add_config_flag(action)


def _memory(args: argparse.Namespace) -> Any:
    from engram.memory import Memory
    from engram.server.settings import load_settings

    return Memory(load_settings(args.config).memory or None)


def _create(args: argparse.Namespace) -> int:
    with _memory(args) as memory:
        token, key = memory.api_keys.create(
            args.name,
            user_ids=args.user,
            agent_ids=args.agent,
            run_ids=args.run_ids,
            read_only=args.read_only,
            rate_limit=args.rate_limit,
        )
    limits = [f"{name}: {', '.join(values)}" for name, values in key.scopes.items()]
    if key.read_only:
        limits.append("read-only")
    limited = f"; limited to {'; '.join(limits)}" if limits else ""
    print(token)  # alone on stdout, so that KEY=$(engram keys create NAME) works
    print(
        f"key {key.id} ({key.name}) created{limited}. The token is shown only this once.",
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    with _memory(args) as memory:
        found = memory.api_keys.list(include_revoked=args.all)
    if args.json:
        print(json.dumps([k.describe() for k in found], indent=2))
        return 0
    if not found:
        print("no keys")
    for key in found:
        scopes = "; ".join(f"{n}: {', '.join(v)}" for n, v in key.scopes.items()) or "any scope"
        flags = [scopes]
        if key.read_only:
            flags.append("read-only")
        if key.rate_limit is not None:
            flags.append(f"{key.rate_limit:g}/min")
        if key.revoked_at:
            flags.append(f"revoked {key.revoked_at}")
        print(f"{key.id}  {key.name}  ({', '.join(flags)})  created {key.created_at}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with _memory(args) as memory:
        key = memory.api_keys.revoke(args.key_id)
    print(f"key {key.id} ({key.name}) revoked at {key.revoked_at}")
    return 0

"""``engram add | search | list | get | update | delete | delete-all | history``.

Each is a thin shell over ``Memory``'s method of the same name: parse the arguments, call
it, print a table (or ``--json``). Scopes come from ``--user / --agent / --run``, filters
from ``--filters JSON`` (or ``@file``), exactly as the Python API takes them.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engram.cli.common import (
    OK,
    USAGE,
    json_argument,
    open_memory,
    print_json,
    scope_of,
    scope_options,
    store_options,
)
from engram.cli.output import EVENT_COLOURS, Column, fields, short_time, table
from engram.exceptions import MemoryNotFoundError

_EVENTS = {"event": EVENT_COLOURS}


def register(commands: Any) -> None:
    """Add the memory commands to the ``engram`` parser."""
    parent = store_options()

    add = commands.add_parser(
        "add", parents=[parent], help="store memories", description="Store memories."
    )
    add.add_argument("text", nargs="*", help="one memory per argument; - reads stdin")
    scope_options(add, required=True)
    add.add_argument("--messages", metavar="JSON", help="a message list instead (or @file)")
    add.add_argument("--metadata", metavar="JSON", help="JSON object stored with each memory")
    add.add_argument("--name", help="who said it (the message's name: the memory's actor_id)")
    add.add_argument("--role", default="user", help="the message's role (default: user)")
    add.add_argument("--timestamp", help="when it was said (ISO 8601 or epoch); default now")
    add.add_argument(
        "--infer",
        action="store_true",
        help="extract facts and reconcile them with stored memories (default: store as given)",
    )
    add.set_defaults(run=_add)

    search = commands.add_parser(
        "search", parents=[parent], help="find the memories most relevant to a query"
    )
    search.add_argument("query")
    scope_options(search, required=True)
    _filter_options(search, default_limit=10)
    search.add_argument("--threshold", type=float, help="drop results scoring below (0..1)")
    search.add_argument("--explain", action="store_true", help="show what made each score")
    search.add_argument("--rerank", action="store_true", help="use the configured reranker")
    search.set_defaults(run=_search)

    listing = commands.add_parser(
        "list", parents=[parent], help="list a scope's memories, newest first"
    )
    scope_options(listing, required=True)
    _filter_options(listing, default_limit=100)
    listing.set_defaults(run=_list)

    get = commands.add_parser("get", parents=[parent], help="show one memory")
    get.add_argument("memory_id", metavar="ID")
    get.set_defaults(run=_get)

    update = commands.add_parser("update", parents=[parent], help="replace a memory's text")
    update.add_argument("memory_id", metavar="ID")
    update.add_argument("text")
    update.add_argument("--metadata", metavar="JSON", help="replace its metadata too")
    update.set_defaults(run=_update)

    delete = commands.add_parser("delete", parents=[parent], help="delete one memory")
    delete.add_argument("memory_id", metavar="ID")
    delete.set_defaults(run=_delete)

    delete_all = commands.add_parser(
        "delete-all", parents=[parent], help="delete every memory of a scope"
    )
    scope_options(delete_all, required=True)
    delete_all.add_argument("-y", "--yes", action="store_true", help="do not ask to confirm")
    delete_all.set_defaults(run=_delete_all)

    history = commands.add_parser(
        "history", parents=[parent], help="show every change of a memory, oldest first"
    )
    history.add_argument("memory_id", metavar="ID")
    history.set_defaults(run=_history)


def _filter_options(parser: argparse.ArgumentParser, default_limit: int) -> None:
    parser.add_argument("--filters", metavar="JSON", help="the filter language, as JSON (or @file)")
    parser.add_argument(
        "-n", "--limit", type=int, default=default_limit, help=f"default {default_limit}"
    )
    parser.add_argument(
        "--include-invalidated", action="store_true", help="also memories that were contradicted"
    )


def _add(args: argparse.Namespace) -> int:
    messages: Any
    if args.messages:
        if args.text:
            print("engram: error: give texts or --messages, not both", file=sys.stderr)
            return USAGE
        messages = json_argument(args.messages, "--messages")
    else:
        texts = [sys.stdin.read() if t == "-" else t for t in args.text]
        if not texts:
            print("engram: error: nothing to add (give a text, - for stdin, or --messages)",
                  file=sys.stderr)  # fmt: skip
            return USAGE
        messages = [
            {"role": args.role, "content": t, **({"name": args.name} if args.name else {})}
            for t in texts
        ]
    metadata = json_argument(args.metadata, "--metadata") if args.metadata else None
    with open_memory(args, preload="memories") as m:
        result = m.add(
            messages,
            **scope_of(args),
            metadata=metadata,
            infer=args.infer,
            timestamp=args.timestamp,
        )
    if args.json:
        print_json(result)
    elif result["results"]:
        table(result["results"], [Column("EVENT", "event"), Column("ID", "id"),
              Column("MEMORY", "memory", flex=True)], colours=_EVENTS)  # fmt: skip
    else:
        print("nothing new to store")
    return OK


def _search(args: argparse.Namespace) -> int:
    filters = json_argument(args.filters, "--filters") if args.filters else None
    with open_memory(args, preload="queries") as m:
        result = m.search(
            args.query,
            **scope_of(args),
            limit=args.limit,
            filters=filters,
            threshold=args.threshold,
            include_invalidated=args.include_invalidated,
            rerank=args.rerank,
            explain=args.explain,
        )
    if args.json:
        print_json(result)
        return OK
    rows = result["results"]
    if not rows:
        print("no memory matches")
        return OK
    columns = [Column("SCORE", "score", align=">"), Column("ID", "id")]
    if args.explain:
        # The numbers: not the ranks, nor the breakdown of the score ("shares"); evidence that
        # no result received (a time the query did not name) is left out, for the text's room.
        parts = [
            k
            for k, v in rows[0].get("score_parts", {}).items()
            if not k.endswith("_rank")
            and isinstance(v, int | float)
            and (k in _ALWAYS_SHOWN or any(r.get("score_parts", {}).get(k) for r in rows))
        ]
        for row in rows:
            row.update({f"part:{k}": v for k, v in row.get("score_parts", {}).items()})
        columns += [Column(k.upper(), f"part:{k}", align=">") for k in parts]
    table(rows, [*columns, Column("MEMORY", "memory", flex=True)])
    return OK


#: The parts of ``search --explain`` shown even when they are zero for every result.
_ALWAYS_SHOWN = frozenset({"semantic", "lexical", "fused"})


def _list(args: argparse.Namespace) -> int:
    filters = json_argument(args.filters, "--filters") if args.filters else None
    with open_memory(args) as m:
        result = m.get_all(
            **scope_of(args),
            filters=filters,
            limit=args.limit,
            include_invalidated=args.include_invalidated,
        )
    if args.json:
        print_json(result)
        return OK
    rows = result["results"]
    if not rows:
        print("no memories")
        return OK
    for row in rows:
        row["created"] = short_time(row["created_at"])
        row["state"] = "invalid" if row.get("invalid_at") else ""
    columns = [Column("ID", "id"), Column("CREATED", "created")]
    if args.include_invalidated:
        columns.append(Column("STATE", "state"))
    table(rows, [*columns, Column("MEMORY", "memory", flex=True)])
    return OK


def _get(args: argparse.Namespace) -> int:
    with open_memory(args) as m:
        memory = m.get(args.memory_id)
    if memory is None:
        raise MemoryNotFoundError(
            f"no memory with id {args.memory_id!r}",
            memory_id=args.memory_id,
            suggestion="check the id; engram list shows the memories of a scope",
        )
    if args.json:
        print_json(memory)
    else:
        fields(list(memory.items()))
    return OK


def _update(args: argparse.Namespace) -> int:
    metadata = json_argument(args.metadata, "--metadata") if args.metadata else None
    with open_memory(args, preload="memories") as m:
        result = m.update(args.memory_id, args.text, metadata)
    if args.json:
        print_json(result)
    else:
        print(f"updated {args.memory_id}")
    return OK


def _delete(args: argparse.Namespace) -> int:
    with open_memory(args) as m:
        result = m.delete(args.memory_id)
    if args.json:
        print_json(result)
    else:
        print(f"deleted {args.memory_id}")
    return OK


def _delete_all(args: argparse.Namespace) -> int:
    scope = {k: v for k, v in scope_of(args).items() if v is not None}
    named = ", ".join(f"{k.removesuffix('_id')} {v}" for k, v in scope.items())
    if not scope:
        print("engram: error: delete-all needs --user, --agent or --run", file=sys.stderr)
        return USAGE
    if not args.yes:
        if not sys.stdin.isatty():
            print("engram: error: delete-all deletes every memory of the scope: add --yes to "
                  "confirm (no terminal to ask on)", file=sys.stderr)  # fmt: skip
            return USAGE
        answer = input(f"Delete every memory of {named}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return OK
    with open_memory(args) as m:
        result = m.delete_all(**scope_of(args))
    if args.json:
        print_json(result)
    else:
        print(f"deleted {result['deleted']} memories of {named}")
    return OK


def _history(args: argparse.Namespace) -> int:
    with open_memory(args) as m:
        rows = m.history(args.memory_id)
    if args.json:
        print_json(rows)
        return OK
    for row in rows:
        row["when"] = short_time(row["updated_at"])
        row["old"] = row["old_memory"] or ""
        row["new"] = row["new_memory"] or ""
    table(rows, [Column("WHEN", "when"), Column("EVENT", "event"),
          Column("OLD", "old", flex=True), Column("NEW", "new", flex=True)],
          colours=_EVENTS)  # fmt: skip
    return OK

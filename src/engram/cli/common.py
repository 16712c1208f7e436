"""What every ``engram`` command shares: exit codes, error lines, the store options, JSON input.

Exit codes (the README's table)::

    0    success
    1    failure: the store, a provider or the network failed
    2    usage: bad arguments or invalid input (a bad filter, metadata, id, file line)
    3    not found: no memory with that id (or, for ``postgres status``, no server)
    4    configuration: a bad config, or a store made by another embedder
    5    check failed: an import's or migration's counts or checksum disagree
    130  interrupted (Ctrl-C)

Command modules import this module only (it is light); the store and embedder load in
``open_memory``, inside a command's ``run``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO, TypedDict

from engram.exceptions import (
    ConfigurationError,
    EngramError,
    MemoryNotFoundError,
    ValidationError,
)

if TYPE_CHECKING:
    from engram.memory import Memory

OK, FAILURE, USAGE, NOT_FOUND, CONFIGURATION, CHECK_FAILED, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130


def exit_code(error: EngramError) -> int:
    """The exit status of a command that raised ``error``."""
    if isinstance(error, ValidationError):
        return USAGE
    if isinstance(error, MemoryNotFoundError):
        return NOT_FOUND
    if isinstance(error, ConfigurationError):
        return CONFIGURATION
    return FAILURE


def _suggestion(error: EngramError) -> str | None:
    """The error's suggestion, said in the command line's terms where the API's differ."""
    if isinstance(error, MemoryNotFoundError):
        return "check the id; `engram list --user ID` lists the memories of a scope"
    if isinstance(error, ValidationError) and error.message.startswith("at least one of user_id"):
        return "pass --user, --agent or --run"
    return error.suggestion


def report_error(error: EngramError, stream: TextIO, as_json: bool) -> int:
    """Write ``error`` as one line (or one JSON object) to ``stream``; its exit status."""
    status = exit_code(error)
    suggestion = _suggestion(error)
    if as_json:
        body = {
            "error": error.error_code,
            "message": error.message,
            "suggestion": suggestion,
            "exit_code": status,
        }
        stream.write(json.dumps(body, ensure_ascii=False) + "\n")
    else:
        text = f"{error.message} ({suggestion})" if suggestion else error.message
        line = " ".join(text.split())  # one line, whatever the message holds
        stream.write(f"engram: error: {line}\n")
    return status


def store_options() -> argparse.ArgumentParser:
    """A parent parser with ``--config``, ``--store`` and ``--json``."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("store")
    group.add_argument(
        "--config",
        metavar="FILE",
        help="a JSON config in mem0's shape (default: $ENGRAM_CONFIG, else the embedded store)",
    )
    group.add_argument(
        "--store",
        metavar="SPEC",
        help="the store alone: a SQLite file path or a postgresql:// URL",
    )
    options.add_argument("--json", action="store_true", help="print JSON for scripts")
    return options


def scope_options(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """``--user``, ``--agent`` and ``--run``."""
    what = " (one of the three is required)" if required else ""
    parser.add_argument("-u", "--user", dest="user_id", metavar="ID", help=f"user id{what}")
    parser.add_argument("-a", "--agent", dest="agent_id", metavar="ID", help="agent id")
    parser.add_argument("-r", "--run", dest="run_id", metavar="ID", help="run (session) id")


class Scope(TypedDict):
    """The scope ids of a command, as keyword arguments of the Memory API."""

    user_id: str | None
    agent_id: str | None
    run_id: str | None


def scope_of(args: argparse.Namespace) -> Scope:
    """The scope ids given on the command line, as keyword arguments."""
    return {"user_id": args.user_id, "agent_id": args.agent_id, "run_id": args.run_id}


def config_dict(args: argparse.Namespace) -> dict[str, Any]:
    """The config the command runs with: ``--config`` or ``$ENGRAM_CONFIG``, then ``--store``.

    Raises:
        ConfigurationError: the file cannot be read or is not a JSON object.
    """
    source = getattr(args, "config", None) or os.environ.get("ENGRAM_CONFIG")
    config: dict[str, Any] = {}
    if source:
        from engram.paths import expand

        path = expand(source, "--config")
        try:
            from engram.core.limits import json_loads

            loaded = json_loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigurationError(
                f"cannot read the config {path}: {e}",
                config_source=str(path),
                suggestion="pass a JSON file in mem0's shape to --config",
            ) from e
        if not isinstance(loaded, dict):
            raise ConfigurationError(
                f"the config {path} is not a JSON object",
                config_source=str(path),
                suggestion='write {"vector_store": {...}, "embedder": {...}}',
            )
        config = loaded
    spec = getattr(args, "store", None)
    if spec:
        config = {**config, "vector_store": store_block(spec)}
    return config


def store_block(spec: str) -> dict[str, Any]:
    """A ``vector_store`` block from a SQLite path or a ``postgresql://`` URL."""
    if spec.startswith(("postgresql://", "postgres://")):
        return {"provider": "postgres", "config": {"dsn": spec}}
    return {"provider": "sqlite", "config": {"path": str(Path(spec).expanduser())}}


def open_memory(
    args: argparse.Namespace, *, preload: Literal["memories", "queries"] | None = None
) -> Memory:
    """The Memory the command works on; with ``preload``, the embedder starts loading what
    embeds memories (or search queries) in a background thread at once, while the store
    opens."""
    raw = config_dict(args)
    queries = preload == "queries"
    if preload and _default_embedder(raw):
        from engram.embedders import onnx_model

        # before pydantic and the store are even imported; the query graph where the default
        # embedder embeds queries with it
        onnx_model.start(queries=queries and onnx_model.exact_int8_products())
    from engram.components import coerce_config
    from engram.memory import Memory
    from engram.registry import get_registry

    config = coerce_config(raw)
    embedder = get_registry("embedders").create(config.embedder.provider, config.embedder.config)
    if queries:
        embedder.preload_queries()
    elif preload:
        embedder.preload()
    return Memory(config, embedder=embedder)


def _default_embedder(config: dict[str, Any]) -> bool:
    """Whether the config leaves the embedder at its default (the ONNX MiniLM, no options)."""
    block = config.get("embedder")
    return block is None or (
        isinstance(block, dict) and block.get("provider") == "onnx" and not block.get("config")
    )


def json_argument(text: str, field: str) -> Any:
    """A JSON value given on the command line, or ``@FILE`` to read it from a file.

    Raises:
        ValidationError: not JSON, or the file cannot be read.
    """
    if text.startswith("@"):
        from engram.paths import expand

        try:
            text = expand(text[1:], field).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
            raise ValidationError(
                f"{field}: cannot read {text[1:]}: {reason}",
                field=field,
                expected="@ followed by a readable file",
            ) from e
    try:
        from engram.core.limits import json_loads

        return json_loads(text)
    except ValueError as e:
        raise ValidationError(
            f"{field} is not valid JSON: {e}",
            field=field,
            value=text[:80],
            expected='JSON, e.g. \'{"category": "food"}\'',
        ) from e


def print_json(value: Any, stream: TextIO | None = None) -> None:
    """``value`` as indented JSON on stdout."""
    out = stream or sys.stdout
    out.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")

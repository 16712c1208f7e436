"""``engram stats`` (what a store holds) and ``engram config`` (the config commands run with)."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

from engram.cli.common import OK, config_dict, open_memory, print_json, scope_options, store_options
from engram.cli.output import fields

_SECRET_KEYS = re.compile(r"(^|_)(key|password|passwd|secret|token)$", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def register(commands: Any) -> None:
    """Add ``stats`` and ``config`` to the ``engram`` parser."""
    parent = store_options()
    stats = commands.add_parser(
        "stats", parents=[parent], help="count the memories of the store or of a scope"
    )
    scope_options(stats)
    stats.set_defaults(run=_stats)
    config = commands.add_parser(
        "config", parents=[parent], help="show the config commands run with (secrets hidden)"
    )
    config.set_defaults(run=_config)


def _stats(args: argparse.Namespace) -> int:
    from engram import __version__
    from engram.bulk import counts

    scope = {"user_id": args.user_id, "agent_id": args.agent_id, "run_id": args.run_id}
    with open_memory(args) as m:
        numbers = counts(m, **scope)
        store = _describe_store(m.config.vector_store.provider, m.store)
        embedder = {"name": m.embedder.name, "dimension": m.embedder.dimension}
    given = {k: v for k, v in scope.items() if v is not None}
    if args.json:
        print_json({"store": store, "embedder": embedder, "scope": given, **numbers,
                    "engram": __version__})  # fmt: skip
        return OK
    where = store.get("path") or store.get("dsn") or ""
    size = f" ({_size(store['bytes'])})" if "bytes" in store else ""
    fields([
        ("store", f"{store['provider']} {where}{size}"),
        ("embedder", f"{embedder['name']} ({embedder['dimension']} dimensions)"),
        ("scope", ", ".join(f"{k} {v}" for k, v in given.items()) or "the whole store"),
        *numbers.items(),
        ("engram", __version__),
    ])  # fmt: skip
    return OK


def _describe_store(provider: str, store: Any) -> dict[str, Any]:
    described: dict[str, Any] = {"provider": provider}
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        described["path"] = str(path)
        described["bytes"] = sum(
            p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists()
        )
    config = getattr(store, "config", None)
    dsn = getattr(config, "dsn", None)
    if isinstance(dsn, str):
        described["dsn"] = _URL_PASSWORD.sub(r"\1***@", dsn)
    return described


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _config(args: argparse.Namespace) -> int:
    from engram.components import coerce_config
    from engram.paths import data_home, default_store_path

    source = args.config or os.environ.get("ENGRAM_CONFIG")
    config = coerce_config(config_dict(args))
    shown = hide_secrets(config.model_dump(mode="json", exclude_none=True))
    if args.json:
        print_json(shown)
        return OK
    default = "--store" if args.store else "defaults (no --config, no $ENGRAM_CONFIG)"
    fields([
        ("source", source or default),
        ("ENGRAM_HOME", str(data_home())),
        ("default store", str(default_store_path())),
    ])  # fmt: skip
    print()
    print_json(shown)
    return OK


def hide_secrets(value: Any, key: str = "") -> Any:
    """``value`` with passwords, keys and tokens replaced by ``***`` (in URLs too)."""
    if isinstance(value, dict):
        return {k: hide_secrets(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [hide_secrets(v, key) for v in value]
    if isinstance(value, str):
        if _SECRET_KEYS.search(key) and value:
            return "***"
        return _URL_PASSWORD.sub(r"\1***@", value)
    return value

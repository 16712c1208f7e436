"""``engram doctor [PATH] [--repair | --salvage NEW]``: check a SQLite store, and mend it.

Without an action it examines the file (header, schema, SQLite's integrity check, the
full-text index against the memories, every memory with its vector and history) and says
what is damaged and whether that is derived (rebuilt from the memory rows) or data. It also
warns when other local users can read the store's files. ``--repair`` rebuilds the derived
parts in place, after copying the file aside; ``--salvage NEW`` copies every memory and
history row that can be read into a new store file. Exit status (``engram.cli.common``):
0 healthy (or mended), 5 damage found or remaining, 4 a bad path or config, 2 a bad argument.
"""

from __future__ import annotations

import argparse
import stat
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    """Add ``doctor`` to the ``engram`` parser."""
    doctor = commands.add_parser("doctor", help="check a SQLite store, rebuild or salvage it")
    doctor.add_argument("path", nargs="?", type=Path, default=None, help="the store file")
    action = doctor.add_mutually_exclusive_group()
    action.add_argument(
        "--repair", action="store_true", help="rebuild indexes, lexical index and vectors in place"
    )
    action.add_argument(
        "--salvage", type=Path, metavar="NEW", help="copy what can be read into a new store file"
    )
    doctor.add_argument(
        "--config", default=None, help="JSON config naming the store's embedder (to re-embed)"
    )
    doctor.set_defaults(run=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from engram.cli.common import CHECK_FAILED
    from engram.exceptions import ConfigurationError
    from engram.paths import default_store_path, expand
    from engram.stores.sqlite import health

    path = expand(str(args.path), "path") if args.path else default_store_path()
    if not path.is_file():
        raise ConfigurationError(f"no store file at {path}", suggestion="give the store's path")
    for warning in permission_warnings(path):
        print(f"warning: {warning}")
    if args.salvage:
        return _salvage(path, expand(str(args.salvage), "--salvage"), args.config)
    report = health.inspect(path)
    _print(report)
    if report.ok:
        print(f"{path}: healthy")
        return 0
    if not args.repair:
        if report.repairable:
            print(f"every problem is in derived data: `engram doctor {path} --repair` rebuilds it")
        else:
            print(
                f"memory data is damaged: `engram doctor {path} --salvage NEW_FILE` copies "
                "what can be read into a new store"
            )
        return CHECK_FAILED
    return _repair(path, args.config)


def _repair(path: Path, config: str | None) -> int:
    from engram.cli.common import CHECK_FAILED
    from engram.stores.sqlite import doctor

    result = doctor.repair(path, _embedder(path, config))
    print(f"copy of the file before repair: {result.backup}")
    print(f"rebuilt: {', '.join(result.rebuilt) or 'nothing'}")
    _print(result.after)
    if result.after.ok:
        print(f"{path}: healthy")
        return 0
    print(f"damage remains: `engram doctor {path} --salvage NEW_FILE` copies what can be read")
    return CHECK_FAILED


def _salvage(path: Path, target: Path, config: str | None) -> int:
    from engram.exceptions import ConfigurationError
    from engram.stores.sqlite import doctor
    from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig

    if target.exists():
        raise ConfigurationError(f"{target} exists: salvage writes a new store file")
    embedder = _embedder(path, config)
    if embedder is None:
        raise ConfigurationError(
            f"cannot tell which embedder made {path}",
            suggestion="pass --config with the store's embedder block",
        )
    store = SQLiteStore(SQLiteStoreConfig(path=str(target)))
    store.open(embedder.name, embedder.dimension)
    try:
        result = doctor.salvage(path, store, embedder)
    finally:
        store.close()
    print(
        f"salvaged {result.memories} memories ({result.reembedded} re-embedded) and "
        f"{result.history} history rows into {target}"
    )
    for skipped in result.skipped:
        print(f"unreadable: {skipped}")
    if result.lost_memories:
        print(f"lost: {result.lost_memories} memories whose rows could not be decoded")
    return 0


def _embedder(path: Path, config: str | None) -> Any:
    """The store's embedder, built only if vectors must be remade: from ``--config``, or the
    built-in model when the file says it was made with it."""
    from engram.stores.sqlite.doctor import stored_embedder

    stored = stored_embedder(path)
    if config is None and stored is None:
        return None
    return _Lazy(path, config, stored)


class _Lazy:
    """An embedder made on first use (loading a model costs a second)."""

    def __init__(self, path: Path, config: str | None, stored: tuple[str, int] | None) -> None:
        self._config = config
        self._inner: Any = None
        if config is None and stored is not None:
            self.name, self.dimension = stored
        else:
            self.name = ""
            built = self._build()
            self.name, self.dimension = built.name, built.dimension

    def _build(self) -> Any:
        if self._inner is None:
            from engram.exceptions import ConfigurationError
            from engram.registry import get_registry

            if self._config is not None:
                import json

                try:
                    block = json.loads(Path(self._config).read_text())
                except (OSError, ValueError) as e:
                    raise ConfigurationError(
                        f"cannot read the config {self._config}: {e}", config_source=self._config
                    ) from e
                block = block.get("embedder", block) if isinstance(block, dict) else None
                if not isinstance(block, dict) or "provider" not in block:
                    raise ConfigurationError(f"{self._config} names no embedder")
                self._inner = get_registry("embedders").create(
                    block["provider"], block.get("config")
                )
            elif self.name == "onnx:all-MiniLM-L6-v2":
                self._inner = get_registry("embedders").create("onnx")
            else:
                raise ConfigurationError(
                    f"the store was made with the embedder {self.name!r}",
                    suggestion="pass --config with that embedder's block to re-embed",
                )
        return self._inner

    def embed_batch(self, texts: list[str]) -> Any:
        return self._build().embed_batch(texts)


def permission_warnings(path: Path) -> list[str]:
    """The store's files and directory that users other than the owner can read."""
    found = []
    candidates = [path.parent, path] + [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    for candidate in candidates:
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            wanted = "700" if candidate.is_dir() else "600"
            found.append(
                f"{candidate} is readable by other users (mode {mode:o}): chmod {wanted} "
                f"'{candidate}'"
            )
    return found


def _print(report: Any) -> None:
    for warning in report.warnings:
        print(f"warning: {warning}")
    for finding in report.findings:
        kind = "derived" if finding.derived else "data"
        print(f"damaged ({kind}): {finding.what}")
    if report.counts:
        counts = ", ".join(f"{name}: {count}" for name, count in report.counts.items())
        print(f"counts: {counts}")

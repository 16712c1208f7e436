"""Copy every memory (with its vector), every history row and the graph from one store to another.

``engram migrate --from <config or path> --to <config>`` runs :func:`migrate`. Rows are
read in commit order and written verbatim in batches, one transaction each; the cursors are
saved after every batch in a state file, and writes skip ids already present, so an
interrupted run resumes where it stopped (or, without its state file, re-copies harmlessly).
At the end, counts and a checksum of every memory (fields, metadata, vector) and every
history row must match on both sides, and so must those of the graph's entities (with their
name vectors) and relations (with their support).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engram.exceptions import ConfigurationError
from engram.paths import data_home, expand, write_private
from engram.registry import get_registry
from engram.stores.base import Store
from engram.stores.transfer import Transferable

__all__ = [
    "MigrationReport",
    "checksum",
    "graph_checksum",
    "migrate",
    "state_path_for",
    "store_from_spec",
]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class MigrationReport:
    """What a migration copied, and whether both stores now hold the same rows."""

    memories: int
    history: int
    source: tuple[int, int, str]
    target: tuple[int, int, str]
    resumed: bool
    entities: int = 0
    relations: int = 0
    graph_source: tuple[int, int, str] = (0, 0, "")
    graph_target: tuple[int, int, str] = (0, 0, "")

    @property
    def ok(self) -> bool:
        """Counts and checksums agree, the graph's too."""
        return self.source == self.target and self.graph_source == self.graph_target


def store_from_spec(spec: str) -> Store:
    """A store from a JSON config file, a ``postgresql://`` URL, or a SQLite file path.

    A JSON file holds a mem0-style config (its ``vector_store`` block is used) or just a
    provider block ``{"provider": ..., "config": {...}}``.
    """
    stores = get_registry("stores")
    if spec.startswith(("postgresql://", "postgres://")):
        store: Store = stores.create("postgres", {"dsn": spec})
        return store
    path = expand(spec, "store")
    if path.suffix != ".json":
        store = stores.create("sqlite", {"path": str(path)})
        return store
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ConfigurationError(f"cannot read the config {path}: {e}", config_source=spec) from e
    block = data.get("vector_store", data) if isinstance(data, dict) else None
    if not isinstance(block, dict) or "provider" not in block:
        raise ConfigurationError(
            f"{path} names no store",
            config_source=spec,
            suggestion='write {"vector_store": {"provider": ..., "config": {...}}}',
        )
    store = stores.create(block["provider"], block.get("config"))
    return store


def state_path_for(source: str, target: str) -> Path:
    """Where the resumable state of copying ``source`` to ``target`` is kept."""
    key = hashlib.sha1(f"{source}\0{target}".encode(), usedforsecurity=False).hexdigest()
    return data_home() / "migrations" / f"{key[:16]}.json"


def migrate(
    source: Store,
    target: Store,
    *,
    batch: int = 1000,
    state_path: Path | None = None,
    progress: Progress | None = None,
) -> MigrationReport:
    """Copy ``source`` into ``target`` (both unopened); resumable through ``state_path``.

    Raises:
        ConfigurationError: a store cannot be exported or imported, the source is not an
            engram store, or the target was made with another embedder.
    """
    if not isinstance(source, Transferable) or not isinstance(target, Transferable):
        raise ConfigurationError(
            f"{type(source).__name__} -> {type(target).__name__}: both stores must "
            "implement engram.stores.transfer.Transferable (sqlite and postgres do)",
        )
    embedder = source.stored_embedder()
    if embedder is None:
        raise ConfigurationError(
            "the source holds no engram store", suggestion="check the --from path or config"
        )
    source.open(*embedder)
    target.open(*embedder)
    tables = ("memories", "history", "entities", "relations")
    state = dict.fromkeys(tables, 0)
    resumed = bool(state_path and state_path.exists())
    if state_path and resumed:
        state.update(json.loads(state_path.read_text()))
    copied = dict.fromkeys(tables, 0)
    total = source.count()
    with target.bulk_load():
        for table in tables:
            done = 0
            while True:
                read, new, cursor = _copy_batch(source, target, table, state[table], batch)
                if not read:
                    break
                copied[table] += new
                done += read
                state[table] = cursor
                if state_path:
                    write_private(state_path, json.dumps(state))
                if progress:
                    progress(table, done, total if table == "memories" else done)
    report = MigrationReport(
        copied["memories"],
        copied["history"],
        checksum(source),
        checksum(target),
        resumed,
        copied["entities"],
        copied["relations"],
        graph_checksum(source),
        graph_checksum(target),
    )
    if report.ok and state_path:
        state_path.unlink(missing_ok=True)
    return report


def _copy_batch(
    source: Transferable, target: Transferable, table: str, after: int, batch: int
) -> tuple[int, int, int]:
    """One batch of ``table``: (rows read, rows new in the target, the next cursor)."""
    if table == "memories":
        memories, cursor = source.export_memories(after, batch)
        return len(memories), target.import_rows(memories, [])[0] if memories else 0, cursor
    if table == "history":
        history, cursor = source.export_history(after, batch)
        return len(history), target.import_rows([], history)[1] if history else 0, cursor
    if table == "entities":
        entities, cursor = source.export_entities(after, batch)
        return len(entities), target.import_graph(entities, [])[0] if entities else 0, cursor
    relations, cursor = source.export_relations(after, batch)
    return len(relations), target.import_graph([], relations)[1] if relations else 0, cursor


def graph_checksum(store: Any, batch: int = 5000) -> tuple[int, int, str]:
    """(entities, relations, sha256 of every graph row with its vector or support)."""
    return _checksum((store.export_entities, store.export_relations), batch)


def checksum(store: Any, batch: int = 5000) -> tuple[int, int, str]:
    """(memories, history rows, sha256 of every row), independent of row order."""
    return _checksum((store.export_memories, store.export_history), batch)


def _checksum(exports: tuple[Any, Any], batch: int) -> tuple[int, int, str]:
    """Row counts of two exports and the sha256 of all their rows, independent of order."""
    digests: list[bytes] = []
    counts = [0, 0]
    for index, export in enumerate(exports):
        cursor = 0
        while True:
            rows, cursor = export(cursor, batch)
            if not rows:
                break
            counts[index] += len(rows)
            digests.extend(_digest(row) for row in rows)
    digests.sort()
    return counts[0], counts[1], hashlib.sha256(b"".join(digests)).hexdigest()


def _digest(row: Any) -> bytes:
    if isinstance(row, tuple):  # (MemoryRecord or EntityRecord, vector)
        record, vector = row
        fields = json.dumps(astuple(record), sort_keys=True, ensure_ascii=False)
        data = fields.encode() + np.ascontiguousarray(vector, dtype=np.float32).tobytes()
    else:
        data = json.dumps(astuple(row), ensure_ascii=False).encode()
    return hashlib.sha256(data).digest()

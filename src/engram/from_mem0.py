"""Read a mem0 store as engram records: ``engram import --from-mem0``.

mem0 (the ``mem0ai`` package) keeps each memory as a vector-store point whose payload holds
the text (``data``), its ``hash``, ``created_at`` / ``updated_at``, the scope (``user_id``,
``agent_id``, ``run_id``), the speaker (``actor_id``, ``role``), ``memory_type`` and the
caller's metadata, flattened into the same payload; and its history in a SQLite file
(``history`` table, by default ``~/.mem0/history.db`` or ``$MEM0_DIR/history.db``). Two of
its vector stores are read here:

- Qdrant in local mode (mem0's default: ``/tmp/qdrant``, collection ``mem0``), through
  ``qdrant-client`` (``pip install "engram-recall[mem0]"``);
- pgvector (a table named after the collection, ``id uuid, vector, payload jsonb``), through
  psycopg (``pip install "engram-recall[postgres]"``).

mem0's vectors are not kept: engram embeds each memory with its own embedder, so search
behaves as for memories added to engram. Times are converted to UTC; ``valid_at`` is the
memory's ``created_at``. mem0's derived payload keys (``text_lemmatized``) are dropped; every
other key that is not a field of an engram memory (``attributed_to``, ``expiration_date``,
the caller's own) stays in ``metadata``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engram._distribution import install_hint
from engram.core.limits import json_loads
from engram.core.records import HistoryRecord, MemoryRecord, text_hash
from engram.core.timeutil import now_iso, parse_timestamp
from engram.core.validation import MEMORY_TYPES, check_metadata
from engram.exceptions import ConfigurationError, StoreError, ValidationError
from engram.paths import expand

__all__ = ["Mem0Source", "default_history_path", "history_records", "memory_record", "source"]

DEFAULT_QDRANT_PATH = "/tmp/qdrant"
DEFAULT_COLLECTION = "mem0"
_FIELDS = ("user_id", "agent_id", "run_id", "actor_id", "role")
_DERIVED = {"data", "hash", "created_at", "updated_at", "text_lemmatized", "memory_type", "id"}
_HISTORY_COLUMNS = (
    "id, memory_id, old_memory, new_memory, event, created_at, updated_at, is_deleted, "
    "actor_id, role"
)
_PAGE = 512


def default_history_path() -> Path:
    """Where mem0 keeps its history by default: ``$MEM0_DIR/history.db`` or ``~/.mem0``."""
    home = os.environ.get("MEM0_DIR") or str(Path.home() / ".mem0")
    return Path(home) / "history.db"


@dataclass(frozen=True, slots=True)
class Mem0Source:
    """Where a mem0 store lives: a Qdrant local path or a pgvector DSN, and its history."""

    kind: str  # "qdrant" or "pgvector"
    location: str  # the Qdrant path, or the PostgreSQL conninfo
    collection: str = DEFAULT_COLLECTION
    history: Path | None = None

    def points(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every memory point: ``(id, payload)``, in pages."""
        if self.kind == "qdrant":
            yield from _qdrant_points(self.location, self.collection)
        else:
            yield from _pgvector_points(self.location, self.collection)


def source(spec: str, *, collection: str | None = None, history: str | None = None) -> Mem0Source:
    """The mem0 store named by ``spec``: a Qdrant local directory, a ``postgresql://`` URL, or
    a mem0 config file (JSON: its ``vector_store`` block and ``history_db_path``).

    Raises:
        ConfigurationError: the spec names no store engram can read.
    """
    history_path = Path(history).expanduser() if history else None
    if spec.endswith(".json"):
        try:
            config = json_loads(expand(spec, "--from-mem0").read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigurationError(f"cannot read the mem0 config {spec}: {e}") from e
        block = config.get("vector_store") or {} if isinstance(config, dict) else {}
        options = block.get("config") or {}
        provider = block.get("provider", "qdrant")
        if history_path is None and config.get("history_db_path"):
            history_path = Path(config["history_db_path"]).expanduser()
        name = collection or options.get("collection_name", DEFAULT_COLLECTION)
        if provider == "qdrant" and not (options.get("host") or options.get("url")):
            return source(options.get("path", DEFAULT_QDRANT_PATH), collection=name,
                          history=str(history_path) if history_path else None)  # fmt: skip
        if provider == "pgvector":
            return Mem0Source("pgvector", _pg_conninfo(options), name, history_path)
        raise ConfigurationError(
            f"mem0's {provider!r} vector store (with these options) cannot be read by engram",
            config_source=spec,
            suggestion="engram reads mem0's local Qdrant (path) and pgvector stores; for "
            "another, export it from mem0 with get_all() and add the memories to engram",
        )
    name = collection or DEFAULT_COLLECTION
    if spec.startswith(("postgresql://", "postgres://")):
        return Mem0Source("pgvector", spec, name, history_path)
    path = Path(spec).expanduser()
    if not (path / "collection" / name).is_dir():
        raise ConfigurationError(
            f"no mem0 Qdrant collection {name!r} under {path}",
            config_source=spec,
            suggestion=f"pass mem0's Qdrant path (its default is {DEFAULT_QDRANT_PATH}) and "
            "--collection if it is not 'mem0', a postgresql:// URL, or mem0's config as JSON",
        )
    return Mem0Source("qdrant", str(path), name, history_path)


def _pg_conninfo(options: Mapping[str, Any]) -> str:
    if options.get("connection_string"):
        return str(options["connection_string"])
    parts = {
        "dbname": options.get("dbname", "postgres"),
        "user": options.get("user"),
        "password": options.get("password"),
        "host": options.get("host"),
        "port": options.get("port"),
        "sslmode": options.get("sslmode"),
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)


def _qdrant_points(path: str, collection: str) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        from qdrant_client import QdrantClient
    except ImportError as e:
        raise ConfigurationError(
            "reading mem0's Qdrant store needs qdrant-client",
            suggestion=install_hint("mem0"),
        ) from e
    try:
        client = QdrantClient(path=path)
    except RuntimeError as e:  # the folder is locked by a running mem0
        raise StoreError(
            f"cannot open mem0's Qdrant store at {path}: {e}",
            suggestion="stop the process that uses it (local Qdrant allows one at a time)",
        ) from e
    try:
        offset: Any = None
        while True:
            try:
                points, offset = client.scroll(
                    collection, limit=_PAGE, offset=offset, with_payload=True, with_vectors=False
                )
            except ValueError as e:  # qdrant-client's "Collection ... not found"
                raise ConfigurationError(
                    f"mem0's Qdrant store at {path}: {e}",
                    config_source=path,
                    suggestion="check the path and --collection (mem0's collection_name)",
                ) from e
            for point in points:
                yield str(point.id), dict(point.payload or {})
            if offset is None:
                return
    finally:
        client.close()


def _pgvector_points(conninfo: str, collection: str) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        import psycopg
        from psycopg import sql
    except ImportError as e:
        raise ConfigurationError(
            "reading mem0's pgvector store needs psycopg", suggestion=install_hint("postgres")
        ) from e
    try:
        with psycopg.connect(conninfo) as conn, conn.cursor(name="engram_from_mem0") as cur:
            cur.itersize = _PAGE
            cur.execute(
                sql.SQL("SELECT id::text, payload FROM {} ORDER BY id").format(
                    sql.Identifier(collection)
                )
            )
            for point_id, payload in cur:
                yield point_id, dict(payload or {})
    except psycopg.Error as e:
        raise StoreError(
            f"cannot read mem0's pgvector table {collection!r}: {e}",
            suggestion="check the URL and --collection (mem0's collection_name)",
        ) from e


def memory_record(point_id: str, payload: Mapping[str, Any]) -> MemoryRecord:
    """An engram memory from a mem0 point's payload.

    Raises:
        ValidationError: the payload has no text.
    """
    where = f"mem0 memory {point_id}"
    text = payload.get("data")
    if not isinstance(text, str) or not text:
        raise ValidationError(
            f"{where} has no text (payload 'data')", field=f"{where}: data", expected="text"
        )
    created = _time(payload.get("created_at"), f"{where}: created_at") or now_iso()
    updated = _time(payload.get("updated_at"), f"{where}: updated_at") or created
    kind = payload.get("memory_type")
    extra = {k: v for k, v in payload.items() if k not in _DERIVED and k not in _FIELDS}
    if kind is not None and kind not in MEMORY_TYPES:
        extra["memory_type"] = kind
        kind = None
    ids = {k: str(payload[k]) if payload.get(k) is not None else None for k in _FIELDS}
    stored_hash = payload.get("hash")
    return MemoryRecord(
        id=point_id,
        text=text,
        hash=stored_hash if isinstance(stored_hash, str) else text_hash(text),
        created_at=created,
        updated_at=updated,
        memory_type=kind,
        metadata=check_metadata(extra, f"{where}: metadata"),
        valid_at=created,
        **ids,
    )


def history_records(path: Path) -> Iterator[HistoryRecord]:
    """mem0's history rows from its SQLite file, in the order they were written.

    Raises:
        ConfigurationError: the file is missing or is not mem0's history.
    """
    if not path.is_file():
        raise ConfigurationError(
            f"no mem0 history at {path}",
            config_source=str(path),
            suggestion="pass --history (mem0's history_db_path), or --no-history",
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as e:  # pragma: no cover - is_file() was checked
        raise StoreError(f"cannot open mem0's history {path}: {e}") from e
    try:
        rows = conn.execute(f"SELECT {_HISTORY_COLUMNS} FROM history ORDER BY rowid")
        for row in rows:
            where = f"mem0 history row {row[0]}"
            created = _time(row[5], f"{where}: created_at") or _time(row[6], where) or now_iso()
            event = row[4] if row[4] in ("ADD", "UPDATE", "DELETE", "NONE") else None
            if event is None:
                continue  # not a change of a memory
            yield HistoryRecord(
                id=str(row[0]),
                memory_id=str(row[1]),
                old_memory=row[2],
                new_memory=row[3],
                event=event,
                created_at=created,
                updated_at=_time(row[6], f"{where}: updated_at") or created,
                is_deleted=bool(row[7]),
                actor_id=row[8],
                role=row[9],
            )
    except sqlite3.Error as e:
        raise ConfigurationError(
            f"{path} is not a mem0 history file: {e}",
            config_source=str(path),
            suggestion="pass mem0's history_db_path to --history, or --no-history",
        ) from e
    finally:
        conn.close()


def _time(value: object, field: str) -> str | None:
    if value is None or value == "":
        return None
    return parse_timestamp(value, field)

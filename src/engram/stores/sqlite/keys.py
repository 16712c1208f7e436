"""The SQLite store's API keys and scope listing (mixed into ``SQLiteStore``).

Keys live in the ``api_keys`` table of the store's own file (migration ``0004_api_keys``), so
every process serving the file shares them; each write is one transaction on the writer.
"""

from __future__ import annotations

import json
from typing import Any

from engram.core.catalog import SCOPE_TYPES, ScopeSummary
from engram.core.keys import ApiKey
from engram.stores.sqlite.connections import Connections

_KEY_COLUMNS = "id, name, digest, scopes, read_only, rate_limit, created_at, revoked_at"


class SQLiteKeys(Connections):
    """``put_key``, ``get_key``, ``list_keys``, ``revoke_key`` and ``scopes`` over SQLite."""

    def put_key(self, key: ApiKey) -> None:
        """Store a new key's digest and limits."""
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO api_keys ({_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                _key_row(key),
            )

    def get_key(self, key_id: str) -> ApiKey | None:
        """The key with this id, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE id = ?", (key_id,)
            ).fetchone()
        return None if row is None else _key_of(row)

    def list_keys(self) -> list[ApiKey]:
        """Every key, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id"
            ).fetchall()
        return [_key_of(row) for row in rows]

    def revoke_key(self, key_id: str, now: str) -> ApiKey | None:
        """Set ``revoked_at`` unless already set; the key, or None."""
        with self._write() as conn:
            conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now, key_id),
            )
            row = conn.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE id = ?", (key_id,)
            ).fetchone()
        return None if row is None else _key_of(row)

    def scopes(self, limit: int) -> list[ScopeSummary]:
        """Each user / agent / run id with its memory count, through the scope indexes."""
        found: list[ScopeSummary] = []
        with self._read() as conn:
            for name in SCOPE_TYPES:
                rows = conn.execute(
                    f"SELECT {name}, count(*), min(created_at), max(updated_at) FROM memories "
                    f"WHERE {name} IS NOT NULL GROUP BY {name} ORDER BY {name} LIMIT ?",
                    (limit,),
                ).fetchall()
                found.extend(ScopeSummary(name, *row) for row in rows)
        return found


def _key_row(key: ApiKey) -> tuple[Any, ...]:
    return (
        key.id,
        key.name,
        key.digest,
        json.dumps({name: list(values) for name, values in key.scopes.items()}),
        int(key.read_only),
        key.rate_limit,
        key.created_at,
        key.revoked_at,
    )


def _key_of(row: tuple[Any, ...]) -> ApiKey:
    scopes = {name: tuple(values) for name, values in json.loads(row[3]).items()}
    return ApiKey(
        id=row[0],
        name=row[1],
        digest=row[2],
        scopes=scopes,
        read_only=bool(row[4]),
        rate_limit=row[5],
        created_at=row[6],
        revoked_at=row[7],
    )

"""The ``postgres`` store's API keys and scope listing (mixed into ``PostgresStore``).

Keys live in the ``api_keys`` table of the store's schema (migration ``0003_api_keys``), so
every worker and host that serves the schema shares them. Each operation is a plan of
statements (``steps.py``), run by the sync or the async driver like every other one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, TypeVar

from engram.core.catalog import SCOPE_TYPES, ScopeSummary
from engram.core.keys import ApiKey
from engram.stores.postgres.rows import jsonb
from engram.stores.postgres.steps import Execute, Plan

__all__ = ["PostgresKeys"]

T = TypeVar("T")
_KEY_COLUMNS = "id, name, digest, scopes, read_only, rate_limit, created_at, revoked_at"


class PostgresKeys(ABC):
    """``put_key``, ``get_key``, ``list_keys``, ``revoke_key`` and ``scopes``."""

    schema: str
    _t: str

    @abstractmethod
    def _run(self, plan: Plan[T], what: str = "write") -> T:
        """Run ``plan`` in one transaction."""

    def put_key(self, key: ApiKey) -> None:
        """Store a new key's digest and limits."""
        self._run(self._put_key(key))

    def _put_key(self, key: ApiKey) -> Plan[None]:
        yield Execute(
            f"INSERT INTO {self.schema}.api_keys ({_KEY_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                key.id,
                key.name,
                key.digest,
                jsonb({name: list(values) for name, values in key.scopes.items()}),
                key.read_only,
                key.rate_limit,
                key.created_at,
                key.revoked_at,
            ),
            "none",
        )

    def get_key(self, key_id: str) -> ApiKey | None:
        """The key with this id, or None."""
        return self._run(self._get_key(key_id), "read")

    def _get_key(self, key_id: str) -> Plan[ApiKey | None]:
        row = yield Execute(
            f"SELECT {_KEY_COLUMNS} FROM {self.schema}.api_keys WHERE id = %s", (key_id,), "one"
        )
        return None if row is None else _key_of(row)

    def list_keys(self) -> list[ApiKey]:
        """Every key, oldest first."""
        return self._run(self._list_keys(), "read")

    def _list_keys(self) -> Plan[list[ApiKey]]:
        rows = yield Execute(
            f"SELECT {_KEY_COLUMNS} FROM {self.schema}.api_keys ORDER BY created_at, id"
        )
        return [_key_of(row) for row in rows]

    def revoke_key(self, key_id: str, now: str) -> ApiKey | None:
        """Set ``revoked_at`` unless already set; the key, or None."""
        return self._run(self._revoke_key(key_id, now))

    def _revoke_key(self, key_id: str, now: str) -> Plan[ApiKey | None]:
        yield Execute(
            f"UPDATE {self.schema}.api_keys SET revoked_at = %s "
            "WHERE id = %s AND revoked_at IS NULL",
            (now, key_id),
            "none",
        )
        return (yield from self._get_key(key_id))

    def scopes(self, limit: int) -> list[ScopeSummary]:
        """Each user / agent / run id with its memory count, through the scope indexes."""
        return self._run(self._scopes(limit), "read")

    def _scopes(self, limit: int) -> Plan[list[ScopeSummary]]:
        found: list[ScopeSummary] = []
        for name in SCOPE_TYPES:
            rows = yield Execute(
                f"SELECT {name}, count(*), min(created_at), max(updated_at) FROM {self._t} "
                f"WHERE {name} IS NOT NULL GROUP BY {name} ORDER BY {name} LIMIT %s",
                (limit,),
            )
            found.extend(ScopeSummary(name, *row) for row in rows)
        return found


def _key_of(row: tuple[Any, ...]) -> ApiKey:
    return ApiKey(
        id=row[0],
        name=row[1],
        digest=row[2],
        scopes={name: tuple(values) for name, values in row[3].items()},
        read_only=bool(row[4]),
        rate_limit=row[5],
        created_at=row[6],
        revoked_at=row[7],
    )

"""Options of the ``postgres`` store, and of ``pgvector``: the same store under mem0's keys.

The connection comes from ``dsn`` (a libpq URL or ``key=value`` string), else from the
environment variable ``ENGRAM_POSTGRES_DSN``. mem0 users keep their pgvector block as it is:
``dbname``, ``user``, ``password``, ``host``, ``port``, ``sslmode``, ``connection_string``,
``collection_name`` (engram's schema), ``embedding_model_dims``, ``hnsw``, ``minconn`` and
``maxconn`` keep their meaning; ``diskann`` (pgvectorscale) is accepted and not used.
"""

from __future__ import annotations

import os

from pydantic import Field

from engram.exceptions import ConfigurationError
from engram.options import Options

__all__ = ["DSN_ENV", "PgVectorConfig", "PostgresStoreConfig", "keyword_conninfo"]

#: The environment variable read when no ``dsn`` is configured.
DSN_ENV = "ENGRAM_POSTGRES_DSN"
_SCHEMA_PATTERN = r"^[a-z_][a-z0-9_]{0,62}$"


class PostgresStoreConfig(Options):
    """Options of the ``postgres`` store."""

    dsn: str | None = Field(
        default=None,
        description=f"libpq URL or key=value string; default ${DSN_ENV}.",
    )
    schema_name: str = Field(
        default="engram",
        pattern=_SCHEMA_PATTERN,
        description="The PostgreSQL schema holding engram's tables (one store per schema).",
    )
    min_connections: int = Field(
        default=1, ge=0, le=1000, description="Connections the pool keeps."
    )
    max_connections: int = Field(default=10, ge=1, le=1000, description="Most connections at once.")
    hnsw: bool = Field(
        default=True,
        description="Keep an HNSW index for large or unscoped searches (a derived index: "
        "turning it off drops it, turning it on rebuilds it).",
    )
    hnsw_m: int = Field(default=16, ge=2, le=100)
    hnsw_ef_construction: int = Field(default=64, ge=4, le=1000)
    ef_search: int = Field(
        default=400,
        ge=1,
        le=1000,
        description="HNSW search breadth: recall against latency (see the README's figures).",
    )
    filtered_ef_search: int = Field(
        default=1000,
        ge=1,
        le=1000,
        description="HNSW search breadth under a filter: the walk must gather enough "
        "candidates that pass it (at most ef_search's ceiling, 1000).",
    )
    exact_search_max_rows: int = Field(
        default=20_000,
        ge=0,
        le=2**62,
        description="Searches within a scope of at most this many rows, or of a table no "
        "larger, are exact.",
    )
    connect_timeout: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds to connect; also how long a call waits for a pooled connection "
        "(pool_timeout) unless that is set.",
    )
    pool_timeout: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="Seconds a call waits for a pooled connection before failing with a "
        "StoreError (default: connect_timeout).",
    )

    def conninfo(self) -> str:
        """The connection string: ``dsn``, else ``$ENGRAM_POSTGRES_DSN``."""
        dsn = self.dsn or os.environ.get(DSN_ENV)
        if not dsn:
            raise ConfigurationError(
                "the postgres store needs a connection string",
                missing_field="vector_store.config.dsn",
                suggestion=f'set "dsn": "postgresql://user@host:5432/db" or ${DSN_ENV}; '
                "`engram postgres start` runs a local server and prints one",
            )
        return dsn


class PgVectorConfig(Options):
    """mem0's pgvector options, read as a ``postgres`` store."""

    dbname: str = "postgres"
    collection_name: str = Field(default="mem0", pattern=_SCHEMA_PATTERN)
    embedding_model_dims: int | None = Field(default=None, ge=1, le=65_536)
    user: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65_535)
    sslmode: str | None = None
    connection_string: str | None = None
    diskann: bool = Field(default=False, description="Accepted for mem0; not used.")
    hnsw: bool = True
    minconn: int = Field(default=1, ge=0, le=1000)
    maxconn: int = Field(default=10, ge=1, le=1000)

    def to_postgres(self) -> PostgresStoreConfig:
        """The equivalent ``postgres`` store options."""
        dsn = self.connection_string
        if dsn is None and (self.host or self.user or os.environ.get(DSN_ENV) is None):
            dsn = keyword_conninfo(
                dbname=self.dbname, user=self.user, password=self.password,
                host=self.host, port=self.port, sslmode=self.sslmode,
            )  # fmt: skip
        return PostgresStoreConfig(
            dsn=dsn,
            schema_name=self.collection_name,
            min_connections=self.minconn,
            max_connections=self.maxconn,
            hnsw=self.hnsw,
        )


def keyword_conninfo(**values: str | int | None) -> str:
    """A libpq ``key=value`` string of the given values, quoted; None values left out."""
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        text = str(value).replace("\\", "\\\\").replace("'", "\\'")
        parts.append(f"{key}='{text}'")
    return " ".join(parts)

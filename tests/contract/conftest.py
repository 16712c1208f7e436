"""Fixtures of the contract suite: one store per test, parametrised over every backend.

``postgres-hnsw`` is the PostgreSQL store forced onto its HNSW path (every search goes
through the index with iterative scans), so both of its search strategies meet the contract;
``postgres-async`` runs every call through the store's async driver (psycopg's async API).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engram.stores.base import Store
from tests.contract.backends import (
    AsyncPostgresBackend,
    Backend,
    PostgresBackend,
    SQLiteBackend,
)

BACKENDS = ["sqlite", "postgres", "postgres-hnsw", "postgres-async"]


def make_backend(name: str, directory: Path, request: pytest.FixtureRequest) -> Backend:
    """The backend called ``name``; PostgreSQL ones start the session's server on first use."""
    if name == "sqlite":
        return SQLiteBackend(directory)
    dsn = request.getfixturevalue("postgres_dsn")
    if name == "postgres-hnsw":
        return PostgresBackend(dsn, name, exact_search_max_rows=0)
    if name == "postgres-async":
        return AsyncPostgresBackend(dsn, name)
    return PostgresBackend(dsn)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh, empty location in each backend."""
    made = make_backend(request.param, tmp_path, request)
    yield made
    made.cleanup()


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    """An opened store of ``backend``."""
    opened = backend.open()
    yield opened
    opened.close()

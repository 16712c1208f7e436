"""psycopg for the ``postgres`` store: imported on first use, its errors made StoreErrors.

``store_error`` is where every psycopg failure becomes a ``StoreError`` that says what it
means: an unreachable server (stopped, restarting, the network: ``store_unreachable``, with
the advice to retry, and, for a write whose connection was lost while committing, that it may
have been applied), or a statement the server refused.
"""

from __future__ import annotations

import asyncio
from typing import Any

from engram._distribution import install_hint
from engram.exceptions import StoreError

__all__ = ["drivers", "on_asyncio", "store_error"]


def drivers() -> Any:
    """psycopg and psycopg_pool, imported on first use (with pgvector's adapters)."""
    try:
        import pgvector.psycopg  # noqa: F401
        import psycopg
        import psycopg_pool
    except ImportError as e:
        raise ImportError(
            f"the postgres store needs psycopg, psycopg_pool and pgvector ({e}); "
            f"install them with: {install_hint('postgres')}"
        ) from e
    return psycopg, psycopg_pool


def store_error(error: Exception, what: str) -> StoreError:
    """The StoreError of a psycopg error met during ``what`` ("write", "read", ...)."""
    psycopg = drivers()[0]
    text = str(error)[:500]
    # PoolTimeout (no connection in time) and a lost connection are OperationalErrors.
    unreachable = isinstance(error, psycopg.OperationalError) and not isinstance(
        error, psycopg.errors.QueryCanceled
    )
    advice = (
        "the PostgreSQL server cannot be reached (stopped, restarting, or the network): "
        "retry once it is back; the store reconnects by itself"
        if unreachable
        else None
    )
    if what == "write" and unreachable:
        # A connection lost while committing leaves the outcome unknown to us.
        return StoreError(
            f"the write failed, the server unreachable: {text}",
            error_code="store_unreachable",
            suggestion=f"{advice}; if the connection was lost while committing, the write may "
            "have been applied: retry add with the same idempotency_key to be sure",
        )
    if what == "write":
        return StoreError(f"the write was rolled back: {text}", suggestion="nothing was written")
    return StoreError(
        f"the {what} failed: {text}",
        error_code="store_unreachable" if unreachable else None,
        suggestion=advice,
    )


def on_asyncio() -> bool:
    """Whether an asyncio event loop runs this code (psycopg's async API needs one)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True

"""The ``postgres`` store's statements as data, and the two drivers that run them.

Each store operation is written once, as a generator that yields ``Execute`` and ``Copy``
steps and receives their results (as the core's operations yield effects). ``drive`` runs
the steps on a psycopg cursor, ``drive_async`` on an async cursor: ``Memory`` and
``AsyncMemory`` share every statement and every line of logic around them, and only these
two small loops touch the wire.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

__all__ = ["Copy", "Execute", "Plan", "Step", "drive", "drive_async"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Execute:
    """Run one statement; the result is what ``fetch`` asks for.

    ``"one"``: the first row or None; ``"all"``: every row; ``"none"``: the row count.
    ``params`` are positional (``%s``) or, as a mapping, named (``%(name)s``). With ``many``,
    ``params`` is a sequence of parameter tuples run as a batch. ``prepare``
    is psycopg's: ``False`` never prepares the statement, so the server plans it for each
    execution's parameters instead of settling on a generic plan.
    """

    sql: str
    params: Sequence[Any] | Mapping[str, Any] = ()
    fetch: Literal["none", "one", "all"] = "all"
    many: bool = False
    prepare: bool | None = None


@dataclass(frozen=True, slots=True)
class Copy:
    """``COPY ... FROM STDIN (FORMAT BINARY)`` these rows, typed as ``types``; no result."""

    sql: str
    types: Sequence[str]
    rows: Sequence[Sequence[Any]]


Step = Execute | Copy
Plan = Generator[Step, Any, T]


def drive(cursor: Any, plan: Plan[T]) -> T:
    """Run ``plan`` on a psycopg ``Cursor``, in the caller's transaction."""
    try:
        step = next(plan)
        while True:
            if isinstance(step, Copy):
                with cursor.copy(step.sql) as copy:
                    copy.set_types(step.types)
                    for row in step.rows:
                        copy.write_row(row)
                outcome: Any = None
            elif step.many:
                cursor.executemany(step.sql, step.params)
                outcome = cursor.rowcount
            else:
                cursor.execute(step.sql, step.params, prepare=step.prepare)
                if step.fetch == "one":
                    outcome = cursor.fetchone()
                elif step.fetch == "all":
                    outcome = cursor.fetchall()
                else:
                    outcome = cursor.rowcount
            step = plan.send(outcome)
    except StopIteration as stop:
        result: T = stop.value
        return result


async def drive_async(cursor: Any, plan: Plan[T]) -> T:
    """Run ``plan`` on a psycopg ``AsyncCursor``, in the caller's transaction."""
    try:
        step = next(plan)
        while True:
            if isinstance(step, Copy):
                async with cursor.copy(step.sql) as copy:
                    copy.set_types(step.types)
                    for row in step.rows:
                        await copy.write_row(row)
                outcome: Any = None
            elif step.many:
                await cursor.executemany(step.sql, step.params)
                outcome = cursor.rowcount
            else:
                await cursor.execute(step.sql, step.params, prepare=step.prepare)
                if step.fetch == "one":
                    outcome = await cursor.fetchone()
                elif step.fetch == "all":
                    outcome = await cursor.fetchall()
                else:
                    outcome = cursor.rowcount
            step = plan.send(outcome)
    except StopIteration as stop:
        result: T = stop.value
        return result

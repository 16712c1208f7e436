"""Is a store file whole? The cheap check every open runs, and the full one of ``engram doctor``.

``check_header`` reads the file's first 100 bytes (SQLite's header: magic string, page size,
payload fractions) before SQLite touches it. ``check_structure`` runs once the schema is
migrated: every table, index and trigger the migrations make must be in the schema, and the
first and last rows of each table (and the full-text index's structure record) must read
back; that touches a few pages per table, whatever the store's size. A file that fails
either is refused with a StoreError saying it looks damaged and what to do.

``inspect`` is ``engram doctor``'s full examination: the header, the schema, SQLite's
``integrity_check``, FTS5's own integrity check of the lexical index against the memories,
and the store's invariants (every memory has its vector and its history; no vector without a
memory); each finding says whether it is derived (rebuilt from the memory rows by
``engram doctor --repair``) or holds data (salvaged by ``--salvage``).
"""

from __future__ import annotations

import functools
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from engram.exceptions import StoreError
from engram.stores.sqlite.connections import DECODE_ERRORS, store_error

__all__ = [
    "DATA_TABLES",
    "DERIVED_TABLES",
    "EXPECTED",
    "Finding",
    "Report",
    "check_header",
    "check_structure",
    "data_tables",
    "inspect",
    "missing_parts",
]

_MAGIC = b"SQLite format 3\x00"

#: Tables, indexes and triggers the migrations make (the FTS5 shadow tables included).
EXPECTED: dict[str, tuple[str, ...]] = {
    "table": (
        "engram_meta",
        "engram_migrations",
        "memories",
        "vectors",
        "history",
        "vector_log",
        "memories_fts",
        "memories_fts_data",
        "memories_fts_idx",
        "memories_fts_docsize",
        "memories_fts_config",
        "idempotency",
        "api_keys",
    ),
    "index": (
        "memories_user",
        "memories_agent",
        "memories_run",
        "memories_hash",
        "memories_scope",
        "history_memory",
        "idempotency_created",
    ),
    "trigger": (
        "memories_vector_delete",
        "memories_fts_insert",
        "memories_fts_delete",
        "memories_fts_update",
        "vector_log_insert",
        "vector_log_update",
        "vector_log_delete",
        "vector_log_scope",
    ),
}
#: The tables that hold data: a damaged page in one of them loses rows.
DATA_TABLES = (
    "engram_meta",
    "engram_migrations",
    "memories",
    "vectors",
    "history",
    "idempotency",
    "api_keys",
)
#: Tables whose content is derived from the memory rows (the full-text index, the vector log).
DERIVED_TABLES = (
    "memories_fts",
    "memories_fts_data",
    "memories_fts_idx",
    "memories_fts_docsize",
    "memories_fts_config",
    "vector_log",
)


def _damaged(path: Path, problem: str) -> StoreError:
    return StoreError(
        f"the store file {path} looks damaged: {problem}",
        error_code="store_damaged",
        suggestion=f"run `engram doctor {path}` to check it, rebuild what is derived or salvage "
        "the memories into a new file; keep a copy of the file first",
        details={"path": str(path)},
    )


def header_problem(path: Path) -> str | None:
    """What is wrong with the file's 100-byte header, or None (a missing or empty file is a
    new store)."""
    try:
        with open(path, "rb") as file:
            header = file.read(100)
    except FileNotFoundError:
        return None
    except OSError as e:
        return f"it cannot be read ({e.strerror or e})"
    if not header:
        return None
    if len(header) < 100 or not header.startswith(_MAGIC):
        return "it does not start with SQLite's header"
    size = int.from_bytes(header[16:18], "big")
    size = 65536 if size == 1 else size
    if size < 512 or size & (size - 1):
        return f"its header gives an impossible page size ({size})"
    if header[21:24] != b"\x40\x20\x20":
        return "its header's payload fractions are not SQLite's"
    return None


def check_header(path: Path) -> None:
    """Refuse a file whose header is not a SQLite database's."""
    problem = header_problem(path)
    if problem:
        raise _damaged(path, problem)


def missing_parts(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """``(kind, name)`` of each entry of ``EXPECTED`` missing from the schema."""
    present = set(conn.execute("SELECT type, name FROM sqlite_master").fetchall())
    return [
        (kind, name)
        for kind, names in EXPECTED.items()
        for name in names
        if (kind, name) not in present
    ]


@functools.cache
def _reference_schema() -> dict[tuple[str, str], str]:
    """The schema entries engram's migrations make, as SQLite records them (FTS5's shadow
    tables left out: their text is the SQLite version's)."""
    from engram.stores.sqlite.schema import migrate

    with closing(sqlite3.connect(":memory:", isolation_level=None)) as conn:
        migrate(conn)
        return {
            (kind, name): sql
            for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master")
            if sql and not name.startswith("memories_fts_")
        }


def altered_parts(conn: sqlite3.Connection) -> list[str]:
    """Schema entries whose text differs from what the migrations wrote (a damaged schema
    page that still parses), for the migrations the file has applied."""
    reference = _reference_schema()
    present = {
        (kind, name): sql
        for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master")
    }
    return [
        f"the {kind} {name} is not as engram made it"
        for (kind, name), sql in reference.items()
        if (kind, name) in present and present[(kind, name)] != sql
    ]


def check_structure(conn: sqlite3.Connection, path: Path) -> None:
    """The cheap check of an open store: its schema is whole and each table's first and last
    rows read back. Raises StoreError (damaged) otherwise."""
    try:
        missing = missing_parts(conn)
        problems = [f"the {kind} {name} is missing" for kind, name in missing]
        problems += altered_parts(conn)
        if problems:
            raise _damaged(path, "; ".join(problems[:5]))
        for table, key in (("memories", "seq"), ("vectors", "seq"), ("history", "seq")):
            for order in ("ASC", "DESC"):
                conn.execute(f"SELECT * FROM {table} ORDER BY {key} {order} LIMIT 1").fetchall()
        conn.execute("SELECT * FROM engram_meta").fetchall()
        conn.execute("SELECT block FROM memories_fts_data WHERE id = 10").fetchall()
        conn.execute(
            "SELECT rowid FROM memories_fts WHERE memories_fts MATCH 'engramprobe' LIMIT 1"
        ).fetchall()
    except StoreError:
        raise
    except (sqlite3.Error, *DECODE_ERRORS) as e:
        raise store_error(e, path, "checking the store") from e


@dataclass(slots=True)
class Finding:
    """One thing found wrong: what, and whether rebuilding derived data can mend it."""

    what: str
    derived: bool


@dataclass(slots=True)
class Report:
    """What ``inspect`` found; ``ok`` when nothing."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    #: What is not damage but worth knowing (history rows a salvage could not read).
    warnings: list[str] = field(default_factory=list)
    readable: bool = True
    #: Every row of every data table reads back (what is damaged, if anything, is derived).
    data_whole: bool = True

    @property
    def ok(self) -> bool:
        """Nothing was found wrong."""
        return not self.findings

    @property
    def repairable(self) -> bool:
        """Everything found is derived: ``repair`` can mend it in place."""
        return self.readable and self.data_whole and all(f.derived for f in self.findings)

    def add(self, what: str, derived: bool) -> None:
        """Record a finding."""
        self.findings.append(Finding(what, derived))


def inspect(path: Path) -> Report:
    """The full examination of ``engram doctor`` (read only; may take a while on big files)."""
    report = Report(path)
    problem = header_problem(path)
    if problem:
        report.add(f"header: {problem}", derived=False)
        report.readable = report.data_whole = False
        return report
    try:
        # Read-write, because FTS5's integrity check is written as an INSERT (it changes
        # nothing, and runs in a transaction rolled back here).
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None)
        conn.execute("BEGIN")
    except sqlite3.Error as e:
        report.add(f"cannot open: {e}", derived=False)
        report.readable = report.data_whole = False
        return report
    try:
        _examine(conn, report)
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
    return report


def _examine(conn: sqlite3.Connection, report: Report) -> None:
    try:
        missing = missing_parts(conn)
    except sqlite3.Error as e:
        report.add(f"schema: cannot be read ({e})", derived=False)
        report.readable = report.data_whole = False
        return
    for kind, name in missing:
        report.add(f"schema: the {kind} {name} is missing", derived=name not in DATA_TABLES)
    altered = altered_parts(conn)
    for change in altered:  # an index or trigger is remade by a repair; a table is not
        report.add(f"schema: {change}", derived=not change.startswith("the table"))
    data_whole = not any(name in DATA_TABLES for _, name in missing) and not any(
        change.startswith("the table") for change in altered
    )
    for table in data_tables(conn):
        failure = _scan(conn, table)
        if failure:
            report.add(f"table {table}: rows cannot be read ({failure})", derived=False)
            data_whole = False
    report.data_whole = data_whole
    # With every data table readable in full, what integrity_check finds is in derived
    # structures (indexes, the full-text index's tables, the vector log).
    try:
        rows = conn.execute("PRAGMA integrity_check(100)").fetchall()
    except sqlite3.Error as e:
        rows = [(f"integrity_check stopped: {e}",)]
    for (message,) in rows:
        if message != "ok":
            report.add(f"integrity: {message}", derived=data_whole)
    if not missing:
        _check_fts(conn, report)
        _check_invariants(conn, report)


def data_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of the schema that hold data: all but the derived ones and SQLite's own."""
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if name not in DERIVED_TABLES
    ]


def _scan(conn: sqlite3.Connection, table: str) -> str | None:
    """Read every row of ``table`` through its own b-tree; what failed, or None."""
    try:
        cursor = conn.execute(f"SELECT * FROM {table} NOT INDEXED")
        while cursor.fetchmany(1000):
            pass
    except sqlite3.Error as e:
        return str(e)
    return None


def _check_fts(conn: sqlite3.Connection, report: Report) -> None:
    try:
        conn.execute("INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.Error as e:
        report.add(f"lexical index: {e}", derived=True)


def _check_invariants(conn: sqlite3.Connection, report: Report) -> None:
    queries = {
        "memories": "SELECT count(*) FROM memories",
        "vectors": "SELECT count(*) FROM vectors",
        "history": "SELECT count(*) FROM history",
        "memories without a vector": "SELECT count(*) FROM memories m "
        "WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.seq = m.seq)",
        "vectors without a memory": "SELECT count(*) FROM vectors v "
        "WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.seq = v.seq)",
        "memories without history": "SELECT count(*) FROM memories m "
        "WHERE NOT EXISTS (SELECT 1 FROM history h WHERE h.memory_id = m.id)",
        "vectors of the wrong size": "SELECT count(*) FROM vectors WHERE length(embedding) != "
        "4 * (SELECT CAST(value AS INTEGER) FROM engram_meta WHERE key = 'dimension')",
    }
    for name, sql in queries.items():
        try:
            (count,) = conn.execute(sql).fetchone()
        except sqlite3.Error as e:
            # With the data tables whole, a count fails in the index it reads through.
            report.add(f"{name}: cannot be counted ({e})", derived=report.data_whole)
            continue
        report.counts[name] = int(count)
        if name == "memories without history" and count:
            report.warnings.append(f"{count} memories have no history rows (lost or salvaged)")
        elif name.startswith(("memories ", "vectors ")) and count:
            # Vectors are remade from the text by the store's embedder (``repair``).
            report.add(f"{count} {name}", derived=True)

"""The SQLite filter compiler, checked against a real table: each filter selects exactly its ids."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Set
from typing import Any

import pytest

from engram.core.filters import OPERATORS, And, Condition, Field, FilterNode, Or, parse_filters
from engram.exceptions import ValidationError
from engram.stores.sqlite.filters import SUPPORTED_OPERATORS, compile_filter
from tests.contract.filter_cases import ALL, CASES, INJECTION_KEY, QUOTED_KEY, ROWS

COLUMNS = (
    "id", "text", "hash", "user_id", "agent_id", "run_id", "actor_id", "role", "memory_type",
    "metadata", "created_at", "updated_at", "valid_at", "invalid_at",
)  # fmt: skip


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    """An in-memory ``memories`` table holding ROWS."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE memories ({', '.join(f'{c} TEXT' for c in COLUMNS)})")
    placeholders = ", ".join("?" * len(COLUMNS))
    for number, (memory_id, text, fields, metadata, ascii_only) in enumerate(ROWS, start=1):
        created = f"2024-0{number}-01T10:00:00.000000+00:00"
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row |= {"id": memory_id, "text": text, "hash": f"h{number}", **fields}
        row |= {"created_at": created, "updated_at": created, "valid_at": created}
        row["metadata"] = json.dumps(metadata, ensure_ascii=ascii_only)
        conn.execute(f"INSERT INTO memories VALUES ({placeholders})", list(row.values()))
    yield conn
    conn.close()


def select(db: sqlite3.Connection, node: FilterNode | None, alias: str = "m") -> set[str]:
    """The ids the compiled filter selects."""
    sql, params = compile_filter(node, alias=alias)
    assert sql.count("?") == len(params)
    query = f"SELECT {alias}.id FROM memories AS {alias} WHERE {sql}"
    return {row[0] for row in db.execute(query, params)}


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_selects_exactly(
    db: sqlite3.Connection, filters: dict[str, Any], expected: Set[str]
) -> None:
    assert select(db, parse_filters(filters)) == expected


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_not_selects_the_complement(
    db: sqlite3.Connection, filters: dict[str, Any], expected: Set[str]
) -> None:
    assert select(db, parse_filters({"NOT": filters})) == ALL - expected


@pytest.mark.parametrize(
    "filters",
    [
        {"x') OR 1=1 --": 1},
        {INJECTION_KEY: "boom"},
        {"category": "x') OR 1=1 --"},
        {"metadata.\"]') OR 1=1 --": {"in": ["'; DROP TABLE memories; --"]}},
    ],
)
def test_no_user_text_in_sql(db: sqlite3.Connection, filters: dict[str, Any]) -> None:
    sql, _ = compile_filter(parse_filters(filters))
    for text in ("OR 1=1", "DROP", "'1'='1"):
        assert text not in sql
    assert db.execute("SELECT count(*) FROM memories").fetchone() == (len(ROWS),)


def test_plain_keys_use_a_quoted_json_path() -> None:
    sql, params = compile_filter(parse_filters({"metadata.profile.geo": 1, "a.b": "x"}))
    assert "json_extract(m.metadata, ?)" in sql
    assert '$."profile"."geo"' in params
    assert '$."a.b"' in params


@pytest.mark.parametrize("key", [QUOTED_KEY, "café", "back\\slash", "tab\tkey"])
def test_other_keys_use_json_each(key: str) -> None:
    sql, params = compile_filter(parse_filters({key: "x"}))
    assert "json_extract" not in sql
    assert "json_each(m.metadata)" in sql
    assert key in params


def test_no_filter() -> None:
    assert compile_filter(None) == ("1", [])


def test_alias(db: sqlite3.Connection) -> None:
    node = parse_filters({"user_id": "u1", "vegan": True, "NOT": {QUOTED_KEY: "x"}})
    assert select(db, node, alias="mem") == {"m2"}
    assert "mem.metadata" in compile_filter(node, alias="mem")[0]


def test_bad_alias_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        compile_filter(None, alias="m; DROP TABLE memories")
    assert info.value.field == "alias"


def test_supported_operators() -> None:
    assert SUPPORTED_OPERATORS == OPERATORS


def test_unsupported_operator_is_refused() -> None:
    node = Condition(Field("k", ("k",)), "regex", "x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as info:
        compile_filter(And((Condition(Field("k", ("k",)), "eq", 1), node)))
    assert info.value.field == "regex"
    assert info.value.expected is not None and "icontains" in info.value.expected


def test_unknown_memory_field_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        compile_filter(Condition(Field("nope"), "eq", "x"))
    assert info.value.field == "nope"


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (And(()), set(ALL)),
        (Or(()), set()),
        (Condition(Field("user_id"), "eq", 5), set()),
        (Condition(Field("user_id"), "ne", 5), set(ALL)),
        (Condition(Field("user_id"), "gt", 5), set()),
        (Condition(Field("user_id"), "gt", None), set()),
        (Condition(Field("memory"), "contains", 5), set()),
        (Condition(Field("rating", ("rating",)), "in", (True, 5, object())), {"m1"}),
    ],
)
def test_hand_built_trees(db: sqlite3.Connection, node: FilterNode, expected: set[str]) -> None:
    assert select(db, node) == expected

"""The SQLite filter compiler, checked against a real table: each filter selects exactly its ids."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Set
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from engram.core.filters import OPERATORS, And, Condition, Field, FilterNode, Or, parse_filters
from engram.exceptions import ValidationError
from engram.stores.sqlite.filters import SUPPORTED_OPERATORS, compile_filter

COLUMNS = (
    "id", "text", "hash", "user_id", "agent_id", "run_id", "actor_id", "role", "memory_type",
    "metadata", "created_at", "updated_at", "valid_at", "invalid_at",
)  # fmt: skip

QUOTED_KEY = 'say "hi"'
INJECTION_KEY = 'k"); DROP TABLE memories; --'

# (id, text, fields, metadata, ensure_ascii): ensure_ascii=False stores "café" unescaped.
ROWS: list[tuple[str, str, dict[str, str | None], dict[str, Any], bool]] = [
    (
        "m1", "I love Sushi", {"user_id": "u1", "agent_id": "a1", "run_id": "r1", "role": "user"},
        {
            "category": "food", "rating": 5, "vegan": False, "tags": ["japanese", "Fish"],
            "profile": {"city": "Paris", "geo": {"lat": 48.8}}, "a.b": "dotted",
            "it's": "single", QUOTED_KEY: "double", "café": "accent",
        },
        True,
    ),
    (
        "m2", "Meeting at noon",
        {"user_id": "u1", "role": "assistant", "memory_type": "procedural"},
        {
            "category": "work", "rating": 3.5, "vegan": True, "tags": ["urgent"],
            "café": "accent", "role": "boss",
        },
        False,
    ),
    (
        "m3", "Japanese cuisine is great",
        {"user_id": "u2", "invalid_at": "2024-06-01T00:00:00.000000+00:00"},
        {
            "category": "FOOD", "rating": "5", "flag": 1, "tags": "Japanese cuisine",
            "profile": {"city": "paris"},
        },
        True,
    ),
    ("m4", "empty", {"user_id": "u2"}, {}, True),
    (
        "m5", "Berlin trip", {"agent_id": "a1"},
        {
            "category": None, "rating": 0, "vegan": True, "flag": True,
            "profile": {"city": "Berlin", "geo": {"lat": 52.5}},
        },
        True,
    ),
    (
        "m6", "Paris trip", {"agent_id": "a2"},
        {"category": "travel", "rating": 4, "tags": [], "profile": "Paris", "a": {"b": "nested"}},
        True,
    ),
    (
        "m7", "Ramen", {"user_id": "u3"},
        {
            "category": "food", "rating": -1, "tags": ["JAPANESE", 5, True, None], "flag": False,
            "nested": {"x": {'q"': 1}},
        },
        True,
    ),
    (
        "m8", "attacker", {"user_id": "x' OR '1'='1"},
        {"category": "x') OR 1=1 --", "rating": 1000, INJECTION_KEY: "boom"},
        True,
    ),
]  # fmt: skip
ALL = frozenset(row[0] for row in ROWS)
PLUS_TWO = timezone(timedelta(hours=2))


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


CASES: list[tuple[dict[str, Any], Set[str]]] = [
    # equality, typed
    ({"category": "food"}, {"m1", "m7"}),
    ({"category": "FOOD"}, {"m3"}),
    ({"metadata.category": "food"}, {"m1", "m7"}),
    ({"category": None}, {"m4", "m5"}),
    ({"category": {"ne": None}}, {"m1", "m2", "m3", "m6", "m7", "m8"}),
    ({"category": {"ne": "food"}}, {"m2", "m3", "m4", "m5", "m6", "m8"}),
    ({"rating": 5}, {"m1"}),
    ({"rating": 5.0}, {"m1"}),
    ({"rating": "5"}, {"m3"}),
    ({"rating": 3.5}, {"m2"}),
    ({"vegan": True}, {"m2", "m5"}),
    ({"vegan": False}, {"m1"}),
    ({"flag": True}, {"m5"}),
    ({"flag": 1}, {"m3"}),
    ({"flag": False}, {"m7"}),
    ({"flag": 0}, set()),
    ({"flag": {"ne": True}}, ALL - {"m5"}),
    ({"tags": "Japanese cuisine"}, {"m3"}),
    ({"tags": "urgent"}, set()),
    ({"profile": "Paris"}, {"m6"}),
    # paths, and keys with dots, quotes and non-ASCII letters
    ({"metadata.profile.city": "Paris"}, {"m1"}),
    ({"metadata.profile.geo.lat": 48.8}, {"m1"}),
    ({"metadata.profile.geo.lat": {"gt": 50}}, {"m5"}),
    ({"metadata.profile.city.x": "Paris"}, set()),
    ({"metadata.a.b": "nested"}, {"m6"}),
    ({"a.b": "dotted"}, {"m1"}),
    ({"it's": "single"}, {"m1"}),
    ({QUOTED_KEY: "double"}, {"m1"}),
    ({f"metadata.{QUOTED_KEY}": {"ne": "double"}}, ALL - {"m1"}),
    ({"café": "accent"}, {"m1", "m2"}),
    ({'metadata.nested.x.q"': 1}, {"m7"}),
    ({'metadata.nested.x.q"': {"gte": 1}}, {"m7"}),
    # memory fields
    ({"role": "user"}, {"m1"}),
    ({"metadata.role": "boss"}, {"m2"}),
    ({"user_id": "u1"}, {"m1", "m2"}),
    ({"user_id": None}, {"m5", "m6"}),
    ({"agent_id": {"ne": "a1"}}, ALL - {"m1", "m5"}),
    ({"memory_type": "procedural"}, {"m2"}),
    ({"memory": "empty"}, {"m4"}),
    ({"id": "m3"}, {"m3"}),
    ({"hash": "h3"}, {"m3"}),
    ({"invalid_at": None}, ALL - {"m3"}),
    # ordering
    ({"rating": {"gt": 3}}, {"m1", "m2", "m6", "m8"}),
    ({"rating": {"gte": 4, "lt": 10}}, {"m1", "m6"}),
    ({"rating": {"lte": 0}}, {"m5", "m7"}),
    ({"rating": {"lt": 0.5}}, {"m5", "m7"}),
    ({"rating": {"gt": "4"}}, {"m3"}),
    ({"category": {"gt": "food"}}, {"m2", "m6", "m8"}),
    ({"category": {"lt": "food"}}, {"m3"}),
    ({"vegan": {"gt": 0}}, set()),
    ({"created_at": {"gte": "2024-03-01T00:00:00.000000+00:00"}}, ALL - {"m1", "m2"}),
    ({"created_at": {"lt": datetime(2024, 2, 15)}}, {"m1", "m2"}),
    ({"created_at": {"gt": datetime(2024, 5, 1, 12, tzinfo=PLUS_TWO)}}, {"m6", "m7", "m8"}),
    ({"created_at": {"gte": datetime(2024, 5, 1, 12, tzinfo=PLUS_TWO)}}, {"m5", "m6", "m7", "m8"}),
    ({"valid_at": datetime(2024, 4, 1, 10)}, {"m4"}),
    ({"invalid_at": {"gt": "2024"}}, {"m3"}),
    ({"user_id": {"gt": "u1"}}, {"m3", "m4", "m7", "m8"}),
    # in / nin
    ({"category": {"in": ["food", "work"]}}, {"m1", "m2", "m7"}),
    ({"category": {"in": ["travel", None]}}, {"m4", "m5", "m6"}),
    ({"rating": {"in": [5, "5"]}}, {"m1", "m3"}),
    ({"rating": {"in": [0, 4]}}, {"m5", "m6"}),
    ({"flag": {"in": [True, 1]}}, {"m3", "m5"}),
    ({"flag": {"in": [True, False]}}, {"m5", "m7"}),
    ({"category": {"nin": ["food", "work"]}}, {"m3", "m4", "m5", "m6", "m8"}),
    ({"user_id": {"in": ["u1", "u3"]}}, {"m1", "m2", "m7"}),
    ({"user_id": {"nin": ["u1", None]}}, {"m3", "m4", "m7", "m8"}),
    ({"user_id": {"in": [None]}}, {"m5", "m6"}),
    ({"created_at": {"in": [datetime(2024, 1, 1, 10), "2024-02-01T10:00:00.000000+00:00"]}},
     {"m1", "m2"}),
    # contains / icontains: substring of a string, equal string element of a list
    ({"tags": {"contains": "japanese"}}, {"m1"}),
    ({"tags": {"icontains": "japanese"}}, {"m1", "m3", "m7"}),
    ({"tags": {"contains": "Japan"}}, {"m3"}),
    ({"tags": {"icontains": "JAPAN"}}, {"m3"}),
    ({"tags": {"contains": "Fish"}}, {"m1"}),
    ({"tags": {"contains": "fish"}}, set()),
    ({"tags": {"icontains": "fish"}}, {"m1"}),
    ({"tags": {"contains": "5"}}, set()),
    ({"tags": {"contains": "true"}}, set()),
    ({"tags": {"ne": "x", "contains": "urgent"}}, {"m2"}),
    ({"category": {"contains": "oo"}}, {"m1", "m7"}),
    ({"category": {"icontains": "OO"}}, {"m1", "m3", "m7"}),
    ({"category": {"contains": ""}}, {"m1", "m2", "m3", "m6", "m7", "m8"}),
    ({"rating": {"contains": "5"}}, {"m3"}),
    ({"profile": {"contains": "Paris"}}, {"m6"}),
    ({"missing": {"contains": ""}}, set()),
    ({"memory": {"contains": "Sushi"}}, {"m1"}),
    ({"memory": {"contains": "sushi"}}, set()),
    ({"memory": {"icontains": "SUSHI"}}, {"m1"}),
    ({"café": {"icontains": "ACC"}}, {"m1", "m2"}),
    ({QUOTED_KEY: {"contains": "oub"}}, {"m1"}),
    # AND / OR / NOT
    ({"OR": [{"category": "food"}, {"vegan": True}]}, {"m1", "m2", "m5", "m7"}),
    ({"AND": [{"category": "food"}, {"user_id": "u1"}]}, {"m1"}),
    ({"category": "food", "user_id": "u3"}, {"m7"}),
    ({"NOT": {"category": "food"}}, ALL - {"m1", "m7"}),
    ({"NOT": {"rating": {"gt": 3}}}, {"m3", "m4", "m5", "m7"}),
    ({"NOT": [{"category": "food"}, {"user_id": "u1"}]}, ALL - {"m1"}),
    ({"NOT": {"NOT": {"vegan": True}}}, {"m2", "m5"}),
    ({"OR": [{"NOT": {"vegan": True}}, {"rating": {"lt": 0}}]}, ALL - {"m2", "m5"}),
    ({"user_id": "u2", "NOT": {"tags": {"icontains": "japanese"}}}, {"m4"}),
    (
        {"OR": [{"AND": [{"rating": {"gte": 0}}, {"rating": {"lt": 4}}]}, {"flag": False}]},
        {"m2", "m5", "m7"},
    ),
    ({"NOT": {"OR": [{"missing": 1}, {"agent_id": "a1"}]}}, ALL - {"m1", "m5"}),
    ({"NOT": {"AND": [{"missing": {"ne": 1}}, {"category": {"nin": ["food"]}}]}}, {"m1", "m7"}),
    # injection attempts: keys and values only ever travel as parameters
    ({"category": "x') OR 1=1 --"}, {"m8"}),
    ({"user_id": "x' OR '1'='1"}, {"m8"}),
    ({"x') OR 1=1 --": 1}, set()),
    ({"metadata.\"]') OR 1=1 --": 1}, set()),
    ({INJECTION_KEY: "boom"}, {"m8"}),
    ({"category": {"in": ["'; DROP TABLE memories; --"]}}, set()),
]  # fmt: skip


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
    node = parse_filters({"user_id": "u1", "vegan": True, QUOTED_KEY: {"ne": "x"}})
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
